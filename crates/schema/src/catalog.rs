//! The hand-kept part of the schema documentation: which area each table
//! belongs to, and notes a reader needs that the database cannot say (units,
//! formats, what a column is for). Structure never comes from here — a table
//! missing from this catalog still introspects and exports, in group `other`.

/// An area of the product; the DBML `TableGroup`s and diagram clusters.
pub struct Group {
    pub name: &'static str,
    pub note: &'static str,
    /// Tables in reading order: the order exports list them.
    pub tables: &'static [&'static str],
}

/// The group for tables the catalog does not know.
pub const OTHER_GROUP: &str = "other";

pub const GROUPS: &[Group] = &[
    Group {
        name: "identity",
        note: "Accounts, login sessions, second factors and the append-only audit trail.",
        tables: &[
            "users",
            "user_sessions",
            "second_factors",
            "recovery_codes",
            "sign_in_challenges",
            "audit_logs",
        ],
    },
    Group {
        name: "catalog",
        note: "Courses and their materials.",
        tables: &["courses", "course_materials"],
    },
    Group {
        name: "scheduling",
        note: "Live sessions: bookable time slots and the seats students book in them.",
        tables: &["availability_slots", "bookings"],
    },
    Group {
        name: "commerce",
        note: "Charges, refunds and promotional codes.",
        tables: &["payments", "promo_codes", "booking_promo_codes"],
    },
    Group {
        name: "engagement",
        note: "Enrollments, learning progress, notifications and ratings.",
        tables: &[
            "enrollments",
            "course_progress",
            "notifications",
            "instructor_ratings",
            "course_ratings",
        ],
    },
    Group {
        name: "cme",
        note: "Continuing medical education: accredited activities and their credit designations, assessments, \
               claims, certificates and the keys that sign them, and learners' licences and credits.",
        tables: &[
            "cme_providers",
            "cme_activities",
            "cme_activity_topics",
            "cme_designations",
            "cme_designation_professions",
            "cme_assessments",
            "cme_questions",
            "cme_question_versions",
            "cme_attempts",
            "cme_claims",
            "cme_certificates",
            "cme_signing_keys",
            "cme_learner_profiles",
            "cme_licences",
            "cme_external_credits",
        ],
    },
];

/// The group a table belongs to and its position in the catalog, the sort key
/// for tables in every export.
pub fn placement(table: &str) -> (usize, usize, &'static str) {
    for (group_index, group) in GROUPS.iter().enumerate() {
        if let Some(position) = group.tables.iter().position(|t| *t == table) {
            return (group_index, position, group.name);
        }
    }
    (GROUPS.len(), 0, OTHER_GROUP)
}

pub fn table_note(table: &str) -> Option<&'static str> {
    let note = match table {
        "users" => {
            "People on the platform: students, instructors and admins. Soft-deleted through deleted_at; \
             the email is unique among live users, case-insensitively. rating_sum and rating_count cache \
             the instructor's live ratings."
        }
        "user_sessions" => {
            "Login sessions. Only a hash of the session token is stored, never the token. A session ends at \
             idle_expires_at, expires_at or revoked_at, whichever comes first."
        }
        "second_factors" => {
            "A user's TOTP authenticator (RFC 6238): at most one confirmed (in use) and one pending (being set \
             up) per user. Deleted, not soft-deleted, when turned off: a secret must not outlive its removal."
        }
        "recovery_codes" => {
            "One-time codes that sign in in place of the authenticator, ten per user at a time. Only a hash is \
             stored; used_at marks a spent code."
        }
        "sign_in_challenges" => {
            "The step between a right password and the second factor: a short-lived, single-use token, stored \
             as a hash."
        }
        "audit_logs" => {
            "Who did what, append-only: triggers reject every UPDATE and DELETE. entity_type and entity_id name \
             the affected row without a foreign key, so history outlives the row."
        }
        "cme_providers" => {
            "Accredited CME providers, set by admins. The accreditation statement is the provider's own words, \
             printed on every certificate as written. Soft-deleted."
        }
        "cme_activities" => {
            "A course offered for credit by a provider: live or enduring material, with release and expiry \
             dates and the disclosure shown to learners. A course is at most one live activity. Soft-deleted."
        }
        "cme_activity_topics" => {
            "Topics an activity covers, counted against licences' topic requirements."
        }
        "cme_designations" => {
            "The credit an activity designates: credit type, maximum, claim step and the provider's \
             designation statement. Soft-deleted; one live designation per activity and credit type."
        }
        "cme_designation_professions" => {
            "Professions that may claim a designation's credit; other learners receive a participation certificate."
        }
        "cme_assessments" => {
            "An activity's pre-test, post-test or evaluation, with pass mark, attempt limit, cooldown, time \
             limit with grace, and shuffling."
        }
        "cme_questions" => {
            "Items of an assessment's question bank, in order; retired items are drawn no more."
        }
        "cme_question_versions" => {
            "What a bank item asks, one row per edit: options, answer key, rationale and points. Attempts \
             snapshot the version they drew."
        }
        "cme_attempts" => {
            "A learner's attempt at an assessment, with the questions drawn as a snapshot and, once ended, the \
             answers and the score computed on the server. Attempt numbers are unique per learner and \
             assessment, and at most one attempt is in progress."
        }
        "cme_claims" => {
            "Credit claimed by a learner for a designation, with their attestation and the time measured. One \
             live (not voided) claim per learner and designation."
        }
        "cme_certificates" => {
            "Certificates, never edited: the canonical JSON snapshot they print, its SHA-256 and the signed \
             Open Badges credential. Revoking sets revoked_at; re-issuing adds a certificate that supersedes \
             the old one."
        }
        "cme_signing_keys" => {
            "Ed25519 keys signing credentials; private keys are encrypted with a key from the configuration. \
             The newest unretired key signs; every key stays published so old credentials verify."
        }
        "cme_learner_profiles" => {
            "A learner's profession and the details accreditor reports need (birth month and day, board \
             number), and their consent to be reported."
        }
        "cme_licences" => {
            "Licences a learner holds, with the renewal date, cycle and the credits and topics a cycle requires. \
             Soft-deleted."
        }
        "cme_external_credits" => {
            "Credits earned elsewhere, recorded by the learner and marked self-reported. Soft-deleted."
        }
        "courses" => {
            "Courses authored by instructors. Soft-deleted; the slug is unique among live courses. \
             The list price is in minor units of currency."
        }
        "course_materials" => {
            "The ordered content of a course: video, document, article, quiz or link. Soft-deleted; \
             position is unique among a course's live materials."
        }
        "availability_slots" => {
            "Bookable times of a course. capacity above 1 makes a group session; a recurring series is a chain \
             of slots whose series_id is the first slot, which carries the recurrence rule. Soft-deleted."
        }
        "bookings" => {
            "A student's seat in a slot, from a pending hold through confirmation to completion, cancellation or \
             expiry, with the price charged. A student holds at most one live (pending or confirmed) booking per slot."
        }
        "payments" => {
            "Charges and refunds through a payment provider. A refund points at the charge it refunds through \
             refund_of; the charge's refunded_minor sums its refunds."
        }
        "promo_codes" => {
            "Discount codes, a percentage or a fixed amount, optionally limited to one course or instructor, \
             with validity dates and redemption limits. Soft-deleted; the code is unique among live codes, \
             case-insensitively."
        }
        "booking_promo_codes" => {
            "Promo codes applied to bookings, with the discount each gave. released_at marks a redemption \
             given back (for example when the booking expired)."
        }
        "enrollments" => {
            "A student's access to a course, from a booking, a free course or an admin grant. At most one active \
             or completed enrollment per student and course."
        }
        "course_progress" => "Progress of an enrollment through each material of the course.",
        "notifications" => {
            "Outbox of notifications per channel. Delivery workers lease queued rows; dedupe_key keeps one event \
             from notifying twice."
        }
        "instructor_ratings" => {
            "A user's 1-5 rating of an instructor; one live rating per rater and instructor, never of oneself. \
             Soft-deleted."
        }
        "course_ratings" => {
            "A user's 1-5 rating of a course; one live rating per rater and course. Soft-deleted."
        }
        _ => return None,
    };
    Some(note)
}

/// Columns whose name ends in `_id` but that hold an identifier issued by
/// someone else, so they are text rather than UUIDs. The SQLite type rule
/// needs this (see [`crate::normalize::sqlite_logical_type`]): nothing in a
/// SQLite column tells a provider's payment id from a row id.
const FOREIGN_IDENTIFIERS: &[(&str, &str)] = &[
    ("payments", "provider_payment_id"),
    ("audit_logs", "request_id"),
];

pub fn is_foreign_identifier(table: &str, column: &str) -> bool {
    FOREIGN_IDENTIFIERS.contains(&(table, column))
}

pub fn column_note(table: &str, column: &str) -> Option<&'static str> {
    specific_column_note(table, column).or_else(|| conventional_column_note(column))
}

fn specific_column_note(table: &str, column: &str) -> Option<&'static str> {
    let note = match (table, column) {
        ("cme_attempts", "score_hundredths") => {
            "The score in hundredths of a percent (8000 is 80%)."
        }
        ("cme_certificates", "snapshot") => {
            "Canonical JSON (sorted keys, no whitespace) of everything the certificate prints; exactly these bytes are hashed."
        }
        ("cme_certificates", "credential") => {
            "The Open Badges 3.0 credential as a compact JWT signed with EdDSA."
        }
        ("cme_certificates", "code") => {
            "MEDU-XXXX-XXXX-XXXX-XXXX (Crockford base 32); the public verification code."
        }
        ("cme_signing_keys", "private_key") => {
            "The Ed25519 private key, encrypted (XChaCha20-Poly1305 or AES-GCM) with the configured key-encryption key."
        }
        ("users", "email") => "Login name; unique among live users, compared in lower case.",
        ("users", "password_hash") => {
            "Argon2id hash as a PHC string (salt and parameters included); the password itself is never stored."
        }
        ("users", "phone") => "E.164: a + and 7 to 15 digits.",
        ("users", "locale") | ("courses", "language") => "BCP 47 language tag (en, pt-BR).",
        ("users", "failed_login_attempts") => {
            "Consecutive failed logins; reaching the limit sets locked_until."
        }
        ("users", "locked_until") => "Logins are refused until then after too many failures.",
        ("users" | "courses", "rating_sum") => {
            "Sum of the live ratings' values; average = rating_sum / rating_count."
        }
        ("users" | "courses", "rating_count") => "Number of live ratings.",
        ("user_sessions", "token_hash") => {
            "Lowercase hex SHA-256 of the session token; the token itself is never stored."
        }
        ("user_sessions", "idle_expires_at") => {
            "Moves forward with activity; the session ends when idle past it."
        }
        ("user_sessions", "expires_at") => "Absolute end of the session, however active.",
        ("second_factors", "secret") => {
            "The shared TOTP secret in RFC 4648 base32 (160 bits); the authenticator app holds the same."
        }
        ("second_factors", "last_used_step") => {
            "The last 30-second time step whose code was accepted; only a later one is, so no code works twice."
        }
        ("second_factors", "confirmed_at") => {
            "Set when the first code from the app confirmed it; NULL while being set up."
        }
        ("recovery_codes", "code_hash") => {
            "Lowercase hex SHA-256 of the code (80 random bits); the code itself is never stored."
        }
        ("recovery_codes", "used_at") => "Set when the code signed in; it never works again.",
        ("sign_in_challenges", "token_hash") => {
            "Lowercase hex SHA-256 of the challenge token; the token itself is never stored."
        }
        ("sign_in_challenges", "expires_at") => "The code must come before then (five minutes).",
        ("sign_in_challenges", "used_at") => {
            "Set when the challenge signed in; it never works again."
        }
        ("audit_logs", "actor_id") => "The user who acted; NULL for the system.",
        ("audit_logs", "entity_id") => {
            "The affected row's id; no foreign key, so the log outlives the row."
        }
        ("audit_logs", "changes") => "JSON object describing the change.",
        ("audit_logs", "request_id") => "Id of the HTTP request that made the change, for tracing.",
        ("courses", "slug") => "Name in URLs; unique among live courses.",
        ("courses", "tags") => "JSON array of strings.",
        ("courses", "cme_credit_hundredths") => {
            "Continuing Medical Education credits times 100 (150 = 1.5 credits)."
        }
        ("courses", "enrollment_count") => "Number of enrollments, kept with them.",
        ("courses", "published_at") => "Set when the course is first published.",
        ("course_materials", "position") => {
            "Order within the course; unique among its live materials."
        }
        ("course_materials", "content_url") => {
            "Where the content lives (video, document, link); or body holds it."
        }
        ("course_materials", "is_preview") => "Visible to students who are not enrolled.",
        ("availability_slots", "series_id") => {
            "The first slot of the recurring series this slot belongs to."
        }
        ("availability_slots", "recurrence") => {
            "JSON recurrence rule; only on the first slot of a series."
        }
        ("availability_slots", "starts_at") => "UTC; timezone is the zone to show it in.",
        ("availability_slots", "seats_booked") => {
            "Seats taken by live bookings; never above capacity."
        }
        ("availability_slots", "meeting_url") => "Video call link for online sessions.",
        ("bookings", "hold_expires_at") => "A pending booking holds its seat until then.",
        ("bookings", "refund_eligible") => {
            "Set on cancellation: whether the cancellation policy grants a refund."
        }
        ("bookings", "rescheduled_from") => "The booking this one replaced when rescheduled.",
        ("bookings", "idempotency_key") => {
            "Client-chosen key: a retried request returns the original booking."
        }
        ("bookings", "request_fingerprint") => {
            "Hash of the request that used idempotency_key, to refuse reusing the key for another request."
        }
        ("payments", "provider_payment_id") => {
            "The provider's own id for the payment; text, not a UUID."
        }
        ("payments", "refund_of") => "For a refund, the charge it refunds.",
        ("payments", "refunded_minor") => {
            "For a charge, the amount refunded so far, in minor units."
        }
        ("payments", "idempotency_key") => {
            "Also sent to the provider, so a retried charge is charged once."
        }
        ("payments", "provider_metadata") => "JSON object returned by the provider.",
        ("promo_codes", "code") => "Unique among live codes, compared in lower case.",
        ("promo_codes", "value") => {
            "Percent (1-100) for percent codes; minor units of currency for fixed codes."
        }
        ("promo_codes", "currency") => "ISO 4217 code; only for fixed-amount codes.",
        ("promo_codes", "course_id") => "Limits the code to one course.",
        ("promo_codes", "instructor_id") => "Limits the code to one instructor's courses.",
        ("enrollments", "progress_percent") => "0 to 100, from the course_progress rows.",
        ("course_progress", "last_position_seconds") => "Where playback stopped, to resume there.",
        ("notifications", "data") => "JSON object with the values the message template needs.",
        ("notifications", "send_after") => "Not delivered before then.",
        ("notifications", "lease_expires_at") => {
            "A worker delivering the notification holds it until then."
        }
        ("notifications", "dedupe_key") => "When set, unique: one event does not notify twice.",
        ("notifications", "expires_at") => {
            "Cancelled rather than delivered after this (a reminder of a session that has started)."
        }
        ("users", "notification_preferences") => {
            "Channels chosen per kind of notification, only where they differ from the defaults."
        }
        _ => return None,
    };
    Some(note)
}

/// Notes that follow from the schema's naming conventions, wherever the column is.
fn conventional_column_note(column: &str) -> Option<&'static str> {
    let note = match column {
        "id" => "UUIDv7, generated by the application.",
        "currency" => "ISO 4217 code in upper case (USD, EUR).",
        "timezone" => "IANA time zone name (America/New_York).",
        "deleted_at" => "Soft delete: set when deleted; live rows have NULL.",
        _ if column.ends_with("_minor") => "Money in minor units (cents) of currency.",
        _ if column.ends_with("_hundredths") => "Credits in hundredths (150 is 1.5 credits).",
        _ if column.ends_with("_on") => "A calendar day (YYYY-MM-DD).",
        _ => return None,
    };
    Some(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogued_table_has_a_note_and_one_group() {
        let mut seen = std::collections::BTreeSet::new();
        for group in GROUPS {
            for table in group.tables {
                assert!(seen.insert(*table), "{table} is in two groups");
                assert!(table_note(table).is_some(), "{table} has no note");
            }
        }
        assert_eq!(seen.len(), 33);
        assert_eq!(placement("something_new"), (GROUPS.len(), 0, OTHER_GROUP));
    }
}
