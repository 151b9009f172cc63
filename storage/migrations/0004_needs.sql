-- Women's needs and their advocacy track, electoral programmes, election results, and the rapid
-- assessments of ayil okmotu (a history: one row per assessment, never overwritten).
CREATE TABLE needs (
    id INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL UNIQUE,          -- the form draft: one need per submission
    form_version INTEGER NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,                    -- water | school | health | roads | safety | jobs | land | other
    topic_other TEXT,
    place_code TEXT,                        -- gazetteer aiyl aimak
    village TEXT,                           -- free text: the gazetteer stops at aiyl aimak
    heard TEXT NOT NULL,                    -- meeting | survey | one
    women INTEGER NOT NULL,                 -- how many women raised it
    description TEXT,
    voice TEXT,                             -- JSON: Telegram file id and type of a voice note
    photos TEXT NOT NULL DEFAULT '[]',      -- JSON list of Telegram file ids and types
    proposal TEXT,                          -- what she proposes (goes into the programme)
    stage TEXT NOT NULL DEFAULT 'recorded', -- recorded | raised | in_plan | budgeted | implemented | declined
    reached TEXT NOT NULL DEFAULT 'recorded', -- furthest stage before any decline (the funnel)
    stage_on TEXT,                          -- date of the latest move (yyyy-mm-dd)
    amount_som INTEGER,                     -- budget allocated, in som
    joined_to INTEGER REFERENCES needs(id) ON DELETE SET NULL,  -- part of this need's initiative
    reminded_at TEXT,                       -- last monthly reminder: at most one a month
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX needs_author ON needs(author_id);
CREATE INDEX needs_joined ON needs(joined_to);

CREATE TABLE need_stages (
    id INTEGER PRIMARY KEY,
    need_id INTEGER NOT NULL REFERENCES needs(id) ON DELETE CASCADE,
    draft_id TEXT NOT NULL UNIQUE,
    stage TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    happened_on TEXT NOT NULL,              -- yyyy-mm-dd
    raised_with TEXT,                       -- okmotu | kenesh
    amount_som INTEGER,
    reason TEXT,                            -- why it was declined
    evidence TEXT NOT NULL DEFAULT '[]',    -- JSON list of Telegram file ids and types
    recorded_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX need_stages_need ON need_stages(need_id, id);

CREATE TABLE need_shares (
    need_id INTEGER NOT NULL REFERENCES needs(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES peer_groups(id) ON DELETE CASCADE,
    shared_at TEXT NOT NULL,
    PRIMARY KEY (need_id, group_id)
);
CREATE INDEX need_shares_group ON need_shares(group_id);

CREATE TABLE programmes (
    id INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL UNIQUE,
    author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    need_ids TEXT NOT NULL,                 -- JSON list, in the order chosen
    intro TEXT,
    locale TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE election_results (
    id INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    outcome TEXT NOT NULL,                  -- elected | not_elected | did_not_run
    election_on TEXT,                       -- yyyy-mm-dd
    place_code TEXT,                        -- the candidate's aiyl aimak
    created_at TEXT NOT NULL
);
CREATE INDEX election_results_user ON election_results(user_id, id);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL UNIQUE,
    form_version INTEGER NOT NULL,
    place_code TEXT NOT NULL,               -- the aiyl aimak assessed
    assessed_on TEXT NOT NULL,              -- yyyy-mm-dd
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    population INTEGER,
    villages INTEGER,
    water TEXT,                             -- sufficient | strained | contested
    pasture TEXT,
    arable TEXT,
    forest TEXT,
    non_timber TEXT,
    border_km INTEGER,
    border_status TEXT,                     -- delimited | partly | not_delimited | unknown
    mechanisms TEXT NOT NULL DEFAULT '[]',  -- JSON list: wua | pasture_committee | aksakal_court | joint_commission | none
    conflicts INTEGER,                      -- in the past 12 months
    worst_conflict TEXT,
    risks TEXT,
    contacts TEXT,                          -- staff names and phones: coordinators only
    created_at TEXT NOT NULL
);
CREATE INDEX assessments_place ON assessments(place_code, assessed_on, id);
