-- Early warning (issue #11): the rising-tension alerts raised, who got each, and the index
-- the signal is computed over.

-- One row per place and week: the UNIQUE key is what makes an alert go out once a week.
-- A row is also the record that the place was rising, which the calming rule looks back on.
CREATE TABLE warning_alerts (
    id INTEGER PRIMARY KEY,
    place TEXT NOT NULL,                    -- aiyl aimak code (gazetteer)
    week_start TEXT NOT NULL,               -- the Monday (local date) of the week it was raised
    raised_at TEXT NOT NULL,                -- UTC
    reasons TEXT NOT NULL,                  -- JSON: the structured reasons, rendered per reader
    UNIQUE (place, week_start)
);
CREATE INDEX warning_alerts_place_time ON warning_alerts(place, raised_at);
CREATE INDEX warning_alerts_time ON warning_alerts(raised_at);

-- Each coordinator an alert went to, claimed before sending: never twice to one person.
CREATE TABLE warning_deliveries (
    alert_id INTEGER NOT NULL REFERENCES warning_alerts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    claimed_at TEXT NOT NULL,               -- UTC
    delivered INTEGER NOT NULL DEFAULT 0,   -- 1 once Telegram accepted the message
    PRIMARY KEY (alert_id, user_id)
);
CREATE INDEX warning_deliveries_user ON warning_deliveries(user_id);

-- Covering index for the signal: every column the aggregate reads, grouped in index order
-- (rayon, aiyl aimak, resource, event kind, status), so a million reports are read in one
-- pass with no sort and without touching the table.
CREATE INDEX incidents_early_warning ON incidents(
    admin2, admin3, resource, sub_event_type, status, event_date,
    review_status, injuries, fatalities
);
