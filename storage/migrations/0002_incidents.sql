-- Incident reports, their update history and attachments (issue #3).
-- Column names follow conflict-event coding (ACLED: event_type, sub_event_type, actor1/2,
-- admin1-3, geo_precision, fatalities, source, source_scale) so exports compare with such
-- data sets. Place codes are columns, not JSON, because digests and early warning aggregate
-- over many rows in SQL.
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,                 -- the report number, shown as "№ 123"
    draft_id TEXT NOT NULL UNIQUE,          -- the form draft's uuid: a repeated submit is one row
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    reporter_id INTEGER,                    -- Telegram user id; NULL once the reporter is erased
    reporter_pseudonym TEXT,                -- stable label for anonymised exports
    reporter_role TEXT,                     -- the reporter's kind when sending (leader | ...)
    anonymous INTEGER NOT NULL DEFAULT 0,   -- 1: only admins may see who reported
    received_at TEXT NOT NULL,              -- UTC
    event_date TEXT NOT NULL,               -- ISO date, local calendar
    date_precision INTEGER NOT NULL,        -- 1 exact day, 2 within a week (ACLED time_precision)
    resource TEXT NOT NULL,                 -- water | pasture | arable_land | forest | ...
    resource_other TEXT,
    event_type TEXT NOT NULL,               -- protests | riots | strategic_developments
    sub_event_type TEXT NOT NULL,           -- tension | verbal_dispute | blockade | ...
    actor1 TEXT,                            -- the side's name: typed, or the category in English
    actor1_type TEXT NOT NULL,              -- farmers | herders | water_users | ...
    actor2 TEXT,
    actor2_type TEXT,
    crowd_size TEXT NOT NULL,               -- under_10 | 10_50 | 50_200 | over_200
    fatalities INTEGER NOT NULL DEFAULT 0,
    injuries INTEGER NOT NULL DEFAULT 0,
    admin1 TEXT,                            -- oblast code (gazetteer)
    admin2 TEXT,                            -- rayon or city code
    admin3 TEXT,                            -- aiyl aimak code
    place_other TEXT,                       -- typed when the place is not in the gazetteer
    location TEXT,                          -- village, as typed
    latitude REAL,
    longitude REAL,
    geo_precision INTEGER NOT NULL,         -- 1 pin shared, 2 village named, 3 aiyl aimak or wider
    border TEXT NOT NULL,                   -- yes | no | unknown: on or near the state border
    notes TEXT,                             -- the typed description
    response TEXT,                          -- none | ao_mediation | aksakal_court | ...
    source TEXT NOT NULL,                   -- witness | hearsay | media
    source_scale TEXT NOT NULL,             -- local | new_media
    urgent INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    review_status TEXT NOT NULL DEFAULT 'pending'
        CHECK (review_status IN ('pending', 'verified', 'question', 'duplicate', 'rejected')),
    duplicate_of INTEGER REFERENCES incidents(id),
    possible_duplicate_of INTEGER REFERENCES incidents(id),
    last_update_at TEXT NOT NULL,           -- received_at or the newest update: for follow-ups
    followup_sent_at TEXT                   -- set once: a report is followed up at most once
);
CREATE INDEX incidents_aimak_resource_time ON incidents(admin3, resource, received_at);
CREATE INDEX incidents_rayon_time ON incidents(admin2, received_at);
CREATE INDEX incidents_oblast_time ON incidents(admin1, received_at);
CREATE INDEX incidents_received ON incidents(received_at);
CREATE INDEX incidents_status ON incidents(status, last_update_at);
CREATE INDEX incidents_review ON incidents(review_status, id);
CREATE INDEX incidents_reporter ON incidents(reporter_id, id);

-- The history of a report: never overwritten, one row per update, question or answer.
CREATE TABLE incident_updates (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    draft_id TEXT UNIQUE,                   -- the form draft that made it, when one did
    at TEXT NOT NULL,                       -- UTC
    author_id INTEGER,                      -- NULL once the author is erased
    author_role TEXT NOT NULL,              -- reporter | coordinator
    kind TEXT NOT NULL,                     -- info | response | resolved | reopened | followup
                                            -- | question | answer
    text TEXT,
    response TEXT,                          -- kind response: which one
    outcome TEXT,                           -- kind followup: resolved | open | worse
    status_after TEXT,                      -- the report's status after this update
    reply_to INTEGER REFERENCES incident_updates(id)  -- kind answer: the question
);
CREATE INDEX incident_updates_incident ON incident_updates(incident_id, id);

-- Photos and voice notes: Telegram file ids only, never the bytes.
CREATE TABLE incident_attachments (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    update_id INTEGER REFERENCES incident_updates(id) ON DELETE CASCADE,
    type TEXT NOT NULL,                     -- photo | voice
    file_id TEXT NOT NULL,
    unique_id TEXT,
    duration INTEGER                        -- seconds, voice only
);
CREATE INDEX incident_attachments_incident ON incident_attachments(incident_id);
