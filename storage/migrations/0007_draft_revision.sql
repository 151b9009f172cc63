-- A form step reads its draft without the write lock and writes in one trip to the writer
-- (issue #9); the revision tells that write whether the draft moved on in between.
ALTER TABLE drafts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
