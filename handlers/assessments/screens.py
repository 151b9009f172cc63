"""What rapid assessments show: the assessed aiyl aimaks, a profile, the comparison table."""

from __future__ import annotations

from bot.forms.assessment import RESOURCES
from bot.forms.view import FormView
from bot.i18n import N_, Tr, escape
from bot.outputs import assessments as documents
from bot.records.assessments import Assessment
from bot.rules.assessments import (
    AssessmentHome,
    Comparison,
    History,
    NothingToAssess,
    Profile,
)
from handlers.assessments.buttons import (
    CODEC,
    Compare,
    Home,
    NewAssessment,
    OpenProfile,
    OverTime,
)
from handlers.plumbing.screen import Attachment, Button, Screen

LABEL_WIDTH = 14  # characters of a row label in the table shown in the bot
CELL_WIDTH = 8
HEAD_WIDTH = 12  # a longer aiyl aimak name is cut short at the head of its column
# The rows of the narrow table in the bot (the documents show every row in full words).
_KEYS = (
    "assessed_on",
    "population",
    "villages",
    *RESOURCES,
    "border_km",
    "border_status",
    "mechanisms",
    "conflicts",
)
TEXT_FIELDS = ("worst_conflict", "risks")  # a change shows the new text only

# In the bot's monospaced table a state is one character; the legend explains them.
STATE_MARKS = {"sufficient": "+", "strained": "~", "contested": "!"}
BORDER_MARKS = {"delimited": "+", "partly": "~", "not_delimited": "-", "unknown": "?"}


def home(found: AssessmentHome, tr: Tr) -> Screen:
    """/assessment: the assessed aiyl aimaks in reach, a new assessment, the comparison."""
    lines: list[str] = [tr.gettext(N_("<b>Rapid assessments of ayil okmotu</b>"))]
    if not found.places:
        lines.append(tr.gettext(N_("No aiyl aimak has been assessed yet.")))
    names = {p.code: p.place.name(tr.locale) if p.place else p.code for p in found.places}
    lines += [
        f"{escape(names[p.code])} — {tr.short_date(p.latest.assessed_on)}"
        for p in found.places
        if p.latest is not None
    ]
    buttons = [(Button(names[p.code], CODEC.encode(OpenProfile(p.code))),) for p in found.places]
    buttons.append((Button(tr.label(N_("➕ New assessment")), CODEC.encode(NewAssessment())),))
    buttons.append(
        (Button(tr.label(N_("📊 Compare the five target aiyl aimaks")), CODEC.encode(Compare())),)
    )
    return Screen("\n".join(lines), tuple(buttons))


def start(started: FormView | NothingToAssess, tr: Tr) -> Screen | FormView:
    """The assessment form, or why there is nothing to assess."""
    if isinstance(started, FormView):
        return started
    return Screen(tr.gettext(N_("No aiyl aimak is within your scope to assess.")))


def profile(found: Profile, tr: Tr) -> Screen:
    """An aiyl aimak's latest assessment and what changed since the previous one."""
    code = found.place.code
    name = escape(found.place.name(tr.locale))
    history = (
        ((Button(tr.label(N_("📈 Assessments over time")), CODEC.encode(OverTime(code))),),)
        if found.count > 1
        else ()
    )
    buttons = (
        (Button(tr.label(N_("➕ New assessment")), CODEC.encode(NewAssessment(code))),),
        *history,
        (Button(tr.label(N_("📊 Compare the five target aiyl aimaks")), CODEC.encode(Compare())),),
        (Button(tr.label(N_("◀️ Back")), CODEC.encode(Home())),),
    )
    latest = found.latest
    if latest is None:
        return Screen(tr.gettext(N_("{place} has not been assessed yet."), place=name), buttons)
    lines = [
        f"<b>{name}</b>",
        tr.gettext(
            N_("Rapid assessment No. {number} of {date}"),
            number=latest.id,
            date=tr.short_date(latest.assessed_on),
        ),
        "",
    ]
    lines += [
        f"<b>{escape(tr.label(row.label))}</b>: {escape(documents.value(latest, row.key, tr))}"
        for row in documents.ROWS[1:]
    ]
    # Only a coordinator with this place in reach sees a profile: the contacts are for her.
    if latest.contacts:
        lines.append(tr.gettext(N_("<b>Contacts</b>: {contacts}"), contacts=latest.contacts))
    lines.append("")
    lines += _changes(found, latest, tr)
    return Screen("\n".join(lines), buttons)


def _changes(found: Profile, latest: Assessment, tr: Tr) -> list[str]:
    previous = found.previous
    if previous is None:
        return [tr.gettext(N_("This is the first assessment of this aiyl aimak."))]
    when = tr.short_date(previous.assessed_on)
    if not found.changed:
        return [tr.gettext(N_("Nothing changed since the assessment of {date}."), date=when)]
    changed = []
    for row in documents.ROWS:
        if row.key not in found.changed:
            continue
        label = escape(tr.label(row.label))
        new = escape(documents.value(latest, row.key, tr))
        if row.key in TEXT_FIELDS:
            changed.append(f"• {label}: {new}")
        else:
            old = escape(documents.value(previous, row.key, tr))
            changed.append(f"• {label}: {old} → {new}")
    head = tr.gettext(N_("<b>Changed since the assessment of {date}:</b>"), date=when)
    return [head, *changed]


def comparison(found: Comparison | History, tr: Tr) -> Screen:
    """Side by side as one table in the bot, and as Word and Markdown documents."""
    if isinstance(found, History):
        return over_time(found, tr)
    if not found.places:
        return Screen(tr.gettext(N_("None of these aiyl aimaks is within your scope.")))
    shown = documents.table(found, tr)
    heads = [_fit(name, HEAD_WIDTH) for name in shown.heads]
    cells = [[_short(found.latest.get(p.code), key, tr) for p in found.places] for key in _KEYS]
    lines = [f"<b>{escape(shown.title)}</b>", *(escape(n) for n in shown.notes)]
    lines.append(f"<pre>{escape(_table(heads, _KEYS, cells, tr))}</pre>")
    lines.append(tr.gettext(N_("To see them on another day: /compare 30.06.2026")))
    buttons = tuple(
        (
            Button(
                tr.label(N_("📈 {place} over time")).format(place=p.name(tr.locale)),
                CODEC.encode(OverTime(p.code)),
            ),
        )
        for p in found.with_history
    )
    return Screen("\n".join(lines), buttons, attachments=_files(found, tr, "assessments"))


def over_time(found: History, tr: Tr) -> Screen:
    """One aiyl aimak's assessments with dates as columns, each changed value marked."""
    shown = documents.table(found, tr)
    heads = [f"{a.assessed_on:%d.%m.%y}" for a in found.assessments]
    keys = _KEYS[1:]  # the dates are the heads
    cells = [
        [
            _short(a, key, tr) + (documents.CHANGED_MARK if key in changed else "")
            for a, changed in zip(found.assessments, found.changed, strict=True)
        ]
        for key in keys
    ]
    lines = [f"<b>{escape(shown.title)}</b>"]
    lines.append(f"<pre>{escape(_table(heads, keys, cells, tr))}</pre>")
    if any(documents.CHANGED_MARK in cell for row in cells for cell in row):
        lines.append(escape(documents.changed_note(tr)))
    lines += [escape(note) for note in shown.notes]
    code = found.place.code
    buttons = (
        (Button(tr.label(N_("➕ New assessment")), CODEC.encode(NewAssessment(code))),),
        (Button(tr.label(N_("📊 Compare the five target aiyl aimaks")), CODEC.encode(Compare())),),
        (Button(tr.label(N_("◀️ Back")), CODEC.encode(OpenProfile(code))),),
    )
    name = f"assessments-{code.lower()}"
    return Screen("\n".join(lines), buttons, attachments=_files(found, tr, name))


def _files(found: Comparison | History, tr: Tr, name: str) -> tuple[Attachment, ...]:
    return (
        Attachment(f"{name}.docx", documents.word(found, tr)),
        Attachment(f"{name}.md", documents.markdown(found, tr)),
    )


def _fit(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _table(heads: list[str], keys: tuple[str, ...], rows: list[list[str]], tr: Tr) -> str:
    """A monospaced table: a row per key, a column per head, the legend below."""
    labels = _short_labels(tr)
    width = min(LABEL_WIDTH, max(len(labels[k]) for k in keys))
    sizes = [max(CELL_WIDTH, len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads)]
    lines = [" " * width + "".join(f" {h:>{size}}" for h, size in zip(heads, sizes, strict=True))]
    for key, row in zip(keys, rows, strict=True):
        values = "".join(f" {c:>{size}}" for c, size in zip(row, sizes, strict=True))
        lines.append(_fit(labels[key], width).ljust(width) + values)
    lines.append("")
    lines.append(tr.label(N_("+ sufficient · ~ strained · ! contested")))
    lines.append(tr.label(N_("Border: + delimited · ~ partly · - not delimited · ? not known")))
    return "\n".join(lines)


def _short(assessment: Assessment | None, key: str, tr: Tr) -> str:
    """A cell of the table in the bot: a few characters."""
    if assessment is None:
        return "—"
    raw = getattr(assessment, key)
    if raw is None:
        return "—"
    if key == "assessed_on":
        return f"{raw:%d.%m.%y}"
    if key in RESOURCES:
        return STATE_MARKS.get(raw, "?")
    if key == "border_status":
        return BORDER_MARKS.get(raw, "?")
    if key == "mechanisms":
        return tr.number(len([m for m in raw if m != "none"]))
    return tr.number(raw) if isinstance(raw, int) else "…"


def _short_labels(tr: Tr) -> dict[str, str]:
    """Row names that fit the narrow table in the bot."""
    return {
        "assessed_on": tr.pgettext("table", "Date"),
        "population": tr.pgettext("table", "Population"),
        "villages": tr.pgettext("table", "Villages"),
        "water": tr.pgettext("table", "Water"),
        "pasture": tr.pgettext("table", "Pasture"),
        "arable": tr.pgettext("table", "Arable land"),
        "forest": tr.pgettext("table", "Forest"),
        "non_timber": tr.pgettext("table", "Non-timber"),
        "border_km": tr.pgettext("table", "Border, km"),
        "border_status": tr.pgettext("table", "Border"),
        "mechanisms": tr.pgettext("table", "Mechanisms"),
        "conflicts": tr.pgettext("table", "Conflicts"),
    }
