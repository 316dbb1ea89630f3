//! The 1EdTech Revocation List Status Method: the document a credential's
//! `credentialStatus.id` answers.

use serde_json::{Map, Value, json};

/// One revoked credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The credential's `id` (its verification URL), exactly as signed.
    pub credential_id: String,
    /// Why, for the verifier to show; `None` leaves the reason out.
    pub reason: Option<String>,
}

/// The revocation list served at `list_url` (the `credentialStatus.id` of
/// every credential of type `1EdTechRevocationList` that points there):
///
/// ```json
/// {
///   "id": "<list_url>",
///   "issuer": "<issuer_id>",
///   "revokedCredentials": [
///     { "id": "<credential id>", "revoked": true, "revocationReason": "…" }
///   ]
/// }
/// ```
///
/// A verifier fetches it and treats a credential as revoked when its `id` is
/// listed with `revoked` true (or absent). Entries keep the order given, so
/// the document is stable between requests when the application's order is.
pub fn revocation_list(list_url: &str, issuer_id: &str, entries: &[Revoked]) -> Value {
    let revoked: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let mut item = Map::new();
            item.insert("id".into(), Value::String(entry.credential_id.clone()));
            item.insert("revoked".into(), Value::Bool(true));
            if let Some(reason) = &entry.reason {
                item.insert("revocationReason".into(), Value::String(reason.clone()));
            }
            Value::Object(item)
        })
        .collect();
    json!({
        "id": list_url,
        "issuer": issuer_id,
        "revokedCredentials": revoked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_names_each_revoked_credential_with_its_reason() {
        let list = revocation_list(
            "https://edu.example/cme/credentials/status",
            "https://edu.example/cme/issuer",
            &[
                Revoked {
                    credential_id: "https://edu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ".into(),
                    reason: Some("Superseded by MEDU-0000-0000-0000-0001".into()),
                },
                Revoked {
                    credential_id: "https://edu.example/verify/MEDU-AAAA-BBBB-CCCC-DDDD".into(),
                    reason: None,
                },
            ],
        );
        assert_eq!(
            list,
            json!({
                "id": "https://edu.example/cme/credentials/status",
                "issuer": "https://edu.example/cme/issuer",
                "revokedCredentials": [
                    {
                        "id": "https://edu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ",
                        "revoked": true,
                        "revocationReason": "Superseded by MEDU-0000-0000-0000-0001",
                    },
                    {
                        "id": "https://edu.example/verify/MEDU-AAAA-BBBB-CCCC-DDDD",
                        "revoked": true,
                    },
                ],
            })
        );
    }

    #[test]
    fn an_empty_list_still_has_its_array() {
        let list = revocation_list("https://edu.example/s", "https://edu.example/i", &[]);
        assert_eq!(list["revokedCredentials"], json!([]));
    }
}
