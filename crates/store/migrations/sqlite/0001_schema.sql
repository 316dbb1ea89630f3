-- MedicalEdu schema, SQLite dialect.
-- The PostgreSQL migration in ../postgres/0001_schema.sql gives the same logical schema;
-- a test compares the two introspected schemas, so change both together.
--
-- Tables are STRICT so SQLite enforces column types. Logical types map to storage as:
-- uuid -> TEXT (hyphenated), timestamptz -> TEXT (fixed-width RFC 3339 UTC with
-- microseconds, which sorts and compares as text), bigint/boolean -> INTEGER,
-- jsonb -> TEXT guarded by json_valid(). The SQLite-only checks that stand in for
-- PostgreSQL's types are named ck_<table>_<column>_bool and ck_<table>_<column>_json.
-- Covering (INCLUDE) indexes are PostgreSQL-only.

CREATE TABLE users (
    id                      TEXT     NOT NULL,
    email                   TEXT     NOT NULL,
    password_hash           TEXT     NOT NULL,
    full_name               TEXT     NOT NULL,
    role                    TEXT     NOT NULL,
    status                  TEXT     NOT NULL DEFAULT 'active',
    phone                   TEXT,
    timezone                TEXT     NOT NULL DEFAULT 'UTC',
    locale                  TEXT     NOT NULL DEFAULT 'en',
    headline                TEXT,
    bio                     TEXT,
    specialty               TEXT,
    credentials             TEXT,
    email_verified_at       TEXT,
    failed_login_attempts   INTEGER  NOT NULL DEFAULT 0,
    locked_until            TEXT,
    last_login_at           TEXT,
    password_changed_at     TEXT,
    rating_sum              INTEGER  NOT NULL DEFAULT 0,
    rating_count            INTEGER  NOT NULL DEFAULT 0,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    deleted_at              TEXT,
    CONSTRAINT pk_users PRIMARY KEY (id),
    CONSTRAINT ck_users_email CHECK (length(email) BETWEEN 3 AND 320),
    CONSTRAINT ck_users_full_name CHECK (length(full_name) BETWEEN 1 AND 200),
    CONSTRAINT ck_users_role CHECK (role IN ('student', 'instructor', 'admin')),
    CONSTRAINT ck_users_status CHECK (status IN ('active', 'suspended')),
    CONSTRAINT ck_users_phone CHECK (phone IS NULL OR (substr(phone, 1, 1) = '+' AND length(phone) BETWEEN 8 AND 16)),
    CONSTRAINT ck_users_failed_login_attempts CHECK (failed_login_attempts >= 0),
    CONSTRAINT ck_users_rating CHECK (rating_count >= 0 AND rating_sum BETWEEN rating_count AND 5 * rating_count)
) STRICT;
CREATE UNIQUE INDEX ux_users_email_live ON users (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX ix_users_role_status ON users (role, status, created_at) WHERE deleted_at IS NULL;

CREATE TABLE courses (
    id                      TEXT     NOT NULL,
    instructor_id           TEXT     NOT NULL,
    title                   TEXT     NOT NULL,
    slug                    TEXT     NOT NULL,
    summary                 TEXT     NOT NULL DEFAULT '',
    description             TEXT     NOT NULL DEFAULT '',
    category                TEXT     NOT NULL,
    specialty               TEXT,
    tags                    TEXT     NOT NULL DEFAULT '[]',
    level                   TEXT     NOT NULL,
    language                TEXT     NOT NULL DEFAULT 'en',
    price_minor             INTEGER  NOT NULL DEFAULT 0,
    currency                TEXT     NOT NULL,
    cme_credit_hundredths   INTEGER  NOT NULL DEFAULT 0,
    status                  TEXT     NOT NULL DEFAULT 'draft',
    published_at            TEXT,
    rating_sum              INTEGER  NOT NULL DEFAULT 0,
    rating_count            INTEGER  NOT NULL DEFAULT 0,
    enrollment_count        INTEGER  NOT NULL DEFAULT 0,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    deleted_at              TEXT,
    CONSTRAINT pk_courses PRIMARY KEY (id),
    CONSTRAINT fk_courses_instructor_id FOREIGN KEY (instructor_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_courses_title CHECK (length(title) BETWEEN 1 AND 200),
    CONSTRAINT ck_courses_slug CHECK (length(slug) BETWEEN 1 AND 120),
    CONSTRAINT ck_courses_level CHECK (level IN ('beginner', 'intermediate', 'advanced')),
    CONSTRAINT ck_courses_price CHECK (price_minor >= 0),
    CONSTRAINT ck_courses_currency CHECK (length(currency) = 3 AND currency = upper(currency)),
    CONSTRAINT ck_courses_cme CHECK (cme_credit_hundredths >= 0),
    CONSTRAINT ck_courses_status CHECK (status IN ('draft', 'published', 'archived')),
    CONSTRAINT ck_courses_published_at CHECK (status <> 'published' OR published_at IS NOT NULL),
    CONSTRAINT ck_courses_rating CHECK (rating_count >= 0 AND rating_sum BETWEEN rating_count AND 5 * rating_count),
    CONSTRAINT ck_courses_enrollment_count CHECK (enrollment_count >= 0),
    CONSTRAINT ck_courses_tags_json CHECK (json_valid(tags))
) STRICT;
CREATE UNIQUE INDEX ux_courses_slug_live ON courses (slug) WHERE deleted_at IS NULL;
CREATE INDEX ix_courses_instructor_id ON courses (instructor_id);
CREATE INDEX ix_courses_catalog_category ON courses (category, published_at, id)
    WHERE                   STATUS   = 'published' AND deleted_at IS NULL;
CREATE INDEX ix_courses_catalog_newest ON courses (published_at, id)
    WHERE                   STATUS   = 'published' AND deleted_at IS NULL;
CREATE TABLE course_materials (
    id                      TEXT     NOT NULL,
    course_id               TEXT     NOT NULL,
    title                   TEXT     NOT NULL,
    kind                    TEXT     NOT NULL,
    position                INTEGER  NOT NULL,
    content_url             TEXT,
    body                    TEXT,
    duration_seconds        INTEGER,
    is_required             INTEGER  NOT NULL DEFAULT 1,
    is_preview              INTEGER  NOT NULL DEFAULT 0,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    deleted_at              TEXT,
    CONSTRAINT pk_course_materials PRIMARY KEY (id),
    CONSTRAINT fk_course_materials_course_id FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE CASCADE,
    CONSTRAINT ck_course_materials_title CHECK (length(title) BETWEEN 1 AND 200),
    CONSTRAINT ck_course_materials_kind CHECK (kind IN ('video', 'document', 'article', 'quiz', 'link')),
    CONSTRAINT ck_course_materials_position CHECK (position >= 0),
    CONSTRAINT ck_course_materials_content CHECK (content_url IS NOT NULL OR body IS NOT NULL),
    CONSTRAINT ck_course_materials_duration CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    CONSTRAINT ck_course_materials_is_required_bool CHECK (is_required IN (0, 1)),
    CONSTRAINT ck_course_materials_is_preview_bool CHECK (is_preview IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX ux_course_materials_position_live ON course_materials (course_id, position) WHERE deleted_at IS NULL;
CREATE INDEX ix_course_materials_course_id ON course_materials (course_id);

CREATE TABLE availability_slots (
    id                      TEXT     NOT NULL,
    course_id               TEXT     NOT NULL,
    series_id               TEXT,
    starts_at               TEXT     NOT NULL,
    ends_at                 TEXT     NOT NULL,
    timezone                TEXT     NOT NULL,
    capacity                INTEGER  NOT NULL DEFAULT 1,
    seats_booked            INTEGER  NOT NULL DEFAULT 0,
    price_minor             INTEGER  NOT NULL,
    currency                TEXT     NOT NULL,
    location                TEXT,
    meeting_url             TEXT,
    status                  TEXT     NOT NULL DEFAULT 'open',
    recurrence              TEXT,
    cancelled_at            TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    deleted_at              TEXT,
    CONSTRAINT pk_availability_slots PRIMARY KEY (id),
    CONSTRAINT fk_availability_slots_course_id FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE RESTRICT,
    CONSTRAINT fk_availability_slots_series_id FOREIGN KEY (series_id) REFERENCES availability_slots (id) ON DELETE RESTRICT,
    CONSTRAINT ck_availability_slots_time CHECK (ends_at > starts_at),
    CONSTRAINT ck_availability_slots_capacity CHECK (capacity >= 1),
    CONSTRAINT ck_availability_slots_seats CHECK (seats_booked >= 0 AND seats_booked <= capacity),
    CONSTRAINT ck_availability_slots_price CHECK (price_minor >= 0),
    CONSTRAINT ck_availability_slots_currency CHECK (length(currency) = 3 AND currency = upper(currency)),
    CONSTRAINT ck_availability_slots_status CHECK (status IN ('open', 'closed', 'cancelled')),
    CONSTRAINT ck_availability_slots_recurrence CHECK (recurrence IS NULL OR series_id = id),
    CONSTRAINT ck_availability_slots_recurrence_json CHECK (json_valid(recurrence))
) STRICT;
CREATE INDEX ix_availability_slots_course_start ON availability_slots (course_id, starts_at);
CREATE INDEX ix_availability_slots_series_id ON availability_slots (series_id, starts_at);
CREATE INDEX ix_availability_slots_starts_at ON availability_slots (starts_at) WHERE deleted_at IS NULL;

CREATE TABLE bookings (
    id                      TEXT     NOT NULL,
    slot_id                 TEXT     NOT NULL,
    student_id              TEXT     NOT NULL,
    status                  TEXT     NOT NULL,
    list_price_minor        INTEGER  NOT NULL,
    discount_minor          INTEGER  NOT NULL DEFAULT 0,
    total_minor             INTEGER  NOT NULL,
    currency                TEXT     NOT NULL,
    hold_expires_at         TEXT,
    confirmed_at            TEXT,
    cancelled_at            TEXT,
    cancelled_by            TEXT,
    cancel_reason           TEXT,
    refund_eligible         INTEGER,
    completed_at            TEXT,
    rescheduled_from        TEXT,
    reschedule_count        INTEGER  NOT NULL DEFAULT 0,
    idempotency_key         TEXT,
    request_fingerprint     TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_bookings PRIMARY KEY (id),
    CONSTRAINT fk_bookings_slot_id FOREIGN KEY (slot_id) REFERENCES availability_slots (id) ON DELETE RESTRICT,
    CONSTRAINT fk_bookings_student_id FOREIGN KEY (student_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_bookings_cancelled_by FOREIGN KEY (cancelled_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_bookings_rescheduled_from FOREIGN KEY (rescheduled_from) REFERENCES bookings (id) ON DELETE RESTRICT,
    CONSTRAINT ck_bookings_status CHECK (status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show', 'expired')),
    CONSTRAINT ck_bookings_amounts CHECK (list_price_minor >= 0 AND discount_minor >= 0 AND total_minor >= 0 AND total_minor = list_price_minor - discount_minor),
    CONSTRAINT ck_bookings_currency CHECK (length(currency) = 3 AND currency = upper(currency)),
    CONSTRAINT ck_bookings_pending_hold CHECK (status <> 'pending' OR hold_expires_at IS NOT NULL),
    CONSTRAINT ck_bookings_reschedule_count CHECK (reschedule_count >= 0),
    CONSTRAINT ck_bookings_refund_eligible_bool CHECK (refund_eligible IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX ux_bookings_live_student_slot ON bookings (slot_id, student_id) WHERE status IN ('pending', 'confirmed');
CREATE UNIQUE INDEX ux_bookings_idempotency_key ON bookings (student_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX ix_bookings_student_status ON bookings (student_id, status, created_at);
CREATE INDEX ix_bookings_slot_status ON bookings (slot_id, status);
CREATE INDEX ix_bookings_hold_expiry ON bookings (hold_expires_at) WHERE status = 'pending';
CREATE INDEX ix_bookings_cancelled_by ON bookings (cancelled_by) WHERE cancelled_by IS NOT NULL;
CREATE INDEX ix_bookings_rescheduled_from ON bookings (rescheduled_from) WHERE rescheduled_from IS NOT NULL;

CREATE TABLE payments (
    id                      TEXT     NOT NULL,
    booking_id              TEXT     NOT NULL,
    provider                TEXT     NOT NULL,
    provider_payment_id     TEXT,
    kind                    TEXT     NOT NULL,
    refund_of               TEXT,
    amount_minor            INTEGER  NOT NULL,
    refunded_minor          INTEGER  NOT NULL DEFAULT 0,
    currency                TEXT     NOT NULL,
    status                  TEXT     NOT NULL DEFAULT 'pending',
    failure_reason          TEXT,
    idempotency_key         TEXT     NOT NULL,
    provider_metadata       TEXT     NOT NULL DEFAULT '{}',
    processed_at            TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_payments PRIMARY KEY (id),
    CONSTRAINT fk_payments_booking_id FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE RESTRICT,
    CONSTRAINT fk_payments_refund_of FOREIGN KEY (refund_of) REFERENCES payments (id) ON DELETE RESTRICT,
    CONSTRAINT ck_payments_provider CHECK (provider IN ('stripe', 'paypal', 'manual')),
    CONSTRAINT ck_payments_kind CHECK (kind IN ('charge', 'refund')),
    CONSTRAINT ck_payments_refund_link CHECK ((kind = 'refund') = (refund_of IS NOT NULL)),
    CONSTRAINT ck_payments_amount CHECK (amount_minor > 0),
    CONSTRAINT ck_payments_refunded CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor AND (kind = 'charge' OR refunded_minor = 0)),
    CONSTRAINT ck_payments_currency CHECK (length(currency) = 3 AND currency = upper(currency)),
    CONSTRAINT ck_payments_status CHECK (status IN ('pending', 'requires_action', 'succeeded', 'failed', 'cancelled')),
    CONSTRAINT ck_payments_provider_metadata_json CHECK (json_valid(provider_metadata))
) STRICT;
CREATE UNIQUE INDEX ux_payments_provider_payment_id ON payments (provider, provider_payment_id) WHERE provider_payment_id IS NOT NULL;
CREATE UNIQUE INDEX ux_payments_idempotency_key ON payments (idempotency_key);
CREATE INDEX ix_payments_booking_id ON payments (booking_id, created_at);
CREATE INDEX ix_payments_refund_of ON payments (refund_of) WHERE refund_of IS NOT NULL;
CREATE INDEX ix_payments_status_created ON payments (status, created_at);

CREATE TABLE enrollments (
    id                      TEXT     NOT NULL,
    student_id              TEXT     NOT NULL,
    course_id               TEXT     NOT NULL,
    status                  TEXT     NOT NULL DEFAULT 'active',
    source                  TEXT     NOT NULL,
    progress_percent        INTEGER  NOT NULL DEFAULT 0,
    enrolled_at             TEXT     NOT NULL,
    completed_at            TEXT,
    cancelled_at            TEXT,
    last_accessed_at        TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_enrollments PRIMARY KEY (id),
    CONSTRAINT fk_enrollments_student_id FOREIGN KEY (student_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_enrollments_course_id FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE RESTRICT,
    CONSTRAINT ck_enrollments_status CHECK (status IN ('active', 'completed', 'cancelled', 'expired')),
    CONSTRAINT ck_enrollments_source CHECK (source IN ('free', 'booking', 'admin_grant')),
    CONSTRAINT ck_enrollments_progress CHECK (progress_percent BETWEEN 0 AND 100),
    CONSTRAINT ck_enrollments_completed_at CHECK (status <> 'completed' OR completed_at IS NOT NULL)
) STRICT;
CREATE UNIQUE INDEX ux_enrollments_live_student_course ON enrollments (student_id, course_id) WHERE status IN ('active', 'completed');
CREATE INDEX ix_enrollments_student_status ON enrollments (student_id, status, enrolled_at);
CREATE INDEX ix_enrollments_course_status ON enrollments (course_id, status);

CREATE TABLE course_progress (
    id                      TEXT     NOT NULL,
    enrollment_id           TEXT     NOT NULL,
    material_id             TEXT     NOT NULL,
    status                  TEXT     NOT NULL DEFAULT 'not_started',
    progress_percent        INTEGER  NOT NULL DEFAULT 0,
    last_position_seconds   INTEGER  NOT NULL DEFAULT 0,
    time_spent_seconds      INTEGER  NOT NULL DEFAULT 0,
    started_at              TEXT,
    completed_at            TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_course_progress PRIMARY KEY (id),
    CONSTRAINT fk_course_progress_enrollment_id FOREIGN KEY (enrollment_id) REFERENCES enrollments (id) ON DELETE CASCADE,
    CONSTRAINT fk_course_progress_material_id FOREIGN KEY (material_id) REFERENCES course_materials (id) ON DELETE RESTRICT,
    CONSTRAINT ck_course_progress_status CHECK (status IN ('not_started', 'in_progress', 'completed')),
    CONSTRAINT ck_course_progress_percent CHECK (progress_percent BETWEEN 0 AND 100),
    CONSTRAINT ck_course_progress_seconds CHECK (last_position_seconds >= 0 AND time_spent_seconds >= 0),
    CONSTRAINT ck_course_progress_completed_at CHECK (status <> 'completed' OR completed_at IS NOT NULL)
) STRICT;
CREATE UNIQUE INDEX ux_course_progress_enrollment_material ON course_progress (enrollment_id, material_id);
CREATE INDEX ix_course_progress_material_id ON course_progress (material_id);

CREATE TABLE notifications (
    id                      TEXT     NOT NULL,
    user_id                 TEXT     NOT NULL,
    channel                 TEXT     NOT NULL,
    kind                    TEXT     NOT NULL,
    title                   TEXT     NOT NULL,
    body                    TEXT     NOT NULL,
    data                    TEXT     NOT NULL DEFAULT '{}',
    status                  TEXT     NOT NULL DEFAULT 'queued',
    send_after              TEXT     NOT NULL,
    attempts                INTEGER  NOT NULL DEFAULT 0,
    lease_expires_at        TEXT,
    last_error              TEXT,
    sent_at                 TEXT,
    read_at                 TEXT,
    dedupe_key              TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_notifications PRIMARY KEY (id),
    CONSTRAINT fk_notifications_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT ck_notifications_channel CHECK (channel IN ('email', 'sms', 'push', 'in_app')),
    CONSTRAINT ck_notifications_status CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    CONSTRAINT ck_notifications_attempts CHECK (attempts >= 0),
    CONSTRAINT ck_notifications_lease CHECK (status <> 'sending' OR lease_expires_at IS NOT NULL),
    CONSTRAINT ck_notifications_data_json CHECK (json_valid(data))
) STRICT;
CREATE UNIQUE INDEX ux_notifications_dedupe_key ON notifications (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX ix_notifications_queue ON notifications (status, send_after)
    WHERE status IN ('queued', 'sending');
CREATE INDEX ix_notifications_user_unread ON notifications (user_id, created_at) WHERE channel = 'in_app' AND read_at IS NULL;
CREATE INDEX ix_notifications_user_created ON notifications (user_id, created_at);

CREATE TABLE audit_logs (
    id                      TEXT     NOT NULL,
    actor_id                TEXT,
    action                  TEXT     NOT NULL,
    entity_type             TEXT     NOT NULL,
    entity_id               TEXT,
    changes                 TEXT     NOT NULL DEFAULT '{}',
    ip_address              TEXT,
    user_agent              TEXT,
    request_id              TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_audit_logs PRIMARY KEY (id),
    CONSTRAINT fk_audit_logs_actor_id FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_audit_logs_action CHECK (length(action) BETWEEN 1 AND 100),
    CONSTRAINT ck_audit_logs_changes_json CHECK (json_valid(changes))
) STRICT;
CREATE INDEX ix_audit_logs_entity ON audit_logs (entity_type, entity_id, created_at);
CREATE INDEX ix_audit_logs_actor ON audit_logs (actor_id, created_at);
CREATE INDEX ix_audit_logs_action ON audit_logs (action, created_at);
CREATE INDEX ix_audit_logs_created_at ON audit_logs (created_at);

-- The audit log is append-only: history that can be rewritten proves nothing.
CREATE TRIGGER tr_audit_logs_no_update BEFORE UPDATE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;
CREATE TRIGGER tr_audit_logs_no_delete BEFORE DELETE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;

CREATE TABLE promo_codes (
    id                      TEXT     NOT NULL,
    code                    TEXT     NOT NULL,
    description             TEXT     NOT NULL DEFAULT '',
    discount_type           TEXT     NOT NULL,
    value                   INTEGER  NOT NULL,
    currency                TEXT,
    min_order_minor         INTEGER  NOT NULL DEFAULT 0,
    max_redemptions         INTEGER,
    redemption_count        INTEGER  NOT NULL DEFAULT 0,
    max_redemptions_per_user INTEGER,
    valid_from              TEXT,
    valid_until             TEXT,
    course_id               TEXT,
    instructor_id           TEXT,
    is_active               INTEGER  NOT NULL DEFAULT 1,
    created_by              TEXT     NOT NULL,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    deleted_at              TEXT,
    CONSTRAINT pk_promo_codes PRIMARY KEY (id),
    CONSTRAINT fk_promo_codes_course_id FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE RESTRICT,
    CONSTRAINT fk_promo_codes_instructor_id FOREIGN KEY (instructor_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_promo_codes_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_promo_codes_code CHECK (length(code) BETWEEN 3 AND 64),
    CONSTRAINT ck_promo_codes_discount_type CHECK (discount_type IN ('percent', 'fixed')),
    CONSTRAINT ck_promo_codes_value CHECK (value > 0 AND (discount_type <> 'percent' OR value <= 100)),
    CONSTRAINT ck_promo_codes_currency CHECK ((discount_type = 'fixed') = (currency IS NOT NULL) AND (currency IS NULL OR (length(currency) = 3 AND currency = upper(currency)))),
    CONSTRAINT ck_promo_codes_min_order CHECK (min_order_minor >= 0),
    CONSTRAINT ck_promo_codes_redemptions CHECK (redemption_count >= 0 AND (max_redemptions IS NULL OR (max_redemptions > 0 AND redemption_count <= max_redemptions))),
    CONSTRAINT ck_promo_codes_per_user CHECK (max_redemptions_per_user IS NULL OR max_redemptions_per_user > 0),
    CONSTRAINT ck_promo_codes_validity CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from),
    CONSTRAINT ck_promo_codes_is_active_bool CHECK (is_active IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX ux_promo_codes_code_live ON promo_codes (lower(code)) WHERE deleted_at IS NULL;
CREATE INDEX ix_promo_codes_course_id ON promo_codes (course_id) WHERE course_id IS NOT NULL;
CREATE INDEX ix_promo_codes_instructor_id ON promo_codes (instructor_id) WHERE instructor_id IS NOT NULL;
CREATE INDEX ix_promo_codes_created_by ON promo_codes (created_by);

CREATE TABLE booking_promo_codes (
    id                      TEXT     NOT NULL,
    booking_id              TEXT     NOT NULL,
    promo_code_id           TEXT     NOT NULL,
    discount_minor          INTEGER  NOT NULL,
    currency                TEXT     NOT NULL,
    applied_at              TEXT     NOT NULL,
    released_at             TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_booking_promo_codes PRIMARY KEY (id),
    CONSTRAINT fk_booking_promo_codes_booking_id FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE CASCADE,
    CONSTRAINT fk_booking_promo_codes_promo_code_id FOREIGN KEY (promo_code_id) REFERENCES promo_codes (id) ON DELETE RESTRICT,
    CONSTRAINT ck_booking_promo_codes_discount CHECK (discount_minor >= 0),
    CONSTRAINT ck_booking_promo_codes_currency CHECK (length(currency) = 3 AND currency = upper(currency))
) STRICT;
CREATE UNIQUE INDEX ux_booking_promo_codes_booking_promo ON booking_promo_codes (booking_id, promo_code_id);
CREATE INDEX ix_booking_promo_codes_promo_code_id ON booking_promo_codes (promo_code_id, released_at);

CREATE TABLE user_sessions (
    id                      TEXT     NOT NULL,
    user_id                 TEXT     NOT NULL,
    token_hash              TEXT     NOT NULL,
    ip_address              TEXT,
    user_agent              TEXT,
    last_seen_at            TEXT     NOT NULL,
    idle_expires_at         TEXT     NOT NULL,
    expires_at              TEXT     NOT NULL,
    revoked_at              TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_user_sessions PRIMARY KEY (id),
    CONSTRAINT fk_user_sessions_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT ck_user_sessions_expiry CHECK (expires_at > created_at AND idle_expires_at <= expires_at)
) STRICT;
CREATE UNIQUE INDEX ux_user_sessions_token_hash ON user_sessions (token_hash);
CREATE INDEX ix_user_sessions_user_id ON user_sessions (user_id, created_at);
CREATE INDEX ix_user_sessions_expires_at ON user_sessions (expires_at);

CREATE TABLE instructor_ratings (
    id                      TEXT     NOT NULL,
    rater_id                TEXT     NOT NULL,
    instructor_id           TEXT     NOT NULL,
    rating                  INTEGER  NOT NULL,
    review                  TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    deleted_at              TEXT,
    CONSTRAINT pk_instructor_ratings PRIMARY KEY (id),
    CONSTRAINT fk_instructor_ratings_rater_id FOREIGN KEY (rater_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_instructor_ratings_instructor_id FOREIGN KEY (instructor_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_instructor_ratings_rating CHECK (rating BETWEEN 1 AND 5),
    CONSTRAINT ck_instructor_ratings_review CHECK (review IS NULL OR length(review) <= 5000),
    CONSTRAINT ck_instructor_ratings_not_self CHECK (rater_id <> instructor_id)
) STRICT;
CREATE UNIQUE INDEX ux_instructor_ratings_rater_live ON instructor_ratings (rater_id, instructor_id) WHERE deleted_at IS NULL;
CREATE INDEX ix_instructor_ratings_instructor_id ON instructor_ratings (instructor_id, created_at);
CREATE INDEX ix_instructor_ratings_rater_id ON instructor_ratings (rater_id);

CREATE TABLE course_ratings (
    id                      TEXT     NOT NULL,
    rater_id                TEXT     NOT NULL,
    course_id               TEXT     NOT NULL,
    rating                  INTEGER  NOT NULL,
    review                  TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    deleted_at              TEXT,
    CONSTRAINT pk_course_ratings PRIMARY KEY (id),
    CONSTRAINT fk_course_ratings_rater_id FOREIGN KEY (rater_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_course_ratings_course_id FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE RESTRICT,
    CONSTRAINT ck_course_ratings_rating CHECK (rating BETWEEN 1 AND 5),
    CONSTRAINT ck_course_ratings_review CHECK (review IS NULL OR length(review) <= 5000)
) STRICT;
CREATE UNIQUE INDEX ux_course_ratings_rater_live ON course_ratings (rater_id, course_id) WHERE deleted_at IS NULL;
CREATE INDEX ix_course_ratings_course_id ON course_ratings (course_id, created_at);
CREATE INDEX ix_course_ratings_rater_id ON course_ratings (rater_id);
