//! The schema as the migrations leave it, read back from the live database:
//! both backends agree, the conventions hold, every export is deterministic,
//! the DDL exports recreate the schema, and the committed DBML is current.

use std::collections::BTreeSet;
use std::path::PathBuf;

use medicaledu_schema::{Dialect, ExportFormat, Schema, export, introspect, logical_differences};
use medicaledu_store::{Backend, Db};

use crate::support::{POSTGRES_URL_VAR, TestDb, both_backends};

const TABLES: [&str; 33] = [
    "users",
    "courses",
    "course_materials",
    "availability_slots",
    "bookings",
    "payments",
    "enrollments",
    "course_progress",
    "notifications",
    "audit_logs",
    "promo_codes",
    "booking_promo_codes",
    "user_sessions",
    "second_factors",
    "recovery_codes",
    "sign_in_challenges",
    "instructor_ratings",
    "course_ratings",
    "cme_providers",
    "cme_activities",
    "cme_activity_topics",
    "cme_designations",
    "cme_designation_professions",
    "cme_assessments",
    "cme_questions",
    "cme_question_versions",
    "cme_attempts",
    "cme_claims",
    "cme_certificates",
    "cme_signing_keys",
    "cme_learner_profiles",
    "cme_licences",
    "cme_external_credits",
];

const SOFT_DELETABLE: [&str; 12] = [
    "users",
    "courses",
    "course_materials",
    "availability_slots",
    "promo_codes",
    "instructor_ratings",
    "course_ratings",
    "cme_providers",
    "cme_activities",
    "cme_designations",
    "cme_licences",
    "cme_external_credits",
];

/// Covering indexes: PostgreSQL has the INCLUDE lists, SQLite cannot.
const COVERING_INDEXES: [&str; 4] = [
    "ix_availability_slots_course_start",
    "ix_courses_catalog_category",
    "ix_notifications_queue",
    "ix_payments_status_created",
];

/// Set `MEDICALEDU_WRITE_DBML=1` to rewrite the committed DBML instead of checking it.
const WRITE_DBML_VAR: &str = "MEDICALEDU_WRITE_DBML";

async fn read(db: &Db) -> Schema {
    introspect(db).await.expect("introspect the schema")
}

async fn apply(db: &Db, ddl: &str) {
    medicaledu_store::on_db!(db, pool => {
        sqlx::raw_sql(sqlx::AssertSqlSafe(ddl.to_owned()))
            .execute(pool)
            .await
            .map(drop)
            .unwrap_or_else(|e| panic!("apply the exported DDL: {e}\n{ddl}"))
    });
}

fn assert_no_differences(differences: &[String], context: &str) {
    assert!(
        differences.is_empty(),
        "{context}: {} logical difference(s):\n  {}",
        differences.len(),
        differences.join("\n  ")
    );
}

fn ddl_format(backend: Backend) -> ExportFormat {
    match backend {
        Backend::Sqlite => ExportFormat::Sqlite,
        Backend::Postgres => ExportFormat::Postgres,
    }
}

fn skip_without_postgres(test: &str) {
    eprintln!("SKIPPED: {test} needs PostgreSQL (set {POSTGRES_URL_VAR} to run it)");
}

/// The two migrations describe one logical schema. The dialects may differ
/// only where the model says they do, and this test names each difference:
/// storage types (SQLite's TEXT/INTEGER), INCLUDE lists (PostgreSQL only), and
/// SQLite's `ck_<table>_<column>_bool`/`_json` checks that stand in for
/// PostgreSQL's boolean and jsonb types.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_and_postgres_schemas_agree() {
    let Some(postgres) = TestDb::migrated(Backend::Postgres).await else {
        return skip_without_postgres("sqlite_and_postgres_schemas_agree");
    };
    let sqlite = TestDb::migrated(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let pg = read(&postgres.db).await;
    let lite = read(&sqlite.db).await;
    assert_no_differences(&logical_differences(&lite, &pg), "SQLite vs PostgreSQL");

    // Storage types: SQLite's STRICT tables only use TEXT and INTEGER.
    for table in &lite.tables {
        for column in &table.columns {
            assert!(
                ["TEXT", "INTEGER"].contains(&column.storage_type.as_str()),
                "{}.{} is {}",
                table.name,
                column.name,
                column.storage_type
            );
        }
    }

    // INCLUDE lists: exactly the covering indexes have them on PostgreSQL, none on SQLite.
    let covering = |schema: &Schema| -> BTreeSet<String> {
        let indexes = schema.tables.iter().flat_map(|t| &t.indexes);
        indexes
            .filter(|i| !i.include.is_empty())
            .map(|i| i.name.clone())
            .collect()
    };
    assert_eq!(covering(&pg), COVERING_INDEXES.map(str::to_owned).into());
    assert!(covering(&lite).is_empty());

    // Stand-in checks: one per boolean or jsonb column on SQLite, none on PostgreSQL.
    let stand_ins = |schema: &Schema| -> BTreeSet<String> {
        let checks = schema.tables.iter().flat_map(|t| &t.checks);
        checks
            .filter(|c| c.dialect_only)
            .map(|c| c.name.clone())
            .collect()
    };
    let expected: BTreeSet<String> = pg
        .tables
        .iter()
        .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
        .filter_map(|(t, c)| match c.logical_type.as_str() {
            "boolean" => Some(format!("ck_{}_{}_bool", t.name, c.name)),
            "jsonb" => Some(format!("ck_{}_{}_json", t.name, c.name)),
            _ => None,
        })
        .collect();
    assert_eq!(stand_ins(&lite), expected);
    assert!(stand_ins(&pg).is_empty());

    // The DBML from the two backends differs in nothing else either.
    let pg_dbml = export(&pg, ExportFormat::Dbml);
    let lite_dbml = export(&lite, ExportFormat::Dbml);
    let pg_lines: BTreeSet<&str> = pg_dbml.lines().collect();
    let lite_lines: BTreeSet<&str> = lite_dbml.lines().collect();
    let pg_only: Vec<&str> = pg_lines.difference(&lite_lines).copied().collect();
    let lite_only: Vec<&str> = lite_lines.difference(&pg_lines).copied().collect();
    for line in &pg_only {
        assert!(
            line.contains("Covering: INCLUDE ("),
            "only in PostgreSQL's DBML: {line}"
        );
    }
    for line in &lite_only {
        let stand_in = line.contains("// SQLite only");
        let uncovered = pg_only
            .iter()
            .any(|pg_line| without_covering_note(pg_line) == *line);
        assert!(stand_in || uncovered, "only in SQLite's DBML: {line}");
    }
}

/// A DBML index line without its `Covering: INCLUDE (...)` note.
fn without_covering_note(line: &str) -> String {
    let Some(start) = line.find("Covering: INCLUDE (") else {
        return line.to_owned();
    };
    let end = line[start..]
        .find(").")
        .map_or(line.len(), |i| start + i + 2);
    let line = format!("{}{}", &line[..start], &line[end..]);
    line.replace(" ']", "']").replace(", note: '']", "]")
}

async fn schema_follows_the_conventions(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let schema = read(&test_db.db).await;
    assert_eq!(schema.backend, Dialect::from(backend));

    let names: BTreeSet<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        TABLES.into(),
        "exactly the 33 tables, and no sqlx bookkeeping"
    );

    for table in &schema.tables {
        let t = &table.name;
        assert!(
            table.group != "other",
            "{t} is in the documentation catalog"
        );
        assert!(table.primary_key.is_some(), "{t} has a primary key");
        assert!(table.column("created_at").is_some(), "{t} has created_at");

        for fk in &table.foreign_keys {
            // A composite primary key is an index too: a join table's
            // leading key column needs no second one.
            let by_primary_key = table.primary_key.as_ref().is_some_and(|pk| {
                pk.columns.len() >= fk.columns.len()
                    && pk.columns[..fk.columns.len()] == fk.columns[..]
            });
            let covered = by_primary_key
                || table.indexes.iter().any(|index| {
                    let leading = index.keys.len() >= fk.columns.len()
                        && index.keys[..fk.columns.len()] == fk.columns[..];
                    let usable = match (&index.predicate, fk.columns.as_slice()) {
                        (None, _) => true,
                        (Some(predicate), [column]) => {
                            *predicate == format!("{column} IS NOT NULL")
                        }
                        _ => false,
                    };
                    leading && usable
                });
            assert!(
                covered,
                "{t}: foreign key {} ({:?}) has no covering index",
                fk.name, fk.columns
            );
        }

        if SOFT_DELETABLE.contains(&t.as_str()) {
            let deleted_at = table.column("deleted_at");
            assert!(
                deleted_at.is_some_and(|c| c.nullable),
                "{t} is soft-deletable"
            );
            for index in table.indexes.iter().filter(|i| i.unique) {
                let live_only = index
                    .predicate
                    .as_deref()
                    .is_some_and(|p| p.split(" AND ").any(|part| part == "deleted_at IS NULL"));
                assert!(
                    live_only,
                    "{t}: unique index {} must only cover live rows",
                    index.name
                );
            }
        }
    }

    let audit = schema.table("audit_logs").expect("audit_logs");
    let triggers: Vec<(&str, Option<&str>)> = audit
        .triggers
        .iter()
        .map(|tr| (tr.name.as_str(), tr.rejects_with.as_deref()))
        .collect();
    assert_eq!(
        triggers,
        [
            ("tr_audit_logs_no_delete", Some("audit_logs is append-only")),
            ("tr_audit_logs_no_update", Some("audit_logs is append-only")),
        ]
    );
}

async fn exports_are_deterministic(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let first = read(&test_db.db).await;
    let second = read(&test_db.db).await;
    assert_eq!(first, second, "introspection is deterministic");
    for format in ExportFormat::ALL {
        let once = export(&first, format);
        assert!(!once.trim().is_empty(), "{format} export is empty");
        assert_eq!(
            once,
            export(&second, format),
            "{format} export is deterministic"
        );
    }
    let mermaid = export(&first, ExportFormat::Mermaid);
    assert!(mermaid.starts_with("erDiagram\n"));
    for table in TABLES {
        assert!(
            mermaid.contains(&format!("    {table} {{\n")),
            "{table} is in the diagram"
        );
    }
    let json = export(&first, ExportFormat::Json);
    let parsed: Schema =
        serde_json::from_str(&json).expect("the JSON export parses back into the model");
    assert_eq!(parsed, first);
}

/// The DDL export for a backend, run on an empty database of that backend,
/// gives the same schema back.
async fn ddl_recreates_the_schema(backend: Backend) {
    let Some(original) = TestDb::migrated(backend).await else {
        return;
    };
    let schema = read(&original.db).await;
    let ddl = export(&schema, ddl_format(backend));
    let copy = TestDb::empty(backend)
        .await
        .expect("a second database on the same backend");
    apply(&copy.db, &ddl).await;
    let recreated = read(&copy.db).await;
    assert_no_differences(
        &logical_differences(&schema, &recreated),
        "recreated from the DDL export",
    );
    assert_eq!(
        export(&schema, ExportFormat::Dbml),
        export(&recreated, ExportFormat::Dbml)
    );
}

/// SQLite DDL written from the PostgreSQL schema gives the schema the SQLite
/// migration gives, stand-in checks included.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_ddl_from_postgres_matches_the_sqlite_migration() {
    let Some(postgres) = TestDb::migrated(Backend::Postgres).await else {
        return skip_without_postgres("sqlite_ddl_from_postgres_matches_the_sqlite_migration");
    };
    let migrated = TestDb::migrated(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let ddl = export(&read(&postgres.db).await, ExportFormat::Sqlite);
    let copy = TestDb::empty(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    apply(&copy.db, &ddl).await;
    let expected = read(&migrated.db).await;
    let actual = read(&copy.db).await;
    assert_no_differences(
        &logical_differences(&expected, &actual),
        "SQLite DDL exported from PostgreSQL",
    );
    assert_eq!(
        export(&expected, ExportFormat::Dbml),
        export(&actual, ExportFormat::Dbml)
    );
}

/// PostgreSQL DDL written from the SQLite schema gives the PostgreSQL
/// migration's schema, except for INCLUDE lists, which SQLite never had.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_ddl_from_sqlite_matches_the_postgres_migration() {
    let Some(migrated) = TestDb::migrated(Backend::Postgres).await else {
        return skip_without_postgres("postgres_ddl_from_sqlite_matches_the_postgres_migration");
    };
    let sqlite = TestDb::migrated(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let ddl = export(&read(&sqlite.db).await, ExportFormat::Postgres);
    let copy = TestDb::empty(Backend::Postgres)
        .await
        .expect("PostgreSQL is configured");
    apply(&copy.db, &ddl).await;
    let differences: Vec<String> =
        logical_differences(&read(&migrated.db).await, &read(&copy.db).await)
            .into_iter()
            .filter(|d| {
                !COVERING_INDEXES
                    .iter()
                    .any(|ix| d.contains(&format!("index {ix} INCLUDE")))
            })
            .collect();
    assert_no_differences(&differences, "PostgreSQL DDL exported from SQLite");
}

fn committed_dbml_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schema/database_schema_optimized.dbml")
}

/// docs/schema/database_schema_optimized.dbml is the DBML export of the
/// migrated PostgreSQL schema; this fails when the migrations moved on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn committed_dbml_is_current() {
    let Some(postgres) = TestDb::migrated(Backend::Postgres).await else {
        return skip_without_postgres("committed_dbml_is_current");
    };
    let dbml = export(&read(&postgres.db).await, ExportFormat::Dbml);
    let path = committed_dbml_path();
    if std::env::var(WRITE_DBML_VAR).is_ok_and(|v| v == "1") {
        std::fs::write(&path, &dbml).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == dbml,
        "docs/schema/database_schema_optimized.dbml does not match the migrations. Regenerate it with\n  \
         {WRITE_DBML_VAR}=1 {POSTGRES_URL_VAR}=postgres://... cargo test -p medicaledu --test it schema_exports::committed_dbml_is_current\n\
         and commit the result."
    );
}

both_backends!(
    schema_follows_the_conventions,
    exports_are_deterministic,
    ddl_recreates_the_schema
);
