-- Places (issue #18): the village picked from the gazetteer's list, and "not listed" answers
-- attached to a gazetteer place later.
--
-- A village picked from the list is stored by its code beside the name (`incidents.location`,
-- `needs.village`), which stays the name as typed when the village is not listed.
ALTER TABLE incidents ADD COLUMN village_code TEXT;  -- gazetteer village, when picked
ALTER TABLE needs ADD COLUMN village_code TEXT;      -- gazetteer village, when picked

-- Attaching a place typed by hand writes the gazetteer codes into the record's own place
-- columns (admin1-3 and village_code of a report, place_code of a person or a need) and keeps
-- the typed text, so every existing count, digest, map and export counts it there with no
-- change to any query; the audit log keeps the codes it had before. This marks the typed
-- text as attached, so it leaves the list of places still to attach.
ALTER TABLE incidents ADD COLUMN place_attached_at TEXT;  -- UTC; NULL: typed, not attached
ALTER TABLE needs ADD COLUMN place_attached_at TEXT;
ALTER TABLE users ADD COLUMN place_attached_at TEXT;
