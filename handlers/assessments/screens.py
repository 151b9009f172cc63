"""What rapid assessments show: the assessed aiyl aimaks, a profile, the comparison table."""

from __future__ import annotations

from bot.forms.assessment import RESOURCES
from bot.forms.view import FormView
from bot.i18n import N_, Tr, escape
from bot.outputs import assessments as documents
from bot.records.assessments import Assessment
from bot.rules.assessments import AssessmentHome, Comparison, NothingToAssess, Profile
from bot.screen import Attachment, Button, Screen
from handlers.assessments.buttons import CODEC, Compare, Home, NewAssessment, OpenProfile

LABEL_WIDTH = 14  # characters of a row label in the table shown in the bot
CELL_WIDTH = 8
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
    buttons = (
        (Button(tr.label(N_("➕ New assessment")), CODEC.encode(NewAssessment(code))),),
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


def comparison(found: Comparison, tr: Tr) -> Screen:
    """The comparison as one table in the bot, and as Word and Markdown documents."""
    if not found.places:
        return Screen(tr.gettext(N_("None of these aiyl aimaks is within your scope.")))
    title = tr.gettext(N_("Rapid assessments side by side"))
    files = (
        Attachment("assessments.docx", documents.word(found, tr)),
        Attachment("assessments.md", documents.markdown(found, tr)),
    )
    text = f"<b>{title}</b>\n<pre>{escape(_table(found, tr))}</pre>"
    return Screen(text, attachments=files)


def _table(found: Comparison, tr: Tr) -> str:
    labels = _short_labels(tr)
    heads = [p.code.rsplit("-", 1)[-1] for p in found.places]
    width = min(LABEL_WIDTH, max(len(v) for v in labels.values()))

    def fit(text: str, size: int) -> str:
        return text if len(text) <= size else text[: size - 1] + "…"

    lines = [" " * width + "".join(f" {h:>{CELL_WIDTH}}" for h in heads)]
    for key, label in labels.items():
        cells = [_short(found.latest.get(p.code), key, tr).rjust(CELL_WIDTH) for p in found.places]
        lines.append(fit(label, width).ljust(width) + "".join(f" {c}" for c in cells))
    lines.append("")
    lines += [f"{h} — {p.name(tr.locale)}" for h, p in zip(heads, found.places, strict=True)]
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
        return str(len([m for m in raw if m != "none"]))
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
