"""Incident reports, their update history and attachments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import Any

from bot.records.incidents import Incident, IncidentAttachment, IncidentUpdate, NewIncident
from storage.base import Repository, from_db_time, to_db_time

_INCIDENT_COLUMNS = tuple(f.name for f in fields(Incident))
_NEW_COLUMNS = tuple(f.name for f in fields(NewIncident))
_SELECT = f"SELECT {', '.join(_INCIDENT_COLUMNS)} FROM incidents"


def incident_from_row(row: Any) -> Incident:
    values = dict(zip(_INCIDENT_COLUMNS, tuple(row), strict=True))
    values["anonymous"] = bool(values["anonymous"])
    values["urgent"] = bool(values["urgent"])
    values["received_at"] = from_db_time(values["received_at"])
    values["last_update_at"] = from_db_time(values["last_update_at"])
    values["followup_sent_at"] = from_db_time(values["followup_sent_at"])
    values["event_date"] = date.fromisoformat(values["event_date"])
    return Incident(**values)


def _stored(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_db_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _scope_filter(codes: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
    """SQL matching reports whose oblast, rayon or aiyl aimak is one of `codes` (None: all)."""
    if codes is None:
        return "1", ()
    if not codes:
        return "0", ()
    marks = ", ".join("?" for _ in codes)
    sql = f"(admin1 IN ({marks}) OR admin2 IN ({marks}) OR admin3 IN ({marks}))"
    return sql, (*codes, *codes, *codes)


class IncidentRepository(Repository):
    """The `incidents` table."""

    async def add(self, *, incident: NewIncident) -> tuple[int, bool]:
        """Insert the report: (its id, whether it is new); a repeated draft gives the first id."""
        marks = ", ".join("?" for _ in _NEW_COLUMNS)
        created = await self._run(
            f"INSERT INTO incidents ({', '.join(_NEW_COLUMNS)}, last_update_at)"
            f" VALUES ({marks}, ?) ON CONFLICT(draft_id) DO NOTHING",
            (*(_stored(v) for v in asdict(incident).values()), to_db_time(incident.received_at)),
        )
        row = await self._one("SELECT id FROM incidents WHERE draft_id = ?", (incident.draft_id,))
        return int(row[0]), created == 1

    async def get(self, *, incident_id: int) -> Incident | None:
        row = await self._one(f"{_SELECT} WHERE id = ?", (incident_id,))
        return incident_from_row(row) if row else None

    async def list_by_reporter(self, *, reporter_id: int, limit: int = 20) -> list[Incident]:
        rows = await self._all(
            f"{_SELECT} WHERE reporter_id = ? ORDER BY id DESC LIMIT ?", (reporter_id, limit)
        )
        return [incident_from_row(r) for r in rows]

    async def latest_similar(self, *, admin3: str, resource: str, since: datetime) -> int | None:
        """The newest report about the same aiyl aimak and resource received since `since`."""
        row = await self._one(
            "SELECT id FROM incidents WHERE admin3 = ? AND resource = ? AND received_at >= ?"
            " ORDER BY received_at DESC, id DESC LIMIT 1",
            (admin3, resource, to_db_time(since)),
        )
        return int(row[0]) if row else None

    async def next_pending(
        self, *, codes: Sequence[str] | None, after_id: int = 0
    ) -> Incident | None:
        """The oldest report waiting for review in the places `codes` (None: everywhere)."""
        where, params = _scope_filter(codes)
        row = await self._one(
            f"{_SELECT} WHERE review_status = 'pending' AND id > ? AND {where}"
            " ORDER BY id LIMIT 1",
            (after_id, *params),
        )
        return incident_from_row(row) if row else None

    async def count_pending(self, *, codes: Sequence[str] | None) -> int:
        where, params = _scope_filter(codes)
        row = await self._one(
            f"SELECT count(*) FROM incidents WHERE review_status = 'pending' AND {where}", params
        )
        return int(row[0])

    async def in_scope(self, *, codes: Sequence[str] | None, limit: int) -> list[Incident]:
        """Reports in the places `codes` (None: everywhere), newest first."""
        where, params = _scope_filter(codes)
        rows = await self._all(
            f"{_SELECT} WHERE {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [incident_from_row(r) for r in rows]

    async def set_review_status(
        self,
        *,
        incident_id: int,
        expected: Sequence[str],
        to: str,
        duplicate_of: int | None = None,
    ) -> bool:
        """Change the review status only from one of `expected`; False when it was not."""
        marks = ", ".join("?" for _ in expected)
        changed = await self._run(
            f"UPDATE incidents SET review_status = ?, duplicate_of = ?"
            f" WHERE id = ? AND review_status IN ({marks})",
            (to, duplicate_of, incident_id, *expected),
        )
        return changed == 1

    async def set_status(self, *, incident_id: int, status: str) -> None:
        await self._run("UPDATE incidents SET status = ? WHERE id = ?", (status, incident_id))

    async def touch(self, *, incident_id: int, now: datetime) -> None:
        """Record that the report got an update now."""
        await self._run(
            "UPDATE incidents SET last_update_at = ? WHERE id = ?", (to_db_time(now), incident_id)
        )

    async def due_followups(self, *, quiet_since: datetime, limit: int) -> list[Incident]:
        """Open reports never followed up whose last update is older than `quiet_since`."""
        rows = await self._all(
            f"{_SELECT} WHERE status = 'open' AND last_update_at <= ?"
            " AND followup_sent_at IS NULL AND reporter_id IS NOT NULL ORDER BY id LIMIT ?",
            (to_db_time(quiet_since), limit),
        )
        return [incident_from_row(r) for r in rows]

    async def mark_followup_sent(self, *, incident_id: int, now: datetime) -> bool:
        """Claim the one follow-up of a report; False when it was already claimed."""
        changed = await self._run(
            "UPDATE incidents SET followup_sent_at = ? WHERE id = ? AND followup_sent_at IS NULL",
            (to_db_time(now), incident_id),
        )
        return changed == 1

    async def forget_reporter(self, *, reporter_id: int) -> int:
        """Keep the reports of an erased person without their id; anonymous ones keep their
        pseudonym unchanged, so nothing visible changes on them at the moment of erasure."""
        return await self._run(
            "UPDATE incidents SET reporter_id = NULL WHERE reporter_id = ?", (reporter_id,)
        )


class IncidentUpdateRepository(Repository):
    """The `incident_updates` table: append only."""

    async def add(
        self,
        *,
        incident_id: int,
        at: datetime,
        author_id: int | None,
        author_role: str,
        kind: str,
        text: str | None = None,
        response: str | None = None,
        outcome: str | None = None,
        status_after: str | None = None,
        reply_to: int | None = None,
        draft_id: str | None = None,
    ) -> int:
        """Append an update; a repeat of the same draft returns the first one's id."""
        new_id = await self._insert(
            "INSERT INTO incident_updates (incident_id, draft_id, at, author_id, author_role,"
            " kind, text, response, outcome, status_after, reply_to)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(draft_id) DO NOTHING",
            (
                incident_id,
                draft_id,
                to_db_time(at),
                author_id,
                author_role,
                kind,
                text,
                response,
                outcome,
                status_after,
                reply_to,
            ),
        )
        if draft_id is None:
            return new_id
        row = await self._one("SELECT id FROM incident_updates WHERE draft_id = ?", (draft_id,))
        return int(row[0])

    async def get(self, *, update_id: int) -> IncidentUpdate | None:
        row = await self._one(
            "SELECT id, incident_id, at, author_id, author_role, kind, text, response, outcome,"
            " status_after, reply_to FROM incident_updates WHERE id = ?",
            (update_id,),
        )
        return update_from_row(row) if row else None

    async def for_incident(self, *, incident_id: int) -> list[IncidentUpdate]:
        rows = await self._all(
            "SELECT id, incident_id, at, author_id, author_role, kind, text, response, outcome,"
            " status_after, reply_to FROM incident_updates WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        )
        return [update_from_row(r) for r in rows]

    async def by_author(self, *, author_id: int) -> list[IncidentUpdate]:
        rows = await self._all(
            "SELECT id, incident_id, at, author_id, author_role, kind, text, response, outcome,"
            " status_after, reply_to FROM incident_updates WHERE author_id = ? ORDER BY id",
            (author_id,),
        )
        return [update_from_row(r) for r in rows]

    async def has_kind(self, *, incident_id: int, kind: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM incident_updates WHERE incident_id = ? AND kind = ? LIMIT 1",
            (incident_id, kind),
        )
        return row is not None

    async def answer_to(self, *, question_id: int) -> IncidentUpdate | None:
        row = await self._one(
            "SELECT id, incident_id, at, author_id, author_role, kind, text, response, outcome,"
            " status_after, reply_to FROM incident_updates WHERE reply_to = ? AND kind = 'answer'"
            " ORDER BY id LIMIT 1",
            (question_id,),
        )
        return update_from_row(row) if row else None

    async def forget_author(self, *, author_id: int) -> int:
        return await self._run(
            "UPDATE incident_updates SET author_id = NULL WHERE author_id = ?", (author_id,)
        )


def update_from_row(row: Any) -> IncidentUpdate:
    values = tuple(row)
    return IncidentUpdate(
        values[0], values[1], from_db_time(values[2]) or datetime.min, *values[3:]
    )


class IncidentAttachmentRepository(Repository):
    """The `incident_attachments` table."""

    async def add(
        self,
        *,
        incident_id: int,
        update_id: int | None,
        files: Sequence[dict[str, Any]],
    ) -> None:
        """Store file ids as the form kinds describe them (`Input.as_file()`)."""
        for item in files:
            await self._run(
                "INSERT INTO incident_attachments (incident_id, update_id, type, file_id,"
                " unique_id, duration) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    incident_id,
                    update_id,
                    item["type"],
                    item["file_id"],
                    item.get("unique_id"),
                    item.get("duration"),
                ),
            )

    async def for_incident(self, *, incident_id: int) -> list[IncidentAttachment]:
        rows = await self._all(
            "SELECT incident_id, update_id, type, file_id, unique_id, duration"
            " FROM incident_attachments WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        )
        return [IncidentAttachment(*tuple(r)) for r in rows]


class UncoveredNoticeRepository(Repository):
    """The `uncovered_notices` table: one notice to administrators per region and week."""

    async def claim(self, *, region: str, week_start: date, now: datetime) -> bool:
        """Claim the week's notice for the region before sending; False when already claimed."""
        changed = await self._run(
            "INSERT INTO uncovered_notices (region, week_start, claimed_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (region, week_start.isoformat(), to_db_time(now)),
        )
        return changed == 1
