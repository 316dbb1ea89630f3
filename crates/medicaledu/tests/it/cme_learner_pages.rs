//! A learner's CME record in the pages, driven over HTTP like a browser
//! without JavaScript: the CME profile with its consent; licences added,
//! refused at their fields, edited and deleted, each "met" or "short by"
//! what is missing as credit is recorded; credits from elsewhere; and the
//! transcript with each line's source, its totals and licences, as a page,
//! CSV and PDF. Everything is the learner's own: another's licence is not
//! found.

use chrono::{Duration, Utc};
use medicaledu_store::Backend;
use reqwest::Method;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use serde_json::{Value, json};

use crate::cme::{PostTest, cme_course, ok};
use crate::support::pages::{Jar, location, page, refused_page, submit};
use crate::support::{TestApp, both_backends, spawn_app};

both_backends!(
    the_cme_profile_page_saves_the_profession_birthday_and_consent,
    licences_are_added_refused_edited_and_deleted_with_their_standing,
    credits_from_elsewhere_are_recorded_and_deleted,
    the_transcript_names_each_source_and_downloads_as_csv_and_pdf,
);

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

async fn learner(app: &TestApp, email: &str) -> (String, Jar) {
    let token = app.user(email, "student").await;
    let jar = Jar::signed_in(&token);
    (token, jar)
}

async fn api(app: &TestApp, token: &str, path: &str) -> Value {
    ok(app.send(Method::GET, path, token, None).await, path).await
}

/// The items of a list the API answers.
async fn items(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    api(app, token, path).await["items"]
        .as_array()
        .expect("items")
        .clone()
}

async fn the_cme_profile_page_saves_the_profession_birthday_and_consent(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar) = learner(&app, "nurse@example.com").await;
    let (status, html) = page(&app, &mut jar, "/me/cme-profile").await;
    assert_eq!(status, 200);
    assert!(html.contains("Choose your profession"), "{html}");
    assert!(
        html.contains("href=\"/me/transcript\""),
        "the account nav links the transcript"
    );

    // Refused at their fields, and nothing is saved.
    let refused = submit(
        &app,
        &mut jar,
        "/me/cme-profile",
        "/me/cme-profile",
        &[
            ("profession", ""),
            ("birth_month", "2"),
            ("birth_day", "30"),
        ],
    )
    .await;
    let html = refused_page(refused).await;
    assert!(html.contains("Choose your profession."), "{html}");
    assert!(html.contains("This is not a day of that month."), "{html}");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"birth_day-error\""));
    let missing = app
        .send(Method::GET, "/api/v1/me/cme-profile", &token, None)
        .await;
    assert_eq!(missing.status(), 404, "a refused profile is not saved");

    let saved = submit(
        &app,
        &mut jar,
        "/me/cme-profile",
        "/me/cme-profile",
        &[
            ("profession", "nurse"),
            ("birth_month", "3"),
            ("birth_day", "14"),
            ("board_number", " RN-778 "),
            ("report_consent", "on"),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), "/me/cme-profile?saved=1");
    let (_, html) = page(&app, &mut jar, "/me/cme-profile?saved=1").await;
    assert!(html.contains("Your CME profile is saved."), "{html}");
    assert!(html.contains("You consented on"), "{html}");
    assert!(html.contains("<option value=\"nurse\" selected>"), "{html}");
    assert!(html.contains("value=\"RN-778\""), "{html}");
    let profile = api(&app, &token, "/api/v1/me/cme-profile").await;
    assert_eq!(profile["profession"], "nurse");
    assert_eq!(
        (profile["birth_month"].clone(), profile["birth_day"].clone()),
        (json!(3), json!(14))
    );
    assert_eq!(profile["report_consent"], true);

    // Unticking the box withdraws the consent.
    let withdrawn = submit(
        &app,
        &mut jar,
        "/me/cme-profile",
        "/me/cme-profile",
        &[
            ("profession", "nurse"),
            ("birth_month", ""),
            ("birth_day", ""),
        ],
    )
    .await;
    assert_eq!(withdrawn.status(), 303);
    let profile = api(&app, &token, "/api/v1/me/cme-profile").await;
    assert_eq!(profile["report_consent"], false);
    assert_eq!(profile["birth_month"], Value::Null);
}

fn licence_fields<'a>(
    number: &'a str,
    renews_on: &'a str,
    topics: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("profession", "physician"),
        ("jurisdiction", "California"),
        ("number", number),
        ("renews_on", renews_on),
        ("cycle_months", "24"),
        ("required_credits", "40"),
        ("required_topics", topics),
        ("accepted_credit_types", ""),
    ]
}

fn external_fields<'a>(
    title: &'a str,
    credits: &'a str,
    earned_on: &'a str,
    topics: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("provider_name", "State Medical Society"),
        ("credit_type", "AMA PRA Category 1 Credit™"),
        ("credits", credits),
        ("earned_on", earned_on),
        ("topics", topics),
    ]
}

async fn licences_are_added_refused_edited_and_deleted_with_their_standing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar) = learner(&app, "physician@example.com").await;
    let renews = day(91);
    let (status, html) = page(&app, &mut jar, "/me/licences").await;
    assert_eq!(status, 200);
    assert!(html.contains("You have not added a licence yet."), "{html}");

    // A topic without its credits and a date that is none: refused at their
    // fields, the typed values kept, nothing created.
    let refused = submit(
        &app,
        &mut jar,
        "/me/licences",
        "/me/licences",
        &licence_fields("A123456", "next spring", "Opioid prescribing"),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains("Write each topic on its own line as"),
        "{html}"
    );
    assert!(html.contains("value=\"A123456\""), "{html}");
    let refused = submit(
        &app,
        &mut jar,
        "/me/licences",
        "/me/licences",
        &licence_fields("A123456", "next spring", "Opioid prescribing: 2"),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(html.contains("Enter a date such as 2027-06-30."), "{html}");
    assert!(items(&app, &token, "/api/v1/me/licences").await.is_empty());

    let added = submit(
        &app,
        &mut jar,
        "/me/licences",
        "/me/licences",
        &licence_fields("A123456", &renews, "Opioid prescribing: 2"),
    )
    .await;
    assert_eq!(added.status(), 303);
    assert_eq!(location(&added), "/me/licences?done=added");
    let (_, html) = page(&app, &mut jar, "/me/licences?done=added").await;
    assert!(html.contains("The licence is added."), "{html}");
    assert!(html.contains("Physician · California · A123456"), "{html}");
    assert!(
        html.contains("Short by 40; short by 2 on opioid prescribing"),
        "{html}"
    );

    // Credit from elsewhere counts: 38 plus 2 on the topic meets it.
    for (title, credits, topics) in [
        ("Airway refresher", "38", ""),
        ("Safe opioid prescribing", "2", "Opioid prescribing"),
    ] {
        let recorded = submit(
            &app,
            &mut jar,
            "/me/external-credits",
            "/me/external-credits",
            &external_fields(title, credits, &day(-30), topics),
        )
        .await;
        assert_eq!(recorded.status(), 303, "{title}");
    }
    let (_, html) = page(&app, &mut jar, "/me/licences").await;
    assert!(
        html.contains("<span class=\"status ok\">Met</span>"),
        "{html}"
    );
    assert!(html.contains("40 of 40"), "{html}");

    // Edited on its own page, which someone else cannot open.
    let id = items(&app, &token, "/api/v1/me/licences").await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let edit = format!("/me/licences/{id}");
    let (status, html) = page(&app, &mut jar, &edit).await;
    assert_eq!(status, 200);
    assert!(html.contains("opioid prescribing: 2"), "{html}");
    let (other, mut their_jar) = learner(&app, "other@example.com").await;
    let (status, _) = page(&app, &mut their_jar, &edit).await;
    assert_eq!(status, 404, "another's licence is not found");
    let saved = submit(
        &app,
        &mut jar,
        &edit,
        &edit,
        &licence_fields("B765432", &renews, "Opioid prescribing: 3"),
    )
    .await;
    assert_eq!(saved.status(), 303);
    let (_, html) = page(&app, &mut jar, "/me/licences?done=saved").await;
    assert!(html.contains("The licence is saved."), "{html}");
    assert!(html.contains("Physician · California · B765432"), "{html}");
    assert!(html.contains("short by 1 on opioid prescribing"), "{html}");

    // Deleting: another's attempt changes nothing; the owner's removes it.
    let theirs = submit(
        &app,
        &mut their_jar,
        "/me/licences",
        &format!("/me/licences/{id}/delete"),
        &[],
    )
    .await;
    assert_eq!(theirs.status(), 404);
    assert!(items(&app, &other, "/api/v1/me/licences").await.is_empty());
    let deleted = submit(
        &app,
        &mut jar,
        "/me/licences",
        &format!("/me/licences/{id}/delete"),
        &[],
    )
    .await;
    assert_eq!(deleted.status(), 303);
    let (_, html) = page(&app, &mut jar, "/me/licences?done=deleted").await;
    assert!(html.contains("The licence is deleted."), "{html}");
    assert!(!html.contains("B765432"), "{html}");
    assert!(items(&app, &token, "/api/v1/me/licences").await.is_empty());
}

async fn credits_from_elsewhere_are_recorded_and_deleted(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar) = learner(&app, "reporter@example.com").await;
    let refused = submit(
        &app,
        &mut jar,
        "/me/external-credits",
        "/me/external-credits",
        &external_fields("Future course", "0", &day(2), ""),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(html.contains("Enter more than zero credits."), "{html}");
    assert!(html.contains("This date is in the future."), "{html}");
    assert!(html.contains("value=\"Future course\""), "{html}");
    assert!(
        items(&app, &token, "/api/v1/me/external-credits")
            .await
            .is_empty()
    );

    let recorded = submit(
        &app,
        &mut jar,
        "/me/external-credits",
        "/me/external-credits",
        &external_fields("Stroke update", "1.5", &day(-3), "stroke\nneurology"),
    )
    .await;
    assert_eq!(recorded.status(), 303);
    let (_, html) = page(&app, &mut jar, "/me/external-credits?done=added").await;
    assert!(html.contains("The credit is recorded."), "{html}");
    assert!(html.contains("Stroke update"), "{html}");
    assert!(html.contains("Self-reported"), "{html}");
    assert!(html.contains("stroke; neurology"), "{html}");
    let listed = items(&app, &token, "/api/v1/me/external-credits").await;
    let id = listed[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(listed[0]["credits"], 1.5);

    let (_, mut their_jar) = learner(&app, "stranger@example.com").await;
    let theirs = submit(
        &app,
        &mut their_jar,
        "/me/external-credits",
        &format!("/me/external-credits/{id}/delete"),
        &[],
    )
    .await;
    assert_eq!(theirs.status(), 404, "another's credit is not found");
    let deleted = submit(
        &app,
        &mut jar,
        "/me/external-credits",
        &format!("/me/external-credits/{id}/delete"),
        &[],
    )
    .await;
    assert_eq!(deleted.status(), 303);
    assert!(
        items(&app, &token, "/api/v1/me/external-credits")
            .await
            .is_empty()
    );
}

async fn the_transcript_names_each_source_and_downloads_as_csv_and_pdf(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let app = &cme.app;
    let (token, _) = cme.learner("transcribed@example.com", "physician").await;
    cme.complete(&token, 5, true).await;
    let claimed = ok(cme.claim(&token, json!(1.5)).await, "claim").await;
    let code = claimed["certificate"]["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let name = api(app, &token, "/api/v1/me").await["full_name"]
        .as_str()
        .expect("name")
        .to_owned();
    let mut jar = Jar::signed_in(&token);
    let recorded = submit(
        app,
        &mut jar,
        "/me/external-credits",
        "/me/external-credits",
        &external_fields("Stroke update", "2", &day(-3), ""),
    )
    .await;
    assert_eq!(recorded.status(), 303);
    let added = submit(
        app,
        &mut jar,
        "/me/licences",
        "/me/licences",
        &licence_fields("A123456", &day(91), ""),
    )
    .await;
    assert_eq!(added.status(), 303);

    let (status, html) = page(app, &mut jar, "/me/transcript").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&format!(
            "<a href=\"/verify/{code}\">Certificate {code}</a>"
        )),
        "the earned line links its certificate: {html}"
    );
    assert!(html.contains("Sepsis: the first hour"), "{html}");
    assert!(html.contains("Stroke update"), "{html}");
    assert!(html.contains("Self-reported"), "{html}");
    // 1.5 earned plus 2 reported, of which 2 self-reported.
    assert!(html.contains(">3.5</td>"), "{html}");
    assert!(html.contains("Short by 36.5"), "{html}");

    // Blank ends, as an emptied date field sends them, are the default
    // period on the page; the API, whose parameters are dates, refuses them.
    let (status, blank) = page(app, &mut jar, "/me/transcript?from=&to=").await;
    assert_eq!(status, 200, "{blank}");
    assert!(blank.contains(&format!("Certificate {code}")), "{blank}");
    for path in [
        "/api/v1/me/transcript?to=",
        "/api/v1/me/transcript.csv?to=",
        "/api/v1/me/transcript.pdf?from=",
    ] {
        assert_eq!(app.get_with(path, &token).await.status(), 422, "{path}");
    }

    // A period that ends before it starts is refused at its field.
    let (status, html) = page(
        app,
        &mut jar,
        "/me/transcript?from=2026-02-01&to=2026-01-01",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("aria-describedby=\"from-error\""), "{html}");

    let csv = app
        .client
        .get(app.url("/me/transcript.csv"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()[CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    let csv = csv.text().await.expect("csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "earned_on,title,provider_name,credit_type,credits,source,certificate_code,topics"
    );
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(
        rows.iter()
            .any(|r| r.contains(&code) && r.contains(",earned,")),
        "{csv}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("Stroke update") && r.contains(",self_reported,")),
        "{csv}"
    );

    let pdf = app
        .client
        .get(app.url("/me/transcript.pdf"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()[CONTENT_TYPE], "application/pdf");
    assert!(
        pdf.headers()[CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii")
            .starts_with("attachment; filename=\"transcript-")
    );
    // The extracted text spaces its glyphs apart: compare without spaces.
    let squeeze = |text: &str| text.split_whitespace().collect::<String>();
    let text = squeeze(
        &pdf_extract::extract_text_from_mem(&pdf.bytes().await.expect("pdf")).expect("text"),
    );
    for expected in [
        "Continuing education transcript",
        name.as_str(),
        &format!("Certificate {code}"),
        "Self-reported",
        "Short by 36.5",
    ] {
        assert!(
            text.contains(&squeeze(expected)),
            "the PDF lacks {expected:?}: {text}"
        );
    }

    // Signed out, the pages send the visitor to sign in and back.
    let signed_out = app
        .client
        .get(app.url("/me/transcript.pdf"))
        .send()
        .await
        .expect("signed out");
    assert_eq!(signed_out.status(), 303);
}
