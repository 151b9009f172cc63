"""The electoral programme as documents (Markdown and Word), in the candidate's language."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document

from bot.forms.need import HEARD, OTHER, TOPICS
from bot.gazetteer import Gazetteer
from bot.i18n import Tr
from bot.typed_text import xml_safe
from storage.needs import Need


@dataclass(frozen=True, slots=True)
class ProgrammeSection:
    """One topic of the programme: its needs and how many women raised them."""

    topic: str
    title: str
    women: int
    needs: tuple[Need, ...]


def sections(needs: Sequence[Need], tr: Tr) -> list[ProgrammeSection]:
    """The chosen needs grouped by topic, topics in the order of the need form."""
    found: list[ProgrammeSection] = []
    for topic in TOPICS:
        chosen = tuple(n for n in needs if n.topic == topic)
        if not chosen:
            continue
        title = _plain_label(tr, TOPICS[topic])
        if topic == OTHER:
            others = sorted({n.topic_other for n in chosen if n.topic_other})
            title = f"{title}: {', '.join(others)}" if others else title
        found.append(ProgrammeSection(topic, title, sum(n.women for n in chosen), chosen))
    return found


def _plain_label(tr: Tr, msgid: str) -> str:
    """A topic label without its leading emoji (documents are printed)."""
    label = tr.label(msgid)
    head, _, rest = label.partition(" ")
    return rest if rest and not head.isalnum() else label


@dataclass(frozen=True, slots=True)
class ProgrammeText:
    """Every sentence of the programme, already in the candidate's language."""

    title: str
    byline: str
    intro: str | None
    sections: tuple[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]], ...]


def programme_text(
    needs: Sequence[Need],
    *,
    tr: Tr,
    gazetteer: Gazetteer,
    author: str,
    place: str | None,
    intro: str | None,
) -> ProgrammeText:
    """The programme as plain text parts: (section title, women line, [(need, details)])."""
    parts = []
    for section in sections(needs, tr):
        women = tr.ngettext(
            "Raised by {n} woman in all.", "Raised by {n} women in all.", section.women
        )
        items = []
        for need in section.needs:
            details = [
                tr.ngettext(
                    "Raised by {n} woman ({how}).",
                    "Raised by {n} women ({how}).",
                    need.women,
                    how=tr.label(HEARD.get(need.heard, need.heard)),
                )
            ]
            where = _where(need, tr, gazetteer)
            if where:
                details.append(tr.gettext("Where: {place}", place=where))
            if need.proposal:
                details.append(tr.gettext("I propose: {proposal}", proposal=need.proposal))
            text = need.description or tr.gettext("(described in a voice note)")
            items.append((str(text), tuple(_unescape(d) for d in details)))
        parts.append((section.title, _unescape(women), tuple(items)))
    title = tr.gettext("Electoral programme (draft)")
    byline = author if not place else f"{author}, {place}"
    return ProgrammeText(_unescape(title), byline, intro, tuple(parts))


def _where(need: Need, tr: Tr, gazetteer: Gazetteer) -> str:
    place = gazetteer.get(need.place_code) if need.place_code else None
    names = [p for p in (need.village, place.name(tr.locale) if place else None) if p]
    return ", ".join(names)


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
    # Needs stored before typed text was cleaned may hold characters XML forbids.
    document = Document()
    document.add_heading(xml_safe(programme.title), level=0)
    document.add_paragraph().add_run(xml_safe(programme.byline)).bold = True
    if programme.intro:
        document.add_paragraph(xml_safe(programme.intro))
    for title, women, items in programme.sections:
        document.add_heading(xml_safe(title), level=1)
        document.add_paragraph().add_run(xml_safe(women)).italic = True
        for text, details in items:
            document.add_paragraph(xml_safe(text), style="List Bullet")
            for detail in details:
                document.add_paragraph(xml_safe(detail), style="List Bullet 2")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
