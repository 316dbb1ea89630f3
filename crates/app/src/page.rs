//! Keyset pagination: a list answers one page and a cursor naming the last
//! row served, so pages stay stable while rows are added.

use medicaledu_domain::{Id, Timestamp};

use crate::Invalid;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Which page a caller asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// The `(created_at, id)` position after which the page starts.
    pub after: Option<(Timestamp, Id)>,
    /// Rows per page, 1 to [`MAX_LIMIT`].
    pub limit: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            after: None,
            limit: DEFAULT_LIMIT,
        }
    }
}

impl PageRequest {
    /// Parses a cursor this platform issued and a page size; both are named
    /// (`cursor`, `limit`) when refused.
    pub fn parse(cursor: Option<&str>, limit: Option<i64>) -> Result<Self, Invalid> {
        let mut errors = Vec::new();
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                errors.push(crate::FieldError::new(
                    "limit",
                    "out_of_range",
                    format!("must be between 1 and {MAX_LIMIT}"),
                ));
                DEFAULT_LIMIT
            }
        };
        let after = match cursor {
            None => None,
            Some(cursor) => match decode(cursor) {
                Some(key) => Some(key),
                None => {
                    errors.push(crate::FieldError::new(
                        "cursor",
                        "invalid",
                        "not a cursor this API issued",
                    ));
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(Self { after, limit })
        } else {
            Err(Invalid(errors))
        }
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back as the cursor for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The same page with each item turned into another type.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// Builds a page from rows fetched with one row more than the page size,
/// which tells whether a next page exists.
pub fn page<R>(mut rows: Vec<R>, limit: i64, key: impl Fn(&R) -> (Timestamp, Id)) -> Page<R> {
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if has_more {
        rows.last().map(|r| encode(key(r)))
    } else {
        None
    };
    Page {
        items: rows,
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
        let full = page(rows.clone(), 2, |r| *r);
        assert_eq!(full.items.len(), 2);
        assert!(full.next_cursor.is_some());
        let last = page(rows, 3, |r| *r);
        assert!(last.next_cursor.is_none());
    }

    #[test]
    fn bad_limit_and_cursor_are_both_named() {
        let err = PageRequest::parse(Some("x"), Some(0)).expect_err("refused");
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["limit", "cursor"]);
    }
}
