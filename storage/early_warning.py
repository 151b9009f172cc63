"""Early warning: the signal's aggregates over incident reports, alerts and their deliveries.

The aggregates read the `incidents` table (owned by the incident reports feature) with SQL
only, through the covering index of migration 0006: a million reports are grouped in index
order, in one pass, without touching the table or sorting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from bot.records.early_warning import Alert, Cell, PlaceReport, Scoring, WeekCell
from storage.base import Repository, dumps, from_db_time, loads, to_db_time

# Left out of every count: the same event told twice, or a report not accepted in review.
_COUNTED = "review_status NOT IN ('rejected', 'duplicate')"
_INDEX = "incidents INDEXED BY incidents_early_warning"


def _score_params(scoring: Scoring) -> dict[str, Any]:
    return {
        "weights": json.dumps(dict(scoring.weights)),
        "per_injured": scoring.per_injured,
        "per_dead": scoring.per_dead,
        "resolved": scoring.resolved,
        "agreement": scoring.agreement,
        "clash": scoring.clash,
    }


# A group's score: its reports' weights, injured and dead, scaled down once resolved.
_SCORE = (
    "(CASE WHEN g.status = 'resolved' THEN :resolved ELSE 1.0 END)"
    " * (COALESCE(w.weight, 0) * {n} + :per_injured * {injured} + :per_dead * {dead})"
)

_CELLS_SQL = f"""
WITH weights(kind, weight) AS (SELECT key, value FROM json_each(:weights)),
grouped AS MATERIALIZED (
    SELECT admin2 AS rayon, admin3 AS place, resource, sub_event_type AS kind, status,
        SUM(event_date >= :week_start) AS now_n,
        count(*) AS n,
        TOTAL(CASE WHEN event_date >= :week_start THEN injuries END) AS now_injured,
        TOTAL(injuries) AS injured,
        TOTAL(CASE WHEN event_date >= :week_start THEN fatalities END) AS now_dead,
        TOTAL(fatalities) AS dead
    FROM {_INDEX}
    WHERE event_date >= :since AND event_date <= :today AND admin3 IS NOT NULL AND {_COUNTED}
    GROUP BY admin2, admin3, resource, sub_event_type, status
),
cells AS (
    SELECT g.rayon, g.place, g.resource,
        SUM(CASE WHEN g.kind = :agreement THEN 0 ELSE g.now_n END) AS reports,
        SUM(CASE WHEN g.kind = :agreement THEN 0 ELSE g.n - g.now_n END) AS base_reports,
        SUM(CASE WHEN g.kind = :agreement THEN g.now_n ELSE 0 END) AS agreements,
        SUM(CASE WHEN g.kind = :clash THEN g.now_n ELSE 0 END) AS clashes,
        SUM(g.now_injured) AS injured,
        SUM(g.now_dead) AS dead,
        TOTAL({_SCORE.format(n="g.now_n", injured="g.now_injured", dead="g.now_dead")})
            AS severity,
        TOTAL({
    _SCORE.format(
        n="(g.n - g.now_n)", injured="(g.injured - g.now_injured)", dead="(g.dead - g.now_dead)"
    )
})
            AS base_severity
    FROM grouped AS g LEFT JOIN weights AS w ON w.kind = g.kind
    GROUP BY g.rayon, g.place, g.resource
),
everything AS (
    SELECT * FROM cells
    UNION ALL
    SELECT rayon, place, NULL, SUM(reports), SUM(base_reports), SUM(agreements), SUM(clashes),
        SUM(injured), SUM(dead), TOTAL(severity), TOTAL(base_severity)
    FROM cells GROUP BY rayon, place
)
SELECT rayon, place, resource, reports, base_reports, agreements, clashes, injured, dead,
    severity, base_severity,
    SUM(base_reports) OVER (PARTITION BY rayon, resource),
    TOTAL(base_severity) OVER (PARTITION BY rayon, resource)
FROM everything
ORDER BY place, resource
"""

_WEEKS_SQL = f"""
WITH weights(kind, weight) AS (SELECT key, value FROM json_each(:weights)),
grouped AS MATERIALIZED (
    SELECT admin3 AS place, sub_event_type AS kind, status,
        CAST((julianday(:today) - julianday(event_date)) / 7 AS INTEGER) AS week,
        count(*) AS n, TOTAL(injuries) AS injured, TOTAL(fatalities) AS dead
    FROM {_INDEX}
    WHERE event_date >= :since AND event_date <= :today AND admin3 IS NOT NULL AND {_COUNTED}
        {{place}}
    GROUP BY admin3, sub_event_type, status, week
)
SELECT g.place, g.week,
    SUM(CASE WHEN g.kind = :agreement THEN 0 ELSE g.n END),
    SUM(CASE WHEN g.kind = :agreement THEN g.n ELSE 0 END),
    SUM(CASE WHEN g.kind = :clash THEN g.n ELSE 0 END),
    TOTAL({_SCORE.format(n="g.n", injured="g.injured", dead="g.dead")})
FROM grouped AS g LEFT JOIN weights AS w ON w.kind = g.kind
GROUP BY g.place, g.week
ORDER BY g.place, g.week
"""


class SignalRepository(Repository):
    """Read-only aggregates of the `incidents` table for the early-warning signal."""

    async def cells(self, *, today: date, baseline_weeks: int, scoring: Scoring) -> list[Cell]:
        """Every aiyl aimak with reports in the window: this week against the weeks before."""
        week_start = today - timedelta(days=6)
        params = {
            **_score_params(scoring),
            "today": today.isoformat(),
            "week_start": week_start.isoformat(),
            "since": (week_start - timedelta(weeks=baseline_weeks)).isoformat(),
        }
        rows = await self._all(_CELLS_SQL, params)
        return [
            Cell(
                rayon=r[0],
                place=r[1],
                resource=r[2],
                reports=int(r[3]),
                base_reports=int(r[4]),
                agreements=int(r[5]),
                clashes=int(r[6]),
                injured=int(r[7]),
                dead=int(r[8]),
                severity=float(r[9]),
                base_severity=float(r[10]),
                rayon_base_reports=int(r[11]),
                rayon_base_severity=float(r[12]),
            )
            for r in rows
        ]

    async def weeks(
        self,
        *,
        today: date,
        weeks: int,
        scoring: Scoring,
        rayon: str | None = None,
        place: str | None = None,
    ) -> list[WeekCell]:
        """Reports and score per aiyl aimak and week, for the last `weeks` weeks."""
        params: dict[str, Any] = {
            **_score_params(scoring),
            "today": today.isoformat(),
            "since": (today - timedelta(weeks=weeks) + timedelta(days=1)).isoformat(),
        }
        where = ""
        if place is not None:
            # Both leading index columns: the one place's rows are read, nothing else.
            where = "AND admin2 IS :rayon AND admin3 = :place"
            params |= {"rayon": rayon, "place": place}
        rows = await self._all(_WEEKS_SQL.format(place=where), params)
        return [
            WeekCell(
                place=r[0],
                week=int(r[1]),
                reports=int(r[2]),
                agreements=int(r[3]),
                clashes=int(r[4]),
                severity=float(r[5]),
            )
            for r in rows
        ]

    async def places_with_open_urgent(self, *, received_before: datetime) -> set[str]:
        """Aiyl aimaks with an urgent report received before the time and still open."""
        rows = await self._all(
            "SELECT DISTINCT admin3 FROM incidents INDEXED BY incidents_open_urgent"
            " WHERE urgent = 1 AND status = 'open' AND admin3 IS NOT NULL"
            f" AND received_at < ? AND {_COUNTED}",
            (to_db_time(received_before),),
        )
        return {str(r[0]) for r in rows}

    async def place_reports(
        self, *, place: str, since: date, today: date, limit: int
    ) -> list[PlaceReport]:
        """The counted reports of one aiyl aimak since `since`, newest event first."""
        rows = await self._all(
            "SELECT id, event_date, resource, resource_other, sub_event_type, status,"
            " injuries, fatalities FROM incidents"
            f" WHERE admin3 = ? AND event_date >= ? AND event_date <= ? AND {_COUNTED}"
            " ORDER BY event_date DESC, id DESC LIMIT ?",
            (place, since.isoformat(), today.isoformat(), limit),
        )
        return [
            PlaceReport(
                id=int(r[0]),
                event_date=date.fromisoformat(r[1]),
                resource=r[2],
                resource_other=r[3],
                sub_event_type=r[4],
                status=r[5],
                injuries=int(r[6]),
                fatalities=int(r[7]),
            )
            for r in rows
        ]


class AlertRepository(Repository):
    """The `warning_alerts` and `warning_deliveries` tables."""

    async def latest(self, *, place: str, since: datetime) -> Alert | None:
        """The newest alert for the place raised at or after `since`."""
        row = await self._one(
            "SELECT id, place, week_start, raised_at, reasons FROM warning_alerts"
            " WHERE place = ? AND raised_at >= ? ORDER BY raised_at DESC, id DESC LIMIT 1",
            (place, to_db_time(since)),
        )
        return _alert(row) if row else None

    async def raise_once(
        self, *, place: str, week_start: date, now: datetime, reasons: Sequence[Mapping[str, Any]]
    ) -> int | None:
        """Record the week's alert for the place; None when it already has one this week."""
        created = await self._run(
            "INSERT INTO warning_alerts (place, week_start, raised_at, reasons)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(place, week_start) DO NOTHING",
            (place, week_start.isoformat(), to_db_time(now), dumps(list(reasons))),
        )
        if created != 1:
            return None
        row = await self._one(
            "SELECT id FROM warning_alerts WHERE place = ? AND week_start = ?",
            (place, week_start.isoformat()),
        )
        return int(row[0])

    async def places_raised_since(self, *, since: datetime) -> set[str]:
        """Places with a rising alert raised at or after `since`."""
        rows = await self._all(
            "SELECT DISTINCT place FROM warning_alerts WHERE raised_at >= ?", (to_db_time(since),)
        )
        return {str(r[0]) for r in rows}

    async def claim_delivery(self, *, alert_id: int, user_id: int, now: datetime) -> bool:
        """Claim sending the alert to a person; False when they were already sent it."""
        created = await self._run(
            "INSERT INTO warning_deliveries (alert_id, user_id, claimed_at) VALUES (?, ?, ?)"
            " ON CONFLICT(alert_id, user_id) DO NOTHING",
            (alert_id, user_id, to_db_time(now)),
        )
        return created == 1

    async def mark_delivered(self, *, alert_id: int, user_id: int) -> None:
        await self._run(
            "UPDATE warning_deliveries SET delivered = 1 WHERE alert_id = ? AND user_id = ?",
            (alert_id, user_id),
        )

    async def delivered_to(self, *, user_id: int) -> list[tuple[Alert, datetime, bool]]:
        """The alerts claimed for a person: (alert, claimed at, delivered)."""
        rows = await self._all(
            "SELECT a.id, a.place, a.week_start, a.raised_at, a.reasons, d.claimed_at,"
            " d.delivered FROM warning_deliveries AS d JOIN warning_alerts AS a"
            " ON a.id = d.alert_id WHERE d.user_id = ? ORDER BY a.id",
            (user_id,),
        )
        return [(_alert(r), from_db_time(r[5]) or datetime.min, bool(r[6])) for r in rows]

    async def forget_user(self, *, user_id: int) -> int:
        """Erase who received alerts; the alerts themselves hold nothing personal."""
        return await self._run("DELETE FROM warning_deliveries WHERE user_id = ?", (user_id,))


def _alert(row: Any) -> Alert:
    return Alert(
        id=int(row[0]),
        place=str(row[1]),
        week_start=date.fromisoformat(row[2]),
        raised_at=from_db_time(row[3]) or datetime.min,
        reasons=list(loads(row[4]) or []),
    )
