"""Records the export and statistics queries return: periods, file metadata, people, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.records.core import Role, User


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open time window in UTC; None leaves that side open."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class FileMeta:
    """An attachment's metadata for exports; its key finds the copy in the media store."""

    owner_id: int  # the report, practice or need
    update_id: int | None
    position: int
    type: str
    duration: int | None
    mime: str | None
    # Telegram's file_unique_id, else its file id: how the media table names the file. The
    # rules look the stored copy up by it; no file ever shows it.
    key: str | None = None


@dataclass(frozen=True, slots=True)
class RegisteredPerson:
    """A registered person with their groups and roles."""

    user: User
    group_ids: tuple[int, ...]
    roles: tuple[Role, ...]


@dataclass(frozen=True, slots=True)
class IncidentCounts:
    """Reports received in a period, and their state now."""

    received: int
    urgent: int
    resolved: int
    open: int
    pending_review: int


@dataclass(frozen=True, slots=True)
class PracticeCounts:
    """Practices approved and waiting in a period."""

    approved: int
    waiting: int
