//! Keyset pagination: lists answer `{items, next_cursor}`, and the cursor names
//! the last row served, so pages stay stable while rows are added.

use medicaledu_domain::{Id, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{ApiError, FieldError};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PageParams {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::validation(vec![FieldError::new(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )])),
        }
    }

    /// The `(created_at, id)` position the cursor names.
    pub fn after(&self) -> Result<Option<(Timestamp, Id)>, ApiError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        decode(cursor).map(Some).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "cursor",
                "invalid",
                "not a cursor this API issued",
            )])
        })
    }
}

/// One more row than the page size is fetched to learn whether a next page exists.
pub fn page<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> (Timestamp, Id),
    view: impl Fn(R) -> T,
) -> Page<T> {
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if has_more {
        rows.last().map(|r| encode(key(r)))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    }
}

fn encode((at, id): (Timestamp, Id)) -> String {
    format!("{}_{id}", at.as_datetime().timestamp_micros())
}

fn decode(cursor: &str) -> Option<(Timestamp, Id)> {
    let (micros, id) = cursor.split_once('_')?;
    let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((Timestamp::from(at), id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let key = (Timestamp::now(), Id::generate());
        assert_eq!(decode(&encode(key)), Some(key));
        assert_eq!(decode("garbage"), None);
        assert_eq!(decode("12_not-an-id"), None);
    }

    #[test]
    fn page_reports_next_cursor_only_when_more_rows_exist() {
        let rows: Vec<(Timestamp, Id)> =
            (0..3).map(|_| (Timestamp::now(), Id::generate())).collect();
        let full = page(rows.clone(), 2, |r| *r, |r| r.1);
        assert_eq!(full.items.len(), 2);
        assert!(full.next_cursor.is_some());
        let last = page(rows, 3, |r| *r, |r| r.1);
        assert!(last.next_cursor.is_none());
    }
}
