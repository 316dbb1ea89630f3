//! The operator's signing keys: rotating keeps what older keys signed
//! verifiable, retiring a key withdraws it, and re-sealing moves every key
//! to a new credential key without losing one.

use medicaledu_credentials::{parse_jwks, verify_credential};
use medicaledu_store::{Backend, on_db};
use serde_json::{Value, json};

use crate::cli::{assert_one_line_error, medicaledu, run};
use crate::cme::{PostTest, cme_course, ok, python_verify};
use crate::support::{TEST_CREDENTIAL_KEY, both_backends};

both_backends!(rotated_keys_keep_credentials_verifiable_until_retired);

/// Another 32 bytes, base64: the credential key an operator moves to.
const NEXT_CREDENTIAL_KEY: &str = "bmV4dC1jcmVkZW50aWFsLWtleS1mb3ItdGVzdHMtMzI=";

/// `medicaledu admin signing-keys …` on the test database, under `key`.
fn signing_keys(url: &str, key: &str, args: &[&str]) -> (bool, String, String) {
    run(medicaledu()
        .env("MEDICALEDU_CREDENTIAL_KEY", key)
        .env_remove("MEDICALEDU_OLD_CREDENTIAL_KEY")
        .args(["admin", "signing-keys"])
        .args(args)
        .args(["--database-url", url]))
}

fn kid_of(jwt: &str) -> String {
    use base64::Engine as _;
    let header = jwt.split('.').next().expect("header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url header");
    let header: Value = serde_json::from_slice(&bytes).expect("json header");
    header["kid"].as_str().expect("kid").to_owned()
}

/// Whether the credential verifies against the JWKS served now, by our own
/// verifier and, when it is installed, the independent one.
async fn verifies(app: &crate::support::TestApp, jwt: &str) -> bool {
    let jwks = ok(app.get("/.well-known/jwks.json").await, "jwks").await;
    let ours = verify_credential(jwt, &parse_jwks(&jwks).expect("jwks")).is_ok();
    let revocations = ok(app.get("/cme/credentials/status").await, "status").await;
    if let Some(verdict) = python_verify(jwt, &jwks, &revocations) {
        assert_eq!(
            verdict["valid"],
            json!(ours),
            "verifiers disagree: {verdict}"
        );
    }
    ours
}

async fn rotated_keys_keep_credentials_verifiable_until_retired(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let url = cme.app.test_db.url.clone();
    let claim = |email: &'static str| {
        let cme = &cme;
        async move {
            let (token, _) = cme.learner(email, "physician").await;
            cme.complete(&token, 5, true).await;
            let claimed = ok(cme.claim(&token, json!(1.5)).await, "claim").await;
            claimed["certificate"]["credential"]
                .as_str()
                .expect("credential")
                .to_owned()
        }
    };

    let first = claim("first@example.com").await;
    let first_kid = kid_of(&first);
    let (done, stdout, stderr) = signing_keys(&url, TEST_CREDENTIAL_KEY, &["rotate"]);
    assert!(done, "{stderr}");
    assert!(stdout.contains("signs from now on"), "{stdout}");

    let second = claim("second@example.com").await;
    let second_kid = kid_of(&second);
    assert_ne!(first_kid, second_kid, "the rotated key signs");
    assert!(
        verifies(&cme.app, &first).await,
        "the older key stays published"
    );
    assert!(verifies(&cme.app, &second).await);
    let (done, listed, stderr) = signing_keys(&url, TEST_CREDENTIAL_KEY, &["list"]);
    assert!(done, "{stderr}");
    let line_of = |kid: &str| {
        listed
            .lines()
            .find(|line| line.starts_with(kid))
            .unwrap_or_else(|| panic!("{kid} in {listed}"))
            .to_owned()
    };
    assert!(line_of(&first_kid).contains("  published  1 certificates (1 in force)"));
    assert!(line_of(&second_kid).contains("signing, published  1 certificates"));

    // A new credential key: a wrong "old" key opens nothing and changes
    // nothing; the right one re-seals both keys, and a second run finds
    // them done. Moving back lets the running server sign again.
    let reseal = |key: &str, old: &str| {
        run(medicaledu()
            .env("MEDICALEDU_CREDENTIAL_KEY", key)
            .env("MEDICALEDU_OLD_CREDENTIAL_KEY", old)
            .args(["admin", "signing-keys", "reseal", "--database-url", &url]))
    };
    let sealed_before: Vec<String> = on_db!(&cme.app.test_db.db, pool => {
        sqlx::query_scalar("SELECT private_key FROM cme_signing_keys ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("keys")
    });
    let (done, _, stderr) = reseal(NEXT_CREDENTIAL_KEY, NEXT_CREDENTIAL_KEY);
    assert!(!done);
    assert_one_line_error(&stderr, "opens with neither");
    let sealed_after: Vec<String> = on_db!(&cme.app.test_db.db, pool => {
        sqlx::query_scalar("SELECT private_key FROM cme_signing_keys ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("keys")
    });
    assert_eq!(
        sealed_before, sealed_after,
        "a failed re-seal changes nothing"
    );
    let (done, stdout, stderr) = reseal(NEXT_CREDENTIAL_KEY, TEST_CREDENTIAL_KEY);
    assert!(done, "{stderr}");
    assert!(stdout.starts_with("2 keys re-sealed"), "{stdout}");
    let (done, stdout, stderr) = reseal(NEXT_CREDENTIAL_KEY, TEST_CREDENTIAL_KEY);
    assert!(done, "{stderr}");
    assert!(
        stdout.contains("0 keys re-sealed") && stdout.contains("2 already were"),
        "{stdout}"
    );
    let (done, _, stderr) = reseal(TEST_CREDENTIAL_KEY, NEXT_CREDENTIAL_KEY);
    assert!(done, "{stderr}");
    let third = claim("third@example.com").await;
    assert_eq!(kid_of(&third), second_kid, "the re-sealed key still signs");

    // Retiring the older key withdraws it: what it signed stops verifying,
    // the rest does not; it cannot be retired twice, nor an unknown key.
    let (done, stdout, stderr) = signing_keys(&url, TEST_CREDENTIAL_KEY, &["retire", &first_kid]);
    assert!(done, "{stderr}");
    assert!(stdout.contains("retired"), "{stdout}");
    assert!(
        !verifies(&cme.app, &first).await,
        "a retired key's credential"
    );
    assert!(verifies(&cme.app, &second).await);
    let (done, _, stderr) = signing_keys(&url, TEST_CREDENTIAL_KEY, &["retire", &first_kid]);
    assert!(!done);
    assert_one_line_error(&stderr, "retired already");
    let unknown = medicaledu_domain::Id::generate().to_string();
    let (done, _, stderr) = signing_keys(&url, TEST_CREDENTIAL_KEY, &["retire", &unknown]);
    assert!(!done);
    assert_one_line_error(&stderr, "No signing key");

    let audited: Vec<String> = on_db!(&cme.app.test_db.db, pool => {
        sqlx::query_scalar(
            "SELECT action FROM audit_logs WHERE entity_type = 'cme_signing_key' AND actor_id IS NULL ORDER BY created_at, id",
        )
        .fetch_all(pool)
        .await
        .expect("audit")
    });
    assert_eq!(
        audited,
        [
            "cme_signing_key.created",
            "cme_signing_key.resealed",
            "cme_signing_key.resealed",
            "cme_signing_key.resealed",
            "cme_signing_key.resealed",
            "cme_signing_key.retired",
        ]
    );
}
