//! `/cme/attempts/{id}`: one of the learner's attempts. While it is in
//! progress, its questions as a form (radio buttons for a single choice,
//! tick boxes for a multiple choice) with "Submit answers", and for a timed
//! test the time left, counted down by a small script (the server alone
//! decides whether the answers came in time). Once it has ended, its result
//! and the review: the correct answers, the learner's choices and why.
//!
//! The review is drawn only from what the use case gives for an ended
//! attempt; before that the page has nothing to draw a key from.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme::attempts::{self, AttemptError, AttemptView, ReviewItem};
use medicaledu_app::{AppContext, ReadError};
use medicaledu_domain::{Answer, AttemptStatus, Id, LearnerQuestion, QuestionKind};

use super::{kind_name, percent, progress_href};
use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// The form field of a question's answer: `q.<question id>`, one value per
/// option chosen.
const FIELD_PREFIX: &str = "q.";

pub fn href(id: Id) -> String {
    format!("/cme/attempts/{id}")
}

pub struct OptionView {
    pub id: String,
    pub value: String,
    pub text: String,
    pub checked: bool,
}

pub struct QuestionView {
    pub id: String,
    pub name: String,
    pub number: String,
    pub prompt: String,
    pub multiple: bool,
    pub hint: String,
    pub options: Vec<OptionView>,
}

/// The attempt as a form, while it is in progress.
pub struct Sheet {
    pub action: String,
    pub questions: Vec<QuestionView>,
    /// When the answers are due: RFC 3339 for the script, words for people.
    pub due_at: Option<(String, String)>,
    pub note: Option<String>,
    pub problem: Option<String>,
}

pub struct ReviewOption {
    pub text: String,
    pub key: bool,
    pub chosen: bool,
}

pub struct ReviewQuestion {
    pub number: String,
    pub prompt: String,
    pub options: Vec<ReviewOption>,
    /// Whether the learner got it right; `None` for the unscored evaluation.
    pub right: Option<bool>,
    pub rationale: Option<String>,
}

/// The attempt once it has ended.
pub struct Outcome {
    pub summary: String,
    pub good: bool,
    pub review: Vec<ReviewQuestion>,
}

/// The course the attempt belongs to, and the learner's CME page of it.
pub struct CourseLink {
    pub title: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "cme_attempt.html")]
struct AttemptPage {
    chrome: Chrome,
    heading: String,
    course: Option<CourseLink>,
    sheet: Option<Sheet>,
    outcome: Option<Outcome>,
    cme_js: String,
}

/// `GET /cme/attempts/{id}`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(&format!("/signin?next={}", href(id))).into_response());
    };
    let attempt = attempts::get(&ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    render(&ctx, &visitor, &attempt, &[], None).await
}

async fn render(
    ctx: &AppContext,
    visitor: &Visitor,
    attempt: &AttemptView,
    chosen: &[Answer],
    problem: Option<String>,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let actor = visitor.actor.as_ref();
    let course =
        match medicaledu_app::courses::get_course(ctx, actor, &attempt.course_id.to_string()).await
        {
            Ok(detail) => Some(CourseLink {
                href: progress_href(&detail.course.slug),
                title: detail.course.title,
            }),
            // A course removed since still leaves the learner their attempt.
            Err(ReadError::NotFound(_)) => None,
            Err(e) => return Err(PageError::from_failure(&e)),
        };
    let heading = tr.t_with(
        "cme-attempt-title",
        &[
            ("test", Arg::Text(kind_name(attempt.kind, tr))),
            ("number", Arg::Number(attempt.attempt_number)),
        ],
    );
    let (sheet, outcome) = match &attempt.review {
        Some(review) => (None, Some(outcome(attempt, review, tr))),
        None => (Some(sheet(attempt, chosen, problem, visitor)), None),
    };
    let page = AttemptPage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        course,
        sheet,
        outcome,
        cme_js: crate::assets::url("cme.js"),
    };
    Ok(respond(ctx, visitor, &page))
}

fn number(index: usize, total: usize, tr: &Tr) -> String {
    tr.t_with(
        "cme-question-number",
        &[
            ("number", Arg::Number(index as i64 + 1)),
            ("total", Arg::Number(total as i64)),
        ],
    )
}

fn sheet(
    attempt: &AttemptView,
    chosen: &[Answer],
    problem: Option<String>,
    visitor: &Visitor,
) -> Sheet {
    let tr = &visitor.tr;
    let total = attempt.questions.len();
    Sheet {
        action: href(attempt.id),
        questions: attempt
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| question(i, total, q, chosen, tr))
            .collect(),
        due_at: attempt.due_at.map(|due| {
            (
                due.as_datetime().to_rfc3339(),
                tr.t_with(
                    "cme-attempt-due",
                    &[("when", Arg::Text(view::when(due, &visitor.zone, tr)))],
                ),
            )
        }),
        note: attempt
            .kind
            .is_scored()
            .then(|| tr.t("cme-unanswered-note")),
        problem,
    }
}

fn question(
    index: usize,
    total: usize,
    q: &LearnerQuestion,
    chosen: &[Answer],
    tr: &Tr,
) -> QuestionView {
    let picked = chosen
        .iter()
        .find(|a| a.question_id == q.id)
        .map(|a| a.option_ids.as_slice())
        .unwrap_or_default();
    let multiple = q.kind == QuestionKind::MultipleChoice;
    QuestionView {
        id: format!("question-{}", q.id),
        name: format!("{FIELD_PREFIX}{}", q.id),
        number: number(index, total, tr),
        prompt: q.prompt.clone(),
        multiple,
        hint: tr.t(if multiple {
            "cme-choose-all"
        } else {
            "cme-choose-one"
        }),
        options: q
            .options
            .iter()
            .map(|o| OptionView {
                id: format!("option-{}", o.id),
                value: o.id.to_string(),
                text: o.text.clone(),
                checked: picked.contains(&o.id),
            })
            .collect(),
    }
}

fn outcome(attempt: &AttemptView, review: &[ReviewItem], tr: &Tr) -> Outcome {
    let scored = attempt.kind.is_scored();
    let (summary, good) = match (attempt.status, attempt.score_hundredths, attempt.passed) {
        (AttemptStatus::Expired, _, _) => (tr.t("cme-result-expired"), false),
        (_, Some(score), Some(passed)) => (
            tr.t_with(
                if passed {
                    "cme-result-passed"
                } else {
                    "cme-result-failed"
                },
                &[
                    ("score", Arg::Text(percent(score, tr))),
                    (
                        "mark",
                        Arg::Number(attempt.pass_mark_percent.unwrap_or_default()),
                    ),
                ],
            ),
            passed,
        ),
        _ => (tr.t("cme-result-evaluation"), true),
    };
    let total = attempt.questions.len();
    Outcome {
        summary,
        good,
        review: attempt
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let item = review.iter().find(|r| r.question_id == q.id);
                ReviewQuestion {
                    number: number(i, total, tr),
                    prompt: q.prompt.clone(),
                    options: q
                        .options
                        .iter()
                        .map(|o| ReviewOption {
                            text: o.text.clone(),
                            key: scored
                                && item.is_some_and(|r| r.correct_option_ids.contains(&o.id)),
                            chosen: item.is_some_and(|r| r.chosen_option_ids.contains(&o.id)),
                        })
                        .collect(),
                    right: scored.then(|| item.is_some_and(|r| r.correct)),
                    rationale: item
                        .map(|r| r.rationale.clone())
                        .filter(|r| scored && !r.is_empty()),
                }
            })
            .collect(),
    }
}

/// The options chosen, by question, from the form's `q.<question id>`
/// fields. An id that is not an id was not sent by the page.
fn answers(pairs: &[(String, String)]) -> Result<Vec<Answer>, PageError> {
    let mut answers: Vec<Answer> = Vec::new();
    for (name, value) in pairs {
        let Some(question) = name.strip_prefix(FIELD_PREFIX) else {
            continue;
        };
        let question_id: Id = question.parse().map_err(|_| PageError::BadRequest)?;
        let option_id: Id = value.parse().map_err(|_| PageError::BadRequest)?;
        match answers.iter_mut().find(|a| a.question_id == question_id) {
            Some(answer) => answer.option_ids.push(option_id),
            None => answers.push(Answer {
                question_id,
                option_ids: vec![option_id],
            }),
        }
    }
    Ok(answers)
}

/// `POST /cme/attempts/{id}`: submits the answers, to be scored on the
/// server, and shows the result at the attempt's own address.
pub async fn submit(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(&format!("/signin?next={}", href(id))).into_response());
    };
    let chosen = answers(&data)?;
    match attempts::submit(&ctx, actor, &visitor.meta, id, chosen.clone()).await {
        // Ended, whether by this submission or by another tab's: its result
        // is at its address.
        Ok(_) | Err(AttemptError::Ended) => Ok(Redirect::to(&href(id)).into_response()),
        Err(AttemptError::Invalid(_)) => {
            let attempt = attempts::get(&ctx, actor, id)
                .await
                .map_err(|e| PageError::from_failure(&e))?;
            let problem = Some(visitor.tr.t("cme-answers-refused"));
            let mut response = render(&ctx, &visitor, &attempt, &chosen, problem).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_grouped_by_question_and_other_fields_ignored() {
        let (q1, q2, a, b, c) = (
            Id::generate(),
            Id::generate(),
            Id::generate(),
            Id::generate(),
            Id::generate(),
        );
        let pairs = vec![
            ("csrf".to_owned(), "token".to_owned()),
            (format!("q.{q1}"), a.to_string()),
            (format!("q.{q2}"), b.to_string()),
            (format!("q.{q1}"), c.to_string()),
        ];
        let answers = answers(&pairs).expect("answers");
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[0].question_id, q1);
        assert_eq!(answers[0].option_ids, vec![a, c]);
        assert_eq!(answers[1].option_ids, vec![b]);
        assert!(super::answers(&[("q.nope".to_owned(), a.to_string())]).is_err());
    }
}
