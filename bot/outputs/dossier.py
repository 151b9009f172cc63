"""An incident dossier as a Word document, printable (A4, page numbers), in the reader's language.

What the records hold is all it can show: the dossier rules left out who reported and rounded
the pins. Photos are embedded from the media folder, re-encoded (at most 1600 pixels, no EXIF:
a phone's GPS tag would undo the rounding) and checked against their SHA-256; a photo that
cannot be shown leaves a line saying why. Photos stop at PHOTO_BUDGET bytes, so the file stays
under what Telegram lets a bot send (50 MB).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from docx.shared import Cm
from PIL import Image, ImageOps, UnidentifiedImageError

from bot.forms.incident import (
    ACTORS,
    BORDER,
    CROWD_SIZES,
    EVENTS,
    FOLLOWUP_OUTCOMES,
    OTHER,
    REJECT_REASONS,
    RESOURCES,
    RESPONSES,
    SOURCES,
    STATUSES,
)
from bot.forms.incident_labels import REVIEW_STATUSES, UPDATE_KINDS, label, report_number
from bot.i18n import N_, Tr
from bot.outputs import documents
from bot.records.incidents import IncidentUpdate
from bot.rules.dossier import Dossier, DossierEntry, DossierFilter, DossierPhoto

PHOTO_BUDGET = 40 * 1024 * 1024
LONGEST_SIDE = 1600  # pixels: sharp on paper at 12 cm, a few hundred kilobytes
PHOTO_WIDTH_CM = 12.0
PHOTO_HEIGHT_CM = 9.0

PERIOD_LABELS = {
    7: N_("the last 7 days"),
    30: N_("the last 30 days"),
    90: N_("the last 3 months"),
    365: N_("the last 12 months"),
    0: N_("all time"),
}
STATUS_LABELS = {
    None: N_("all but rejected and duplicate ones"),
    "open": N_("still going on"),
    "resolved": N_("resolved"),
    "verified": N_("verified by a coordinator"),
}
MISSING = {
    "pending": N_("Photo {index}: not in the media folder yet; its download is retried."),
    "too_large": N_("Photo {index}: larger than a bot may download; only Telegram has it."),
    "lost": N_("Photo {index}: it could not be downloaded from Telegram."),
    "missing": N_("Photo {index}: removed (after the retention period or an erasure)."),
    "damaged": N_("Photo {index}: the stored file is damaged (its checksum does not match)."),
    "unreadable": N_("Photo {index}: not an image that can be printed."),
    "budget": N_(
        "Photo {index}: left out to keep this file small enough to send; a dossier of this "
        "report alone holds it."
    ),
}


@dataclass
class _Budget:
    left: int = PHOTO_BUDGET


def word(dossier: Dossier, tr: Tr) -> bytes:
    """The dossier as a .docx file."""
    title = _title(dossier, tr)
    intro = _intro(dossier, tr)
    document = documents.new_document(
        dossier.setup, tr, title=title, subject=intro[0], now=dossier.made_at
    )
    documents.heading(document, title, 0)
    for line in intro:
        document.add_paragraph(documents.sentence(line))
    if len(dossier.entries) > 1:
        documents.table(document, _summary(dossier, tr))
    budget = _Budget()
    for entry in dossier.entries:
        _report(document, entry, dossier, tr, budget)
    return documents.to_bytes(document)


def filename(dossier: Dossier) -> str:
    """`dossier-12.docx` for one report, `dossier-2026-12-07.docx` for a set."""
    if dossier.filter is None and dossier.entries:
        return f"dossier-{dossier.entries[0].incident.id}.docx"
    return f"dossier-{dossier.made_at.astimezone(dossier.zone).date().isoformat()}.docx"


def _title(dossier: Dossier, tr: Tr) -> str:
    if dossier.filter is None and dossier.entries:
        number = report_number(dossier.entries[0].incident.id)
        return tr.label(N_("Incident dossier: report {number}")).format(number=number)
    return tr.label(N_("Incident dossier"))


def _intro(dossier: Dossier, tr: Tr) -> list[str]:
    made = tr.date(dossier.made_at.astimezone(dossier.zone).date())
    lines = []
    if dossier.filter is not None:
        lines.append(filter_text(dossier.filter, dossier, tr))
        lines.append(
            tr.catalog.ngettext(
                "{n} report in the dossier.", "{n} reports in the dossier.", dossier.total
            ).format(n=tr.number(dossier.total))
        )
        if dossier.total > len(dossier.entries):
            lines.append(
                tr.label(
                    N_(
                        "It holds the {shown} newest of them: choose a shorter period or a "
                        "smaller place for the others."
                    )
                ).format(shown=tr.number(len(dossier.entries)))
            )
    lines.append(tr.label(N_("Compiled on {date}.")).format(date=made))
    lines.append(
        tr.catalog.ngettext(
            "This dossier names no one who reported. Location pins are rounded to {n} "
            "decimal place.",
            "This dossier names no one who reported. Location pins are rounded to {n} "
            "decimal places.",
            dossier.coordinate_decimals,
        ).format(n=dossier.coordinate_decimals)
    )
    return lines


def filter_text(chosen: DossierFilter, dossier: Dossier, tr: Tr) -> str:
    """ "Period: ... Place: ... Resource: ... Reports: ..." in the reader's language."""
    place = (
        dossier.area.name(tr.locale)
        if dossier.area is not None
        else tr.label(N_("all of your area"))
    )
    resource = (
        documents.plain(label(RESOURCES, chosen.resource, tr))
        if chosen.resource
        else tr.label(N_("all resources"))
    )
    return tr.label(
        N_("Period: {period}; place: {place}; resource: {resource}; reports: {status}.")
    ).format(
        period=tr.label(PERIOD_LABELS.get(chosen.days, PERIOD_LABELS[0])),
        place=place,
        resource=resource,
        status=tr.label(STATUS_LABELS.get(chosen.status, STATUS_LABELS[None])),
    )


def _summary(dossier: Dossier, tr: Tr) -> list[list[str]]:
    """One line per report, ahead of the reports themselves."""
    head = [
        tr.pgettext("table", "No."),
        tr.label(N_("Date")),
        tr.label(N_("Place")),
        tr.label(N_("Resource")),
        tr.label(N_("What happened")),
        tr.label(N_("Status")),
    ]
    rows = [head]
    for entry in dossier.entries:
        incident = entry.incident
        rows.append(
            [
                str(incident.id),
                tr.short_date(incident.event_date),
                _place(entry, tr),
                _resource(entry, tr),
                documents.plain(label(EVENTS, incident.sub_event_type, tr)),
                documents.plain(label(STATUSES, incident.status, tr)),
            ]
        )
    return rows


def _report(document: Any, entry: DossierEntry, dossier: Dossier, tr: Tr, budget: _Budget) -> None:
    incident = entry.incident
    title = tr.label(N_("Report {number}")).format(number=report_number(incident.id))
    heading = f"{title} — {tr.date(incident.event_date)}"
    if incident.urgent:
        heading += " (" + tr.label(N_("urgent")) + ")"
    documents.heading(document, heading, 1)
    documents.fields(document, [(tr.label(n), v) for n, v in _fields(entry, dossier, tr)])
    if incident.notes:
        documents.heading(document, tr.label(N_("Description")), 2)
        for paragraph in incident.notes.split("\n\n"):
            document.add_paragraph(documents.text(paragraph))
    own = [p for p in entry.photos if p.update_id is None]
    numbered = {id(p): i for i, p in enumerate(entry.photos, 1)}
    if own:
        documents.heading(document, tr.label(N_("Photos")), 2)
        for photo in own:
            _photo(document, photo, numbered[id(photo)], incident.id, tr, budget)
    if entry.voices:
        document.add_paragraph(
            tr.catalog.ngettext(
                "{n} voice note goes with this report: it can be heard from the report's "
                "card in the bot.",
                "{n} voice notes go with this report: they can be heard from the report's "
                "card in the bot.",
                entry.voices,
            ).format(n=tr.number(entry.voices))
        )
    if entry.updates:
        documents.heading(document, tr.label(N_("History")), 2)
        for update in entry.updates:
            document.add_paragraph(_history_line(update, dossier, tr))
            for photo in (p for p in entry.photos if p.update_id == update.id):
                _photo(document, photo, numbered[id(photo)], incident.id, tr, budget)
    documents.heading(document, tr.label(N_("Review")), 2)
    document.add_paragraph(_decision(entry, dossier, tr))


def _fields(entry: DossierEntry, dossier: Dossier, tr: Tr) -> list[tuple[str, str]]:
    incident = entry.incident
    when = tr.date(incident.event_date)
    if incident.date_precision > 1:
        when = tr.label(N_("{date}, approximately")).format(date=when)
    found = [
        (N_("Resource"), _resource(entry, tr)),
        (N_("What happened"), documents.plain(label(EVENTS, incident.sub_event_type, tr))),
        (N_("Date"), when),
        (N_("Place"), _place(entry, tr)),
        (N_("Near the border"), label(BORDER, incident.border, tr)),
    ]
    if entry.coordinates is not None:
        lat, lon = entry.coordinates
        found.append(
            (
                N_("Location pin"),
                f"{lat:.{dossier.coordinate_decimals}f}, {lon:.{dossier.coordinate_decimals}f}",
            )
        )
    found += [
        (N_("Sides"), _sides(entry, tr)),
        (
            N_("Number of people"),
            tr.label(N_("{crowd}; injured: {injured}; dead: {dead}")).format(
                crowd=label(CROWD_SIZES, incident.crowd_size, tr),
                injured=tr.number(incident.injuries),
                dead=tr.number(incident.fatalities),
            ),
        ),
        (N_("Response so far"), label(RESPONSES, incident.response, tr)),
        (N_("Status"), documents.plain(label(STATUSES, incident.status, tr))),
        (N_("Source"), label(SOURCES, incident.source, tr)),
        (N_("Received"), tr.datetime(incident.received_at.astimezone(dossier.zone))),
    ]
    return found


def _resource(entry: DossierEntry, tr: Tr) -> str:
    incident = entry.incident
    if incident.resource == OTHER and incident.resource_other:
        return incident.resource_other
    return documents.plain(label(RESOURCES, incident.resource, tr))


def _place(entry: DossierEntry, tr: Tr) -> str:
    incident = entry.incident
    parts = [p for p in (incident.location, incident.place_other) if p]
    if entry.places:
        parts.append(", ".join(p.name(tr.locale) for p in entry.places))
    return ", ".join(parts) or tr.label(N_("place not given"))


def _sides(entry: DossierEntry, tr: Tr) -> str:
    incident = entry.incident

    def side(kind: str | None, name: str | None) -> str:
        return name or "" if kind == OTHER else label(ACTORS, kind, tr)

    first = side(incident.actor1_type, incident.actor1)
    if incident.actor2_type is None:
        return first
    return f"{first} ↔ {side(incident.actor2_type, incident.actor2)}"


def _history_line(update: IncidentUpdate, dossier: Dossier, tr: Tr) -> str:
    what = documents.plain(label(UPDATE_KINDS, update.kind, tr))
    if update.kind == "followup":
        what += ": " + documents.plain(label(FOLLOWUP_OUTCOMES, update.outcome, tr))
    if update.kind == "response":
        what += ": " + label(RESPONSES, update.response, tr)
    when = tr.datetime(update.at.astimezone(dossier.zone))
    line = f"{when} — {what}"
    return documents.text(f"{line}: {update.text}" if update.text else line)


def _decision(entry: DossierEntry, dossier: Dossier, tr: Tr) -> str:
    decision = entry.decision
    if decision.status == "duplicate" and decision.duplicate_of:
        text = tr.label(N_("Duplicate of report {original}")).format(
            original=report_number(decision.duplicate_of)
        )
    else:
        text = documents.plain(label(REVIEW_STATUSES, decision.status, tr))
    if decision.at is not None:
        on = tr.date(decision.at.astimezone(dossier.zone).date())
        text += ", " + tr.label(N_("decided on {date}")).format(date=on)
    if decision.reason is not None:
        reason = (
            decision.reason_text
            if decision.reason == OTHER and decision.reason_text
            else documents.plain(label(REJECT_REASONS, decision.reason, tr))
        )
        text += ". " + tr.label(N_("Reason: {reason}")).format(reason=reason)
    return documents.text(documents.sentence(text + "."))


def _photo(
    document: Any, photo: DossierPhoto, index: int, number: int, tr: Tr, budget: _Budget
) -> None:
    """The photo, or a line saying why it is not here."""
    problem = photo.state if photo.path is None or photo.state != "stored" else None
    printable: tuple[bytes, int, int] | None = None
    if problem is None:
        assert photo.path is not None
        try:
            data = photo.path.read_bytes()
        except OSError:
            data = b""
        if not data or hashlib.sha256(data).hexdigest() != photo.sha256:
            problem = "damaged"
        else:
            printable = _printable(data)
            if printable is None:
                problem = "unreadable"
            elif len(printable[0]) > budget.left:
                problem = "budget"
    if problem is not None or printable is None:
        missing = MISSING.get(problem or "missing", MISSING["missing"])
        paragraph = document.add_paragraph()
        paragraph.add_run(tr.label(missing).format(index=index)).italic = True
        return
    data, width, height = printable
    budget.left -= len(data)
    size = min(PHOTO_WIDTH_CM, PHOTO_HEIGHT_CM * width / height)
    document.add_picture(io.BytesIO(data), width=Cm(size))
    caption = tr.label(N_("Photo {index} of report {number}")).format(
        index=index, number=report_number(number)
    )
    document.add_paragraph(caption, style="Caption")


def _printable(data: bytes) -> tuple[bytes, int, int] | None:
    """The photo as a JPEG of at most LONGEST_SIDE pixels, upright, without metadata."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened) or opened
            image = image.convert("RGB")
            image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), image.width, image.height
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
