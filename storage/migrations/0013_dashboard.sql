-- The coordinator's dashboard and its API (issue #20): who is signed in, one-time login
-- links, Mini App sign-ins already used, API tokens; and the indexes its lists and its map
-- read 100,000 reports through. Secrets are stored as SHA-256 hashes only: a copy of the
-- file (a backup, a replica) signs nobody in. Times are UTC ISO 8601.

-- A browser's session: the cookie holds the secret, this row its hash.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    via TEXT NOT NULL,                    -- webapp | link
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);

-- A one-time link that /dashboard (or `ayilbot sandbox`) gives; used once, valid 10 minutes.
CREATE TABLE web_login_links (
    code_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX web_login_links_user ON web_login_links(user_id);
CREATE INDEX web_login_links_expiry ON web_login_links(expires_at);

-- Mini App initData already exchanged for a session (by the hash Telegram signed it with):
-- the same initData twice is a replay. Kept as long as such initData is accepted at all.
CREATE TABLE web_init_data_used (
    signature_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    used_at TEXT NOT NULL
);
CREATE INDEX web_init_data_used_at ON web_init_data_used(used_at);

-- Read-only API tokens an administrator creates (`ayilbot admin token create NAME SCOPE`).
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    scope_kind TEXT NOT NULL,             -- all | place | group, as coordinator roles
    scope_value TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);

-- The dashboard's filters and map over many reports (bench/dashboard.py, 100,000 of them).
-- Counts per aiyl aimak and resource read this index in its order, with every filter column
-- in it, instead of sorting every row (90 ms to 10 ms for the whole country); the others let
-- a period or a resource filter, and the table's sort orders, find their rows directly.
CREATE INDEX incidents_places ON incidents(
    admin3, resource, event_date, sub_event_type, review_status, urgent, admin1, admin2
);
CREATE INDEX incidents_event_order ON incidents(event_date, id);
CREATE INDEX incidents_resource_order ON incidents(resource, id);
