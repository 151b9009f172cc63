"""How incident reports read: cards, lists, alerts and notices, in the reader's language.

Pure functions of records and a translator; who may see what (names, exact coordinates) is
decided in `bot/services/incidents.py` and handed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.forms.engine import option_list
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
from bot.forms.kinds import Option
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Safe, Tr, escape
from bot.screen import Button, Screen
from storage.incidents import Incident, IncidentAttachment, IncidentUpdate

REVIEW_STATUSES = option_list(
    (
        ("pending", N_("Waiting for review")),
        ("verified", N_("✅ Verified")),
        ("question", N_("❓ Question asked to the reporter")),
        ("duplicate", N_("🔁 Duplicate")),
        ("rejected", N_("✖️ Rejected")),
    )
)
UPDATE_KINDS = option_list(
    (
        ("info", N_("📝 New information")),
        ("response", N_("🤝 A response was taken")),
        ("resolved", N_("✅ It is resolved")),
        ("reopened", N_("⚠️ It started again")),
        ("followup", N_("📅 Weekly check")),
        ("question", N_("❓ Coordinator's question")),
        ("answer", N_("💬 Reporter's answer")),
    )
)
NOTE_PREVIEW = 300
# Menu entries and command descriptions (bot/menu.py lists them).
MENU_REPORT = N_("📝 Report an incident")
MENU_MY_REPORTS = N_("📋 My reports")
MENU_REVIEW = N_("🔎 Review reports")
COMMAND_REPORT = N_("Report an incident")
COMMAND_MY_REPORTS = N_("My reports and their news")
COMMAND_REVIEW = N_("Review the reports of your area")
HISTORY_SHOWN = 10


def label(options: Sequence[Option], value: str | None, tr: Tr) -> str:
    """The reader's label for a stored code (the code itself when unknown)."""
    for option in options:
        if option.value == value:
            return option.text(tr)
    return value or ""


def report_number(number: int) -> str:
    """`№ 123`: how every message names a report."""
    return f"№ {number}"


def resource_text(incident: Incident, tr: Tr) -> str:
    if incident.resource == OTHER and incident.resource_other:
        return incident.resource_other
    return label(RESOURCES, incident.resource, tr)


def place_text(incident: Incident, gazetteer: Gazetteer, tr: Tr) -> str:
    """The place path, the typed place and the village, most precise first."""
    parts = []
    if incident.location:
        parts.append(incident.location)
    if incident.place_other:
        parts.append(incident.place_other)
    code = incident.place_code
    if code and code in gazetteer:
        parts.append(gazetteer.path_name(code, tr.locale))
    return ", ".join(parts) or tr.gettext(N_("place not given"))


def date_text(incident: Incident, tr: Tr) -> str:
    shown = tr.date(incident.event_date)
    if incident.date_precision > 1:
        return tr.gettext(N_("{date}, approximately"), date=shown)
    return shown


def sides_text(incident: Incident, tr: Tr) -> str:
    def side(kind: str | None, name: str | None) -> str:
        return name or "" if kind == OTHER else label(ACTORS, kind, tr)

    first = side(incident.actor1_type, incident.actor1)
    if incident.actor2_type is None:
        return first
    return f"{first} ↔ {side(incident.actor2_type, incident.actor2)}"


def people_text(incident: Incident, tr: Tr) -> Safe:
    return tr.gettext(
        N_("{crowd}; injured: {injured}; dead: {dead}"),
        crowd=label(CROWD_SIZES, incident.crowd_size, tr),
        injured=tr.number(incident.injuries),
        dead=tr.number(incident.fatalities),
    )


def _field(tr: Tr, name: str, value: str) -> str:
    """One `<b>Name:</b> value` line; the value is escaped here."""
    return f"<b>{tr.gettext(name)}:</b> {escape(value)}"


def review_status_text(incident: Incident, tr: Tr) -> str:
    if incident.review_status == "duplicate" and incident.duplicate_of:
        return tr.gettext(
            N_("🔁 Duplicate of report {original}"),
            original=report_number(incident.duplicate_of),
        )
    return label(REVIEW_STATUSES, incident.review_status, tr)


def card(
    incident: Incident,
    tr: Tr,
    gazetteer: Gazetteer,
    zone: tzinfo,
    *,
    reporter: str | None,
    coordinates: tuple[float, float] | None,
    attachments: Sequence[IncidentAttachment],
    updates: Sequence[IncidentUpdate],
) -> str:
    """The whole report; `reporter` is the name line shown, or None to leave it out."""
    title = tr.gettext(N_("Report {number}"), number=report_number(incident.id))
    lines = [f"<b>{title}</b>" + (" · 🚨" if incident.urgent else "")]
    lines.append(_field(tr, N_("Resource"), resource_text(incident, tr)))
    lines.append(_field(tr, N_("What happened"), label(EVENTS, incident.sub_event_type, tr)))
    lines.append(_field(tr, N_("Date"), date_text(incident, tr)))
    lines.append(_field(tr, N_("Place"), place_text(incident, gazetteer, tr)))
    lines.append(_field(tr, N_("Near the border"), label(BORDER, incident.border, tr)))
    if coordinates is not None:
        lines.append(_field(tr, N_("Location pin"), f"📍 {coordinates[0]}, {coordinates[1]}"))
    lines.append(_field(tr, N_("Sides"), sides_text(incident, tr)))
    lines.append(_field(tr, N_("Number of people"), people_text(incident, tr)))
    lines.append(_field(tr, N_("Response so far"), label(RESPONSES, incident.response, tr)))
    lines.append(_field(tr, N_("Status"), label(STATUSES, incident.status, tr)))
    lines.append(_field(tr, N_("Source"), label(SOURCES, incident.source, tr)))
    if reporter is not None:
        lines.append(_field(tr, N_("Reported by"), reporter))
    lines.append(_field(tr, N_("Received"), tr.datetime(incident.received_at.astimezone(zone))))
    lines.append(_field(tr, N_("Review"), review_status_text(incident, tr)))
    if incident.possible_duplicate_of and incident.review_status in ("pending", "question"):
        lines.append(
            "⚠️ "
            + tr.gettext(
                N_("Possible duplicate of report {other}: same aiyl aimak and resource."),
                other=report_number(incident.possible_duplicate_of),
            )
        )
    if incident.notes:
        heading = tr.gettext(N_("Description"))
        lines.append(f"<b>{heading}:</b>\n{escape(incident.notes)}")
    media = media_text(attachments, tr)
    if media:
        lines.append(media)
    if updates:
        heading = tr.gettext(N_("History"))
        lines.append(f"<b>{heading}:</b>")
        lines.extend(history_line(u, tr, zone) for u in updates[-HISTORY_SHOWN:])
    return "\n".join(lines)


def media_text(attachments: Sequence[IncidentAttachment], tr: Tr) -> str:
    photos = sum(1 for a in attachments if a.type == "photo")
    voices = sum(1 for a in attachments if a.type == "voice")
    parts = []
    if photos:
        parts.append("🖼 " + tr.ngettext("{n} photo", "{n} photos", photos))
    if voices:
        parts.append("🎤 " + tr.ngettext("{n} voice note", "{n} voice notes", voices))
    return " · ".join(parts)


def history_line(update: IncidentUpdate, tr: Tr, zone: tzinfo) -> str:
    """`• date — what: text` for one update."""
    what = label(UPDATE_KINDS, update.kind, tr)
    if update.kind == "followup":
        what += ": " + label(FOLLOWUP_OUTCOMES, update.outcome, tr)
    if update.kind == "response":
        what += ": " + label(RESPONSES, update.response, tr)
    text = update.text or ""
    if len(text) > NOTE_PREVIEW:
        text = text[:NOTE_PREVIEW] + "…"
    when = tr.datetime(update.at.astimezone(zone))
    return f"• {when} — {escape(what)}" + (f": <i>{escape(text)}</i>" if text else "")


def alert(
    incident: Incident, tr: Tr, gazetteer: Gazetteer, *, reporter: str | None, worse: bool
) -> Screen:
    """The urgent alert a coordinator gets, with a button that opens the report."""
    title = (
        tr.gettext(N_("Got worse: report {number}"), number=report_number(incident.id))
        if worse
        else tr.gettext(N_("Urgent: report {number}"), number=report_number(incident.id))
    )
    what = f"{label(EVENTS, incident.sub_event_type, tr)} — {resource_text(incident, tr)}"
    lines = [
        f"🚨 <b>{title}</b>",
        _field(tr, N_("What happened"), what),
        _field(tr, N_("Place"), place_text(incident, gazetteer, tr)),
        _field(tr, N_("Near the border"), label(BORDER, incident.border, tr)),
        _field(tr, N_("Date"), date_text(incident, tr)),
        _field(tr, N_("Number of people"), people_text(incident, tr)),
        _field(tr, N_("Sides"), sides_text(incident, tr)),
    ]
    if reporter is not None:
        lines.append(_field(tr, N_("Reported by"), reporter))
    return Screen(
        Safe("\n".join(lines)),
        ((Button("🔎 " + tr.pgettext("button", "Open report"), f"inc:o:{incident.id}"),),),
    )


def list_button(incident: Incident, tr: Tr) -> Button:
    """One report in a list: number, resource, date, status."""
    status = label(STATUSES, incident.status, tr)
    text = (
        f"{report_number(incident.id)} · {resource_text(incident, tr)[:30]} · "
        f"{tr.short_date(incident.event_date)} · {status}"
    )
    return Button(text, f"inc:m:{incident.id}")


def reject_reason(code: str, typed: str | None, tr: Tr) -> str:
    """The rejection reason in the reader's language."""
    return typed if code == OTHER and typed else label(REJECT_REASONS, code, tr)
