"""The filter bar as a URL: query parameters in, a `ReportFilter` out, and back again.

Only the form of a value is checked here (a date is a date, a number a number); whether it
exists for this reader (a resource, a place within her reach) is the rules' question. Either
way a wrong value is `UnknownValue`: 400.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from bot.core.errors import UnknownValue
from bot.records.dashboard import Box, ReportFilter, ReportSort

FILTER_KEYS = ("since", "until", "place", "resource", "event", "review", "urgent")
COLOURS = ("resource", "state")
LONGEST = 64  # characters of any one parameter


@dataclass(frozen=True, slots=True)
class TableOrder:
    """How the reports table is sorted and which page is shown."""

    sort: ReportSort = ReportSort.NUMBER
    descending: bool = True
    page: int = 0


def _text(query: Mapping[str, str], key: str) -> str | None:
    value = query.get(key, "").strip()
    if len(value) > LONGEST:
        raise UnknownValue(key)
    return value or None


def _date(query: Mapping[str, str], key: str) -> date | None:
    value = _text(query, key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UnknownValue(key) from None


def report_filter(query: Mapping[str, str]) -> ReportFilter:
    """The filter bar's values; UnknownValue for one that is not even of the right form."""
    urgent = _text(query, "urgent")
    if urgent not in (None, "1", "on"):
        raise UnknownValue("urgent")
    place = _text(query, "place")
    return ReportFilter(
        since=_date(query, "since"),
        until=_date(query, "until"),
        place=place.upper() if place else None,
        resource=_text(query, "resource"),
        event=_text(query, "event"),
        review=_text(query, "review"),
        urgent=urgent is not None,
    )


def table_order(query: Mapping[str, str]) -> TableOrder:
    """The table's sort column, direction and page."""
    sort = _text(query, "sort") or ReportSort.NUMBER.value
    direction = _text(query, "dir") or "desc"
    page = _text(query, "page") or "1"
    if sort not in {s.value for s in ReportSort} or direction not in ("asc", "desc"):
        raise UnknownValue("sort")
    if not page.isdigit() or not 1 <= int(page) <= 1_000_000:
        raise UnknownValue("page")
    return TableOrder(ReportSort(sort), direction == "desc", int(page) - 1)


def colour(query: Mapping[str, str]) -> str:
    """What the map colours by: resource (default) or early-warning state."""
    value = _text(query, "colour") or COLOURS[0]
    if value not in COLOURS:
        raise UnknownValue("colour")
    return value


def map_view(query: Mapping[str, str]) -> tuple[float, Box | None]:
    """The map's zoom and visible box (`west,south,east,north`), as its script sends them."""
    try:
        zoom = float(_text(query, "zoom") or "0")
        parts = [float(p) for p in (_text(query, "bbox") or "").split(",") if p]
    except ValueError:
        raise UnknownValue("bbox") from None
    if not math.isfinite(zoom) or not 0 <= zoom <= 25:
        raise UnknownValue("zoom")
    if not parts:
        return zoom, None
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise UnknownValue("bbox")
    west, south, east, north = parts
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise UnknownValue("bbox")
    return zoom, Box(west, south, east, north)


def filter_query(where: ReportFilter) -> dict[str, str]:
    """The filter as query parameters (only what is set)."""
    values = {
        "since": where.since.isoformat() if where.since else None,
        "until": where.until.isoformat() if where.until else None,
        "place": where.place,
        "resource": where.resource,
        "event": where.event,
        "review": where.review,
        "urgent": "1" if where.urgent else None,
    }
    return {k: v for k, v in values.items() if v is not None}


def url(path: str, *parts: Mapping[str, str | None]) -> str:
    """A local address with the given parameters (later ones win; None drops a key)."""
    merged: dict[str, str | None] = {}
    for part in parts:
        merged.update(part)
    query = urlencode({k: v for k, v in merged.items() if v is not None})
    return f"{path}?{query}" if query else path
