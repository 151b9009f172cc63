"""Incident reports as stored: the report, its history and its files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class NewIncident:
    """Everything a report stores when it is received."""

    draft_id: str
    form_id: str
    form_version: int
    reporter_id: int | None  # None once the reporter's account was erased
    reporter_pseudonym: str | None
    reporter_role: str | None
    anonymous: bool
    received_at: datetime
    event_date: date
    date_precision: int
    resource: str
    resource_other: str | None
    event_type: str
    sub_event_type: str
    actor1: str | None
    actor1_type: str
    actor2: str | None
    actor2_type: str | None
    crowd_size: str
    fatalities: int
    injuries: int
    admin1: str | None
    admin2: str | None
    admin3: str | None
    place_other: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    geo_precision: int
    border: str
    notes: str | None
    response: str | None
    source: str
    source_scale: str
    urgent: bool
    status: str
    possible_duplicate_of: int | None
    village_code: str | None = None  # the village picked from the gazetteer; `location` names it


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident(NewIncident):
    """A stored report: what was received, its number and its review state."""

    id: int
    review_status: str
    duplicate_of: int | None
    last_update_at: datetime
    followup_sent_at: datetime | None

    @property
    def place_code(self) -> str | None:
        """The most precise gazetteer code known for the place."""
        return self.admin3 or self.admin2 or self.admin1


@dataclass(frozen=True, slots=True)
class IncidentUpdate:
    """One entry of a report's history."""

    id: int
    incident_id: int
    at: datetime
    author_id: int | None
    author_role: str
    kind: str
    text: str | None
    response: str | None
    outcome: str | None
    status_after: str | None
    reply_to: int | None


@dataclass(frozen=True, slots=True)
class IncidentAttachment:
    """A photo or voice note sent with a report or an update."""

    incident_id: int
    update_id: int | None
    type: str
    file_id: str
    unique_id: str | None
    duration: int | None
