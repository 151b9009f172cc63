-- People, roles and their scopes, invites, form drafts, processed updates, the audit log.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,                 -- Telegram user id
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT,
    username TEXT,
    language TEXT NOT NULL,
    kind TEXT,                              -- leader | candidate | community
    place_code TEXT,                        -- gazetteer code of where they work
    place_other TEXT,                       -- free text when "not listed"
    privacy_accepted_at TEXT,
    pseudonym TEXT NOT NULL UNIQUE,         -- stable label for anonymised exports
    active INTEGER NOT NULL DEFAULT 1,      -- 0: blocked the bot or deactivated
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE roles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,                     -- coordinator | admin
    scope_kind TEXT NOT NULL,               -- all | place | group
    scope_value TEXT NOT NULL DEFAULT '',
    granted_by INTEGER,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, role, scope_kind, scope_value)
);

CREATE TABLE invites (
    code TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_value TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    used_by INTEGER,
    used_at TEXT
);

CREATE TABLE drafts (
    id TEXT PRIMARY KEY,                    -- uuid made when the form opens
    user_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    answers TEXT NOT NULL DEFAULT '{}',

    step TEXT NOT NULL,                     -- current step key, or '' for the summary
    context TEXT NOT NULL DEFAULT '{}',     -- what the form was opened with

    status TEXT NOT NULL DEFAULT 'open',    -- open | paused | submitted
    result TEXT,                            -- what submit returned, for a repeated press
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX drafts_one_live_per_form ON drafts(user_id, form_id)
    WHERE status IN ('open', 'paused');
CREATE INDEX drafts_user_updated ON drafts(user_id, status, updated_at);

CREATE TABLE processed_updates (
    key TEXT PRIMARY KEY,                   -- chat:message or callback query id
    user_id INTEGER NOT NULL,               -- whose update, so /deleteme removes the keys
    at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    reason TEXT
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);

CREATE TABLE peer_groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,                     -- ao_peers | candidates
    region TEXT,                            -- gazetteer code
    created_by INTEGER,
    chat_id INTEGER,                        -- a linked Telegram group chat
    deliver_to TEXT NOT NULL DEFAULT 'members',  -- members | chat | both
    invite_code TEXT UNIQUE,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES peer_groups(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);
