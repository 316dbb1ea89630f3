//! Continuing medical education end to end over HTTP: attempts raced and
//! timed, scoring at the pass mark, claims refused and raced, certificates
//! verified by anyone, unchanged by renames, revoked, and their credentials
//! checked by an independent verifier.

use std::sync::Arc;

use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::{Backend, Db, on_db};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::support::{TestApp, both_backends, json_of, spawn_app};

both_backends!(
    fifty_racing_learners_tabs_get_exactly_the_attempt_limit,
    a_submission_after_the_deadline_and_grace_is_expired,
    a_score_exactly_at_the_pass_mark_passes_and_one_point_below_fails,
    no_answer_key_reaches_the_learner_before_submission,
    claims_off_the_maximum_or_step_are_422_and_without_a_pass_or_evaluation_409,
    concurrent_claims_make_one_claim_and_one_certificate,
    verification_is_public_unchanged_by_renames_and_shows_revocation,
    a_profession_not_designated_gets_participation_without_credit,
    an_independent_verifier_accepts_the_credential_and_sees_revocation,
    instructors_see_item_statistics_and_only_they_see_the_bank,
    the_provider_report_lists_consenting_learners_even_after_their_account_is_deleted,
);

pub(crate) const DESIGNATION_STATEMENT: &str = "MedicalEdu Institute designates this enduring material for a \
     maximum of 2 AMA PRA Category 1 Credits™. Physicians should claim only the credit \
     commensurate with the extent of their participation in the activity.";
pub(crate) const ACCREDITATION_STATEMENT: &str = "MedicalEdu Institute is accredited by the Accreditation \
     Council for Continuing Medical Education (ACCME) to provide continuing medical education for physicians.";

/// A bank question as the instructor wrote it.
pub(crate) struct Question {
    pub(crate) id: String,
    pub(crate) options: Vec<String>,
    pub(crate) correct: usize,
}

/// A published course made a CME activity: one designation (2 credits in
/// steps of 0.25, for physicians), a five-question post-test and a
/// one-question evaluation. The page tests reuse it.
pub(crate) struct CmeCourse {
    pub(crate) app: TestApp,
    pub(crate) admin: String,
    pub(crate) instructor: String,
    pub(crate) course: String,
    pub(crate) designation: String,
    pub(crate) material: String,
    pub(crate) questions: Vec<Question>,
    pub(crate) evaluation: Question,
}

/// The post-test's rules.
pub(crate) struct PostTest {
    pub(crate) pass_mark: i64,
    pub(crate) max_attempts: Option<i64>,
    pub(crate) time_limit_seconds: Option<i64>,
    pub(crate) grace_seconds: i64,
}

impl Default for PostTest {
    fn default() -> Self {
        PostTest {
            pass_mark: 80,
            max_attempts: Some(3),
            time_limit_seconds: None,
            grace_seconds: 0,
        }
    }
}

pub(crate) async fn ok(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let body = response.text().await.expect("body");
    assert!(status.is_success(), "{what}: {status} {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

pub(crate) async fn cme_course(backend: Backend, post_test: PostTest) -> Option<CmeCourse> {
    let app = spawn_app(backend).await?;
    let admin = app.user("admin@example.com", "admin").await;
    let instructor = app.user("prof@example.com", "instructor").await;
    let course = app
        .course(&instructor)
        .title("Sepsis: the first hour")
        .create()
        .await;
    let course_json = json_of(
        app.get_with(&format!("/api/v1/courses/{course}"), &instructor)
            .await,
    )
    .await;
    let material = course_json["materials"][0]["id"]
        .as_str()
        .expect("material")
        .to_owned();
    let provider = ok(
        app.send(
            Method::POST,
            "/api/v1/cme/providers",
            &admin,
            Some(&json!({
                "name": "MedicalEdu Institute",
                "accreditor": "ACCME",
                "accreditation_statement": ACCREDITATION_STATEMENT,
            })),
        )
        .await,
        "create provider",
    )
    .await;
    ok(
        app.send(
            Method::PUT,
            &format!("/api/v1/courses/{course}/cme"),
            &instructor,
            Some(&json!({
                "provider_id": provider["id"],
                "format": "enduring",
                "release_on": "2020-01-01",
                "topics": ["sepsis"],
            })),
        )
        .await,
        "make the course an activity",
    )
    .await;
    let designation = ok(
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{course}/cme/designations"),
            &instructor,
            Some(&json!({
                "credit_type": "AMA PRA Category 1 Credit™",
                "max_credits": 2,
                "step": 0.25,
                "statement": DESIGNATION_STATEMENT,
                "professions": ["physician"],
            })),
        )
        .await,
        "add designation",
    )
    .await["id"]
        .as_str()
        .expect("designation id")
        .to_owned();
    ok(
        app.send(
            Method::PUT,
            &format!("/api/v1/courses/{course}/cme/assessments/post_test"),
            &instructor,
            Some(&json!({
                "pass_mark_percent": post_test.pass_mark,
                "max_attempts": post_test.max_attempts,
                "time_limit_seconds": post_test.time_limit_seconds,
                "grace_seconds": post_test.grace_seconds,
            })),
        )
        .await,
        "configure post-test",
    )
    .await;
    let mut questions = Vec::new();
    for i in 0..5 {
        let correct = i % 3;
        let added = ok(
            app.send(
                Method::POST,
                &format!("/api/v1/courses/{course}/cme/assessments/post_test/questions"),
                &instructor,
                Some(&json!({
                    "kind": "single_choice",
                    "prompt": format!("Question {i}: which first?"),
                    "options": ["Lactate", "Cultures", "Antibiotics"],
                    "correct": [correct],
                    "rationale": format!("Rationale {i}"),
                })),
            )
            .await,
            "add question",
        )
        .await;
        questions.push(question_of(&added, correct));
    }
    ok(
        app.send(
            Method::PUT,
            &format!("/api/v1/courses/{course}/cme/assessments/evaluation"),
            &instructor,
            Some(&json!({})),
        )
        .await,
        "configure evaluation",
    )
    .await;
    let added = ok(
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{course}/cme/assessments/evaluation/questions"),
            &instructor,
            Some(&json!({
                "kind": "single_choice",
                "prompt": "Will this change your practice?",
                "options": ["Yes", "No"],
            })),
        )
        .await,
        "add evaluation question",
    )
    .await;
    let evaluation = question_of(&added, 0);
    Some(CmeCourse {
        app,
        admin,
        instructor,
        course,
        designation,
        material,
        questions,
        evaluation,
    })
}

fn question_of(added: &Value, correct: usize) -> Question {
    Question {
        id: added["id"].as_str().expect("question id").to_owned(),
        options: added["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|o| o["id"].as_str().expect("option id").to_owned())
            .collect(),
        correct,
    }
}

impl TestApp {
    pub(crate) async fn get_with(&self, path: &str, token: &str) -> reqwest::Response {
        self.send(Method::GET, path, token, None).await
    }
}

impl CmeCourse {
    /// A student of `profession` who is enrolled and has completed the
    /// course's material; their token and id.
    pub(crate) async fn learner(&self, email: &str, profession: &str) -> (String, Id) {
        let token = self.app.user(email, "student").await;
        let me = json_of(self.app.get_with("/api/v1/me", &token).await).await;
        let id: Id = me["id"].as_str().expect("id").parse().expect("uuid");
        ok(
            self.app
                .send(
                    Method::PUT,
                    "/api/v1/me/cme-profile",
                    &token,
                    Some(&json!({"profession": profession, "report_consent": false})),
                )
                .await,
            "state the profession",
        )
        .await;
        let enrollment = ok(
            self.app
                .send(
                    Method::POST,
                    &format!("/api/v1/courses/{}/enrollments", self.course),
                    &token,
                    None,
                )
                .await,
            "enroll",
        )
        .await;
        let enrollment = enrollment["id"].as_str().expect("enrollment").to_owned();
        ok(
            self.app
                .send(
                    Method::PUT,
                    &format!(
                        "/api/v1/enrollments/{enrollment}/progress/{}",
                        self.material
                    ),
                    &token,
                    Some(&json!({"progress_percent": 100, "time_spent_delta_seconds": 1800})),
                )
                .await,
            "complete the material",
        )
        .await;
        (token, id)
    }

    pub(crate) async fn start(&self, token: &str, kind: &str) -> reqwest::Response {
        self.app
            .send(
                Method::POST,
                &format!(
                    "/api/v1/courses/{}/cme/assessments/{kind}/attempts",
                    self.course
                ),
                token,
                None,
            )
            .await
    }

    /// Answers with the first `right` questions right and the rest wrong.
    pub(crate) fn answers(&self, right: usize) -> Value {
        let answers: Vec<Value> = self
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let chosen = if i < right {
                    q.correct
                } else {
                    (q.correct + 1) % q.options.len()
                };
                json!({"question_id": q.id, "option_ids": [q.options[chosen]]})
            })
            .collect();
        json!({ "answers": answers })
    }

    pub(crate) async fn submit(
        &self,
        token: &str,
        attempt: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.app
            .send(
                Method::POST,
                &format!("/api/v1/cme/attempts/{attempt}/submit"),
                token,
                Some(body),
            )
            .await
    }

    /// Passes the post-test with `right` of 5 and fills in the evaluation.
    pub(crate) async fn complete(&self, token: &str, right: usize, evaluate: bool) {
        let attempt = ok(self.start(token, "post_test").await, "start post-test").await;
        let done = ok(
            self.submit(
                token,
                attempt["id"].as_str().expect("attempt"),
                &self.answers(right),
            )
            .await,
            "submit post-test",
        )
        .await;
        assert_eq!(done["status"], "submitted", "{done}");
        if evaluate {
            let attempt = ok(self.start(token, "evaluation").await, "start evaluation").await;
            let body = json!({"answers": [{"question_id": self.evaluation.id, "option_ids": [self.evaluation.options[0]]}]});
            ok(
                self.submit(token, attempt["id"].as_str().expect("attempt"), &body)
                    .await,
                "submit evaluation",
            )
            .await;
        }
    }

    pub(crate) async fn claim(&self, token: &str, credits: Value) -> reqwest::Response {
        self.app
            .send(
                Method::POST,
                &format!("/api/v1/courses/{}/cme/claims", self.course),
                token,
                Some(&json!({"designation_id": self.designation, "credits": credits, "attest": true})),
            )
            .await
    }
}

async fn count(db: &Db, sql: &'static str, id: Id) -> i64 {
    on_db!(db, pool => sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(pool).await)
        .expect("count")
}

async fn fifty_racing_learners_tabs_get_exactly_the_attempt_limit(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, learner) = cme.learner("racer@example.com", "physician").await;
    let cme = Arc::new(cme);
    let barrier = Arc::new(Barrier::new(50));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (cme, barrier, token) = (Arc::clone(&cme), Arc::clone(&barrier), token.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            // Each tab starts (or resumes) and submits a failing attempt until refused.
            for _ in 0..20 {
                let started = cme.start(&token, "post_test").await;
                if started.status() == 409 {
                    let problem = json_of(started).await;
                    assert_eq!(problem["code"], "attempt_limit", "{problem}");
                    return;
                }
                let attempt = ok(started, "start").await;
                let submitted = cme
                    .submit(&token, attempt["id"].as_str().expect("id"), &cme.answers(0))
                    .await;
                let status = submitted.status();
                assert!(status == 200 || status == 409, "submit: {status}");
            }
            panic!("never refused");
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let db = &cme.app.test_db.db;
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM cme_attempts WHERE learner_id = $1",
            learner
        )
        .await,
        3
    );
    assert_eq!(
        count(
            db,
            "SELECT MAX(attempt_number) FROM cme_attempts WHERE learner_id = $1",
            learner
        )
        .await,
        3
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM cme_attempts WHERE learner_id = $1 AND status = 'in_progress'",
            learner
        )
        .await,
        0
    );

    // Fifty tabs opening the post-test of a fresh learner at once all land in one attempt.
    let (fresh, fresh_id) = cme.learner("tabs@example.com", "physician").await;
    let barrier = Arc::new(Barrier::new(50));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (cme, barrier, token) = (Arc::clone(&cme), Arc::clone(&barrier), fresh.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            ok(cme.start(&token, "post_test").await, "start").await["id"]
                .as_str()
                .expect("id")
                .to_owned()
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("task"));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every tab resumes the same attempt");
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM cme_attempts WHERE learner_id = $1",
            fresh_id
        )
        .await,
        1
    );
}

/// Moves an attempt's start back, as if `seconds` had passed since.
async fn age_attempt(db: &Db, attempt: &str, seconds: i64) {
    let attempt: Id = attempt.parse().expect("uuid");
    let started = Timestamp::from(chrono::Utc::now() - chrono::TimeDelta::seconds(seconds));
    on_db!(db, pool => sqlx::query("UPDATE cme_attempts SET started_at = $1 WHERE id = $2")
        .bind(started)
        .bind(attempt)
        .execute(pool)
        .await
        .map(|_| ()))
    .expect("age attempt");
}

async fn a_submission_after_the_deadline_and_grace_is_expired(backend: Backend) {
    let post_test = PostTest {
        max_attempts: None,
        time_limit_seconds: Some(600),
        grace_seconds: 30,
        ..PostTest::default()
    };
    let Some(cme) = cme_course(backend, post_test).await else {
        return;
    };
    let (late, _) = cme.learner("late@example.com", "physician").await;
    let attempt = ok(cme.start(&late, "post_test").await, "start").await;
    assert!(
        attempt["due_at"].is_string(),
        "a timed attempt says when it is due: {attempt}"
    );
    let id = attempt["id"].as_str().expect("id");
    age_attempt(&cme.app.test_db.db, id, 600 + 30 + 5).await;
    let expired = ok(cme.submit(&late, id, &cme.answers(5)).await, "late submit").await;
    assert_eq!(expired["status"], "expired", "{expired}");
    assert_eq!(
        expired["passed"],
        Value::Null,
        "an expired attempt is not scored"
    );
    let again = cme.submit(&late, id, &cme.answers(5)).await;
    assert_eq!(again.status(), 409);
    assert_eq!(json_of(again).await["code"], "attempt_ended");

    // Inside the grace period the submission counts.
    let (in_grace, _) = cme.learner("grace@example.com", "physician").await;
    let attempt = ok(cme.start(&in_grace, "post_test").await, "start").await;
    let id = attempt["id"].as_str().expect("id");
    age_attempt(&cme.app.test_db.db, id, 600 + 20).await;
    let submitted = ok(
        cme.submit(&in_grace, id, &cme.answers(5)).await,
        "submit in grace",
    )
    .await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["passed"], true);
}

async fn a_score_exactly_at_the_pass_mark_passes_and_one_point_below_fails(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    // Five one-point questions and a mark of 80 %: four right is exactly at it.
    let (at_mark, _) = cme.learner("at@example.com", "physician").await;
    let attempt = ok(cme.start(&at_mark, "post_test").await, "start").await;
    let passed = ok(
        cme.submit(
            &at_mark,
            attempt["id"].as_str().expect("id"),
            &cme.answers(4),
        )
        .await,
        "submit",
    )
    .await;
    assert_eq!(passed["score_hundredths"], 8000);
    assert_eq!(passed["passed"], true, "{passed}");
    let retake = cme.start(&at_mark, "post_test").await;
    assert_eq!(retake.status(), 409);
    assert_eq!(json_of(retake).await["code"], "already_passed");

    let (below, _) = cme.learner("below@example.com", "physician").await;
    let attempt = ok(cme.start(&below, "post_test").await, "start").await;
    let failed = ok(
        cme.submit(&below, attempt["id"].as_str().expect("id"), &cme.answers(3))
            .await,
        "submit",
    )
    .await;
    assert_eq!(failed["score_hundredths"], 6000);
    assert_eq!(failed["passed"], false, "{failed}");
}

async fn no_answer_key_reaches_the_learner_before_submission(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, _) = cme.learner("curious@example.com", "physician").await;
    let started = cme
        .start(&token, "post_test")
        .await
        .text()
        .await
        .expect("body");
    let attempt: Value = serde_json::from_str(&started).expect("json");
    let id = attempt["id"].as_str().expect("id");
    let read = cme
        .app
        .get_with(&format!("/api/v1/cme/attempts/{id}"), &token)
        .await
        .text()
        .await
        .expect("body");
    let listed = cme
        .app
        .get_with(
            &format!(
                "/api/v1/courses/{}/cme/assessments/post_test/attempts",
                cme.course
            ),
            &token,
        )
        .await
        .text()
        .await
        .expect("body");
    let activity = cme
        .app
        .get(&format!("/api/v1/courses/{}/cme", cme.course))
        .await
        .text()
        .await
        .expect("body");
    for body in [&started, &read, &listed, &activity] {
        assert!(!body.contains("correct"), "an answer key leaked: {body}");
        assert!(!body.contains("Rationale"), "a rationale leaked: {body}");
    }
    // The bank, with its key, is its instructor's alone.
    let bank = cme
        .app
        .get_with(
            &format!(
                "/api/v1/courses/{}/cme/assessments/post_test/questions",
                cme.course
            ),
            &token,
        )
        .await;
    assert_eq!(bank.status(), 404);

    // A failed attempt with retakes left says which questions were wrong, not the answers.
    let failed = ok(cme.submit(&token, id, &cme.answers(2)).await, "submit").await;
    let review = failed["review"].as_array().expect("a review once ended");
    assert_eq!(review.len(), 5);
    assert_eq!(review[0]["correct"], true);
    assert_eq!(review[4]["correct"], false);
    assert_eq!(review[4]["correct_option_ids"], json!([]));
    assert!(!failed.to_string().contains("Rationale"), "{failed}");
    // Once passed, the key and rationales are there.
    let retake = ok(cme.start(&token, "post_test").await, "retake").await;
    let passed = ok(
        cme.submit(&token, retake["id"].as_str().expect("id"), &cme.answers(5))
            .await,
        "submit",
    )
    .await;
    let review = passed["review"].as_array().expect("review");
    assert_eq!(review[0]["rationale"], "Rationale 0");
    assert_eq!(
        review[0]["correct_option_ids"].as_array().map(Vec::len),
        Some(1)
    );
}

async fn claims_off_the_maximum_or_step_are_422_and_without_a_pass_or_evaluation_409(
    backend: Backend,
) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, learner) = cme.learner("claimer@example.com", "physician").await;
    let db = &cme.app.test_db.db;
    let refused = cme.claim(&token, json!(1)).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(json_of(refused).await["code"], "post_test_not_passed");

    cme.complete(&token, 5, false).await;
    let refused = cme.claim(&token, json!(1)).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(json_of(refused).await["code"], "evaluation_missing");

    cme.complete_evaluation_only(&token).await;
    for (credits, code) in [
        (json!(2.25), "above_maximum"),
        (json!(1.3), "off_step"),
        (json!(0), "not_positive"),
    ] {
        let refused = cme.claim(&token, credits.clone()).await;
        assert_eq!(refused.status(), 422, "{credits}");
        let problem = json_of(refused).await;
        assert_eq!(problem["errors"][0]["field"], "credits", "{problem}");
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM cme_claims WHERE learner_id = $1",
            learner
        )
        .await,
        0
    );
    let claimed = ok(cme.claim(&token, json!(1.5)).await, "claim").await;
    assert_eq!(claimed["claim"]["credits"], 1.5);
    assert_eq!(claimed["claim"]["measured_seconds"], 1800);
    assert_eq!(claimed["certificate"]["snapshot"]["credits"], 1.5);
    let twice = cme.claim(&token, json!(1.5)).await;
    assert_eq!(twice.status(), 409);
    assert_eq!(json_of(twice).await["code"], "already_claimed");

    // The transcript counts the certificate, in JSON and as a PDF.
    let transcript = ok(
        cme.app.get_with("/api/v1/me/transcript", &token).await,
        "transcript",
    )
    .await;
    assert_eq!(transcript["totals"][0]["total"], 1.5, "{transcript}");
    let pdf = cme.app.get_with("/api/v1/me/transcript.pdf", &token).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let text: String = pdf_extract::extract_text_from_mem(&pdf.bytes().await.expect("pdf"))
        .expect("text")
        .split_whitespace()
        .collect();
    assert!(text.contains("Sepsis:thefirsthour"), "{text}");
    assert!(
        text.contains(claimed["certificate"]["code"].as_str().expect("code")),
        "{text}"
    );
}

impl CmeCourse {
    pub(crate) async fn complete_evaluation_only(&self, token: &str) {
        let attempt = ok(self.start(token, "evaluation").await, "start evaluation").await;
        let body = json!({"answers": [{"question_id": self.evaluation.id, "option_ids": [self.evaluation.options[1]]}]});
        ok(
            self.submit(token, attempt["id"].as_str().expect("attempt"), &body)
                .await,
            "submit evaluation",
        )
        .await;
    }
}

async fn concurrent_claims_make_one_claim_and_one_certificate(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, learner) = cme.learner("twice@example.com", "physician").await;
    cme.complete(&token, 5, true).await;
    let cme = Arc::new(cme);
    let barrier = Arc::new(Barrier::new(10));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (cme, barrier, token) = (Arc::clone(&cme), Arc::clone(&barrier), token.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            cme.claim(&token, json!(2)).await.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    let db = &cme.app.test_db.db;
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM cme_claims WHERE learner_id = $1",
            learner
        )
        .await,
        1
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM cme_certificates WHERE learner_id = $1",
            learner
        )
        .await,
        1
    );
}

async fn verification_is_public_unchanged_by_renames_and_shows_revocation(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, _) = cme.learner("renamed@example.com", "physician").await;
    cme.complete(&token, 5, true).await;
    let claimed = ok(cme.claim(&token, json!(1.5)).await, "claim").await;
    let code = claimed["certificate"]["code"]
        .as_str()
        .expect("code")
        .to_owned();
    assert!(code.starts_with("MEDU-"));
    let verified = ok(
        cme.app.get(&format!("/api/v1/certificates/{code}")).await,
        "verify",
    )
    .await;
    assert_eq!(verified["status"], "active");
    assert_eq!(verified["snapshot"]["learner_name"], "Dr. Test");
    assert_eq!(
        verified["snapshot"]["activity_title"],
        "Sepsis: the first hour"
    );
    let pdf = cme
        .app
        .get(&format!("/api/v1/certificates/{code}/pdf"))
        .await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.expect("pdf");
    let text: String = pdf_extract::extract_text_from_mem(&pdf)
        .expect("text")
        .split_whitespace()
        .collect();
    for expected in [
        DESIGNATION_STATEMENT,
        ACCREDITATION_STATEMENT,
        "Dr. Test",
        "Sepsis: the first hour",
        "2020-01-01",
        "1.5",
        &code,
    ] {
        let wanted: String = expected.split_whitespace().collect();
        assert!(text.contains(&wanted), "the PDF lacks {expected:?}: {text}");
    }

    ok(
        cme.app
            .send(
                Method::PATCH,
                &format!("/api/v1/courses/{}", cme.course),
                &cme.instructor,
                Some(&json!({"title": "Sepsis, renamed"})),
            )
            .await,
        "rename course",
    )
    .await;
    ok(
        cme.app
            .send(
                Method::PATCH,
                "/api/v1/me",
                &token,
                Some(&json!({"full_name": "Dr. Someone Else"})),
            )
            .await,
        "rename learner",
    )
    .await;
    let after = ok(
        cme.app.get(&format!("/api/v1/certificates/{code}")).await,
        "verify again",
    )
    .await;
    assert_eq!(after["snapshot"], verified["snapshot"]);
    assert_eq!(after["sha256"], verified["sha256"]);
    let pdf_after = cme
        .app
        .get(&format!("/api/v1/certificates/{code}/pdf"))
        .await
        .bytes()
        .await
        .expect("pdf");
    assert_eq!(pdf_after, pdf, "the PDF is drawn from the snapshot alone");

    let id = claimed_certificate_id(&cme, &token, &code).await;
    let student_try = cme
        .app
        .send(
            Method::POST,
            &format!("/api/v1/cme/certificates/{id}/revoke"),
            &token,
            Some(&json!({"reason": "mine"})),
        )
        .await;
    assert_eq!(student_try.status(), 403);
    let revoked = ok(
        cme.app
            .send(
                Method::POST,
                &format!("/api/v1/cme/certificates/{id}/revoke"),
                &cme.admin,
                Some(&json!({"reason": "Attendance could not be confirmed"})),
            )
            .await,
        "revoke",
    )
    .await;
    assert_eq!(revoked["status"], "revoked");
    assert!(revoked["revoked_at"].is_string());
    let public = ok(
        cme.app.get(&format!("/api/v1/certificates/{code}")).await,
        "verify revoked",
    )
    .await;
    assert_eq!(public["status"], "revoked");
    assert_eq!(
        public["revocation_reason"],
        "Attendance could not be confirmed"
    );
    let list = ok(cme.app.get("/cme/credentials/status").await, "status list").await;
    assert!(list.to_string().contains(&code), "{list}");
    let again = cme
        .app
        .send(
            Method::POST,
            &format!("/api/v1/cme/certificates/{id}/revoke"),
            &cme.admin,
            Some(&json!({"reason": "twice"})),
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        cme.app
            .get("/api/v1/certificates/MEDU-0000-0000-0000-0000")
            .await
            .status(),
        404
    );
    assert_eq!(
        cme.app
            .get("/api/v1/certificates/not-a-code")
            .await
            .status(),
        404
    );
}

pub(crate) async fn claimed_certificate_id(cme: &CmeCourse, token: &str, code: &str) -> String {
    let _ = token;
    let code = code.to_owned();
    let db = &cme.app.test_db.db;
    let id: Id =
        on_db!(db, pool => sqlx::query_scalar("SELECT id FROM cme_certificates WHERE code = $1")
        .bind(&code)
        .fetch_one(pool)
        .await)
        .expect("certificate id");
    id.to_string()
}

async fn a_profession_not_designated_gets_participation_without_credit(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, _) = cme.learner("nurse@example.com", "nurse").await;
    cme.complete(&token, 5, true).await;
    let claimed = ok(cme.claim(&token, json!(1.5)).await, "claim").await;
    assert_eq!(claimed["claim"]["kind"], "participation");
    let snapshot = &claimed["certificate"]["snapshot"];
    assert_eq!(snapshot["kind"], "participation");
    assert_eq!(snapshot["credits"], Value::Null);
    assert_eq!(snapshot["designation_statement"], Value::Null);
    let code = claimed["certificate"]["code"].as_str().expect("code");
    let pdf = cme
        .app
        .get(&format!("/api/v1/certificates/{code}/pdf"))
        .await
        .bytes()
        .await
        .expect("pdf");
    let text: String = pdf_extract::extract_text_from_mem(&pdf)
        .expect("text")
        .split_whitespace()
        .collect();
    let statement: String = DESIGNATION_STATEMENT.split_whitespace().collect();
    assert!(
        !text.contains(&statement),
        "a participation certificate states no credit"
    );
    assert!(text.contains("Dr.Test"));
}

async fn an_independent_verifier_accepts_the_credential_and_sees_revocation(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (token, _) = cme.learner("verified@example.com", "physician").await;
    cme.complete(&token, 5, true).await;
    let claimed = ok(cme.claim(&token, json!(1.5)).await, "claim").await;
    let code = claimed["certificate"]["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let jwt = claimed["certificate"]["credential"]
        .as_str()
        .expect("jwt")
        .to_owned();
    let jwks = ok(cme.app.get("/.well-known/jwks.json").await, "jwks").await;
    let revocations = ok(cme.app.get("/cme/credentials/status").await, "status").await;
    let Some(verdict) = python_verify(&jwt, &jwks, &revocations) else {
        return;
    };
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["revoked"], false);
    let credential = &verdict["credential"];
    assert_eq!(
        credential["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(credential["credentialSubject"]["creditsEarned"], 1.5);
    assert!(credential["credentialSubject"]["achievement"]["criteria"]["narrative"].is_string());
    assert!(credential["credentialSubject"]["activityStartDate"].is_string());
    assert!(
        credential["id"]
            .as_str()
            .expect("id")
            .ends_with(&format!("/verify/{code}"))
    );

    // One changed byte of the payload and the signature no longer holds.
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let mut payload = parts[1].clone().into_bytes();
    payload[10] = if payload[10] == b'A' { b'B' } else { b'A' };
    parts[1] = String::from_utf8(payload).expect("ascii");
    let tampered = parts.join(".");
    let verdict = python_verify(&tampered, &jwks, &revocations).expect("verifier");
    assert_eq!(verdict["valid"], false, "{verdict}");

    let id = claimed_certificate_id(&cme, &token, &code).await;
    ok(
        cme.app
            .send(
                Method::POST,
                &format!("/api/v1/cme/certificates/{id}/revoke"),
                &cme.admin,
                Some(&json!({"reason": "Issued in error"})),
            )
            .await,
        "revoke",
    )
    .await;
    let revocations = ok(cme.app.get("/cme/credentials/status").await, "status").await;
    let verdict = python_verify(&jwt, &jwks, &revocations).expect("verifier");
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["revoked"], true, "{verdict}");
}

/// Runs `support/verify_credential.py` (PyJWT); `None` when PyJWT is missing
/// and MEDICALEDU_TEST_REQUIRE_PYJWT is not set.
pub(crate) fn python_verify(token: &str, jwks: &Value, revocations: &Value) -> Option<Value> {
    let available = std::process::Command::new("python3")
        .args(["-c", "import jwt, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("MEDICALEDU_TEST_REQUIRE_PYJWT").is_none(),
            "MEDICALEDU_TEST_REQUIRE_PYJWT is set but python3 cannot import jwt (pip install 'pyjwt[crypto]')"
        );
        eprintln!(
            "SKIPPED: independent credential verifier (pip install 'pyjwt[crypto]' to run it)"
        );
        return None;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/support/verify_credential.py"
    );
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the verifier");
    let request = json!({"token": token, "jwks": jwks, "revocations": revocations});
    std::io::Write::write_all(
        &mut child.stdin.take().expect("stdin"),
        request.to_string().as_bytes(),
    )
    .expect("write request");
    let output = child.wait_with_output().expect("verifier output");
    assert!(output.status.success(), "verifier failed");
    Some(serde_json::from_slice(&output.stdout).expect("verifier json"))
}

async fn instructors_see_item_statistics_and_only_they_see_the_bank(backend: Backend) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
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
    let stats = ok(
        cme.app
            .get_with(
                &format!(
                    "/api/v1/courses/{}/cme/assessments/post_test/statistics",
                    cme.course
                ),
                &cme.instructor,
            )
            .await,
        "statistics",
    )
    .await;
    let percents: Vec<i64> = stats
        .as_array()
        .expect("stats")
        .iter()
        .map(|s| s["percent_correct"].as_i64().expect("percent"))
        .collect();
    // Question 0 right by all three, 1 and 2 by two, 3 and 4 by one.
    assert_eq!(percents, [100, 67, 67, 33, 33]);

    // Editing a question writes a new version; the bank shows it.
    let q = &cme.questions[0];
    let revised = ok(
        cme.app
            .send(
                Method::PUT,
                &format!("/api/v1/courses/{}/cme/assessments/post_test/questions/{}", cme.course, q.id),
                &cme.instructor,
                Some(&json!({"kind": "single_choice", "prompt": "Question 0, reworded", "options": ["Lactate", "Cultures", "Antibiotics"], "correct": [0]})),
            )
            .await,
        "revise",
    )
    .await;
    assert_eq!(revised["version"], 2);
    assert_eq!(
        revised["options"][0]["id"], q.options[0],
        "unchanged options keep their ids"
    );
    let other = cme.app.user("other-prof@example.com", "instructor").await;
    let refused = cme
        .app
        .get_with(
            &format!(
                "/api/v1/courses/{}/cme/assessments/post_test/questions",
                cme.course
            ),
            &other,
        )
        .await;
    assert_eq!(refused.status(), 404);
}

async fn the_provider_report_lists_consenting_learners_even_after_their_account_is_deleted(
    backend: Backend,
) {
    let Some(cme) = cme_course(backend, PostTest::default()).await else {
        return;
    };
    let (consenting, _) = cme.learner("consents@example.com", "physician").await;
    ok(
        cme.app
            .send(
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
    ok(
        cme.app
            .send(
                Method::PATCH,
                "/api/v1/me",
                &consenting,
                Some(&json!({"full_name": "Dr. Consenting Learner"})),
            )
            .await,
        "name",
    )
    .await;
    cme.complete(&consenting, 5, true).await;
    let reported = ok(cme.claim(&consenting, json!(1.75)).await, "claim").await;
    let code = reported["certificate"]["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let (private, _) = cme.learner("private@example.com", "physician").await;
    cme.complete(&private, 5, true).await;
    let unreported = ok(cme.claim(&private, json!(2)).await, "claim").await;
    let private_code = unreported["certificate"]["code"]
        .as_str()
        .expect("code")
        .to_owned();

    let path = format!("/api/v1/courses/{}/cme/report.csv", cme.course);
    assert_eq!(
        cme.app.get_with(&path, &cme.instructor).await.status(),
        403,
        "admins report"
    );
    let csv = report(&cme.app, &cme.admin, &path).await;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "certificate_code,learner_name,birth_month,birth_day,board_number,profession,completed_on,credit_type,credits_claimed,verify_url"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "only the learner who consented: {csv}");
    assert!(
        rows[0].starts_with(&format!(
            "{code},Dr. Consenting Learner,2,29,GMC-7654321,physician,"
        )),
        "{csv}"
    );
    assert!(
        rows[0].contains(",AMA PRA Category 1 Credit™,1.75,"),
        "{csv}"
    );
    assert!(!csv.contains(&private_code));

    // The account goes; its certificate stays verifiable and reportable.
    let deleted = cme
        .app
        .send(Method::DELETE, "/api/v1/me", &consenting, None)
        .await;
    assert_eq!(deleted.status(), 204);
    let verified = ok(
        cme.app.get(&format!("/api/v1/certificates/{code}")).await,
        "verify",
    )
    .await;
    assert_eq!(verified["status"], "active");
    assert_eq!(
        verified["snapshot"]["learner_name"],
        "Dr. Consenting Learner"
    );
    assert_eq!(report(&cme.app, &cme.admin, &path).await, csv);
    let refused = cme
        .app
        .get_with(&format!("{path}?from=2026-13-01"), &cme.admin)
        .await;
    assert_eq!(refused.status(), 422);
}

async fn report(app: &TestApp, admin: &str, path: &str) -> String {
    let response = app.get_with(path, admin).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    response.text().await.expect("csv")
}
