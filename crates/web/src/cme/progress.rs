//! `/courses/{slug}/cme`: an enrolled learner's progress on the course's CME
//! activity. The pre-test (when the activity has one), the post-test and the
//! evaluation, each with its rules, the learner's attempts and a button that
//! starts, resumes or retakes it; then claiming credit, or the next thing to
//! do before credit can be claimed.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme::attempts::{self, AttemptError, AttemptView, Standing};
use medicaledu_app::cme::catalog;
use medicaledu_app::cme::claims;
use medicaledu_app::dashboard::Learning;
use medicaledu_app::{Actor, AppContext};
use medicaledu_domain::{AssessmentKind, AttemptRefusal, AttemptStatus, Timestamp};

use super::claim::{self, ClaimSection, DesignationChoice, SentClaim};
use super::{kind_name, percent, progress_href};
use crate::auth::Empty;
use crate::error::PageError;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

pub struct AttemptLine {
    pub number: String,
    pub started: String,
    pub result: String,
    pub href: String,
    /// "View attempt 2": the link's name, unique on the page.
    pub view_label: String,
}

/// The form that starts, resumes or retakes an assessment.
pub struct StartButton {
    pub action: String,
    pub label: String,
    /// "Start: Post-test", unique on the page.
    pub aria_label: String,
}

pub struct AssessmentPanel {
    /// The section's id, for links to it.
    pub anchor: &'static str,
    pub heading: String,
    pub lead: String,
    pub facts: Vec<String>,
    pub caption: String,
    pub attempts: Vec<AttemptLine>,
    pub start: Option<StartButton>,
    /// Why it cannot be taken now, or that it is done.
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "cme_progress.html")]
struct ProgressPage {
    chrome: Chrome,
    course_title: String,
    course_href: String,
    problem: Option<String>,
    /// The problem is a refused claim: it links to the claim form.
    claim_refused: bool,
    assessments: Vec<AssessmentPanel>,
    claim: ClaimSection,
}

/// What a refused form sends back to the page.
#[derive(Debug, Default)]
pub struct Sent {
    /// Why an attempt could not start.
    pub problem: Option<String>,
    pub claim: SentClaim,
}

/// The signed-in learner enrolled in `slug`, with their place in it, or
/// where they go instead: to sign in (and back here), or to the course's
/// page when they are not enrolled.
pub(crate) async fn enrolled<'a>(
    ctx: &AppContext,
    visitor: &'a Visitor,
    slug: &str,
) -> Result<Result<(&'a Actor, Learning), Response>, PageError> {
    let Some(actor) = &visitor.actor else {
        let back = progress_href(slug);
        return Ok(Err(
            Redirect::to(&format!("/signin?next={back}")).into_response()
        ));
    };
    match medicaledu_app::dashboard::learning(ctx, actor, slug).await {
        Ok(Some(learning)) => Ok(Ok((actor, learning))),
        Ok(None) => Ok(Err(
            Redirect::to(&format!("/courses/{slug}#cme")).into_response()
        )),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

/// `GET /courses/{slug}/cme`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (actor, learning) = match enrolled(&ctx, &visitor, &slug).await? {
        Ok(found) => found,
        Err(detour) => return Ok(detour),
    };
    render(&ctx, &visitor, actor, &learning, &Sent::default()).await
}

/// The page, with a refused form sent back as `sent`.
pub(crate) async fn render(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    learning: &Learning,
    sent: &Sent,
) -> Result<Response, PageError> {
    let course = &learning.course;
    let tr = &visitor.tr;
    let activity = catalog::activity_of_course(ctx, course.id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let standings = attempts::standing(ctx, actor, course.id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let outlook = claims::outlook(ctx, actor, course.id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let measured = claims::measured(ctx, actor, course.id).await?;
    let claim = claim::section(
        &claim::Facts {
            slug: &course.slug,
            activity: &activity.activity,
            outlook: &outlook,
            measured,
            learning,
        },
        visitor,
        &sent.claim,
    );
    let claim_refused = !sent.claim.errors.is_empty() || sent.claim.problem.is_some();
    let page = ProgressPage {
        chrome: Chrome::new(ctx, visitor, tr.t("cme-section")).await?,
        course_title: course.title.clone(),
        course_href: format!("/courses/{}", course.slug),
        problem: sent.problem.clone().or_else(|| {
            // A refused claim is said at the top too, where the page opens,
            // with the way down to the form.
            claim_refused.then(|| tr.t("cme-claim-refused"))
        }),
        claim_refused,
        assessments: standings
            .iter()
            .map(|s| panel(s, &course.slug, visitor))
            .collect(),
        claim,
    };
    Ok(respond(ctx, visitor, &page))
}

fn panel(standing: &Standing, slug: &str, visitor: &Visitor) -> AssessmentPanel {
    let tr = &visitor.tr;
    let kind = standing.kind;
    let name = kind_name(kind, tr);
    let (anchor, lead) = match kind {
        AssessmentKind::PreTest => ("pre-test", tr.t("cme-lead-pre_test")),
        AssessmentKind::PostTest => ("post-test", tr.t("cme-lead-post_test")),
        AssessmentKind::Evaluation => ("evaluation", tr.t("cme-lead-evaluation")),
    };
    let used = standing.attempts.len() as i64;
    let mut facts = vec![tr.t_with(
        "cme-questions",
        &[("count", Arg::Number(standing.questions as i64))],
    )];
    if let Some(mark) = standing.pass_mark_percent {
        facts.push(tr.t_with("cme-pass-mark", &[("percent", Arg::Number(mark))]));
    }
    // An evaluation is given once, whatever its attempt rules say.
    if kind.is_scored() {
        facts.push(match standing.max_attempts {
            Some(max) => tr.t_with(
                "cme-attempts-used",
                &[("used", Arg::Number(used)), ("max", Arg::Number(max))],
            ),
            None => tr.t_with(
                "cme-attempts-used-unlimited",
                &[("used", Arg::Number(used))],
            ),
        });
    }
    if let Some(seconds) = standing.time_limit_seconds {
        facts.push(tr.t_with(
            "cme-time-limit",
            &[("minutes", Arg::Number((seconds + 59) / 60))],
        ));
    }
    if let Some(best) = standing
        .attempts
        .iter()
        .filter_map(|a| a.score_hundredths)
        .max()
    {
        facts.push(tr.t_with("cme-best", &[("score", Arg::Text(percent(best, tr)))]));
    }
    let evaluated = !kind.is_scored()
        && standing
            .attempts
            .iter()
            .any(|a| a.status == AttemptStatus::Submitted);
    let button = |key: &str| {
        let label = tr.t(key);
        StartButton {
            action: format!("{}/{}/attempts", progress_href(slug), kind.as_str()),
            aria_label: format!("{label}: {name}"),
            label,
        }
    };
    let (start, note) = if evaluated {
        (None, Some(tr.t("cme-evaluated")))
    } else {
        match standing.next {
            Err(AttemptRefusal::InProgress) => (Some(button("cme-resume")), None),
            _ if standing.questions == 0 => (None, Some(tr.t("cme-no-questions"))),
            Ok(_) if standing.attempts.is_empty() => (Some(button("cme-start")), None),
            Ok(_) => (Some(button("cme-retake")), None),
            Err(refusal) => (None, Some(refusal_text(refusal, visitor))),
        }
    };
    AssessmentPanel {
        anchor,
        caption: tr.t_with("cme-attempts-caption", &[("test", Arg::Text(name.clone()))]),
        heading: name,
        lead,
        facts,
        attempts: standing
            .attempts
            .iter()
            .map(|a| attempt_line(a, visitor))
            .collect(),
        start,
        note,
    }
}

/// Why no attempt may start now, in words.
fn refusal_text(refusal: AttemptRefusal, visitor: &Visitor) -> String {
    let tr = &visitor.tr;
    match refusal {
        AttemptRefusal::InProgress => tr.t("cme-attempt-in-progress"),
        AttemptRefusal::AlreadyPassed => tr.t("cme-passed"),
        AttemptRefusal::LimitReached { max } => {
            tr.t_with("cme-limit-reached", &[("max", Arg::Number(max))])
        }
        AttemptRefusal::CoolingDown { until } => cooling_down(until, visitor),
    }
}

fn cooling_down(until: Timestamp, visitor: &Visitor) -> String {
    visitor.tr.t_with(
        "cme-cooling-down",
        &[(
            "when",
            Arg::Text(view::when(until, &visitor.zone, &visitor.tr)),
        )],
    )
}

fn attempt_line(attempt: &AttemptView, visitor: &Visitor) -> AttemptLine {
    let tr = &visitor.tr;
    let number = tr.t_with(
        "cme-attempt-number",
        &[("number", Arg::Number(attempt.attempt_number))],
    );
    AttemptLine {
        started: view::when(attempt.started_at, &visitor.zone, tr),
        result: result_text(attempt, tr),
        href: super::attempt::href(attempt.id),
        view_label: tr.t_with(
            "cme-attempt-view",
            &[("number", Arg::Number(attempt.attempt_number))],
        ),
        number,
    }
}

/// "80% · passed", "Expired: time ran out", "In progress", "Submitted".
pub(crate) fn result_text(attempt: &AttemptView, tr: &Tr) -> String {
    match (attempt.status, attempt.score_hundredths, attempt.passed) {
        (AttemptStatus::InProgress, _, _) => tr.t("cme-attempt-in-progress"),
        (AttemptStatus::Expired, _, _) => tr.t("cme-attempt-expired"),
        (AttemptStatus::Submitted, Some(score), Some(passed)) => tr.t_with(
            if passed {
                "cme-attempt-score-passed"
            } else {
                "cme-attempt-score-failed"
            },
            &[("score", Arg::Text(percent(score, tr)))],
        ),
        (AttemptStatus::Submitted, _, _) => tr.t("cme-attempt-submitted"),
    }
}

/// `POST /courses/{slug}/cme/{kind}/attempts`: starts the learner's next
/// attempt at the assessment, or resumes the one in progress, and opens it.
pub async fn start(
    State(ctx): State<AppContext>,
    Path((slug, kind)): Path<(String, String)>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let kind: AssessmentKind = kind.parse().map_err(|_| PageError::NotFound)?;
    let (actor, learning) = match enrolled(&ctx, &visitor, &slug).await? {
        Ok(found) => found,
        Err(detour) => return Ok(detour),
    };
    let tr = &visitor.tr;
    let problem = match attempts::start(&ctx, actor, &visitor.meta, learning.course.id, kind).await
    {
        Ok(attempt) => {
            return Ok(Redirect::to(&super::attempt::href(attempt.id)).into_response());
        }
        Err(AttemptError::AlreadyPassed) => tr.t("cme-passed"),
        Err(AttemptError::LimitReached { max }) => {
            tr.t_with("cme-limit-reached", &[("max", Arg::Number(max))])
        }
        Err(AttemptError::CoolingDown { until }) => cooling_down(until, &visitor),
        Err(AttemptError::NoQuestions) => tr.t("cme-no-questions"),
        Err(e) => return Err(PageError::from_failure(&e)),
    };
    let sent = Sent {
        problem: Some(problem),
        ..Sent::default()
    };
    let mut response = render(&ctx, &visitor, actor, &learning, &sent).await?;
    *response.status_mut() = StatusCode::CONFLICT;
    Ok(response)
}
