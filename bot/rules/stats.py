"""/stats: counts of the records a reader's exports hold, this week and all time.

The same `Reach` as the exports: reports by their oblast, rayon or aiyl aimak, practices and
people by their place or peer groups, needs as the needs rules show them. Administrators also
see the media store: files kept, waiting and given up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.access import Actor, Permission
from bot.core.kernel import Kernel
from bot.gazetteer import Place
from bot.records.exports import IncidentCounts, Period, PracticeCounts
from bot.records.media import MediaCounts
from bot.rules.exports import area_of
from bot.rules.media import MediaRules
from bot.rules.needs import ElectionSummary, NeedRules
from storage.exports import StatsRepository


@dataclass(frozen=True, slots=True)
class Area:
    """Where the figures come from: everywhere, or the reach's widest places and its groups."""

    everything: bool
    places: tuple[Place, ...]
    groups: tuple[int, ...]


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
    """This week's figures against all time, for one reader's reach."""

    area: Area
    week_start: date
    week: Figures
    total: Figures
    elections: ElectionSummary | None  # None: election results are not in this reader's view
    media: MediaCounts | None = None  # the media store, for administrators only


class StatsRules:
    """Counts in the reader's reach."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def week_start(self) -> datetime:
        """Monday 00:00 of the current week, in the bot's time zone."""
        zone = self.kernel.settings.zone
        today = self.kernel.clock.now().astimezone(zone).date()
        monday = today - timedelta(days=today.weekday())
        return datetime.combine(monday, time.min, zone)

    async def stats(self, actor: Actor) -> Stats:
        """The figures for the reader's reach."""
        access = self.kernel.access
        access.require(actor, Permission.VIEW_STATS)
        since = self.week_start()
        week = await self._figures(actor, since)
        total = await self._figures(actor, None)
        elections = (
            await self.kernel.get(NeedRules).election_summary(actor)
            if access.allows(actor, Permission.VIEW_ELECTION_RESULTS)
            else None
        )
        reach = actor.reach
        area = Area(
            everything=reach.everything,
            places=() if reach.everything else area_of(reach, self.kernel.gazetteer),
            groups=reach.group_ids or (),
        )
        # The store holds every region's files: its state is the administrators' to watch.
        media = await self.kernel.get(MediaRules).status() if actor.is_admin else None
        return Stats(area, since.date(), week, total, elections, media)

    async def _figures(self, actor: Actor, since: datetime | None) -> Figures:
        codes, groups = actor.reach.place_codes, actor.reach.group_ids
        async with self.kernel.db.reading() as conn:
            repo = StatsRepository(conn)
            reports = await repo.incidents(codes=codes, received=Period(since))
            practices = await repo.practices(codes=codes, groups=groups, since=since)
            people = await repo.people(codes=codes, groups=groups, since=since)
        needs: int | None = None
        women = 0
        if self.kernel.access.allows(actor, Permission.VIEW_NEEDS):
            found = [
                n
                for n in await self.kernel.get(NeedRules).visible_needs(actor)
                if since is None or n.created_at >= since
            ]
            needs, women = len(found), sum(n.women for n in found)
        return Figures(reports, practices, people, needs, women)
