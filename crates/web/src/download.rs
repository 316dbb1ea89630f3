//! Reports as CSV downloads: RFC 4180 (CRLF line ends, fields quoted where
//! needed) with a header row, streamed a chunk of rows at a time so the
//! encoded file is never held whole. The rows come from a report already
//! summed in memory; an export of stored rows of any length streams its own
//! pages instead (see `admin::audit`).

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// Rows encoded per chunk of the body.
const CHUNK_ROWS: usize = 200;

/// Rows as CSV, with `header` first when given.
fn encode(header: Option<&[&str]>, rows: &[Vec<String>]) -> Result<Bytes, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(64 + rows.len() * 96));
    if let Some(header) = header {
        writer.write_record(header)?;
    }
    for row in rows {
        writer.write_record(row)?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// `rows` under `header` as an attachment named `filename`, of which only
/// ASCII letters, digits, `-`, `_` and `.` are kept (the name goes into a
/// header as it is).
pub fn csv(filename: &str, header: &'static [&'static str], rows: Vec<Vec<String>>) -> Response {
    let mut rows = rows.into_iter().peekable();
    let mut first = true;
    let chunks = std::iter::from_fn(move || {
        if !first && rows.peek().is_none() {
            return None;
        }
        let chunk: Vec<Vec<String>> = rows.by_ref().take(CHUNK_ROWS).collect();
        let bytes = encode(first.then_some(header), &chunk).map_err(std::io::Error::other);
        first = false;
        Some(bytes)
    });
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(futures_util::stream::iter(chunks)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_rfc_4180_under_their_header() {
        let bytes = encode(
            Some(&["course", "net"]),
            &[vec!["Airway, \"advanced\"".to_owned(), "-5.00".to_owned()]],
        )
        .expect("csv");
        assert_eq!(
            std::str::from_utf8(&bytes).expect("utf-8"),
            "course,net\r\n\"Airway, \"\"advanced\"\"\",-5.00\r\n"
        );
        assert!(encode(None, &[]).expect("csv").is_empty());
    }
}
