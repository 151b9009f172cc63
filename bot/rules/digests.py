"""Weekly digests: what they say, who gets them when, and delivering each exactly once.

A digest is a notice record (`CoordinatorDigest`, `GroupDigest`): counts from aggregate SQL
(storage/digests.py) and the sections other features add, as data; the surface draws it in
the reader's language. What a coordinator's digest covers is her `Reach`, nothing else.

Sections: besides its own (incidents, what waits for review), the coordinator digest has one
section from every feature whose rules offer `digest_section(reader, period)` and a
`digest_position`; they are collected from the kernel, so this module names no feature.

Schedules and deliveries live in SQLite; the scheduler only wakes `run_due` every hour and
at start-up. Every send is claimed in the delivery table before it goes out (bot/rules/fanout.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol, runtime_checkable

from bot.core.access import Actor, NotAllowed, Permission, Reach
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.gazetteer import Place
from bot.records.digests import (
    WEEK,
    Count,
    DeliveryKey,
    DigestDelivery,
    GroupActivity,
    GroupRecipient,
    MemberRecipient,
    OpenIncidents,
    Period,
    Schedule,
    UrgentIncident,
    UserRecipient,
    WeekCount,
)
from bot.records.groups import PeerGroup
from bot.records.practices import PracticeLine
from bot.rules.fanout import FanOut, FanOutReport, Progress, Target
from bot.rules.groups import GroupRules
from storage.base import from_db_time, to_db_time
from storage.connection import Connection
from storage.digests import DeliveryRepository, DigestDataRepository, ScheduleRepository
from storage.groups import GroupRepository

log = logging.getLogger(__name__)

TICK_KEY = "last_tick"
DIGEST_TICK = timedelta(hours=1)
# A digest sent this long after its time (the bot was down) is marked late.
LATE_AFTER = timedelta(minutes=30)
# Failed sends are tried again at the next ticks, for this long after they were due.
RETRY_WITHIN = timedelta(hours=24)
# A claim this old belongs to a run that crashed: its message may have left, so it is closed.
STALE_CLAIM = timedelta(hours=1)
MONTH = timedelta(days=28)
# The longest span a digest covers: after a longer gap it starts this far back.
MAX_PERIOD = MONTH
MAX_ATTEMPTS = 3
HOURS = tuple(range(24))
WEEKDAYS = tuple(range(7))  # 0 = Monday
GROUPS_SHOWN = 20  # groups offered on the settings screen
GROUPS_PREVIEWED = 3
CHART_WEEKS = 8
URGENT_SHOWN = 10
APPROVED_SHOWN = 5
HELPFUL_SHOWN = 3
# Where the digest's own sections go among the features' (`digest_position`).
INCIDENTS_POSITION = 10
REVIEW_POSITION = 30
# A delivery's status and reason for each way a send can end.
OUTCOMES: dict[Delivery, tuple[str, str | None]] = {
    Delivery.SENT: ("sent", None),
    Delivery.BLOCKED: ("skipped", "blocked"),
    Delivery.REJECTED: ("failed", "rejected"),
    Delivery.FAILED: ("failed", "error"),  # the only reason retried
    Delivery.UNKNOWN: ("failed", "unknown"),
}


# ---------------------------------------------------------------------- periods


def latest_slot(schedule: Schedule, now: datetime, zone: tzinfo) -> datetime:
    """The schedule's most recent time at or before `now` (UTC), in its local wall time."""
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - schedule.weekday) % 7)
    slot = datetime.combine(day, time(schedule.hour), tzinfo=zone)
    if slot > now:
        slot = datetime.combine(day - WEEK, time(schedule.hour), tzinfo=zone)
    return slot.astimezone(UTC)


def first_tick_delay(now: datetime, zone: tzinfo) -> float:
    """Seconds from `now` to just after the next full hour in local time: the first tick."""
    local = now.astimezone(zone)
    hour = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    # A few seconds late, so that a digest due at 09:00 is due when the tick looks.
    return (hour - local).total_seconds() + 5


def period_for(
    due: datetime, zone: tzinfo, *, late: bool = False, preview: bool = False
) -> Period:
    """A digest due at `due`, keyed by its local day, over the seven days before it."""
    return Period(
        start=due.astimezone(zone).date(),
        due_at=due,
        since=due - WEEK,
        until=due,
        late=late,
        preview=preview,
    )


def since_last_delivered(period: Period, last: datetime | None) -> Period:
    """The period from the last digest delivered to the same chat up to this one's time.

    Keyed by the Monday of the week, a digest day moved from Monday to Wednesday found that
    Wednesday 'already sent' and the reports between the two never appeared as new; keyed by
    day and starting where the last one ended, no day is skipped and none counted twice. With
    none before, or one older than MAX_PERIOD (digests off for months), it starts that far back.
    """
    if last is None:
        return period
    return replace(period, since=max(last, period.until - MAX_PERIOD))


# ---------------------------------------------------------------------- sections


class DigestSection(Protocol):
    """A part of the coordinator digest, as data; the feature that made it draws it."""

    @property
    def news(self) -> bool:
        """Whether it says something worth a message on its own (else a quiet week)."""


@runtime_checkable
class SectionSource(Protocol):
    """Rules that add a section to the coordinator digest; found among the kernel's parts."""

    digest_position: int  # where the section goes: 10 incidents, 30 review (see above)

    async def digest_section(self, reader: Actor, period: Period) -> DigestSection | None:
        """The section for this reader's reach and period, or None when it has nothing."""


@dataclass(frozen=True, slots=True)
class RayonCount:
    """Reports of a rayon this week and the week before; `place` None when unknown."""

    count: Count
    place: Place | None


@dataclass(frozen=True, slots=True)
class UrgentLine:
    """An urgent report of the week with its place (None when unknown); never its reporter."""

    incident: UrgentIncident
    place: Place | None


@dataclass(frozen=True, slots=True)
class IncidentsSection:
    """New reports by resource, kind and rayon against the week before; urgent, open, resolved."""

    by_resource: tuple[Count, ...]
    by_event: tuple[Count, ...]
    by_rayon: tuple[RayonCount, ...]
    urgent: tuple[UrgentLine, ...]  # the first URGENT_SHOWN, oldest first
    urgent_total: int
    open: OpenIncidents
    oldest_open_on: date | None  # local day the oldest open report came
    resolved: int
    week_starts: tuple[date, ...]  # the chart's weeks (local days), oldest first
    weekly: tuple[WeekCount, ...]  # the chart's counts; `week` indexes `week_starts`

    @property
    def new_this_week(self) -> int:
        return sum(c.this_week for c in self.by_resource)

    @property
    def new_last_week(self) -> int:
        return sum(c.last_week for c in self.by_resource)

    @property
    def charted(self) -> bool:
        """Whether the weeks hold any report to draw."""
        return any(w.count for w in self.weekly)

    @property
    def news(self) -> bool:
        return bool(self.new_this_week or self.resolved or self.urgent_total)


@dataclass(frozen=True, slots=True)
class ReviewSection:
    """Reports waiting for review and practices waiting for approval, in the reader's reach."""

    pending_review: int
    oldest_pending_on: date | None
    practices_pending: int

    @property
    def news(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class CoordinatorDigest:
    """Notice: a coordinator's digest of a period, as data; each section drawn by its feature."""

    period: Period
    first_day: date  # the period's first and last local days
    last_day: date
    everywhere: bool  # the reader's reach is the whole country
    area: tuple[Place, ...]  # the places her reach starts from; none with groups only
    sections: tuple[DigestSection, ...]  # in order

    @property
    def quiet(self) -> bool:
        """No section has news: the digest is one line."""
        return not any(s.news for s in self.sections)


@dataclass(frozen=True, slots=True)
class GroupDigest:
    """Notice: what a peer group's digest says, as data."""

    group_id: int
    name: str
    period: Period
    first_day: date
    last_day: date
    approved: tuple[PracticeLine, ...]
    approved_total: int
    most_helpful: tuple[PracticeLine, ...]
    activity: GroupActivity

    @property
    def empty(self) -> bool:
        return not (self.approved_total or self.most_helpful) and self.activity.empty


@dataclass(frozen=True, slots=True)
class DigestPreview:
    """/digest: the person's digests as they stand now; nothing is recorded as sent."""

    coordinator: CoordinatorDigest | None  # None when she gets no coordinator digest
    groups: tuple[GroupDigest, ...]  # her first groups'


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """/digest settings: her own digest, and the groups whose digest she manages."""

    schedule: Schedule
    chooses_time: bool  # a coordinator picks her day and hour; members follow their groups'
    managed: tuple[PeerGroup, ...]
    saved: bool = False  # just changed


@dataclass(frozen=True, slots=True)
class GroupDigestSettings:
    """A managed group's digest: day, hour, on or off, and the language in its chat."""

    group: PeerGroup
    schedule: Schedule
    language: str
    saved: bool = False


# ---------------------------------------------------------------------- delivery ledger


@dataclass(frozen=True, slots=True)
class DigestTicket:
    """What the delivery table claims for one digest to one chat."""

    key: DeliveryKey
    due_at: datetime
    late: bool = False
    allow_new: bool = True  # False: only retry a failed row, never start a new one


def still_open(ticket: DigestTicket, row: DigestDelivery | None) -> bool:
    """Whether a digest still needs sending, given its delivery row (if any)."""
    if row is None:
        return ticket.allow_new
    return row.status == "failed" and row.reason == "error" and row.attempts < MAX_ATTEMPTS


class DeliveryLedger:
    """The digests' delivery table as a fan-out's ledger: one row per recipient, chat and day."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    async def pending(self, targets: Sequence[Target[DigestTicket]]) -> list[Target[DigestTicket]]:
        """The targets without a row, or whose failure may be retried."""
        async with self.kernel.db.reading() as conn:
            rows = await DeliveryRepository(conn).existing(
                period_starts={t.ticket.key[3] for t in targets}
            )
        return [t for t in targets if still_open(t.ticket, rows.get(t.ticket.key))]

    async def claim(self, target: Target[DigestTicket]) -> bool:
        """Claim the row before sending: new, or failed with attempts left."""
        ticket = target.ticket
        async with self.kernel.db.transaction() as conn:
            return await DeliveryRepository(conn).claim(
                key=ticket.key,
                due_at=ticket.due_at,
                late=ticket.late,
                now=self.kernel.clock.now(),
                max_attempts=MAX_ATTEMPTS,
                allow_new=ticket.allow_new,
            )

    async def finish(self, target: Target[DigestTicket], outcome: Delivery) -> str:
        """Record how the send ended: sent, skipped (blocked) or failed with its reason."""
        status, reason = OUTCOMES[outcome]
        async with self.kernel.db.transaction() as conn:
            await DeliveryRepository(conn).finish(
                key=target.ticket.key, status=status, reason=reason, now=self.kernel.clock.now()
            )
        return status


Memo = dict[tuple[Any, ...], "asyncio.Future[GroupDigest]"]


# ---------------------------------------------------------------------- rules


class DigestRules:
    """Builds, schedules and delivers the weekly digests."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.fanout = FanOut(kernel, DeliveryLedger(kernel))
        # One scheduled run at a time in this process; claims guard against other processes.
        self._running = asyncio.Lock()

    def _local(self, moment: datetime) -> date:
        return moment.astimezone(self.kernel.settings.zone).date()

    def _place(self, code: str | None) -> Place | None:
        return self.kernel.gazetteer.get(code) if code else None

    def area(self, reach: Reach) -> tuple[Place, ...]:
        """The places a reach starts from (its scopes), by code; sub-places are left out."""
        gazetteer = self.kernel.gazetteer
        tops = (c for c in reach.places if c in gazetteer)
        return tuple(gazetteer[c] for c in sorted(tops) if gazetteer[c].parent not in reach.places)

    # ------------------------------------------------------------------ building

    def _sources(
        self,
    ) -> list[tuple[int, str, Callable[[Actor, Period], Awaitable[DigestSection | None]]]]:
        """Every section's position, name and builder: the digest's own, then the features'."""
        found: list[tuple[int, str, Callable[[Actor, Period], Awaitable[DigestSection | None]]]]
        found = [
            (INCIDENTS_POSITION, "incidents", self.incidents_section),
            (REVIEW_POSITION, "review", self.review_section),
        ]
        for part in self.kernel.parts():
            if part is not self and isinstance(part, SectionSource):
                found.append((part.digest_position, type(part).__name__, part.digest_section))
        return sorted(found, key=lambda s: (s[0], s[1]))

    async def coordinator_digest(self, actor: Actor, period: Period) -> CoordinatorDigest:
        """The coordinator digest of the period for the actor's reach."""
        self.kernel.access.require(actor, Permission.VIEW_STATS)
        sections: list[DigestSection] = []
        for _, name, build in self._sources():
            try:
                found = await build(actor, period)
            except Exception as exc:  # one broken section must not cost the whole digest
                log.exception("digest section %s failed: %s", name, type(exc).__name__)
                continue
            if found is not None:
                sections.append(found)
        return CoordinatorDigest(
            period=period,
            first_day=self._local(period.since),
            last_day=self._local(period.until),
            everywhere=actor.reach.everything,
            area=self.area(actor.reach),
            sections=tuple(sections),
        )

    async def incidents_section(self, reader: Actor, period: Period) -> IncidentsSection | None:
        """The week's reports in the reader's reach, or None when there is nothing to say."""
        places = reader.reach.place_codes
        since, until = period.since, period.until
        week_starts = tuple(until - WEEK * (CHART_WEEKS - i) for i in range(CHART_WEEKS))
        async with self.kernel.db.reading() as conn:
            data = DigestDataRepository(conn)

            async def counts(column: str) -> tuple[Count, ...]:
                found = await data.incident_counts(
                    places=places, column=column, since=period.previous, split=since, until=until
                )
                return tuple(found)

            by_resource = await counts("resource")
            by_event = await counts("sub_event_type")
            by_rayon = await counts("admin2")
            urgent, urgent_total = await data.urgent(
                places=places, since=since, until=until, limit=URGENT_SHOWN
            )
            open_ = await data.open_incidents(
                places=places, until=until, week_ago=until - WEEK, month_ago=until - MONTH
            )
            resolved = await data.resolved(places=places, since=since, until=until)
            weekly = await data.weekly_by_resource(places=places, starts=week_starts, until=until)
        if not (by_resource or open_.total or resolved):
            return None
        return IncidentsSection(
            by_resource=by_resource,
            by_event=by_event,
            by_rayon=tuple(RayonCount(c, self._place(c.key)) for c in by_rayon),
            urgent=tuple(UrgentLine(u, self._place(u.place_code)) for u in urgent),
            urgent_total=urgent_total,
            open=open_,
            oldest_open_on=self._local(open_.oldest_at) if open_.oldest_at else None,
            resolved=resolved,
            week_starts=tuple(self._local(s) for s in week_starts),
            weekly=tuple(weekly),
        )

    async def review_section(self, reader: Actor, period: Period) -> ReviewSection | None:
        """What waits for the reader: reports to review, practices to approve; None if nothing."""
        reach = reader.reach
        async with self.kernel.db.reading() as conn:
            data = DigestDataRepository(conn)
            pending, oldest = await data.pending_review(
                places=reach.place_codes, until=period.until
            )
            practices = await data.practices_pending(
                places=reach.place_codes, groups=reach.group_ids or (), user_id=reader.user_id
            )
        if not (pending or practices):
            return None
        return ReviewSection(pending, self._local(oldest) if oldest else None, practices)

    async def group_digest(self, group_id: int, name: str, period: Period) -> GroupDigest:
        """The peer-group digest's content for the period."""
        since, until = period.since, period.until
        async with self.kernel.db.reading() as conn:
            data = DigestDataRepository(conn)
            approved, total = await data.group_approved(
                group_id=group_id, since=since, until=until, limit=APPROVED_SHOWN
            )
            helpful = await data.group_most_helpful(
                group_id=group_id, since=since, until=until, limit=HELPFUL_SHOWN
            )
            activity = await data.group_activity(group_id=group_id, since=since, until=until)
        return GroupDigest(
            group_id,
            name,
            period,
            self._local(since),
            self._local(until),
            tuple(approved),
            total,
            tuple(helpful),
            activity,
        )

    # ------------------------------------------------------------------ /digest

    async def preview(self, actor: Actor) -> DigestPreview:
        """/digest: this week's digests as they stand now; no delivery is recorded."""
        access = self.kernel.access
        access.require(actor, Permission.USE_FORMS)
        period = period_for(self.kernel.clock.now(), self.kernel.settings.zone, preview=True)
        coordinator = None
        if access.allows(actor, Permission.VIEW_STATS):
            coordinator = await self.coordinator_digest(actor, period)
        async with self.kernel.db.reading() as conn:
            groups = await GroupRepository(conn).of_member(actor.user_id)
        found = [await self.group_digest(g.id, g.name, period) for g in groups[:GROUPS_PREVIEWED]]
        return DigestPreview(coordinator, tuple(found))

    async def settings(self, actor: Actor, *, saved: bool = False) -> DigestSettings:
        """/digest settings: the person's digest day, hour or off, and her groups'."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        async with self.kernel.db.reading() as conn:
            schedule = await ScheduleRepository(conn).get(
                recipient_kind="user", recipient_id=actor.user_id
            )
        managed = await self.kernel.get(GroupRules).managed(actor)
        return DigestSettings(
            schedule,
            chooses_time=self.kernel.access.allows(actor, Permission.VIEW_STATS),
            managed=managed[:GROUPS_SHOWN],
            saved=saved,
        )

    async def _managed_group(self, actor: Actor, group_id: int) -> PeerGroup:
        self.kernel.access.require(actor, Permission.USE_FORMS)
        async with self.kernel.db.reading() as conn:
            group = await GroupRepository(conn).get(group_id)
        if group is None or not group.active:
            raise StaleButton
        if not self.kernel.get(GroupRules).manages(actor, group):
            raise NotAllowed(Permission.MANAGE_GROUPS)
        return group

    async def group_settings(
        self, actor: Actor, group_id: int, *, saved: bool = False
    ) -> GroupDigestSettings:
        """A managed group's digest: day, hour, off, and the language in its chat."""
        group = await self._managed_group(actor, group_id)
        async with self.kernel.db.reading() as conn:
            schedule = await ScheduleRepository(conn).get(
                recipient_kind="group", recipient_id=group.id
            )
        language = self.kernel.get(GroupRules).language_of(group.language)
        return GroupDigestSettings(group, schedule, language, saved=saved)

    async def change_mine(
        self,
        actor: Actor,
        *,
        weekday: int | None = None,
        hour: int | None = None,
        enabled: bool | None = None,
    ) -> DigestSettings:
        """Turn one's own digest on or off; a coordinator also moves its day or hour."""
        access = self.kernel.access
        access.require(actor, Permission.USE_FORMS)
        if weekday is not None or hour is not None:
            access.require(actor, Permission.VIEW_STATS)
        async with self.kernel.db.reading() as conn:
            current = await ScheduleRepository(conn).get(
                recipient_kind="user", recipient_id=actor.user_id
            )
        await self._save(actor, _changed(current, weekday, hour, enabled))
        return await self.settings(actor, saved=True)

    async def change_group(
        self,
        actor: Actor,
        group_id: int,
        *,
        weekday: int | None = None,
        hour: int | None = None,
        enabled: bool | None = None,
        language: str | None = None,
    ) -> GroupDigestSettings:
        """A group manager sets its digest's day, hour, on or off, or its chat's language.

        The language is the group's own (peer groups keep it): the one its chat is written in.
        """
        group = await self._managed_group(actor, group_id)
        if language is not None:
            await self.kernel.get(GroupRules).set_language(actor, group.id, language)
        if (weekday, hour, enabled) != (None, None, None):
            async with self.kernel.db.reading() as conn:
                current = await ScheduleRepository(conn).get(
                    recipient_kind="group", recipient_id=group.id
                )
            await self._save(actor, _changed(current, weekday, hour, enabled))
        return await self.group_settings(actor, group.id, saved=True)

    async def _save(self, actor: Actor, schedule: Schedule) -> None:
        async with self.kernel.db.transaction() as conn:
            await ScheduleRepository(conn).save(
                schedule=schedule, by=actor.user_id, now=self.kernel.clock.now()
            )

    # ------------------------------------------------------------------ delivery

    async def _since_last(self, key: DeliveryKey, period: Period) -> Period:
        """The period of this delivery: from the last digest sent to the same chat."""
        kind, recipient, chat, _ = key
        async with self.kernel.db.reading() as conn:
            last = await DeliveryRepository(conn).last_sent(
                recipient_kind=kind, recipient_id=recipient, chat_id=chat, before=period.until
            )
        return since_last_delivered(period, last)

    def _coordinator_target(
        self, recipient: UserRecipient, period: Period, *, allow_new: bool = True
    ) -> Target[DigestTicket]:
        uid = recipient.user_id
        key: DeliveryKey = ("user", uid, uid, period.start)

        async def build() -> CoordinatorDigest:
            actor = await self.kernel.actors.of_user(uid)
            return await self.coordinator_digest(actor, await self._since_last(key, period))

        return Target(
            DigestTicket(key, period.due_at, late=period.late, allow_new=allow_new),
            Recipient(uid, recipient.language),
            build,
            person=uid,
        )

    def _group_targets(
        self,
        group: GroupRecipient,
        period: Period,
        members: Sequence[MemberRecipient],
        memo: Memo,
        *,
        only_chat: int | None = None,
        allow_new: bool = True,
    ) -> list[Target[DigestTicket]]:
        def data(covered: Period) -> Awaitable[GroupDigest]:
            key = ("group", group.group_id, covered.since, covered.until)
            if key not in memo:
                # Built once for the chat and every member with the same period.
                memo[key] = asyncio.ensure_future(
                    self.group_digest(group.group_id, group.name, covered)
                )
            return memo[key]

        def builder(chat: int) -> Callable[[], Awaitable[GroupDigest]]:
            async def build() -> GroupDigest:
                key: DeliveryKey = ("group", group.group_id, chat, period.start)
                return await data(await self._since_last(key, period))

            return build

        chats: list[tuple[int, str, int | None]] = []
        if group.deliver_to in ("chat", "both") and group.chat_id is not None:
            language = self.kernel.get(GroupRules).language_of(group.language)
            chats.append((group.chat_id, language, None))
        if group.deliver_to in ("members", "both"):
            chats.extend((m.user_id, m.language, m.user_id) for m in members)
        return [
            Target(
                DigestTicket(
                    ("group", group.group_id, chat, period.start),
                    period.due_at,
                    late=period.late,
                    allow_new=allow_new,
                ),
                Recipient(chat, language),
                builder(chat),
                person=person,
            )
            for chat, language, person in chats
            if only_chat is None or chat == only_chat
        ]

    async def _recipients(
        self, *, user: int | None = None, group: int | None = None
    ) -> tuple[list[UserRecipient], list[GroupRecipient], list[MemberRecipient]]:
        async with self.kernel.db.reading() as conn:
            schedules = ScheduleRepository(conn)
            users = (
                await schedules.user_recipients(
                    admin_ids=self.kernel.settings.admin_ids, only=user
                )
                if group is None
                else []
            )
            groups = await schedules.group_recipients(only=group) if user is None else []
            members = await schedules.members(group_ids=[g.group_id for g in groups])
        return users, groups, members

    async def due_targets(self, since: datetime, now: datetime) -> list[Target[DigestTicket]]:
        """Digests whose time fell in (since, now], and failed ones still worth a retry."""
        zone = self.kernel.settings.zone
        users, groups, members = await self._recipients()
        async with self.kernel.db.reading() as conn:
            retry = await DeliveryRepository(conn).retryable(
                due_since=now - RETRY_WITHIN, max_attempts=MAX_ATTEMPTS
            )
        targets: list[Target[DigestTicket]] = []
        memo: Memo = {}

        def period(due: datetime) -> Period:
            return period_for(due, zone, late=now - due > LATE_AFTER)

        for user in users:
            slot = latest_slot(user.schedule, now, zone)
            if user.schedule.enabled and slot > since:
                targets.append(self._coordinator_target(user, period(slot)))
        for group in groups:
            slot = latest_slot(group.schedule, now, zone)
            if group.schedule.enabled and slot > since:
                mine = _members_of(members, group.group_id)
                targets.extend(self._group_targets(group, period(slot), mine, memo))
        targets.extend(self._retries(retry, users, groups, members, memo, now))
        # A resumed period can name a failed delivery twice (due, and to retry): once is enough.
        unique: dict[DeliveryKey, Target[DigestTicket]] = {}
        for target in targets:
            unique.setdefault(target.ticket.key, target)
        return list(unique.values())

    def _retries(
        self,
        retry: Sequence[DigestDelivery],
        users: Sequence[UserRecipient],
        groups: Sequence[GroupRecipient],
        members: Sequence[MemberRecipient],
        memo: Memo,
        now: datetime,
    ) -> list[Target[DigestTicket]]:
        """Targets for failed deliveries whose recipient still gets digests."""
        by_user = {u.user_id: u for u in users if u.schedule.enabled}
        by_group = {g.group_id: g for g in groups if g.schedule.enabled}
        zone = self.kernel.settings.zone
        found: list[Target[DigestTicket]] = []
        for row in retry:
            period = period_for(row.due_at, zone, late=now - row.due_at > LATE_AFTER)
            period = replace(period, start=row.period_start)  # the row's own key, as stored
            if row.recipient_kind == "user" and row.recipient_id in by_user:
                found.append(
                    self._coordinator_target(by_user[row.recipient_id], period, allow_new=False)
                )
            elif row.recipient_kind == "group" and row.recipient_id in by_group:
                found.extend(
                    self._group_targets(
                        by_group[row.recipient_id],
                        period,
                        _members_of(members, row.recipient_id),
                        memo,
                        only_chat=row.chat_id,
                        allow_new=False,
                    )
                )
        return found

    async def run_due(self, now: datetime) -> FanOutReport:
        """The hourly tick and the start-up catch-up: send what fell due since the last run.

        The time looked up to is saved only after the fan-out, so a crash leaves the period
        to the next run, which sends what is still unclaimed. Only each recipient's latest
        time counts: a bot that was down for weeks sends one late digest, not several.
        """
        db = self.kernel.db
        async with self._running:
            async with db.transaction() as conn:
                repo = DeliveryRepository(conn)
                await repo.mark_interrupted(claimed_before=now - STALE_CLAIM)
                stored = await repo.get_state(TICK_KEY)
                if stored is None:
                    # The first run ever: times before it are not due (no digest for the past).
                    await repo.set_state(TICK_KEY, to_db_time(now))
            since = from_db_time(stored) or now
            report = await self.fanout.deliver(await self.due_targets(since, now))
            if now > since:
                async with db.transaction() as conn:
                    await DeliveryRepository(conn).set_state(TICK_KEY, to_db_time(now))
            if report.total:
                log.info("digests due by %s: %s", now.isoformat(), dict(report.results))
            return report

    async def run_now(
        self,
        now: datetime,
        *,
        user: int | None = None,
        group: int | None = None,
        progress: Progress | None = None,
    ) -> FanOutReport:
        """`ayilbot digest --now`: the digest now, to everyone or to one recipient.

        It counts as the day's delivery (a digest due later today is not sent again), and like
        every digest it covers the time since the last one sent. Everyone with digests turned
        off is left out, unless named.
        """
        period = period_for(now, self.kernel.settings.zone)
        users, groups, members = await self._recipients(user=user, group=group)
        named = user is not None or group is not None
        memo: Memo = {}
        targets = [
            self._coordinator_target(u, period) for u in users if named or u.schedule.enabled
        ]
        for item in groups:
            if named or item.schedule.enabled:
                mine = _members_of(members, item.group_id)
                targets.extend(self._group_targets(item, period, mine, memo))
        return await self.fanout.deliver(targets, progress=progress)

    # ------------------------------------------------------------------ privacy

    async def export_personal(self, conn: Connection, user_id: int) -> Any:
        """For /mydata: the person's digest schedule and the digests sent to them."""
        schedule = await ScheduleRepository(conn).of_user(user_id)
        sent = await DeliveryRepository(conn).for_chat(user_id)
        return {
            "schedule": asdict(schedule) if schedule else None,
            "deliveries": [
                {
                    "digest": "coordinator" if d.recipient_kind == "user" else "group",
                    "period_start": d.period_start.isoformat(),
                    "status": d.status,
                    "late": d.late,
                    "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                }
                for d in sent
            ],
        }

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """For /deleteme: the schedule and the record of digests sent to the person."""
        await ScheduleRepository(conn).erase_user(user_id)
        await DeliveryRepository(conn).erase_user(user_id)


def _members_of(members: Sequence[MemberRecipient], group_id: int) -> list[MemberRecipient]:
    return [m for m in members if m.group_id == group_id]


def _changed(
    schedule: Schedule, weekday: int | None, hour: int | None, enabled: bool | None
) -> Schedule:
    """The schedule after a change; a day or an hour also turns the digest on."""
    changed = schedule
    if weekday is not None:
        if weekday not in WEEKDAYS:
            raise StaleButton
        changed = replace(changed, weekday=weekday, enabled=True)
    if hour is not None:
        if hour not in HOURS:
            raise StaleButton
        changed = replace(changed, hour=hour, enabled=True)
    if enabled is not None:
        changed = replace(changed, enabled=enabled)
    return changed
