-- no-transaction
-- ck_availability_slots_recurrence_json said json_valid(recurrence), which
-- holds for a slot without a recurrence only because json_valid(NULL) is NULL
-- since SQLite 3.45; older sqlite3 tools evaluate it to 0, so PRAGMA
-- integrity_check (and any write through them) fails on every such slot. The
-- check now states that NULL is allowed.
--
-- SQLite cannot alter a CHECK, so the table is rebuilt as
-- https://sqlite.org/lang_altertable.html#otheralter describes: every column
-- (revision from 0003 included), constraint and index is as before, only the
-- JSON check changes. availability_slots has no triggers and no view reads it.
--
-- Why this migration manages its own transaction (the header above tells sqlx
-- not to wrap it): dropping availability_slots while foreign keys are enforced
-- would delete its rows and trip bookings.slot_id's ON DELETE RESTRICT, and
-- PRAGMA foreign_keys is a no-op inside a transaction, so enforcement is
-- switched off first, outside one. sqlx records the migration after COMMIT;
-- should the process stop in between, running this again rebuilds the table
-- once more to the same result. Db::migrate runs migrations on a connection it
-- closes afterwards, so a failure here cannot leave a pooled connection with
-- enforcement off or a transaction open.
PRAGMA foreign_keys = OFF;
-- IMMEDIATE: take the write lock before reading the rows to copy.
BEGIN IMMEDIATE;

-- series_id references the final name: after the rename it points at itself.
CREATE TABLE availability_slots_rebuilt (
    id                      TEXT     NOT NULL,
    course_id               TEXT     NOT NULL,
    series_id               TEXT,
    starts_at               TEXT     NOT NULL,
    ends_at                 TEXT     NOT NULL,
    timezone                TEXT     NOT NULL,
    capacity                INTEGER  NOT NULL DEFAULT 1,
    seats_booked            INTEGER  NOT NULL DEFAULT 0,
    price_minor             INTEGER  NOT NULL,
    currency                TEXT     NOT NULL,
    location                TEXT,
    meeting_url             TEXT,
    status                  TEXT     NOT NULL DEFAULT 'open',
    recurrence              TEXT,
    cancelled_at            TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    deleted_at              TEXT,
    revision                INTEGER  NOT NULL DEFAULT 0,
    CONSTRAINT pk_availability_slots PRIMARY KEY (id),
    CONSTRAINT fk_availability_slots_course_id FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE RESTRICT,
    CONSTRAINT fk_availability_slots_series_id FOREIGN KEY (series_id) REFERENCES availability_slots (id) ON DELETE RESTRICT,
    CONSTRAINT ck_availability_slots_time CHECK (ends_at > starts_at),
    CONSTRAINT ck_availability_slots_capacity CHECK (capacity >= 1),
    CONSTRAINT ck_availability_slots_seats CHECK (seats_booked >= 0 AND seats_booked <= capacity),
    CONSTRAINT ck_availability_slots_price CHECK (price_minor >= 0),
    CONSTRAINT ck_availability_slots_currency CHECK (length(currency) = 3 AND currency = upper(currency)),
    CONSTRAINT ck_availability_slots_status CHECK (status IN ('open', 'closed', 'cancelled')),
    CONSTRAINT ck_availability_slots_recurrence CHECK (recurrence IS NULL OR series_id = id),
    CONSTRAINT ck_availability_slots_recurrence_json CHECK (recurrence IS NULL OR json_valid(recurrence))
) STRICT;

INSERT INTO availability_slots_rebuilt (
    id, course_id, series_id, starts_at, ends_at, timezone, capacity, seats_booked,
    price_minor, currency, location, meeting_url, status, recurrence, cancelled_at,
    created_at, updated_at, deleted_at, revision
)
SELECT
    id, course_id, series_id, starts_at, ends_at, timezone, capacity, seats_booked,
    price_minor, currency, location, meeting_url, status, recurrence, cancelled_at,
    created_at, updated_at, deleted_at, revision
FROM availability_slots;

DROP TABLE availability_slots;
ALTER TABLE availability_slots_rebuilt RENAME TO availability_slots;

CREATE INDEX ix_availability_slots_course_start ON availability_slots (course_id, starts_at);
CREATE INDEX ix_availability_slots_series_id ON availability_slots (series_id, starts_at);
CREATE INDEX ix_availability_slots_starts_at ON availability_slots (starts_at) WHERE deleted_at IS NULL;

-- PRAGMA foreign_key_check only reports violations, and a statement list
-- ignores what it returns; counting them into a checked column turns any into
-- an error that stops the migration before COMMIT. The two tables are those
-- whose references the rebuild could break: the slots' own and bookings'.
CREATE TEMP TABLE migration_0007_foreign_keys (
    violations INTEGER NOT NULL,
    CONSTRAINT availability_slots_rebuild_keeps_every_reference CHECK (violations = 0)
) STRICT;
INSERT INTO migration_0007_foreign_keys (violations)
SELECT (SELECT count(*) FROM pragma_foreign_key_check('availability_slots'))
     + (SELECT count(*) FROM pragma_foreign_key_check('bookings'));
DROP TABLE migration_0007_foreign_keys;

COMMIT;
PRAGMA foreign_keys = ON;
