-- Notifications become a delivery outbox: each user chooses channels per kind
-- of notification (only choices that differ from the defaults are stored), and
-- a notification that is useless after some moment, like a reminder of a
-- session that has started, carries that moment so it is cancelled, not sent late.
ALTER TABLE users ADD COLUMN notification_preferences jsonb NOT NULL DEFAULT '{}';
ALTER TABLE notifications ADD COLUMN expires_at timestamptz;
ALTER TABLE notifications ADD CONSTRAINT ck_notifications_expires_at CHECK (expires_at IS NULL OR expires_at >= send_after);

-- The inbox lists delivered in-app notifications by delivery time (a reminder
-- appears when it is due, not when it was queued).
DROP INDEX ix_notifications_user_unread;
CREATE INDEX ix_notifications_inbox ON notifications (user_id, send_after, id)
    WHERE channel = 'in_app' AND status = 'sent';
CREATE INDEX ix_notifications_inbox_unread ON notifications (user_id)
    WHERE channel = 'in_app' AND status = 'sent' AND read_at IS NULL;
-- Operators list the failed ones to see what went wrong and send them again.
CREATE INDEX ix_notifications_failed ON notifications (created_at, id) WHERE status = 'failed';
