//! Courses and the public catalog.

use medicaledu_domain::{CourseLevel, CourseStatus, Id, Timestamp};
use sqlx::types::Json;

use crate::params::{Params, bind_params, like_contains};
use crate::{Backend, Db, Tx, on_db, on_tx};

pub use crate::params::Param;

/// Unqualified, because SQLite's RETURNING does not accept a table alias.
const COURSE_COLUMNS: &str = "id, instructor_id, title, slug, summary, description, category, specialty, tags, \
     level, language, price_minor, currency, cme_credit_hundredths, status, published_at, rating_sum, rating_count, \
     enrollment_count, created_at, updated_at, deleted_at";

/// The rating order: the exact average scaled to an integer, the same
/// expression as the index `ix_courses_catalog_rating`.
const RATING_SCORE: &str = "COALESCE(c.rating_sum * 1000000 / NULLIF(c.rating_count, 0), 0)";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CourseRow {
    pub id: Id,
    pub instructor_id: Id,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub description: String,
    pub category: String,
    pub specialty: Option<String>,
    pub tags: Json<Vec<String>>,
    pub level: CourseLevel,
    pub language: String,
    pub price_minor: i64,
    pub currency: String,
    pub cme_credit_hundredths: i64,
    pub status: CourseStatus,
    pub published_at: Option<Timestamp>,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub enrollment_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// A course's fields as an instructor writes them.
#[derive(Clone, Debug)]
pub struct CourseFields {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub category: String,
    pub specialty: Option<String>,
    pub tags: Vec<String>,
    pub level: CourseLevel,
    pub language: String,
    pub price_minor: i64,
    pub currency: String,
    pub cme_credit_hundredths: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum SlugTaken {
    #[error("another live course already uses this slug")]
    Taken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl SlugTaken {
    fn from_sqlx(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(db) if db.is_unique_violation() => SlugTaken::Taken,
            other => SlugTaken::Database(other),
        }
    }
}

/// The order of the public catalog.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CatalogSort {
    #[default]
    Newest,
    Rating,
    Price,
    Popularity,
}

/// Where the previous page ended: the sort key of its last course and its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogKey {
    Time(Timestamp),
    Number(i64),
}

#[derive(Clone, Debug, Default)]
pub struct CatalogFilter {
    pub category: Option<String>,
    pub specialty: Option<String>,
    pub level: Option<CourseLevel>,
    pub language: Option<String>,
    pub instructor_id: Option<Id>,
    pub currency: Option<String>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    pub free_only: bool,
    /// Only courses with a price (the web catalog's "Paid" choice).
    pub paid_only: bool,
    /// Minimum average rating in hundredths (e.g. 450 for 4.5 stars).
    pub min_rating_hundredths: Option<i64>,
    /// Words to find in the title, summary or tags, any case.
    pub query: Option<String>,
    pub sort: CatalogSort,
    pub after: Option<(CatalogKey, Id)>,
    pub limit: i64,
}

impl CourseRow {
    /// The value this course sorts by in `sort`, for the next page's cursor.
    pub fn catalog_key(&self, sort: CatalogSort) -> CatalogKey {
        match sort {
            CatalogSort::Newest => CatalogKey::Time(self.published_at.unwrap_or(self.created_at)),
            CatalogSort::Rating => CatalogKey::Number(if self.rating_count > 0 {
                self.rating_sum * 1_000_000 / self.rating_count
            } else {
                0
            }),
            CatalogSort::Price => CatalogKey::Number(self.price_minor),
            CatalogSort::Popularity => CatalogKey::Number(self.enrollment_count),
        }
    }
}

pub async fn insert(
    tx: &mut Tx,
    id: Id,
    instructor_id: Id,
    slug: &str,
    fields: &CourseFields,
    now: Timestamp,
) -> Result<CourseRow, SlugTaken> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO courses (id, instructor_id, title, slug, summary, description, category, specialty, tags, \
             level, language, price_minor, currency, cme_credit_hundredths, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', $15, $15) \
         RETURNING {COURSE_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(instructor_id)
            .bind(&fields.title)
            .bind(slug)
            .bind(&fields.summary)
            .bind(&fields.description)
            .bind(&fields.category)
            .bind(fields.specialty.as_deref())
            .bind(Json(&fields.tags))
            .bind(fields.level)
            .bind(&fields.language)
            .bind(fields.price_minor)
            .bind(&fields.currency)
            .bind(fields.cme_credit_hundredths)
            .bind(now)
            .fetch_one(conn)
            .await
    })
    .map_err(SlugTaken::from_sqlx)
}

/// Slugs of live courses equal to `base` or `base-N`, to pick a free one.
pub async fn slugs_like(tx: &mut Tx, base: &str) -> Result<Vec<String>, sqlx::Error> {
    let pattern = format!(
        "{}-%",
        base.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    on_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT slug FROM courses WHERE deleted_at IS NULL AND (slug = $1 OR slug LIKE $2 ESCAPE '\\')",
        )
        .bind(base)
        .bind(pattern)
        .fetch_all(conn)
        .await
    })
}

/// Replaces the editable fields (the caller merges a PATCH into the current row).
pub async fn update(
    tx: &mut Tx,
    id: Id,
    slug: &str,
    fields: &CourseFields,
    now: Timestamp,
) -> Result<Option<CourseRow>, SlugTaken> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE courses SET title = $2, slug = $3, summary = $4, description = $5, category = $6, specialty = $7, \
             tags = $8, level = $9, language = $10, price_minor = $11, currency = $12, cme_credit_hundredths = $13, \
             updated_at = $14 \
         WHERE id = $1 AND deleted_at IS NULL RETURNING {COURSE_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(&fields.title)
            .bind(slug)
            .bind(&fields.summary)
            .bind(&fields.description)
            .bind(&fields.category)
            .bind(fields.specialty.as_deref())
            .bind(Json(&fields.tags))
            .bind(fields.level)
            .bind(&fields.language)
            .bind(fields.price_minor)
            .bind(&fields.currency)
            .bind(fields.cme_credit_hundredths)
            .bind(now)
            .fetch_optional(conn)
            .await
    })
    .map_err(SlugTaken::from_sqlx)
}

/// Moves a live course to `to` only from `from`, so two concurrent
/// transitions cannot both succeed.
pub async fn set_status(
    tx: &mut Tx,
    id: Id,
    from: CourseStatus,
    to: CourseStatus,
    published_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<Option<CourseRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE courses SET status = $3, published_at = COALESCE($4, published_at), updated_at = $5 \
         WHERE id = $1 AND status = $2 AND deleted_at IS NULL RETURNING {COURSE_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql).bind(id).bind(from).bind(to).bind(published_at).bind(now).fetch_optional(conn).await
    })
}

pub async fn soft_delete(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE courses SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(conn)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// Holds the course row until commit, serializing changes to its materials,
/// enrollment count and rating aggregate. SQLite's write transaction already
/// holds the database's only write lock.
pub async fn lock(tx: &mut Tx, id: Id) -> Result<(), sqlx::Error> {
    match tx {
        Tx::Postgres(tx) => sqlx::query("SELECT 1 FROM courses WHERE id = $1 FOR UPDATE")
            .bind(id)
            .execute(&mut **tx)
            .await
            .map(drop),
        Tx::Sqlite(_) => Ok(()),
    }
}

pub async fn find_live(db: &Db, id: Id) -> Result<Option<CourseRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.id = $1 AND c.deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

pub async fn find_live_tx(tx: &mut Tx, id: Id) -> Result<Option<CourseRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.id = $1 AND c.deleted_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// The course even if deleted: enrollments and bookings still name it.
pub async fn find_by_id_any_tx(tx: &mut Tx, id: Id) -> Result<Option<CourseRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.id = $1"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// The course even if deleted: enrollments and bookings still name it.
pub async fn find_by_id_any(db: &Db, id: Id) -> Result<Option<CourseRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.id = $1"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

pub async fn find_live_by_slug(db: &Db, slug: &str) -> Result<Option<CourseRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.slug = $1 AND c.deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(slug).fetch_optional(pool).await)
}

/// An instructor's live courses, whatever their status, most recently
/// changed first.
pub async fn of_instructor(db: &Db, instructor_id: Id) -> Result<Vec<CourseRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.instructor_id = $1 AND c.deleted_at IS NULL \
         ORDER BY c.updated_at DESC, c.id DESC LIMIT 500"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(instructor_id).fetch_all(pool).await)
}

/// One page of published, live courses. Only the filters that are set become
/// conditions, so each combination gets a plan fitted to it.
pub async fn catalog(db: &Db, filter: &CatalogFilter) -> Result<Vec<CourseRow>, sqlx::Error> {
    let (sql, params) = catalog_statement(db, filter).await?;
    let sql = sqlx::AssertSqlSafe(sql);
    match db {
        Db::Sqlite(pool) => {
            bind_params!(sqlx::query_as(sql), params)
                .fetch_all(pool)
                .await
        }
        // PostgreSQL plans a text search well only knowing the pattern: its
        // statistics tell a common word (walk the sort order's index, stop
        // after a page) from a rare one (the trigram index, then sort). A
        // cached statement switches to one generic plan for every pattern
        // after five executions, so these are planned each time (half a
        // millisecond, against up to 100 ms for the wrong plan).
        Db::Postgres(pool) => {
            bind_params!(sqlx::query_as(sql), params)
                .persistent(filter.query.is_none())
                .fetch_all(pool)
                .await
        }
    }
}

/// The statement [`catalog`] runs and its parameters, in placeholder order;
/// public so that benchmarks can explain the exact SQL. On SQLite a text
/// search first counts its matches in the search table, up to
/// [`FEW_MATCHES`], to choose the statement's shape (see [`TextPlan`]).
pub async fn catalog_statement(
    db: &Db,
    filter: &CatalogFilter,
) -> Result<(String, Vec<Param>), sqlx::Error> {
    let text = match (db, &filter.query) {
        (Db::Sqlite(pool), Some(q)) if q.chars().count() >= TRIGRAM_CHARS => {
            let matches: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM courses_search WHERE courses_search MATCH $1 LIMIT $2)",
            )
            .bind(fts5_phrase(q))
            .bind(FEW_MATCHES)
            .fetch_one(pool)
            .await?;
            if matches < FEW_MATCHES {
                TextPlan::Matches
            } else {
                TextPlan::Walk
            }
        }
        _ => TextPlan::Matches,
    };
    Ok(build_catalog_statement(db.backend(), filter, text))
}

/// How a SQLite statement finds the courses with a text of three characters
/// or more; the choice PostgreSQL's planner makes from its statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextPlan {
    /// Look the FTS5 table's matches up by rowid and sort them: the cost
    /// grows with the number of matches, and is nothing for no match.
    Matches,
    /// Walk the sort order's index and test each course's text until the page
    /// is full: with many matches spread over the catalog a page fills within
    /// a few thousand courses, where looking up every match and sorting them
    /// would cost more. (Testing membership in the FTS5 matches instead would
    /// first decode every match, about 10 ms for a word in 10% of 100,000
    /// courses.)
    Walk,
}

/// Where SQLite's text search turns from looking up the matches to walking
/// the sort order. Measured at 100,000 courses: looking up and sorting costs
/// about 16 µs a match (858 matches, 14 ms); the walk tests about
/// 21 × 88,000 / matches courses for a page of 20 at about 2.7 µs each (2,200
/// courses, 6 ms). They cross near 560 matches. A walk is slow only when the
/// matches gather at the far end of the order (a word only old courses have,
/// sorted newest first); PostgreSQL's planner takes the same risk.
const FEW_MATCHES: i64 = 500;

fn build_catalog_statement(
    backend: Backend,
    filter: &CatalogFilter,
    text: TextPlan,
) -> (String, Vec<Param>) {
    let mut params = Params::default();
    let mut sql = format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.status = 'published' AND c.deleted_at IS NULL"
    );
    let mut equal = |sql: &mut String, column: &str, value: Param| {
        let placeholder = params.push(value);
        sql.push_str(&format!(" AND {column} = {placeholder}"));
    };
    if let Some(v) = &filter.category {
        equal(&mut sql, "c.category", Param::Text(v.clone()));
    }
    if let Some(v) = &filter.specialty {
        equal(&mut sql, "c.specialty", Param::Text(v.clone()));
    }
    if let Some(v) = filter.level {
        equal(&mut sql, "c.level", Param::Text(v.as_str().to_owned()));
    }
    if let Some(v) = &filter.language {
        equal(&mut sql, "c.language", Param::Text(v.clone()));
    }
    if let Some(v) = filter.instructor_id {
        equal(&mut sql, "c.instructor_id", Param::Id(v));
    }
    if let Some(v) = &filter.currency {
        equal(&mut sql, "c.currency", Param::Text(v.clone()));
    }
    if filter.free_only {
        // The unary plus keeps SQLite from serving this through the price
        // index, whose statistics underestimate how many courses are free;
        // walking the sort order's index instead stops after one page.
        sql.push_str(" AND +c.price_minor = 0");
    }
    if filter.paid_only {
        sql.push_str(" AND +c.price_minor > 0");
    }
    if let Some(v) = filter.min_price_minor {
        let p = params.push(Param::Int(v));
        sql.push_str(&format!(" AND c.price_minor >= {p}"));
    }
    if let Some(v) = filter.max_price_minor {
        let p = params.push(Param::Int(v));
        sql.push_str(&format!(" AND c.price_minor <= {p}"));
    }
    if let Some(v) = filter.min_rating_hundredths {
        // sum / count >= v / 100, without division.
        let p = params.push(Param::Int(v));
        sql.push_str(&format!(
            " AND c.rating_count > 0 AND c.rating_sum * 100 >= {p} * c.rating_count"
        ));
    }
    if let Some(q) = &filter.query {
        push_text_search(backend, q, text, &mut params, &mut sql);
    }
    let (key, order) = match filter.sort {
        CatalogSort::Newest => ("c.published_at", "DESC"),
        CatalogSort::Rating => (RATING_SCORE, "DESC"),
        CatalogSort::Price => ("c.price_minor", "ASC"),
        CatalogSort::Popularity => ("c.enrollment_count", "DESC"),
    };
    if let Some((after_key, after_id)) = filter.after {
        let k = params.push(match after_key {
            CatalogKey::Time(t) => Param::Time(t),
            CatalogKey::Number(n) => Param::Int(n),
        });
        let i = params.push(Param::Id(after_id));
        let past = if order == "DESC" { "<" } else { ">" };
        // A row comparison, so PostgreSQL seeks in the sort index to the
        // cursor instead of filtering out every row before it.
        sql.push_str(&format!(" AND ({key}, c.id) {past} ({k}, {i})"));
    }
    let limit = params.push(Param::Int(filter.limit));
    sql.push_str(&format!(
        " ORDER BY {key} {order}, c.id {order} LIMIT {limit}"
    ));
    (sql, params.0)
}

/// The shortest query the trigram indexes can serve: each needs a whole
/// trigram (SQLite's FTS5 finds nothing for less, pg_trgm reads the whole index).
const TRIGRAM_CHARS: usize = 3;

/// `q`: the courses whose title, summary or tags (as JSON text) contain `q`,
/// ignoring case. The backends get different SQL with the same meaning: a
/// substring of one column, never spanning two, case folded character by
/// character over Unicode.
fn push_text_search(
    backend: Backend,
    q: &str,
    text: TextPlan,
    params: &mut Params,
    sql: &mut String,
) {
    match backend {
        // The three expressions are the keys of the trigram index
        // `courses_search`, which serves them for patterns of three characters
        // or more; the planner sees their statistics and, for a common word,
        // may rather walk the sort order's index and stop after one page.
        Backend::Postgres => {
            let p = params.push(Param::Text(like_contains(&q.to_lowercase())));
            sql.push_str(&format!(
                " AND (lower(c.title) LIKE {p} ESCAPE '\\' OR lower(c.summary) LIKE {p} ESCAPE '\\' \
                  OR lower(CAST(c.tags AS TEXT)) LIKE {p} ESCAPE '\\')"
            ));
        }
        // A phrase query on the FTS5 trigram table matches exactly the rows
        // where one column contains the phrase; rowids pair it with courses.
        Backend::Sqlite if text == TextPlan::Matches && q.chars().count() >= TRIGRAM_CHARS => {
            let p = params.push(Param::Text(fts5_phrase(q)));
            sql.push_str(&format!(
                " AND c.rowid IN (SELECT rowid FROM courses_search WHERE courses_search MATCH {p})"
            ));
        }
        // Too short for trigrams, or so common that walking the order finds
        // a page first: each course's text is tested. SQLite's LIKE ignores
        // the case of ASCII letters only, which is all an ASCII query has;
        // any other query gets a GLOB that lists each letter's cases (twice
        // as slow per course as LIKE).
        Backend::Sqlite if q.is_ascii() => {
            let p = params.push(Param::Text(like_contains(q)));
            sql.push_str(&format!(
                " AND (c.title LIKE {p} ESCAPE '\\' OR c.summary LIKE {p} ESCAPE '\\' \
                  OR c.tags LIKE {p} ESCAPE '\\')"
            ));
        }
        Backend::Sqlite => {
            let p = params.push(Param::Text(glob_contains_any_case(q)));
            sql.push_str(&format!(
                " AND (c.title GLOB {p} OR c.summary GLOB {p} OR c.tags GLOB {p})"
            ));
        }
    }
}

/// `q` as one FTS5 phrase: within double quotes only `"` is special, and is doubled.
fn fts5_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

/// A GLOB pattern matching any text that contains `q` with each letter in
/// either case: `ab*` becomes `*[aA][bB][*]*`. Wildcards in `q` are literals.
fn glob_contains_any_case(q: &str) -> String {
    let mut pattern = String::from("*");
    for c in q.chars() {
        let mut forms = vec![c];
        let lower: Vec<char> = c.to_lowercase().collect();
        let upper: Vec<char> = c.to_uppercase().collect();
        for other in [lower, upper] {
            // A letter whose other case is several characters (ß, SS) keeps
            // the forms that are one character, as a bracket matches one.
            if let [single] = other[..]
                && !forms.contains(&single)
            {
                forms.push(single);
            }
        }
        if forms.len() > 1 || matches!(c, '*' | '?' | '[') {
            pattern.push('[');
            pattern.extend(forms);
            pattern.push(']');
        } else {
            pattern.push(c);
        }
    }
    pattern.push('*');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_double_their_quotes() {
        assert_eq!(fts5_phrase("abc"), "\"abc\"");
        assert_eq!(fts5_phrase("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(fts5_phrase("a OR b*"), "\"a OR b*\"");
    }

    #[test]
    fn short_patterns_take_either_case_and_literal_wildcards() {
        assert_eq!(glob_contains_any_case("ab"), "*[aA][bB]*");
        assert_eq!(glob_contains_any_case("Ä"), "*[Ää]*");
        assert_eq!(glob_contains_any_case("*?"), "*[*][?]*");
        assert_eq!(glob_contains_any_case("[]"), "*[[]]*");
        assert_eq!(glob_contains_any_case("%_"), "*%_*");
        assert_eq!(glob_contains_any_case("ß"), "*ß*");
        assert_eq!(glob_contains_any_case("1'"), "*1'*");
    }

    /// SQLite answers a text search of three characters or more in two ways
    /// (FTS5 matches, or a walk testing each course with GLOB); on text that
    /// tests case folding beyond ASCII, wildcards and escapes, both find
    /// exactly what a case-insensitive substring test finds.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_text_plans_agree() {
        const TEXTS: [(&str, &str, &[&str]); 9] = [
            ("Ärzte im Notdienst", "Für ÄRZTE", &["notfall"]),
            ("Naïve Bayes", "NAÏVELY done", &["stats"]),
            ("Кардиология", "КАРДИОЛОГИЯ ЭКГ", &["сердце"]),
            ("Straße und Weg", "STRASSE", &[]),
            ("100% Pass", "50% off_now", &["a_b"]),
            ("O'Brien's \"Quoted\"", "it's", &["say \"hi\""]),
            ("Back\\slash", "glob*chars [abc]?", &["[x]"]),
            ("Cardiology", "ECG", &["cardiology"]),
            ("Greek ΑΒΓ", "αβγ lower", &[]),
        ];
        const QUERIES: [&str; 20] = [
            "ärzte",
            "ÄRZ",
            "naïve",
            "NAÏVEL",
            "кардио",
            "ЭКГ",
            "straße",
            "strasse",
            "0% ",
            "% o",
            "f_n",
            "a_b",
            "'s \"",
            "\"hi",
            "k\\s",
            "b*c",
            "[ab",
            "c]?",
            "αβγ",
            "none here",
        ];
        let dir = std::env::temp_dir().join(format!("medicaledu-store-{}", Id::generate()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("plans.db").display());
        let db = Db::connect(&url, &crate::PoolConfig::default())
            .await
            .expect("connect");
        db.migrate().await.expect("migrate");
        let Db::Sqlite(pool) = &db else {
            unreachable!("a sqlite:// URL opens SQLite");
        };
        let instructor = Id::generate();
        sqlx::query(
            "INSERT INTO users (id, email, password_hash, full_name, role) \
             VALUES ($1, 'plans@example.com', 'x', 'Plans', 'instructor')",
        )
        .bind(instructor)
        .execute(pool)
        .await
        .expect("instructor");
        for (i, (title, summary, tags)) in TEXTS.iter().enumerate() {
            sqlx::query(
                "INSERT INTO courses (id, instructor_id, title, slug, summary, category, tags, \
                 level, currency, status, published_at) \
                 VALUES ($1, $2, $3, $4, $5, 'Plans', $6, 'beginner', 'USD', 'published', $7)",
            )
            .bind(Id::generate())
            .bind(instructor)
            .bind(*title)
            .bind(format!("plans-{i}"))
            .bind(*summary)
            .bind(Json(tags))
            .bind(Timestamp::now())
            .execute(pool)
            .await
            .expect("course");
        }
        let mut matched = 0;
        for q in QUERIES {
            let filter = CatalogFilter {
                query: Some(q.to_owned()),
                limit: 100,
                ..CatalogFilter::default()
            };
            let mut found = Vec::new();
            for text in [TextPlan::Matches, TextPlan::Walk] {
                let (sql, params) = build_catalog_statement(Backend::Sqlite, &filter, text);
                let rows: Vec<CourseRow> =
                    bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), params)
                        .fetch_all(pool)
                        .await
                        .expect("catalog");
                let mut titles: Vec<String> = rows.into_iter().map(|r| r.title).collect();
                titles.sort();
                found.push(titles);
            }
            let needle = q.to_lowercase();
            let mut expected: Vec<String> = TEXTS
                .iter()
                .filter(|(title, summary, tags)| {
                    let tags = serde_json::to_string(tags).expect("tags");
                    [*title, *summary, tags.as_str()]
                        .iter()
                        .any(|t| t.to_lowercase().contains(&needle))
                })
                .map(|(title, ..)| (*title).to_owned())
                .collect();
            expected.sort();
            assert_eq!(found[0], expected, "FTS5 matches for {q:?}");
            assert_eq!(found[1], expected, "walk with GLOB for {q:?}");
            matched += usize::from(!expected.is_empty());
        }
        assert_eq!(
            matched,
            QUERIES.len() - 1,
            "every query but the last finds something"
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn text_search_sql_per_backend() {
        let filter = |q: &str| CatalogFilter {
            query: Some(q.to_owned()),
            limit: 21,
            ..CatalogFilter::default()
        };
        let statement = |backend, q, text| build_catalog_statement(backend, &filter(q), text);
        let (sql, params) = statement(Backend::Sqlite, "Ärzte", TextPlan::Matches);
        assert!(
            sql.contains(
                " c.rowid IN (SELECT rowid FROM courses_search WHERE courses_search MATCH $1)"
            ),
            "{sql}"
        );
        assert_eq!(params[0], Param::Text("\"Ärzte\"".to_owned()));
        let (sql, params) = statement(Backend::Sqlite, "Ärzte", TextPlan::Walk);
        assert!(sql.contains("c.summary GLOB $1"), "{sql}");
        assert_eq!(params[0], Param::Text("*[Ää][rR][zZ][tT][eE]*".to_owned()));
        let (sql, params) = statement(Backend::Sqlite, "5%_Off", TextPlan::Walk);
        assert!(sql.contains("c.summary LIKE $1 ESCAPE"), "{sql}");
        assert_eq!(params[0], Param::Text("%5\\%\\_Off%".to_owned()));
        let (sql, params) = statement(Backend::Sqlite, "ä_", TextPlan::Matches);
        assert!(sql.contains("c.title GLOB $1"), "{sql}");
        assert_eq!(params[0], Param::Text("*[äÄ]_*".to_owned()));
        let (sql, params) = statement(Backend::Postgres, "50% ÄR_", TextPlan::Matches);
        assert!(sql.contains("lower(c.title) LIKE $1"), "{sql}");
        assert_eq!(params[0], Param::Text("%50\\% är\\_%".to_owned()));
    }
}
