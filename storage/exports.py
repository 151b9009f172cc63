"""Read-only queries for exports and statistics: filtered by places, groups and period.

`codes` are place codes with every place below them already listed (a reach's places) and
`groups` peer group ids; None for both means everywhere (an administrator).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from bot.records.core import Role
from bot.records.exports import (
    FileMeta,
    IncidentCounts,
    Period,
    PracticeCounts,
    RegisteredPerson,
)
from bot.records.incidents import Incident, IncidentUpdate
from bot.records.practices import Practice

# The row-to-record conversions of the owning repositories, so a report or a practice reads
# the same here as everywhere else.
from storage.base import Repository, to_db_time
from storage.incidents import incident_from_row, update_from_row
from storage.practices import COLUMNS as PRACTICE_COLUMNS
from storage.practices import HELPFUL, practice_from_row
from storage.users import user_from_row

CHUNK = 500  # ids per IN (...) list, well under SQLite's bound-parameter limit
_INCIDENT_SELECT = "SELECT {columns} FROM incidents"


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _incident_reach(codes: Sequence[str] | None) -> tuple[str, list[Any]]:
    """Reports whose oblast, rayon or aiyl aimak is one of `codes`, as review lists them."""
    if codes is None:
        return "1", []
    if not codes:
        return "0", []
    marks = _marks(codes)
    sql = f"(admin1 IN ({marks}) OR admin2 IN ({marks}) OR admin3 IN ({marks}))"
    return sql, [*codes, *codes, *codes]


def _period(column: str, period: Period) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if period.start is not None:
        clauses.append(f"{column} >= ?")
        params.append(to_db_time(period.start))
    if period.end is not None:
        clauses.append(f"{column} < ?")
        params.append(to_db_time(period.end))
    return " AND ".join(clauses) or "1", params


def _place_or_group(
    codes: Sequence[str] | None,
    groups: Sequence[int] | None,
    place_sql: str,
    group_sql: str,
) -> tuple[str, list[Any]]:
    """`place_sql` takes the places, `group_sql` the groups (each with one `{marks}`)."""
    if codes is None:
        return "1", []
    parts: list[str] = []
    params: list[Any] = []
    if codes:
        parts.append(place_sql.format(marks=_marks(codes)))
        params.extend(codes)
    if groups:
        parts.append(group_sql.format(marks=_marks(groups)))
        params.extend(groups)
    return ("(" + " OR ".join(parts) + ")" if parts else "0"), params


class ExportRepository(Repository):
    """The rows an export holds, in id order."""

    async def incidents(
        self,
        *,
        codes: Sequence[str] | None,
        received: Period,
        status: str | None = None,
        review_status: str | None = None,
    ) -> list[Incident]:
        """Reports received in the period in these places, in number order."""
        where, params = _incident_reach(codes)
        when, when_params = _period("received_at", received)
        clauses = [where, when]
        if status is not None:
            clauses.append("status = ?")
            when_params.append(status)
        if review_status is not None:
            clauses.append("review_status = ?")
            when_params.append(review_status)
        columns = ", ".join(f.name for f in fields(Incident))
        rows = await self._all(
            f"{_INCIDENT_SELECT.format(columns=columns)} WHERE {' AND '.join(clauses)}"
            " ORDER BY id",
            (*params, *when_params),
        )
        return [incident_from_row(r) for r in rows]

    async def incident_updates(self, *, incident_ids: Sequence[int]) -> list[IncidentUpdate]:
        found: list[IncidentUpdate] = []
        for chunk in _chunks(incident_ids):
            rows = await self._all(
                "SELECT id, incident_id, at, author_id, author_role, kind, text, response,"
                " outcome, status_after, reply_to FROM incident_updates"
                f" WHERE incident_id IN ({_marks(chunk)}) ORDER BY incident_id, id",
                tuple(chunk),
            )
            found.extend(update_from_row(r) for r in rows)
        return found

    async def incident_files(self, *, incident_ids: Sequence[int]) -> list[FileMeta]:
        found: list[FileMeta] = []
        for chunk in _chunks(incident_ids):
            rows = await self._all(
                "SELECT incident_id, update_id, id, type, duration,"
                " coalesce(unique_id, file_id) FROM incident_attachments"
                f" WHERE incident_id IN ({_marks(chunk)}) ORDER BY incident_id, id",
                tuple(chunk),
            )
            found.extend(FileMeta(r[0], r[1], r[2], r[3], r[4], None, r[5]) for r in rows)
        return found

    async def practices(
        self,
        *,
        codes: Sequence[str] | None,
        groups: Sequence[int] | None,
        created: Period,
        status: str | None = None,
    ) -> list[Practice]:
        """Practices of these places or shared with these groups, made in the period."""
        where, params = _place_or_group(
            codes,
            groups,
            "p.place_code IN ({marks})",
            "EXISTS (SELECT 1 FROM practice_visibility v WHERE v.practice_id = p.id"
            " AND v.group_id IN ({marks}))",
        )
        when, when_params = _period("p.created_at", created)
        clauses = [where, when]
        if status is not None:
            clauses.append("p.status = ?")
            when_params.append(status)
        rows = await self._all(
            f"SELECT {PRACTICE_COLUMNS}, {HELPFUL} FROM practices p"
            f" WHERE {' AND '.join(clauses)} ORDER BY p.id",
            (*params, *when_params),
        )
        return [practice_from_row(r) for r in rows]

    async def practice_groups(self, *, practice_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
        """The groups each practice is shared with."""
        found: dict[int, list[int]] = {}
        for chunk in _chunks(practice_ids):
            rows = await self._all(
                "SELECT practice_id, group_id FROM practice_visibility"
                f" WHERE practice_id IN ({_marks(chunk)}) ORDER BY practice_id, group_id",
                tuple(chunk),
            )
            for row in rows:
                found.setdefault(int(row[0]), []).append(int(row[1]))
        return {k: tuple(v) for k, v in found.items()}

    async def practice_files(self, *, practice_ids: Sequence[int]) -> list[FileMeta]:
        found: list[FileMeta] = []
        for chunk in _chunks(practice_ids):
            rows = await self._all(
                "SELECT practice_id, position, kind, duration, mime FROM practice_attachments"
                f" WHERE practice_id IN ({_marks(chunk)}) ORDER BY practice_id, position",
                tuple(chunk),
            )
            found.extend(FileMeta(r[0], None, r[1], r[2], r[3], r[4]) for r in rows)
        return found

    async def people(
        self,
        *,
        codes: Sequence[str] | None,
        groups: Sequence[int] | None,
        created: Period,
        active: bool | None = None,
    ) -> list[RegisteredPerson]:
        """Registered people whose place is one of `codes` or who are in one of `groups`."""
        where, params = _place_or_group(
            codes,
            groups,
            "u.place_code IN ({marks})",
            "EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id"
            " AND m.group_id IN ({marks}))",
        )
        when, when_params = _period("u.privacy_accepted_at", created)
        clauses = [where, when, "u.privacy_accepted_at IS NOT NULL"]
        if active is not None:
            clauses.append("u.active = ?")
            when_params.append(int(active))
        rows = await self._all(
            "SELECT u.*,"
            " (SELECT group_concat(m.group_id) FROM group_members m WHERE m.user_id = u.id)"
            " AS group_list FROM users u"
            f" WHERE {' AND '.join(clauses)} ORDER BY u.id",
            (*params, *when_params),
        )
        roles: dict[int, list[Role]] = {}
        ids = [int(r["id"]) for r in rows]
        for chunk in _chunks(ids):
            for role in await self._all(
                "SELECT user_id, role, scope_kind, scope_value FROM roles"
                f" WHERE user_id IN ({_marks(chunk)}) ORDER BY user_id, role, scope_value",
                tuple(chunk),
            ):
                roles.setdefault(int(role[0]), []).append(Role(*tuple(role)))
        return [
            RegisteredPerson(
                user=user_from_row(r),
                group_ids=tuple(sorted(int(g) for g in (r["group_list"] or "").split(",") if g)),
                roles=tuple(roles.get(int(r["id"]), ())),
            )
            for r in rows
        ]


class StatsRepository(Repository):
    """Counts for /stats, scoped like the exports."""

    async def incidents(self, *, codes: Sequence[str] | None, received: Period) -> IncidentCounts:
        """Reports received in the period in these places, and their state now."""
        where, params = _incident_reach(codes)
        when, when_params = _period("received_at", received)
        row = await self._one(
            "SELECT count(*), coalesce(sum(urgent), 0),"
            " coalesce(sum(status = 'resolved'), 0), coalesce(sum(status = 'open'), 0),"
            " coalesce(sum(review_status = 'pending'), 0)"
            f" FROM incidents WHERE {where} AND {when}",
            (*params, *when_params),
        )
        return IncidentCounts(*(int(v) for v in tuple(row)))

    async def practices(
        self,
        *,
        codes: Sequence[str] | None,
        groups: Sequence[int] | None,
        since: datetime | None,
    ) -> PracticeCounts:
        """Practices approved, and waiting, since a time in these places or groups."""
        where, params = _place_or_group(
            codes,
            groups,
            "p.place_code IN ({marks})",
            "EXISTS (SELECT 1 FROM practice_visibility v WHERE v.practice_id = p.id"
            " AND v.group_id IN ({marks}))",
        )
        approved, approved_params = _period("p.approved_at", Period(since))
        created, created_params = _period("p.created_at", Period(since))
        row = await self._one(
            f"SELECT coalesce(sum(p.status = 'approved' AND {approved}), 0),"
            f" coalesce(sum(p.status IN ('pending', 'changes') AND {created}), 0)"
            f" FROM practices p WHERE {where}",
            (*approved_params, *created_params, *params),
        )
        return PracticeCounts(int(row[0]), int(row[1]))

    async def people(
        self,
        *,
        codes: Sequence[str] | None,
        groups: Sequence[int] | None,
        since: datetime | None,
    ) -> int:
        """People registered since a time in these places or groups."""
        where, params = _place_or_group(
            codes,
            groups,
            "u.place_code IN ({marks})",
            "EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id"
            " AND m.group_id IN ({marks}))",
        )
        when, when_params = _period("u.privacy_accepted_at", Period(since))
        row = await self._one(
            f"SELECT count(*) FROM users u WHERE {where} AND {when}"
            " AND u.privacy_accepted_at IS NOT NULL",
            (*params, *when_params),
        )
        return int(row[0])
