"""The compiled recommendations: the approved practices a person may see, grouped by topic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.core.access import Actor, Permission
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.forms.practice import TOPIC_LABELS, TOPICS
from bot.records.documents import DocumentSetup
from bot.records.practices import Filter, Practice, Viewer
from bot.rules.practices import Where, display_name, viewer_of, where_of
from storage.practices import PracticeRepository
from storage.users import UserRepository

FORMATS = ("html", "md", "docx")
PERIODS = (0, 365, 90)  # days back; 0 is all time
INTO_PLAN = ("plan", "budget", "both")  # a practice's answer: it got into a plan or budget


@dataclass(frozen=True, slots=True)
class Entry:
    practice: Practice
    where: Where
    author: str | None  # only where the author agreed


@dataclass(frozen=True, slots=True)
class Section:
    """One topic's practices, most useful first, and what they add up to for the authorities."""

    topic: str
    entries: tuple[Entry, ...]
    places: int = 0  # places they come from (a practice with no place counts as none)
    into_plan: int = 0  # practices that got into a local plan or budget
    som: int = 0  # allocated to them, as their authors gave it

    @property
    def advice(self) -> tuple[Entry, ...]:
        """The practices whose advice the recommendations quote, most useful first."""
        seen: set[str] = set()
        found = []
        for entry in self.entries:
            words = " ".join(entry.practice.content.advice.split()).casefold()
            if words and words not in seen:  # the same advice twice is said once
                seen.add(words)
                found.append(entry)
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Compiled:
    """The document's content; bot/outputs/recommendations.py writes it in a format."""

    topic: str | None
    since: date | None
    made_on: date
    sections: tuple[Section, ...]
    setup: DocumentSetup = field(default_factory=DocumentSetup)  # organisation, letterhead

    @property
    def count(self) -> int:
        return sum(len(s.entries) for s in self.sections)


@dataclass(frozen=True, slots=True)
class Choices:
    """What a coordinator chooses from, one question at a time: topic, period, file format."""

    topics: tuple[str, ...]
    periods: tuple[int, ...]
    formats: tuple[str, ...]


def _section(topic: str, entries: list[Entry]) -> Section:
    """A topic's practices, most found helpful first, with their places, plans and budgets."""
    ordered = sorted(
        entries, key=lambda e: (-e.practice.helpful, e.practice.approved_at, e.practice.id)
    )
    planned = [e.practice.content for e in entries if e.practice.content.plan_budget in INTO_PLAN]
    return Section(
        topic,
        tuple(ordered),
        places=len({e.practice.place_code for e in entries if e.practice.place_code}),
        into_plan=len(planned),
        som=sum(c.amount_som or 0 for c in planned),
    )


class RecommendationRules:
    """Compiles the approved practices a viewer may see into a workshop document."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    async def compile(
        self, *, viewer: Viewer, topic: str | None = None, since: datetime | None = None
    ) -> Compiled:
        """Approved practices of the filter, by topic in the form's order, most useful first."""
        if topic is not None and topic not in TOPIC_LABELS:
            raise ValueError(f"unknown topic {topic!r}; known: {', '.join(TOPIC_LABELS)}")
        gazetteer = self.kernel.gazetteer
        zone = self.kernel.settings.zone
        async with self.kernel.db.reading() as conn:
            found = await PracticeRepository(conn).visible(
                viewer, Filter(topic=topic, since=since), sort="topic", limit=100_000
            )
            users = UserRepository(conn)
            entries: dict[str, list[Entry]] = {}
            for p in found:
                author = None
                if p.content.show_author and p.author_id is not None:
                    user = await users.get(p.author_id)
                    author = display_name(user) if user else None
                where = where_of(gazetteer, p.place_code)
                entries.setdefault(p.topic, []).append(Entry(p, where, author))
        sections = tuple(
            _section(code, entries[code]) for code in (o.value for o in TOPICS) if code in entries
        )
        return Compiled(
            topic=topic,
            since=since.astimezone(zone).date() if since else None,
            made_on=self.kernel.clock.now().astimezone(zone).date(),
            sections=sections,
            setup=self.kernel.documents,
        )

    def choices(self, actor: Actor) -> Choices:
        """The questions before the document; for those who may export."""
        self.kernel.access.require(actor, Permission.EXPORT)
        return Choices(tuple(o.value for o in TOPICS), PERIODS, FORMATS)

    async def document(self, actor: Actor, *, topic: str | None, days: int, fmt: str) -> Compiled:
        """The document for a coordinator, in the chat; her reach limits it."""
        self.kernel.access.require(actor, Permission.EXPORT)
        if fmt not in FORMATS or days not in PERIODS or (topic and topic not in TOPIC_LABELS):
            raise StaleButton
        since = self.kernel.clock.now() - timedelta(days=days) if days else None
        return await self.compile(viewer=viewer_of(actor), topic=topic, since=since)
