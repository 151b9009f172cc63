"""The dashboard's questions about many reports: counts, a sorted page, map rows, place counts.

Every query takes the reach as `codes` (None: everywhere, as `Reach.place_codes` gives it)
and the filter bar as a `ReportFilter`; both become bound parameters. The covering index of
migration 0013 (`incidents_places`) answers the counts per place without sorting every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.records.dashboard import Box, MapRow, PlaceCount, ReportFilter, ReportSort
from bot.records.incidents import Incident
from storage.base import Repository
from storage.incidents import _SELECT, incident_from_row

# A report's place: the most precise code it has.
PLACE = "COALESCE(admin3, admin2, admin1)"
ORDER: dict[ReportSort, str] = {
    ReportSort.NUMBER: "id {dir}",
    ReportSort.RECEIVED: "received_at {dir}, id {dir}",
    ReportSort.EVENT_DATE: "event_date {dir}, id {dir}",
    ReportSort.RESOURCE: "resource {dir}, id {dir}",
    ReportSort.REVIEW: "review_status {dir}, id {dir}",
}


def where_clause(codes: Sequence[str] | None, where: ReportFilter) -> tuple[str, list[Any]]:
    """SQL for the reach and the filter bar, and its parameters."""
    parts: list[str] = []
    params: list[Any] = []
    if codes is not None:
        if not codes:
            return "0", []
        marks = ", ".join("?" for _ in codes)
        parts.append(f"(admin1 IN ({marks}) OR admin2 IN ({marks}) OR admin3 IN ({marks}))")
        params += [*codes, *codes, *codes]
    if where.since is not None:
        parts.append("event_date >= ?")
        params.append(where.since.isoformat())
    if where.until is not None:
        parts.append("event_date <= ?")
        params.append(where.until.isoformat())
    if where.place is not None:
        parts.append("(admin1 = ? OR admin2 = ? OR admin3 = ?)")
        params += [where.place] * 3
    for column, value in (
        ("resource", where.resource),
        ("sub_event_type", where.event),
        ("review_status", where.review),
    ):
        if value is not None:
            parts.append(f"{column} = ?")
            params.append(value)
    if where.urgent:
        parts.append("urgent = 1")
    return " AND ".join(parts) or "1", params


class IncidentQueryRepository(Repository):
    """Reports in a reach, filtered: for the dashboard's table, map and API."""

    async def count(self, *, codes: Sequence[str] | None, where: ReportFilter) -> int:
        sql, params = where_clause(codes, where)
        row = await self._one(f"SELECT count(*) FROM incidents WHERE {sql}", tuple(params))
        return int(row[0])

    async def page(
        self,
        *,
        codes: Sequence[str] | None,
        where: ReportFilter,
        sort: ReportSort,
        descending: bool,
        limit: int,
        offset: int,
    ) -> list[Incident]:
        """One page of the table, in the chosen order."""
        sql, params = where_clause(codes, where)
        order = ORDER[sort].format(dir="DESC" if descending else "ASC")
        rows = await self._all(
            f"{_SELECT} WHERE {sql} ORDER BY {order} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [incident_from_row(r) for r in rows]

    async def after(
        self, *, codes: Sequence[str] | None, where: ReportFilter, after_id: int, limit: int
    ) -> list[Incident]:
        """Reports with a number above `after_id`, oldest first (the API's cursor)."""
        sql, params = where_clause(codes, where)
        rows = await self._all(
            f"{_SELECT} WHERE id > ? AND {sql} ORDER BY id LIMIT ?", (after_id, *params, limit)
        )
        return [incident_from_row(r) for r in rows]

    async def map_rows(
        self,
        *,
        codes: Sequence[str] | None,
        where: ReportFilter,
        within: Box | None = None,
        places_within: Sequence[str] = (),
        limit: int,
    ) -> list[MapRow]:
        """What the map draws of each report; `within`: a pin in the box, or no pin and a
        place among `places_within` (the places located in the box)."""
        sql, params = where_clause(codes, where)
        if within is not None:
            marks = ", ".join("?" for _ in places_within) or "NULL"
            sql += (
                " AND ((latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?)"
                f" OR (latitude IS NULL AND {PLACE} IN ({marks})))"
            )
            params += [within.south, within.north, within.west, within.east, *places_within]
        rows = await self._all(
            f"SELECT id, latitude, longitude, {PLACE}, admin3, resource, sub_event_type,"
            f" review_status, urgent FROM incidents WHERE {sql} LIMIT ?",
            (*params, limit),
        )
        return [
            MapRow(
                id=r[0],
                latitude=r[1],
                longitude=r[2],
                place_code=r[3],
                aimak=r[4],
                resource=r[5],
                event=r[6],
                review=r[7],
                urgent=bool(r[8]),
            )
            for r in rows
        ]

    async def count_within(
        self,
        *,
        codes: Sequence[str] | None,
        where: ReportFilter,
        within: Box,
        places_within: Sequence[str],
    ) -> int:
        """How many reports `map_rows(within=...)` would give."""
        sql, params = where_clause(codes, where)
        marks = ", ".join("?" for _ in places_within) or "NULL"
        row = await self._one(
            f"SELECT count(*) FROM incidents WHERE {sql}"
            " AND ((latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?)"
            f" OR (latitude IS NULL AND {PLACE} IN ({marks})))",
            (*params, within.south, within.north, within.west, within.east, *places_within),
        )
        return int(row[0])

    async def place_counts(
        self, *, codes: Sequence[str] | None, where: ReportFilter
    ) -> list[PlaceCount]:
        """Reports per place and resource; reports with a pin but no place, per rounded pin.

        Two queries: per aiyl aimak and resource in the order of `incidents_places` (no sort
        of every row), then the few reports that name no aiyl aimak.
        """
        sql, params = where_clause(codes, where)
        rows = await self._all(
            "SELECT admin3, NULL, NULL, resource, count(*) FROM incidents"
            f" WHERE admin3 IS NOT NULL AND {sql} GROUP BY admin3, resource",
            tuple(params),
        )
        above = "COALESCE(admin2, admin1)"
        rows += await self._all(
            f"SELECT {above},"
            f" CASE WHEN {above} IS NULL THEN round(latitude, 1) END,"
            f" CASE WHEN {above} IS NULL THEN round(longitude, 1) END,"
            f" resource, count(*) FROM incidents WHERE admin3 IS NULL AND {sql}"
            " GROUP BY 1, 2, 3, 4",
            tuple(params),
        )
        return [PlaceCount(*tuple(r)) for r in rows]
