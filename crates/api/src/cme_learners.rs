//! Continuing medical education from the learner's side: their CME profile,
//! licences, credits earned elsewhere and transcript (JSON and CSV). The
//! handlers call the use cases of `medicaledu_app::cme_learners`; everything
//! is the signed-in learner's own, and another's is "not found".

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use medicaledu_app::cme_learners::{
    self as app, ExternalCredit, ExternalCreditInput, HeldLicence, LicenceInput, LicenceStanding,
    ProfileInput, TopicInput, Transcript, TranscriptLine, TranscriptQuery,
};
use medicaledu_domain::{CreditAmount, Id, Timestamp};
use medicaledu_store::cme_learners::ProfileRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::problem::Answers;
use crate::problem::problems;
use crate::{ApiError, AppState, Ids, Json};

problems!(
    app::ProfileError,
    app::CreateLicenceError,
    app::UpdateLicenceError,
    app::DeleteLicenceError,
    app::CreateExternalCreditError,
    app::DeleteExternalCreditError,
    app::TranscriptError,
);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_cme_profile, put_cme_profile))
        .routes(routes!(list_licences, create_licence))
        .routes(routes!(update_licence, delete_licence))
        .routes(routes!(list_external_credits, create_external_credit))
        .routes(routes!(delete_external_credit))
        .routes(routes!(get_transcript))
        .routes(routes!(get_transcript_csv))
        .routes(routes!(get_transcript_pdf))
}

crate::problem::problem_codes! {
    get_cme_profile => Answers::route().signed_in().failure::<medicaledu_app::ReadError>(),
    put_cme_profile => Answers::route().signed_in_write().json_body().failure::<app::ProfileError>(),
    list_licences => Answers::route().signed_in().failure::<medicaledu_app::ReadError>(),
    create_licence => Answers::route().signed_in_write().json_body().failure::<app::CreateLicenceError>(),
    update_licence => Answers::route().signed_in_write().path_ids().json_body().failure::<app::UpdateLicenceError>(),
    delete_licence => Answers::route().signed_in_write().path_ids().failure::<app::DeleteLicenceError>(),
    list_external_credits => Answers::route().signed_in().failure::<medicaledu_app::ReadError>(),
    create_external_credit => Answers::route().signed_in_write().json_body().failure::<app::CreateExternalCreditError>(),
    delete_external_credit => Answers::route().signed_in_write().path_ids().failure::<app::DeleteExternalCreditError>(),
    get_transcript => Answers::route().signed_in().query().failure::<app::TranscriptError>(),
    get_transcript_csv => Answers::route().signed_in().query().failure::<app::TranscriptError>(),
    get_transcript_pdf => Answers::route().signed_in().query().failure::<app::TranscriptError>(),
}

/// A number of credits with at most two decimals: a JSON number (`2.5`) or
/// its decimal text (`"2.5"`), read exactly.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Decimal {
    Number(serde_json::Number),
    Text(String),
}

impl Decimal {
    fn text(self) -> String {
        match self {
            Decimal::Number(number) => number.to_string(),
            Decimal::Text(text) => text,
        }
    }
}

// The CME profile.

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CmeProfileRequest {
    /// `physician`, `physician_assistant`, `nurse_practitioner`, `nurse`,
    /// `midwife`, `pharmacist`, `dentist`, `psychologist`, `social_worker`,
    /// `dietitian`, `physiotherapist`, `paramedic` or `other`.
    pub profession: String,
    /// 1 to 12; with `birth_day`, or neither.
    pub birth_month: Option<i64>,
    /// A day of `birth_month` (29 February included).
    pub birth_day: Option<i64>,
    /// The number your board knows you by, for reports; blank or null for none.
    pub board_number: Option<String>,
    /// Whether you consent to your completions being reported to your board.
    pub report_consent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CmeProfile {
    pub profession: String,
    pub birth_month: Option<i64>,
    pub birth_day: Option<i64>,
    pub board_number: Option<String>,
    pub report_consent: bool,
    /// When the consent standing now was given.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub report_consent_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<ProfileRow> for CmeProfile {
    fn from(row: ProfileRow) -> Self {
        CmeProfile {
            profession: row.profession.as_str().to_owned(),
            birth_month: row.birth_month,
            birth_day: row.birth_day,
            board_number: row.board_number,
            report_consent: row.report_consent_at.is_some(),
            report_consent_at: row.report_consent_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Your CME profile.
#[utoipa::path(
    get,
    path = "/api/v1/me/cme-profile",
    tag = "cme",
    responses((status = 200, body = CmeProfile))
)]
pub async fn get_cme_profile(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<CmeProfile>, ApiError> {
    Ok(Json(app::get_profile(&state, &auth).await?.into()))
}

/// Save your CME profile whole: 201 the first time, 200 after.
///
/// Consent to be reported is dated when given and keeps that date while it
/// stands; withdrawing it clears the date.
#[utoipa::path(
    put,
    path = "/api/v1/me/cme-profile",
    tag = "cme",
    request_body = CmeProfileRequest,
    responses((status = 201, body = CmeProfile), (status = 200, body = CmeProfile))
)]
pub async fn put_cme_profile(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<CmeProfileRequest>,
) -> Result<(StatusCode, Json<CmeProfile>), ApiError> {
    let input = ProfileInput {
        profession: body.profession,
        birth_month: body.birth_month,
        birth_day: body.birth_day,
        board_number: body.board_number,
        report_consent: body.report_consent,
    };
    let (row, created) = app::put_profile(&state, &auth, &meta, input).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(row.into())))
}

// Licences.

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicRequest {
    pub topic: String,
    #[schema(value_type = f64)]
    pub credits: Decimal,
}

/// A licence's terms. Creating one needs every field but the lists; on
/// update, absent fields stay and a list given replaces the old one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenceRequest {
    /// One of the professions of the CME profile.
    pub profession: Option<String>,
    /// The board or state that issued it.
    pub jurisdiction: Option<String>,
    pub number: Option<String>,
    /// The next renewal, `YYYY-MM-DD`: the current cycle ends that day.
    #[schema(value_type = Option<String>, format = Date)]
    pub renews_on: Option<String>,
    /// Months per renewal cycle, 1 to 120.
    pub cycle_months: Option<i64>,
    /// Credits each cycle requires, topic credits included (`40`, `2.5`).
    #[schema(value_type = Option<f64>)]
    pub required_credits: Option<Decimal>,
    /// Credits required on particular topics.
    pub required_topics: Option<Vec<TopicRequest>>,
    /// The credit types the board accepts; empty accepts every type.
    pub accepted_credit_types: Option<Vec<String>>,
}

impl From<LicenceRequest> for LicenceInput {
    fn from(body: LicenceRequest) -> Self {
        LicenceInput {
            profession: body.profession,
            jurisdiction: body.jurisdiction,
            number: body.number,
            renews_on: body.renews_on,
            cycle_months: body.cycle_months,
            required_credits: body.required_credits.map(Decimal::text),
            required_topics: body.required_topics.map(|topics| {
                topics
                    .into_iter()
                    .map(|t| TopicInput {
                        topic: t.topic,
                        credits: t.credits.text(),
                    })
                    .collect()
            }),
            accepted_credit_types: body.accepted_credit_types,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicCredits {
    pub topic: String,
    #[schema(value_type = f64)]
    pub credits: CreditAmount,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Licence {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub profession: String,
    pub jurisdiction: String,
    pub number: String,
    #[schema(value_type = String, format = Date)]
    pub renews_on: NaiveDate,
    pub cycle_months: i64,
    /// The current cycle runs from the day after this through `renews_on`.
    #[schema(value_type = String, format = Date)]
    pub previous_renewal: NaiveDate,
    #[schema(value_type = f64)]
    pub required_credits: CreditAmount,
    pub required_topics: Vec<TopicCredits>,
    pub accepted_credit_types: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<HeldLicence> for Licence {
    fn from(held: HeldLicence) -> Self {
        let previous_renewal = held.licence.previous_renewal();
        let licence = held.licence;
        Licence {
            id: held.id,
            profession: licence.profession.as_str().to_owned(),
            jurisdiction: licence.jurisdiction.as_str().to_owned(),
            number: licence.number.as_str().to_owned(),
            renews_on: licence.renews_on,
            cycle_months: licence.cycle_months,
            previous_renewal,
            required_credits: licence.required,
            required_topics: licence
                .required_topics
                .into_iter()
                .map(|t| TopicCredits {
                    topic: t.topic.as_str().to_owned(),
                    credits: t.credits,
                })
                .collect(),
            accepted_credit_types: licence
                .accepted_credit_types
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            created_at: held.created_at,
            updated_at: held.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Licences {
    /// The next renewal first.
    pub items: Vec<Licence>,
}

/// Your licences, the next renewal first.
#[utoipa::path(
    get,
    path = "/api/v1/me/licences",
    tag = "cme",
    responses((status = 200, body = Licences))
)]
pub async fn list_licences(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Licences>, ApiError> {
    let items = app::list_licences(&state, &auth).await?;
    Ok(Json(Licences {
        items: items.into_iter().map(Licence::from).collect(),
    }))
}

/// Record a licence you hold and what its renewal requires.
#[utoipa::path(
    post,
    path = "/api/v1/me/licences",
    tag = "cme",
    request_body = LicenceRequest,
    responses((status = 201, body = Licence))
)]
pub async fn create_licence(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<LicenceRequest>,
) -> Result<(StatusCode, Json<Licence>), ApiError> {
    let held = app::create_licence(&state, &auth, &meta, body.into()).await?;
    Ok((StatusCode::CREATED, Json(held.into())))
}

/// Change one of your licences. Absent fields stay.
#[utoipa::path(
    patch,
    path = "/api/v1/me/licences/{id}",
    tag = "cme",
    params(("id" = String, Path, description = "Licence id")),
    request_body = LicenceRequest,
    responses((status = 200, body = Licence))
)]
pub async fn update_licence(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<LicenceRequest>,
) -> Result<Json<Licence>, ApiError> {
    let held = app::update_licence(&state, &auth, &meta, id, body.into()).await?;
    Ok(Json(held.into()))
}

/// Delete one of your licences.
#[utoipa::path(
    delete,
    path = "/api/v1/me/licences/{id}",
    tag = "cme",
    params(("id" = String, Path, description = "Licence id")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_licence(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<StatusCode, ApiError> {
    app::delete_licence(&state, &auth, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// External credits.

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalCreditRequest {
    pub title: String,
    pub provider_name: String,
    /// What the accreditor calls the credit, e.g. `AMA PRA Category 1 Credit™`.
    pub credit_type: String,
    /// More than zero, at most two decimals.
    #[schema(value_type = f64)]
    pub credits: Decimal,
    /// `YYYY-MM-DD`, not in the future.
    #[schema(value_type = String, format = Date)]
    pub earned_on: String,
    #[serde(default)]
    pub topics: Vec<String>,
}

/// Credit earned elsewhere, as you reported it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalCreditView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub title: String,
    pub provider_name: String,
    pub credit_type: String,
    #[schema(value_type = f64)]
    pub credits: CreditAmount,
    #[schema(value_type = String, format = Date)]
    pub earned_on: NaiveDate,
    pub topics: Vec<String>,
    /// Always `self_reported`.
    pub source: String,
    /// Always true: no certificate of ours proves it.
    pub self_reported: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<ExternalCredit> for ExternalCreditView {
    fn from(credit: ExternalCredit) -> Self {
        ExternalCreditView {
            id: credit.id,
            title: credit.title,
            provider_name: credit.provider_name,
            credit_type: credit.credit_type.as_str().to_owned(),
            credits: credit.credits,
            earned_on: credit.earned_on,
            topics: credit
                .topics
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            source: medicaledu_domain::CreditSource::SelfReported
                .as_str()
                .to_owned(),
            self_reported: true,
            created_at: credit.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalCredits {
    /// The latest first.
    pub items: Vec<ExternalCreditView>,
}

/// Credits you earned elsewhere, the latest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/external-credits",
    tag = "cme",
    responses((status = 200, body = ExternalCredits))
)]
pub async fn list_external_credits(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<ExternalCredits>, ApiError> {
    let items = app::list_external_credits(&state, &auth).await?;
    Ok(Json(ExternalCredits {
        items: items.into_iter().map(ExternalCreditView::from).collect(),
    }))
}

/// Record credit you earned elsewhere; it is marked self-reported.
#[utoipa::path(
    post,
    path = "/api/v1/me/external-credits",
    tag = "cme",
    request_body = ExternalCreditRequest,
    responses((status = 201, body = ExternalCreditView))
)]
pub async fn create_external_credit(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<ExternalCreditRequest>,
) -> Result<(StatusCode, Json<ExternalCreditView>), ApiError> {
    let input = ExternalCreditInput {
        title: body.title,
        provider_name: body.provider_name,
        credit_type: body.credit_type,
        credits: body.credits.text(),
        earned_on: body.earned_on,
        topics: body.topics,
    };
    let credit = app::create_external_credit(&state, &auth, &meta, input).await?;
    Ok((StatusCode::CREATED, Json(credit.into())))
}

/// Delete one of your external credits.
#[utoipa::path(
    delete,
    path = "/api/v1/me/external-credits/{id}",
    tag = "cme",
    params(("id" = String, Path, description = "External credit id")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_external_credit(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<StatusCode, ApiError> {
    app::delete_external_credit(&state, &auth, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// The transcript.

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TranscriptParams {
    /// The first day, `YYYY-MM-DD` (default: three years before `to`).
    #[param(format = Date)]
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD` (default: today in your zone).
    #[param(format = Date)]
    pub to: Option<String>,
}

impl From<TranscriptParams> for TranscriptQuery {
    fn from(params: TranscriptParams) -> Self {
        TranscriptQuery {
            from: params.from,
            to: params.to,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptEntry {
    #[schema(value_type = String, format = Date)]
    pub earned_on: NaiveDate,
    /// As the certificate printed it, for credit earned here.
    pub title: String,
    pub provider_name: String,
    pub credit_type: String,
    #[schema(value_type = f64)]
    pub credits: CreditAmount,
    pub topics: Vec<String>,
    /// `earned` (a certificate of ours proves it) or `self_reported`.
    pub source: String,
    pub self_reported: bool,
    /// The certificate of an earned entry.
    pub certificate_code: Option<String>,
    /// The external credit a self-reported entry records.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub external_credit_id: Option<Id>,
}

impl From<TranscriptLine> for TranscriptEntry {
    fn from(line: TranscriptLine) -> Self {
        TranscriptEntry {
            earned_on: line.earned_on,
            title: line.title,
            provider_name: line.provider_name,
            credit_type: line.credit_type.as_str().to_owned(),
            credits: line.credits,
            topics: line.topics.iter().map(|t| t.as_str().to_owned()).collect(),
            source: line.source.as_str().to_owned(),
            self_reported: line.source == medicaledu_domain::CreditSource::SelfReported,
            certificate_code: line.certificate_code,
            external_credit_id: line.external_credit_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditTotal {
    pub credit_type: String,
    #[schema(value_type = f64)]
    pub total: CreditAmount,
    /// The self-reported part of `total`.
    #[schema(value_type = f64)]
    pub self_reported: CreditAmount,
}

/// How far one requirement is met.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementStanding {
    #[schema(value_type = f64)]
    pub required: CreditAmount,
    #[schema(value_type = f64)]
    pub earned: CreditAmount,
    /// Zero when met.
    #[schema(value_type = f64)]
    pub short_by: CreditAmount,
    pub met: bool,
}

impl From<medicaledu_domain::Requirement> for RequirementStanding {
    fn from(requirement: medicaledu_domain::Requirement) -> Self {
        RequirementStanding {
            required: requirement.required,
            earned: requirement.earned,
            short_by: requirement.short_by,
            met: requirement.is_met(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicStanding {
    pub topic: String,
    #[serde(flatten)]
    pub requirement: RequirementStanding,
}

/// A licence and where its current cycle stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct LicenceStatus {
    pub licence: Licence,
    /// `met` when the total and every topic are, else `short`.
    pub status: String,
    /// For people: `met`, or `short by 1` and each topic short.
    pub summary: String,
    /// The cycle counted: from the day after this through `renews_on`.
    #[schema(value_type = String, format = Date)]
    pub previous_renewal: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub renews_on: NaiveDate,
    pub total: RequirementStanding,
    pub topics: Vec<TopicStanding>,
}

/// "met", or "short by 1.5; short by 1 on ethics".
fn english_summary(status: &medicaledu_domain::LicenceStatus) -> String {
    let mut short = Vec::new();
    if !status.total.is_met() {
        short.push(format!("short by {}", status.total.short_by));
    }
    for topic in status.topics.iter().filter(|t| !t.requirement.is_met()) {
        short.push(format!(
            "short by {} on {}",
            topic.requirement.short_by, topic.topic
        ));
    }
    if short.is_empty() {
        "met".to_owned()
    } else {
        short.join("; ")
    }
}

impl From<LicenceStanding> for LicenceStatus {
    fn from(standing: LicenceStanding) -> Self {
        let status = standing.status;
        LicenceStatus {
            licence: standing.licence.into(),
            status: if status.is_met() { "met" } else { "short" }.to_owned(),
            summary: english_summary(&status),
            previous_renewal: status.previous_renewal,
            renews_on: status.renews_on,
            total: status.total.into(),
            topics: status
                .topics
                .into_iter()
                .map(|t| TopicStanding {
                    topic: t.topic.as_str().to_owned(),
                    requirement: t.requirement.into(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptView {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// The period's credits, oldest first.
    pub entries: Vec<TranscriptEntry>,
    /// The period's credits per type.
    pub totals: Vec<CreditTotal>,
    /// Each licence's current cycle, whatever the period.
    pub licences: Vec<LicenceStatus>,
}

impl From<Transcript> for TranscriptView {
    fn from(transcript: Transcript) -> Self {
        TranscriptView {
            from: transcript.from,
            to: transcript.to,
            entries: transcript
                .lines
                .into_iter()
                .map(TranscriptEntry::from)
                .collect(),
            totals: transcript
                .totals
                .into_iter()
                .map(|t| CreditTotal {
                    credit_type: t.credit_type.as_str().to_owned(),
                    total: t.total,
                    self_reported: t.self_reported,
                })
                .collect(),
            licences: transcript
                .licences
                .into_iter()
                .map(LicenceStatus::from)
                .collect(),
        }
    }
}

/// Your transcript of a period, and where each licence stands.
///
/// Credit earned here comes from certificates in force, as they were
/// issued; credit earned elsewhere is marked self-reported. The period is
/// the three years ending today unless asked otherwise.
#[utoipa::path(
    get,
    path = "/api/v1/me/transcript",
    tag = "cme",
    params(TranscriptParams),
    responses((status = 200, body = TranscriptView))
)]
pub async fn get_transcript(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<TranscriptParams>,
) -> Result<Json<TranscriptView>, ApiError> {
    let transcript = app::transcript(&state, &auth, params.into()).await?;
    Ok(Json(transcript.into()))
}

/// The lines as RFC 4180 CSV (CRLF line ends, quotes where needed) under
/// a header row.
fn transcript_csv(lines: &[TranscriptLine]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(64 + lines.len() * 128));
    writer.write_record(app::TRANSCRIPT_HEADER)?;
    for line in lines {
        writer.write_record(line.fields())?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Your transcript of a period as CSV, one row per entry.
#[utoipa::path(
    get,
    path = "/api/v1/me/transcript.csv",
    tag = "cme",
    params(TranscriptParams),
    responses((status = 200, description = "The entries as CSV under a header row", content_type = "text/csv", body = String))
)]
pub async fn get_transcript_csv(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<TranscriptParams>,
) -> Result<Response, ApiError> {
    let transcript = app::transcript(&state, &auth, params.into()).await?;
    let bytes = transcript_csv(&transcript.lines).map_err(ApiError::internal)?;
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"transcript-{}-{}.csv\"",
        transcript.from, transcript.to
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// Your transcript of a period as a PDF.
///
/// The entries, totals per credit type and where each licence stands.
#[utoipa::path(
    get,
    path = "/api/v1/me/transcript.pdf",
    tag = "cme",
    params(TranscriptParams),
    responses((status = 200, description = "The transcript", content((crate::schema_view::Binary = "application/pdf"))))
)]
pub async fn get_transcript_pdf(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<TranscriptParams>,
) -> Result<Response, ApiError> {
    let transcript = app::transcript(&state, &auth, params.into()).await?;
    let bytes = app::transcript_pdf(
        &transcript,
        &auth.0.user.full_name,
        state.now().as_datetime().date_naive(),
        &English,
    )
    .map_err(app::TranscriptError::Internal)?;
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"transcript-{}-{}.pdf\"",
        transcript.from, transcript.to
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// The API's transcripts are in English, like its problem documents.
struct English;

impl app::TranscriptWording for English {
    fn labels(&self) -> medicaledu_documents::TranscriptLabels {
        medicaledu_documents::TranscriptLabels::english()
    }

    fn certificate(&self, code: &str) -> String {
        format!("Certificate {code}")
    }

    fn self_reported(&self) -> String {
        "Self-reported".to_owned()
    }

    fn licence(&self, licence: &medicaledu_domain::Licence) -> String {
        format!(
            "{}, {}, {} (renews {})",
            licence.profession.as_str(),
            licence.jurisdiction.as_str(),
            licence.number.as_str(),
            licence.renews_on
        )
    }

    fn standing(&self, status: &medicaledu_domain::LicenceStatus) -> String {
        english_summary(status)
    }
}

#[cfg(test)]
mod tests {
    use medicaledu_domain::{CreditSource, CreditTypeName, Topic};

    use super::*;

    #[test]
    fn csv_rows_are_quoted_where_needed() {
        let line = TranscriptLine {
            earned_on: "2026-03-01".parse().expect("date"),
            title: "Sepsis, \"the first hour\"".to_owned(),
            provider_name: "Society".to_owned(),
            credit_type: CreditTypeName::parse("AMA PRA Category 1 Credit™").expect("valid"),
            credits: CreditAmount::parse("1.5").expect("valid"),
            topics: vec![
                Topic::parse("sepsis").expect("valid"),
                Topic::parse("critical care").expect("valid"),
            ],
            source: CreditSource::SelfReported,
            certificate_code: None,
            external_credit_id: None,
        };
        let bytes = transcript_csv(&[line]).expect("csv");
        assert_eq!(
            std::str::from_utf8(&bytes).expect("utf-8"),
            "earned_on,title,provider_name,credit_type,credits,source,certificate_code,topics\r\n\
             2026-03-01,\"Sepsis, \"\"the first hour\"\"\",Society,AMA PRA Category 1 Credit™,1.5,\
             self_reported,,sepsis; critical care\r\n"
        );
    }
}
