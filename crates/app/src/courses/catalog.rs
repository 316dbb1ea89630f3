//! The public catalog: published courses, filtered, sorted and paged by a
//! cursor that names the sort order it was issued for.

use medicaledu_domain::{CourseLevel, Currency, Id, Timestamp};
use medicaledu_store::courses::{self, CatalogFilter, CatalogKey, CatalogSort, CourseRow};

use crate::{AppContext, DEFAULT_LIMIT, Fields, MAX_LIMIT, Page, ReadError};

/// The catalog's filters as the caller sends them, unchecked.
#[derive(Clone, Debug, Default)]
pub struct CatalogQuery {
    pub category: Option<String>,
    pub specialty: Option<String>,
    pub level: Option<String>,
    pub language: Option<String>,
    /// Instructor id.
    pub instructor: Option<String>,
    pub currency: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub free: Option<bool>,
    /// Only priced courses (pages offer "free or paid"; the API has `free`).
    pub paid: Option<bool>,
    /// Minimum average rating, 0 to 5.
    pub min_rating: Option<f64>,
    pub q: Option<String>,
    /// `newest` (default), `rating`, `price` or `popularity`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// One page of the catalog.
pub async fn list_catalog(
    ctx: &AppContext,
    query: CatalogQuery,
) -> Result<Page<CourseRow>, ReadError> {
    let (filter, limit) = parse(query)?;
    let mut rows = courses::catalog(&ctx.db, &filter).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    // Not `crate::page`: the cursor holds this sort order's key, not a time.
    let next_cursor = has_more
        .then(|| {
            rows.last()
                .map(|r| encode_cursor(filter.sort, r.catalog_key(filter.sort), r.id))
        })
        .flatten();
    Ok(Page {
        items: rows,
        next_cursor,
    })
}

/// Checks every filter, naming each one refused, and builds the store's
/// filter (asking one row more than a page, to tell whether another follows)
/// and the page size.
fn parse(params: CatalogQuery) -> Result<(CatalogFilter, i64), crate::Invalid> {
    let mut fields = Fields::default();
    let sort = match params.sort.as_deref() {
        None | Some("newest") => CatalogSort::Newest,
        Some("rating") => CatalogSort::Rating,
        Some("price") => CatalogSort::Price,
        Some("popularity") => CatalogSort::Popularity,
        Some(_) => {
            fields.reject(
                "sort",
                "invalid",
                "must be one of: newest, rating, price, popularity",
            );
            CatalogSort::Newest
        }
    };
    let level = params
        .level
        .as_deref()
        .and_then(|v| fields.check("level", v.parse::<CourseLevel>()));
    let currency = params
        .currency
        .as_deref()
        .and_then(|v| fields.check("currency", Currency::parse(v)));
    let instructor_id = params.instructor.as_deref().and_then(|v| {
        v.parse::<Id>()
            .map_err(|_| fields.reject("instructor", "invalid", "must be a UUID"))
            .ok()
    });
    if (params.min_price.is_some() || params.max_price.is_some()) && params.currency.is_none() {
        fields.reject(
            "currency",
            "required",
            "a price range needs a currency: prices in different currencies do not compare",
        );
    }
    for (name, value) in [
        ("min_price", params.min_price),
        ("max_price", params.max_price),
    ] {
        if value.is_some_and(|v| v < 0) {
            fields.reject(name, "out_of_range", "must not be negative");
        }
    }
    let min_rating = match params.min_rating {
        Some(r) if (0.0..=5.0).contains(&r) => Some((r * 100.0).round() as i64),
        Some(_) => {
            fields.reject("min_rating", "out_of_range", "must be between 0 and 5");
            None
        }
        None => None,
    };
    let limit = match params.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            fields.reject("limit", "out_of_range", "must be between 1 and 100");
            DEFAULT_LIMIT
        }
    };
    let after = match &params.cursor {
        Some(c) => {
            let decoded = decode_cursor(sort, c);
            if decoded.is_none() {
                fields.reject(
                    "cursor",
                    "invalid",
                    "not a cursor this API issued for this sort order",
                );
            }
            decoded
        }
        None => None,
    };
    let query = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if query.is_some_and(|q| q.chars().count() > 100) {
        fields.reject("q", "too_long", "must be at most 100 characters long");
    }
    let query = query.map(str::to_owned);
    fields.finish()?;
    let filter = CatalogFilter {
        category: params.category.map(|c| c.trim().to_owned()),
        specialty: params.specialty.map(|s| s.trim().to_owned()),
        level,
        language: params.language,
        instructor_id,
        currency: currency.map(|c| c.as_str().to_owned()),
        min_price_minor: params.min_price,
        max_price_minor: params.max_price,
        free_only: params.free.unwrap_or(false),
        paid_only: params.paid.unwrap_or(false),
        min_rating_hundredths: min_rating,
        query,
        sort,
        after,
        limit: limit + 1,
    };
    Ok((filter, limit))
}

fn sort_name(sort: CatalogSort) -> &'static str {
    match sort {
        CatalogSort::Newest => "newest",
        CatalogSort::Rating => "rating",
        CatalogSort::Price => "price",
        CatalogSort::Popularity => "popularity",
    }
}

fn encode_cursor(sort: CatalogSort, key: CatalogKey, id: Id) -> String {
    let key = match key {
        CatalogKey::Time(t) => t.as_datetime().timestamp_micros(),
        CatalogKey::Number(n) => n,
    };
    format!("{}.{key}.{id}", sort_name(sort))
}

fn decode_cursor(sort: CatalogSort, cursor: &str) -> Option<(CatalogKey, Id)> {
    let mut parts = cursor.splitn(3, '.');
    let (name, key, id) = (parts.next()?, parts.next()?, parts.next()?);
    if name != sort_name(sort) {
        return None;
    }
    let key: i64 = key.parse().ok()?;
    let key = match sort {
        CatalogSort::Newest => CatalogKey::Time(Timestamp::from(
            chrono::DateTime::from_timestamp_micros(key)?,
        )),
        _ => CatalogKey::Number(key),
    };
    Some((key, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_per_sort_and_refuse_another_sort() {
        let id = Id::generate();
        let at = Timestamp::now();
        let newest = encode_cursor(CatalogSort::Newest, CatalogKey::Time(at), id);
        assert_eq!(
            decode_cursor(CatalogSort::Newest, &newest),
            Some((CatalogKey::Time(at), id))
        );
        assert_eq!(decode_cursor(CatalogSort::Price, &newest), None);
        let price = encode_cursor(CatalogSort::Price, CatalogKey::Number(1500), id);
        assert_eq!(
            decode_cursor(CatalogSort::Price, &price),
            Some((CatalogKey::Number(1500), id))
        );
        assert_eq!(decode_cursor(CatalogSort::Price, "price.x.y"), None);
    }
}
