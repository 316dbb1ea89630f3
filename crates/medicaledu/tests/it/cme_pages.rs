//! The CME pages, driven over HTTP like a browser without JavaScript: the
//! public verification page (no cookie at all) with the certificate's record
//! and hash, then superseded and revoked; an attempt's page that holds no
//! answer key before the attempt has ended and the review after, failed
//! once and passed on the retake; the claim form naming the next step,
//! refusing an amount off the step at its field, then issuing; and the
//! learner's certificates with their PDF and share links.

use medicaledu_store::Backend;
use reqwest::Method;
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_DISPOSITION, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::cme::{
    ACCREDITATION_STATEMENT, CmeCourse, DESIGNATION_STATEMENT, PostTest, claimed_certificate_id,
    cme_course, ok,
};
use crate::support::both_backends;
use crate::support::pages::{Jar, csrf_of, location, page, post_same_site};

both_backends!(
    the_verification_page_is_public_and_shows_the_record_and_its_hash,
    superseded_and_revoked_certificates_say_so_first,
    the_attempt_page_hides_the_key_until_the_attempt_has_ended,
    the_claim_form_names_the_next_step_and_refuses_credits_off_the_step,
    the_certificates_page_lists_each_with_its_pdf_and_share_link,
);

/// The course's slug, as its instructor reads it.
async fn slug(cme: &CmeCourse) -> String {
    let course = ok(
        cme.app
            .send(
                Method::GET,
                &format!("/api/v1/courses/{}", cme.course),
                &cme.instructor,
                None,
            )
            .await,
        "read the course",
    )
    .await;
    course["slug"].as_str().expect("slug").to_owned()
}

/// A physician who passed, evaluated and claimed 1.5 credits: their token
/// and the certificate as the API shows it.
async fn certified(cme: &CmeCourse, email: &str) -> (String, Value) {
    let (token, _) = cme.learner(email, "physician").await;
    cme.complete(&token, 5, true).await;
    let claimed = ok(cme.claim(&token, json!(1.5)).await, "claim").await;
    (token, claimed["certificate"].clone())
}

fn code_of(certificate: &Value) -> String {
    certificate["code"].as_str().expect("code").to_owned()
}

async fn html_of(response: reqwest::Response) -> String {
    response.text().await.expect("html")
}

fn assert_has(html: &str, expected: &[&str]) {
    for text in expected {
        assert!(html.contains(text), "the page lacks {text:?}: {html}");
    }
}

async fn the_verification_page_is_public_and_shows_the_record_and_its_hash(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (_, certificate) = certified(&cme, "verified@example.com").await;
    let code = code_of(&certificate);
    // No cookie at all: nobody is signed in.
    let response = cme.app.get(&format!("/verify/{code}")).await;
    assert_eq!(response.status(), 200);
    let html = html_of(response).await;
    assert_has(
        &html,
        &[
            "<meta name=\"robots\" content=\"noindex\">",
            "Valid",
            "Dr. Test",
            "Sepsis: the first hour",
            "Enduring material",
            "1 January 2020",
            "AMA PRA Category 1 Credit™",
            "<dd>1.5</dd>",
            "MedicalEdu Institute",
            ACCREDITATION_STATEMENT,
            DESIGNATION_STATEMENT,
            &code,
            certificate["sha256"].as_str().expect("hash"),
            &format!("href=\"/verify/{code}/certificate.pdf\""),
            &format!("href=\"/verify/{code}/credential.jwt\""),
            "/.well-known/jwks.json",
        ],
    );
    assert!(!html.contains("Revoked on"), "{html}");

    let pdf = cme
        .app
        .get(&format!("/verify/{code}/certificate.pdf"))
        .await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()[CONTENT_TYPE], "application/pdf");
    assert_eq!(
        pdf.headers()[CONTENT_DISPOSITION],
        format!("inline; filename=\"{code}.pdf\"").as_str()
    );
    let bytes = pdf.bytes().await.expect("pdf");
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    // The PDF's fixed words follow the reader's language.
    let german = cme
        .app
        .client
        .get(cme.app.url(&format!("/verify/{code}/certificate.pdf")))
        .header(ACCEPT_LANGUAGE, "de")
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("pdf");
    let text: String = pdf_extract::extract_text_from_mem(&german)
        .expect("text")
        .split_whitespace()
        .collect();
    assert!(text.contains("Fortbildungsbescheinigung"), "{text}");
    assert!(text.contains("Dr.Test"), "{text}");

    let jwt = cme.app.get(&format!("/verify/{code}/credential.jwt")).await;
    assert_eq!(jwt.status(), 200);
    assert_eq!(
        html_of(jwt).await,
        certificate["credential"].as_str().expect("credential")
    );

    for path in [
        "/verify/MEDU-0000-0000-0000-0000".to_owned(),
        "/verify/not-a-code".to_owned(),
        "/verify/MEDU-0000-0000-0000-0000/certificate.pdf".to_owned(),
        "/verify/not-a-code/credential.jwt".to_owned(),
    ] {
        let response = cme.app.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(html_of(response).await.contains("<h1>"), "{path}: a page");
    }
}

async fn superseded_and_revoked_certificates_say_so_first(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, certificate) = certified(&cme, "corrected@example.com").await;
    let code = code_of(&certificate);
    let id = claimed_certificate_id(&cme, &token, &code).await;
    let reissued = ok(
        cme.app
            .send(
                Method::POST,
                &format!("/api/v1/cme/certificates/{id}/reissue"),
                &cme.admin,
                Some(&json!({"reason": "Name corrected"})),
            )
            .await,
        "re-issue",
    )
    .await;
    let new_code = code_of(&reissued);

    let old = html_of(cme.app.get(&format!("/verify/{code}")).await).await;
    assert_has(
        &old,
        &[
            "Superseded by",
            &format!("href=\"/verify/{new_code}\""),
            "role=\"alert\"",
        ],
    );
    assert!(!old.contains(">Valid<"), "{old}");
    let new = html_of(cme.app.get(&format!("/verify/{new_code}")).await).await;
    assert_has(
        &new,
        &[">Valid<", "Supersedes", &format!("href=\"/verify/{code}\"")],
    );

    let new_id = claimed_certificate_id(&cme, &token, &new_code).await;
    ok(
        cme.app
            .send(
                Method::POST,
                &format!("/api/v1/cme/certificates/{new_id}/revoke"),
                &cme.admin,
                Some(&json!({"reason": "Attendance could not be confirmed"})),
            )
            .await,
        "revoke",
    )
    .await;
    let revoked = cme.app.get(&format!("/verify/{new_code}")).await;
    assert_eq!(
        revoked.status(),
        200,
        "a revoked certificate is still shown"
    );
    let html = html_of(revoked).await;
    // A visitor without a zone reads dates in UTC.
    let today = chrono::Utc::now().format("%-d %B %Y").to_string();
    assert_has(
        &html,
        &[
            &format!("Revoked on {today}"),
            "Attendance could not be confirmed",
            "Dr. Test",
        ],
    );
    assert!(!html.contains(">Valid<"), "{html}");
    let verdict = html.find("Revoked on").expect("verdict");
    let record = html.find("What the certificate says").expect("record");
    assert!(verdict < record, "the revocation comes before the record");
}

/// The form fields answering the post-test with the first `right` questions
/// right and the rest wrong.
fn answer_fields(cme: &CmeCourse, csrf: &str, right: usize) -> Vec<(String, String)> {
    let mut fields = vec![("csrf".to_owned(), csrf.to_owned())];
    for (i, q) in cme.questions.iter().enumerate() {
        let chosen = if i < right {
            q.correct
        } else {
            (q.correct + 1) % q.options.len()
        };
        fields.push((format!("q.{}", q.id), q.options[chosen].clone()));
    }
    fields
}

async fn post_pairs(
    cme: &CmeCourse,
    jar: &mut Jar,
    path: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    post_same_site(&cme.app, jar, path, &pairs).await
}

async fn the_attempt_page_hides_the_key_until_the_attempt_has_ended(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, _) = cme.learner("taker@example.com", "physician").await;
    let slug = slug(&cme).await;
    let progress = format!("/courses/{slug}/cme");
    let mut jar = Jar::signed_in(&token);
    let (status, html) = page(&cme.app, &mut jar, &progress).await;
    assert_eq!(status, 200, "{html}");
    assert_has(
        &html,
        &[
            "Post-test",
            "Pass mark: 80%",
            "Attempts: 0 of 3 used",
            "aria-label=\"Start: Post-test\"",
            "Next: pass the post-test.",
        ],
    );
    let csrf = csrf_of(&html);
    let start = format!("{progress}/post_test/attempts");
    let started = post_same_site(&cme.app, &mut jar, &start, &[("csrf", &csrf)]).await;
    assert_eq!(started.status(), 303);
    let attempt = location(&started);
    assert!(attempt.starts_with("/cme/attempts/"), "{attempt}");

    let (status, sheet) = page(&cme.app, &mut jar, &attempt).await;
    assert_eq!(status, 200, "{sheet}");
    assert_has(
        &sheet,
        &[
            "<legend>",
            "Question 0: which first?",
            "type=\"radio\"",
            "Submit answers",
        ],
    );
    for q in &cme.questions {
        assert!(sheet.contains(&format!("name=\"q.{}\"", q.id)), "{sheet}");
    }
    // Nothing in the page says which option is right, nor why.
    let lower = sheet.to_lowercase();
    assert!(!lower.contains("correct"), "a marker of the key: {sheet}");
    assert!(!lower.contains("rationale"), "a rationale: {sheet}");
    // Starting again from another tab resumes the same attempt.
    let again = post_same_site(&cme.app, &mut jar, &start, &[("csrf", &csrf)]).await;
    assert_eq!(location(&again), attempt);
    // Someone else's attempt does not exist for them.
    let (other, _) = cme.learner("other@example.com", "physician").await;
    let (status, _) = page(&cme.app, &mut Jar::signed_in(&other), &attempt).await;
    assert_eq!(status, 404);

    // Two of five right: failed; with retakes left the review marks what
    // was wrong but keeps the key and the rationales for after a pass.
    let submitted = post_pairs(&cme, &mut jar, &attempt, &answer_fields(&cme, &csrf, 2)).await;
    assert_eq!(submitted.status(), 303);
    assert_eq!(location(&submitted), attempt);
    let (_, result) = page(&cme.app, &mut jar, &attempt).await;
    assert_has(
        &result,
        &[
            "Not passed: 40%; the pass mark is 80%.",
            "Your answer",
            "You did not answer this correctly.",
            "You answered this correctly.",
        ],
    );
    assert!(!result.contains("Correct answer"), "{result}");
    assert!(!result.contains("Rationale 0"), "{result}");
    assert!(!result.contains("Submit answers"), "the form is gone");
    // A second submission of the same attempt shows its result again.
    let late = post_pairs(&cme, &mut jar, &attempt, &answer_fields(&cme, &csrf, 5)).await;
    assert_eq!(location(&late), attempt);
    let (_, result) = page(&cme.app, &mut jar, &attempt).await;
    assert!(result.contains("Not passed: 40%"), "{result}");

    let (_, html) = page(&cme.app, &mut jar, &progress).await;
    assert_has(
        &html,
        &[
            "40% · not passed",
            "Attempts: 1 of 3 used",
            "Best result: 40%",
            "aria-label=\"Retake: Post-test\"",
        ],
    );
    let retaken = post_same_site(&cme.app, &mut jar, &start, &[("csrf", &csrf)]).await;
    let second = location(&retaken);
    assert_ne!(second, attempt, "a retake is a new attempt");
    let (_, sheet) = page(&cme.app, &mut jar, &second).await;
    assert!(!sheet.to_lowercase().contains("correct"), "{sheet}");
    post_pairs(&cme, &mut jar, &second, &answer_fields(&cme, &csrf, 5)).await;
    let (_, result) = page(&cme.app, &mut jar, &second).await;
    assert_has(
        &result,
        &[
            "Passed with 100%; the pass mark is 80%.",
            "Correct answer",
            "Rationale 0",
            "Rationale 4",
        ],
    );
    let (_, html) = page(&cme.app, &mut jar, &progress).await;
    assert_has(
        &html,
        &[
            "100% · passed",
            "You have passed this test.",
            "Next: fill in the evaluation.",
        ],
    );
    assert!(!html.contains("Retake: Post-test"), "{html}");
    // A test passed is not started again.
    let refused = post_same_site(&cme.app, &mut jar, &start, &[("csrf", &csrf)]).await;
    assert_eq!(refused.status(), 409);
    assert!(
        html_of(refused)
            .await
            .contains("You have passed this test.")
    );
}

async fn the_claim_form_names_the_next_step_and_refuses_credits_off_the_step(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, _) = cme.learner("claims@example.com", "physician").await;
    let slug = slug(&cme).await;
    let progress = format!("/courses/{slug}/cme");
    let claims = format!("{progress}/claims");
    let mut jar = Jar::signed_in(&token);
    let (_, html) = page(&cme.app, &mut jar, &progress).await;
    assert_has(
        &html,
        &["Next: pass the post-test. Then you can claim credit."],
    );
    assert!(!html.contains("name=\"credits\""), "no form yet: {html}");
    let csrf = csrf_of(&html);
    let claim = |credits: &'static str, attest: bool| {
        let mut fields = vec![
            ("csrf".to_owned(), csrf.clone()),
            ("designation_id".to_owned(), cme.designation.clone()),
            ("credits".to_owned(), credits.to_owned()),
        ];
        if attest {
            fields.push(("attest".to_owned(), "yes".to_owned()));
        }
        fields
    };
    // A claim sent anyway is refused with the next thing to do.
    let refused = post_pairs(&cme, &mut jar, &claims, &claim("1", true)).await;
    assert_eq!(refused.status(), 409);
    assert_has(
        &html_of(refused).await,
        &["Next: pass the post-test. Then you can claim credit."],
    );

    cme.complete(&token, 5, false).await;
    let (_, html) = page(&cme.app, &mut jar, &progress).await;
    assert_has(
        &html,
        &["Next: fill in the evaluation. Then you can claim credit."],
    );
    cme.complete_evaluation_only(&token).await;
    let (_, html) = page(&cme.app, &mut jar, &progress).await;
    assert_has(
        &html,
        &[
            "name=\"credits\"",
            "step=\"0.25\"",
            "max=\"2\"",
            "At most 2, in steps of 0.25.",
            "Time measured on this course: 30 min.",
            "I claim only the credit commensurate with the extent of my participation",
            &format!("name=\"designation_id\" value=\"{}\"", cme.designation),
        ],
    );

    let off_step = post_pairs(&cme, &mut jar, &claims, &claim("1.3", true)).await;
    assert_eq!(off_step.status(), 422);
    let html = html_of(off_step).await;
    assert_has(
        &html,
        &[
            "id=\"credits-error\"",
            "Claim a multiple of 0.25 credits.",
            "aria-invalid=\"true\" aria-describedby=\"credits-error",
            "value=\"1.3\"",
        ],
    );
    let above = post_pairs(&cme, &mut jar, &claims, &claim("2.25", true)).await;
    assert_eq!(above.status(), 422);
    assert_has(&html_of(above).await, &["Claim at most 2 credits."]);
    let unticked = post_pairs(&cme, &mut jar, &claims, &claim("1.5", false)).await;
    assert_eq!(unticked.status(), 422);
    assert_has(
        &html_of(unticked).await,
        &[
            "id=\"attest-error\"",
            "Tick the attestation to claim credit.",
        ],
    );
    let none = ok(
        cme.app
            .send(Method::GET, "/api/v1/me/certificates", &token, None)
            .await,
        "certificates",
    )
    .await;
    assert_eq!(none, json!([]), "nothing was claimed");

    let issued = post_pairs(&cme, &mut jar, &claims, &claim("1.5", true)).await;
    assert_eq!(issued.status(), 303);
    assert_eq!(location(&issued), "/me/certificates?claimed=1");
    let (_, html) = page(&cme.app, &mut jar, &progress).await;
    assert_has(&html, &["You claimed 1.5 AMA PRA Category 1 Credit™ on"]);
    assert!(!html.contains("name=\"credits\""), "claimed: {html}");
    let twice = post_pairs(&cme, &mut jar, &claims, &claim("1.5", true)).await;
    assert_eq!(twice.status(), 409);
    assert_has(
        &html_of(twice).await,
        &["You have claimed credit on this designation already."],
    );
}

async fn the_certificates_page_lists_each_with_its_pdf_and_share_link(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let slug = slug(&cme).await;
    // The course's page shows the activity to anyone.
    let (status, html) = page(&cme.app, &mut Jar::default(), &format!("/courses/{slug}")).await;
    assert_eq!(status, 200);
    assert_has(
        &html,
        &[
            "Continuing medical education",
            "MedicalEdu Institute (ACCME)",
            "Up to 2 AMA PRA Category 1 Credit™",
            ACCREDITATION_STATEMENT,
            DESIGNATION_STATEMENT,
        ],
    );
    assert!(!html.contains("Your CME progress"), "not enrolled: {html}");
    // A student not enrolled is sent to the course from the CME page.
    let outsider = cme.app.user("outsider@example.com", "student").await;
    let mut outside = Jar::signed_in(&outsider);
    let response = cme
        .app
        .client
        .get(cme.app.url(&format!("/courses/{slug}/cme")))
        .header(reqwest::header::COOKIE, outside.header())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("/courses/{slug}#cme"));
    let (_, listed) = page(&cme.app, &mut outside, "/me/certificates").await;
    assert!(listed.contains("No certificates yet."), "{listed}");

    let (token, certificate) = certified(&cme, "listed@example.com").await;
    let code = code_of(&certificate);
    let mut jar = Jar::signed_in(&token);
    let (_, html) = page(&cme.app, &mut jar, &format!("/courses/{slug}")).await;
    assert_has(
        &html,
        &[
            &format!("href=\"/courses/{slug}/cme\""),
            "Your CME progress",
        ],
    );
    let (status, html) = page(&cme.app, &mut jar, "/me/certificates?claimed=1").await;
    assert_eq!(status, 200);
    assert_has(
        &html,
        &[
            "Your certificate is issued.",
            "Sepsis: the first hour",
            &code,
            "1.5 AMA PRA Category 1 Credit™",
            ">Valid<",
            &format!("href=\"/verify/{code}/certificate.pdf\""),
            "aria-label=\"Share the certificate for Sepsis: the first hour\"",
            &format!("href=\"/verify/{code}\""),
            &format!("value=\"http://127.0.0.1:8080/verify/{code}\""),
            "href=\"/me/certificates\"",
            "data-label=\"Credit\"",
        ],
    );
    let (_, listed) = page(&cme.app, &mut outside, "/me/certificates").await;
    assert!(!listed.contains(&code), "another learner's certificate");
    let anonymous = cme.app.get("/me/certificates").await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(location(&anonymous), "/signin?next=/me/certificates");
}
