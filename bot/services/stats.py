"""/stats: counts for the coordinator's scope, this week and all time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.config import Settings
from bot.core.access import Actor, Permission
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Tr, translator
from bot.rules.needs import ElectionSummary
from bot.screen import Screen
from bot.services.exports import ExportService, NeedSource
from storage.db import Database
from storage.exports import IncidentCounts, Period, PracticeCounts, Reach, StatsRepository

# Menu entry and command description (bot/menu.py lists them).
MENU_STATS = N_("📊 Statistics")
COMMAND_STATS = N_("Counts for your area (coordinators)")


class NeedFigures(NeedSource, Protocol):
    """The needs rules as /stats uses them."""

    async def election_summary(self, actor: Actor) -> ElectionSummary: ...


@dataclass(frozen=True, slots=True)
class Figures:
    """Counts over one period."""

    reports: IncidentCounts
    practices: PracticeCounts
    people: int
    needs: int | None  # None: needs are not in this reader's view
    women: int


@dataclass(frozen=True, slots=True)
class Stats:
    """This week's figures against all time, for one reader's scope."""

    week_start: date
    week: Figures
    total: Figures
    elections: ElectionSummary | None


class StatsService:
    """Counts in the reader's scope; the scope is the exports' own (`ExportService.reach`)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        gazetteer: Gazetteer,
        exports: ExportService,
        needs: NeedFigures | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.gazetteer = gazetteer
        self.exports = exports
        self.access = exports.access
        self.needs = needs

    def week_start(self) -> datetime:
        """Monday 00:00 of the current week, in the bot's time zone."""
        today = self.clock.now().astimezone(self.settings.zone).date()
        monday = today - timedelta(days=today.weekday())
        return datetime.combine(monday, time.min, self.settings.zone)

    async def stats(self, actor: Actor) -> Stats:
        """The figures for the actor's scope."""
        self.access.require(actor, Permission.VIEW_STATS)
        reach = await self.exports.reach(actor)
        since = self.week_start()
        week = await self._figures(actor, reach, since)
        total = await self._figures(actor, reach, None)
        elections = (
            await self.needs.election_summary(actor)
            if self.needs is not None
            and self.access.allows(actor, Permission.VIEW_ELECTION_RESULTS)
            else None
        )
        return Stats(since.date(), week, total, elections)

    async def _figures(self, actor: Actor, reach: Reach, since: datetime | None) -> Figures:
        async with self.db.reading() as conn:
            repo = StatsRepository(conn)
            reports = await repo.incidents(reach=reach, received=Period(since))
            practices = await repo.practices(reach=reach, since=since)
            people = await repo.people(reach=reach, since=since)
        needs: int | None = None
        women = 0
        if self.needs is not None and self.access.allows(actor, Permission.VIEW_NEEDS):
            found = [
                n
                for n in await self.needs.visible_needs(actor)
                if since is None or n.created_at >= since
            ]
            needs, women = len(found), sum(n.women for n in found)
        return Figures(reports, practices, people, needs, women)

    async def area(self, actor: Actor, tr: Tr) -> str:
        """The reader's scope in words."""
        reach = await self.exports.reach(actor)
        if reach.everywhere:
            return tr.label(N_("all of Kyrgyzstan"))
        names = [self.gazetteer[c].name(tr.locale) for c in reach.codes]
        names += [tr.label(N_("group {id}")).format(id=g) for g in reach.groups]
        return ", ".join(names)

    async def screen(self, actor: Actor) -> Screen:
        """/stats as a message."""
        found = await self.stats(actor)
        tr = translator(actor.locale)
        n = tr.number
        week, total = found.week, found.total
        lines = [
            tr.gettext(N_("📊 <b>Statistics for {area}</b>"), area=await self.area(actor, tr)),
            tr.gettext(
                N_("This week (since {date}) · all time"), date=tr.short_date(found.week_start)
            ),
            "",
            tr.gettext(
                N_("📝 Incident reports: {week} · {total}"),
                week=n(week.reports.received),
                total=n(total.reports.received),
            ),
            "   "
            + tr.gettext(
                N_("urgent: {week} · {total}"),
                week=n(week.reports.urgent),
                total=n(total.reports.urgent),
            ),
            "   "
            + tr.gettext(
                N_("resolved: {week} · {total}"),
                week=n(week.reports.resolved),
                total=n(total.reports.resolved),
            ),
            "   "
            + tr.gettext(
                N_("open now: {open}; waiting for review: {pending}"),
                open=n(total.reports.open),
                pending=n(total.reports.pending_review),
            ),
            tr.gettext(
                N_("📘 Practices published: {week} · {total}; waiting for approval: {waiting}"),
                week=n(week.practices.approved),
                total=n(total.practices.approved),
                waiting=n(total.practices.waiting),
            ),
            tr.gettext(
                N_("👤 People registered: {week} · {total}"),
                week=n(week.people),
                total=n(total.people),
            ),
        ]
        if week.needs is not None and total.needs is not None:
            lines.append(
                tr.gettext(
                    N_("🙋‍♀️ Women's needs recorded: {week} · {total}"),
                    week=n(week.needs),
                    total=n(total.needs),
                )
                + " ("
                + tr.ngettext(
                    "raised by {n} woman in all", "raised by {n} women in all", total.women
                )
                + ")"
            )
        if found.elections is not None:
            lines.append(
                tr.ngettext(
                    "🗳 {elected} of {n} candidate elected",
                    "🗳 {elected} of {n} candidates elected",
                    found.elections.ran,
                    elected=n(found.elections.elected),
                )
            )
        return Screen("\n".join(lines))
