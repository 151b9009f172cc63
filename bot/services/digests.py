"""Weekly digests: what they say, who gets them when, and delivering each exactly once.

A digest is built as a data record first (`CoordinatorDigest`, `GroupDigest`: counts from
aggregate SQL in storage/digests.py), then rendered in the reader's language. Schedules and
deliveries live in SQLite; the JobQueue only wakes `run_due` every hour and at start-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, Literal

from babel.dates import format_interval, get_day_names

from bot.clock import Clock
from bot.config import LANGUAGES, Settings
from bot.core.access import Access, Actor, NotAllowed, Permission
from bot.core.actors import Person
from bot.core.errors import StaleButton
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Safe, Tr, translator
from bot.records.groups import PeerGroup
from bot.rules.groups import GroupRules
from bot.rules.needs import NeedRules
from bot.rules.users import UserRules
from bot.screen import Button, Deliverer, Screen, rows
from bot.services.digest_sections import (
    APPROVED_SHOWN,
    CHART_WEEKS,
    HELPFUL_SHOWN,
    URGENT_SHOWN,
    WEEK,
    CoordinatorDigest,
    DigestSection,
    Period,
    RenderedSection,
    SectionContext,
    builtin_sections,
    heading,
    needs_overview,
    practice_line,
)
from bot.services.fanout import MAX_ATTEMPTS, FanOut, FanOutReport, Progress, Target
from storage.base import from_db_time, to_db_time
from storage.connection import Connection
from storage.db import Database
from storage.digests import (
    Count,
    Delivery,
    DeliveryKey,
    DeliveryRepository,
    DigestDataRepository,
    DigestScope,
    GroupActivity,
    GroupRecipient,
    MemberRecipient,
    PracticeLine,
    Schedule,
    ScheduleRepository,
    UserRecipient,
)
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
HOURS = tuple(range(24))
GROUPS_SHOWN = 20  # group buttons on the settings screen
GROUPS_PREVIEWED = 3
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
MENU_DIGEST = N_("📰 Weekly digest")
COMMAND_DIGEST = N_("Weekly digest: preview and settings")


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


@dataclass(frozen=True, slots=True)
class GroupDigest:
    """What a peer group's digest says, as data."""

    group_id: int
    name: str
    period: Period
    approved: tuple[PracticeLine, ...]
    approved_total: int
    most_helpful: tuple[PracticeLine, ...]
    activity: GroupActivity

    @property
    def empty(self) -> bool:
        return not (self.approved_total or self.most_helpful) and self.activity.empty


Memo = dict[tuple[Any, ...], "asyncio.Future[Any]"]


class DigestService:
    """Builds, renders, schedules and delivers the weekly digests."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        gazetteer: Gazetteer,
        access: Access,
        users: UserRules,
        groups: GroupRules,
        needs: NeedRules,
        notifier: Deliverer,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.gazetteer = gazetteer
        self.access = access
        self.users = users
        self.groups = groups
        self.needs = needs
        self.fanout = FanOut(db, notifier, users, clock)
        self.sections: list[DigestSection] = builtin_sections(gazetteer, access)
        # One scheduled run at a time in this process; claims guard against other processes.
        self._running = asyncio.Lock()

    def add_section(self, section: DigestSection, *, before: str | None = None) -> None:
        """Add a section to the coordinator digest: at the end, or before the named one."""
        names = [s.name for s in self.sections]
        index = names.index(before) if before in names else len(self.sections)
        self.sections.insert(index, section)

    # ------------------------------------------------------------------ building

    def scope_of(self, actor: Actor) -> DigestScope:
        """The coordinator's regions and groups; an administrator sees everything."""
        scopes = actor.coordinator_scopes
        if actor.is_admin or any(s.kind == "all" for s in scopes):
            return DigestScope(actor.user_id, None, None)
        codes = tuple(
            sorted(s.value for s in scopes if s.kind == "place" and s.value in self.gazetteer)
        )
        places: set[str] = set(codes)
        for code in codes:
            places.update(p.code for p in self.gazetteer.descendants(code))
        groups = tuple(
            sorted(int(s.value) for s in scopes if s.kind == "group" and s.value.isdigit())
        )
        return DigestScope(actor.user_id, codes, tuple(sorted(places)), groups)

    async def coordinator_data(self, actor: Actor, period: Period) -> CoordinatorDigest:
        """The coordinator digest's numbers for the actor's scope and the period."""
        self.access.require(actor, Permission.VIEW_STATS)
        scope = self.scope_of(actor)
        since, until, before = period.since, period.until, period.previous
        week_starts = tuple(until - WEEK * (CHART_WEEKS - i) for i in range(CHART_WEEKS))
        async with self.db.reading() as conn:
            data = DigestDataRepository(conn)

            async def counts(column: str) -> tuple[Count, ...]:
                found = await data.incident_counts(
                    scope=scope, column=column, since=before, split=since, until=until
                )
                return tuple(found)

            by_resource = await counts("resource")
            by_event = await counts("sub_event_type")
            by_rayon = await counts("admin2")
            urgent, urgent_total = await data.urgent(
                scope=scope, since=since, until=until, limit=URGENT_SHOWN
            )
            open_ = await data.open_incidents(
                scope=scope, until=until, week_ago=until - WEEK, month_ago=until - MONTH
            )
            resolved = await data.resolved(scope=scope, since=since, until=until)
            pending, oldest = await data.pending_review(scope=scope, until=until)
            practices_pending = await data.practices_pending(scope=scope)
            approved, approved_total = await data.practices_approved(
                scope=scope, since=since, until=until, limit=APPROVED_SHOWN
            )
            helpful = await data.most_helpful(
                scope=scope, since=since, until=until, limit=HELPFUL_SHOWN
            )
            weekly = await data.weekly_by_resource(scope=scope, starts=week_starts, until=until)
        return CoordinatorDigest(
            period=period,
            scope=scope,
            by_resource=by_resource,
            by_event=by_event,
            by_rayon=by_rayon,
            urgent=tuple(urgent),
            urgent_total=urgent_total,
            open=open_,
            resolved=resolved,
            pending_review=pending,
            oldest_pending=oldest,
            practices_pending=practices_pending,
            practices_approved=tuple(approved),
            approved_total=approved_total,
            most_helpful=tuple(helpful),
            week_starts=week_starts,
            weekly=tuple(weekly),
            needs=await needs_overview(self.needs, self.access, actor),
        )

    async def group_data(self, group_id: int, name: str, period: Period) -> GroupDigest:
        """The peer-group digest's content for the period."""
        since, until = period.since, period.until
        async with self.db.reading() as conn:
            data = DigestDataRepository(conn)
            approved, total = await data.group_approved(
                group_id=group_id, since=since, until=until, limit=APPROVED_SHOWN
            )
            helpful = await data.group_most_helpful(
                group_id=group_id, since=since, until=until, limit=HELPFUL_SHOWN
            )
            activity = await data.group_activity(group_id=group_id, since=since, until=until)
        return GroupDigest(
            group_id, name, period, tuple(approved), total, tuple(helpful), activity
        )

    # ------------------------------------------------------------------ rendering

    def _interval(self, period: Period, tr: Tr) -> str:
        zone = self.settings.zone
        first = period.since.astimezone(zone).date()
        last = period.until.astimezone(zone).date()
        return format_interval(first, last, "yMMMd", locale=tr.locale)

    def _area(self, scope: DigestScope, tr: Tr) -> str:
        if scope.codes is None:
            return tr.gettext(N_("all of Kyrgyzstan"))
        names = [self.gazetteer[c].name(tr.locale) for c in scope.codes]
        return ", ".join(names) or tr.gettext(N_("your peer groups"))

    async def render_coordinator(self, actor: Actor, data: CoordinatorDigest) -> Screen:
        """The coordinator digest as one screen: sections in order, the chart attached."""
        tr = translator(actor.locale)
        context = SectionContext(actor=actor, tr=tr, zone=self.settings.zone, data=data)
        rendered: list[RenderedSection] = []
        for section in self.sections:
            try:
                found = await section.render(context)
            except Exception as exc:  # one broken section must not cost the whole digest
                log.exception("digest section %s failed: %s", section.name, type(exc).__name__)
                continue
            if found is not None:
                rendered.append(found)
        period = data.period
        interval = self._interval(period, tr)
        if not any(r.news for r in rendered):
            return Screen(
                ("👁 " if period.preview else "📰 ")
                + tr.gettext(
                    N_(
                        "<b>Weekly digest</b> · {period}: a quiet week — no new reports, "
                        "nothing waiting for you and no new practices."
                    ),
                    period=interval,
                )
            )
        head = ["📰 " + tr.gettext(N_("<b>Weekly digest</b> · {period}"), period=interval)]
        head.append(tr.gettext(N_("Area: {area}"), area=self._area(data.scope, tr)))
        if period.late:
            head.append("⏰ " + tr.gettext(N_("Late: the bot was not running at the set time.")))
        if period.preview:
            head.append(
                "👁 "
                + tr.gettext(
                    N_("Preview of the last seven days; your scheduled digest still comes.")
                )
            )
        parts = ["\n".join(head), *(r.text for r in rendered)]
        buttons = [b for r in rendered for b in r.buttons]
        return Screen(
            Safe("\n\n".join(parts)),
            buttons=tuple((b,) for b in buttons),
            attachments=tuple(a for r in rendered for a in r.attachments),
        )

    def render_group(self, data: GroupDigest, tr: Tr) -> Screen:
        """The peer-group digest in one language; an empty week is one line."""
        interval = self._interval(data.period, tr)
        if data.empty:
            return Screen(
                ("👁 " if data.period.preview else "")
                + tr.gettext(
                    N_(
                        "👥 <b>{group}</b> · {period}: a quiet week in the group. "
                        "Share what worked for you: /practice"
                    ),
                    group=data.name,
                    period=interval,
                )
            )
        lines = [
            "👥 "
            + tr.gettext(
                N_("<b>{group}</b> · weekly digest · {period}"), group=data.name, period=interval
            )
        ]
        if data.period.preview:
            lines.append("👁 " + tr.gettext(N_("Preview of the last seven days.")))
        if data.approved_total:
            lines += [
                "",
                "<b>"
                + tr.ngettext(
                    "{n} new practice for the group:",
                    "{n} new practices for the group:",
                    data.approved_total,
                )
                + "</b>",
            ]
            lines.extend(practice_line(tr, p, marks=False) for p in data.approved)
            rest = data.approved_total - len(data.approved)
            if rest > 0:
                lines.append(tr.ngettext("…and {n} more.", "…and {n} more.", rest))
        if data.most_helpful:
            lines += ["", heading(tr, N_("Most helpful this week"))]
            lines.extend(practice_line(tr, p, marks=True) for p in data.most_helpful)
        activity = data.activity
        done = [
            tr.ngettext("{n} new member", "{n} new members", activity.new_members)
            if activity.new_members
            else "",
            tr.ngettext("{n} practice shared", "{n} practices shared", activity.practices_shared)
            if activity.practices_shared
            else "",
            tr.ngettext("{n} “helped me” mark", "{n} “helped me” marks", activity.helpful_marks)
            if activity.helpful_marks
            else "",
        ]
        if any(done):
            line = ", ".join(d for d in done if d)
            lines += ["", tr.gettext(N_("In the group this week:")) + f" {line}."]
        lines += ["", tr.gettext(N_("Read and share practices: /practices"))]
        return Screen(Safe("\n".join(lines)))

    async def coordinator_screen(self, actor: Actor, period: Period) -> Screen:
        """The coordinator digest of the period for the actor, built and rendered."""
        return await self.render_coordinator(actor, await self.coordinator_data(actor, period))

    # ------------------------------------------------------------------ /digest

    async def preview(self, actor: Actor) -> Screen:
        """/digest: this week's digests as they stand now; no delivery is recorded."""
        self.access.require(actor, Permission.USE_FORMS)
        period = period_for(self.clock.now(), self.settings.zone, preview=True)
        tr = translator(actor.locale)
        settings = Button("⚙️ " + tr.pgettext("button", "Digest settings"), "dg:s")
        screens = []
        if self.access.allows(actor, Permission.VIEW_STATS):
            screens.append(await self.coordinator_screen(actor, period))
        async with self.db.reading() as conn:
            groups = await GroupRepository(conn).of_member(actor.user_id)
        for group in groups[:GROUPS_PREVIEWED]:
            data = await self.group_data(group.id, group.name, period)
            screens.append(self.render_group(data, tr))
        if not screens:
            text = tr.gettext(
                N_(
                    "Weekly digests go to coordinators and to peer groups. "
                    "Join a group (/groups) to get yours."
                )
            )
            return Screen(text, ((settings,),))
        # One screen: the coordinator's buttons and chart, then each group's digest.
        return Screen(
            Safe("\n\n".join(s.text for s in screens)),
            (*screens[0].buttons, (settings,)),
            attachments=tuple(a for s in screens for a in s.attachments),
        )

    def _day_names(self, tr: Tr, width: Literal["abbreviated", "wide"]) -> dict[int, str]:
        names = get_day_names(width, context="stand-alone", locale=tr.locale)
        return {int(k): str(v) for k, v in names.items()}

    def _schedule_lines(self, schedule: Schedule, tr: Tr) -> str:
        if not schedule.enabled:
            return "🔕 " + tr.gettext(N_("Turned off."))
        return "🔔 " + tr.gettext(
            N_("Day: {weekday} · time: {hour}"),
            weekday=self._day_names(tr, "wide")[schedule.weekday],
            hour=f"{schedule.hour:02d}:00",
        )

    def _schedule_buttons(
        self, schedule: Schedule, tr: Tr, prefix: str, *, times: bool
    ) -> list[tuple[Button, ...]]:
        buttons: list[tuple[Button, ...]] = []
        if times:
            days = self._day_names(tr, "abbreviated")
            mark = "• "
            buttons.append(
                tuple(
                    Button((mark if d == schedule.weekday else "") + days[d], f"{prefix}:w:{d}")
                    for d in range(7)
                )
            )
            hours = [
                Button((mark if h == schedule.hour else "") + f"{h:02d}", f"{prefix}:h:{h}")
                for h in HOURS
            ]
            buttons.extend(rows(hours, 6))
        if schedule.enabled:
            buttons.append((Button("🔕 " + tr.pgettext("button", "Turn off"), f"{prefix}:x"),))
        else:
            buttons.append((Button("🔔 " + tr.pgettext("button", "Turn on"), f"{prefix}:o"),))
        return buttons

    async def settings_screen(self, actor: Actor, *, toast: str | None = None) -> Screen:
        """/digest settings: the person's digest day, hour or off, and their groups'."""
        self.access.require(actor, Permission.USE_FORMS)
        tr = translator(actor.locale)
        coordinator = self.access.allows(actor, Permission.VIEW_STATS)
        async with self.db.reading() as conn:
            schedule = await ScheduleRepository(conn).get(
                recipient_kind="user", recipient_id=actor.user_id
            )
            managed = await self.groups.managed(actor)
        lines = [heading(tr, N_("⚙️ Your weekly digest"))]
        if coordinator:
            lines.append(self._schedule_lines(schedule, tr))
            lines.append(
                tr.gettext(N_("Choose the day and the hour (local time), or turn it off."))
            )
        else:
            lines.append(
                ("🔔 " if schedule.enabled else "🔕 ")
                + tr.gettext(
                    N_("Digests of your peer groups come to you privately on each group's day.")
                    if schedule.enabled
                    else N_("Digests of your peer groups are not sent to you privately.")
                )
            )
        buttons = self._schedule_buttons(schedule, tr, "dg:u", times=coordinator)
        if managed:
            lines.append(tr.gettext(N_("Your groups' digests: open a group to set its day.")))
            buttons.extend(
                (Button("👥 " + g.name[:40], f"dg:g:{g.id}"),) for g in managed[:GROUPS_SHOWN]
            )
        return Screen(Safe("\n".join(lines)), tuple(buttons), toast=toast)

    async def _managed_group(self, actor: Actor, group_id: int) -> PeerGroup:
        async with self.db.reading() as conn:
            group = await GroupRepository(conn).get(group_id)
        if group is None or not group.active:
            raise StaleButton
        if not self.groups.manages(actor, group):
            raise NotAllowed(Permission.MANAGE_GROUPS)
        return group

    async def group_settings_screen(
        self, actor: Actor, group_id: int, *, toast: str | None = None
    ) -> Screen:
        """A managed group's digest: day, hour, off, and the language in its chat."""
        group = await self._managed_group(actor, group_id)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            schedule = await ScheduleRepository(conn).get(
                recipient_kind="group", recipient_id=group.id
            )
        language = schedule.language or self.settings.default_language
        lines = [
            tr.gettext(N_("<b>Digest of the group {group}</b>"), group=group.name),
            self._schedule_lines(schedule, tr),
            tr.gettext(
                N_("Language in the group chat: {language}"), language=LANGUAGE_NAMES[language]
            ),
        ]
        buttons = self._schedule_buttons(schedule, tr, f"dg:g:{group.id}", times=True)
        buttons.append(
            tuple(
                Button(
                    ("• " if code == language else "") + LANGUAGE_NAMES[code],
                    f"dg:g:{group.id}:l:{code}",
                )
                for code in LANGUAGES
            )
        )
        buttons.append((Button("◀️ " + tr.pgettext("button", "Back"), "dg:s"),))
        return Screen(Safe("\n".join(lines)), tuple(buttons), toast=toast)

    async def _change(self, actor: Actor, schedule: Schedule, action: list[str]) -> Schedule:
        """The schedule after a button's action (`w 3`, `h 18`, `x`, `o`, `l ru`)."""
        match action:
            case ["w", day] if day.isdigit() and int(day) < 7:
                changed = replace(schedule, weekday=int(day), enabled=True)
            case ["h", hour] if hour.isdigit() and int(hour) in HOURS:
                changed = replace(schedule, hour=int(hour), enabled=True)
            case ["x"]:
                changed = replace(schedule, enabled=False)
            case ["o"]:
                changed = replace(schedule, enabled=True)
            case ["l", code] if code in LANGUAGES and schedule.recipient_kind == "group":
                changed = replace(schedule, language=code)
            case _:
                raise StaleButton
        async with self.db.transaction() as conn:
            await ScheduleRepository(conn).save(
                schedule=changed, by=actor.user_id, now=self.clock.now()
            )
        return changed

    async def press(self, actor: Actor, data: str) -> Screen:
        """A `dg:` button; access is checked again here, never carried by the button."""
        self.access.require(actor, Permission.USE_FORMS)
        parts = data.split(":")[1:]
        saved = translator(actor.locale).gettext(N_("Saved."))
        match parts:
            case ["s"]:
                return await self.settings_screen(actor)
            case ["u", *action] if action:
                if action[0] in ("w", "h"):
                    self.access.require(actor, Permission.VIEW_STATS)
                async with self.db.reading() as conn:
                    current = await ScheduleRepository(conn).get(
                        recipient_kind="user", recipient_id=actor.user_id
                    )
                await self._change(actor, current, action)
                return await self.settings_screen(actor, toast=saved)
            case ["g", group_id, *action] if group_id.isdigit():
                group = await self._managed_group(actor, int(group_id))
                if not action:
                    return await self.group_settings_screen(actor, group.id)
                async with self.db.reading() as conn:
                    current = await ScheduleRepository(conn).get(
                        recipient_kind="group", recipient_id=group.id
                    )
                await self._change(actor, current, action)
                return await self.group_settings_screen(actor, group.id, toast=saved)
        raise StaleButton

    # ------------------------------------------------------------------ delivery

    async def _actor_of(self, user_id: int) -> Actor:
        return await self.users.resolve(Person(id=user_id, first_name=""))

    async def _since_last(self, key: DeliveryKey, period: Period) -> Period:
        """The period of this delivery: from the last digest sent to the same chat."""
        kind, recipient, chat, _ = key
        async with self.db.reading() as conn:
            last = await DeliveryRepository(conn).last_sent(
                recipient_kind=kind, recipient_id=recipient, chat_id=chat, before=period.until
            )
        return since_last_delivered(period, last)

    def _coordinator_target(
        self, recipient: UserRecipient, period: Period, *, allow_new: bool = True
    ) -> Target:
        uid = recipient.user_id
        key: DeliveryKey = ("user", uid, uid, period.start)

        async def build() -> Screen:
            actor = await self._actor_of(recipient.user_id)
            return await self.coordinator_screen(actor, await self._since_last(key, period))

        return Target(
            key=key,
            due_at=period.due_at,
            build=build,
            late=period.late,
            person=uid,
            allow_new=allow_new,
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
    ) -> list[Target]:
        def data(covered: Period) -> Awaitable[GroupDigest]:
            key = ("group", group.group_id, covered.since, covered.until)
            if key not in memo:
                # Built once for the chat and every member with the same period.
                memo[key] = asyncio.ensure_future(
                    self.group_data(group.group_id, group.name, covered)
                )
            return memo[key]

        def builder(chat: int, language: str) -> Callable[[], Awaitable[Screen]]:
            async def build() -> Screen:
                key: DeliveryKey = ("group", group.group_id, chat, period.start)
                covered = await self._since_last(key, period)
                return self.render_group(await data(covered), translator(language))

            return build

        chats: list[tuple[int, str, int | None]] = []
        if group.deliver_to in ("chat", "both") and group.chat_id is not None:
            language = group.schedule.language or self.settings.default_language
            chats.append((group.chat_id, language, None))
        if group.deliver_to in ("members", "both"):
            chats.extend((m.user_id, m.language, m.user_id) for m in members)
        return [
            Target(
                key=("group", group.group_id, chat, period.start),
                due_at=period.due_at,
                build=builder(chat, language),
                late=period.late,
                person=person,
                allow_new=allow_new,
            )
            for chat, language, person in chats
            if only_chat is None or chat == only_chat
        ]

    async def _recipients(
        self, *, user: int | None = None, group: int | None = None
    ) -> tuple[list[UserRecipient], list[GroupRecipient], list[MemberRecipient]]:
        async with self.db.reading() as conn:
            schedules = ScheduleRepository(conn)
            users = (
                await schedules.user_recipients(admin_ids=self.settings.admin_ids, only=user)
                if group is None
                else []
            )
            groups = await schedules.group_recipients(only=group) if user is None else []
            members = await schedules.members(group_ids=[g.group_id for g in groups])
        return users, groups, members

    def _members_of(
        self, members: Sequence[MemberRecipient], group_id: int
    ) -> list[MemberRecipient]:
        return [m for m in members if m.group_id == group_id]

    async def due_targets(self, since: datetime, now: datetime) -> list[Target]:
        """Digests whose time fell in (since, now], and failed ones still worth a retry."""
        zone = self.settings.zone
        users, groups, members = await self._recipients()
        async with self.db.reading() as conn:
            retry = await DeliveryRepository(conn).retryable(
                due_since=now - RETRY_WITHIN, max_attempts=MAX_ATTEMPTS
            )
        targets: list[Target] = []
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
                mine = self._members_of(members, group.group_id)
                targets.extend(self._group_targets(group, period(slot), mine, memo))
        targets.extend(self._retries(retry, users, groups, members, memo, now))
        # A resumed period can name a failed delivery twice (due, and to retry): once is enough.
        unique: dict[DeliveryKey, Target] = {}
        for target in targets:
            unique.setdefault(target.key, target)
        return list(unique.values())

    def _retries(
        self,
        retry: Sequence[Delivery],
        users: Sequence[UserRecipient],
        groups: Sequence[GroupRecipient],
        members: Sequence[MemberRecipient],
        memo: Memo,
        now: datetime,
    ) -> list[Target]:
        """Targets for failed deliveries whose recipient still gets digests."""
        by_user = {u.user_id: u for u in users if u.schedule.enabled}
        by_group = {g.group_id: g for g in groups if g.schedule.enabled}
        found: list[Target] = []
        for row in retry:
            period = period_for(row.due_at, self.settings.zone, late=now - row.due_at > LATE_AFTER)
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
                        self._members_of(members, row.recipient_id),
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
        async with self._running:
            async with self.db.transaction() as conn:
                repo = DeliveryRepository(conn)
                await repo.mark_interrupted(claimed_before=now - STALE_CLAIM)
                stored = await repo.get_state(TICK_KEY)
                if stored is None:
                    # The first run ever: times before it are not due (no digest for the past).
                    await repo.set_state(TICK_KEY, to_db_time(now))
            since = from_db_time(stored) or now
            report = await self.fanout.deliver(await self.due_targets(since, now))
            if now > since:
                async with self.db.transaction() as conn:
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
        zone = self.settings.zone
        period = period_for(now, zone)
        users, groups, members = await self._recipients(user=user, group=group)
        named = user is not None or group is not None
        memo: Memo = {}
        targets = [
            self._coordinator_target(u, period) for u in users if named or u.schedule.enabled
        ]
        for item in groups:
            if named or item.schedule.enabled:
                mine = self._members_of(members, item.group_id)
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
