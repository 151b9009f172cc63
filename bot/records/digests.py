"""Digests as storage returns them: schedules, recipients, deliveries and the week's counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_HOUR = 9
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Period:
    """One digest period: up to `until`, from the digest sent before; keyed by its local day."""

    start: date  # the local day the digest is due: the delivery key (one a day at most)
    due_at: datetime  # when it is due (UTC)
    since: datetime  # the period's data: [since, until); the last digest's `until`, if any
    until: datetime
    late: bool = False  # sent by the catch-up after the bot was down
    preview: bool = False  # /digest: not a delivery

    @property
    def previous(self) -> datetime:
        """The start of the week before, for comparisons."""
        return self.since - WEEK


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a person or a group gets the weekly digest."""

    recipient_kind: str  # user | group
    recipient_id: int
    weekday: int = DEFAULT_WEEKDAY  # 0 = Monday
    hour: int = DEFAULT_HOUR  # local time
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class UserRecipient:
    """A coordinator or administrator who gets the coordinator digest."""

    user_id: int
    language: str
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class GroupRecipient:
    """An active peer group and where its digest goes."""

    group_id: int
    name: str
    chat_id: int | None
    deliver_to: str  # members | chat | both
    language: str | None  # the group's, for its chat (peer_groups.language)
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class MemberRecipient:
    """A group member who gets the group's digest privately."""

    group_id: int
    user_id: int
    language: str


# Recipient kind, recipient id, chat id, and the local day the digest is due (`period_start`;
# rows written before issue #15 hold the Monday of its week: one digest per key either way).
DeliveryKey = tuple[str, int, int, date]


@dataclass(frozen=True, slots=True)
class DigestDelivery:
    """A row of the delivery table: claimed before its digest is sent, marked after."""

    recipient_kind: str
    recipient_id: int
    chat_id: int
    period_start: date
    due_at: datetime
    status: str  # claimed | sent | failed | skipped
    reason: str | None
    late: bool
    attempts: int
    claimed_at: datetime | None
    sent_at: datetime | None

    @property
    def key(self) -> DeliveryKey:
        return (self.recipient_kind, self.recipient_id, self.chat_id, self.period_start)


@dataclass(frozen=True, slots=True)
class Count:
    """Reports with one value of a column, this week and the week before."""

    key: str | None
    this_week: int
    last_week: int


@dataclass(frozen=True, slots=True)
class UrgentIncident:
    """An urgent report as a digest lists it: never who sent it."""

    id: int
    resource: str
    resource_other: str | None
    sub_event_type: str
    place_code: str | None
    status: str


@dataclass(frozen=True, slots=True)
class OpenIncidents:
    """Reports still open, by how long they have been."""

    total: int
    under_week: int
    weeks: int  # one to four weeks
    older: int  # over four weeks
    oldest_id: int | None
    oldest_at: datetime | None


@dataclass(frozen=True, slots=True)
class WeekCount:
    """Reports about one resource in one of the last weeks (0 = the oldest)."""

    resource: str
    week: int
    count: int


@dataclass(frozen=True, slots=True)
class GroupActivity:
    """What a peer group's members did in the week."""

    new_members: int
    practices_shared: int
    helpful_marks: int

    @property
    def empty(self) -> bool:
        return not (self.new_members or self.practices_shared or self.helpful_marks)
