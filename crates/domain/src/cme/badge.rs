//! A certificate as an Open Badges 3.0 credential (a W3C Verifiable
//! Credential 2.0 of type `OpenBadgeCredential`), built from the snapshot
//! alone. Only the unsigned payload is made here; signing it as a JWT, and
//! publishing the keys and the status list, belong to the layers that hold
//! keys and answer requests.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use super::{ActivityFormat, CertificateKind, CertificateSnapshot};

/// The W3C Verifiable Credentials Data Model 2.0 context; it comes first.
pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0 context, at its latest published revision.
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// Where the credential and what it refers to live, which only the layer
/// serving them knows.
#[derive(Debug, Clone, Copy)]
pub struct BadgeLinks<'a> {
    /// The credential's own id: its verification URL (`…/verify/{code}`).
    pub credential_id: &'a str,
    /// The issuer profile's URL, where its name and keys are published.
    pub issuer_id: &'a str,
    /// The achievement's URL: one per designation (or activity, for
    /// participation).
    pub achievement_id: &'a str,
    /// Where verifiers check whether the credential is revoked.
    pub status_url: &'a str,
}

/// The `credentialStatus` type: 1EdTech's revocation list, which Open
/// Badges 3.0 defines for exactly this.
pub const STATUS_TYPE: &str = "1EdTechRevocationList";

/// The credential for `snapshot`.
///
/// The issuer is the accredited provider named on the certificate; the
/// subject is identified by the printed name (an unhashed `IdentityObject`
/// of type `name`: the certificate is public anyway, and a verifier compares
/// it with the person in front of them). A credit certificate carries
/// `creditsEarned` and its designation statement (which names the credit
/// type) as the achievement's description; a participation certificate
/// carries neither, exactly as its PDF. Activity dates become midnight UTC, as Open Badges wants
/// date-times.
pub fn open_badge_credential(snapshot: &CertificateSnapshot, links: &BadgeLinks<'_>) -> Value {
    let credit = snapshot.kind == CertificateKind::Credit;
    let description = match (&snapshot.designation_statement, credit) {
        (Some(statement), true) => statement.clone(),
        _ => format!(
            "Certificate of participation. {}",
            snapshot.accreditation_statement
        ),
    };
    let achievement = json!({
        "id": links.achievement_id,
        "type": ["Achievement"],
        "name": snapshot.activity_title,
        "description": description,
        "criteria": { "narrative": criteria(snapshot.activity_format) },
    });

    let mut subject = Map::new();
    subject.insert("type".into(), json!(["AchievementSubject"]));
    subject.insert(
        "identifier".into(),
        json!([{
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": false,
            "identityHash": snapshot.learner_name,
        }]),
    );
    subject.insert("achievement".into(), achievement);
    if let (Some(credits), true) = (snapshot.credits, credit) {
        subject.insert("creditsEarned".into(), json!(credits));
    }
    subject.insert(
        "activityStartDate".into(),
        Value::String(midnight(snapshot.activity_starts_on)),
    );
    if let Some(end) = snapshot.activity_ends_on {
        subject.insert("activityEndDate".into(), Value::String(midnight(end)));
    }

    json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": links.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": links.issuer_id,
            "type": ["Profile"],
            "name": snapshot.provider_name,
        },
        "validFrom": snapshot.issued_at.to_string(),
        "name": snapshot.activity_title,
        "credentialSubject": Value::Object(subject),
        "credentialStatus": {
            "id": links.status_url,
            "type": STATUS_TYPE,
        },
    })
}

/// What the learner did, as the conditions of a claim require.
fn criteria(format: ActivityFormat) -> &'static str {
    match format {
        ActivityFormat::Live => {
            "Attended the live activity, completed its required materials, passed its \
             post-test and submitted its evaluation."
        }
        ActivityFormat::Enduring => {
            "Completed the activity's required materials, passed its post-test and \
             submitted its evaluation."
        }
    }
}

fn midnight(date: NaiveDate) -> String {
    format!("{}T00:00:00Z", date.format("%Y-%m-%d"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cme::certificate::tests::snapshot;

    fn links() -> BadgeLinks<'static> {
        BadgeLinks {
            credential_id: "https://edu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ",
            issuer_id: "https://edu.example/cme/issuer",
            achievement_id: "https://edu.example/cme/designations/1",
            status_url: "https://edu.example/cme/credentials/status",
        }
    }

    #[test]
    fn the_credential_has_what_open_badges_requires() {
        let vc = open_badge_credential(&snapshot(CertificateKind::Credit), &links());
        assert_eq!(
            vc["@context"],
            json!([
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ])
        );
        assert_eq!(
            vc["type"],
            json!(["VerifiableCredential", "OpenBadgeCredential"])
        );
        assert_eq!(
            vc["id"],
            "https://edu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ"
        );
        assert_eq!(
            vc["issuer"],
            json!({
                "id": "https://edu.example/cme/issuer",
                "type": ["Profile"],
                "name": "MedicalEdu Institute",
            })
        );
        assert_eq!(vc["validFrom"], "2026-06-01T14:30:00Z");
        assert_eq!(vc["name"], "Sepsis: \"the first hour\"");
        assert_eq!(
            vc["credentialStatus"],
            json!({
                "id": "https://edu.example/cme/credentials/status",
                "type": "1EdTechRevocationList",
            })
        );

        let subject = &vc["credentialSubject"];
        assert_eq!(subject["type"], json!(["AchievementSubject"]));
        assert_eq!(subject["identifier"][0]["identityHash"], "Dr. Amaka Obi");
        assert_eq!(subject["identifier"][0]["identityType"], "name");
        assert_eq!(subject["creditsEarned"], json!(1.5));
        assert_eq!(subject["activityStartDate"], "2026-01-15T00:00:00Z");
        assert_eq!(subject["activityEndDate"], "2028-01-14T00:00:00Z");

        let achievement = &subject["achievement"];
        assert_eq!(achievement["id"], "https://edu.example/cme/designations/1");
        assert_eq!(achievement["type"], json!(["Achievement"]));
        assert_eq!(achievement["name"], "Sepsis: \"the first hour\"");
        assert!(
            achievement["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("The Provider designates"))
        );
        assert_eq!(
            achievement["criteria"]["narrative"],
            "Completed the activity's required materials, passed its post-test and \
             submitted its evaluation."
        );
    }

    #[test]
    fn credits_are_an_exact_json_number() {
        let vc = open_badge_credential(&snapshot(CertificateKind::Credit), &links());
        let text = vc.to_string();
        assert!(text.contains(r#""creditsEarned":1.5"#), "{text}");
    }

    #[test]
    fn participation_credentials_carry_no_credit() {
        let vc = open_badge_credential(&snapshot(CertificateKind::Participation), &links());
        let subject = &vc["credentialSubject"];
        assert!(subject.get("creditsEarned").is_none());
        let description = subject["achievement"]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(
            description
                .starts_with("Certificate of participation. MedicalEdu Institute is accredited")
        );
        assert!(!vc.to_string().contains("designates"));
    }

    #[test]
    fn live_activities_name_attendance_and_open_ended_ones_have_no_end() {
        let mut live = snapshot(CertificateKind::Credit);
        live.activity_format = ActivityFormat::Live;
        live.activity_ends_on = None;
        let vc = open_badge_credential(&live, &links());
        let subject = &vc["credentialSubject"];
        assert!(
            subject["achievement"]["criteria"]["narrative"]
                .as_str()
                .is_some_and(|n| n.starts_with("Attended the live activity"))
        );
        assert!(subject.get("activityEndDate").is_none());
    }
}
