//! The live schema for people and tools: `GET /api/v1/schema` exports it
//! (DBML, SQL, JSON, Mermaid, or the diagram as SVG, PNG or PDF), and
//! `GET /schema` is an interactive diagram viewer in one self-contained page.
//!
//! Everything the page needs is compiled in: its HTML, CSS and script
//! (`assets/`, inlined into the page) and the diagram's font (served from
//! `/schema/fonts/`, so browsers measure text as the layout did). The page
//! loads nothing from anywhere else, and its Content-Security-Policy says so.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use bytes::Bytes;
use medicaledu_app::schema::{self, SchemaError};
use medicaledu_diagram::{DiagramError, ImageFormat, Options, Theme};
use medicaledu_schema::{ExportFormat, Schema};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::problem::Answers;
use crate::{ApiError, AppState, FieldError};

crate::problem::problems!(SchemaError);

const PAGE: &str = include_str!("../assets/schema.html");
const STYLE: &str = include_str!("../assets/schema.css");
const SCRIPT: &str = include_str!("../assets/schema.js");

/// The largest PNG scale the API renders; the command line goes higher.
const MAX_API_SCALE: f32 = 4.0;
/// The smallest: below it a diagram has no pixels left to draw. (0.125 is
/// exact in binary, so the document and the check agree on it.)
const MIN_API_SCALE: f32 = 0.125;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schema_export))
        .layer(Extension(Arc::new(Rendered::default())))
        .route("/schema", get(viewer))
        .route("/schema/fonts/{file}", get(font))
}

crate::problem::problem_codes! {
    // Options are checked by hand (422); the diagram renders from the live schema.
    schema_export => Answers::route().query().parsed_body().failure::<SchemaError>(),
}

/// Every format `GET /api/v1/schema` serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Text(ExportFormat),
    Diagram(ImageFormat),
}

impl Format {
    fn parse(s: &str) -> Option<Format> {
        s.parse()
            .map(Format::Text)
            .or_else(|_| s.parse().map(Format::Diagram))
            .ok()
    }

    fn names() -> String {
        let mut names: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.name()).collect();
        names.extend(ImageFormat::ALL.iter().map(|f| f.name()));
        names.join(", ")
    }
}

/// A file's bytes (PNG, PDF), for the OpenAPI document.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SchemaParams {
    /// `dbml`, `postgres` or `sqlite` (DDL), `json` (the default, also for
    /// an empty value), `mermaid`, or the diagram as `svg`, `png` or `pdf`.
    #[param(value_type = Option<SchemaFormatText>, inline)]
    pub format: Option<String>,
    /// Diagram formats: `light` (the default, also for an empty value) or `dark`.
    #[param(value_type = Option<ThemeText>, inline)]
    pub theme: Option<String>,
    /// Diagram formats: comma-separated tables to draw, with their direct
    /// neighbours faded.
    pub tables: Option<String>,
    /// Diagram formats: an area (`identity`, `catalog`, `scheduling`,
    /// `commerce`, `engagement`) to draw, with its direct neighbours faded.
    pub group: Option<String>,
    /// PNG: device pixels per diagram pixel, 0.125 to 4 (default 1).
    #[param(value_type = Option<f64>, minimum = 0.125, maximum = 4)]
    pub scale: Option<String>,
}

/// The `format` values: every format's name, or empty for the default.
pub struct SchemaFormatText;

impl utoipa::PartialSchema for SchemaFormatText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let names = Format::names();
        let values = std::iter::once("").chain(names.split(", "));
        utoipa::openapi::schema::Schema::Object(crate::constraints::vocabulary(values)).into()
    }
}

impl ToSchema for SchemaFormatText {}

/// The `theme` values: each theme's name, or empty for the default.
pub struct ThemeText;

impl utoipa::PartialSchema for ThemeText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let values = ["", Theme::Light.name(), Theme::Dark.name()];
        utoipa::openapi::schema::Schema::Object(crate::constraints::vocabulary(values)).into()
    }
}

impl ToSchema for ThemeText {}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![FieldError::new(field, "invalid", message)])
}

fn diagram_options(params: &SchemaParams) -> Result<Options, ApiError> {
    let theme = match params.theme.as_deref() {
        None | Some("") => Theme::Light,
        Some(theme) => theme.parse().map_err(|e: String| invalid("theme", e))?,
    };
    let tables = params
        .tables
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Options {
        tables,
        group: params.group.clone().filter(|g| !g.trim().is_empty()),
        theme,
    })
}

fn diagram_error(error: DiagramError) -> ApiError {
    match error {
        DiagramError::UnknownTable(_) => invalid("tables", error.to_string()),
        DiagramError::UnknownGroup { .. } => invalid("group", error.to_string()),
        DiagramError::Scale(_) => invalid("scale", error.to_string()),
        DiagramError::Empty => ApiError::conflict("schema_empty", error.to_string()),
        DiagramError::Render(_) => ApiError::internal(error),
    }
}

/// Diagrams kept in memory at most; the query can name any set of tables, so
/// the cache must not grow with what clients make up.
const MAX_RENDERED: usize = 64;

/// What one diagram request asks for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct DiagramKey {
    format: ImageFormat,
    theme: Theme,
    tables: Vec<String>,
    group: Option<String>,
    scale_bits: u32,
}

/// Diagrams already drawn for one schema version: anonymous clients can ask
/// for a large PNG as often as they like, and drawing one costs a CPU for
/// most of a second.
#[derive(Default)]
pub struct Rendered {
    /// The schema version (its JSON export's digest) and its diagrams.
    drawn: Mutex<(String, HashMap<DiagramKey, Bytes>)>,
    /// One drawing at a time, so a flood of distinct requests queues here
    /// instead of taking every core.
    drawing: tokio::sync::Mutex<()>,
}

impl Rendered {
    fn get(&self, version: &str, key: &DiagramKey) -> Option<Bytes> {
        let drawn = self
            .drawn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (drawn.0 == version)
            .then(|| drawn.1.get(key).cloned())
            .flatten()
    }

    fn put(&self, version: &str, key: DiagramKey, body: Bytes) {
        let mut drawn = self
            .drawn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if drawn.0 != version || drawn.1.len() >= MAX_RENDERED {
            *drawn = (version.to_owned(), HashMap::new());
        }
        drawn.1.insert(key, body);
    }

    /// The diagram from memory, or drawn (once per schema version and key).
    async fn diagram(
        &self,
        schema: Schema,
        version: &str,
        options: Options,
        format: ImageFormat,
        scale: f32,
    ) -> Result<Bytes, ApiError> {
        let key = DiagramKey {
            format,
            theme: options.theme,
            tables: options.tables.clone(),
            group: options.group.clone(),
            scale_bits: scale.to_bits(),
        };
        if let Some(body) = self.get(version, &key) {
            return Ok(body);
        }
        let _turn = self.drawing.lock().await;
        // Whoever held the turn before may have drawn this very diagram.
        if let Some(body) = self.get(version, &key) {
            return Ok(body);
        }
        let body = Bytes::from(render_diagram(schema, options, format, scale).await?);
        self.put(version, key, body.clone());
        Ok(body)
    }
}

fn digest_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak tags match too,
/// as RFC 9110 asks for this header.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// Renders off the async runtime: a large PNG takes a while.
async fn render_diagram(
    schema: Schema,
    options: Options,
    format: ImageFormat,
    scale: f32,
) -> Result<Vec<u8>, ApiError> {
    tokio::task::spawn_blocking(move || {
        medicaledu_diagram::render(&schema, &options, format, scale)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(diagram_error)
}

/// The live database schema in any export format.
///
/// DBML, PostgreSQL or SQLite DDL, JSON, Mermaid, or the entity-relationship
/// diagram as SVG, PNG or PDF. The same exports as `medicaledu schema export`.
#[utoipa::path(
    get,
    path = "/api/v1/schema",
    tag = "meta",
    params(SchemaParams),
    responses(
        (status = 200, description = "The export, with the format's media type",
            content(
                (Object = "application/json"),
                (String = "application/sql"),
                (String = "text/plain"),
                (String = "image/svg+xml"),
                (Binary = "image/png"),
                (Binary = "application/pdf"),
            )),
        (status = 304, description = "Unchanged since the `ETag` named in `If-None-Match`"),
        (status = 422, description = "An unknown format, theme, table or group, or a scale out of range",
            body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn schema_export(
    State(state): State<AppState>,
    Extension(rendered): Extension<Arc<Rendered>>,
    headers: HeaderMap,
    Query(params): Query<SchemaParams>,
) -> Result<Response, ApiError> {
    let format = match params.format.as_deref() {
        None | Some("") => Format::Text(ExportFormat::Json),
        Some(name) => Format::parse(name).ok_or_else(|| {
            invalid(
                "format",
                format!(
                    "Unknown format {name:?}; expected one of: {}.",
                    Format::names()
                ),
            )
        })?,
    };
    let options = diagram_options(&params)?;
    let scale = match params.scale.as_deref() {
        None => 1.0,
        // Compared as the document's numbers are, before narrowing to `f32`.
        Some(text) => match text.parse::<f64>() {
            Ok(scale) if (f64::from(MIN_API_SCALE)..=f64::from(MAX_API_SCALE)).contains(&scale) => {
                scale as f32
            }
            _ => {
                return Err(invalid(
                    "scale",
                    format!("The scale must be a number from {MIN_API_SCALE} to {MAX_API_SCALE}."),
                ));
            }
        },
    };
    let schema = schema::live(&state).await?;
    let version = digest_hex(medicaledu_schema::export(&schema, ExportFormat::Json).as_bytes());
    let (body, media_type, extension) = match format {
        Format::Text(format) => (
            Bytes::from(medicaledu_schema::export(&schema, format)),
            format.media_type(),
            format.file_extension(),
        ),
        Format::Diagram(format) => (
            rendered
                .diagram(schema, &version, options, format, scale)
                .await?,
            format.media_type(),
            format.file_extension(),
        ),
    };
    let etag = format!("\"{}\"", digest_hex(&body));
    let etag_value = HeaderValue::from_str(&etag).map_err(ApiError::internal)?;
    if not_modified(&headers, &etag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag_value),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
        )
            .into_response());
    }
    let disposition = format!(
        "inline; filename=\"medicaledu-schema{}.{extension}\"",
        match format {
            Format::Text(ExportFormat::Postgres) => "-postgres",
            Format::Text(ExportFormat::Sqlite) => "-sqlite",
            _ => "",
        }
    );
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).map_err(ApiError::internal)?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::ETAG, etag_value),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ViewerParams {
    pub theme: Option<String>,
}

fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// JSON that can sit inside a `<script>` element: no `<` to end it early.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The interactive diagram: zoom, pan, click a table to see its relationships
/// and its columns, indexes, checks and notes; downloads of every export.
pub async fn viewer(
    State(state): State<AppState>,
    Query(params): Query<ViewerParams>,
) -> Result<Response, ApiError> {
    let theme = match params.theme.as_deref() {
        Some("dark") => Theme::Dark,
        _ => Theme::Light,
    };
    let schema = schema::live(&state).await?;
    let json = medicaledu_schema::export(&schema, ExportFormat::Json);
    let options = Options {
        theme,
        ..Options::default()
    };
    let svg = tokio::task::spawn_blocking(move || medicaledu_diagram::svg(&schema, &options))
        .await
        .map_err(ApiError::internal)?
        .map_err(diagram_error)?;
    let svg = svg
        .split_once("?>")
        .map_or(svg.as_str(), |(_, rest)| rest)
        .trim();
    let other_theme = match theme {
        Theme::Light => Theme::Dark,
        Theme::Dark => Theme::Light,
    };
    let page = PAGE
        .replace("{{THEME}}", theme.name())
        .replace("{{OTHER_THEME}}", other_theme.name())
        .replacen("/*{{STYLE}}*/", STYLE, 1)
        .replacen("/*{{SCRIPT}}*/", SCRIPT, 1)
        .replacen("{{SCHEMA_JSON}}", &script_safe(&json), 1)
        .replacen("<!--{{SVG}}-->", svg, 1);
    let policy = format!(
        "default-src 'none'; script-src {}; style-src {}; font-src 'self'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE),
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&policy).map_err(ApiError::internal)?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        page,
    )
        .into_response())
}

/// The diagram's font, for the viewer page.
pub async fn font(Path(file): Path<String>) -> Result<Response, ApiError> {
    let bytes: &'static [u8] = match file.as_str() {
        "DejaVuSans.ttf" => medicaledu_diagram::fonts::SANS,
        "DejaVuSans-Bold.ttf" => medicaledu_diagram::fonts::SANS_BOLD,
        "LICENSE" => medicaledu_diagram::fonts::LICENSE.as_bytes(),
        _ => return Err(ApiError::not_found("font")),
    };
    let media_type = if file == "LICENSE" {
        "text/plain; charset=utf-8"
    } else {
        "font/ttf"
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_parses() {
        for name in Format::names().split(", ") {
            assert!(Format::parse(name).is_some(), "{name}");
        }
        assert_eq!(Format::parse("bmp"), None);
    }

    #[test]
    fn the_page_has_every_placeholder() {
        for marker in [
            "{{THEME}}",
            "{{OTHER_THEME}}",
            "/*{{STYLE}}*/",
            "/*{{SCRIPT}}*/",
            "{{SCHEMA_JSON}}",
            "<!--{{SVG}}-->",
        ] {
            assert!(PAGE.contains(marker), "{marker}");
        }
        assert_eq!(script_safe("</script>"), "\\u003c/script>");
    }
}
