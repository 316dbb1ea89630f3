//! Continuing medical education over JSON: providers (admins), a course's
//! activity, designations and assessments (its instructor), attempts and
//! claims (learners), and certificates anyone can verify. The handlers call
//! the use cases of `medicaledu_app::cme`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use medicaledu_app::cme::assessments::{self, ItemStatistic, QuestionInput, SettingsInput};
use medicaledu_app::cme::attempts::{self, AttemptError, AttemptView};
use medicaledu_app::cme::catalog::{
    self, ActivityInput, ActivityView, DesignationInput, ProviderInput, SetupError,
};
use medicaledu_app::cme::certificates::{self, CertificateView, EndCertificateError};
use medicaledu_app::cme::claims::{self, ClaimError, ClaimInput};
use medicaledu_domain::{
    ActivityFormat, Answer, AssessmentKind, AttemptStatus, CertificateKind, CertificateStatus,
    CreditAmount, Id, Profession, QuestionKind, Timestamp,
};
use medicaledu_store::cme::activities::DesignationRow;
use medicaledu_store::cme::assessments::{AssessmentRow, QuestionRow};
use medicaledu_store::cme::providers::ProviderRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::problem::{Answers, problems};
use crate::{ApiError, AppState, Ids, Json};

problems!(SetupError, AttemptError, ClaimError, EndCertificateError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_cme_provider, list_cme_providers))
        .routes(routes!(update_cme_provider))
        .routes(routes!(set_cme_activity, get_cme_activity))
        .routes(routes!(add_cme_designation))
        .routes(routes!(update_cme_designation, delete_cme_designation))
        .routes(routes!(configure_cme_assessment))
        .routes(routes!(add_cme_question, list_cme_questions))
        .routes(routes!(revise_cme_question, retire_cme_question))
        .routes(routes!(cme_item_statistics))
        .routes(routes!(start_cme_attempt, list_cme_attempts))
        .routes(routes!(get_cme_attempt))
        .routes(routes!(submit_cme_attempt))
        .routes(routes!(claim_cme_credit))
        .routes(routes!(my_certificates))
        .routes(routes!(verify_certificate))
        .routes(routes!(certificate_pdf))
        .routes(routes!(revoke_certificate))
        .routes(routes!(reissue_certificate))
        .routes(routes!(credential_keys))
        .routes(routes!(credential_status))
        .routes(routes!(cme_activity_report))
}

crate::problem::problem_codes! {
    create_cme_provider => Answers::route().signed_in_write().json_body().failure::<SetupError>(),
    list_cme_providers => Answers::route().signed_in().failure::<medicaledu_app::ReadError>(),
    update_cme_provider => Answers::route().signed_in_write().path_ids().json_body().failure::<SetupError>(),
    set_cme_activity => Answers::route().signed_in_write().path_ids().json_body().failure::<SetupError>(),
    get_cme_activity => Answers::route().path_ids().failure::<medicaledu_app::ReadError>(),
    add_cme_designation => Answers::route().signed_in_write().path_ids().json_body().failure::<SetupError>(),
    update_cme_designation => Answers::route().signed_in_write().path_ids().json_body().failure::<SetupError>(),
    delete_cme_designation => Answers::route().signed_in_write().path_ids().failure::<SetupError>(),
    configure_cme_assessment => Answers::route().signed_in_write().path_ids().json_body().failure::<SetupError>(),
    add_cme_question => Answers::route().signed_in_write().path_ids().json_body().failure::<SetupError>(),
    list_cme_questions => Answers::route().signed_in().path_ids().failure::<SetupError>(),
    revise_cme_question => Answers::route().signed_in_write().path_ids().json_body().failure::<SetupError>(),
    retire_cme_question => Answers::route().signed_in_write().path_ids().failure::<SetupError>(),
    cme_item_statistics => Answers::route().signed_in().path_ids().failure::<SetupError>(),
    start_cme_attempt => Answers::route().signed_in_write().path_ids().failure::<AttemptError>(),
    list_cme_attempts => Answers::route().signed_in().path_ids().failure::<AttemptError>(),
    get_cme_attempt => Answers::route().signed_in().path_ids().failure::<AttemptError>(),
    submit_cme_attempt => Answers::route().signed_in_write().path_ids().json_body().failure::<AttemptError>(),
    claim_cme_credit => Answers::route().signed_in_write().path_ids().json_body().failure::<ClaimError>(),
    my_certificates => Answers::route().signed_in().failure::<medicaledu_app::ReadError>(),
    verify_certificate => Answers::route().failure::<medicaledu_app::ReadError>(),
    certificate_pdf => Answers::route().failure::<medicaledu_app::ReadError>(),
    revoke_certificate => Answers::route().signed_in_write().path_ids().json_body().failure::<EndCertificateError>(),
    reissue_certificate => Answers::route().signed_in_write().path_ids().json_body().failure::<EndCertificateError>(),
    credential_keys => Answers::route().failure::<medicaledu_app::ReadError>(),
    credential_status => Answers::route().failure::<medicaledu_app::ReadError>(),
    cme_activity_report => Answers::route().signed_in().path_ids().query().failure::<medicaledu_app::ReadError>(),
}

const PROBLEM: &str = "application/problem+json";

// Providers.

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderRequest {
    #[schema(value_type = crate::constraints::ProviderNameText, inline)]
    pub name: String,
    /// The accrediting body, e.g. ACCME or EACCME.
    #[schema(value_type = crate::constraints::ProviderNameText, inline)]
    pub accreditor: String,
    /// The provider's accreditation statement, printed on every certificate as written.
    #[schema(value_type = crate::constraints::StatementText, inline)]
    pub accreditation_statement: String,
    /// The accreditation's last day, `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<chrono::NaiveDate>,
}

impl From<ProviderRequest> for ProviderInput {
    fn from(body: ProviderRequest) -> Self {
        ProviderInput {
            name: body.name,
            accreditor: body.accreditor,
            accreditation_statement: body.accreditation_statement,
            valid_until: body.valid_until.map(|day| day.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Provider {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub name: String,
    pub accreditor: String,
    pub accreditation_statement: String,
    /// The end of the accreditation (exclusive).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_until: Option<Timestamp>,
}

impl From<ProviderRow> for Provider {
    fn from(row: ProviderRow) -> Self {
        Provider {
            id: row.id,
            name: row.name,
            accreditor: row.accreditor,
            accreditation_statement: row.accreditation_statement,
            valid_until: row.valid_until,
        }
    }
}

/// Add an accredited CME provider (admins).
#[utoipa::path(post, path = "/api/v1/cme/providers", tag = "cme", request_body = ProviderRequest,
    responses((status = 201, body = Provider), (status = 409, body = crate::Problem, content_type = PROBLEM)))]
pub async fn create_cme_provider(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<ProviderRequest>,
) -> Result<(StatusCode, Json<Provider>), ApiError> {
    let row = catalog::create_provider(&state, &auth, &meta, body.into()).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// List accredited CME providers.
#[utoipa::path(get, path = "/api/v1/cme/providers", tag = "cme", responses((status = 200, body = [Provider])))]
pub async fn list_cme_providers(
    State(state): State<AppState>,
    _auth: Authenticated,
) -> Result<Json<Vec<Provider>>, ApiError> {
    let rows = catalog::list_providers(&state).await?;
    Ok(Json(rows.into_iter().map(Provider::from).collect()))
}

/// Change a CME provider (admins).
#[utoipa::path(put, path = "/api/v1/cme/providers/{id}", tag = "cme",
    params(("id" = String, Path, description = "Provider id")), request_body = ProviderRequest,
    responses((status = 200, body = Provider), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn update_cme_provider(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<ProviderRequest>,
) -> Result<Json<Provider>, ApiError> {
    let row = catalog::update_provider(&state, &auth, &meta, id, body.into()).await?;
    Ok(Json(row.into()))
}

// Activities and designations.

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityRequest {
    #[schema(value_type = String, format = Uuid)]
    pub provider_id: Id,
    #[schema(value_type = crate::constraints::ActivityFormatText, inline)]
    pub format: ActivityFormat,
    /// The first day credit may be claimed, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub release_on: String,
    /// The last day credit may be claimed, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub expires_on: Option<String>,
    /// Disclosures shown to learners before they start.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub disclosure: String,
    /// Topics the activity covers, counted against licences' topic requirements.
    #[serde(default)]
    pub topics: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Activity {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub course_id: Id,
    pub provider: Provider,
    #[schema(value_type = String)]
    pub format: ActivityFormat,
    #[schema(value_type = String, format = Date)]
    pub release_on: chrono::NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<chrono::NaiveDate>,
    pub disclosure: String,
    pub topics: Vec<String>,
    pub designations: Vec<Designation>,
}

impl From<ActivityView> for Activity {
    fn from(view: ActivityView) -> Self {
        Activity {
            id: view.activity.id,
            course_id: view.activity.course_id,
            provider: view.provider.into(),
            format: view.activity.format,
            release_on: view.activity.release_on,
            expires_on: view.activity.expires_on,
            disclosure: view.activity.disclosure,
            topics: view.topics,
            designations: view
                .designations
                .into_iter()
                .map(Designation::from)
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Designation {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    /// `credit`, or `participation` for a certificate of participation only.
    #[schema(value_type = String)]
    pub kind: CertificateKind,
    pub credit_type: String,
    #[schema(value_type = f64)]
    pub max_credits: CreditAmount,
    #[schema(value_type = f64)]
    pub step: CreditAmount,
    pub statement: String,
    #[schema(value_type = Vec<String>)]
    pub professions: Vec<Profession>,
}

impl From<DesignationRow> for Designation {
    fn from(row: DesignationRow) -> Self {
        Designation {
            id: row.id,
            kind: row.kind,
            credit_type: row.credit_type,
            max_credits: CreditAmount::from_hundredths(row.max_credit_hundredths)
                .unwrap_or_default(),
            step: CreditAmount::from_hundredths(row.step_hundredths).unwrap_or_default(),
            statement: row.statement,
            professions: row.professions,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignationRequest {
    #[serde(default = "credit_kind")]
    #[schema(value_type = crate::constraints::CertificateKindText, inline)]
    pub kind: CertificateKind,
    #[schema(value_type = crate::constraints::CreditTypeText, inline, example = "AMA PRA Category 1 Credit™")]
    pub credit_type: String,
    #[schema(value_type = f64, example = 2)]
    pub max_credits: serde_json::Number,
    #[schema(value_type = f64, example = 0.25)]
    pub step: serde_json::Number,
    /// The designation statement, in the provider's words.
    #[schema(value_type = crate::constraints::StatementText, inline)]
    pub statement: String,
    /// Professions that may claim credit; others receive participation.
    #[serde(default)]
    #[schema(value_type = Vec<crate::constraints::ProfessionText>)]
    pub professions: Vec<String>,
}

fn credit_kind() -> CertificateKind {
    CertificateKind::Credit
}

impl From<DesignationRequest> for DesignationInput {
    fn from(body: DesignationRequest) -> Self {
        DesignationInput {
            kind: body.kind.as_str().to_owned(),
            credit_type: body.credit_type,
            max_credits: body.max_credits.to_string(),
            step: body.step.to_string(),
            statement: body.statement,
            professions: body.professions,
        }
    }
}

/// Make a course a CME activity, or change it (its instructor or an admin).
#[utoipa::path(put, path = "/api/v1/courses/{id}/cme", tag = "cme",
    params(("id" = String, Path, description = "Course id")), request_body = ActivityRequest,
    responses((status = 200, body = Activity), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn set_cme_activity(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(course_id): Ids<Id>,
    Json(body): Json<ActivityRequest>,
) -> Result<Json<Activity>, ApiError> {
    let input = ActivityInput {
        provider_id: body.provider_id,
        format: body.format.as_str().to_owned(),
        release_on: body.release_on,
        expires_on: body.expires_on,
        disclosure: body.disclosure,
        topics: body.topics,
    };
    let view = catalog::set_activity(&state, &auth, &meta, course_id, input).await?;
    Ok(Json(view.into()))
}

/// A course's CME activity: provider, dates, disclosure and designations.
#[utoipa::path(get, path = "/api/v1/courses/{id}/cme", tag = "cme",
    params(("id" = String, Path, description = "Course id")),
    responses((status = 200, body = Activity), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn get_cme_activity(
    State(state): State<AppState>,
    Ids(course_id): Ids<Id>,
) -> Result<Json<Activity>, ApiError> {
    Ok(Json(
        catalog::activity_of_course(&state, course_id).await?.into(),
    ))
}

/// Add a credit designation to a course's activity.
#[utoipa::path(post, path = "/api/v1/courses/{id}/cme/designations", tag = "cme",
    params(("id" = String, Path, description = "Course id")), request_body = DesignationRequest,
    responses((status = 201, body = Designation), (status = 409, body = crate::Problem, content_type = PROBLEM)))]
pub async fn add_cme_designation(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(course_id): Ids<Id>,
    Json(body): Json<DesignationRequest>,
) -> Result<(StatusCode, Json<Designation>), ApiError> {
    let row = catalog::add_designation(&state, &auth, &meta, course_id, body.into()).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Change a credit designation.
#[utoipa::path(put, path = "/api/v1/courses/{id}/cme/designations/{designation_id}", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("designation_id" = String, Path, description = "Designation id")),
    request_body = DesignationRequest,
    responses((status = 200, body = Designation), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn update_cme_designation(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids((course_id, designation_id)): Ids<(Id, Id)>,
    Json(body): Json<DesignationRequest>,
) -> Result<Json<Designation>, ApiError> {
    let row =
        catalog::update_designation(&state, &auth, &meta, course_id, designation_id, body.into())
            .await?;
    Ok(Json(row.into()))
}

/// Remove a credit designation; claims and certificates made on it keep it.
#[utoipa::path(delete, path = "/api/v1/courses/{id}/cme/designations/{designation_id}", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("designation_id" = String, Path, description = "Designation id")),
    responses((status = 204, description = "Removed"), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn delete_cme_designation(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids((course_id, designation_id)): Ids<(Id, Id)>,
) -> Result<StatusCode, ApiError> {
    catalog::delete_designation(&state, &auth, &meta, course_id, designation_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// Assessments and the question bank.

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentRequest {
    /// Whole percent needed to pass; ignored for an evaluation.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub pass_mark_percent: i64,
    #[schema(minimum = 1, maximum = 100)]
    pub max_attempts: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 0)]
    pub cooldown_seconds: i64,
    #[schema(minimum = 1)]
    pub time_limit_seconds: Option<i64>,
    /// Extra seconds after the time limit in which a submission still counts.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub grace_seconds: i64,
    #[serde(default)]
    pub shuffle_questions: bool,
    #[serde(default)]
    pub shuffle_options: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Assessment {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String)]
    pub kind: AssessmentKind,
    pub pass_mark_percent: i64,
    pub max_attempts: Option<i64>,
    pub cooldown_seconds: i64,
    pub time_limit_seconds: Option<i64>,
    pub grace_seconds: i64,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
}

impl From<AssessmentRow> for Assessment {
    fn from(row: AssessmentRow) -> Self {
        Assessment {
            id: row.id,
            kind: row.kind,
            pass_mark_percent: row.pass_mark_percent,
            max_attempts: row.max_attempts,
            cooldown_seconds: row.cooldown_seconds,
            time_limit_seconds: row.time_limit_seconds,
            grace_seconds: row.grace_seconds,
            shuffle_questions: row.shuffle_questions,
            shuffle_options: row.shuffle_options,
        }
    }
}

/// Create or change the course's pre-test, post-test or evaluation.
#[utoipa::path(put, path = "/api/v1/courses/{id}/cme/assessments/{kind}", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("kind" = String, Path, description = "pre_test, post_test or evaluation")),
    request_body = AssessmentRequest,
    responses((status = 200, body = Assessment), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn configure_cme_assessment(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids((course_id, kind)): Ids<(Id, AssessmentKind)>,
    Json(body): Json<AssessmentRequest>,
) -> Result<Json<Assessment>, ApiError> {
    let input = SettingsInput {
        pass_mark_percent: body.pass_mark_percent,
        max_attempts: body.max_attempts,
        cooldown_seconds: body.cooldown_seconds,
        time_limit_seconds: body.time_limit_seconds,
        grace_seconds: body.grace_seconds,
        shuffle_questions: body.shuffle_questions,
        shuffle_options: body.shuffle_options,
    };
    let row = assessments::configure(&state, &auth, &meta, course_id, kind, input).await?;
    Ok(Json(row.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionRequest {
    #[schema(value_type = crate::constraints::QuestionKindText, inline)]
    pub kind: QuestionKind,
    #[schema(value_type = crate::constraints::PromptText, inline)]
    pub prompt: String,
    /// The options' texts, in order.
    #[schema(value_type = Vec<crate::constraints::OptionText>, min_items = 2, max_items = 10)]
    pub options: Vec<String>,
    /// Indexes into `options` of the correct ones; empty for an evaluation.
    #[serde(default)]
    pub correct: Vec<usize>,
    /// Why the answer is what it is, shown after submission.
    #[serde(default)]
    #[schema(value_type = crate::constraints::RationaleText, inline)]
    pub rationale: String,
    #[schema(minimum = 0)]
    pub points: Option<i64>,
}

impl From<QuestionRequest> for QuestionInput {
    fn from(body: QuestionRequest) -> Self {
        QuestionInput {
            kind: body.kind.as_str().to_owned(),
            prompt: body.prompt,
            options: body.options,
            correct: body.correct,
            rationale: body.rationale,
            points: body.points,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub text: String,
}

/// A bank item with its answer key: for the course's instructor only.
#[derive(Debug, Serialize, ToSchema)]
pub struct BankQuestion {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub version: i64,
    pub position: i64,
    #[schema(value_type = String)]
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<OptionView>,
    #[schema(value_type = Vec<String>)]
    pub correct_option_ids: Vec<Id>,
    pub rationale: String,
    pub points: i64,
}

impl From<QuestionRow> for BankQuestion {
    fn from(row: QuestionRow) -> Self {
        BankQuestion {
            id: row.id,
            version: row.version,
            position: row.position,
            kind: row.kind,
            prompt: row.prompt,
            options: row
                .options
                .0
                .into_iter()
                .map(|o| OptionView {
                    id: o.id,
                    text: o.text,
                })
                .collect(),
            correct_option_ids: row.correct.0,
            rationale: row.rationale,
            points: row.points,
        }
    }
}

/// Add a question to an assessment's bank.
#[utoipa::path(post, path = "/api/v1/courses/{id}/cme/assessments/{kind}/questions", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("kind" = String, Path, description = "pre_test, post_test or evaluation")),
    request_body = QuestionRequest,
    responses((status = 201, body = BankQuestion), (status = 422, body = crate::Problem, content_type = PROBLEM)))]
pub async fn add_cme_question(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids((course_id, kind)): Ids<(Id, AssessmentKind)>,
    Json(body): Json<QuestionRequest>,
) -> Result<(StatusCode, Json<BankQuestion>), ApiError> {
    let row = assessments::add_question(&state, &auth, &meta, course_id, kind, body.into()).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// An assessment's question bank, answer keys included (its instructor).
#[utoipa::path(get, path = "/api/v1/courses/{id}/cme/assessments/{kind}/questions", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("kind" = String, Path, description = "pre_test, post_test or evaluation")),
    responses((status = 200, body = [BankQuestion]), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn list_cme_questions(
    State(state): State<AppState>,
    auth: Authenticated,
    Ids((course_id, kind)): Ids<(Id, AssessmentKind)>,
) -> Result<Json<Vec<BankQuestion>>, ApiError> {
    let bank = assessments::bank(&state, &auth, course_id, kind).await?;
    Ok(Json(
        bank.questions.into_iter().map(BankQuestion::from).collect(),
    ))
}

/// Write a new version of a question; attempts that drew the old one keep it.
#[utoipa::path(put, path = "/api/v1/courses/{id}/cme/assessments/{kind}/questions/{question_id}", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("kind" = String, Path, description = "pre_test, post_test or evaluation"),
           ("question_id" = String, Path, description = "Question id")),
    request_body = QuestionRequest,
    responses((status = 200, body = BankQuestion), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn revise_cme_question(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids((course_id, kind, question_id)): Ids<(Id, AssessmentKind, Id)>,
    Json(body): Json<QuestionRequest>,
) -> Result<Json<BankQuestion>, ApiError> {
    let row = assessments::revise_question(
        &state,
        &auth,
        &meta,
        course_id,
        kind,
        question_id,
        body.into(),
    )
    .await?;
    Ok(Json(row.into()))
}

/// Retire a question: it is drawn no more.
#[utoipa::path(delete, path = "/api/v1/courses/{id}/cme/assessments/{kind}/questions/{question_id}", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("kind" = String, Path, description = "pre_test, post_test or evaluation"),
           ("question_id" = String, Path, description = "Question id")),
    responses((status = 204, description = "Retired"), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn retire_cme_question(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids((course_id, kind, question_id)): Ids<(Id, AssessmentKind, Id)>,
) -> Result<StatusCode, ApiError> {
    assessments::retire_question(&state, &auth, &meta, course_id, kind, question_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemStatisticView {
    #[schema(value_type = String, format = Uuid)]
    pub question_id: Id,
    pub prompt: String,
    pub answered: i64,
    pub correct: i64,
    /// Whole percent; absent before any submission.
    pub percent_correct: Option<i64>,
}

impl From<ItemStatistic> for ItemStatisticView {
    fn from(stat: ItemStatistic) -> Self {
        ItemStatisticView {
            percent_correct: stat.percent_correct(),
            question_id: stat.question_id,
            prompt: stat.prompt,
            answered: stat.answered,
            correct: stat.correct,
        }
    }
}

/// Percent correct per question over submitted attempts (its instructor).
#[utoipa::path(get, path = "/api/v1/courses/{id}/cme/assessments/{kind}/statistics", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("kind" = String, Path, description = "pre_test, post_test or evaluation")),
    responses((status = 200, body = [ItemStatisticView]), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn cme_item_statistics(
    State(state): State<AppState>,
    auth: Authenticated,
    Ids((course_id, kind)): Ids<(Id, AssessmentKind)>,
) -> Result<Json<Vec<ItemStatisticView>>, ApiError> {
    let stats = assessments::item_statistics(&state, &auth, course_id, kind).await?;
    Ok(Json(
        stats.into_iter().map(ItemStatisticView::from).collect(),
    ))
}

// Attempts.

/// A question as a learner sees it: no answer key before the attempt ends.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptQuestion {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String)]
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<OptionView>,
    pub points: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    #[schema(value_type = String, format = Uuid)]
    pub question_id: Id,
    #[schema(value_type = Vec<String>)]
    pub correct_option_ids: Vec<Id>,
    #[schema(value_type = Vec<String>)]
    pub chosen_option_ids: Vec<Id>,
    pub correct: bool,
    pub rationale: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String)]
    pub kind: AssessmentKind,
    pub attempt_number: i64,
    pub max_attempts: Option<i64>,
    /// `in_progress`, `submitted` or `expired`.
    #[schema(value_type = String)]
    pub status: AttemptStatus,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<Timestamp>,
    pub pass_mark_percent: Option<i64>,
    /// The score in hundredths of a percent (8000 is 80 %), once submitted.
    pub score_hundredths: Option<i64>,
    pub passed: Option<bool>,
    pub questions: Vec<AttemptQuestion>,
    /// Answers, keys and rationales: only once the attempt has ended.
    pub review: Option<Vec<ReviewView>>,
}

impl From<AttemptView> for Attempt {
    fn from(view: AttemptView) -> Self {
        Attempt {
            id: view.id,
            kind: view.kind,
            attempt_number: view.attempt_number,
            max_attempts: view.max_attempts,
            status: view.status,
            started_at: view.started_at,
            due_at: view.due_at,
            ended_at: view.ended_at,
            pass_mark_percent: view.pass_mark_percent,
            score_hundredths: view.score_hundredths,
            passed: view.passed,
            questions: view
                .questions
                .into_iter()
                .map(|q| AttemptQuestion {
                    id: q.id,
                    kind: q.kind,
                    prompt: q.prompt,
                    options: q
                        .options
                        .into_iter()
                        .map(|o| OptionView {
                            id: o.id,
                            text: o.text,
                        })
                        .collect(),
                    points: q.points,
                })
                .collect(),
            review: view.review.map(|items| {
                items
                    .into_iter()
                    .map(|r| ReviewView {
                        question_id: r.question_id,
                        correct_option_ids: r.correct_option_ids,
                        chosen_option_ids: r.chosen_option_ids,
                        correct: r.correct,
                        rationale: r.rationale,
                    })
                    .collect()
            }),
        }
    }
}

/// Start your next attempt at an assessment, or resume the one in progress.
#[utoipa::path(post, path = "/api/v1/courses/{id}/cme/assessments/{kind}/attempts", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("kind" = String, Path, description = "pre_test, post_test or evaluation")),
    responses((status = 200, body = Attempt), (status = 409, body = crate::Problem, content_type = PROBLEM)))]
pub async fn start_cme_attempt(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids((course_id, kind)): Ids<(Id, AssessmentKind)>,
) -> Result<Json<Attempt>, ApiError> {
    Ok(Json(
        attempts::start(&state, &auth, &meta, course_id, kind)
            .await?
            .into(),
    ))
}

/// Your attempts at an assessment, first first.
#[utoipa::path(get, path = "/api/v1/courses/{id}/cme/assessments/{kind}/attempts", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ("kind" = String, Path, description = "pre_test, post_test or evaluation")),
    responses((status = 200, body = [Attempt]), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn list_cme_attempts(
    State(state): State<AppState>,
    auth: Authenticated,
    Ids((course_id, kind)): Ids<(Id, AssessmentKind)>,
) -> Result<Json<Vec<Attempt>>, ApiError> {
    let views = attempts::list(&state, &auth, course_id, kind).await?;
    Ok(Json(views.into_iter().map(Attempt::from).collect()))
}

/// One of your attempts.
#[utoipa::path(get, path = "/api/v1/cme/attempts/{id}", tag = "cme",
    params(("id" = String, Path, description = "Attempt id")),
    responses((status = 200, body = Attempt), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn get_cme_attempt(
    State(state): State<AppState>,
    auth: Authenticated,
    Ids(id): Ids<Id>,
) -> Result<Json<Attempt>, ApiError> {
    Ok(Json(attempts::get(&state, &auth, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub answers: Vec<AnswerRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    #[schema(value_type = String, format = Uuid)]
    pub question_id: Id,
    #[schema(value_type = Vec<String>)]
    pub option_ids: Vec<Id>,
}

/// Submit an attempt: scored on the server, `expired` after the time limit and grace.
#[utoipa::path(post, path = "/api/v1/cme/attempts/{id}/submit", tag = "cme",
    params(("id" = String, Path, description = "Attempt id")), request_body = SubmitRequest,
    responses((status = 200, body = Attempt), (status = 409, body = crate::Problem, content_type = PROBLEM)))]
pub async fn submit_cme_attempt(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<SubmitRequest>,
) -> Result<Json<Attempt>, ApiError> {
    let answers = body
        .answers
        .into_iter()
        .map(|a| Answer {
            question_id: a.question_id,
            option_ids: a.option_ids,
        })
        .collect();
    Ok(Json(
        attempts::submit(&state, &auth, &meta, id, answers)
            .await?
            .into(),
    ))
}

// Claims and certificates.

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    #[schema(value_type = String, format = Uuid)]
    pub designation_id: Id,
    /// Credits claimed: at most the designation's maximum, on its step.
    #[schema(value_type = f64, example = 1.5)]
    pub credits: serde_json::Number,
    /// The learner attests that the claim reflects their participation.
    pub attest: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Claim {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub designation_id: Id,
    #[schema(value_type = String)]
    pub kind: CertificateKind,
    #[schema(value_type = f64)]
    pub credits: CreditAmount,
    pub attestation: String,
    /// Time measured on the course's materials and sessions.
    pub measured_seconds: i64,
    #[schema(value_type = String, format = DateTime)]
    pub completed_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub claimed_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Certificate {
    pub code: String,
    /// `active`, `revoked` or `superseded`.
    #[schema(value_type = String)]
    pub status: CertificateStatus,
    /// Everything the certificate prints, frozen at issue.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
    /// SHA-256 of the snapshot's canonical JSON, printed on the PDF.
    pub sha256: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
    pub revocation_reason: Option<String>,
    pub superseded_by: Option<String>,
    pub verify_url: String,
    /// The Open Badges 3.0 credential as a compact JWT (EdDSA).
    pub credential: String,
}

fn certificate(state: &AppState, view: CertificateView) -> Certificate {
    Certificate {
        verify_url: certificates::verify_url(state, &view.code),
        snapshot: serde_json::to_value(&view.snapshot).unwrap_or_default(),
        code: view.code,
        status: view.status,
        sha256: view.sha256,
        revoked_at: view.revoked_at,
        revocation_reason: view.revocation_reason,
        superseded_by: view.superseded_by,
        credential: view.credential,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Claimed {
    pub claim: Claim,
    pub certificate: Certificate,
}

/// Claim credit on one of the course's designations; the certificate is issued at once.
#[utoipa::path(post, path = "/api/v1/courses/{id}/cme/claims", tag = "cme",
    params(("id" = String, Path, description = "Course id")), request_body = ClaimRequest,
    responses((status = 201, body = Claimed), (status = 409, body = crate::Problem, content_type = PROBLEM),
              (status = 422, body = crate::Problem, content_type = PROBLEM)))]
pub async fn claim_cme_credit(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(course_id): Ids<Id>,
    Json(body): Json<ClaimRequest>,
) -> Result<(StatusCode, Json<Claimed>), ApiError> {
    let input = ClaimInput {
        designation_id: body.designation_id,
        credits: body.credits.to_string(),
        attest: body.attest,
    };
    let done = claims::claim(&state, &auth, &meta, course_id, input).await?;
    let claim = Claim {
        id: done.claim.id,
        designation_id: done.claim.designation_id,
        kind: done.claim.kind,
        credits: CreditAmount::from_hundredths(done.claim.credit_hundredths).unwrap_or_default(),
        attestation: done.claim.attestation,
        measured_seconds: done.claim.measured_seconds,
        completed_at: done.claim.completed_at,
        claimed_at: done.claim.claimed_at,
    };
    Ok((
        StatusCode::CREATED,
        Json(Claimed {
            claim,
            certificate: certificate(&state, done.certificate),
        }),
    ))
}

/// Your certificates, newest first.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "cme", responses((status = 200, body = [Certificate])))]
pub async fn my_certificates(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Vec<Certificate>>, ApiError> {
    let views = certificates::mine(&state, &auth).await?;
    Ok(Json(
        views.into_iter().map(|v| certificate(&state, v)).collect(),
    ))
}

/// Verify a certificate by its code; no sign-in.
#[utoipa::path(get, path = "/api/v1/certificates/{code}", tag = "cme",
    params(("code" = String, Path, description = "Certificate code, MEDU-XXXX-XXXX-XXXX-XXXX")),
    responses((status = 200, body = Certificate), (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn verify_certificate(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<Json<Certificate>, ApiError> {
    let view = certificates::verify(&state, &code).await?;
    Ok(Json(certificate(&state, view)))
}

/// A certificate's PDF, drawn from its snapshot; no sign-in.
#[utoipa::path(get, path = "/api/v1/certificates/{code}/pdf", tag = "cme",
    params(("code" = String, Path, description = "Certificate code, MEDU-XXXX-XXXX-XXXX-XXXX")),
    responses((status = 200, description = "The certificate", content((crate::schema_view::Binary = "application/pdf"))),
              (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn certificate_pdf(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (view, bytes) = certificates::pdf(
        &state,
        &code,
        &medicaledu_documents::CertificateLabels::english(),
    )
    .await?;
    let disposition = format!("inline; filename=\"{}.pdf\"", view.code);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndRequest {
    #[schema(value_type = crate::constraints::ReasonText, inline)]
    pub reason: String,
}

/// Revoke a certificate (admins).
#[utoipa::path(post, path = "/api/v1/cme/certificates/{id}/revoke", tag = "cme",
    params(("id" = String, Path, description = "Certificate id")), request_body = EndRequest,
    responses((status = 200, body = Certificate), (status = 409, body = crate::Problem, content_type = PROBLEM)))]
pub async fn revoke_certificate(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<EndRequest>,
) -> Result<Json<Certificate>, ApiError> {
    let view = certificates::revoke(&state, &auth, &meta, id, &body.reason).await?;
    Ok(Json(certificate(&state, view)))
}

/// Re-issue a certificate under a new code that supersedes it (admins).
#[utoipa::path(post, path = "/api/v1/cme/certificates/{id}/reissue", tag = "cme",
    params(("id" = String, Path, description = "Certificate id")), request_body = EndRequest,
    responses((status = 201, body = Certificate), (status = 409, body = crate::Problem, content_type = PROBLEM)))]
pub async fn reissue_certificate(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<EndRequest>,
) -> Result<(StatusCode, Json<Certificate>), ApiError> {
    let view = certificates::reissue(&state, &auth, &meta, id, &body.reason).await?;
    Ok((StatusCode::CREATED, Json(certificate(&state, view))))
}

/// The public keys that verify certificates' credentials (a JWKS).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "cme",
    responses((status = 200, description = "JSON Web Key Set", body = Object)))]
pub async fn credential_keys(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let keys = certificates::key_set(&state).await?;
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(keys)))
}

/// Revoked credentials (1EdTech revocation list), for verifiers.
#[utoipa::path(get, path = "/cme/credentials/status", tag = "cme",
    responses((status = 200, description = "Revocation list", body = Object)))]
pub async fn credential_status(
    State(state): State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    let list = certificates::revocations(&state).await?;
    Ok(([(header::CACHE_CONTROL, "no-cache")], Json(list)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// The first day of completions, `YYYY-MM-DD` (default: twelve months before `to`).
    #[param(format = Date)]
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD` (default: today).
    #[param(format = Date)]
    pub to: Option<String>,
}

/// An activity's completions for accreditor reporting, as CSV (admins).
///
/// One row per certificate in force whose learner consented to be reported:
/// the name as certified, birth month and day, board number, profession,
/// completion date and the credits claimed (empty for participation).
#[utoipa::path(get, path = "/api/v1/courses/{id}/cme/report.csv", tag = "cme",
    params(("id" = String, Path, description = "Course id"), ReportParams),
    responses((status = 200, description = "The completions as CSV under a header row", content_type = "text/csv", body = String),
              (status = 404, body = crate::Problem, content_type = PROBLEM)))]
pub async fn cme_activity_report(
    State(state): State<AppState>,
    auth: Authenticated,
    Ids(course_id): Ids<Id>,
    axum::extract::Query(params): axum::extract::Query<ReportParams>,
) -> Result<impl IntoResponse, ApiError> {
    let period = medicaledu_app::cme::reports::Period {
        from: params.from,
        to: params.to,
    };
    let (from, to, lines) =
        medicaledu_app::cme::reports::activity_report(&state, &auth, course_id, period).await?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(64 + lines.len() * 160));
    let written: Result<(), csv::Error> = (|| {
        writer.write_record(medicaledu_app::cme::reports::REPORT_HEADER)?;
        for line in &lines {
            writer.write_record(
                line.fields(certificates::verify_url(&state, &line.certificate_code)),
            )?;
        }
        Ok(())
    })();
    written.map_err(ApiError::internal)?;
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::internal(csv::Error::from(e.into_error())))?;
    let disposition = format!("attachment; filename=\"cme-report-{from}-{to}.csv\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/csv; charset=utf-8; header=present".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    ))
}
