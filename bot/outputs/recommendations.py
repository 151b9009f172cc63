"""The recommendations document as HTML, Markdown or Word, in the reader's language."""

from __future__ import annotations

import html
import re

from bot.forms.practice import PLAN_BUDGET_LABELS, TOPIC_LABELS
from bot.i18n import N_, Tr
from bot.outputs import documents
from bot.rules.recommendations import FORMATS, Compiled, Entry, Section

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def render(compiled: Compiled, fmt: str, tr: Tr) -> bytes:
    """The document's bytes in one of FORMATS."""
    if fmt == "html":
        return _html(compiled, tr).encode()
    if fmt == "md":
        return _markdown(compiled, tr).encode()
    if fmt == "docx":
        return _docx(compiled, tr)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def filename(compiled: Compiled, fmt: str) -> str:
    """The file's name: the day it was compiled and the format."""
    return f"recommendations-{compiled.made_on.isoformat()}.{fmt}"


def _title(tr: Tr) -> str:
    return tr.label(N_("Recommendations from peer practices"))


def _practices(tr: Tr) -> str:
    return tr.label(N_("The practices"))


def _topic(tr: Tr, code: str) -> str:
    return tr.label(TOPIC_LABELS.get(code, code))


def _meta(c: Compiled, tr: Tr) -> list[str]:
    topic = _topic(tr, c.topic) if c.topic else tr.label(N_("all"))
    period = (
        tr.label(N_("since {date}")).format(date=tr.date(c.since))
        if c.since
        else tr.label(N_("all time"))
    )
    lines = [
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
    # A Russian date ends with "г.": "Составлено: 7 декабря 2026 г." takes no second stop.
    return [documents.sentence(line) for line in lines]


def _to_authorities(tr: Tr) -> tuple[str, str]:
    """The heading and opening line of the part addressed to those who decide."""
    return (
        tr.label(
            N_(
                "To the ayil okmotu, the ayil kenesh and the rayon administration: what the "
                "practices recommend"
            )
        ),
        tr.label(
            N_(
                "Under each topic: how many practices there are and how far they got, then "
                "the advice their authors give to those who face the same. The practices "
                "themselves follow."
            )
        ),
    )


def _summary(section: Section, tr: Tr) -> str:
    """How many practices a topic has, from how many places, and what got into plans."""
    parts = [
        tr.ngettext("{n} practice", "{n} practices", len(section.entries)),
    ]
    if section.places:
        parts.append(tr.ngettext("from {n} place", "from {n} places", section.places))
    line = " ".join(parts)
    if section.into_plan:
        line += "; " + tr.ngettext(
            "{n} got into a local plan or budget",
            "{n} got into a local plan or budget",
            section.into_plan,
        )
        if section.som:
            line += " (" + tr.label(N_("{amount} som")).format(amount=tr.number(section.som)) + ")"
    return line + "."


def _advice(entry: Entry, tr: Tr) -> str:
    """One practice's advice, with the practice and its place it comes from."""
    practice = entry.practice
    place = entry.where.name(tr.locale)
    advice, title = practice.content.advice, practice.title
    if place:
        return tr.label(N_("{advice} (from “{title}”, {place})")).format(
            advice=advice, title=title, place=place
        )
    return tr.label(N_("{advice} (from “{title}”)")).format(advice=advice, title=title)


def _parts(entry: Entry, tr: Tr) -> list[tuple[str, str]]:
    """(label, text) of a practice in document order."""
    p = entry.practice
    place = entry.where.path(tr.locale) or tr.label(N_("place not given"))
    parts = [(tr.label(N_("Region")), place)]
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


def _html(c: Compiled, tr: Tr) -> str:
    e = html.escape
    out = [
        "<!doctype html>",
        f'<html lang="{tr.locale}"><head><meta charset="utf-8">',
        f"<title>{e(_title(tr))}</title>",
        "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.45}"
        "h3{margin-bottom:.2em}dt{font-weight:bold;margin-top:.5em}dd{margin-left:0;"
        "white-space:pre-wrap}</style></head><body>",
        f"<h1>{e(_title(tr))}</h1>",
        *(f"<p>{e(line)}</p>" for line in _meta(c, tr)),
    ]
    if c.sections:
        heading, opening = _to_authorities(tr)
        out += [f"<h2>{e(heading)}</h2>", f"<p>{e(opening)}</p>"]
        for section in c.sections:
            out.append(f"<h3>{e(_topic(tr, section.topic))}</h3>")
            out.append(f"<p>{e(_summary(section, tr))}</p><ul>")
            out += [f"<li>{e(_advice(entry, tr))}</li>" for entry in section.advice]
            out.append("</ul>")
        out.append(f"<h2>{e(_practices(tr))}</h2>")
    for section in c.sections:
        out.append(f"<h3>{e(_topic(tr, section.topic))}</h3>")
        for entry in section.entries:
            out.append(f"<h4>{e(entry.practice.title)}</h4><dl>")
            for label, text in _parts(entry, tr):
                out.append(f"<dt>{e(label)}</dt><dd>{e(text)}</dd>")
            out.append("</dl>")
    out.append("</body></html>")
    return "\n".join(out)


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _markdown(c: Compiled, tr: Tr) -> str:
    out = [f"# {_md(_title(tr))}", "", *(f"{_md(line)}\n" for line in _meta(c, tr))]
    if c.sections:
        heading, opening = _to_authorities(tr)
        out.extend((f"## {_md(heading)}", "", _md(opening), ""))
        for section in c.sections:
            out.extend((f"### {_md(_topic(tr, section.topic))}", "", _md(_summary(section, tr))))
            out.append("")
            out.extend(
                f"- {_md(' '.join(_advice(entry, tr).split()))}" for entry in section.advice
            )
            out.append("")
        out.extend((f"## {_md(_practices(tr))}", ""))
    for section in c.sections:
        out.extend((f"### {_md(_topic(tr, section.topic))}", ""))
        for entry in section.entries:
            out.extend((f"#### {_md(entry.practice.title)}", ""))
            for label, text in _parts(entry, tr):
                body = "  \n".join(_md(line) for line in text.splitlines())
                out.extend((f"**{_md(label)}:** {body}", ""))
    return "\n".join(out)


def _docx(c: Compiled, tr: Tr) -> bytes:
    document = documents.new_document(
        c.setup, tr, title=_title(tr), subject=_meta(c, tr)[1], now=None
    )
    documents.heading(document, _title(tr), 0)
    for line in _meta(c, tr):
        document.add_paragraph(line)
    # What the practices recommend, addressed to the authorities, before the practices.
    if c.sections:
        heading, opening = _to_authorities(tr)
        documents.heading(document, heading, 1)
        document.add_paragraph(documents.text(opening))
        for section in c.sections:
            documents.heading(document, documents.plain(_topic(tr, section.topic)), 2)
            document.add_paragraph(documents.text(_summary(section, tr)))
            for entry in section.advice:
                documents.bullet(document, _advice(entry, tr))
        documents.heading(document, _practices(tr), 1)
    for section in c.sections:
        documents.heading(document, documents.plain(_topic(tr, section.topic)), 2)
        for entry in section.entries:
            documents.heading(document, entry.practice.title, 3)
            for label, text in _parts(entry, tr):
                documents.labelled(document, label, text)
    return documents.to_bytes(document)
