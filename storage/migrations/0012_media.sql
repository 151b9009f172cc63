-- Photos and voice notes kept by the project (issue #19). Until now only Telegram file ids
-- were stored: lost with the bot's token, absent from backups and dossiers. A file is
-- downloaded after the record that holds it is committed, into the media folder, with its
-- size and SHA-256; a failed download is retried with growing pauses. Records keep naming
-- files by Telegram's ids; `file_key` (file_unique_id, else the file id) joins them here, and a
-- file no record names any more (retention, an erasure, an edit) leaves the folder.
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    file_key TEXT NOT NULL UNIQUE,
    file_id TEXT NOT NULL,                  -- what getFile takes
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'voice')),
    owner_id INTEGER,                       -- who sent it; NULL once she erased herself
    form_id TEXT,                           -- the form it came with: incident, need, ...
    received_at TEXT NOT NULL,              -- UTC
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'stored', 'too_large', 'lost')),
    path TEXT,                              -- relative to the media folder, once stored
    size INTEGER,                           -- bytes
    sha256 TEXT,                            -- hex digest of the stored bytes
    stored_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,    -- failed downloads so far
    next_attempt_at TEXT,                   -- not before; a download claims a row by moving it
    last_error TEXT                         -- the last failure, shown to administrators
);
CREATE INDEX media_due ON media(state, next_attempt_at);
CREATE INDEX media_owner ON media(owner_id);

-- Stored files whose row is gone: deleted from the folder once that deletion has committed
-- (a rolled-back erasure must not lose the bytes of records that stay).
CREATE TABLE media_trash (
    path TEXT PRIMARY KEY,
    since TEXT NOT NULL
);

-- The files received before this release are fetched too, while Telegram still has them.
INSERT OR IGNORE INTO media (file_key, file_id, kind, owner_id, form_id, received_at,
                             next_attempt_at)
SELECT coalesce(a.unique_id, a.file_id), a.file_id, a.type,
       coalesce(u.author_id, i.reporter_id), 'incident', coalesce(u.at, i.received_at),
       coalesce(u.at, i.received_at)
FROM incident_attachments a
JOIN incidents i ON i.id = a.incident_id
LEFT JOIN incident_updates u ON u.id = a.update_id
WHERE a.type IN ('photo', 'voice');

INSERT OR IGNORE INTO media (file_key, file_id, kind, owner_id, form_id, received_at,
                             next_attempt_at)
SELECT coalesce(a.unique_id, a.file_id), a.file_id, a.kind, p.author_id, 'practice',
       p.created_at, p.created_at
FROM practice_attachments a
JOIN practices p ON p.id = a.practice_id
WHERE a.kind IN ('photo', 'voice');

INSERT OR IGNORE INTO media (file_key, file_id, kind, owner_id, form_id, received_at,
                             next_attempt_at)
SELECT coalesce(json_extract(n.voice, '$.unique_id'), json_extract(n.voice, '$.file_id')),
       json_extract(n.voice, '$.file_id'), 'voice', n.author_id, 'need', n.created_at,
       n.created_at
FROM needs n
WHERE n.voice IS NOT NULL AND json_extract(n.voice, '$.file_id') IS NOT NULL;

INSERT OR IGNORE INTO media (file_key, file_id, kind, owner_id, form_id, received_at,
                             next_attempt_at)
SELECT coalesce(json_extract(j.value, '$.unique_id'), json_extract(j.value, '$.file_id')),
       json_extract(j.value, '$.file_id'), json_extract(j.value, '$.type'), n.author_id,
       'need', n.created_at, n.created_at
FROM needs n, json_each(n.photos) j
WHERE json_extract(j.value, '$.type') IN ('photo', 'voice')
  AND json_extract(j.value, '$.file_id') IS NOT NULL;

INSERT OR IGNORE INTO media (file_key, file_id, kind, owner_id, form_id, received_at,
                             next_attempt_at)
SELECT coalesce(json_extract(j.value, '$.unique_id'), json_extract(j.value, '$.file_id')),
       json_extract(j.value, '$.file_id'), json_extract(j.value, '$.type'), s.recorded_by,
       'need_stage', s.created_at, s.created_at
FROM need_stages s, json_each(s.evidence) j
WHERE json_extract(j.value, '$.type') IN ('photo', 'voice')
  AND json_extract(j.value, '$.file_id') IS NOT NULL;
