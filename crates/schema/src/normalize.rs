//! One spelling for expressions, defaults and types from either backend.
//!
//! PostgreSQL stores CHECK expressions, index predicates and defaults as parse
//! trees and prints them back its own way (`(status = ANY (ARRAY['a'::text]))`,
//! `BETWEEN` expanded into two comparisons, a cast on every literal), while
//! SQLite keeps the text as written. To compare the two and to write DDL for
//! either from a schema read from the other, expressions are parsed into a
//! small tree and printed canonically: casts on literals dropped, `= ANY
//! (ARRAY[...])` as `IN (...)`, paired `>=`/`<=` comparisons as `BETWEEN`,
//! names in lower case, keywords in upper case, and only the parentheses the
//! printed form needs (plus around `AND` inside `OR`, for the reader). The
//! canonical text is valid SQL on both backends. Text the parser does not
//! understand is kept with its whitespace collapsed.

use crate::expr::{Expr, map_columns, parse_expr, print};

/// The canonical spelling of an expression (see the module docs).
pub fn normalize_expr(text: &str) -> String {
    match parse_expr(text) {
        Some(expr) => print(&expr),
        None => collapse_whitespace(text),
    }
}

/// The canonical spelling of an expression with its column references
/// re-qualified: `qualifier` `None` drops `new.`/`old.`-style qualifiers,
/// `Some("new")` adds one. `None` when the text does not parse, since a
/// qualifier cannot be moved in text that is not understood.
pub fn requalify_expr(text: &str, qualifier: Option<&str>) -> Option<String> {
    let expr = parse_expr(text)?;
    let rename = |path: Vec<String>| -> Vec<String> {
        let column = path.last().cloned().unwrap_or_default();
        match qualifier {
            Some(q) => vec![q.to_owned(), column],
            None => vec![column],
        }
    };
    Some(print(&map_columns(expr, &rename)))
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// SQLite's spelling of "now" in the fixed-width RFC 3339 UTC format the
/// application stores, which the migrations use as the timestamp default.
pub const SQLITE_NOW: &str = "strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')";

/// Normalizes a column default so both backends spell it alike: PostgreSQL's
/// `now()` and SQLite's [`SQLITE_NOW`] become `now()`, literal casts go
/// (`'active'::text` is `'active'`), and a boolean column's `1`/`0` become
/// `true`/`false`.
pub fn normalize_default(raw: &str, logical_type: &str) -> String {
    let Some(expr) = parse_expr(raw) else {
        return collapse_whitespace(raw);
    };
    if is_now(&expr) {
        return "now()".to_owned();
    }
    if logical_type == "boolean" {
        match &expr {
            Expr::Num(n) if n == "1" => return "true".to_owned(),
            Expr::Num(n) if n == "0" => return "false".to_owned(),
            _ => {}
        }
    }
    print(&expr)
}

fn is_now(expr: &Expr) -> bool {
    match expr {
        Expr::Func { name, args } if name == "now" || name == "transaction_timestamp" => {
            args.is_empty()
        }
        Expr::Column(path) => path.len() == 1 && path[0] == "current_timestamp",
        Expr::Func { name, args } if name == "strftime" => {
            matches!(args.as_slice(), [Expr::Str(format), Expr::Str(when)]
                if format == "%Y-%m-%dT%H:%M:%f000Z" && when == "now")
        }
        _ => false,
    }
}

/// The values of a `column IN ('a', 'b')` check, whichever backend printed it
/// (PostgreSQL prints `column = ANY (ARRAY['a'::text, 'b'::text])`).
pub fn allowed_values(expression: &str) -> Option<(String, Vec<String>)> {
    match parse_expr(expression)? {
        Expr::In {
            expr,
            list,
            negated: false,
        } => {
            let Expr::Column(path) = *expr else {
                return None;
            };
            let column = path.last()?.clone();
            let values = list
                .into_iter()
                .map(|value| match value {
                    Expr::Str(s) => Some(s),
                    Expr::Num(n) => Some(n),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some((column, values))
        }
        _ => None,
    }
}

/// The columns an expression mentions, sorted and without duplicates.
pub fn referenced_columns(expression: &str) -> Vec<String> {
    let mut columns = Vec::new();
    if let Some(expr) = parse_expr(expression) {
        collect_columns(&expr, &mut columns);
    }
    columns.sort();
    columns.dedup();
    columns
}

fn collect_columns(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::Column(path) => out.extend(path.last().cloned()),
        Expr::Str(_) | Expr::Num(_) | Expr::Bool(_) | Expr::Null | Expr::Star => {}
        Expr::Func { args: items, .. }
        | Expr::Array(items)
        | Expr::And(items)
        | Expr::Or(items) => {
            items.iter().for_each(|e| collect_columns(e, out));
        }
        Expr::Neg(e) | Expr::Not(e) | Expr::IsNull { expr: e, .. } | Expr::Cast { expr: e, .. } => {
            collect_columns(e, out);
        }
        Expr::Binary { left, right, .. } => {
            collect_columns(left, out);
            collect_columns(right, out);
        }
        Expr::In { expr, list, .. } => {
            collect_columns(expr, out);
            list.iter().for_each(|e| collect_columns(e, out));
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            for e in [expr, low, high] {
                collect_columns(e, out);
            }
        }
    }
}

/// The logical type of a PostgreSQL column from its `pg_type.typname`.
pub fn postgres_logical_type(typname: &str, formatted: &str) -> String {
    let logical = match typname {
        "int8" => "bigint",
        "int4" => "integer",
        "int2" => "smallint",
        "bool" => "boolean",
        "float8" => "double precision",
        "float4" => "real",
        "varchar" | "bpchar" => return formatted.to_owned(),
        other => {
            if let Some(element) = other.strip_prefix('_') {
                return format!("{}[]", postgres_logical_type(element, element));
            }
            other
        }
    };
    logical.to_owned()
}

/// What the SQLite logical-type rule needs to know about a column besides its
/// name and declared type.
pub struct SqliteColumnFacts<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub storage_type: &'a str,
    pub check_names: &'a [String],
    pub is_foreign_key: bool,
}

/// The documented rule that recovers a SQLite column's logical type (SQLite's
/// STRICT tables only store TEXT and INTEGER here):
///
/// 1. INTEGER with a check named `ck_<table>_<column>_bool`: `boolean`;
///    other INTEGER: `bigint`.
/// 2. TEXT with a check named `ck_<table>_<column>_json`: `jsonb`.
/// 3. TEXT that is a foreign-key column, is named `id`, or ends in `_id`:
///    `uuid` — except the catalogued identifiers issued by someone else
///    ([`crate::catalog::is_foreign_identifier`]), which are `text`.
/// 4. TEXT ending in `_at` or `_until`, or named `valid_from` or `send_after`:
///    `timestamptz`.
/// 5. TEXT ending in `_on`: `date` (a calendar day, `YYYY-MM-DD`).
/// 6. Other TEXT: `text`. REAL, BLOB and ANY map to `double precision`,
///    `bytea` and `text`.
pub fn sqlite_logical_type(facts: &SqliteColumnFacts<'_>) -> String {
    let SqliteColumnFacts {
        table,
        column,
        storage_type,
        check_names,
        is_foreign_key,
    } = *facts;
    let has_check = |suffix: &str| {
        let wanted = format!("ck_{table}_{column}_{suffix}");
        check_names.contains(&wanted)
    };
    let logical = match storage_type.to_ascii_uppercase().as_str() {
        "INTEGER" | "INT" if has_check("bool") => "boolean",
        "INTEGER" | "INT" => "bigint",
        "TEXT" if has_check("json") => "jsonb",
        "TEXT" if is_foreign_key => "uuid",
        "TEXT" if crate::catalog::is_foreign_identifier(table, column) => "text",
        "TEXT" if column == "id" || column.ends_with("_id") => "uuid",
        "TEXT"
            if column.ends_with("_at")
                || column.ends_with("_until")
                || column == "valid_from"
                || column == "send_after" =>
        {
            "timestamptz"
        }
        "TEXT" if column.ends_with("_on") => "date",
        "TEXT" | "ANY" => "text",
        "REAL" => "double precision",
        "BLOB" => "bytea",
        other => return other.to_ascii_lowercase(),
    };
    logical.to_owned()
}

/// Whether a check is one of SQLite's stand-ins for a PostgreSQL type.
pub fn is_dialect_only_check(table: &str, check_name: &str) -> bool {
    check_name
        .strip_prefix(&format!("ck_{table}_"))
        .is_some_and(|rest| rest.len() > 5 && (rest.ends_with("_bool") || rest.ends_with("_json")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_lists_read_from_both_spellings() {
        let sqlite = "role IN ('student', 'instructor', 'admin')";
        let postgres = "(role = ANY (ARRAY['student'::text, 'instructor'::text, 'admin'::text]))";
        let expected = Some((
            "role".to_owned(),
            vec![
                "student".to_owned(),
                "instructor".to_owned(),
                "admin".to_owned(),
            ],
        ));
        assert_eq!(allowed_values(sqlite), expected);
        assert_eq!(allowed_values(postgres), expected);
        assert_eq!(
            allowed_values("is_required IN (0, 1)").map(|(_, v)| v),
            Some(vec!["0".into(), "1".into()])
        );
        assert_eq!(allowed_values("length(code) BETWEEN 3 AND 64"), None);
        assert_eq!(allowed_values("role NOT IN ('a', 'b')"), None);
        assert_eq!(allowed_values("'it''s' IN ('a', 'b')"), None);
    }

    #[test]
    fn both_dialects_normalize_to_one_spelling() {
        let pairs = [
            (
                "length(email) BETWEEN 3 AND 320",
                "((length(email) >= 3) AND (length(email) <= 320))",
            ),
            (
                "rating_count >= 0 AND rating_sum BETWEEN rating_count AND 5 * rating_count",
                "((rating_count >= 0) AND ((rating_sum >= rating_count) AND (rating_sum <= (5 * rating_count))))",
            ),
            (
                "phone IS NULL OR (substr(phone, 1, 1) = '+' AND length(phone) BETWEEN 8 AND 16)",
                "((phone IS NULL) OR ((substr(phone, 1, 1) = '+'::text) AND ((length(phone) >= 8) AND (length(phone) <= 16))))",
            ),
            (
                "(kind = 'refund') = (refund_of IS NOT NULL)",
                "((kind = 'refund'::text) = (refund_of IS NOT NULL))",
            ),
            (
                "STATUS   = 'published' AND deleted_at IS NULL",
                "((status = 'published'::text) AND (deleted_at IS NULL))",
            ),
            (
                "status IN ('pending', 'confirmed')",
                "(status = ANY (ARRAY['pending'::text, 'confirmed'::text]))",
            ),
            ("status != 'x'", "(status <> 'x'::character varying)"),
        ];
        for (sqlite, postgres) in pairs {
            assert_eq!(normalize_expr(sqlite), normalize_expr(postgres), "{sqlite}");
        }
        assert_eq!(
            normalize_expr(
                "phone IS NULL OR (substr(phone, 1, 1) = '+' AND length(phone) BETWEEN 8 AND 16)"
            ),
            "phone IS NULL OR (substr(phone, 1, 1) = '+' AND length(phone) BETWEEN 8 AND 16)"
        );
        assert_eq!(
            normalize_expr("((kind = 'refund'::text) = (refund_of IS NOT NULL))"),
            "(kind = 'refund') = (refund_of IS NOT NULL)"
        );
        assert_eq!(normalize_expr("(a - (b - c)) * 2"), "(a - (b - c)) * 2");
    }

    #[test]
    fn unknown_syntax_falls_back_to_the_text() {
        assert_eq!(
            normalize_expr("CASE WHEN a THEN  b END"),
            "CASE WHEN a THEN b END"
        );
        assert_eq!(normalize_expr("name LIKE 'a%'"), "name LIKE 'a%'");
    }

    #[test]
    fn defaults_normalize_across_backends() {
        assert_eq!(normalize_default("now()", "timestamptz"), "now()");
        assert_eq!(normalize_default(SQLITE_NOW, "timestamptz"), "now()");
        assert_eq!(
            normalize_default(&format!("({SQLITE_NOW})"), "timestamptz"),
            "now()"
        );
        assert_eq!(
            normalize_default("CURRENT_TIMESTAMP", "timestamptz"),
            "now()"
        );
        assert_eq!(normalize_default("'active'::text", "text"), "'active'");
        assert_eq!(normalize_default("'active'", "text"), "'active'");
        assert_eq!(normalize_default("'[]'::jsonb", "jsonb"), "'[]'");
        assert_eq!(normalize_default("''::text", "text"), "''");
        assert_eq!(normalize_default("true", "boolean"), "true");
        assert_eq!(normalize_default("1", "boolean"), "true");
        assert_eq!(normalize_default("0", "boolean"), "false");
        assert_eq!(normalize_default("0", "bigint"), "0");
        assert_eq!(normalize_default("'-1'::integer", "bigint"), "-1");
        assert_eq!(normalize_default("(-1)", "bigint"), "-1");
        assert_eq!(
            normalize_default("strftime('%s', 'now')", "bigint"),
            "strftime('%s', 'now')"
        );
    }

    #[test]
    fn sqlite_types_follow_the_documented_rule() {
        let checks = vec!["ck_t_flag_bool".to_owned(), "ck_t_doc_json".to_owned()];
        let logical = |column: &str, storage_type: &str, is_foreign_key: bool| {
            sqlite_logical_type(&SqliteColumnFacts {
                table: "t",
                column,
                storage_type,
                check_names: &checks,
                is_foreign_key,
            })
        };
        assert_eq!(logical("flag", "INTEGER", false), "boolean");
        assert_eq!(logical("count", "INTEGER", false), "bigint");
        assert_eq!(logical("doc", "TEXT", false), "jsonb");
        assert_eq!(logical("id", "TEXT", false), "uuid");
        assert_eq!(logical("owner_id", "TEXT", false), "uuid");
        assert_eq!(logical("created_by", "TEXT", true), "uuid");
        assert_eq!(logical("created_by", "TEXT", false), "text");
        assert_eq!(logical("locked_until", "TEXT", false), "timestamptz");
        assert_eq!(logical("valid_from", "TEXT", false), "timestamptz");
        assert_eq!(logical("send_after", "TEXT", false), "timestamptz");
        assert_eq!(logical("seen_at", "TEXT", false), "timestamptz");
        assert_eq!(logical("renews_on", "TEXT", false), "date");
        assert_eq!(logical("title", "TEXT", false), "text");
        let request_id = sqlite_logical_type(&SqliteColumnFacts {
            table: "audit_logs",
            column: "request_id",
            storage_type: "TEXT",
            check_names: &[],
            is_foreign_key: false,
        });
        assert_eq!(request_id, "text");
    }

    #[test]
    fn dialect_only_checks_are_recognized_by_name() {
        assert!(is_dialect_only_check("courses", "ck_courses_tags_json"));
        assert!(is_dialect_only_check(
            "promo_codes",
            "ck_promo_codes_is_active_bool"
        ));
        assert!(!is_dialect_only_check("courses", "ck_courses_status"));
        assert!(!is_dialect_only_check("courses", "ck_users_tags_json"));
    }
}
