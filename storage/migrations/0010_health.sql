-- The running bot's heartbeat (issue #21): one row, rewritten every few seconds, read by
-- `ayilbot health` and GET /healthz from another process. Times are UTC ISO 8601.
CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    mode TEXT NOT NULL,                   -- polling | webhook
    started_at TEXT NOT NULL,
    beat_at TEXT NOT NULL,
    telegram_ok_at TEXT,                  -- last successful getUpdates (or getWebhookInfo)
    scheduler_running INTEGER NOT NULL,
    jobs TEXT NOT NULL                    -- JSON: [{"name": ..., "next_run": ISO or null}]
);

-- The health check writes a row here and rolls it back: proof the file takes a write.
CREATE TABLE health_probe (at TEXT NOT NULL);
