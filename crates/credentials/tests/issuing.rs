//! The application's round trip through the public API only, with every
//! value passing through the text it is stored or served as: a key is made
//! and stored, loaded again to sign, the JWKS and revocation list are served,
//! and a verifier checks the token against the JWKS it fetched.

use chrono::{DateTime, Utc};
use medicaledu_credentials::{
    CredentialError, EncryptedKey, KeyEncryptionKey, PublicKey, PublishedKey, Revoked, SigningKey,
    jwks, parse_jwks, revocation_list, sign_credential, verify_credential,
};
use serde_json::{Value, json};

const KEK: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
const CREDENTIAL_ID: &str = "https://edu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ";
const ISSUER_ID: &str = "https://edu.example/cme/issuer";
const STATUS_URL: &str = "https://edu.example/cme/credentials/status";

fn credential() -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": CREDENTIAL_ID,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": { "id": ISSUER_ID, "type": ["Profile"], "name": "MedicalEdu Institute" },
        "validFrom": "2026-06-01T14:30:00Z",
        "name": "Sepsis",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": false,
                "identityHash": "Dr. Amaka Obi",
            }],
            "achievement": {
                "id": "https://edu.example/cme/designations/1",
                "type": ["Achievement"],
                "name": "Sepsis",
                "description": "Certificate of participation.",
                "criteria": { "narrative": "Completed the activity." },
            },
            "activityStartDate": "2026-01-15T00:00:00Z",
        },
        "credentialStatus": { "id": STATUS_URL, "type": "1EdTechRevocationList" },
    })
}

/// A key row as the application stores it: text columns only.
struct KeyRow {
    kid: String,
    public_key: String,
    encrypted_private_key: String,
}

fn store(key: &SigningKey, kek: &KeyEncryptionKey) -> KeyRow {
    KeyRow {
        kid: key.kid().to_owned(),
        public_key: key.public_key().to_string(),
        encrypted_private_key: key.encrypt(kek).expect("encrypts").to_string(),
    }
}

fn load(row: &KeyRow, kek: &KeyEncryptionKey) -> Result<SigningKey, CredentialError> {
    let sealed = EncryptedKey::parse(&row.encrypted_private_key)?;
    SigningKey::decrypt(&row.kid, &sealed, kek)
}

fn published(rows: &[&KeyRow]) -> String {
    let keys: Vec<PublishedKey> = rows
        .iter()
        .map(|row| PublishedKey {
            kid: row.kid.clone(),
            public: PublicKey::parse(&row.public_key).expect("stored public key"),
        })
        .collect();
    jwks(&keys).to_string()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T14:30:02Z")
        .expect("date")
        .with_timezone(&Utc)
}

#[test]
fn a_stored_key_signs_and_the_served_jwks_verifies() {
    let kek: KeyEncryptionKey = KEK.parse().expect("configured key");
    let first = store(
        &SigningKey::generate("0190f2c4-7a00-7000-8000-000000000001").expect("key"),
        &kek,
    );

    let token =
        sign_credential(&credential(), &load(&first, &kek).expect("loads"), now()).expect("signs");

    // Rotation: a second key signs from now on; both stay published.
    let second = store(
        &SigningKey::generate("0190f2c4-7a00-7000-8000-000000000002").expect("key"),
        &kek,
    );
    let later =
        sign_credential(&credential(), &load(&second, &kek).expect("loads"), now()).expect("signs");

    let served = published(&[&second, &first]);
    let fetched = parse_jwks(&serde_json::from_str(&served).expect("json")).expect("jwks");
    for token in [&token, &later] {
        let claims = verify_credential(token, &fetched).expect("verifies");
        assert_eq!(claims["jti"], CREDENTIAL_ID);
        assert_eq!(claims["iss"], ISSUER_ID);
        assert_eq!(claims["credentialStatus"]["id"], STATUS_URL);
    }
}

#[test]
fn a_row_does_not_load_under_another_kek_or_another_kid() {
    let kek: KeyEncryptionKey = KEK.parse().expect("configured key");
    let row = store(&SigningKey::generate("a").expect("key"), &kek);
    let other_kek = KeyEncryptionKey::parse(&KEK.replace('q', "Q")).expect("key");
    assert!(matches!(
        load(&row, &other_kek),
        Err(CredentialError::Decryption { .. })
    ));
    let moved = KeyRow {
        kid: "b".into(),
        ..row
    };
    assert!(matches!(
        load(&moved, &kek),
        Err(CredentialError::Decryption { .. })
    ));
}

#[test]
fn the_status_url_answers_a_list_naming_revoked_credentials() {
    let served = revocation_list(
        STATUS_URL,
        ISSUER_ID,
        &[Revoked {
            credential_id: CREDENTIAL_ID.into(),
            reason: Some("Issued in error".into()),
        }],
    )
    .to_string();
    let list: Value = serde_json::from_str(&served).expect("json");
    assert_eq!(list["id"], credential()["credentialStatus"]["id"]);
    assert_eq!(list["issuer"], credential()["issuer"]["id"]);
    let listed = list["revokedCredentials"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|entry| entry["id"] == CREDENTIAL_ID && entry["revoked"] == true);
    assert!(listed, "{served}");
}
