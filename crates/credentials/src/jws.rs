//! Credentials as compact JWS tokens (Open Badges 3.0 §8.2, "JSON Web Token
//! Proof Format").
//!
//! The JWS is assembled here from ed25519-dalek and base64 rather than with
//! the `jsonwebtoken` crate: its pure-Rust backend brings RSA, P-256, P-384
//! and HMAC stacks that would never run here, and verifying with it needs its
//! own validation settings switched off one by one (it wants `exp`, which an
//! open-ended certificate does not have). Compact JWS with one algorithm is
//! three base64url segments and one signature, and that is all this is.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::keys::ALG;
use crate::{CredentialError, PublishedKey, SigningKey};

/// The registered claims we add. A credential that already has a member of
/// one of these names is refused rather than silently overwritten.
const CLAIMS: [&str; 6] = ["iss", "jti", "sub", "nbf", "iat", "exp"];

/// Signs `credential` (an `OpenBadgeCredential` as the domain builds it) with
/// `key`, returning the compact JWS `header.payload.signature`.
///
/// The JOSE header is `{"alg":"EdDSA","typ":"JWT","kid":<key id>}`: Open
/// Badges allows no other header, and `kid` names the key in the issuer's
/// JWKS.
///
/// The payload follows Open Badges 3.0 §8.2 as revised for the Verifiable
/// Credentials Data Model 2.0 (the model the domain's credential uses: the
/// `…/credentials/v2` context and `validFrom`): **the payload is the
/// credential itself**, its members at the top level, with the registered
/// claims added beside them:
///
/// - `iss`: the credential's `issuer.id`;
/// - `jti`: the credential's `id`;
/// - `sub`: the credential's `credentialSubject.id`, and absent when the
///   subject has no id (ours is identified by name through `identifier`,
///   and `sub` must equal the subject's id, so the name cannot stand in);
/// - `nbf`: the credential's `validFrom`, in whole seconds (the spec has
///   verifiers compare the two);
/// - `exp`: the credential's `validUntil`, when it has one;
/// - `iat`: `issued_at`, when the token was signed (a standard claim the
///   spec allows; it differs from `nbf` only for a credential re-signed
///   later, after a key rotation for instance).
///
/// The earlier form of the spec, for Data Model 1.1 credentials, wrapped the
/// credential in a `vc` claim instead; verifiers still accept that for old
/// credentials, but a 2.0 credential travels unwrapped.
pub fn sign_credential(
    credential: &Value,
    key: &SigningKey,
    issued_at: DateTime<Utc>,
) -> Result<String, CredentialError> {
    let unsignable = |why: &str| CredentialError::UnsignableCredential(why.into());
    let members = credential
        .as_object()
        .ok_or_else(|| unsignable("a credential is a JSON object"))?;
    if let Some(name) = CLAIMS.iter().find(|name| members.contains_key(**name)) {
        return Err(unsignable(&format!(
            "the credential already has a member named {name:?}"
        )));
    }
    let facts = Facts::of(members).map_err(CredentialError::UnsignableCredential)?;

    let mut payload: Map<String, Value> = members.clone();
    payload.insert("iss".into(), Value::String(facts.issuer.into()));
    payload.insert("jti".into(), Value::String(facts.id.into()));
    if let Some(subject) = facts.subject {
        payload.insert("sub".into(), Value::String(subject.into()));
    }
    payload.insert("nbf".into(), json!(facts.valid_from));
    payload.insert("iat".into(), json!(issued_at.timestamp()));
    if let Some(valid_until) = facts.valid_until {
        payload.insert("exp".into(), json!(valid_until));
    }

    let header = json!({ "alg": ALG, "typ": "JWT", "kid": key.kid() });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(Value::Object(payload).to_string())
    );
    let signature = key.sign(signing_input.as_bytes());
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// Checks a token made by [`sign_credential`] against the published `keys`
/// and returns its payload (the credential with its claims).
///
/// Refused: anything but three base64url segments; any `alg` but `EdDSA`
/// (so no `none`, and no HMAC keyed with a public key); a `crit` header; a
/// `kid` not among `keys` (a retired key, or another issuer's); a signature
/// that does not verify, strictly; and claims that contradict the credential
/// they carry. Dates are not judged here (a verification page shows an
/// expired credential as expired rather than as forged), nor is revocation.
pub fn verify_credential(token: &str, keys: &[PublishedKey]) -> Result<Value, CredentialError> {
    let malformed = |why: &str| CredentialError::MalformedToken(why.into());
    // The signature covers the first two segments exactly as sent.
    let (signed, signature) = token
        .trim()
        .rsplit_once('.')
        .ok_or_else(|| malformed("a compact JWS has three segments"))?;
    let (header, payload) = signed
        .split_once('.')
        .filter(|(_, payload)| !payload.contains('.'))
        .ok_or_else(|| malformed("a compact JWS has three segments"))?;

    let header: Value = decode_json(header).ok_or_else(|| malformed("the header"))?;
    if header.get("alg").and_then(Value::as_str) != Some(ALG) {
        return Err(malformed("the algorithm is not EdDSA"));
    }
    if header.get("crit").is_some() {
        return Err(malformed("critical header extensions are not supported"));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("the header names no key"))?;
    let key = keys
        .iter()
        .find(|key| key.kid == kid)
        .ok_or_else(|| CredentialError::UnknownKey(kid.into()))?;

    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| malformed("the signature is not 64 bytes of base64url"))?;
    // Checked before the payload is even decoded: nothing unsigned is read.
    if !key.public.verifies(signed.as_bytes(), &signature) {
        return Err(CredentialError::BadSignature);
    }

    let claims: Value = decode_json(payload).ok_or_else(|| malformed("the payload"))?;
    let members = claims
        .as_object()
        .ok_or_else(|| malformed("the payload is not an object"))?;
    check_claims(members)?;
    Ok(claims)
}

/// Whether the registered claims say what the credential beside them says.
fn check_claims(members: &Map<String, Value>) -> Result<(), CredentialError> {
    let facts = Facts::of(members).map_err(CredentialError::ClaimMismatch)?;
    let claim = |name: &str| members.get(name);
    let mismatch = |name: &str| Err(CredentialError::ClaimMismatch(format!("{name} differs")));
    if claim("iss").and_then(Value::as_str) != Some(facts.issuer) {
        return mismatch("iss");
    }
    if claim("jti").and_then(Value::as_str) != Some(facts.id) {
        return mismatch("jti");
    }
    if claim("sub").and_then(Value::as_str) != facts.subject {
        return mismatch("sub");
    }
    if claim("nbf").and_then(Value::as_i64) != Some(facts.valid_from) {
        return mismatch("nbf");
    }
    if claim("exp").and_then(Value::as_i64) != facts.valid_until {
        return mismatch("exp");
    }
    Ok(())
}

/// What the claims are taken from, read off the credential.
struct Facts<'a> {
    id: &'a str,
    issuer: &'a str,
    subject: Option<&'a str>,
    valid_from: i64,
    valid_until: Option<i64>,
}

impl<'a> Facts<'a> {
    fn of(members: &'a Map<String, Value>) -> Result<Self, String> {
        let text =
            |value: Option<&'a Value>| value.and_then(Value::as_str).filter(|s| !s.is_empty());
        let id = text(members.get("id")).ok_or("the credential has no id")?;
        // The issuer is a Profile object, or (as VC allows) just its id.
        let issuer = members
            .get("issuer")
            .and_then(|issuer| text(Some(issuer)).or_else(|| text(issuer.get("id"))))
            .ok_or("the credential's issuer has no id")?;
        let subject = members
            .get("credentialSubject")
            .and_then(|subject| text(subject.get("id")));
        let valid_from = text(members.get("validFrom"))
            .ok_or("the credential has no validFrom")
            .and_then(|at| seconds(at).ok_or("validFrom is not an RFC 3339 date-time"))?;
        let valid_until = match text(members.get("validUntil")) {
            Some(at) => Some(seconds(at).ok_or("validUntil is not an RFC 3339 date-time")?),
            None => None,
        };
        Ok(Self {
            id,
            issuer,
            subject,
            valid_from,
            valid_until,
        })
    }
}

/// A JWT NumericDate: whole seconds since the epoch, fractions dropped.
fn seconds(date_time: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(date_time)
        .ok()
        .map(|at| at.timestamp())
}

fn decode_json(segment: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;
    use crate::{jwks, parse_jwks};

    /// A credential shaped as the domain's `open_badge_credential` makes it.
    fn credential() -> Value {
        json!({
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ],
            "id": "https://edu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {
                "id": "https://edu.example/cme/issuer",
                "type": ["Profile"],
                "name": "MedicalEdu Institute",
            },
            "validFrom": "2026-06-01T14:30:00Z",
            "name": "Sepsis: \"the first hour\"",
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
                    "name": "Sepsis: \"the first hour\"",
                    "description": "The Provider designates this enduring material for a maximum of 1.5 AMA PRA Category 1 Credits™.",
                    "criteria": { "narrative": "Completed the activity's required materials." },
                },
                "creditsEarned": 1.5,
                "activityStartDate": "2026-01-15T00:00:00Z",
                "activityEndDate": "2028-01-14T00:00:00Z",
            },
            "credentialStatus": {
                "id": "https://edu.example/cme/credentials/status",
                "type": "1EdTechRevocationList",
            },
        })
    }

    fn signed_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 14, 30, 5)
            .single()
            .unwrap_or_default()
    }

    fn segment(token: &str, index: usize) -> Value {
        let part = token.split('.').nth(index).unwrap_or_default();
        decode_json(part).unwrap_or_default()
    }

    #[test]
    fn the_token_carries_the_credential_with_its_claims() {
        let key = SigningKey::generate("0190f2c4-7a00-7000-8000-000000000001").expect("key");
        let token = sign_credential(&credential(), &key, signed_at()).expect("signed");

        assert_eq!(
            segment(&token, 0),
            json!({ "alg": "EdDSA", "typ": "JWT", "kid": "0190f2c4-7a00-7000-8000-000000000001" })
        );
        let mut expected = credential();
        expected["iss"] = json!("https://edu.example/cme/issuer");
        expected["jti"] = json!("https://edu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ");
        expected["nbf"] = json!(1_780_324_200);
        expected["iat"] = json!(1_780_324_205);
        assert_eq!(segment(&token, 1), expected);
        assert!(segment(&token, 1).get("sub").is_none());
        assert!(segment(&token, 1).get("vc").is_none());

        let verified = verify_credential(&token, &[key.published()]).expect("verifies");
        assert_eq!(verified, expected);
    }

    #[test]
    fn a_subject_id_and_an_end_of_validity_become_sub_and_exp() {
        let mut vc = credential();
        vc["credentialSubject"]["id"] = json!("did:example:learner");
        vc["validUntil"] = json!("2028-01-14T00:00:00.250Z");
        vc["issuer"] = json!("https://edu.example/cme/issuer");
        let key = SigningKey::generate("k1").expect("key");
        let token = sign_credential(&vc, &key, signed_at()).expect("signed");
        let claims = verify_credential(&token, &[key.published()]).expect("verifies");
        assert_eq!(claims["sub"], "did:example:learner");
        assert_eq!(claims["exp"], json!(1_831_420_800));
        assert_eq!(claims["iss"], "https://edu.example/cme/issuer");
    }

    #[test]
    fn fractions_of_a_second_are_dropped_from_nbf() {
        let mut vc = credential();
        vc["validFrom"] = json!("2026-06-01T14:30:00.123456Z");
        let key = SigningKey::generate("k1").expect("key");
        let token = sign_credential(&vc, &key, signed_at()).expect("signed");
        assert_eq!(segment(&token, 1)["nbf"], json!(1_780_324_200));
        verify_credential(&token, &[key.published()]).expect("verifies");
    }

    #[test]
    fn one_changed_character_in_the_payload_is_refused() {
        let key = SigningKey::generate("k1").expect("key");
        let token = sign_credential(&credential(), &key, signed_at()).expect("signed");
        let payload_start = token.find('.').unwrap_or_default() + 1;
        let payload_end = token.rfind('.').unwrap_or_default();
        for at in [payload_start, payload_start + 100, payload_end - 2] {
            let mut bytes = token.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(bytes).expect("ascii");
            assert!(
                matches!(
                    verify_credential(&altered, &[key.published()]),
                    Err(CredentialError::BadSignature)
                ),
                "altered at {at}"
            );
        }
    }

    #[test]
    fn a_re_encoded_altered_credential_is_refused() {
        let key = SigningKey::generate("k1").expect("key");
        let token = sign_credential(&credential(), &key, signed_at()).expect("signed");
        let mut payload = segment(&token, 1);
        payload["credentialSubject"]["creditsEarned"] = json!(15);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(payload.to_string()),
            parts[2]
        );
        assert!(matches!(
            verify_credential(&forged, &[key.published()]),
            Err(CredentialError::BadSignature)
        ));
    }

    #[test]
    fn an_unknown_key_id_is_refused() {
        let key = SigningKey::generate("k1").expect("key");
        let other = SigningKey::generate("k2").expect("key");
        let token = sign_credential(&credential(), &key, signed_at()).expect("signed");
        let error = verify_credential(&token, &[other.published()]).expect_err("unknown");
        assert!(
            matches!(&error, CredentialError::UnknownKey(kid) if kid == "k1"),
            "{error}"
        );
    }

    #[test]
    fn a_key_published_under_another_id_does_not_verify() {
        let key = SigningKey::generate("k1").expect("key");
        let other = SigningKey::generate("k2").expect("key");
        let token = sign_credential(&credential(), &key, signed_at()).expect("signed");
        let impostor = PublishedKey {
            kid: "k1".into(),
            public: other.public_key(),
        };
        assert!(matches!(
            verify_credential(&token, &[impostor]),
            Err(CredentialError::BadSignature)
        ));
    }

    #[test]
    fn after_rotation_old_credentials_verify_until_their_key_is_retired() {
        let old = SigningKey::generate("2025-key").expect("key");
        let old_token = sign_credential(&credential(), &old, signed_at()).expect("signed");

        // Rotation: a new key signs from now on; the old one stays published.
        let new = SigningKey::generate("2026-key").expect("key");
        let new_token = sign_credential(&credential(), &new, signed_at()).expect("signed");
        let published = parse_jwks(&jwks(&[new.published(), old.published()])).expect("jwks");
        verify_credential(&old_token, &published).expect("old credential still verifies");
        verify_credential(&new_token, &published).expect("new credential verifies");

        // Retiring the old key withdraws its credentials.
        let retired = parse_jwks(&jwks(&[new.published()])).expect("jwks");
        assert!(matches!(
            verify_credential(&old_token, &retired),
            Err(CredentialError::UnknownKey(_))
        ));
        verify_credential(&new_token, &retired).expect("new credential verifies");
    }

    #[test]
    fn other_algorithms_and_headers_are_refused() {
        let key = SigningKey::generate("k1").expect("key");
        let token = sign_credential(&credential(), &key, signed_at()).expect("signed");
        let rest = &token[token.find('.').unwrap_or_default()..];
        for header in [
            json!({ "alg": "none", "typ": "JWT", "kid": "k1" }),
            json!({ "alg": "HS256", "typ": "JWT", "kid": "k1" }),
            json!({ "typ": "JWT", "kid": "k1" }),
            json!({ "alg": "EdDSA", "typ": "JWT" }),
            json!({ "alg": "EdDSA", "typ": "JWT", "kid": "k1", "crit": ["b64"] }),
        ] {
            let forged = format!("{}{rest}", URL_SAFE_NO_PAD.encode(header.to_string()));
            assert!(
                matches!(
                    verify_credential(&forged, &[key.published()]),
                    Err(CredentialError::MalformedToken(_))
                ),
                "{header}"
            );
        }
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let key = SigningKey::generate("k1").expect("key");
        let token = sign_credential(&credential(), &key, signed_at()).expect("signed");
        for text in [
            String::new(),
            "a.b".into(),
            format!("{token}.extra"),
            format!("{token}="),
            token.replace('.', ".."),
        ] {
            assert!(
                verify_credential(&text, &[key.published()]).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn claims_that_contradict_the_credential_are_refused() {
        // Signed by us, so only a bug (or a stolen key) could produce these;
        // the check is what a conforming verifier does too.
        let key = SigningKey::generate("k1").expect("key");
        let token = sign_credential(&credential(), &key, signed_at()).expect("signed");
        for (name, value) in [
            ("iss", json!("https://elsewhere.example/")),
            ("jti", json!("https://edu.example/verify/OTHER")),
            ("nbf", json!(0)),
            ("sub", json!("did:example:someone")),
            ("exp", json!(1)),
        ] {
            let mut payload = segment(&token, 1);
            payload[name] = value;
            let header = token.split('.').next().unwrap_or_default();
            let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload.to_string()));
            let resigned = format!(
                "{input}.{}",
                URL_SAFE_NO_PAD.encode(key.sign(input.as_bytes()))
            );
            assert!(
                matches!(
                    verify_credential(&resigned, &[key.published()]),
                    Err(CredentialError::ClaimMismatch(_))
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn credentials_lacking_what_the_claims_need_are_refused() {
        let key = SigningKey::generate("k1").expect("key");
        let without = |name: &str| {
            let mut vc = credential();
            if let Some(members) = vc.as_object_mut() {
                members.remove(name);
            }
            vc
        };
        let mut bad_date = credential();
        bad_date["validFrom"] = json!("1 June 2026");
        let mut clashing = credential();
        clashing["exp"] = json!(0);
        for vc in [
            without("id"),
            without("issuer"),
            without("validFrom"),
            bad_date,
            clashing,
            json!([]),
        ] {
            assert!(
                matches!(
                    sign_credential(&vc, &key, signed_at()),
                    Err(CredentialError::UnsignableCredential(_))
                ),
                "{vc}"
            );
        }
    }

    /// Prints a token and its JWKS, for checking with other JWT libraries
    /// (`cargo test -p medicaledu-credentials -- --nocapture prints`).
    #[test]
    fn prints_a_token_and_its_jwks() {
        let key = SigningKey::generate("0190f2c4-7a00-7000-8000-000000000001").expect("key");
        let token = sign_credential(&credential(), &key, signed_at()).expect("signed");
        println!("JWKS {}", jwks(&[key.published()]));
        println!("TOKEN {token}");
    }
}
