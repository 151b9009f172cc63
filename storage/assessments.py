"""Rapid assessments of ayil okmotu: each one a new row, the aiyl aimak's profile history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from bot.records.assessments import Assessment
from storage.base import Repository, dumps, from_db_time, loads, to_db_time

RESOURCES = ("water", "pasture", "arable", "forest", "non_timber")


def _assessment(row: Any) -> Assessment:
    created = from_db_time(row["created_at"])
    assert created is not None
    return Assessment(
        id=row["id"],
        place_code=row["place_code"],
        assessed_on=date.fromisoformat(row["assessed_on"]),
        author_id=row["author_id"],
        population=row["population"],
        villages=row["villages"],
        water=row["water"],
        pasture=row["pasture"],
        arable=row["arable"],
        forest=row["forest"],
        non_timber=row["non_timber"],
        border_km=row["border_km"],
        border_status=row["border_status"],
        mechanisms=tuple(loads(row["mechanisms"]) or ()),
        conflicts=row["conflicts"],
        worst_conflict=row["worst_conflict"],
        risks=row["risks"],
        contacts=row["contacts"],
        created_at=created,
    )


# Newest first: the assessment date, then the order of entry for two on one day.
_NEWEST = "ORDER BY assessed_on DESC, id DESC"


class AssessmentRepository(Repository):
    """The `assessments` table; rows are only ever added."""

    async def create(
        self,
        *,
        draft_id: str,
        form_version: int,
        place_code: str,
        assessed_on: date,
        author_id: int,
        population: int | None,
        villages: int | None,
        resources: dict[str, str | None],
        border_km: int | None,
        border_status: str | None,
        mechanisms: Sequence[str],
        conflicts: int | None,
        worst_conflict: str | None,
        risks: str | None,
        contacts: str | None,
        now: datetime,
    ) -> int:
        return await self._insert(
            "INSERT INTO assessments (draft_id, form_version, place_code, assessed_on,"
            " author_id, population, villages, water, pasture, arable, forest, non_timber,"
            " border_km, border_status, mechanisms, conflicts, worst_conflict, risks,"
            " contacts, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft_id,
                form_version,
                place_code,
                assessed_on.isoformat(),
                author_id,
                population,
                villages,
                *(resources.get(r) for r in RESOURCES),
                border_km,
                border_status,
                dumps(list(mechanisms)),
                conflicts,
                worst_conflict,
                risks,
                contacts,
                to_db_time(now),
            ),
        )

    async def get(self, assessment_id: int) -> Assessment | None:
        row = await self._one("SELECT * FROM assessments WHERE id = ?", (assessment_id,))
        return _assessment(row) if row else None

    async def history(self, *, place_code: str, limit: int = 100) -> list[Assessment]:
        """The aiyl aimak's assessments, newest first."""
        rows = await self._all(
            f"SELECT * FROM assessments WHERE place_code = ? {_NEWEST} LIMIT ?",
            (place_code, limit),
        )
        return [_assessment(r) for r in rows]

    async def latest_for(self, place_codes: Iterable[str]) -> dict[str, Assessment]:
        """The newest assessment of each of these aiyl aimaks that has one."""
        codes = sorted(set(place_codes))
        if not codes:
            return {}
        rows = await self._all(
            "SELECT * FROM assessments a WHERE a.place_code IN"
            f" ({','.join('?' * len(codes))}) AND a.id = (SELECT b.id FROM assessments b"
            " WHERE b.place_code = a.place_code ORDER BY b.assessed_on DESC, b.id DESC LIMIT 1)",
            tuple(codes),
        )
        return {r["place_code"]: _assessment(r) for r in rows}

    async def assessed_places(self) -> list[str]:
        """Codes of every aiyl aimak assessed at least once."""
        rows = await self._all("SELECT DISTINCT place_code FROM assessments ORDER BY place_code")
        return [str(r[0]) for r in rows]

    async def by_author(self, author_id: int) -> list[Assessment]:
        rows = await self._all(
            "SELECT * FROM assessments WHERE author_id = ? ORDER BY id", (author_id,)
        )
        return [_assessment(r) for r in rows]

    async def forget_author(self, *, user_id: int) -> None:
        """The aiyl aimak's profile stays; only who filled it in is forgotten (/deleteme)."""
        await self._run("UPDATE assessments SET author_id = NULL WHERE author_id = ?", (user_id,))
