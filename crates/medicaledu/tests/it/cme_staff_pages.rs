//! The continuing-education pages of instructors and administrators, driven
//! over HTTP like a browser without JavaScript: a course made an activity
//! with a designation, post-test rules and a question added, edited and
//! retired through the forms; refusals shown at their fields with nothing
//! changed; someone else's course not found; item statistics after learners'
//! attempts; providers created and edited, and certificates revoked and
//! re-issued after their confirmation pages.

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::cme::{PostTest, cme_course, ok};
use crate::support::pages::{Jar, csrf_of, location, page, post_same_site, refused_page, submit};
use crate::support::{TestApp, both_backends, json_of, spawn_app};

both_backends!(
    an_instructor_sets_up_an_activity_its_designations_and_its_post_test,
    refused_setups_are_shown_at_their_fields_and_change_nothing,
    only_the_course_instructor_and_admins_reach_its_cme_pages,
    item_statistics_show_the_percent_correct_per_question,
    an_admin_creates_and_edits_providers,
    an_admin_revokes_and_reissues_certificates_after_confirming,
    an_admin_reads_and_downloads_an_activitys_provider_report,
);

const STATEMENT: &str = "Heidelberg CME Academy designates this enduring material for a \
     maximum of 2 AMA PRA Category 1 Credits™.";

/// A provider created through the API by an admin; its id.
async fn provider(app: &TestApp, admin: &str, name: &str) -> String {
    let created = ok(
        app.send(
            Method::POST,
            "/api/v1/cme/providers",
            admin,
            Some(&json!({
                "name": name,
                "accreditor": "EACCME",
                "accreditation_statement": "Accredited by the EACCME to provide CME.",
            })),
        )
        .await,
        "create provider",
    )
    .await;
    created["id"].as_str().expect("provider id").to_owned()
}

async fn activity(app: &TestApp, course: &str) -> Value {
    ok(
        app.get(&format!("/api/v1/courses/{course}/cme")).await,
        "read the activity",
    )
    .await
}

async fn bank(app: &TestApp, token: &str, course: &str) -> Vec<Value> {
    ok(
        app.send(
            Method::GET,
            &format!("/api/v1/courses/{course}/cme/assessments/post_test/questions"),
            token,
            None,
        )
        .await,
        "read the bank",
    )
    .await
    .as_array()
    .expect("questions")
    .clone()
}

/// An instructor with a published course and a provider to choose.
async fn set_up(app: &TestApp) -> (String, Jar, String, String) {
    let admin = app.user("root@example.org", "admin").await;
    let provider = provider(app, &admin, "Heidelberg CME Academy").await;
    let token = app.user("teacher@example.org", "instructor").await;
    let course = app.course(&token).title("Sepsis Update").create().await;
    let jar = Jar::signed_in(&token);
    (token, jar, course, provider)
}

fn activity_fields<'a>(provider: &'a str, topics: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("provider_id", provider),
        ("format", "enduring"),
        ("release_on", "2020-01-01"),
        ("expires_on", "2031-12-31"),
        (
            "disclosure",
            "No planner has a financial relationship to disclose.",
        ),
        ("topics", topics),
    ]
}

fn designation_fields<'a>(max: &'a str, professions: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("kind", "credit"),
        ("credit_type", "AMA PRA Category 1 Credit™"),
        ("max_credits", max),
        ("step", "0.25"),
        ("statement", STATEMENT),
    ];
    fields.extend(professions.iter().map(|p| ("professions", *p)));
    fields
}

async fn an_instructor_sets_up_an_activity_its_designations_and_its_post_test(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar, course, provider) = set_up(&app).await;
    let cme = format!("/teach/courses/{course}/cme");

    // The course editor leads to its CME page, which offers the provider.
    let (_, editor) = page(&app, &mut jar, &format!("/teach/courses/{course}")).await;
    assert!(
        editor.contains(&format!(r#"href="{cme}">Continuing education (CME)</a>"#)),
        "{editor}"
    );
    let (status, html) = page(&app, &mut jar, &cme).await;
    assert_eq!(status, 200);
    assert!(html.contains("Make it a CME activity"), "{html}");
    assert!(
        html.contains(&format!(
            r#"<option value="{provider}">Heidelberg CME Academy (EACCME)</option>"#
        )),
        "{html}"
    );
    assert!(
        !html.contains("Credit designations"),
        "no designations before the course is an activity"
    );

    let saved = submit(
        &app,
        &mut jar,
        &cme,
        &cme,
        &activity_fields(&provider, "Sepsis, Antimicrobial  stewardship"),
    )
    .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), format!("{cme}?done=activity"));
    let stored = activity(&app, &course).await;
    assert_eq!(stored["format"], "enduring");
    assert_eq!(stored["release_on"], "2020-01-01");
    assert_eq!(stored["expires_on"], "2031-12-31");
    assert_eq!(
        stored["topics"],
        json!(["antimicrobial stewardship", "sepsis"]),
        "topics are stored in their own spelling, in order"
    );
    let (_, html) = page(&app, &mut jar, &format!("{cme}?done=activity")).await;
    assert!(html.contains("The activity is saved."), "{html}");
    assert!(
        html.contains(r#"value="antimicrobial stewardship, sepsis""#),
        "{html}"
    );
    assert!(html.contains("No designations yet"), "{html}");

    // A designation for physicians and nurses.
    let new = format!("{cme}/designations/new");
    let added = submit(
        &app,
        &mut jar,
        &new,
        &new,
        &designation_fields("2", &["physician", "nurse"]),
    )
    .await;
    assert_eq!(added.status(), 303);
    assert_eq!(location(&added), format!("{cme}?done=designation_added"));
    let stored = activity(&app, &course).await;
    let designation = &stored["designations"][0];
    assert_eq!(designation["max_credits"], 2);
    assert_eq!(designation["step"], 0.25);
    assert_eq!(designation["professions"], json!(["nurse", "physician"]));
    assert_eq!(designation["statement"], STATEMENT);
    let id = designation["id"]
        .as_str()
        .expect("designation id")
        .to_owned();
    let (_, html) = page(&app, &mut jar, &cme).await;
    assert!(
        html.contains("<th scope=\"row\">AMA PRA Category 1 Credit™</th>"),
        "{html}"
    );
    assert!(html.contains("Physician, Nurse"), "{html}");

    // Edited: 1.5 credits, physicians only; the form showed what was stored.
    let edit = format!("{cme}/designations/{id}");
    let (_, form) = page(&app, &mut jar, &edit).await;
    assert!(
        form.contains(r#"name="professions" value="nurse" checked"#),
        "{form}"
    );
    assert!(form.contains(r#"name="max_credits" type="text" value="2""#));
    let edited = submit(
        &app,
        &mut jar,
        &edit,
        &edit,
        &designation_fields("1.5", &["physician"]),
    )
    .await;
    assert_eq!(edited.status(), 303);
    let designation = &activity(&app, &course).await["designations"][0];
    assert_eq!(designation["max_credits"], 1.5);
    assert_eq!(designation["professions"], json!(["physician"]));

    // The post-test's rules, in minutes on the page and seconds stored.
    let rules = format!("{cme}/post_test");
    let (_, form) = page(&app, &mut jar, &rules).await;
    assert!(form.contains("Rules of the Post-test"), "{form}");
    assert!(
        form.contains(r#"name="pass_mark_percent" type="text" value="80""#),
        "{form}"
    );
    let configured = submit(
        &app,
        &mut jar,
        &rules,
        &rules,
        &[
            ("pass_mark_percent", "75"),
            ("max_attempts", "3"),
            ("cooldown_minutes", "10"),
            ("time_limit_minutes", "30"),
            ("grace_seconds", "60"),
            ("shuffle_questions", "1"),
        ],
    )
    .await;
    assert_eq!(configured.status(), 303);
    assert_eq!(location(&configured), format!("{rules}?saved=1"));
    let (_, form) = page(&app, &mut jar, &format!("{rules}?saved=1")).await;
    assert!(form.contains("The rules are saved."));
    for (name, value) in [
        ("pass_mark_percent", "75"),
        ("max_attempts", "3"),
        ("cooldown_minutes", "10"),
        ("time_limit_minutes", "30"),
        ("grace_seconds", "60"),
    ] {
        assert!(
            form.contains(&format!(r#"name="{name}" type="text" value="{value}""#)),
            "{name}: {form}"
        );
    }
    assert!(form.contains(r#"name="shuffle_questions" value="1" checked"#));
    assert!(!form.contains(r#"name="shuffle_options" value="1" checked"#));
    let (_, html) = page(&app, &mut jar, &cme).await;
    assert!(
        html.contains("Pass mark 75% · 3 attempts · 30 minutes each · no questions yet"),
        "{html}"
    );

    // A question added, its key given by line number.
    let questions = format!("{rules}/questions");
    let (_, html) = page(&app, &mut jar, &questions).await;
    assert!(html.contains("No questions yet."), "{html}");
    let added = submit(
        &app,
        &mut jar,
        &questions,
        &questions,
        &[
            ("kind", "single_choice"),
            ("prompt", "Which comes first in the first hour?"),
            ("options", "Lactate\nCultures\r\n\nAntibiotics\n"),
            ("correct", "3"),
            ("rationale", "Every hour of delay costs lives."),
            ("points", ""),
        ],
    )
    .await;
    assert_eq!(added.status(), 303);
    assert_eq!(location(&added), format!("{questions}?done=added"));
    let stored = bank(&app, &token, &course).await;
    assert_eq!(stored.len(), 1);
    let question = &stored[0];
    assert_eq!(question["version"], 1);
    assert_eq!(question["points"], 1);
    let texts: Vec<&str> = question["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["text"].as_str().expect("text"))
        .collect();
    assert_eq!(texts, ["Lactate", "Cultures", "Antibiotics"]);
    assert_eq!(
        question["correct_option_ids"],
        json!([question["options"][2]["id"]])
    );
    let question_id = question["id"].as_str().expect("question id").to_owned();
    let (_, html) = page(&app, &mut jar, &format!("{questions}?done=added")).await;
    assert!(html.contains("The question is added."));
    assert!(
        html.contains(r#"<li class="correct">Antibiotics <strong class="correct-tag">"#),
        "{html}"
    );
    assert!(html.contains("<li>Lactate</li>"), "{html}");
    assert!(html.contains("Single choice: one option is right · version 1 · 1 point"));

    // Editing writes version 2 and says what that means for learners.
    let edit = format!("{questions}/{question_id}");
    let (_, form) = page(&app, &mut jar, &edit).await;
    assert!(
        form.contains("Learners who already drew this question keep the version they saw."),
        "{form}"
    );
    assert!(form.contains(r#"name="correct" type="text" value="3""#));
    let revised = submit(
        &app,
        &mut jar,
        &edit,
        &edit,
        &[
            ("kind", "multiple_choice"),
            ("prompt", "Which belong in the first hour?"),
            ("options", "Lactate\nCultures\nAntibiotics"),
            ("correct", "2, 3"),
            ("rationale", ""),
            ("points", "2"),
        ],
    )
    .await;
    assert_eq!(revised.status(), 303);
    assert_eq!(location(&revised), format!("{questions}?done=revised"));
    let question = &bank(&app, &token, &course).await[0];
    assert_eq!(question["version"], 2);
    assert_eq!(question["kind"], "multiple_choice");
    assert_eq!(question["points"], 2);
    assert_eq!(
        question["correct_option_ids"].as_array().map(Vec::len),
        Some(2)
    );

    // Retired after its confirmation page.
    let retire = format!("{edit}/retire");
    let (status, confirm) = page(&app, &mut jar, &retire).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Retire question 1?"), "{confirm}");
    assert!(confirm.contains("New attempts no longer draw it."));
    let retired = submit(&app, &mut jar, &retire, &retire, &[]).await;
    assert_eq!(retired.status(), 303);
    assert_eq!(location(&retired), format!("{questions}?done=retired"));
    assert!(bank(&app, &token, &course).await.is_empty());

    // The designation removed after its confirmation page.
    let delete = format!("{cme}/designations/{id}/delete");
    let (_, confirm) = page(&app, &mut jar, &delete).await;
    assert!(
        confirm.contains("Learners can no longer claim AMA PRA Category 1 Credit™"),
        "{confirm}"
    );
    let deleted = submit(&app, &mut jar, &delete, &delete, &[]).await;
    assert_eq!(deleted.status(), 303);
    assert_eq!(
        location(&deleted),
        format!("{cme}?done=designation_deleted")
    );
    assert_eq!(activity(&app, &course).await["designations"], json!([]));

    // The evaluation's bank waits for its rules.
    let evaluation = format!("{cme}/evaluation/questions");
    let (status, _) = page(&app, &mut jar, &evaluation).await;
    assert_eq!(status, 303);
    let (_, rules) = page(&app, &mut jar, &format!("{cme}/evaluation?first=1")).await;
    assert!(rules.contains("Save this test"), "{rules}");
    assert!(
        !rules.contains("pass_mark_percent"),
        "an evaluation is not scored: {rules}"
    );
}

async fn refused_setups_are_shown_at_their_fields_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar, course, provider) = set_up(&app).await;
    let cme = format!("/teach/courses/{course}/cme");

    // Pages of an activity that does not exist yet send the instructor back.
    let new = format!("{cme}/designations/new");
    let (status, _) = page(&app, &mut jar, &new).await;
    assert_eq!(status, 303);

    // An expiry before the release is refused at the expiry.
    let mut fields = activity_fields(&provider, "sepsis");
    fields.retain(|(name, _)| *name != "expires_on");
    fields.push(("expires_on", "2019-12-31"));
    let refused = submit(&app, &mut jar, &cme, &cme, &fields).await;
    let html = refused_page(refused).await;
    assert!(
        html.contains(r#"aria-invalid="true" aria-describedby="expires_on-error""#),
        "{html}"
    );
    assert!(html.contains("not before the release date"), "{html}");
    assert!(
        html.contains(r#"value="No planner has a financial relationship to disclose.""#)
            || html.contains(">No planner has a financial relationship to disclose.</textarea>"),
        "what was typed is kept"
    );
    assert_eq!(
        app.get(&format!("/api/v1/courses/{course}/cme"))
            .await
            .status(),
        404,
        "nothing was saved"
    );
    let saved = submit(
        &app,
        &mut jar,
        &cme,
        &cme,
        &activity_fields(&provider, "sepsis"),
    )
    .await;
    assert_eq!(saved.status(), 303);

    // Maximum credits that are not a whole number of steps: refused at the
    // maximum, the typed values kept, nothing added.
    let refused = submit(
        &app,
        &mut jar,
        &new,
        &new,
        &designation_fields("1.3", &["physician"]),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(html.contains("Please correct the fields marked below."));
    assert!(
        html.contains(r#"aria-invalid="true" aria-describedby="max_credits-error""#),
        "{html}"
    );
    let error_at = html.find(r#"id="max_credits-error""#).expect("the error");
    assert!(
        html[error_at..].starts_with(r#"id="max_credits-error">Enter a number of credits"#),
        "{}",
        &html[error_at..error_at + 200]
    );
    assert!(html[error_at..].contains("whole number of claim steps"));
    assert!(html.contains(r#"name="max_credits" type="text" value="1.3""#));
    assert!(html.contains(r#"name="professions" value="physician" checked"#));
    assert!(!html.contains(r#"id="step-error""#), "the step is fine");
    // No profession for a credit designation: refused at the professions.
    let refused = submit(&app, &mut jar, &new, &new, &designation_fields("2", &[])).await;
    let html = refused_page(refused).await;
    assert!(html.contains(r#"id="professions-error""#), "{html}");
    assert_eq!(activity(&app, &course).await["designations"], json!([]));

    // The same credit type twice is refused at the credit type.
    let added = submit(
        &app,
        &mut jar,
        &new,
        &new,
        &designation_fields("2", &["physician"]),
    )
    .await;
    assert_eq!(added.status(), 303);
    let twice = submit(
        &app,
        &mut jar,
        &new,
        &new,
        &designation_fields("1", &["nurse"]),
    )
    .await;
    let html = refused_page(twice).await;
    assert!(
        html.contains("This activity already designates this credit type"),
        "{html}"
    );

    // Rules out of range, or not numbers.
    let rules = format!("{cme}/post_test");
    let refused = submit(
        &app,
        &mut jar,
        &rules,
        &rules,
        &[
            ("pass_mark_percent", "0"),
            ("max_attempts", "three"),
            ("cooldown_minutes", "0"),
            ("time_limit_minutes", "2000"),
            ("grace_seconds", "0"),
        ],
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains(r#"id="max_attempts-error">Enter a whole number."#),
        "{html}"
    );
    let refused = submit(
        &app,
        &mut jar,
        &rules,
        &rules,
        &[
            ("pass_mark_percent", "0"),
            ("max_attempts", ""),
            ("cooldown_minutes", "0"),
            ("time_limit_minutes", "2000"),
            ("grace_seconds", "0"),
        ],
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains(r#"id="pass_mark_percent-error">Enter a whole percent from 1 to 100."#),
        "{html}"
    );
    assert!(
        html.contains(r#"id="time_limit_minutes-error">From 1 to 1440 minutes"#),
        "{html}"
    );

    // A single-choice question with two keys is refused at the key.
    let configured = submit(
        &app,
        &mut jar,
        &rules,
        &rules,
        &[
            ("pass_mark_percent", "80"),
            ("cooldown_minutes", "0"),
            ("grace_seconds", "0"),
        ],
    )
    .await;
    assert_eq!(configured.status(), 303);
    let questions = format!("{rules}/questions");
    let refused = submit(
        &app,
        &mut jar,
        &questions,
        &questions,
        &[
            ("kind", "single_choice"),
            ("prompt", "Which first?"),
            ("options", "Lactate\nCultures"),
            ("correct", "1, 2"),
        ],
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains(r#"id="correct-error">Name the correct options"#),
        "{html}"
    );
    assert!(html.contains(">Lactate\nCultures</textarea>"), "{html}");
    assert!(bank(&app, &token, &course).await.is_empty());
}

async fn only_the_course_instructor_and_admins_reach_its_cme_pages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (_, mut jar, course, provider) = set_up(&app).await;
    let cme = format!("/teach/courses/{course}/cme");
    assert_eq!(
        submit(
            &app,
            &mut jar,
            &cme,
            &cme,
            &activity_fields(&provider, "sepsis")
        )
        .await
        .status(),
        303
    );

    let other = app.user("other@example.org", "instructor").await;
    let mut other_jar = Jar::signed_in(&other);
    for path in [
        cme.clone(),
        format!("{cme}/designations/new"),
        format!("{cme}/post_test"),
        format!("{cme}/post_test/questions"),
        format!("{cme}/post_test/statistics"),
    ] {
        let (status, _) = page(&app, &mut other_jar, &path).await;
        assert_eq!(status, 404, "{path}");
    }
    // Nor can they change it with a form of their own.
    let (_, own) = page(&app, &mut other_jar, "/teach").await;
    let token = csrf_of(&own);
    let mut fields = vec![("csrf", token.as_str())];
    fields.extend(activity_fields(&provider, "hijacked"));
    let refused = post_same_site(&app, &mut other_jar, &cme, &fields).await;
    assert_eq!(refused.status(), 404);
    assert_eq!(activity(&app, &course).await["topics"], json!(["sepsis"]));

    // A student is told the same; a visitor is sent to sign in.
    let student = app.user("student@example.org", "student").await;
    let (status, _) = page(&app, &mut Jar::signed_in(&student), &cme).await;
    assert_eq!(status, 404);
    let (status, _) = page(&app, &mut Jar::default(), &cme).await;
    assert_eq!(status, 303);

    // An administrator reaches any course's set-up, by its address too.
    let admin = app
        .login("root@example.org", crate::support::PASSWORD)
        .await;
    let mut admin_jar = Jar::signed_in(&admin);
    let (status, html) = page(&app, &mut admin_jar, &cme).await;
    assert_eq!(status, 200);
    assert!(html.contains("Save the activity"), "{html}");
    // With the administrators' navigation, not the instructors' pages they
    // may not open.
    assert!(
        html.contains(r#"<p class="crumbs"><a href="/admin/cme">"#),
        "{html}"
    );
    assert!(!html.contains(r#"href="/teach/schedule""#), "{html}");
    let slug = json_of(app.get(&format!("/api/v1/courses/{course}")).await).await["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let (status, _) = page(&app, &mut admin_jar, &format!("/admin/cme?course={slug}")).await;
    assert_eq!(status, 303);
    let found = app
        .client
        .get(app.url(&format!("/admin/cme?course=/courses/{slug}")))
        .header("cookie", admin_jar.header())
        .send()
        .await
        .expect("request");
    assert_eq!(location(&found), cme);
    let (status, html) = page(&app, &mut admin_jar, "/admin/cme?course=no-such-course").await;
    assert_eq!(status, 200);
    assert!(html.contains("No course has this address or id."), "{html}");
}

async fn item_statistics_show_the_percent_correct_per_question(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let statistics = format!("/teach/courses/{}/cme/post_test/statistics", cme.course);
    let mut jar = Jar::signed_in(&cme.instructor);
    let (status, html) = page(&cme.app, &mut jar, &statistics).await;
    assert_eq!(status, 200);
    assert!(html.contains("Not answered yet"), "{html}");

    for (email, right) in [
        ("a@example.com", 5),
        ("b@example.com", 3),
        ("c@example.com", 1),
    ] {
        let (token, _) = cme.learner(email, "physician").await;
        let attempt = ok(cme.start(&token, "post_test").await, "start").await;
        ok(
            cme.submit(
                &token,
                attempt["id"].as_str().expect("id"),
                &cme.answers(right),
            )
            .await,
            "submit",
        )
        .await;
    }
    let (status, html) = page(&cme.app, &mut jar, &statistics).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<caption>How each question of the Post-test fared</caption>"),
        "{html}"
    );
    // Question 0 right by all three, 1 and 2 by two, 3 and 4 by one.
    for (i, answered, correct, percent) in [
        (0, 3, 3, 100),
        (1, 3, 2, 67),
        (2, 3, 2, 67),
        (3, 3, 1, 33),
        (4, 3, 1, 33),
    ] {
        let prompt = format!("Question {i}: which first?");
        let at = html
            .find(&prompt)
            .unwrap_or_else(|| panic!("{prompt}: {html}"));
        let row = &html[at..at + html[at..].find("</tr>").expect("row end")];
        assert!(
            row.contains(&format!(r#"data-label="Answered">{answered}</td>"#)),
            "{row}"
        );
        assert!(
            row.contains(&format!(r#"data-label="Correct">{correct}</td>"#)),
            "{row}"
        );
        assert!(
            row.contains(&format!(r#"<span class="percent-text">{percent}%</span>"#)),
            "{row}"
        );
        assert!(
            row.contains(&format!(
                r#"<rect class="fill" width="{percent}" height="10">"#
            )),
            "the bar is drawn to scale: {row}"
        );
        assert!(row.contains(r#"<svg class="bar" aria-hidden="true""#));
    }

    // Someone else's statistics are not found.
    let other = cme.app.user("other@example.org", "instructor").await;
    let (status, _) = page(&cme.app, &mut Jar::signed_in(&other), &statistics).await;
    assert_eq!(status, 404);
}

async fn an_admin_creates_and_edits_providers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("root@example.org", "admin").await;
    let mut jar = Jar::signed_in(&admin);
    let providers = "/admin/cme/providers";

    let (status, html) = page(&app, &mut jar, "/admin").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<a href="/admin/cme">CME</a>"#), "{html}");
    let (status, html) = page(&app, &mut jar, providers).await;
    assert_eq!(status, 200);
    assert!(html.contains("No providers yet."), "{html}");

    let fields = [
        ("name", "Heidelberg CME Academy"),
        ("accreditor", "EACCME"),
        (
            "accreditation_statement",
            "The Heidelberg CME Academy is accredited by the EACCME.",
        ),
        ("valid_until", "2030-12-31"),
    ];
    let created = submit(&app, &mut jar, providers, providers, &fields).await;
    assert_eq!(created.status(), 303);
    assert_eq!(location(&created), format!("{providers}?done=created"));
    let listed = ok(
        app.send(Method::GET, "/api/v1/cme/providers", &admin, None)
            .await,
        "providers",
    )
    .await;
    let provider = &listed[0];
    assert_eq!(provider["name"], "Heidelberg CME Academy");
    assert_eq!(
        provider["valid_until"], "2031-01-01T00:00:00Z",
        "the accreditation ends after its last day"
    );
    let id = provider["id"].as_str().expect("id").to_owned();
    let (_, html) = page(&app, &mut jar, &format!("{providers}?done=created")).await;
    assert!(html.contains("The provider is added."));
    assert!(
        html.contains(r#"data-label="Accredited until">2030-12-31</td>"#),
        "{html}"
    );

    // The same name again is refused at the name; an empty statement at
    // the statement.
    let refused = submit(&app, &mut jar, providers, providers, &fields).await;
    let html = refused_page(refused).await;
    assert!(
        html.contains(r#"id="name-error">Another provider already has this name."#),
        "{html}"
    );

    // Edited: the form shows what is stored, and saves what is typed.
    let edit = format!("{providers}/{id}");
    let (status, form) = page(&app, &mut jar, &edit).await;
    assert_eq!(status, 200);
    assert!(
        form.contains(r#"name="valid_until" type="date" value="2030-12-31""#),
        "{form}"
    );
    let refused = submit(
        &app,
        &mut jar,
        &edit,
        &edit,
        &[
            ("name", "Heidelberg CME Academy"),
            ("accreditor", "EACCME"),
            ("accreditation_statement", "  "),
            ("valid_until", ""),
        ],
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains(r#"id="accreditation_statement-error""#),
        "{html}"
    );
    let saved = submit(
        &app,
        &mut jar,
        &edit,
        &edit,
        &[
            ("name", "Heidelberg CME Academy"),
            ("accreditor", "UEMS-EACCME"),
            (
                "accreditation_statement",
                "The Heidelberg CME Academy is accredited by the UEMS-EACCME.",
            ),
            ("valid_until", ""),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), format!("{providers}?done=saved"));
    let provider = &ok(
        app.send(Method::GET, "/api/v1/cme/providers", &admin, None)
            .await,
        "providers",
    )
    .await[0];
    assert_eq!(provider["accreditor"], "UEMS-EACCME");
    assert_eq!(provider["valid_until"], Value::Null);

    // Only administrators.
    let instructor = app.user("teacher@example.org", "instructor").await;
    let (status, _) = page(&app, &mut Jar::signed_in(&instructor), providers).await;
    assert_eq!(status, 403);
}

async fn an_admin_revokes_and_reissues_certificates_after_confirming(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let app = &cme.app;
    let mut issued = Vec::new();
    for email in ["revoked@example.com", "reissued@example.com"] {
        let (token, _) = cme.learner(email, "physician").await;
        cme.complete(&token, 5, true).await;
        let claimed = ok(cme.claim(&token, json!(1.5)).await, "claim").await;
        issued.push(
            claimed["certificate"]["code"]
                .as_str()
                .expect("code")
                .to_owned(),
        );
    }
    let status_of =
        async |code: &str| json_of(app.get(&format!("/api/v1/certificates/{code}")).await).await;
    let mut jar = Jar::signed_in(&cme.admin);
    let certificates = "/admin/cme/certificates";

    let (status, html) = page(
        app,
        &mut jar,
        &format!("{certificates}?code=MEDU-0000-0000-0000-0000"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("No certificate has this code."), "{html}");

    // Found by its code: what it prints, its status, and the two forms.
    let code = &issued[0];
    let found = format!("{certificates}?code={code}");
    let (status, html) = page(app, &mut jar, &found).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("<code>{code}</code>")), "{html}");
    assert!(html.contains("<dd>Dr. Test</dd>"), "{html}");
    assert!(html.contains("<dd>Sepsis: the first hour</dd>"), "{html}");
    assert!(
        html.contains("<dd>1.5 AMA PRA Category 1 Credit™</dd>"),
        "{html}"
    );
    assert!(html.contains("<strong>Status:</strong> Valid"), "{html}");
    assert!(html.contains(&format!(r#"href="/verify/{code}""#)));
    let revoke = format!("{certificates}/{code}/revoke");
    assert!(html.contains(&format!(r#"action="{revoke}""#)));

    // Without a reason: refused at the reason, nothing changed.
    let refused = submit(app, &mut jar, &found, &revoke, &[("reason", " ")]).await;
    let html = refused_page(refused).await;
    assert!(
        html.contains(r#"aria-invalid="true" aria-describedby="revoke-reason-error""#),
        "{html}"
    );
    assert!(html.contains("Give the reason"), "{html}");

    // With one: a confirmation page first, which changes nothing.
    let reason = "Attendance records were falsified.";
    let asked = submit(app, &mut jar, &found, &revoke, &[("reason", reason)]).await;
    assert_eq!(asked.status(), 200);
    let confirm = asked.text().await.expect("html");
    assert!(
        confirm.contains(&format!("Revoke certificate {code}?")),
        "{confirm}"
    );
    assert!(confirm.contains(r#"name="confirm" value="1""#));
    assert_eq!(status_of(code).await["status"], "active");
    let revoked = post_same_site(
        app,
        &mut jar,
        &revoke,
        &[
            ("csrf", &csrf_of(&confirm)),
            ("reason", reason),
            ("confirm", "1"),
        ],
    )
    .await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(location(&revoked), format!("{found}&done=revoked"));
    let verified = status_of(code).await;
    assert_eq!(verified["status"], "revoked");
    assert_eq!(verified["revocation_reason"], reason);
    let (_, html) = page(app, &mut jar, &format!("{found}&done=revoked")).await;
    assert!(html.contains("The certificate is revoked."));
    assert!(html.contains("<strong>Status:</strong> Revoked"));
    assert!(html.contains(reason), "{html}");
    assert!(
        !html.contains(&format!(r#"action="{revoke}""#)),
        "no more forms"
    );
    // A revoked certificate cannot be re-issued.
    let late = post_same_site(
        app,
        &mut jar,
        &format!("{certificates}/{code}/reissue"),
        &[
            ("csrf", &csrf_of(&html)),
            ("reason", "Name misspelt"),
            ("confirm", "1"),
        ],
    )
    .await;
    assert_eq!(late.status(), 409);
    assert!(
        late.text()
            .await
            .expect("html")
            .contains("This certificate was revoked or re-issued meanwhile.")
    );

    // Re-issued: a new code that supersedes the old one.
    let old = &issued[1];
    let found = format!("{certificates}?code={old}");
    let reissue = format!("{certificates}/{old}/reissue");
    let asked = submit(
        app,
        &mut jar,
        &found,
        &reissue,
        &[("reason", "The learner's name was misspelt.")],
    )
    .await;
    assert_eq!(asked.status(), 200);
    let confirm = asked.text().await.expect("html");
    assert!(
        confirm.contains(&format!("Re-issue certificate {old}?")),
        "{confirm}"
    );
    assert_eq!(status_of(old).await["status"], "active");
    let done = post_same_site(
        app,
        &mut jar,
        &reissue,
        &[
            ("csrf", &csrf_of(&confirm)),
            ("reason", "The learner's name was misspelt."),
            ("confirm", "1"),
        ],
    )
    .await;
    assert_eq!(done.status(), 303);
    let to = location(&done);
    let new = to
        .strip_prefix(&format!("{certificates}?code="))
        .and_then(|rest| rest.strip_suffix("&done=reissued"))
        .unwrap_or_else(|| panic!("{to}"))
        .to_owned();
    assert_ne!(&new, old);
    assert_eq!(status_of(old).await["status"], "superseded");
    assert_eq!(status_of(old).await["superseded_by"], new.as_str());
    assert_eq!(status_of(&new).await["status"], "active");
    let (_, html) = page(app, &mut jar, &to).await;
    assert!(
        html.contains(&format!("Re-issued: this is the new certificate, {new}.")),
        "{html}"
    );
    assert!(html.contains(&format!(r#"href="/verify/{new}""#)), "{html}");
    assert!(html.contains(&format!(r#"href="{certificates}?code={old}""#)));
    let (_, html) = page(app, &mut jar, &found).await;
    assert!(
        html.contains("Superseded by a re-issued certificate"),
        "{html}"
    );
    assert!(html.contains(&format!(r#"href="{certificates}?code={new}""#)));

    // Only administrators.
    let (status, _) = page(app, &mut Jar::signed_in(&cme.instructor), &found).await;
    assert_eq!(status, 403);
}

async fn an_admin_reads_and_downloads_an_activitys_provider_report(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let app = &cme.app;
    let (consenting, _) = cme.learner("consents@example.com", "physician").await;
    ok(
        app.send(
            Method::PUT,
            "/api/v1/me/cme-profile",
            &consenting,
            Some(&json!({
                "profession": "physician", "birth_month": 2, "birth_day": 29,
                "board_number": "GMC-7654321", "report_consent": true,
            })),
        )
        .await,
        "consent",
    )
    .await;
    cme.complete(&consenting, 5, true).await;
    let reported = ok(cme.claim(&consenting, json!(1.75)).await, "claim").await;
    let code = reported["certificate"]["code"].as_str().expect("code");
    let (private, _) = cme.learner("private@example.com", "physician").await;
    cme.complete(&private, 5, true).await;
    let unreported = ok(cme.claim(&private, json!(2)).await, "claim").await;
    let private_code = unreported["certificate"]["code"].as_str().expect("code");

    let mut jar = Jar::signed_in(&cme.admin);
    let (status, html) = page(app, &mut jar, "/admin/cme").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"<a href="/admin/cme/reports">Provider reports</a>"#),
        "{html}"
    );
    let (status, html) = page(app, &mut jar, "/admin/cme/reports").await;
    assert_eq!(status, 200);
    let report_path = format!("/admin/cme/reports/{}", cme.course);
    assert!(
        html.contains("<th scope=\"row\">Sepsis: the first hour</th>"),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"href="{report_path}" aria-label="Report on Sepsis: the first hour""#
        )),
        "{html}"
    );

    // The last twelve months by default: the learner who consented only.
    let (status, html) = page(app, &mut jar, &report_path).await;
    assert_eq!(status, 200);
    assert!(html.contains("One completion from"), "{html}");
    assert!(html.contains(&format!("<code>{code}</code>")), "{html}");
    assert!(!html.contains(private_code), "{html}");
    for shown in [
        "02-29",
        "GMC-7654321",
        "AMA PRA Category 1 Credit™",
        "1.75",
        "Physician",
    ] {
        assert!(
            html.contains(&format!(">{shown}</td>")),
            "{shown} in {html}"
        );
    }
    let csv_href = html
        .split("href=\"")
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .find(|href| href.contains("/report.csv?"))
        .expect("the CSV link")
        .replace("&amp;", "&");
    let (status, csv) = page(app, &mut jar, &csv_href).await;
    assert_eq!(status, 200);
    let api_csv = app
        .get_with(
            &format!("/api/v1/courses/{}/cme/report.csv", cme.course),
            &cme.admin,
        )
        .await
        .text()
        .await
        .expect("api csv");
    assert_eq!(csv, api_csv, "the page's CSV is the API's export");
    assert!(csv.contains(code));

    // A period that ends before it starts is refused at its field.
    let (status, html) = page(
        app,
        &mut jar,
        &format!("{report_path}?from=2026-05-01&to=2026-04-01"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(r#"aria-invalid="true" aria-describedby="from-error""#),
        "{html}"
    );
    assert!(
        !html.contains("/report.csv?"),
        "no download for a refused period"
    );
    // An empty period says so.
    let (status, html) = page(
        app,
        &mut jar,
        &format!("{report_path}?from=2001-01-01&to=2001-12-31"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("0 completions from"), "{html}");

    // Administrators only; a course that is no activity is not found.
    let mut instructor = Jar::signed_in(&cme.instructor);
    assert_eq!(page(app, &mut instructor, &report_path).await.0, 403);
    assert_eq!(page(app, &mut instructor, &csv_href).await.0, 403);
    let signed_out = app
        .client
        .get(app.url(&report_path))
        .send()
        .await
        .expect("signed out");
    assert_eq!(signed_out.status(), 303);
    assert!(location(&signed_out).starts_with("/signin?next="));
    let plain = app
        .course(&cme.instructor)
        .title("No credit here")
        .create()
        .await;
    assert_eq!(
        page(app, &mut jar, &format!("/admin/cme/reports/{plain}"))
            .await
            .0,
        404
    );
}
