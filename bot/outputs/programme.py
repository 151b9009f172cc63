"""The electoral programme as documents (Markdown and Word), in the candidate's language."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.forms.need import HEARD, OTHER, TOPICS
from bot.i18n import Tr, translator
from bot.outputs import documents
from bot.records.documents import DocumentSetup
from bot.rules.needs import NeedItem, ProgrammeReady


@dataclass(frozen=True, slots=True)
class ProgrammeSection:
    """One topic of the programme: its needs and how many women raised them."""

    topic: str
    title: str
    women: int
    items: tuple[NeedItem, ...]


def sections(items: Sequence[NeedItem], tr: Tr) -> list[ProgrammeSection]:
    """The chosen needs grouped by topic, topics in the order of the need form."""
    found: list[ProgrammeSection] = []
    for topic in TOPICS:
        chosen = tuple(i for i in items if i.need.topic == topic)
        if not chosen:
            continue
        title = _plain_label(tr, TOPICS[topic])
        if topic == OTHER:
            others = sorted({i.need.topic_other for i in chosen if i.need.topic_other})
            title = f"{title}: {', '.join(others)}" if others else title
        women = sum(i.need.women for i in chosen)
        found.append(ProgrammeSection(topic, title, women, chosen))
    return found


def _plain_label(tr: Tr, msgid: str) -> str:
    """A topic label without its leading emoji (documents are printed)."""
    return documents.plain(tr.label(msgid))


@dataclass(frozen=True, slots=True)
class ProgrammeText:
    """Every sentence of the programme, already in the candidate's language."""

    title: str
    byline: str
    intro: str | None
    sections: tuple[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]], ...]
    locale: str = "en"
    setup: DocumentSetup = field(default_factory=DocumentSetup)


def programme_text(programme: ProgrammeReady, tr: Tr) -> ProgrammeText:
    """The programme as plain text parts: (section title, women line, [(need, details)])."""
    parts = []
    for section in sections(programme.items, tr):
        women = tr.ngettext(
            "Raised by {n} woman in all.", "Raised by {n} women in all.", section.women
        )
        items = []
        for item in section.items:
            need = item.need
            details = [
                tr.ngettext(
                    "Raised by {n} woman ({how}).",
                    "Raised by {n} women ({how}).",
                    need.women,
                    how=tr.label(HEARD.get(need.heard, need.heard)),
                )
            ]
            where = _where(item, tr)
            if where:
                details.append(tr.gettext("Where: {place}", place=where))
            if need.proposal:
                details.append(tr.gettext("I propose: {proposal}", proposal=need.proposal))
            text = need.description or tr.gettext("(described in a voice note)")
            items.append((str(text), tuple(_unescape(d) for d in details)))
        parts.append((section.title, _unescape(women), tuple(items)))
    title = tr.gettext("Electoral programme (draft)")
    byline = ", ".join(p for p in (programme.author, _home(programme, tr)) if p)
    return ProgrammeText(
        _unescape(title),
        byline,
        programme.intro,
        tuple(parts),
        locale=tr.locale,
        setup=programme.setup,
    )


def _home(programme: ProgrammeReady, tr: Tr) -> str:
    """Her place as she gave it: the village she typed (with the unit she chose above it),
    else the aiyl aimak, rayon or oblast she chose; never widened to a rayon."""
    chosen = programme.place.name(tr.locale) if programme.place else None
    return ", ".join(p for p in (programme.place_other, chosen) if p)


def _where(item: NeedItem, tr: Tr) -> str:
    place = item.place.name(tr.locale) if item.place else None
    return ", ".join(p for p in (item.need.village, place) if p)


def _unescape(text: str) -> str:
    """Documents are not HTML: undo the escaping that message parameters get."""
    return html.unescape(text)


def markdown(programme: ProgrammeText) -> bytes:
    """The programme as a Markdown file."""
    lines = [f"# {programme.title}", "", f"**{programme.byline}**", ""]
    if programme.intro:
        lines += [programme.intro, ""]
    for title, women, items in programme.sections:
        lines += [f"## {title}", "", f"_{women}_", ""]
        for text, details in items:
            lines.append(f"- {text}")
            lines += [f"  - {d}" for d in details]
        lines.append("")
    return "\n".join(lines).encode()


def word(programme: ProgrammeText) -> bytes:
    """The programme as a Word document."""
    tr = translator(programme.locale)
    document = documents.new_document(
        programme.setup, tr, title=programme.title, subject=programme.byline
    )
    documents.heading(document, programme.title, 0)
    document.add_paragraph().add_run(documents.text(programme.byline)).bold = True
    if programme.intro:
        document.add_paragraph(documents.text(programme.intro))
    for title, women, items in programme.sections:
        documents.heading(document, title, 1)
        document.add_paragraph().add_run(documents.text(women)).italic = True
        for text, details in items:
            documents.bullet(document, text)
            for detail in details:
                documents.bullet(document, detail, level=2)
    return documents.to_bytes(document)
