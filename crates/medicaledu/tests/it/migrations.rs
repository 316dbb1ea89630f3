use medicaledu_store::Backend;

use crate::support::{TestDb, both_backends};

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
