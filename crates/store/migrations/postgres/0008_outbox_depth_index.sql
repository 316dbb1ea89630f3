-- no-transaction
-- The notification outbox's depth by status and channel (the metrics endpoint
-- asks for it at every scrape) as an index-only count of the rows still in
-- the outbox's care, however many sent notifications the table keeps.
--
-- Built CONCURRENTLY, so writers to notifications keep going while it builds;
-- that cannot run inside a transaction, hence `no-transaction` above and one
-- statement in this file. A build that fails leaves an INVALID index behind:
-- drop it (`DROP INDEX CONCURRENTLY ix_notifications_outbox_depth`) and run
-- the migrations again (see docs/migrations.md).
CREATE INDEX CONCURRENTLY ix_notifications_outbox_depth
    ON notifications (status, channel)
    WHERE status IN ('queued', 'sending', 'failed');
