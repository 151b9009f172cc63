"""Early warning as storage returns it: the signal's aggregates, a place's reports, alerts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Scoring:
    """How a report scores (from bot/data/severity.toml); codes are the form's sub_event_type."""

    weights: Mapping[str, float]
    per_injured: float
    per_dead: float
    resolved: float  # share of its score a resolved report keeps
    agreement: str = "agreement"  # the code that is a peace event, not a dispute
    clash: str = "physical_clash"


@dataclass(frozen=True, slots=True)
class Cell:
    """One aiyl aimak (and one resource, or all when `resource` is None) this week and before."""

    rayon: str | None
    place: str
    resource: str | None
    reports: int  # this week, agreements left out
    base_reports: int  # in the baseline weeks before it
    agreements: int  # this week
    clashes: int  # this week
    injured: int  # this week
    dead: int  # this week
    severity: float  # this week's score (agreements subtract)
    base_severity: float  # the baseline weeks' score
    rayon_base_reports: int  # the rayon's baseline reports (same resource, or all)
    rayon_base_severity: float


@dataclass(frozen=True, slots=True)
class WeekCell:
    """One aiyl aimak in one week: week 0 is the last 7 days, week 1 the 7 before, ..."""

    place: str
    week: int
    reports: int
    agreements: int
    clashes: int
    severity: float


@dataclass(frozen=True, slots=True)
class PlaceReport:
    """A report as the early-warning list shows it: no reporter, no text."""

    id: int
    event_date: date
    resource: str
    resource_other: str | None
    sub_event_type: str
    status: str
    injuries: int
    fatalities: int


@dataclass(frozen=True, slots=True)
class Alert:
    """A rising-tension alert raised for a place in a week."""

    id: int
    place: str
    week_start: date
    raised_at: datetime
    reasons: list[dict[str, Any]]
