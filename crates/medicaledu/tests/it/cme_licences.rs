//! Continuing medical education from the learner's side (issue #17): their
//! CME profile, licences, credits earned elsewhere, the transcript in JSON
//! and CSV with where each licence stands, earned credit from certificates
//! in force, and renewal reminders queued once each however often and
//! however many times at once the sweep runs.

use chrono::{Duration, NaiveDate, Utc};
use medicaledu_app::{AppContext, Clock};
use medicaledu_domain::{
    CertificateCode, CertificateFacts, CertificateKind, CertificateSnapshot, ClaimStep,
    CourseTitle, CreditAmount, CreditTypeName, Designation, FullName, Id, Profession, Statement,
    Timestamp,
};
use medicaledu_store::{Backend, on_db};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, both_backends, json_of, spawn_app, test_settings};

both_backends!(
    a_licence_is_met_or_short_by_what_is_missing,
    licences_and_external_credits_are_their_owners_alone,
    invalid_input_is_refused_naming_the_field,
    the_cme_profile_dates_consent_and_audits_it,
    the_transcript_csv_has_a_row_per_entry,
    earned_credit_comes_from_certificates_in_force,
    renewal_reminders_are_queued_once_each,
);

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

/// The licence: 40 credits in a 2-year cycle, 2 of them on opioid
/// prescribing, renewing in 91 days.
fn licence_body() -> Value {
    json!({
        "profession": "physician",
        "jurisdiction": "California",
        "number": "A123456",
        "renews_on": day(91),
        "cycle_months": 24,
        "required_credits": 40,
        "required_topics": [{ "topic": "Opioid prescribing", "credits": "2" }],
        "accepted_credit_types": [],
    })
}

async fn create_licence(app: &TestApp, token: &str) -> String {
    let created = app
        .send(
            Method::POST,
            "/api/v1/me/licences",
            token,
            Some(&licence_body()),
        )
        .await;
    assert_eq!(created.status(), 201);
    let licence = json_of(created).await;
    assert_eq!(licence["required_credits"], 40);
    assert_eq!(licence["required_topics"][0]["topic"], "opioid prescribing");
    licence["id"].as_str().expect("licence id").to_owned()
}

/// Reports `credits` earned elsewhere `days_ago`; its id.
async fn report(
    app: &TestApp,
    token: &str,
    title: &str,
    credits: Value,
    days_ago: i64,
    topics: &[&str],
) -> String {
    let created = app
        .send(
            Method::POST,
            "/api/v1/me/external-credits",
            token,
            Some(&json!({
                "title": title,
                "provider_name": "State Medical Society",
                "credit_type": "AMA PRA Category 1 Credit™",
                "credits": credits,
                "earned_on": day(-days_ago),
                "topics": topics,
            })),
        )
        .await;
    assert_eq!(created.status(), 201, "report {title}");
    let credit = json_of(created).await;
    assert_eq!(credit["source"], "self_reported");
    assert_eq!(credit["self_reported"], true);
    credit["id"].as_str().expect("credit id").to_owned()
}

async fn transcript(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/me/transcript{query}"),
            token,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    json_of(response).await
}

/// The fields a 422 names.
async fn refused_fields(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), 422);
    let problem = json_of(response).await;
    assert_eq!(problem["code"], "validation_failed");
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field").to_owned())
        .collect()
}

async fn a_licence_is_met_or_short_by_what_is_missing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // 38 credits besides 2 on the topic: met.
    let met = app.user("met@example.org", "student").await;
    create_licence(&app, &met).await;
    report(&app, &met, "Sepsis update", json!(19), 200, &[]).await;
    report(&app, &met, "Airway course", json!("19"), 100, &["airway"]).await;
    report(&app, &met, "Opioids", json!(2), 30, &["Opioid prescribing"]).await;
    let standing = &transcript(&app, &met, "").await["licences"][0];
    assert_eq!(standing["status"], "met", "{standing}");
    assert_eq!(standing["summary"], "met");
    assert_eq!(standing["total"]["earned"], 40);
    assert_eq!(standing["total"]["short_by"], 0);
    assert_eq!(standing["topics"][0]["earned"], 2);

    // 40 credits, but 1 on the topic: short by 1 on the topic.
    let topic = app.user("topic@example.org", "student").await;
    create_licence(&app, &topic).await;
    report(&app, &topic, "Sepsis update", json!(39), 200, &[]).await;
    report(
        &app,
        &topic,
        "Opioids",
        json!(1),
        30,
        &["opioid prescribing"],
    )
    .await;
    let standing = &transcript(&app, &topic, "").await["licences"][0];
    assert_eq!(standing["status"], "short", "{standing}");
    assert_eq!(standing["total"]["short_by"], 0);
    assert_eq!(standing["total"]["met"], true);
    assert_eq!(standing["topics"][0]["topic"], "opioid prescribing");
    assert_eq!(standing["topics"][0]["short_by"], 1);
    assert_eq!(standing["summary"], "short by 1 on opioid prescribing");

    // 39 credits, 2 of them on the topic: short by 1.
    let short = app.user("short@example.org", "student").await;
    create_licence(&app, &short).await;
    report(&app, &short, "Sepsis update", json!(36.5), 200, &[]).await;
    report(&app, &short, "Ethics", json!("0.5"), 150, &[]).await;
    report(
        &app,
        &short,
        "Opioids",
        json!(2),
        30,
        &["opioid prescribing"],
    )
    .await;
    let whole = transcript(&app, &short, "").await;
    let standing = &whole["licences"][0];
    assert_eq!(standing["status"], "short", "{standing}");
    assert_eq!(standing["total"]["short_by"], 1);
    assert_eq!(standing["topics"][0]["short_by"], 0);
    assert_eq!(standing["summary"], "short by 1");
    let entries = whole["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e["source"] == "self_reported"));
    assert_eq!(entries[0]["title"], "Sepsis update", "oldest first");
    assert_eq!(whole["totals"][0]["total"], 39);
    assert_eq!(whole["totals"][0]["self_reported"], 39);
    assert_eq!(whole["to"], today().to_string());

    // Credit outside the cycle does not count towards it.
    report(&app, &short, "Old course", json!(5), 800, &[]).await;
    let standing = &transcript(&app, &short, "").await["licences"][0];
    assert_eq!(standing["total"]["short_by"], 1, "{standing}");
}

async fn licences_and_external_credits_are_their_owners_alone(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("owner@example.org", "student").await;
    let other = app.user("other@example.org", "student").await;
    let licence = create_licence(&app, &owner).await;
    let credit = report(&app, &owner, "Sepsis update", json!(2), 10, &[]).await;

    let listed = json_of(
        app.send(Method::GET, "/api/v1/me/licences", &other, None)
            .await,
    )
    .await;
    assert_eq!(listed["items"], json!([]));
    let listed = json_of(
        app.send(Method::GET, "/api/v1/me/external-credits", &other, None)
            .await,
    )
    .await;
    assert_eq!(listed["items"], json!([]));
    assert_eq!(
        transcript(&app, &other, "").await["entries"],
        json!([]),
        "another's credits are not on one's transcript"
    );
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/me/licences/{licence}"),
            Some(json!({ "cycle_months": 12 })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/me/licences/{licence}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/me/external-credits/{credit}"),
            None,
        ),
    ] {
        let response = app.send(method.clone(), &path, &other, body.as_ref()).await;
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(json_of(response).await["code"], "not_found");
    }
    let anonymous = app.get("/api/v1/me/licences").await;
    assert_eq!(anonymous.status(), 401);

    // The owner still has both, and may change and delete them.
    let changed = app
        .send(
            Method::PATCH,
            &format!("/api/v1/me/licences/{licence}"),
            &owner,
            Some(&json!({ "cycle_months": 12, "required_credits": 2.5, "required_topics": [] })),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let changed = json_of(changed).await;
    assert_eq!(changed["cycle_months"], 12);
    assert_eq!(changed["required_credits"], 2.5);
    assert_eq!(changed["jurisdiction"], "California", "absent fields stay");
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/me/licences/{licence}"),
            &owner,
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/me/external-credits/{credit}"),
            &owner,
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let again = app
        .send(
            Method::DELETE,
            &format!("/api/v1/me/licences/{licence}"),
            &owner,
            None,
        )
        .await;
    assert_eq!(again.status(), 404, "a deleted licence is gone");
    let listed = json_of(
        app.send(Method::GET, "/api/v1/me/licences", &owner, None)
            .await,
    )
    .await;
    assert_eq!(listed["items"], json!([]));
    let whole = transcript(&app, &owner, "").await;
    assert_eq!(whole["entries"], json!([]));
    assert_eq!(whole["licences"], json!([]));
}

async fn invalid_input_is_refused_naming_the_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let learner = app.user("learner@example.org", "student").await;
    let mut body = licence_body();
    body["required_topics"] = json!([
        { "topic": "Ethics", "credits": 1 },
        { "topic": "Pain", "credits": 41 },
    ]);
    let refused = app
        .send(Method::POST, "/api/v1/me/licences", &learner, Some(&body))
        .await;
    assert_eq!(
        refused_fields(refused).await,
        ["required_topics[1].credits"]
    );

    let mut body = licence_body();
    body["cycle_months"] = json!(0);
    body["accepted_credit_types"] = json!(["ECMEC®", "ecmec®"]);
    let refused = app
        .send(Method::POST, "/api/v1/me/licences", &learner, Some(&body))
        .await;
    assert_eq!(
        refused_fields(refused).await,
        ["cycle_months", "accepted_credit_types[1]"]
    );

    let mut body = licence_body();
    body["renews_on"] = json!("2027-02-30");
    body["required_credits"] = json!(1.255);
    body.as_object_mut().expect("object").remove("number");
    let refused = app
        .send(Method::POST, "/api/v1/me/licences", &learner, Some(&body))
        .await;
    assert_eq!(
        refused_fields(refused).await,
        ["number", "renews_on", "required_credits"]
    );

    let licence = create_licence(&app, &learner).await;
    let refused = app
        .send(
            Method::PATCH,
            &format!("/api/v1/me/licences/{licence}"),
            &learner,
            Some(&json!({ "required_credits": 1 })),
        )
        .await;
    assert_eq!(
        refused_fields(refused).await,
        ["required_topics[0].credits"],
        "a topic cannot need more than the whole cycle"
    );

    let refused = app
        .send(
            Method::POST,
            "/api/v1/me/external-credits",
            &learner,
            Some(&json!({
                "title": "Sepsis", "provider_name": "Society", "credit_type": "AMA PRA Category 1 Credit™",
                "credits": 0, "earned_on": day(1), "topics": ["a,b"],
            })),
        )
        .await;
    assert_eq!(
        refused_fields(refused).await,
        ["credits", "earned_on", "topics[0]"]
    );

    let refused = app
        .send(
            Method::GET,
            "/api/v1/me/transcript?from=2026-01-32",
            &learner,
            None,
        )
        .await;
    assert_eq!(refused_fields(refused).await, ["from"]);
    let refused = app
        .send(
            Method::GET,
            "/api/v1/me/transcript.csv?from=2026-02-01&to=2026-01-01",
            &learner,
            None,
        )
        .await;
    assert_eq!(refused_fields(refused).await, ["from"]);

    for (birth, field) in [
        (json!({ "birth_month": 2, "birth_day": 30 }), "birth_day"),
        (json!({ "birth_month": 13, "birth_day": 1 }), "birth_month"),
        (json!({ "birth_month": 4 }), "birth_day"),
    ] {
        let mut body = json!({ "profession": "physician", "report_consent": false });
        for (key, value) in birth.as_object().expect("object") {
            body[key] = value.clone();
        }
        let refused = app
            .send(Method::PUT, "/api/v1/me/cme-profile", &learner, Some(&body))
            .await;
        assert_eq!(refused_fields(refused).await, [field], "{body}");
    }
    let refused = app
        .send(
            Method::PUT,
            "/api/v1/me/cme-profile",
            &learner,
            Some(&json!({ "profession": "wizard", "report_consent": false })),
        )
        .await;
    assert_eq!(refused_fields(refused).await, ["profession"]);
}

async fn the_cme_profile_dates_consent_and_audits_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let learner = app.user("profile@example.org", "student").await;
    let missing = app
        .send(Method::GET, "/api/v1/me/cme-profile", &learner, None)
        .await;
    assert_eq!(missing.status(), 404);

    let put = |body: Value| {
        let (app, learner) = (&app, &learner);
        async move {
            app.send(Method::PUT, "/api/v1/me/cme-profile", learner, Some(&body))
                .await
        }
    };
    let created = put(json!({
        "profession": "physician", "birth_month": 2, "birth_day": 29,
        "board_number": " 12-345 ", "report_consent": true,
    }))
    .await;
    assert_eq!(created.status(), 201);
    let created = json_of(created).await;
    assert_eq!(created["birth_day"], 29, "29 February is a birthday");
    assert_eq!(created["board_number"], "12-345");
    assert_eq!(created["report_consent"], true);
    let consented_at = created["report_consent_at"].clone();
    assert!(consented_at.is_string(), "{created}");

    let kept = put(json!({ "profession": "nurse", "report_consent": true })).await;
    assert_eq!(kept.status(), 200);
    let kept = json_of(kept).await;
    assert_eq!(kept["profession"], "nurse");
    assert_eq!(kept["birth_month"], Value::Null);
    assert_eq!(
        kept["report_consent_at"], consented_at,
        "standing consent keeps its date"
    );
    let withdrawn =
        json_of(put(json!({ "profession": "nurse", "report_consent": false })).await).await;
    assert_eq!(withdrawn["report_consent"], false);
    assert_eq!(withdrawn["report_consent_at"], Value::Null);
    let read = json_of(
        app.send(Method::GET, "/api/v1/me/cme-profile", &learner, None)
            .await,
    )
    .await;
    assert_eq!(read, withdrawn);

    let mut actions: Vec<String> = on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar(
            "SELECT action FROM audit_logs WHERE entity_type = 'cme_learner_profile'",
        )
        .fetch_all(pool)
        .await
        .expect("audit rows")
    });
    actions.sort();
    assert_eq!(
        actions,
        [
            "cme_profile.created",
            "cme_profile.report_consent_given",
            "cme_profile.report_consent_withdrawn",
            "cme_profile.updated",
            "cme_profile.updated",
        ]
    );
}

async fn the_transcript_csv_has_a_row_per_entry(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let learner = app.user("csv@example.org", "student").await;
    report(
        &app,
        &learner,
        "Sepsis, \"the first hour\"",
        json!(1.5),
        40,
        &["sepsis", "critical care"],
    )
    .await;
    report(&app, &learner, "Airway", json!(2), 10, &[]).await;
    let response = app
        .send(Method::GET, "/api/v1/me/transcript.csv", &learner, None)
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment; filename=\"transcript-")
    );
    let text = response.text().await.expect("csv");
    let rows: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(
        rows,
        [
            "earned_on,title,provider_name,credit_type,credits,source,certificate_code,topics",
            &format!(
                "{},\"Sepsis, \"\"the first hour\"\"\",State Medical Society,AMA PRA Category 1 Credit™,1.5,self_reported,,sepsis; critical care",
                day(-40)
            ),
            &format!(
                "{},Airway,State Medical Society,AMA PRA Category 1 Credit™,2,self_reported,,",
                day(-10)
            ),
        ]
    );
    let recent = app
        .send(
            Method::GET,
            &format!("/api/v1/me/transcript.csv?from={}", day(-20)),
            &learner,
            None,
        )
        .await
        .text()
        .await
        .expect("csv");
    assert_eq!(recent.split_terminator("\r\n").count(), 2, "{recent}");
}

/// Inserts what the claims and certificates will create: a provider, an
/// activity of `course` on opioid prescribing, its credit designation, the
/// learner's claim of 2 credits and its certificate, issued with `title`.
/// Returns the certificate's id and code.
async fn certify(
    app: &TestApp,
    learner: Id,
    course: Id,
    title: &str,
    completed_on: NaiveDate,
) -> (Id, CertificateCode) {
    let db = &app.test_db.db;
    let now = Timestamp::now();
    let (provider, activity, designation, claim, key, certificate) = (
        Id::generate(),
        Id::generate(),
        Id::generate(),
        Id::generate(),
        Id::generate(),
        Id::generate(),
    );
    let statement =
        Statement::parse("MedicalEdu Institute is accredited by the ACCME.").expect("statement");
    let credit_type = "AMA PRA Category 1 Credit™";
    let designated = Designation {
        kind: CertificateKind::Credit,
        credit_type: CreditTypeName::parse(credit_type).expect("type"),
        maximum: CreditAmount::parse("2").expect("credits"),
        step: ClaimStep::QUARTER,
        statement: Statement::parse("The Provider designates this activity for 2 credits.")
            .expect("statement"),
        professions: vec![Profession::Physician],
    };
    let code = CertificateCode::generate();
    let snapshot = CertificateSnapshot::new(&CertificateFacts {
        code,
        kind: CertificateKind::Credit,
        learner_name: &FullName::parse("Dr. Test").expect("name"),
        activity_title: &CourseTitle::parse(title).expect("title"),
        format: medicaledu_domain::ActivityFormat::Enduring,
        activity_starts_on: completed_on - Duration::days(30),
        activity_ends_on: None,
        completed_on,
        designation: &designated,
        claimed: CreditAmount::parse("2").expect("credits"),
        provider_name: "MedicalEdu Institute",
        accreditation_statement: &statement,
        issued_at: now,
        supersedes: None,
    });
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO cme_providers (id, name, accreditor, accreditation_statement) VALUES ($1, $2, 'ACCME', $3)",
        )
        .bind(provider)
        .bind(format!("Institute {provider}"))
        .bind(statement.as_str())
        .execute(pool)
        .await
        .expect("provider");
        sqlx::query(
            "INSERT INTO cme_activities (id, course_id, provider_id, format, release_on) VALUES ($1, $2, $3, 'enduring', $4)",
        )
        .bind(activity)
        .bind(course)
        .bind(provider)
        .bind(completed_on - Duration::days(30))
        .execute(pool)
        .await
        .expect("activity");
        sqlx::query("INSERT INTO cme_activity_topics (activity_id, topic) VALUES ($1, 'opioid prescribing')")
            .bind(activity)
            .execute(pool)
            .await
            .expect("topic");
        sqlx::query(
            "INSERT INTO cme_designations (id, activity_id, kind, credit_type, max_credit_hundredths, step_hundredths, statement) \
             VALUES ($1, $2, 'credit', $3, 200, 25, $4)",
        )
        .bind(designation)
        .bind(activity)
        .bind(credit_type)
        .bind(designated.statement.as_str())
        .execute(pool)
        .await
        .expect("designation");
        sqlx::query(
            "INSERT INTO cme_claims (id, designation_id, learner_id, kind, credit_hundredths, attestation, \
                 measured_seconds, completed_at, claimed_at) \
             VALUES ($1, $2, $3, 'credit', 200, 'I attest to my participation.', 7200, $4, $4)",
        )
        .bind(claim)
        .bind(designation)
        .bind(learner)
        .bind(now)
        .execute(pool)
        .await
        .expect("claim");
        sqlx::query("INSERT INTO cme_signing_keys (id, public_key, private_key) VALUES ($1, $2, 'sealed')")
            .bind(key)
            .bind("A".repeat(43))
            .execute(pool)
            .await
            .expect("signing key");
        sqlx::query(
            "INSERT INTO cme_certificates (id, claim_id, learner_id, code, snapshot, snapshot_sha256, credential, \
                 signing_key_id, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6, '{}', $7, $8)",
        )
        .bind(certificate)
        .bind(claim)
        .bind(learner)
        .bind(code.to_string())
        .bind(snapshot.canonical_json())
        .bind(snapshot.sha256_hex())
        .bind(key)
        .bind(now)
        .execute(pool)
        .await
        .expect("certificate");
    });
    (certificate, code)
}

async fn earned_credit_comes_from_certificates_in_force(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("teacher@example.org", "instructor").await;
    let learner = app.user("earner@example.org", "student").await;
    let learner_id: Id = app.me(&learner).await.parse().expect("id");
    let course: Id = app
        .course(&instructor)
        .title("Safer opioid prescribing")
        .create()
        .await
        .parse()
        .expect("course id");
    create_licence(&app, &learner).await;
    report(&app, &learner, "Sepsis update", json!(38), 100, &[]).await;
    let (certificate, code) = certify(
        &app,
        learner_id,
        course,
        "Safer opioid prescribing",
        today() - Duration::days(5),
    )
    .await;
    // Renaming the course changes no transcript line: the certificate's
    // snapshot is what it printed.
    on_db!(&app.test_db.db, pool => {
        sqlx::query("UPDATE courses SET title = 'Renamed since' WHERE id = $1")
            .bind(course)
            .execute(pool)
            .await
            .expect("rename");
    });

    let whole = transcript(&app, &learner, "").await;
    let entries = whole["entries"].as_array().expect("entries");
    let earned = entries
        .iter()
        .find(|e| e["source"] == "earned")
        .unwrap_or_else(|| panic!("an earned entry: {whole}"));
    assert_eq!(earned["title"], "Safer opioid prescribing");
    assert_eq!(earned["certificate_code"], code.to_string());
    assert_eq!(earned["credits"], 2);
    assert_eq!(earned["self_reported"], false);
    assert_eq!(earned["earned_on"], day(-5));
    assert_eq!(earned["topics"], json!(["opioid prescribing"]));
    assert_eq!(earned["provider_name"], "MedicalEdu Institute");
    assert_eq!(whole["totals"][0]["total"], 40);
    assert_eq!(whole["totals"][0]["self_reported"], 38);
    assert_eq!(whole["licences"][0]["status"], "met", "{whole}");
    let csv = app
        .send(Method::GET, "/api/v1/me/transcript.csv", &learner, None)
        .await
        .text()
        .await
        .expect("csv");
    assert!(
        csv.contains(&format!(",earned,{code},opioid prescribing\r\n")),
        "{csv}"
    );

    // A revoked certificate proves nothing.
    on_db!(&app.test_db.db, pool => {
        sqlx::query("UPDATE cme_certificates SET revoked_at = $2, revocation_reason = 'issued in error' WHERE id = $1")
            .bind(certificate)
            .bind(Timestamp::now())
            .execute(pool)
            .await
            .expect("revoke");
    });
    let whole = transcript(&app, &learner, "").await;
    assert!(
        whole["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .all(|e| e["source"] == "self_reported"),
        "{whole}"
    );
    let standing = &whole["licences"][0];
    assert_eq!(standing["total"]["short_by"], 2);
    assert_eq!(standing["topics"][0]["short_by"], 2);
}

/// Runs the renewal sweep as of `at`; how many reminders were due.
async fn sweep_at(app: &TestApp, at: chrono::DateTime<Utc>) -> usize {
    let ctx = AppContext::new(app.test_db.db.clone(), test_settings())
        .expect("the test settings make a valid context")
        .with_clock(Clock::Offset(at - Utc::now()));
    medicaledu_app::jobs::remind_renewals(&ctx)
        .await
        .expect("the sweep succeeds")
}

/// The licence's reminder rows: `(dedupe key, channel, status, send_after)`.
async fn reminders(app: &TestApp, licence: &str) -> Vec<(String, String, String, Timestamp)> {
    let pattern = format!("licence-renewal:{licence}:%");
    on_db!(&app.test_db.db, pool => {
        sqlx::query_as(
            "SELECT dedupe_key, channel, status, send_after FROM notifications \
             WHERE dedupe_key LIKE $1 AND kind = 'licence.renewal_reminder' ORDER BY send_after, dedupe_key",
        )
        .bind(pattern)
        .fetch_all(pool)
        .await
        .expect("reminders")
    })
}

async fn renewal_reminders_are_queued_once_each(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let learner = app.user("renews@example.org", "student").await;
    let licence = create_licence(&app, &learner).await;
    report(&app, &learner, "Sepsis update", json!(39), 100, &[]).await;
    let renews_on = today() + Duration::days(91);
    // Each reminder goes out at 09:00 in the learner's zone (UTC).
    let moment = |lead: i64| {
        (renews_on - Duration::days(lead))
            .and_hms_opt(9, 0, 0)
            .expect("time")
            .and_utc()
    };

    let mut expected = 0;
    for (lead, label) in [(90, "90d"), (30, "30d"), (7, "7d")] {
        let at = moment(lead) - Duration::hours(20);
        // Twice in a row, then twice at once, as replicas would.
        assert!(sweep_at(&app, at).await >= 1);
        sweep_at(&app, at).await;
        let (a, b) = tokio::join!(sweep_at(&app, at), sweep_at(&app, at));
        assert_eq!(a, b);
        expected += 2;
        let rows = reminders(&app, &licence).await;
        assert_eq!(rows.len(), expected, "email and inbox once each: {rows:?}");
        let these: Vec<_> = rows
            .iter()
            .filter(|(key, ..)| key.contains(&format!(":{renews_on}:{label}:")))
            .collect();
        assert_eq!(these.len(), 2, "{label}: {rows:?}");
        for (key, channel, status, send_after) in these {
            assert!(key.ends_with(&format!(":{channel}")), "{key}");
            assert_eq!(status, "queued");
            assert_eq!(*send_after, Timestamp::from(moment(lead)));
        }
    }
    // Nothing more once the last has passed.
    assert_eq!(sweep_at(&app, moment(7) + Duration::hours(1)).await, 0);
    assert_eq!(reminders(&app, &licence).await.len(), 6);

    let body: String = on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar(
            "SELECT body FROM notifications WHERE dedupe_key LIKE $1 AND channel = 'email'",
        )
        .bind(format!("licence-renewal:{licence}:%:7d:%"))
        .fetch_one(pool)
        .await
        .expect("the 7-day email")
    });
    assert!(
        body.contains("A123456 (California)")
            && body.contains("short by 1 of the 40 credits it requires, 2 on opioid prescribing"),
        "{body}"
    );

    // Deleting the licence cancels what has not gone out.
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/me/licences/{licence}"),
            &learner,
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let rows = reminders(&app, &licence).await;
    assert!(
        rows.iter().all(|(_, _, status, _)| status == "cancelled"),
        "{rows:?}"
    );
}
