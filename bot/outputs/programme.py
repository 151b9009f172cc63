"""The electoral programme as documents (Markdown and Word), in the candidate's language.

Her record comes first: what the chosen needs already achieved (in the local plan, budgeted
with the amount, implemented with the date). Her proposals follow, by topic.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.forms.need import OTHER, TOPICS
from bot.i18n import N_, Tr, translator
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


Entry = tuple[str, tuple[str, ...]]  # a need's text and the lines below it


@dataclass(frozen=True, slots=True)
class ProgrammeText:
    """Every sentence of the programme, already in the candidate's language."""

    title: str
    byline: str
    intro: str | None
    sections: tuple[tuple[str, str, tuple[Entry, ...]], ...]  # proposals: topic, women, needs
    record: tuple[Entry, ...] = ()  # what the chosen needs already achieved
    record_title: str = ""
    proposals_title: str = ""
    author: str = ""
    locale: str = "en"
    setup: DocumentSetup = field(default_factory=DocumentSetup)


def programme_text(programme: ProgrammeReady, tr: Tr) -> ProgrammeText:
    """The programme as plain text parts: her record, then her proposals by topic."""
    parts = []
    for section in sections(programme.proposed, tr):
        women = tr.ngettext(
            "{n} need; women who raised it: {women}.",
            "{n} needs; women who raised them: {women}.",
            len(section.items),
            women=tr.number(section.women),
        )
        items = tuple(_proposal(item, tr) for item in section.items)
        parts.append((section.title, _unescape(women), items))
    record = tuple(_achievement(item, programme, tr) for item in programme.achieved)
    byline = ", ".join(p for p in (programme.author, _home(programme, tr)) if p)
    return ProgrammeText(
        title=_unescape(tr.gettext(N_("Electoral programme (draft)"))),
        byline=byline,
        intro=programme.intro,
        sections=tuple(parts),
        record=record,
        record_title=tr.label(N_("What has been achieved")),
        proposals_title=tr.label(N_("My proposals")),
        author=programme.author,
        locale=tr.locale,
        setup=programme.setup,
    )


def _home(programme: ProgrammeReady, tr: Tr) -> str:
    """Her place as she gave it: the village she typed (with the unit she chose above it),
    else the aiyl aimak, rayon or oblast she chose; never widened to a rayon."""
    chosen = programme.place.name(tr.locale) if programme.place else None
    return ", ".join(p for p in (programme.village, chosen) if p)


def _text(item: NeedItem, tr: Tr) -> str:
    return str(item.need.description or tr.gettext(N_("(described in a voice note)")))


def _proposal(item: NeedItem, tr: Tr) -> Entry:
    """A need she proposes to solve: who raised it, where, her proposal, how far it got."""
    need = item.need
    details = [_raised_by(item, tr)]
    where = _where(item, tr)
    if where:
        details.append(tr.gettext(N_("Where: {place}"), place=where))
    if need.proposal:
        details.append(tr.gettext(N_("I propose: {proposal}"), proposal=need.proposal))
    if need.stage == "raised" and need.stage_on:
        details.append(
            tr.gettext(
                N_("Already raised with the ayil okmotu or ayil kenesh ({date})."),
                date=tr.date(need.stage_on),
            )
        )
    return _text(item, tr), tuple(_unescape(d) for d in details)


def _achievement(item: NeedItem, programme: ProgrammeReady, tr: Tr) -> Entry:
    """A need already in the plan, budgeted or implemented: what was achieved, and when."""
    need = item.need
    when = tr.date(need.stage_on) if need.stage_on else None
    amount = tr.number(need.amount_som) if need.amount_som else None
    details: list[str] = []
    if need.stage == "implemented":
        details.append(
            tr.gettext(N_("Implemented ({date})."), date=when)
            if when
            else tr.gettext(N_("Implemented."))
        )
        if amount:
            details.append(tr.gettext(N_("Budget: {amount} som."), amount=amount))
    elif need.stage == "budgeted":
        details.append(
            tr.gettext(N_("Budget allocated: {amount} som ({date})."), amount=amount, date=when)
            if amount and when
            else tr.gettext(N_("Budget allocated."))
        )
    else:
        details.append(
            tr.gettext(N_("Included in the local plan ({date})."), date=when)
            if when
            else tr.gettext(N_("Included in the local plan."))
        )
    details.append(_raised_by(item, tr))
    where = _where(item, tr)
    if where:
        details.append(tr.gettext(N_("Where: {place}"), place=where))
    if need.id in programme.theirs:
        details.append(tr.gettext(N_("Recorded by a member of my peer group.")))
    return _text(item, tr), tuple(_unescape(d) for d in details)


def _raised_by(item: NeedItem, tr: Tr) -> str:
    """How the women raised the need, a whole sentence for each way: a label in brackets read
    "(На собрании)" mid-sentence. "From one woman" has one woman by definition."""
    need = item.need
    if need.heard == "meeting":
        return tr.ngettext(
            "Raised by {n} woman at a meeting.", "Raised by {n} women at a meeting.", need.women
        )
    if need.heard == "survey":
        return tr.ngettext(
            "Raised by {n} woman in a survey.", "Raised by {n} women in a survey.", need.women
        )
    return tr.gettext(N_("Raised by one woman."))


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
    if programme.record:
        lines += [f"## {programme.record_title}", ""]
        lines += _markdown_entries(programme.record)
    if programme.sections:
        lines += [f"## {programme.proposals_title}", ""]
    for title, women, items in programme.sections:
        lines += [f"### {title}", "", f"_{women}_", ""]
        lines += _markdown_entries(items)
    return "\n".join(lines).encode()


def _markdown_entries(entries: Sequence[Entry]) -> list[str]:
    lines = []
    for text, details in entries:
        lines.append(f"- {text}")
        lines += [f"  - {d}" for d in details]
    return [*lines, ""]


def word(programme: ProgrammeText) -> bytes:
    """The programme as a Word document: A4, page numbers, its title, author and language."""
    tr = translator(programme.locale)
    document = documents.new_document(
        programme.setup,
        tr,
        title=programme.title,
        subject=programme.byline,
        author=programme.author,  # her own programme, not the organisation's
    )
    documents.heading(document, programme.title, 0)
    document.add_paragraph().add_run(documents.text(programme.byline)).bold = True
    if programme.intro:
        document.add_paragraph(documents.text(programme.intro))
    if programme.record:
        documents.heading(document, programme.record_title, 1)
        _word_entries(document, programme.record)
    if programme.sections:
        documents.heading(document, programme.proposals_title, 1)
    for title, women, items in programme.sections:
        documents.heading(document, title, 2)
        document.add_paragraph().add_run(documents.text(women)).italic = True
        _word_entries(document, items)
    return documents.to_bytes(document)


def _word_entries(document: Any, entries: Sequence[Entry]) -> None:
    for text, details in entries:
        documents.bullet(document, text)
        for detail in details:
            documents.bullet(document, detail, level=2)
