"""What a coordinator sees of dossiers: the questions of a set, and the Word file."""

from __future__ import annotations

from bot.forms.incident import RESOURCES
from bot.forms.incident_labels import label
from bot.i18n import N_, Safe, Tr, escape
from bot.outputs import dossier as document
from bot.rules.dossier import Dossier, DossierChoices
from handlers.dossier.buttons import (
    CODEC,
    ChooseArea,
    ChoosePeriod,
    ChooseResource,
    ChooseStatus,
    MakeDossier,
    ReportDossier,
)
from handlers.plumbing.screen import Attachment, Button, Screen, rows

PERIOD_BUTTONS = {
    7: N_("Last 7 days"),
    30: N_("Last 30 days"),
    90: N_("Last 3 months"),
    365: N_("Last 12 months"),
    0: N_("All time"),
}
STATUS_BUTTONS = {
    "open": N_("Still going on"),
    "resolved": N_("Resolved"),
    "verified": N_("Verified"),
}


def entry_button(tr: Tr) -> Button:
    """The way in from /export: a dossier of several reports."""
    return Button(tr.label(N_("📁 Incident dossier (Word)")), CODEC.encode(ChoosePeriod()))


def report_button(number: int, tr: Tr) -> Button:
    """On a report's review card: its dossier."""
    return Button(tr.label(N_("📁 Dossier (Word)")), CODEC.encode(ReportDossier(number)))


def periods(choices: DossierChoices, tr: Tr) -> Screen:
    """/dossier: what a dossier is, and the period of its reports."""
    text = tr.gettext(
        N_(
            "<b>Incident dossier</b>: a Word file to print or hand to an official, with the "
            "reports' answers, history, review and photos. It names no one who reported.\n\n"
            "Which period?"
        )
    )
    buttons = [
        Button(tr.label(PERIOD_BUTTONS[days]), CODEC.encode(ChooseArea(days)))
        for days in choices.periods
    ]
    return Screen(text, rows(buttons, 2))


def areas(choices: DossierChoices, days: int, tr: Tr) -> Screen:
    """The place of the reports: all of the reader's area, or one place in it."""
    everywhere = Button(tr.label(N_("All of my area")), CODEC.encode(ChooseResource(days, None)))
    places = [
        Button(p.name(tr.locale), CODEC.encode(ChooseResource(days, p.code)))
        for p in choices.areas
    ]
    return Screen(tr.gettext(N_("Which place?")), ((everywhere,), *rows(places, 2)))


def resources(choices: DossierChoices, days: int, place: str | None, tr: Tr) -> Screen:
    """The resource disputed."""
    every = Button(tr.label(N_("All resources")), CODEC.encode(ChooseStatus(days, place, None)))
    each = [
        Button(label(RESOURCES, code, tr), CODEC.encode(ChooseStatus(days, place, code)))
        for code in choices.resources
    ]
    return Screen(tr.gettext(N_("Which resource?")), ((every,), *rows(each, 2)))


def statuses(
    choices: DossierChoices, days: int, place: str | None, resource: str | None, tr: Tr
) -> Screen:
    """Which reports: all but rejected and duplicate ones, open, resolved or verified."""
    every = Button(
        tr.label(N_("All but rejected and duplicates")),
        CODEC.encode(MakeDossier(days, place, resource, None)),
    )
    each = [
        Button(
            tr.label(STATUS_BUTTONS[status]),
            CODEC.encode(MakeDossier(days, place, resource, status)),
        )
        for status in choices.statuses
    ]
    return Screen(tr.gettext(N_("Which reports?")), ((every,), *rows(each, 3)))


def dossier_file(dossier: Dossier, tr: Tr) -> Screen:
    """The Word file, with how many reports it holds; no file when none matched."""
    count = tr.ngettext(
        "📁 {n} report in the dossier.", "📁 {n} reports in the dossier.", dossier.total
    )
    if not dossier.entries:
        return Screen(count)
    text = count
    if dossier.filter is not None:
        text = Safe(f"{count}\n{escape(document.filter_text(dossier.filter, dossier, tr))}")
    file = Attachment(document.filename(dossier), document.word(dossier, tr))
    return Screen(text, attachments=(file,))
