"""The reports of a dossier: a filtered set, and the last review decision of each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from bot.records.core import AuditEntry
from bot.records.incidents import Incident
from storage.audit import AuditRepository
from storage.base import Repository
from storage.incidents import incident_from_row

_COLUMNS = ", ".join(f.name for f in fields(Incident))  # as incident_from_row reads
# A dossier goes to officials: reports a coordinator rejected or joined to another are not in
# a filtered one (one opened from its own card still is).
LEFT_OUT = ("rejected", "duplicate")


class DossierRepository(Repository):
    """Reports by place, period, resource and status; newest first, at most `limit`."""

    async def reports(
        self,
        *,
        codes: Sequence[str] | None,
        since: date | None,
        resource: str | None,
        status: str | None,
        limit: int,
    ) -> tuple[list[Incident], int]:
        """(the newest `limit` reports of the filter, how many match in all)."""
        where = [f"review_status NOT IN ({', '.join('?' * len(LEFT_OUT))})"]
        params: list[Any] = list(LEFT_OUT)
        if codes is not None:
            marks = ", ".join("?" * len(codes)) or "NULL"
            where.append(f"(admin1 IN ({marks}) OR admin2 IN ({marks}) OR admin3 IN ({marks}))")
            params += [*codes, *codes, *codes]
        if since is not None:
            where.append("event_date >= ?")
            params.append(since.isoformat())
        if resource is not None:
            where.append("resource = ?")
            params.append(resource)
        if status == "verified":
            where.append("review_status = 'verified'")
        elif status is not None:
            where.append("status = ?")
            params.append(status)
        condition = " AND ".join(where)
        total = await self._one(f"SELECT count(*) FROM incidents WHERE {condition}", tuple(params))
        rows = await self._all(
            f"SELECT {_COLUMNS} FROM incidents WHERE {condition} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [incident_from_row(r) for r in rows], int(total[0])

    async def last_review(self, incident_id: int) -> AuditEntry | None:
        """The latest review decision about a report (verify, duplicate, reject)."""
        entries = await AuditRepository(self.conn).for_entity(
            entity="incident", entity_id=str(incident_id)
        )
        decisions = [e for e in entries if e.action == "review"]
        return decisions[-1] if decisions else None
