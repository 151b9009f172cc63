-- Issue #15. A person who blocks the bot and a person an administrator deactivated are two
-- states: unblocking the bot clears the first only. `active` stays what every sender reads:
-- 1 exactly when the person is neither blocked nor deactivated (storage/users.py keeps it so).
ALTER TABLE users ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deactivated_at TEXT;  -- cleared only by `ayilbot admin reactivate`
-- Before this, blocking and deactivating both wrote active = 0 and nothing told them apart;
-- blocking is by far the commoner, and deactivating again is one command.
UPDATE users SET blocked = 1 WHERE active = 0;

-- Administrators hear once a week per rayon that reports come from where no coordinator
-- covers; the row is claimed before the message goes, so a restart never repeats it.
CREATE TABLE uncovered_notices (
    region TEXT NOT NULL,                   -- the rayon's (else oblast's) code; '' for unplaced
    week_start TEXT NOT NULL,               -- the Monday (local date) of the week
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (region, week_start)
);
