"""The compiled recommendations: approved practices grouped by topic, as HTML, Markdown or docx."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from docx import Document

from bot.clock import Clock
from bot.core.access import Access, Actor, Permission
from bot.core.errors import StaleButton
from bot.forms.practice import PLAN_BUDGET_LABELS, TOPIC_LABELS, TOPICS
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Tr, translator
from bot.screen import Attachment, Button, Screen, rows
from bot.services.practices import display_name, viewer_of
from bot.typed_text import xml_safe
from storage.db import Database
from storage.practices import Filter, Practice, PracticeRepository, Viewer
from storage.users import UserRepository

FORMATS = ("html", "md", "docx")
PERIODS = (0, 365, 90)  # days back; 0 is all time
MIME = {
    "html": "text/html",
    "md": "text/markdown",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


@dataclass(frozen=True, slots=True)
class Entry:
    practice: Practice
    place: str
    author: str | None  # only where the author agreed


@dataclass(frozen=True, slots=True)
class Section:
    topic: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Compiled:
    tr: Tr
    topic: str | None
    since: date | None
    made_on: date
    sections: tuple[Section, ...]

    @property
    def count(self) -> int:
        return sum(len(s.entries) for s in self.sections)


class RecommendationService:
    """Compiles the approved practices a viewer may see into a workshop document."""

    def __init__(
        self, db: Database, clock: Clock, access: Access, gazetteer: Gazetteer, zone: ZoneInfo
    ) -> None:
        self.db = db
        self.clock = clock
        self.access = access
        self.gazetteer = gazetteer
        self.zone = zone

    async def compile(
        self,
        viewer: Viewer,
        *,
        locale: str,
        topic: str | None = None,
        since: datetime | None = None,
    ) -> Compiled:
        """Approved practices of the filter, by topic in the form's order, most useful first."""
        if topic is not None and topic not in TOPIC_LABELS:
            raise ValueError(f"unknown topic {topic!r}; known: {', '.join(TOPIC_LABELS)}")
        tr = translator(locale)
        async with self.db.reading() as conn:
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
                entries.setdefault(p.topic, []).append(Entry(p, self._place(tr, p), author))
        order = [o.value for o in TOPICS]
        sections = tuple(
            Section(
                code,
                tuple(
                    sorted(
                        entries[code],
                        key=lambda e: (-e.practice.helpful, e.practice.approved_at, e.practice.id),
                    )
                ),
            )
            for code in order
            if code in entries
        )
        return Compiled(
            tr=tr,
            topic=topic,
            since=since.astimezone(self.zone).date() if since else None,
            made_on=self.clock.now().astimezone(self.zone).date(),
            sections=sections,
        )

    def _place(self, tr: Tr, practice: Practice) -> str:
        code = practice.place_code
        if code is None or self.gazetteer.get(code) is None:
            return tr.label(N_("place not given"))
        return self.gazetteer.path_name(code, tr.locale)

    def render(self, compiled: Compiled, fmt: str) -> bytes:
        """The document's bytes in one of FORMATS."""
        if fmt == "html":
            return _html(compiled).encode()
        if fmt == "md":
            return _markdown(compiled).encode()
        if fmt == "docx":
            return _docx(compiled)
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")

    # from the bot --------------------------------------------------------------------------

    async def choose_topic(self, actor: Actor) -> Screen:
        """First question: which topic."""
        self.access.require(actor, Permission.EXPORT)
        tr = translator(actor.locale)
        topics = [Button(tr.label(o.label), f"pr:xt:{o.value}") for o in TOPICS]
        return Screen(
            tr.gettext(
                N_(
                    "<b>📄 Recommendations</b>\nA document of the approved practices you can "
                    "see, grouped by topic, for a workshop. Which topic?"
                )
            ),
            ((Button(tr.pgettext("button", "All topics"), "pr:xt:-"),), *rows(topics, 2)),
        )

    async def choose_period(self, actor: Actor, topic: str) -> Screen:
        """Second question: which period."""
        self.access.require(actor, Permission.EXPORT)
        tr = translator(actor.locale)
        labels = {
            0: tr.pgettext("button", "All time"),
            365: tr.pgettext("button", "Last 12 months"),
            90: tr.pgettext("button", "Last 3 months"),
        }
        return Screen(
            tr.gettext(N_("Which period?")),
            tuple((Button(labels[d], f"pr:xp:{topic}:{d}"),) for d in PERIODS),
        )

    async def choose_format(self, actor: Actor, topic: str, days: int) -> Screen:
        """Third question: which file format."""
        self.access.require(actor, Permission.EXPORT)
        tr = translator(actor.locale)
        labels = {
            "docx": tr.pgettext("button", "Word (docx)"),
            "html": tr.pgettext("button", "Web page (html)"),
            "md": tr.pgettext("button", "Markdown (md)"),
        }
        return Screen(
            tr.gettext(N_("Which file format?")),
            tuple(
                (Button(labels[f], f"pr:xf:{topic}:{days}:{f}"),) for f in ("docx", "html", "md")
            ),
        )

    async def document_for(self, actor: Actor, topic: str | None, days: int, fmt: str) -> Screen:
        """The document as a file in the chat, for coordinators; their scope limits it."""
        self.access.require(actor, Permission.EXPORT)
        if fmt not in FORMATS or days not in PERIODS or (topic and topic not in TOPIC_LABELS):
            raise StaleButton
        since = self.clock.now() - timedelta(days=days) if days else None
        compiled = await self.compile(
            viewer_of(actor, self.gazetteer), locale=actor.locale, topic=topic, since=since
        )
        tr = compiled.tr
        if not compiled.count:
            return Screen(
                tr.gettext(N_("No approved practices match; there is nothing to compile."))
            )
        name = f"recommendations-{compiled.made_on.isoformat()}.{fmt}"
        return Screen(
            tr.ngettext(
                "The document with {n} approved practice is below.",
                "The document with {n} approved practices is below.",
                compiled.count,
            ),
            attachments=(Attachment(name, self.render(compiled, fmt)),),
        )


# rendering -----------------------------------------------------------------------------------


def _title(c: Compiled) -> str:
    return c.tr.label(N_("Recommendations from peer practices"))


def _meta(c: Compiled) -> list[str]:
    tr = c.tr
    topic = tr.label(TOPIC_LABELS[c.topic]) if c.topic else tr.label(N_("all"))
    period = (
        tr.label(N_("since {date}")).format(date=tr.date(c.since))
        if c.since
        else tr.label(N_("all time"))
    )
    return [
        tr.label(
            N_(
                "Approved practices that ayil okmotu and women candidates shared with their "
                "peers through ayilbot, grouped by topic."
            )
        ),
        tr.label(N_("Topic: {topic}. Period: {period}.")).format(topic=topic, period=period),
        tr.ngettext("{n} practice", "{n} practices", c.count)
        + " · "
        + tr.label(N_("Compiled on {date}.")).format(date=tr.date(c.made_on)),
    ]


def _parts(c: Compiled, entry: Entry) -> list[tuple[str, str]]:
    """(label, text) of a practice in document order."""
    tr, p = c.tr, entry.practice
    parts = [(tr.label(N_("Region")), entry.place)]
    if p.topic == "other" and p.content.topic_other:
        parts.append((tr.label(N_("Topic")), p.content.topic_other))
    if entry.author:
        parts.append((tr.label(N_("Author")), entry.author))
    parts.extend(
        (
            (tr.label(N_("Situation")), p.content.situation),
            (tr.label(N_("What was done")), p.content.actions),
            (tr.label(N_("Result")), p.content.result),
        )
    )
    if p.content.plan_budget is not None:
        answer = tr.label(PLAN_BUDGET_LABELS.get(p.content.plan_budget, p.content.plan_budget))
        if p.content.amount_som:
            answer += " — " + tr.label(N_("{amount} som")).format(
                amount=tr.number(p.content.amount_som)
            )
        parts.append((tr.label(N_("Local plan or budget")), answer))
    parts.append((tr.label(N_("Advice")), p.content.advice))
    helpful = p.helpful
    if helpful:
        parts.append(
            (
                tr.label(N_("Found helpful")),
                tr.ngettext("{n} person", "{n} people", helpful),
            )
        )
    return parts


def _html(c: Compiled) -> str:
    e = html.escape
    out = [
        "<!doctype html>",
        f'<html lang="{c.tr.locale}"><head><meta charset="utf-8">',
        f"<title>{e(_title(c))}</title>",
        "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.45}"
        "h3{margin-bottom:.2em}dt{font-weight:bold;margin-top:.5em}dd{margin-left:0;"
        "white-space:pre-wrap}</style></head><body>",
        f"<h1>{e(_title(c))}</h1>",
        *(f"<p>{e(line)}</p>" for line in _meta(c)),
    ]
    for section in c.sections:
        out.append(f"<h2>{e(c.tr.label(TOPIC_LABELS.get(section.topic, section.topic)))}</h2>")
        for entry in section.entries:
            out.append(f"<h3>{e(entry.practice.title)}</h3><dl>")
            for label, text in _parts(c, entry):
                out.append(f"<dt>{e(label)}</dt><dd>{e(text)}</dd>")
            out.append("</dl>")
    out.append("</body></html>")
    return "\n".join(out)


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _markdown(c: Compiled) -> str:
    out = [f"# {_md(_title(c))}", "", *(f"{_md(line)}\n" for line in _meta(c))]
    for section in c.sections:
        out.extend((f"## {_md(c.tr.label(TOPIC_LABELS.get(section.topic, section.topic)))}", ""))
        for entry in section.entries:
            out.extend((f"### {_md(entry.practice.title)}", ""))
            for label, text in _parts(c, entry):
                body = "  \n".join(_md(line) for line in text.splitlines())
                out.extend((f"**{_md(label)}:** {body}", ""))
    return "\n".join(out)


def _docx(c: Compiled) -> bytes:
    document = Document()
    document.core_properties.title = _title(c)
    document.core_properties.language = c.tr.locale
    document.add_heading(_title(c), level=0)
    for line in _meta(c):
        document.add_paragraph(line)
    for section in c.sections:
        document.add_heading(c.tr.label(TOPIC_LABELS.get(section.topic, section.topic)), level=1)
        for entry in section.entries:
            # Practices stored before typed text was cleaned may hold what XML forbids.
            document.add_heading(xml_safe(entry.practice.title), level=2)
            for label, text in _parts(c, entry):
                paragraph = document.add_paragraph()
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(xml_safe(text))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
