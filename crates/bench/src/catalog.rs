//! One catalog search, as the HTTP query string a client sends and as the SQL
//! the store runs for it.
//!
//! The SQL is `medicaledu_store::courses::catalog_statement()`'s, for the
//! filter the API builds from the same query string, so the plans printed are
//! those of the statements the server runs.

use anyhow::{Context as _, bail, ensure};
use chrono::DateTime;
use medicaledu_domain::{CourseLevel, Id, Timestamp};
use medicaledu_store::Db;
use medicaledu_store::courses::{self, CatalogFilter, CatalogKey, CatalogSort};
use serde_json::Value;

/// The API's default page size (`pagination::DEFAULT_LIMIT`).
pub const DEFAULT_LIMIT: i64 = 20;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    Rating,
    Price,
    Popularity,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Rating => "rating",
            Sort::Price => "price",
            Sort::Popularity => "popularity",
        }
    }

    /// Descending orders page towards smaller keys.
    fn descending(self) -> bool {
        self != Sort::Price
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Key {
    Time(Timestamp),
    Number(i64),
}

/// The API's cursor: `{sort}.{key}.{id}`, the key in microseconds for `newest`.
pub fn encode_cursor(sort: Sort, key: Key, id: Id) -> String {
    let key = match key {
        Key::Time(t) => t.as_datetime().timestamp_micros(),
        Key::Number(n) => n,
    };
    format!("{}.{key}.{id}", sort.name())
}

fn decode_cursor(sort: Sort, cursor: &str) -> anyhow::Result<(Key, Id)> {
    let mut parts = cursor.splitn(3, '.');
    let (name, key, id) = match (parts.next(), parts.next(), parts.next()) {
        (Some(n), Some(k), Some(i)) => (n, k, i),
        _ => bail!("unexpected cursor format {cursor:?}"),
    };
    ensure!(name == sort.name(), "cursor {cursor:?} is not for {sort:?}");
    let key: i64 = key.parse().context("cursor key")?;
    let key = match sort {
        Sort::Newest => Key::Time(Timestamp::from(
            DateTime::from_timestamp_micros(key).context("cursor time")?,
        )),
        _ => Key::Number(key),
    };
    Ok((key, id.parse().context("cursor id")?))
}

#[derive(Clone, Debug, Default)]
pub struct Query {
    pub category: Option<String>,
    pub specialty: Option<String>,
    pub level: Option<String>,
    pub language: Option<String>,
    pub instructor: Option<Id>,
    pub currency: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub free: bool,
    pub min_rating: Option<f64>,
    pub q: Option<String>,
    /// `None` sends no `sort` (the default, newest).
    pub sort: Option<Sort>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

pub use medicaledu_store::courses::Param;

/// Binds every parameter, in order, to a query on either backend.
macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                $crate::catalog::Param::Text(v) => query.bind(v.clone()),
                $crate::catalog::Param::Int(v) => query.bind(*v),
                $crate::catalog::Param::Id(v) => query.bind(*v),
                $crate::catalog::Param::Time(v) => query.bind(*v),
            };
        }
        query
    }};
}
pub(crate) use bind_params;

impl Query {
    pub fn sort(&self) -> Sort {
        self.sort.unwrap_or_default()
    }

    /// `/api/v1/courses?…`
    pub fn path(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let mut text = |name: &str, value: &Option<String>| {
            if let Some(v) = value {
                query.append_pair(name, v);
            }
        };
        text("category", &self.category);
        text("specialty", &self.specialty);
        text("level", &self.level);
        text("language", &self.language);
        text("instructor", &self.instructor.map(|i| i.to_string()));
        text("currency", &self.currency);
        text("min_price", &self.min_price.map(|v| v.to_string()));
        text("max_price", &self.max_price.map(|v| v.to_string()));
        text("free", &self.free.then(|| "true".to_owned()));
        text("min_rating", &self.min_rating.map(|v| v.to_string()));
        text("q", &self.q);
        text("sort", &self.sort.map(|s| s.name().to_owned()));
        text("cursor", &self.cursor);
        text("limit", &self.limit.map(|v| v.to_string()));
        let query = query.finish();
        if query.is_empty() {
            "/api/v1/courses".to_owned()
        } else {
            format!("/api/v1/courses?{query}")
        }
    }

    /// The statement and parameters `courses::catalog()` runs on `db` for
    /// this request, with the filter built as the API's handler builds it
    /// (which asks for one row more than the page, to know if another follows).
    pub async fn sql(&self, db: &Db) -> anyhow::Result<(String, Vec<Param>)> {
        let sort = self.sort();
        let after = match &self.cursor {
            Some(cursor) => {
                let (key, id) = decode_cursor(sort, cursor)?;
                let key = match key {
                    Key::Time(t) => CatalogKey::Time(t),
                    Key::Number(n) => CatalogKey::Number(n),
                };
                Some((key, id))
            }
            None => None,
        };
        let filter = CatalogFilter {
            category: self.category.as_deref().map(|v| v.trim().to_owned()),
            specialty: self.specialty.as_deref().map(|v| v.trim().to_owned()),
            // The API refuses a level outside the vocabulary before it queries.
            level: self
                .level
                .as_deref()
                .map(str::parse::<CourseLevel>)
                .transpose()
                .map_err(|issue| anyhow::anyhow!("level: {}", issue.message))?,
            language: self.language.clone(),
            instructor_id: self.instructor,
            currency: self.currency.clone(),
            min_price_minor: self.min_price,
            max_price_minor: self.max_price,
            free_only: self.free,
            paid_only: false,
            min_rating_hundredths: self.min_rating.map(|v| (v * 100.0).round() as i64),
            query: self
                .q
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(str::to_owned),
            sort: match sort {
                Sort::Newest => CatalogSort::Newest,
                Sort::Rating => CatalogSort::Rating,
                Sort::Price => CatalogSort::Price,
                Sort::Popularity => CatalogSort::Popularity,
            },
            after,
            limit: self.limit.unwrap_or(DEFAULT_LIMIT) + 1,
        };
        Ok(courses::catalog_statement(db, &filter).await?)
    }
}

/// What a response must hold besides status 200 and well-formed items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// At least one course.
    Courses,
    /// A full page and a `next_cursor`.
    FullPage,
    /// No course at all.
    Nothing,
}

/// Checks a catalog page against its request: every item matches the filters,
/// the order is the requested one, the page is as full as expected.
/// Returns the number of items and the next cursor.
pub fn check(
    query: &Query,
    page: &Value,
    expect: Expect,
) -> anyhow::Result<(usize, Option<String>)> {
    let items = page["items"]
        .as_array()
        .context("response has no `items` array")?;
    let next_cursor = page["next_cursor"].as_str().map(str::to_owned);
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    ensure!(
        items.len() as i64 <= limit,
        "{} items, more than limit {limit}",
        items.len()
    );
    match expect {
        Expect::Courses => ensure!(!items.is_empty(), "expected courses, got an empty page"),
        Expect::FullPage => ensure!(
            items.len() as i64 == limit && next_cursor.is_some(),
            "expected a full page of {limit} and a next_cursor, got {} items, cursor {next_cursor:?}",
            items.len()
        ),
        Expect::Nothing => ensure!(items.is_empty(), "expected no course, got {}", items.len()),
    }
    let text = |item: &Value, field: &str| item[field].as_str().map(str::to_owned);
    let int = |item: &Value, field: &str| item[field].as_i64();
    for item in items {
        let id = item["id"].as_str().unwrap_or("?");
        ensure!(
            item["status"] == "published",
            "course {id} is not published"
        );
        let equal = [
            ("category", &query.category),
            ("specialty", &query.specialty),
            ("level", &query.level),
            ("language", &query.language),
            ("currency", &query.currency),
        ];
        for (field, wanted) in equal {
            if let Some(wanted) = wanted {
                ensure!(
                    text(item, field).as_deref() == Some(wanted.as_str()),
                    "course {id}: {field} is {}, filter asked for {wanted}",
                    item[field]
                );
            }
        }
        if let Some(instructor) = query.instructor {
            ensure!(
                text(item, "instructor_id") == Some(instructor.to_string()),
                "course {id} is by another instructor"
            );
        }
        let price = int(item, "price_minor").context("price_minor")?;
        ensure!(!query.free || price == 0, "course {id} is not free");
        ensure!(
            query.min_price.is_none_or(|m| price >= m),
            "course {id} costs less than min_price"
        );
        ensure!(
            query.max_price.is_none_or(|m| price <= m),
            "course {id} costs more than max_price"
        );
        if let Some(min) = query.min_rating {
            let avg = item["rating_avg"]
                .as_f64()
                .context("rated course without rating_avg")?;
            ensure!(avg + 0.005 >= min, "course {id} is rated {avg} < {min}");
        }
        if let Some(q) = &query.q {
            let q = q.trim().to_lowercase();
            let tags = item["tags"].to_string().to_lowercase();
            let found = [text(item, "title"), text(item, "summary")]
                .into_iter()
                .flatten()
                .any(|t| t.to_lowercase().contains(&q))
                || tags.contains(&q);
            ensure!(found, "course {id} does not contain {q:?}");
        }
    }
    // The order: compare neighbours on the sort key.
    let key = |item: &Value| -> anyhow::Result<f64> {
        Ok(match query.sort() {
            Sort::Newest => {
                let at = text(item, "published_at").context("published_at")?;
                DateTime::parse_from_rfc3339(&at)?.timestamp_micros() as f64
            }
            Sort::Rating => item["rating_avg"].as_f64().unwrap_or(0.0),
            Sort::Price => int(item, "price_minor").context("price_minor")? as f64,
            Sort::Popularity => int(item, "enrollment_count").context("enrollment_count")? as f64,
        })
    };
    for pair in items.windows(2) {
        let (a, b) = (key(&pair[0])?, key(&pair[1])?);
        let in_order = if query.sort().descending() {
            a >= b
        } else {
            a <= b
        };
        ensure!(
            in_order,
            "items out of {} order: {a} then {b}",
            query.sort().name()
        );
    }
    Ok((items.len(), next_cursor))
}
