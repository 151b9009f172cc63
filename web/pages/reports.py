"""Reports: the table (filtered, sorted, paged) and one report's page with its photos and voice.

A report's page shows every answer, its history and its review, read through
`IncidentRules.report_page`: a report out of the reader's reach is answered exactly as a
missing one (404). Review itself stays in the chat. Photos and voice notes are served by
`report_file` below, only to those who may see the report.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from bot.core.errors import StaleButton
from bot.forms.incident import (
    BORDER,
    EVENTS,
    REJECT_REASONS,
    RESPONSES,
    SOURCES,
    STATUSES,
)
from bot.forms.incident_labels import REVIEW_STATUSES, UPDATE_KINDS, label, report_number
from bot.i18n import N_, Tr
from bot.records.dashboard import ReportSort
from bot.rules.incidents import IncidentRules, ReportPage, ReportTable, ReviewDecision
from handlers.incidents.screens import (
    date_text,
    people_text,
    place_text,
    resource_text,
    review_status_text,
    sides_text,
)
from web.context import MEDIA, Viewer, signed_in
from web.filters import TableOrder, filter_query, report_filter, table_order, url
from web.html import Child, Markup, join, tag
from web.layout import filter_bar, page

COLUMNS: tuple[tuple[str, ReportSort | None], ...] = (
    (N_("Number"), ReportSort.NUMBER),
    (N_("Date"), ReportSort.EVENT_DATE),
    (N_("Place"), None),
    (N_("Resource"), ReportSort.RESOURCE),
    (N_("What happened"), None),
    (N_("Review"), ReportSort.REVIEW),
    (N_("Received"), ReportSort.RECEIVED),
)


def _order_query(order: TableOrder) -> dict[str, str]:
    return {"sort": order.sort.value, "dir": "desc" if order.descending else "asc"}


def table(shown: ReportTable, tr: Tr, query: Mapping[str, str]) -> Markup:
    """The table with sortable headings and a row per report."""
    heads = []
    for name, sort in COLUMNS:
        if sort is None:
            heads.append(tag("th", tr.gettext(name), scope="col"))
            continue
        current = shown.sort is sort
        descending = not shown.descending if current else sort is not ReportSort.RESOURCE
        arrow = (" ▼" if shown.descending else " ▲") if current else ""
        link = url(
            "/reports",
            query,
            {"sort": sort.value, "dir": "desc" if descending else "asc"},
            {"page": None},
        )
        heads.append(
            tag(
                "th",
                tag("a", tr.gettext(name), arrow, href=link),
                scope="col",
                aria_sort=("descending" if shown.descending else "ascending") if current else None,
            )
        )
    zone = None
    rows = []
    for line in shown.lines:
        incident = line.incident
        zone = zone or incident.received_at.tzinfo
        place = ", ".join(p.name(tr.locale) for p in line.places[:2]) or incident.place_other or ""
        rows.append(
            tag(
                "tr",
                tag(
                    "td",
                    tag("a", report_number(incident.id), href=f"/reports/{incident.id}"),
                    " 🚨" if incident.urgent else None,
                ),
                tag("td", tr.short_date(incident.event_date)),
                tag("td", place),
                tag("td", resource_text(incident, tr)),
                tag("td", label(EVENTS, incident.sub_event_type, tr)),
                tag("td", review_status_text(incident, tr)),
                tag("td", tr.short_date(incident.received_at.date())),
                data_report=incident.id,
            )
        )
    if not rows:
        return tag("p", tr.gettext(N_("No reports match these filters.")), class_="empty")
    return tag(
        "div",
        tag("table", tag("thead", tag("tr", heads)), tag("tbody", rows), class_="reports"),
        class_="scroll",
    )


def pager(shown: ReportTable, tr: Tr, query: Mapping[str, str]) -> Markup:
    """Which rows these are, and links to the previous and next pages."""
    paging = shown.paging
    last = min(paging.offset + paging.per_page, paging.total)
    where = tr.gettext(
        N_("Reports {first}–{last} of {total}"),
        first=tr.number(paging.first if paging.total else 0),
        last=tr.number(last),
        total=tr.number(paging.total),
    )
    links: list[Child] = []
    if paging.has_previous:
        links.append(
            tag(
                "a",
                "← ",
                tr.pgettext("button", "Previous"),
                href=url("/reports", query, {"page": str(paging.page)}),
                rel="prev",
            )
        )
    if paging.has_next:
        links.append(
            tag(
                "a",
                tr.pgettext("button", "Next"),
                " →",
                href=url("/reports", query, {"page": str(paging.page + 2)}),
                rel="next",
            )
        )
    return tag(
        "nav",
        tag("span", where, id="report-count", data_total=paging.total),
        links,
        class_="pager",
    )


@signed_in
async def reports_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The reports table for the filter, sorted, paged."""
    where = report_filter(request.query)
    order = table_order(request.query)
    incidents = viewer.rules(IncidentRules)
    choices = incidents.filter_choices(viewer.actor, where.place)
    shown = await incidents.report_table(
        viewer.actor, where, sort=order.sort, descending=order.descending, page=order.page
    )
    tr = viewer.tr
    query = {**filter_query(where), **_order_query(order)}
    body = [
        filter_bar(tr, "/reports", choices, where, keep=_order_query(order)),
        pager(shown, tr, query),
        table(shown, tr, query),
    ]
    return page(
        viewer, request, title=tr.gettext(N_("Reports")), body=body, active="/reports", wide=True
    )


def _field(tr: Tr, name: str, value: Child) -> Markup:
    return Markup(tag("dt", tr.gettext(name)) + tag("dd", value))


def answers(report: ReportPage, tr: Tr) -> Markup:
    """Every answer of the report."""
    card = report.card
    incident = card.incident
    fields = [
        _field(tr, N_("Resource"), resource_text(incident, tr)),
        _field(tr, N_("What happened"), label(EVENTS, incident.sub_event_type, tr)),
        _field(tr, N_("Date"), date_text(incident, tr)),
        _field(tr, N_("Place"), place_text(incident, card.places, tr)),
        _field(tr, N_("Near the border"), label(BORDER, incident.border, tr)),
    ]
    if card.coordinates is not None:
        lat, lon = card.coordinates
        fields.append(_field(tr, N_("Location pin"), f"{lat}, {lon}"))
    fields += [
        _field(tr, N_("Sides"), sides_text(incident, tr)),
        _field(tr, N_("Number of people"), people_text(incident, tr)),
        _field(tr, N_("Response so far"), label(RESPONSES, incident.response, tr)),
        _field(tr, N_("Status"), label(STATUSES, incident.status, tr)),
        _field(tr, N_("Source"), label(SOURCES, incident.source, tr)),
        _field(
            tr,
            N_("Reported by"),
            tr.gettext(N_("anonymous")) if incident.anonymous else card.reporter or "—",
        ),
        _field(tr, N_("Received"), tr.datetime(incident.received_at.astimezone(card.zone))),
    ]
    if incident.notes:
        fields.append(_field(tr, N_("Description"), tag("span", incident.notes, class_="text")))
    return tag("dl", fields, class_="answers")


def decision_text(decision: ReviewDecision, report: ReportPage, tr: Tr) -> Child:
    """What a review step decided, with its reason."""
    what = label(REVIEW_STATUSES, decision.to_status, tr)
    reason = decision.reason or ""
    if decision.to_status == "rejected" and reason:
        code, _, typed = reason.partition(":")
        why = label(REJECT_REASONS, code, tr) + (f": {typed}" if typed else "")
        return [what, " — ", why]
    if decision.to_status == "duplicate" and report.card.incident.duplicate_of:
        original = report.card.incident.duplicate_of
        name = report_number(original)
        shown: Child = (
            tag("a", name, href=f"/reports/{original}") if report.duplicate_of_visible else name
        )
        return [what, " — ", shown]
    if decision.to_status == "question" and reason:
        return [what, ": ", tag("q", reason)]
    return what


def review(report: ReportPage, tr: Tr) -> Markup:
    """Where the review stands, and each decision taken, newest last."""
    zone = report.card.zone
    items = [
        tag(
            "li",
            tag("time", tr.datetime(d.at.astimezone(zone))),
            " — ",
            decision_text(d, report, tr),
        )
        for d in report.decisions
    ]
    now = tag(
        "p", tag("strong", review_status_text(report.card.incident, tr)), class_="review-now"
    )
    flagged = report.card.flagged_duplicate  # while it waits: the same place and resource
    if flagged:
        now = join(
            [
                now,
                tag(
                    "p",
                    "⚠️ ",
                    tr.gettext(
                        N_("Possible duplicate of report {other}: same aiyl aimak and resource."),
                        other=report_number(flagged),
                    ),
                    " ",
                    tag("a", tr.pgettext("button", "Open the report"), href=f"/reports/{flagged}"),
                ),
            ]
        )
    note = tag(
        "p",
        tr.gettext(N_("Reports are reviewed in the chat with the bot: /review.")),
        class_="note",
    )
    return Markup(now + (tag("ol", items, class_="decisions") if items else "") + note)


def history(report: ReportPage, tr: Tr) -> Markup:
    """The report's update history, oldest first."""
    card = report.card
    if not card.updates:
        return tag("p", tr.gettext(N_("No news since the report was sent.")))
    rows = []
    for update in card.updates:
        what = label(UPDATE_KINDS, update.kind, tr)
        if update.kind == "response" and update.response:
            what += ": " + label(RESPONSES, update.response, tr)
        rows.append(
            tag(
                "tr",
                tag("td", tr.datetime(update.at.astimezone(card.zone))),
                tag("td", what),
                tag("td", update.text or ""),
            )
        )
    return tag("div", tag("table", tag("tbody", rows), class_="history"), class_="scroll")


def files(report: ReportPage, tr: Tr) -> Markup:
    """The photos and voice notes, served by /media/reports/<number>/<index>."""
    number = report.card.incident.id
    shown = []
    photo = voice = 0
    for index, attachment in enumerate(report.card.attachments):
        src = f"/media/reports/{number}/{index}"
        if attachment.type == "photo":
            photo += 1
            alt = tr.gettext(N_("Photo {n}"), n=tr.number(photo))
            shown.append(
                tag(
                    "figure",
                    tag("a", tag("img", src=src, alt=alt, loading="lazy"), href=src),
                    class_="photo",
                )
            )
        elif attachment.type == "voice":
            voice += 1
            name = tr.gettext(N_("Voice note {n}"), n=tr.number(voice))
            shown.append(
                tag(
                    "figure",
                    tag("figcaption", name),
                    tag("audio", controls=True, preload="none", src=src),
                    class_="voice",
                )
            )
    if not shown:
        return tag("p", tr.gettext(N_("No photos or voice notes.")))
    return tag("div", shown, class_="files")


@signed_in
async def report_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """One report in the reader's reach; out of reach or missing is 404."""
    number = _number(request.match_info["number"])
    report = await viewer.rules(IncidentRules).report_page(viewer.actor, number)
    tr = viewer.tr
    incident = report.card.incident
    title = tr.gettext(N_("Report {number}"), number=report_number(incident.id))
    body = [
        tag("p", tr.gettext(N_("Urgent")), class_="badge urgent") if incident.urgent else None,
        tag("section", tag("h2", tr.gettext(N_("Answers"))), answers(report, tr)),
        tag("section", tag("h2", tr.gettext(N_("Photos and voice notes"))), files(report, tr)),
        tag("section", tag("h2", tr.gettext(N_("Review"))), review(report, tr)),
        tag("section", tag("h2", tr.gettext(N_("History"))), history(report, tr)),
    ]
    return page(viewer, request, title=title, body=body, active="/reports")


def _number(text: str) -> int:
    """A report number from the address; anything else is a report that does not exist."""
    if not text.isdigit() or not text.isascii() or len(text) > 18:
        raise StaleButton
    return int(text)


@signed_in
async def report_file(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """A photo or voice note of a report in reach, through the media port."""
    number = _number(request.match_info["number"])
    index = _number(request.match_info["index"])
    attachment = await viewer.rules(IncidentRules).report_file(viewer.actor, number, index)
    found = await request.app[MEDIA](attachment)
    if found is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=found.data,
        content_type=found.content_type,
        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"},
    )
