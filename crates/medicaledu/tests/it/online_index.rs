//! PostgreSQL migrations that index an existing table build the index
//! concurrently: writers to the table keep committing while it builds, and
//! replicas migrating at the same moment neither deadlock nor double-apply.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use medicaledu_store::{Backend, Db, PoolConfig};
use sqlx::PgPool;
use sqlx::migrate::Migrator;

use crate::support::TestDb;

static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../store/migrations/postgres");

/// The last migration before the outbox-depth index, the first one built
/// concurrently.
const BEFORE_OUTBOX_INDEX: i64 = 7;
const OUTBOX_INDEX_VERSION: i64 = 8;
const EXISTING_ROWS: i64 = 200_000;
const WRITERS: usize = 4;

/// One insert: when it was sent and when its commit came back.
struct Write {
    began: Instant,
    ended: Instant,
}

fn postgres_pool(db: &Db) -> &PgPool {
    match db {
        Db::Postgres(pool) => pool,
        Db::Sqlite(_) => panic!("a PostgreSQL test got a SQLite database"),
    }
}

async fn insert_notification(pool: &PgPool, user: uuid::Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (id, user_id, channel, kind, title, body, send_after)
         VALUES ($1, $2, 'email', 'test.write', 'Written during the build', '', now())",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(user)
    .execute(pool)
    .await
    .map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn index_migrations_do_not_block_writers_on_postgres() {
    let Some(test_db) = TestDb::empty(Backend::Postgres).await else {
        return;
    };
    let pool = postgres_pool(&test_db.db).clone();
    POSTGRES_MIGRATIONS
        .run_to(BEFORE_OUTBOX_INDEX, &pool)
        .await
        .expect("migrate to the version before the index");

    let user = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, full_name, role)
         VALUES ($1, 'writer@example.org', 'x', 'Writer', 'student')",
    )
    .bind(user)
    .execute(&pool)
    .await
    .expect("insert a user");
    sqlx::query(
        "INSERT INTO notifications (id, user_id, channel, kind, title, body, status, send_after)
         SELECT gen_random_uuid(), $1,
                CASE WHEN g % 4 = 0 THEN 'email' ELSE 'in_app' END,
                'test.bulk', 'Existing', '',
                CASE g % 10 WHEN 0 THEN 'queued' WHEN 1 THEN 'failed' ELSE 'sent' END,
                now()
         FROM generate_series(1, $2) AS g",
    )
    .bind(user)
    .bind(EXISTING_ROWS)
    .execute(&pool)
    .await
    .expect("fill the table");

    // Writers insert one row at a time for as long as the migration runs.
    let migrating = Arc::new(AtomicBool::new(true));
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let pool = pool.clone();
        let migrating = Arc::clone(&migrating);
        writers.push(tokio::spawn(async move {
            let mut writes = Vec::new();
            while migrating.load(Ordering::Acquire) {
                let began = Instant::now();
                insert_notification(&pool, user)
                    .await
                    .expect("insert while the index builds");
                writes.push(Write {
                    began,
                    ended: Instant::now(),
                });
            }
            writes
        }));
    }
    // The build shows in PostgreSQL's progress view from its first phase to
    // its last; the window between is when writers would be held.
    let watcher = {
        let pool = pool.clone();
        let migrating = Arc::clone(&migrating);
        tokio::spawn(async move {
            let mut window: Option<(Instant, Instant)> = None;
            while migrating.load(Ordering::Acquire) {
                let building: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM pg_stat_progress_create_index
                                    WHERE relid = 'notifications'::regclass
                                      AND datname = current_database())",
                )
                .fetch_one(&pool)
                .await
                .expect("read index build progress");
                if building {
                    let now = Instant::now();
                    window = Some((window.map_or(now, |(first, _)| first), now));
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            window
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;

    // Two replicas start at once; one applies the migration, the other waits
    // for it without holding a snapshot the concurrent build would wait for.
    let replica = Db::connect(&test_db.url, &PoolConfig::default())
        .await
        .expect("second replica connects");
    let (first, second) = tokio::join!(test_db.db.migrate(), replica.migrate());
    migrating.store(false, Ordering::Release);
    let first = first.expect("first replica migrates");
    let second = second.expect("second replica migrates");
    let mut writes = Vec::new();
    for writer in writers {
        writes.extend(writer.await.expect("writer task"));
    }
    let (build_seen, built) = watcher
        .await
        .expect("watcher task")
        .expect("the index build showed in pg_stat_progress_create_index");

    let mut applied: Vec<i64> = first
        .iter()
        .chain(second.iter())
        .map(|m| m.version)
        .collect();
    applied.sort_unstable();
    let pending: Vec<i64> = POSTGRES_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .filter(|v| *v > BEFORE_OUTBOX_INDEX)
        .collect();
    assert_eq!(
        applied, pending,
        "between them the replicas applied every later migration, each once"
    );
    assert!(applied.contains(&OUTBOX_INDEX_VERSION));
    let valid: bool = sqlx::query_scalar(
        "SELECT i.indisvalid FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relname = 'ix_notifications_outbox_depth'",
    )
    .fetch_one(&pool)
    .await
    .expect("the index exists");
    assert!(valid, "the concurrently built index is valid");

    // A blocking CREATE INDEX holds every insert sent during the build until
    // it commits, after its last progress report; a concurrent one lets them
    // through.
    let during: Vec<&Write> = writes
        .iter()
        .filter(|w| w.began >= build_seen && w.ended <= built)
        .collect();
    let window = built - build_seen;
    assert!(
        during.len() >= 2 * WRITERS,
        "inserts kept committing during the {window:?} build: {} did",
        during.len()
    );
    let waited_out = writes
        .iter()
        .filter(|w| w.began <= build_seen && w.ended >= built)
        .count();
    assert_eq!(waited_out, 0, "no insert waited for the whole build");
    let written: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE kind = 'test.write'")
            .fetch_one(&pool)
            .await
            .expect("count the writes");
    assert_eq!(written, i64::try_from(writes.len()).expect("count fits"));
    replica.close().await;
}
