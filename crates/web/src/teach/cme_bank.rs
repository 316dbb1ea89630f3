//! `/teach/courses/{id}/cme/{kind}/questions` and `…/statistics`: an
//! assessment's question bank as its instructor keeps it (every question
//! with its options, the correct ones marked, its version and points; a new
//! question; an edit, which writes a new version; retiring after a
//! confirmation page), and how each question fared in submitted attempts.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme::assessments::{self, QuestionInput};
use medicaledu_app::cme::catalog::SetupError;
use medicaledu_app::{AppContext, FieldError};
use medicaledu_domain::{AssessmentKind, Id, QuestionKind};
use medicaledu_store::cme::assessments::QuestionRow;
use medicaledu_store::courses::CourseRow;
use serde::Deserialize;

use super::cme::{
    Group, Managed, assessment_name, assessment_path, bank, cme_error, kind_of, manage, optional,
    whole_number, with_error,
};
use super::course::{DeletePage, TextArea};
use super::{field_errors, page_error, refuse};
use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::fields::Field;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond, unprocessable};
use crate::visitor::Visitor;

/// The address of an assessment's bank.
fn bank_path(course: Id, kind: AssessmentKind) -> String {
    format!("{}/questions", assessment_path(course, kind))
}

/// The question form as typed: the options one per line, the correct ones
/// by their line numbers.
#[derive(Debug, Default, Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    prompt: String,
    #[serde(default)]
    options: String,
    /// Line numbers counted from 1, separated by commas or spaces.
    #[serde(default)]
    correct: String,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    points: String,
}

impl QuestionForm {
    fn of(row: &QuestionRow) -> Self {
        let options = &row.options.0;
        Self {
            kind: row.kind.to_string(),
            prompt: row.prompt.clone(),
            options: options
                .iter()
                .map(|o| o.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            correct: options
                .iter()
                .enumerate()
                .filter(|(_, o)| row.correct.0.contains(&o.id))
                .map(|(i, _)| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            rationale: row.rationale.clone(),
            points: row.points.to_string(),
        }
    }

    fn blank(kind: AssessmentKind) -> Self {
        Self {
            kind: QuestionKind::SingleChoice.to_string(),
            points: if kind.is_scored() {
                "1".into()
            } else {
                String::new()
            },
            ..Self::default()
        }
    }

    /// The use case's input, or what the page refuses itself (a line number
    /// or points that are no whole number). An evaluation asks for no key
    /// and no points.
    fn input(&self, kind: AssessmentKind) -> Result<QuestionInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut correct = Vec::new();
        if kind.is_scored() {
            for number in self
                .correct
                .split([',', ';', ' '])
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                match number.parse::<usize>() {
                    Ok(n) if n >= 1 => correct.push(n - 1),
                    _ => {
                        errors.push(refuse(
                            "correct",
                            "invalid",
                            "must list the numbers of options",
                        ));
                        break;
                    }
                }
            }
        }
        let points = if kind.is_scored() {
            whole_number("points", &self.points, &mut errors).flatten()
        } else {
            None
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(QuestionInput {
            kind: self.kind.clone(),
            prompt: self.prompt.clone(),
            options: self
                .options
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect(),
            correct,
            rationale: self.rationale.clone(),
            points,
        })
    }
}

/// The question form as a page shows it.
pub struct QuestionFields {
    pub kind: Group,
    pub prompt: TextArea,
    pub options: TextArea,
    /// Absent for an evaluation: nothing in it is right or wrong.
    pub correct: Option<Field>,
    pub rationale: TextArea,
    pub points: Option<Field>,
}

fn question_fields(
    kind: AssessmentKind,
    form: &QuestionForm,
    errors: &[FieldError],
    tr: &Tr,
) -> QuestionFields {
    let area = |name: &'static str, key: &str, value: &str, hint: &str| TextArea {
        name,
        label: tr.t(key),
        value: value.to_owned(),
        hint: Some(tr.t(hint)),
        error: cme_error(name, errors, tr),
    };
    QuestionFields {
        kind: Group::one_of(
            "kind",
            tr.t("teach-cme-question-kind"),
            &QuestionKind::ALL,
            &form.kind,
            |k| tr.t(&format!("teach-cme-question-kind-{k}")),
            errors,
            tr,
        ),
        prompt: area(
            "prompt",
            "teach-cme-prompt",
            &form.prompt,
            "teach-cme-prompt-hint",
        ),
        options: area(
            "options",
            "teach-cme-options",
            &form.options,
            "teach-cme-options-hint",
        ),
        correct: kind.is_scored().then(|| {
            with_error(
                Field::new("correct", tr.t("teach-cme-correct"), "text")
                    .value(&form.correct)
                    .hint(tr.t("teach-cme-correct-hint")),
                errors,
                tr,
            )
        }),
        rationale: area(
            "rationale",
            "teach-cme-rationale",
            &form.rationale,
            "teach-cme-rationale-hint",
        ),
        points: kind.is_scored().then(|| {
            with_error(
                optional(
                    Field::new("points", tr.t("teach-cme-points"), "text")
                        .value(&form.points)
                        .inputmode("numeric")
                        .hint(tr.t("teach-cme-points-hint")),
                ),
                errors,
                tr,
            )
        }),
    }
}

/// An option as the bank lists it.
pub struct OptionLine {
    pub text: String,
    pub correct: bool,
}

/// A question as the bank lists it.
pub struct QuestionLine {
    pub id: String,
    /// "Question 2".
    pub title: String,
    pub prompt: String,
    /// Kind, version and points in a line.
    pub facts: String,
    pub options: Vec<OptionLine>,
    pub rationale: String,
    pub edit_label: String,
    pub retire_label: String,
}

fn question_line(number: usize, row: &QuestionRow, tr: &Tr) -> QuestionLine {
    let numbered = |key: &str| tr.t_with(key, &[("number", Arg::Number(number as i64))]);
    let mut facts = vec![
        tr.t(&format!("teach-cme-question-kind-{}", row.kind)),
        tr.t_with(
            "teach-cme-question-version",
            &[("version", Arg::Number(row.version))],
        ),
    ];
    if row.points > 0 {
        facts.push(tr.t_with(
            "teach-cme-question-points",
            &[("points", Arg::Number(row.points))],
        ));
    }
    QuestionLine {
        id: row.id.to_string(),
        title: numbered("teach-cme-question-title"),
        prompt: row.prompt.clone(),
        facts: facts.join(" · "),
        options: row
            .options
            .0
            .iter()
            .map(|o| OptionLine {
                text: o.text.clone(),
                correct: row.correct.0.contains(&o.id),
            })
            .collect(),
        rationale: row.rationale.clone(),
        edit_label: numbered("teach-cme-question-edit-label"),
        retire_label: numbered("teach-cme-question-retire-label"),
    }
}

#[derive(Template)]
#[template(path = "teach_cme_questions.html")]
struct BankPage {
    chrome: Chrome,
    heading: String,
    course_id: String,
    course_title: String,
    kind: String,
    notice: Option<String>,
    problem: Option<String>,
    questions: Vec<QuestionLine>,
    form: QuestionFields,
}

/// The course and the assessment's bank for a page of it; `Err` is the
/// page that answers instead: the assessment's rules, to be saved first.
async fn bank_of(
    ctx: &AppContext,
    managed: &Managed<'_>,
    kind: AssessmentKind,
) -> Result<Result<Vec<QuestionRow>, Response>, PageError> {
    let course = managed.course.id;
    if super::cme::activity(ctx, course).await?.is_none() {
        return Ok(Err(super::cme::back_to_cme(course, "needs_activity")));
    }
    Ok(match bank(ctx, managed.actor, course, kind).await? {
        Some(bank) => Ok(bank.questions),
        None => {
            Err(Redirect::to(&format!("{}?first=1", assessment_path(course, kind))).into_response())
        }
    })
}

async fn bank_page(
    ctx: &AppContext,
    visitor: &Visitor,
    course: &CourseRow,
    kind: AssessmentKind,
    questions: &[QuestionRow],
    (form, notice, errors): (&QuestionForm, Option<String>, &[FieldError]),
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let heading = tr.t_with(
        "teach-cme-questions-heading",
        &[("name", Arg::Text(assessment_name(tr, kind)))],
    );
    let page = BankPage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        course_id: course.id.to_string(),
        course_title: course.title.clone(),
        kind: kind.to_string(),
        notice,
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        questions: questions
            .iter()
            .enumerate()
            .map(|(i, q)| question_line(i + 1, q, tr))
            .collect(),
        form: question_fields(kind, form, errors, tr),
    };
    Ok(respond(ctx, visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct BankQuery {
    done: Option<String>,
}

/// Why the bank was opened after a change, each with its notice.
const DONE: [&str; 3] = ["added", "revised", "retired"];

/// `GET /teach/courses/{id}/cme/{kind}/questions`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path((id, kind)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<BankQuery>,
) -> Result<Response, PageError> {
    let kind = kind_of(&kind)?;
    let managed = match manage(&ctx, &visitor, &id, &format!("/{kind}/questions")).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let questions = match bank_of(&ctx, &managed, kind).await? {
        Ok(questions) => questions,
        Err(answer) => return Ok(answer),
    };
    let notice = query
        .done
        .as_deref()
        .filter(|done| DONE.contains(done))
        .map(|done| visitor.tr.t(&format!("teach-cme-question-done-{done}")));
    let form = QuestionForm::blank(kind);
    bank_page(
        &ctx,
        &visitor,
        &managed.course,
        kind,
        &questions,
        (&form, notice, &[]),
    )
    .await
}

/// `POST /teach/courses/{id}/cme/{kind}/questions`: adds a question.
pub async fn add(
    State(ctx): State<AppContext>,
    Path((id, kind)): Path<(String, String)>,
    Form { visitor, data }: Form<QuestionForm>,
) -> Result<Response, PageError> {
    let kind = kind_of(&kind)?;
    let managed = match manage(&ctx, &visitor, &id, &format!("/{kind}/questions")).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let course_id = managed.course.id;
    let questions = match bank_of(&ctx, &managed, kind).await? {
        Ok(questions) => questions,
        Err(answer) => return Ok(answer),
    };
    let errors = match data.input(kind) {
        Ok(input) => {
            match assessments::add_question(
                &ctx,
                managed.actor,
                &visitor.meta,
                course_id,
                kind,
                input,
            )
            .await
            {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("{}?done=added", bank_path(course_id, kind)))
                            .into_response(),
                    );
                }
                Err(SetupError::Invalid(invalid)) => field_errors(&invalid),
                Err(e) => return Err(page_error(e)),
            }
        }
        Err(errors) => errors,
    };
    Ok(unprocessable(
        bank_page(
            &ctx,
            &visitor,
            &managed.course,
            kind,
            &questions,
            (&data, None, &errors),
        )
        .await?,
    ))
}

#[derive(Template)]
#[template(path = "teach_cme_question.html")]
struct QuestionPage {
    chrome: Chrome,
    heading: String,
    course_id: String,
    kind: String,
    kind_name: String,
    question_id: String,
    /// What saving does to learners' attempts.
    versioning: String,
    problem: Option<String>,
    form: QuestionFields,
}

/// The live question `question_id` of the bank, with its number there.
fn question_in(
    questions: &[QuestionRow],
    question_id: &str,
) -> Result<(usize, QuestionRow), PageError> {
    let id = parse_id(question_id)?;
    questions
        .iter()
        .enumerate()
        .find(|(_, q)| q.id == id)
        .map(|(i, q)| (i + 1, q.clone()))
        .ok_or(PageError::NotFound)
}

async fn question_page(
    ctx: &AppContext,
    visitor: &Visitor,
    course: &CourseRow,
    kind: AssessmentKind,
    (number, row): (usize, &QuestionRow),
    (form, errors): (&QuestionForm, &[FieldError]),
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let heading = tr.t_with(
        "teach-cme-question-edit-heading",
        &[("number", Arg::Number(number as i64))],
    );
    let page = QuestionPage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        course_id: course.id.to_string(),
        kind: kind.to_string(),
        kind_name: assessment_name(tr, kind),
        question_id: row.id.to_string(),
        versioning: tr.t_with(
            "teach-cme-question-versioning",
            &[
                ("version", Arg::Number(row.version)),
                ("next", Arg::Number(row.version + 1)),
            ],
        ),
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        form: question_fields(kind, form, errors, tr),
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /teach/courses/{id}/cme/{kind}/questions/{question_id}`.
pub async fn edit_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path((id, kind, question_id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let kind = kind_of(&kind)?;
    let rest = format!("/{kind}/questions/{question_id}");
    let managed = match manage(&ctx, &visitor, &id, &rest).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let questions = match bank_of(&ctx, &managed, kind).await? {
        Ok(questions) => questions,
        Err(answer) => return Ok(answer),
    };
    let (number, row) = question_in(&questions, &question_id)?;
    let form = QuestionForm::of(&row);
    question_page(
        &ctx,
        &visitor,
        &managed.course,
        kind,
        (number, &row),
        (&form, &[]),
    )
    .await
}

/// `POST /teach/courses/{id}/cme/{kind}/questions/{question_id}`: writes a
/// new version of the question.
pub async fn save(
    State(ctx): State<AppContext>,
    Path((id, kind, question_id)): Path<(String, String, String)>,
    Form { visitor, data }: Form<QuestionForm>,
) -> Result<Response, PageError> {
    let kind = kind_of(&kind)?;
    let rest = format!("/{kind}/questions/{question_id}");
    let managed = match manage(&ctx, &visitor, &id, &rest).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let course_id = managed.course.id;
    let questions = match bank_of(&ctx, &managed, kind).await? {
        Ok(questions) => questions,
        Err(answer) => return Ok(answer),
    };
    let (number, row) = question_in(&questions, &question_id)?;
    let errors = match data.input(kind) {
        Ok(input) => {
            match assessments::revise_question(
                &ctx,
                managed.actor,
                &visitor.meta,
                course_id,
                kind,
                row.id,
                input,
            )
            .await
            {
                Ok(_) => {
                    return Ok(Redirect::to(&format!(
                        "{}?done=revised",
                        bank_path(course_id, kind)
                    ))
                    .into_response());
                }
                Err(SetupError::Invalid(invalid)) => field_errors(&invalid),
                Err(e) => return Err(page_error(e)),
            }
        }
        Err(errors) => errors,
    };
    Ok(unprocessable(
        question_page(
            &ctx,
            &visitor,
            &managed.course,
            kind,
            (number, &row),
            (&data, &errors),
        )
        .await?,
    ))
}

/// `GET /teach/courses/{id}/cme/{kind}/questions/{question_id}/retire`: what
/// retiring the question means, before it happens.
pub async fn retire_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path((id, kind, question_id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let kind = kind_of(&kind)?;
    let rest = format!("/{kind}/questions/{question_id}/retire");
    let managed = match manage(&ctx, &visitor, &id, &rest).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let questions = match bank_of(&ctx, &managed, kind).await? {
        Ok(questions) => questions,
        Err(answer) => return Ok(answer),
    };
    let (number, row) = question_in(&questions, &question_id)?;
    let tr = &visitor.tr;
    let back = format!("{}/{}", bank_path(managed.course.id, kind), row.id);
    let heading = tr.t_with(
        "teach-cme-question-retire-title",
        &[("number", Arg::Number(number as i64))],
    );
    let page = DeletePage {
        chrome: Chrome::new(&ctx, &visitor, heading.clone()).await?,
        heading,
        consequence: tr.t("teach-cme-question-retire-consequence"),
        action: format!("{back}/retire"),
        confirm: tr.t("teach-cme-question-retire-confirm"),
        back_href: back,
        name: row.prompt,
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /teach/courses/{id}/cme/{kind}/questions/{question_id}/retire`:
/// retires it, confirmed; it is drawn no more.
pub async fn retire(
    State(ctx): State<AppContext>,
    Path((id, kind, question_id)): Path<(String, String, String)>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let kind = kind_of(&kind)?;
    let rest = format!("/{kind}/questions/{question_id}/retire");
    let managed = match manage(&ctx, &visitor, &id, &rest).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let question_id = parse_id(&question_id)?;
    let course_id = managed.course.id;
    assessments::retire_question(
        &ctx,
        managed.actor,
        &visitor.meta,
        course_id,
        kind,
        question_id,
    )
    .await
    .map_err(page_error)?;
    Ok(Redirect::to(&format!("{}?done=retired", bank_path(course_id, kind))).into_response())
}

/// One question's statistic as its table row shows it.
pub struct StatisticLine {
    pub number: usize,
    pub prompt: String,
    pub answered: i64,
    pub correct: i64,
    /// `None` before any submission.
    pub percent: Option<Percent>,
}

/// A percent correct: the bar's width, and the number as text.
pub struct Percent {
    pub width: i64,
    pub text: String,
}

#[derive(Template)]
#[template(path = "teach_cme_statistics.html")]
struct StatisticsPage {
    chrome: Chrome,
    heading: String,
    course_id: String,
    course_title: String,
    kind: String,
    caption: String,
    lines: Vec<StatisticLine>,
}

/// `GET /teach/courses/{id}/cme/{kind}/statistics`: percent correct per
/// question over every submitted attempt.
pub async fn statistics(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let kind = kind_of(&kind)?;
    let managed = match manage(&ctx, &visitor, &id, &format!("/{kind}/statistics")).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    // The same checks as the bank: an activity, and rules saved.
    if let Err(answer) = bank_of(&ctx, &managed, kind).await? {
        return Ok(answer);
    }
    let stats = assessments::item_statistics(&ctx, managed.actor, managed.course.id, kind)
        .await
        .map_err(page_error)?;
    let tr = &visitor.tr;
    let name = assessment_name(tr, kind);
    let heading = tr.t_with(
        "teach-cme-statistics-heading",
        &[("name", Arg::Text(name.clone()))],
    );
    let page = StatisticsPage {
        chrome: Chrome::new(&ctx, &visitor, heading.clone()).await?,
        heading,
        course_id: managed.course.id.to_string(),
        course_title: managed.course.title.clone(),
        kind: kind.to_string(),
        caption: tr.t_with("teach-cme-statistics-caption", &[("name", Arg::Text(name))]),
        lines: stats
            .iter()
            .enumerate()
            .map(|(i, s)| StatisticLine {
                number: i + 1,
                prompt: s.prompt.clone(),
                answered: s.answered,
                correct: s.correct,
                percent: s.percent_correct().map(|p| Percent {
                    width: p,
                    text: tr.t_with("teach-cme-percent", &[("percent", Arg::Number(p))]),
                }),
            })
            .collect(),
    };
    Ok(respond(&ctx, &visitor, &page))
}
