"""Peer groups, their members, linked chats and chat-link requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.records.groups import DELIVERY_MODES, LinkRequest, Member, PeerGroup
from storage.base import Repository, from_db_time, to_db_time


def _group(row: Any) -> PeerGroup:
    return PeerGroup(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        region=row["region"],
        created_by=row["created_by"],
        chat_id=row["chat_id"],
        chat_title=row["chat_title"],
        deliver_to=row["deliver_to"],
        invite_code=row["invite_code"],
        active=bool(row["active"]),
        created_at=from_db_time(row["created_at"]) or datetime.min,
        language=row["language"],
    )


class GroupRepository(Repository):
    """The `peer_groups`, `group_members` and `group_link_requests` tables."""

    async def group_ids_of(self, user_id: int) -> list[int]:
        rows = await self._all(
            "SELECT m.group_id FROM group_members m JOIN peer_groups g ON g.id = m.group_id"
            " WHERE m.user_id = ? AND g.active = 1 ORDER BY m.group_id",
            (user_id,),
        )
        return [int(r[0]) for r in rows]

    async def create(
        self,
        *,
        name: str,
        kind: str,
        region: str | None,
        created_by: int,
        invite_code: str,
        now: datetime,
        language: str | None = None,  # NULL: the bot's default language
    ) -> int:
        at = to_db_time(now)
        return await self._insert(
            "INSERT INTO peer_groups (name, kind, region, created_by, invite_code, language,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (name, kind, region, created_by, invite_code, language, at, at),
        )

    async def get(self, group_id: int) -> PeerGroup | None:
        row = await self._one("SELECT * FROM peer_groups WHERE id = ?", (group_id,))
        return _group(row) if row else None

    async def by_invite(self, code: str) -> PeerGroup | None:
        row = await self._one(
            "SELECT * FROM peer_groups WHERE invite_code = ? AND active = 1", (code,)
        )
        return _group(row) if row else None

    async def by_chat(self, chat_id: int) -> PeerGroup | None:
        row = await self._one(
            "SELECT * FROM peer_groups WHERE chat_id = ? AND active = 1", (chat_id,)
        )
        return _group(row) if row else None

    async def created_by(self, user_id: int) -> list[PeerGroup]:
        """Active groups the person created (the ones a coordinator manages)."""
        rows = await self._all(
            "SELECT * FROM peer_groups WHERE created_by = ? AND active = 1 ORDER BY name, id",
            (user_id,),
        )
        return [_group(r) for r in rows]

    async def with_ids(self, group_ids: list[int]) -> list[PeerGroup]:
        """Active groups among the ids, by name."""
        if not group_ids:
            return []
        marks = ",".join("?" * len(group_ids))
        rows = await self._all(
            f"SELECT * FROM peer_groups WHERE id IN ({marks}) AND active = 1 ORDER BY name, id",
            tuple(group_ids),
        )
        return [_group(r) for r in rows]

    async def all_active(self) -> list[PeerGroup]:
        rows = await self._all("SELECT * FROM peer_groups WHERE active = 1 ORDER BY name, id")
        return [_group(r) for r in rows]

    async def of_member(self, user_id: int) -> list[PeerGroup]:
        rows = await self._all(
            "SELECT g.* FROM peer_groups g JOIN group_members m ON m.group_id = g.id"
            " WHERE m.user_id = ? AND g.active = 1 ORDER BY g.name, g.id",
            (user_id,),
        )
        return [_group(r) for r in rows]

    async def is_member(self, *, group_id: int, user_id: int) -> bool:
        row = await self._one(
            "SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
        )
        return row is not None

    async def add_member(self, *, group_id: int, user_id: int, now: datetime) -> bool:
        """Add the person; False when they were already a member."""
        changed = await self._run(
            "INSERT INTO group_members (group_id, user_id, joined_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (group_id, user_id, to_db_time(now)),
        )
        return changed == 1

    async def remove_member(self, *, group_id: int, user_id: int) -> bool:
        changed = await self._run(
            "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
        )
        return changed == 1

    async def members(self, group_id: int, *, limit: int, offset: int = 0) -> list[Member]:
        rows = await self._all(
            "SELECT u.id, u.first_name, u.last_name, u.username, m.joined_at"
            " FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = ?"
            " ORDER BY u.first_name, u.id LIMIT ? OFFSET ?",
            (group_id, limit, offset),
        )
        return [Member(r[0], r[1], r[2], r[3], from_db_time(r[4]) or datetime.min) for r in rows]

    async def member_ids(self, group_id: int) -> list[int]:
        rows = await self._all(
            "SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id", (group_id,)
        )
        return [int(r[0]) for r in rows]

    async def count_members(self, group_id: int) -> int:
        row = await self._one("SELECT count(*) FROM group_members WHERE group_id = ?", (group_id,))
        return int(row[0])

    async def rename(self, *, group_id: int, name: str, now: datetime) -> None:
        await self._run(
            "UPDATE peer_groups SET name = ?, updated_at = ? WHERE id = ?",
            (name, to_db_time(now), group_id),
        )

    async def set_language(self, *, group_id: int, language: str, now: datetime) -> None:
        await self._run(
            "UPDATE peer_groups SET language = ?, updated_at = ? WHERE id = ?",
            (language, to_db_time(now), group_id),
        )

    async def close(self, *, group_id: int, now: datetime) -> bool:
        """Close the group: its link stops working and its members lose what it showed."""
        changed = await self._run(
            "UPDATE peer_groups SET active = 0, invite_code = NULL, chat_id = NULL,"
            " updated_at = ? WHERE id = ? AND active = 1",
            (to_db_time(now), group_id),
        )
        return changed == 1

    async def link_chat(
        self, *, group_id: int, chat_id: int, chat_title: str | None, now: datetime
    ) -> None:
        """Link the chat to this group, unlinking it from any other first.

        The group it leaves sends its digests to its members again, as after an unlink: left
        at "the chat" with no chat, its digests would go to no one.
        """
        await self._run(
            "UPDATE peer_groups SET chat_id = NULL, chat_title = NULL, deliver_to = 'members',"
            " updated_at = ? WHERE chat_id = ? AND id != ?",
            (to_db_time(now), chat_id, group_id),
        )
        await self._run(
            "UPDATE peer_groups SET chat_id = ?, chat_title = ?, updated_at = ? WHERE id = ?",
            (chat_id, chat_title, to_db_time(now), group_id),
        )

    async def unlink_chat(self, *, group_id: int, now: datetime) -> None:
        await self._run(
            "UPDATE peer_groups SET chat_id = NULL, chat_title = NULL, deliver_to = 'members',"
            " updated_at = ? WHERE id = ?",
            (to_db_time(now), group_id),
        )

    async def set_delivery(self, *, group_id: int, deliver_to: str, now: datetime) -> None:
        if deliver_to not in DELIVERY_MODES:
            raise ValueError(f"deliver_to must be one of {DELIVERY_MODES}")
        await self._run(
            "UPDATE peer_groups SET deliver_to = ?, updated_at = ? WHERE id = ?",
            (deliver_to, to_db_time(now), group_id),
        )

    async def create_link_request(
        self, *, chat_id: int, chat_title: str | None, requested_by: int, now: datetime
    ) -> int:
        return await self._insert(
            "INSERT INTO group_link_requests (chat_id, chat_title, requested_by, created_at)"
            " VALUES (?, ?, ?, ?)",
            (chat_id, chat_title, requested_by, to_db_time(now)),
        )

    async def link_request(self, request_id: int) -> LinkRequest | None:
        row = await self._one(
            "SELECT id, chat_id, chat_title, requested_by FROM group_link_requests WHERE id = ?",
            (request_id,),
        )
        return LinkRequest(row[0], row[1], row[2], row[3]) if row else None

    async def delete_link_requests(self, *, chat_id: int) -> None:
        await self._run("DELETE FROM group_link_requests WHERE chat_id = ?", (chat_id,))

    async def erase_user(self, user_id: int) -> None:
        """Forget the person's pending chat-link requests (memberships are core's)."""
        await self._run("DELETE FROM group_link_requests WHERE requested_by = ?", (user_id,))
