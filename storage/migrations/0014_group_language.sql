-- Issue #17. A peer group speaks one language: the bot writes to its linked chat in it (the
-- digest, the "chat linked" notice). It is asked when a group is created. Before, a group chat's
-- digest language was a column of the digest schedule, NULL unless a manager had pressed a
-- language in the digest settings, so most chats got the bot's default (Kyrgyz) whatever the
-- group spoke. A group that had one chosen there keeps it; the others take their creator's.
-- NULL remains only where the creator is gone: the bot's default language.
ALTER TABLE peer_groups ADD COLUMN language TEXT;  -- ky | ru | en; NULL: the bot's default
UPDATE peer_groups SET language = coalesce(
    (SELECT s.language FROM digest_schedules s
        WHERE s.recipient_kind = 'group' AND s.recipient_id = peer_groups.id),
    (SELECT u.language FROM users u WHERE u.id = peer_groups.created_by)
);
-- peer_groups.language is now the one place a group's language is kept; the schedule's column
-- is no longer read or written (dropping a column needs SQLite 3.35, older than some servers').
UPDATE digest_schedules SET language = NULL;

-- Early warning: an open urgent report keeps its aiyl aimak off the calming list. The few open
-- urgent reports are found by place without reading the open ones that are not urgent.
CREATE INDEX incidents_open_urgent ON incidents(admin3, received_at, review_status)
    WHERE urgent = 1 AND status = 'open';
