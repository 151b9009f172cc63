"""The append-only audit log of status changes."""

from __future__ import annotations

from datetime import datetime

from bot.records.core import AuditEntry
from storage.base import Repository, from_db_time, to_db_time


class AuditRepository(Repository):
    """Who changed what, when, from which value to which, and why."""

    async def record(
        self,
        *,
        actor_id: int | None,
        entity: str,
        entity_id: str,
        action: str,
        from_value: str | None,
        to_value: str | None,
        reason: str | None,
        now: datetime,
    ) -> None:
        await self._run(
            "INSERT INTO audit_log (at, actor_id, entity, entity_id, action, from_value,"
            " to_value, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (to_db_time(now), actor_id, entity, entity_id, action, from_value, to_value, reason),
        )

    async def for_entity(self, *, entity: str, entity_id: str) -> list[AuditEntry]:
        rows = await self._all(
            "SELECT at, actor_id, entity, entity_id, action, from_value, to_value, reason"
            " FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id",
            (entity, entity_id),
        )
        return [AuditEntry(from_db_time(r[0]) or datetime.min, *tuple(r)[1:]) for r in rows]
