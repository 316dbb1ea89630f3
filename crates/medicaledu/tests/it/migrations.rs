use medicaledu_store::{Backend, Db, PoolConfig};
use sqlx::migrate::Migrator;
use sqlx::{Connection, SqlitePool};

use crate::support::{TestDb, both_backends};

/// The SQLite migrations as `medicaledu` embeds them, to bring a database to
/// the version an older release left it at.
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../store/migrations/sqlite");

/// The last SQLite migration before the slots' JSON check was rewritten.
const BEFORE_RECURRENCE_CHECK: i64 = 6;

async fn migrate_applies_everything_once(backend: Backend) {
    let Some(test_db) = TestDb::empty(backend).await else {
        return;
    };
    let first = test_db.db.migrate().await.expect("first migrate");
    assert!(!first.is_empty(), "a fresh database gets every migration");
    assert_eq!(first[0].version, 1);
    let second = test_db.db.migrate().await.expect("second migrate");
    assert!(second.is_empty(), "nothing is applied twice: {second:?}");
}

async fn audit_log_is_append_only(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let id = medicaledu_domain::Id::generate();
    medicaledu_store::on_db!(&test_db.db, pool => {
        sqlx::query("INSERT INTO audit_logs (id, action, entity_type) VALUES ($1, 'test.event', 'test')")
            .bind(id)
            .execute(pool)
            .await
            .expect("insert audit row");
        let update = sqlx::query("UPDATE audit_logs SET action = 'rewritten' WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await;
        assert!(update.is_err(), "audit rows cannot be updated");
        let delete = sqlx::query("DELETE FROM audit_logs WHERE id = $1").bind(id).execute(pool).await;
        assert!(delete.is_err(), "audit rows cannot be deleted");
    });
}

both_backends!(migrate_applies_everything_once, audit_log_is_append_only);

fn sqlite_pool(db: &Db) -> &SqlitePool {
    match db {
        Db::Sqlite(pool) => pool,
        Db::Postgres(_) => panic!("a SQLite test got a PostgreSQL database"),
    }
}

/// A SQLite database migrated up to 0006, holding an instructor's course, a
/// series head with a recurrence (revision 3), a one-off slot without one, and
/// a student's booking of the one-off slot. Returns the student's id.
async fn sqlite_before_recurrence_check() -> (TestDb, &'static str) {
    let test_db = TestDb::empty(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let pool = sqlite_pool(&test_db.db);
    SQLITE_MIGRATIONS
        .run_to(BEFORE_RECURRENCE_CHECK, pool)
        .await
        .expect("migrate up to 0006");
    let rows = [
        "INSERT INTO users (id, email, password_hash, full_name, role) VALUES \
         ('u-instructor', 'instructor@example.org', 'x', 'Instructor', 'instructor'), \
         ('u-student', 'student@example.org', 'x', 'Student', 'student')",
        "INSERT INTO courses (id, instructor_id, title, slug, category, level, currency) VALUES \
         ('c-1', 'u-instructor', 'Suturing', 'suturing', 'surgery', 'beginner', 'EUR')",
        "INSERT INTO availability_slots \
         (id, course_id, series_id, starts_at, ends_at, timezone, price_minor, currency, recurrence, revision) VALUES \
         ('s-series', 'c-1', 's-series', '2030-01-07T09:00:00.000000Z', '2030-01-07T10:00:00.000000Z', 'UTC', 0, 'EUR', \
          '{\"freq\":\"weekly\",\"count\":4}', 3), \
         ('s-single', 'c-1', NULL, '2030-01-08T09:00:00.000000Z', '2030-01-08T10:00:00.000000Z', 'UTC', 0, 'EUR', NULL, 0)",
        "INSERT INTO bookings (id, slot_id, student_id, status, list_price_minor, total_minor, currency) VALUES \
         ('b-1', 's-single', 'u-student', 'confirmed', 0, 0, 'EUR')",
    ];
    for sql in rows {
        sqlx::query(sql)
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    (test_db, "u-student")
}

/// Slots that `ck_availability_slots_recurrence_json` refuses when it is
/// evaluated as SQLite before 3.45 does (json_valid(NULL) = 0 there, NULL
/// now), which is what `PRAGMA integrity_check` of an older sqlite3 reports.
async fn slots_refused_by_sqlite_before_3_45(db: &Db) -> i64 {
    let schema = medicaledu_schema::introspect(db)
        .await
        .expect("introspect the schema");
    let check = schema
        .table("availability_slots")
        .and_then(|t| {
            t.checks
                .iter()
                .find(|c| c.name == "ck_availability_slots_recurrence_json")
        })
        .expect("the recurrence JSON check");
    let as_before_3_45 = check.expression.replace(
        "json_valid(recurrence)",
        "coalesce(json_valid(recurrence), 0)",
    );
    assert_ne!(as_before_3_45, check.expression, "{}", check.expression);
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM availability_slots WHERE NOT ({as_before_3_45})"
    )))
    .fetch_one(sqlite_pool(db))
    .await
    .expect("evaluate the check")
}

/// 0007 rebuilds availability_slots so its JSON check admits NULL on every
/// SQLite version, keeping the rows, columns, indexes and references.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_recurrence_check_admits_null_on_old_sqlite() {
    let (test_db, student) = sqlite_before_recurrence_check().await;
    let db = &test_db.db;
    let pool = sqlite_pool(db);
    assert_eq!(
        slots_refused_by_sqlite_before_3_45(db).await,
        1,
        "before 0007 an old sqlite3 refuses the slot without a recurrence"
    );

    let applied = db.migrate().await.expect("migrate to the latest version");
    assert_eq!(applied[0].version, BEFORE_RECURRENCE_CHECK + 1);
    assert_eq!(applied[0].description, "slot recurrence check");

    assert_eq!(slots_refused_by_sqlite_before_3_45(db).await, 0);
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(pool)
        .await
        .expect("integrity check");
    assert_eq!(integrity, ["ok"]);
    let violations: i64 = sqlx::query_scalar("SELECT count(*) FROM pragma_foreign_key_check")
        .fetch_one(pool)
        .await
        .expect("foreign key check");
    assert_eq!(violations, 0);

    // Every row and column came along, revision included.
    let slots: Vec<(String, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, series_id, recurrence, revision FROM availability_slots ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .expect("slots");
    assert_eq!(
        slots,
        [
            (
                "s-series".to_owned(),
                Some("s-series".to_owned()),
                Some(r#"{"freq":"weekly","count":4}"#.to_owned()),
                3
            ),
            ("s-single".to_owned(), None, None, 0),
        ]
    );
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'availability_slots' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("indexes");
    assert_eq!(
        indexes,
        [
            "ix_availability_slots_course_start",
            "ix_availability_slots_series_id",
            "ix_availability_slots_starts_at"
        ]
    );

    // The rebuilt check refuses invalid JSON and admits NULL.
    let invalid =
        sqlx::query("UPDATE availability_slots SET recurrence = 'weekly' WHERE id = 's-series'")
            .execute(pool)
            .await
            .expect_err("invalid JSON is refused");
    assert!(
        invalid
            .to_string()
            .contains("ck_availability_slots_recurrence_json"),
        "{invalid}"
    );
    sqlx::query(
        "INSERT INTO availability_slots (id, course_id, starts_at, ends_at, timezone, price_minor, currency) VALUES \
         ('s-new', 'c-1', '2030-01-09T09:00:00.000000Z', '2030-01-09T10:00:00.000000Z', 'UTC', 0, 'EUR')",
    )
    .execute(pool)
    .await
    .expect("a slot without a recurrence");

    // Foreign keys still hold both ways: series_id references the rebuilt
    // table itself, and bookings reference it too.
    let orphan_series =
        sqlx::query("UPDATE availability_slots SET series_id = 'missing' WHERE id = 's-new'")
            .execute(pool)
            .await
            .expect_err("series_id must name a slot");
    assert!(
        orphan_series.to_string().contains("FOREIGN KEY"),
        "{orphan_series}"
    );
    sqlx::query(
        "INSERT INTO bookings (id, slot_id, student_id, status, list_price_minor, total_minor, currency) VALUES \
         ('b-2', 's-series', $1, 'confirmed', 0, 0, 'EUR')",
    )
    .bind(student)
    .execute(pool)
    .await
    .expect("book a slot created before the migration");
    let orphan_booking = sqlx::query(
        "INSERT INTO bookings (id, slot_id, student_id, status, list_price_minor, total_minor, currency) VALUES \
         ('b-3', 'missing', $1, 'confirmed', 0, 0, 'EUR')",
    )
    .bind(student)
    .execute(pool)
    .await
    .expect_err("a booking must name a slot");
    assert!(
        orphan_booking.to_string().contains("FOREIGN KEY"),
        "{orphan_booking}"
    );
    let booked_slot = sqlx::query("DELETE FROM availability_slots WHERE id = 's-single'")
        .execute(pool)
        .await
        .expect_err("a booked slot cannot be deleted");
    assert!(
        booked_slot.to_string().contains("FOREIGN KEY"),
        "{booked_slot}"
    );
}

/// 0007 refuses to commit when a reference it could break does not hold, and
/// the failure leaves the database as it was and the pool's connections
/// usable, with foreign keys enforced.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_recurrence_check_rebuild_stops_on_a_broken_reference() {
    let (test_db, student) = sqlite_before_recurrence_check().await;
    // An orphan booking, which only a writer without enforcement can leave.
    let mut unchecked = sqlx::SqliteConnection::connect(&test_db.url)
        .await
        .expect("a connection of its own");
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut unchecked)
        .await
        .expect("enforcement off");
    sqlx::query(
        "INSERT INTO bookings (id, slot_id, student_id, status, list_price_minor, total_minor, currency) VALUES \
         ('b-orphan', 'missing', $1, 'confirmed', 0, 0, 'EUR')",
    )
    .bind(student)
    .execute(&mut unchecked)
    .await
    .expect("an orphan booking");
    unchecked.close().await.expect("close");

    // One connection, so the pool cannot hide a spoiled one behind another.
    let config = PoolConfig {
        max_connections: 1,
        ..PoolConfig::default()
    };
    let db = Db::connect(&test_db.url, &config).await.expect("connect");
    let error = db.migrate().await.expect_err("the rebuild stops");
    assert!(
        format!("{error}").contains("availability_slots_rebuild_keeps_every_reference"),
        "{error}"
    );
    let pool = sqlite_pool(&db);
    let table: String = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'availability_slots'",
    )
    .fetch_one(pool)
    .await
    .expect("the slots table");
    assert!(
        table.contains("CHECK (json_valid(recurrence))"),
        "rolled back to 0006's table: {table}"
    );
    let enforced: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .expect("foreign_keys");
    assert_eq!(enforced, 1);
    let mut tx = db.begin_write().await.expect("the pool can write again");
    medicaledu_store::on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM bookings WHERE id = 'b-orphan'")
            .execute(conn)
            .await
            .expect("remove the orphan");
    });
    tx.commit().await.expect("commit");

    let applied = db
        .migrate()
        .await
        .expect("the rebuild succeeds once references hold");
    assert_eq!(applied[0].version, BEFORE_RECURRENCE_CHECK + 1);
}
