"""Peer groups and their members."""

from __future__ import annotations

from storage.base import Repository


class GroupRepository(Repository):
    """The `peer_groups` and `group_members` tables."""

    async def group_ids_of(self, user_id: int) -> list[int]:
        rows = await self._all(
            "SELECT m.group_id FROM group_members m JOIN peer_groups g ON g.id = m.group_id"
            " WHERE m.user_id = ? AND g.active = 1 ORDER BY m.group_id",
            (user_id,),
        )
        return [int(r[0]) for r in rows]
