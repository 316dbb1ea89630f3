-- Scheduling: a per-user calendar feed token (only its hash is kept, like
-- session tokens) and revision counters that become the iCalendar SEQUENCE of
-- a booking's event, so subscribed calendars pick up moves and cancellations.
ALTER TABLE users ADD COLUMN calendar_token_hash TEXT;
CREATE UNIQUE INDEX ux_users_calendar_token_hash ON users (calendar_token_hash) WHERE calendar_token_hash IS NOT NULL AND deleted_at IS NULL;

ALTER TABLE availability_slots ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

