"""Records of rapid assessments of ayil okmotu: each one a row of the aiyl aimak's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Assessment:
    id: int
    place_code: str
    assessed_on: date
    author_id: int | None
    population: int | None
    villages: int | None
    water: str | None
    pasture: str | None
    arable: str | None
    forest: str | None
    non_timber: str | None
    border_km: int | None
    border_status: str | None
    mechanisms: tuple[str, ...]
    conflicts: int | None
    worst_conflict: str | None
    risks: str | None
    contacts: str | None  # staff names and phones: shown to coordinators only
    created_at: datetime
