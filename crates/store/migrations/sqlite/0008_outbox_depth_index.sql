-- The notification outbox's depth by status and channel (the metrics endpoint
-- asks for it at every scrape) as an index-only count of the rows still in
-- the outbox's care, however many sent notifications the table keeps.
-- PostgreSQL builds it concurrently; SQLite has one writer at a time anyway.
CREATE INDEX ix_notifications_outbox_depth
    ON notifications (status, channel)
    WHERE status IN ('queued', 'sending', 'failed');
