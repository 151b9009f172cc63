-- Weekly digests (issue #5): who gets one when, and every delivery, claimed before sending.

-- A person's or a group's schedule; no row means the default (Monday 09:00, on).
CREATE TABLE digest_schedules (
    recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('user', 'group')),
    recipient_id INTEGER NOT NULL,          -- users.id or peer_groups.id
    weekday INTEGER NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday
    hour INTEGER NOT NULL DEFAULT 9 CHECK (hour BETWEEN 0 AND 23),       -- local time
    enabled INTEGER NOT NULL DEFAULT 1,
    language TEXT,                          -- a group chat's digest language; NULL: the default
    updated_by INTEGER,                     -- who changed it last; NULL once erased
    updated_at TEXT NOT NULL,
    PRIMARY KEY (recipient_kind, recipient_id)
);

-- One row per recipient, chat and period: the UNIQUE key is what makes a digest go out once.
-- A group's digest goes to its chat and/or to each member, so the chat is part of the key.
CREATE TABLE digest_deliveries (
    id INTEGER PRIMARY KEY,
    recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('user', 'group')),
    recipient_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,               -- where it goes: the person, a member or a group chat
    period_start TEXT NOT NULL,             -- the Monday (local date) of the period's week
    due_at TEXT NOT NULL,                   -- the scheduled time, UTC
    status TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'skipped')),
    reason TEXT,                            -- failed: error | interrupted | rejected; skipped: blocked
    late INTEGER NOT NULL DEFAULT 0,        -- 1: sent by the start-up catch-up, after its time
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_at TEXT,
    sent_at TEXT,
    UNIQUE (recipient_kind, recipient_id, chat_id, period_start)
);
CREATE INDEX digest_deliveries_status ON digest_deliveries(status, due_at);
CREATE INDEX digest_deliveries_chat ON digest_deliveries(chat_id);

-- Small named values; `last_tick` is the time up to which scheduled periods were looked at.
CREATE TABLE digest_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Covering indexes for the digest's counts over the incident reports, so that a digest over a
-- million reports reads index entries only: reports of a week (by resource, kind, rayon, the
-- eight-week chart), reports still open by age, and reports waiting for review.
CREATE INDEX digest_incidents_week ON incidents(
    received_at, resource, sub_event_type, review_status, admin1, admin2, admin3, urgent
);
CREATE INDEX digest_incidents_open ON incidents(
    status, received_at, review_status, admin1, admin2, admin3
);
CREATE INDEX digest_incidents_review ON incidents(
    review_status, received_at, admin1, admin2, admin3
);
