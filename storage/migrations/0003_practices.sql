-- Practices shared by peers, their review, visibility, "helped me", relayed questions, search;
-- peer groups gain a linked chat's title and pending chat-link requests.

ALTER TABLE peer_groups ADD COLUMN chat_title TEXT;
ALTER TABLE peer_groups ADD COLUMN updated_at TEXT;
-- A Telegram chat is linked to at most one peer group.
CREATE UNIQUE INDEX peer_groups_chat ON peer_groups(chat_id) WHERE chat_id IS NOT NULL;
CREATE INDEX peer_groups_creator ON peer_groups(created_by);

-- /linkgroup in a chat waits here until the coordinator picks the group in private.
CREATE TABLE group_link_requests (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    chat_title TEXT,
    requested_by INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);

CREATE TABLE practices (
    id INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL UNIQUE,          -- the form draft: a repeated submit is one record
    form_version INTEGER NOT NULL,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    author_kind TEXT,                       -- leader | candidate | community, at submit
    place_code TEXT,                        -- the author's place at submit (gazetteer)
    topic TEXT NOT NULL,
    topic_other TEXT,
    title TEXT NOT NULL,
    situation TEXT NOT NULL,
    actions TEXT NOT NULL,
    result TEXT NOT NULL,
    plan_budget TEXT,                       -- candidates: plan | budget | both | no | pending
    amount_som INTEGER,
    advice TEXT NOT NULL,
    visible_to_all INTEGER NOT NULL DEFAULT 0,  -- 1: every registered person; else the groups
    allow_contact INTEGER NOT NULL DEFAULT 0,   -- peers may ask questions through the bot
    show_author INTEGER NOT NULL DEFAULT 0,     -- the author's name may be shown and compiled
    status TEXT NOT NULL DEFAULT 'pending',     -- pending | changes | approved | declined
    review_note TEXT,                       -- the coordinator's comment or reason
    reviewed_by INTEGER,
    reviewed_at TEXT,
    approved_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX practices_status ON practices(status, approved_at);
CREATE INDEX practices_author ON practices(author_id);

CREATE TABLE practice_attachments (
    practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,                     -- photo | document | voice
    file_id TEXT NOT NULL,                  -- Telegram's id; the bytes stay with Telegram
    unique_id TEXT,
    mime TEXT,
    name TEXT,
    duration INTEGER,
    PRIMARY KEY (practice_id, position)
);

CREATE TABLE practice_visibility (
    practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES peer_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (practice_id, group_id)
);
CREATE INDEX practice_visibility_group ON practice_visibility(group_id);

CREATE TABLE practice_helpful (
    practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    UNIQUE (practice_id, user_id)
);
CREATE INDEX practice_helpful_user ON practice_helpful(user_id);

-- "Ask the author": relayed by the bot; names are revealed only when both flags are 1.
CREATE TABLE practice_questions (
    id INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL UNIQUE,
    practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    asker_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    asker_shares INTEGER NOT NULL DEFAULT 0,
    answer TEXT,
    answer_draft_id TEXT UNIQUE,
    author_shares INTEGER NOT NULL DEFAULT 0,
    asked_at TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX practice_questions_practice ON practice_questions(practice_id);
CREATE INDEX practice_questions_asker ON practice_questions(asker_id);

-- A typed search, so result pages carry only its id in their buttons.
CREATE TABLE practice_searches (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Search: unicode61 folds case in Cyrillic and Latin and strips Latin diacritics; the
-- repository stores text already folded for what it leaves (ё→е, and ө ү ң→о у н, since
-- many type Kyrgyz on a Russian keyboard). Trigram was not chosen: words, not substrings,
-- with a prefix query covering inflected endings. rowid = practices.id.
CREATE VIRTUAL TABLE practices_fts USING fts5(
    title, body, tokenize = 'unicode61 remove_diacritics 2'
);
