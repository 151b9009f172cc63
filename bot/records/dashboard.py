"""Records of the dashboard: what its filters ask, what its lists and map read, who signed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """The filter bar: every field None (or False) means "any"."""

    since: date | None = None  # event date, from this day
    until: date | None = None  # event date, up to and including this day
    place: str | None = None  # an oblast, rayon or aiyl aimak: reports in it or below
    resource: str | None = None
    event: str | None = None  # sub_event_type
    review: str | None = None  # review_status
    urgent: bool = False  # only urgent reports


class ReportSort(StrEnum):
    """The columns the reports table sorts by."""

    NUMBER = "number"
    RECEIVED = "received"
    EVENT_DATE = "date"
    RESOURCE = "resource"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class Box:
    """A map's visible bounds in degrees."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies inside (edges included)."""
        return self.south <= lat <= self.north and self.west <= lon <= self.east


@dataclass(frozen=True, slots=True)
class MapRow:
    """What the map needs of one report: where it is and what colours it."""

    id: int
    latitude: float | None
    longitude: float | None
    place_code: str | None  # the most precise gazetteer code
    aimak: str | None  # admin3, for the early-warning state
    resource: str
    event: str
    review: str
    urgent: bool


@dataclass(frozen=True, slots=True)
class PlaceCount:
    """Reports of one place and resource (a pin without a place: its rounded pin instead)."""

    place_code: str | None
    latitude: float | None  # only for reports without a place
    longitude: float | None
    resource: str
    reports: int


@dataclass(frozen=True, slots=True)
class WebSession:
    """A browser signed in to the dashboard; the cookie holds the secret, storage its hash."""

    user_id: int
    via: str  # webapp | link
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LoginLink:
    """A one-time login link, by the hash of its code."""

    user_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A read-only API token an administrator made; its secret is shown once, never stored."""

    id: int
    name: str
    scope_kind: str  # all | place | group
    scope_value: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def scope_text(self) -> str:
        """As `ayilbot admin token create` takes it: all, a code or group:ID."""
        if self.scope_kind == "all":
            return "all"
        return f"group:{self.scope_value}" if self.scope_kind == "group" else self.scope_value
