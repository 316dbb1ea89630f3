//! `medicaledu backup`: a consistent, checked copy of a SQLite database taken
//! by the real binary while the server keeps booking; PostgreSQL is pointed
//! to `pg_dump`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use medicaledu_domain::Id;
use medicaledu_store::Backend;
use sqlx::sqlite::SqlitePoolOptions;

use crate::support::{both_backends, json_of, spawn_app};

both_backends!(a_backup_during_bookings_holds_every_one_acknowledged_before_it);

fn medicaledu_backup(database_url: &str, output: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_medicaledu"))
        .env_remove("MEDICALEDU_DATABASE_URL")
        .env_remove("MEDICALEDU_CONFIG")
        .args(["backup", "--database-url", database_url, "--output"])
        .arg(output)
        .output()
        .expect("run medicaledu backup")
}

async fn a_backup_during_bookings_holds_every_one_acknowledged_before_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("medicaledu-backup-{}", Id::generate()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let copy = dir.join("copy.db");
    if backend == Backend::Postgres {
        let url = app.test_db.url.clone();
        let out_path = copy.clone();
        let output = tokio::task::spawn_blocking(move || medicaledu_backup(&url, &out_path))
            .await
            .expect("backup process");
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("pg_dump"), "{stderr}");
        assert!(!copy.exists(), "nothing is written for PostgreSQL");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }

    let instructor = app.user("backup-teacher@example.org", "instructor").await;
    let course = app.course(&instructor).title("Backups").create().await;
    let mut slots = Vec::new();
    for day in 0..6 {
        slots.push(
            app.slot(&instructor, &course)
                .in_days(3 + day)
                .capacity(500)
                .create()
                .await,
        );
    }
    let mut students = Vec::new();
    for i in 0..16 {
        students.push(
            app.user(&format!("backup-student-{i}@example.org"), "student")
                .await,
        );
    }

    // Students book every session, each acknowledgement timed.
    let app = Arc::new(app);
    let acknowledged: Arc<Mutex<Vec<(Instant, Id)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for student in students {
        let (app, acknowledged, slots, stop) = (
            Arc::clone(&app),
            Arc::clone(&acknowledged),
            slots.clone(),
            Arc::clone(&stop),
        );
        load.push(tokio::spawn(async move {
            for slot in &slots {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let booked = app.book(&student, slot).await;
                assert_eq!(booked.status(), 201);
                let id: Id = json_of(booked).await["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .expect("a booking id");
                acknowledged
                    .lock()
                    .expect("not poisoned")
                    .push((Instant::now(), id));
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().expect("not poisoned").len() < 24 {
        assert!(Instant::now() < deadline, "the load never got going");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let began = Instant::now();
    let url = app.test_db.url.clone();
    let out_path = copy.clone();
    let output = tokio::task::spawn_blocking(move || medicaledu_backup(&url, &out_path))
        .await
        .expect("backup process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("integrity check ok"), "{stdout}");
    let before: Vec<Id> = acknowledged
        .lock()
        .expect("not poisoned")
        .iter()
        .filter(|(at, _)| *at < began)
        .map(|(_, id)| *id)
        .collect();
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.expect("a booking task");
    }
    let total = acknowledged.lock().expect("not poisoned").len();
    assert!(
        total > before.len(),
        "bookings went on while the backup ran ({total} in all, {} before)",
        before.len()
    );

    // The copy opens on its own, passes the integrity check and holds every
    // booking acknowledged before the backup began.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}?mode=ro", copy.display()))
        .await
        .expect("the copy opens");
    let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&pool)
        .await
        .expect("integrity check");
    assert_eq!(check, ["ok"]);
    for id in &before {
        let found: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings WHERE id = $1")
            .bind(*id)
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(found, 1, "booking {id} acknowledged before the backup");
    }
    let copied: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert!(
        copied as usize >= before.len() && copied as usize <= total,
        "{copied} bookings copied, {} acknowledged before, {total} in all",
        before.len()
    );

    // A second backup to the same file is refused rather than overwriting it.
    let url = app.test_db.url.clone();
    let copy_again = copy.clone();
    let again = tokio::task::spawn_blocking(move || medicaledu_backup(&url, &copy_again))
        .await
        .expect("backup process");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
