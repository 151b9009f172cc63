"""How incident reports read: cards, the reporter's list, alerts and notices, in any language.

Pure functions of the records `bot/rules/incidents.py` returns and a translator: who may see
a name or an exact pin was decided there. Review's screens (handlers/review) reuse the card.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.forms.incident import (
    ACTORS,
    BORDER,
    CROWD_SIZES,
    EVENTS,
    FOLLOWUP_OUTCOMES,
    OTHER,
    RESOURCES,
    RESPONSES,
    SOURCES,
    STATUSES,
)
from bot.forms.incident_labels import REVIEW_STATUSES, UPDATE_KINDS, label, report_number
from bot.gazetteer import Place
from bot.i18n import N_, Safe, Tr, escape
from bot.records.incidents import Incident, IncidentAttachment, IncidentUpdate
from bot.rules.incidents import (
    Alerted,
    AlertRerouted,
    FollowupQuestion,
    FollowupReply,
    MediaList,
    ReportCard,
    UncoveredArea,
    UrgentAlert,
)
from handlers.incidents.buttons import (
    CODEC,
    AddNews,
    AnswerFollowup,
    MyReport,
    MyReports,
    OpenReport,
    Said,
)
from handlers.plumbing.screen import Attachment, Button, Screen

NOTE_PREVIEW = 300
HISTORY_SHOWN = 10
RESOURCE_IN_LIST = 30  # characters of the resource on a list button

# What the reporter is told when she says a report got worse, by who is told.
WORSE_RECEIPTS: dict[str, str] = {
    Alerted.COORDINATORS: N_(
        "Thank you. The coordinators of this area are told that report {number} got worse. "
        "Please add details in /myreports."
    ),
    Alerted.ADMINISTRATORS: N_(
        "Thank you. No coordinator covers this area yet, so the administrators are told that "
        "report {number} got worse. Please add details in /myreports."
    ),
    Alerted.NOBODY: N_(
        "Thank you. Report {number} is marked as worse, but no coordinator or administrator "
        "can be reached right now; it will be reviewed. Please add details in /myreports."
    ),
}
FOLLOWUP_THANKS = {
    "resolved": N_("Thank you! Report {number} is marked as resolved."),
    "open": N_("Thank you! Report {number} stays open; add news any time in /myreports."),
}


# ---------------------------------------------------------------------- parts of a report


def resource_text(incident: Incident, tr: Tr) -> str:
    """The resource disputed, as typed for "something else"."""
    if incident.resource == OTHER and incident.resource_other:
        return incident.resource_other
    return label(RESOURCES, incident.resource, tr)


def place_text(incident: Incident, places: Sequence[Place], tr: Tr) -> str:
    """The village, the typed place and the place path, most precise first."""
    parts = []
    if incident.location:
        parts.append(incident.location)
    if incident.place_other:
        parts.append(incident.place_other)
    if places:
        parts.append(", ".join(p.name(tr.locale) for p in places))
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


def field(tr: Tr, name: str, value: str) -> str:
    """One `<b>Name:</b> value` line; the value is escaped here."""
    return f"<b>{tr.gettext(name)}:</b> {escape(value)}"


def review_status_text(incident: Incident, tr: Tr) -> str:
    """Where the review stands: verified, a duplicate of which report, ..."""
    if incident.review_status == "duplicate" and incident.duplicate_of:
        return tr.gettext(
            N_("🔁 Duplicate of report {original}"),
            original=report_number(incident.duplicate_of),
        )
    return label(REVIEW_STATUSES, incident.review_status, tr)


def reporter_text(card: ReportCard, tr: Tr) -> str | None:
    """The "Reported by" value, or None to leave the line out."""
    if not card.shows_reporter:
        return None
    if not card.incident.anonymous:
        return card.reporter
    if card.reporter is None:
        return tr.gettext(N_("anonymous"))
    return tr.gettext(N_("{name} (anonymous: only administrators see this)"), name=card.reporter)


def media_text(attachments: Sequence[IncidentAttachment], tr: Tr) -> str:
    photos = sum(1 for a in attachments if a.type == "photo")
    voices = sum(1 for a in attachments if a.type == "voice")
    parts = []
    if photos:
        parts.append("🖼 " + tr.ngettext("{n} photo", "{n} photos", photos))
    if voices:
        parts.append("🎤 " + tr.ngettext("{n} voice note", "{n} voice notes", voices))
    return " · ".join(parts)


def history_line(update: IncidentUpdate, tr: Tr, card: ReportCard) -> str:
    """`• date — what: text` for one update."""
    what = label(UPDATE_KINDS, update.kind, tr)
    if update.kind == "followup":
        what += ": " + label(FOLLOWUP_OUTCOMES, update.outcome, tr)
    if update.kind == "response":
        what += ": " + label(RESPONSES, update.response, tr)
    text = update.text or ""
    if len(text) > NOTE_PREVIEW:
        text = text[:NOTE_PREVIEW] + "…"
    when = tr.datetime(update.at.astimezone(card.zone))
    return f"• {when} — {escape(what)}" + (f": <i>{escape(text)}</i>" if text else "")


def report_text(card: ReportCard, tr: Tr) -> Safe:
    """The whole report, with its files counted and the last entries of its history."""
    incident = card.incident
    title = tr.gettext(N_("Report {number}"), number=report_number(incident.id))
    lines = [f"<b>{title}</b>" + (" · 🚨" if incident.urgent else "")]
    lines.append(field(tr, N_("Resource"), resource_text(incident, tr)))
    lines.append(field(tr, N_("What happened"), label(EVENTS, incident.sub_event_type, tr)))
    lines.append(field(tr, N_("Date"), date_text(incident, tr)))
    lines.append(field(tr, N_("Place"), place_text(incident, card.places, tr)))
    lines.append(field(tr, N_("Near the border"), label(BORDER, incident.border, tr)))
    if card.coordinates is not None:
        lat, lon = card.coordinates
        lines.append(field(tr, N_("Location pin"), f"📍 {lat}, {lon}"))
    lines.append(field(tr, N_("Sides"), sides_text(incident, tr)))
    lines.append(field(tr, N_("Number of people"), people_text(incident, tr)))
    lines.append(field(tr, N_("Response so far"), label(RESPONSES, incident.response, tr)))
    lines.append(field(tr, N_("Status"), label(STATUSES, incident.status, tr)))
    lines.append(field(tr, N_("Source"), label(SOURCES, incident.source, tr)))
    reporter = reporter_text(card, tr)
    if reporter is not None:
        lines.append(field(tr, N_("Reported by"), reporter))
    received = tr.datetime(incident.received_at.astimezone(card.zone))
    lines.append(field(tr, N_("Received"), received))
    lines.append(field(tr, N_("Review"), review_status_text(incident, tr)))
    lines.extend(_report_after_fields(card, tr))
    return Safe("\n".join(lines))


def _report_after_fields(card: ReportCard, tr: Tr) -> list[str]:
    """Below the fields: a duplicate warning, the description, the files, the history."""
    lines: list[str] = []
    if card.flagged_duplicate:
        lines.append(
            "⚠️ "
            + tr.gettext(
                N_("Possible duplicate of report {other}: same aiyl aimak and resource."),
                other=report_number(card.flagged_duplicate),
            )
        )
    if card.incident.notes:
        heading = tr.gettext(N_("Description"))
        lines.append(f"<b>{heading}:</b>\n{escape(card.incident.notes)}")
    media = media_text(card.attachments, tr)
    if media:
        lines.append(media)
    if card.updates:
        heading = tr.gettext(N_("History"))
        lines.append(f"<b>{heading}:</b>")
        lines.extend(history_line(u, tr, card) for u in card.updates[-HISTORY_SHOWN:])
    return lines


def open_report_button(number: int, tr: Tr) -> Button:
    """Opens a report for review (alerts, answers, notices)."""
    return Button("🔎 " + tr.pgettext("button", "Open report"), CODEC.encode(OpenReport(number)))


# ---------------------------------------------------------------------- the reporter's


def my_reports(reports: Sequence[Incident], tr: Tr) -> Screen:
    """/myreports: the person's reports, newest first, each a button."""
    if not reports:
        return Screen(tr.gettext(N_("You have not sent any reports yet. /report starts one.")))
    return Screen(
        tr.gettext(N_("Your reports, newest first. Open one to see it or add news.")),
        tuple((list_button(i, tr),) for i in reports),
    )


def list_button(incident: Incident, tr: Tr) -> Button:
    """One report in a list: number, resource, date, status."""
    status = label(STATUSES, incident.status, tr)
    text = (
        f"{report_number(incident.id)} · {resource_text(incident, tr)[:RESOURCE_IN_LIST]} · "
        f"{tr.short_date(incident.event_date)} · {status}"
    )
    return Button(text, CODEC.encode(MyReport(incident.id)))


def my_report(card: ReportCard, tr: Tr) -> Screen:
    """One of the person's reports, its history and an Add-news button."""
    number = card.incident.id
    return Screen(
        report_text(card, tr),
        (
            (Button("➕ " + tr.pgettext("button", "Add news"), CODEC.encode(AddNews(number))),),
            (Button("◀️ " + tr.pgettext("button", "My reports"), CODEC.encode(MyReports(0))),),
        ),
    )


def followup_reply(reply: FollowupReply, tr: Tr) -> Screen:
    """The answer to the reporter's follow-up button; alerts go out after it."""
    if not reply.recorded:
        return Screen(tr.gettext(N_("Thank you, your answer is already recorded.")))
    if reply.alerted is not None:
        text = WORSE_RECEIPTS[reply.alerted]
    else:
        text = FOLLOWUP_THANKS[reply.outcome]
    number = report_number(reply.number)
    return Screen(tr.gettext(text, number=number), after_commit=reply.then)


def media(shown: MediaList, tr: Tr) -> Screen:
    """A report's photos and voice notes, sent again by their Telegram ids."""
    return Screen(
        tr.gettext(
            N_("Photos and voice notes of report {number}:"), number=report_number(shown.number)
        ),
        attachments=tuple(
            Attachment(f"{a.type}-{i}", b"", kind=a.type, file_id=a.file_id)
            for i, a in enumerate(shown.attachments, 1)
        ),
    )


# ---------------------------------------------------------------------- notices


def urgent_alert(notice: UrgentAlert, tr: Tr) -> Screen:
    """The urgent alert a coordinator (or administrator) gets, with a button to the report."""
    incident = notice.incident
    number = report_number(incident.id)
    title = (
        tr.gettext(N_("Got worse: report {number}"), number=number)
        if notice.worse
        else tr.gettext(N_("Urgent: report {number}"), number=number)
    )
    what = f"{label(EVENTS, incident.sub_event_type, tr)} — {resource_text(incident, tr)}"
    lines = [
        f"🚨 <b>{title}</b>",
        field(tr, N_("What happened"), what),
        field(tr, N_("Place"), place_text(incident, notice.places, tr)),
        field(tr, N_("Near the border"), label(BORDER, incident.border, tr)),
        field(tr, N_("Date"), date_text(incident, tr)),
        field(tr, N_("Number of people"), people_text(incident, tr)),
        field(tr, N_("Sides"), sides_text(incident, tr)),
    ]
    if notice.reporter is not None:
        lines.append(field(tr, N_("Reported by"), notice.reporter))
    if notice.via_administrators:
        why = tr.gettext(
            N_(
                "No coordinator covering this place could be reached, so this alert "
                "comes to the administrators."
            )
        )
        lines.append(f"\nℹ️ {why}")
    return Screen(Safe("\n".join(lines)), ((open_report_button(incident.id, tr),),))


def alert_rerouted(notice: AlertRerouted, tr: Tr) -> Screen:
    """To the reporter, after her receipt: where the urgent alert really went."""
    if notice.reached is Alerted.ADMINISTRATORS:
        message = N_(
            "About report {number}: the coordinators of this area could not be reached, so "
            "the administrators were alerted instead."
        )
    else:
        message = N_(
            "About report {number}: nobody could be alerted right now, neither the "
            "coordinators nor the administrators. The report is kept and will be reviewed."
        )
    return Screen("ℹ️ " + tr.gettext(message, number=report_number(notice.incident.id)))


def uncovered_area(notice: UncoveredArea, tr: Tr) -> Screen:
    """To administrators, once a week per rayon: reports come from where nobody reviews."""
    area = (
        notice.region.name(tr.locale)
        if notice.region is not None
        else tr.gettext(N_("all of Kyrgyzstan"))
    )
    text = tr.gettext(
        N_(
            "Report {number} came from {place}, where no coordinator works, so nobody "
            "there reviews it. To give {area} a coordinator: /invite coordinator {code}, "
            "or ayilbot admin grant USER_ID coordinator {code}. I say this once a week "
            "for each rayon."
        ),
        number=report_number(notice.incident.id),
        place=place_text(notice.incident, notice.places, tr),
        area=area,
        code=notice.region_code,
    )
    return Screen("ℹ️ " + text, ((open_report_button(notice.incident.id, tr),),))


def followup_question(notice: FollowupQuestion, tr: Tr) -> Screen:
    """To the reporter, once, after a week without news: is it resolved?"""
    incident = notice.incident
    text = tr.gettext(
        N_(
            "There has been no news about your report {number} ({what}, {place}) for a "
            "week. Is it resolved now?"
        ),
        number=report_number(incident.id),
        what=resource_text(incident, tr),
        place=place_text(incident, notice.places, tr),
    )
    buttons = tuple(
        (Button(o.text(tr), CODEC.encode(AnswerFollowup(incident.id, Said.of(o.value)))),)
        for o in FOLLOWUP_OUTCOMES
    )
    return Screen(text, buttons)
