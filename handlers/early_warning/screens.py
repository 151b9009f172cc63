"""How early warning reads: reasons, alerts, the watch list, a place's weeks, its reports, the
digest's watch list and heat table. Pure functions of records and a translator; which places a
person sees is decided in bot/rules/early_warning.py. No reporter is named anywhere here.
"""

from __future__ import annotations

from bot.forms.incident import EVENTS, OTHER, RESOURCES
from bot.forms.incident_labels import label, report_number
from bot.i18n import N_, Safe, Tr, escape
from bot.outputs.heat_table import HeatRow, heat_table_png
from bot.records.early_warning import PlaceReport
from bot.rules.early_warning import (
    Flag,
    HeatGrid,
    Locality,
    PlaceReports,
    PlaceWeeks,
    Reason,
    TensionAlert,
    Watched,
    WatchList,
    WatchSection,
)
from handlers.early_warning.buttons import CODEC, OpenReports, OpenWatch, OpenWeeks
from handlers.incidents.buttons import CODEC as INCIDENTS
from handlers.incidents.buttons import OpenReport
from handlers.plumbing.screen import Attachment, Button, Screen

BAR_WIDTH = 8
SMALLEST_SHOWN = 0.05  # a rate below this rounds to 0 with one decimal
STATE_MARK = {"rising": "🔺", "calming": "🔻"}
RESOURCE_ON_BUTTON = 30  # characters of a report's resource on its button
DATE_ON_BUTTON = 5  # `18.11`: the day and month of a short date


def decimal(tr: Tr, value: float) -> str:
    """A rate or score with at most one decimal, in the reader's locale."""
    return tr.number(round(value, 1))


def rate(tr: Tr, value: float) -> str:
    """Reports a week: one decimal, or two where one would round a few reports down to 0."""
    if 0 < value < SMALLEST_SHOWN:
        return tr.number(max(round(value, 2), 0.01))
    return decimal(tr, value)


def _severity(reason: Reason, tr: Tr) -> list[str]:
    score = decimal(tr, reason.severity)
    if reason.none_before:
        against = tr.gettext(
            N_("severity score {score} this week, with no reports before"), score=score
        )
    else:
        against = tr.gettext(
            N_("severity score {score} this week against {baseline} a week before"),
            score=score,
            baseline=decimal(tr, reason.baseline_severity),
        )
    return [against, tr.ngettext("from {n} report", "from {n} reports", reason.reports)]


def _test(reason: Reason, tr: Tr) -> list[str]:
    """What the test found: a count, a severity or an agreement."""
    if reason.test == "severity":
        return _severity(reason, tr)
    if reason.test == "agreement":
        return [
            tr.ngettext(
                "{n} agreement reached this week",
                "{n} agreements reached this week",
                reason.agreements,
            )
        ]
    if reason.none_before:
        return [
            tr.ngettext(
                "{n} report this week, none before",
                "{n} reports this week, none before",
                reason.reports,
            )
        ]
    return [
        tr.ngettext(
            "{n} report this week against {baseline} a week before",
            "{n} reports this week against {baseline} a week before",
            reason.reports,
            baseline=rate(tr, reason.baseline),
        )
    ]


def reason_text(reason: Reason, tr: Tr) -> str:
    """`5 reports this week against 0.8 a week before; 2 with a physical clash; water`.

    Where nothing was reported before it says so (`none before`), not the floor the test
    assumes; the rayon's usual level is named only where there was one.
    """
    parts = _test(reason, tr)
    if reason.borrowed and reason.test != "agreement" and not reason.none_before:
        parts.append(tr.gettext(N_("usual level: the rayon's average per aiyl aimak")))
    if reason.test == "quiet":
        parts.append(tr.gettext(N_("well below the usual level after rising tension")))
    if reason.clashes:
        parts.append(
            tr.ngettext("{n} with a physical clash", "{n} with a physical clash", reason.clashes)
        )
    if reason.injured:
        parts.append(tr.ngettext("{n} injured", "{n} injured", reason.injured))
    if reason.dead:
        parts.append(tr.ngettext("{n} dead", "{n} dead", reason.dead))
    if reason.agreements and reason.test != "agreement":
        parts.append(
            tr.ngettext("{n} agreement reached", "{n} agreements reached", reason.agreements)
        )
    if reason.resources:
        parts.append(escape(" · ".join(label(RESOURCES, r, tr) for r in reason.resources)))
    return "; ".join(parts)


def place_name(where: Locality, tr: Tr) -> str:
    """`Ак-Сай (Баткен району)`, escaped."""
    if where.place is None:
        return escape(where.code)
    if where.parent is None:
        return escape(where.place.name(tr.locale))
    return escape(f"{where.place.name(tr.locale)} ({where.parent.name(tr.locale)})")


def plain_place(where: Locality, tr: Tr) -> str:
    """The place's own name (its code when unknown), for a button."""
    return where.place.name(tr.locale) if where.place else where.code


def state_text(state: str, tr: Tr) -> str:
    return tr.gettext(N_("rising")) if state == "rising" else tr.gettext(N_("calming"))


def flag_block(watched: Watched, tr: Tr) -> str:
    """The place in bold, its state, then one line per reason."""
    flag = watched.flag
    head = (
        f"{STATE_MARK[flag.state]} <b>{place_name(watched.where, tr)}</b>: "
        f"{state_text(flag.state, tr)}"
    )
    return "\n".join([head, *(f"   • {reason_text(r, tr)}" for r in flag.reasons)])


def _button(text: str, press: OpenWatch | OpenWeeks | OpenReports) -> Button:
    return Button(text, CODEC.encode(press))


def _back(tr: Tr) -> Button:
    return _button("◀️ " + tr.pgettext("button", "Watch list"), OpenWatch())


def alert(notice: TensionAlert, tr: Tr) -> Screen:
    """The weekly rising-tension alert a coordinator gets."""
    title = tr.gettext(N_("Rising tension: {place}"), place=Safe(place_name(notice.where, tr)))
    lines = [f"⚠️ <b>{title}</b>"]
    lines.extend(f"• {reason_text(r, tr)}" for r in notice.flag.reasons)
    lines.append("")
    lines.append(
        tr.gettext(
            N_("This alert comes at most once a week for a place. /watch lists every place.")
        )
    )
    place = notice.where.code
    buttons = (
        (
            _button("📋 " + tr.pgettext("button", "Its reports"), OpenReports(place)),
            _button("📈 " + tr.pgettext("button", "8 weeks"), OpenWeeks(place)),
        ),
    )
    return Screen(Safe("\n".join(lines)), buttons)


def watch_list(shown: WatchList, tr: Tr) -> Screen:
    """/watch: every rising or calming place in reach, each a button to its weeks."""
    if not shown.places:
        return Screen(
            tr.gettext(
                N_(
                    "No place in your area shows rising tension or calming now "
                    "(the last 7 days against the 8 weeks before)."
                )
            )
        )
    head = tr.gettext(N_("<b>Places to watch</b>: the last 7 days against the 8 weeks before."))
    blocks = [head, *(flag_block(w, tr) for w in shown.places)]
    blocks.append(tr.gettext(N_("Open a place to see its last 8 weeks.")))
    buttons = tuple(
        (
            _button(
                f"{STATE_MARK[w.flag.state]} {plain_place(w.where, tr)}", OpenWeeks(w.where.code)
            ),
        )
        for w in shown.places
    )
    return Screen(Safe("\n\n".join(blocks)), buttons)


def _bar(score: float, top: float) -> str:
    if score <= 0 or top <= 0:
        return ""
    return "▮" * max(1, round(BAR_WIDTH * score / top))


def _flag_lines(flag: Flag | None, tr: Tr) -> list[str]:
    if flag is None:
        return [tr.gettext(N_("Nothing unusual this week."))]
    return [
        f"{STATE_MARK[flag.state]} {state_text(flag.state, tr)}",
        *(f"• {reason_text(r, tr)}" for r in flag.reasons),
    ]


def weeks(shown: PlaceWeeks, tr: Tr) -> Screen:
    """A place's last weeks, newest first, with its flag (or nothing unusual)."""
    title = tr.ngettext(
        "{place}: the last {n} week",
        "{place}: the last {n} weeks",
        len(shown.weeks),
        place=Safe(place_name(shown.where, tr)),
    )
    lines = [f"<b>{title}</b>", *_flag_lines(shown.flag, tr), ""]
    top = max((w.score for w in shown.weeks), default=0.0)
    for week in shown.weeks:
        dates = f"{tr.short_date(week.first)[:DATE_ON_BUTTON]}–"
        dates += tr.short_date(week.last)[:DATE_ON_BUTTON]
        line = tr.ngettext(
            "{dates}: {n} report, score {score}",
            "{dates}: {n} reports, score {score}",
            week.reports,
            dates=dates,
            score=decimal(tr, week.score),
        )
        extras = []
        if week.clashes:
            extras.append(
                tr.ngettext("{n} with a physical clash", "{n} with a physical clash", week.clashes)
            )
        if week.agreements:
            extras.append(
                tr.ngettext("{n} agreement reached", "{n} agreements reached", week.agreements)
            )
        tail = f" ({'; '.join(extras)})" if extras else ""
        lines.append(f"• {line}{tail} {_bar(week.score, top)}".rstrip())
    buttons = (
        (_button("📋 " + tr.pgettext("button", "Its reports"), OpenReports(shown.where.code)),),
        (_back(tr),),
    )
    return Screen(Safe("\n".join(lines)), buttons)


def report_button(report: PlaceReport, tr: Tr) -> Button:
    """`№ 12 · 18.11 · Physical clash · Water`: opens the report for a coordinator in reach."""
    resource = (
        report.resource_other
        if report.resource == OTHER and report.resource_other
        else label(RESOURCES, report.resource, tr)
    )
    text = " · ".join(
        (
            report_number(report.id),
            tr.short_date(report.event_date)[:DATE_ON_BUTTON],
            label(EVENTS, report.sub_event_type, tr),
            resource[:RESOURCE_ON_BUTTON],
        )
    )
    return Button(text, INCIDENTS.encode(OpenReport(report.id)))


def report_list(shown: PlaceReports, tr: Tr) -> Screen:
    """The place's reports of the signal's weeks, newest first, each opening its card."""
    name = Safe(place_name(shown.where, tr))
    if not shown.reports:
        return Screen(
            tr.gettext(N_("No counted reports from {place} in the last 9 weeks."), place=name)
        )
    text = tr.gettext(
        N_(
            "Reports from {place} in the last 9 weeks, newest first. Open one to see it; "
            "anonymous reporters stay anonymous."
        ),
        place=name,
    )
    buttons = tuple((report_button(r, tr),) for r in shown.reports)
    return Screen(text, (*buttons, (_back(tr),)))


def heat_rows(grid: HeatGrid, tr: Tr) -> list[HeatRow]:
    """The heat table's rows, by rayon and then by name in the reader's language."""
    rows = []
    for item in grid.places:
        where = item.where
        name = where.place.name(tr.locale) if where.place else where.code
        rayon = (where.place.parent or "") if where.place else ""
        rows.append((rayon, name, HeatRow(name, item.scores, item.reports)))
    return [row for _, _, row in sorted(rows, key=lambda r: (r[0], r[1]))]


def heat_table(grid: HeatGrid, tr: Tr) -> bytes:
    """The heat table as a PNG (blocking: drawn off the event loop by the notifier)."""
    return heat_table_png(
        heat_rows(grid, tr),
        [tr.short_date(d)[:DATE_ON_BUTTON] for d in grid.week_starts],
        title=tr.ngettext(
            "Tension by aiyl aimak, last {n} week",
            "Tension by aiyl aimak, last {n} weeks",
            len(grid.week_starts),
        ),
        x_label=tr.gettext(N_("Week starting")),
        colour_label=tr.gettext(N_("Severity score")),
        note=tr.gettext(N_("Numbers in the cells: reports that week")),
        threshold=grid.threshold,
    )


def digest_section(section: WatchSection, tr: Tr) -> Screen:
    """The digest's watch list, each place with its reasons, and the heat table."""
    title = tr.gettext(N_("Tension watch"))
    lines = [f"<b>⚠️ {title}</b>"]
    if section.places:
        lines.extend(flag_block(w, tr) for w in section.places)
    else:
        lines.append(tr.gettext(N_("No place in your area is rising or calming this week.")))
    heat = section.heat
    pictures = (Attachment("heat-table.png", heat_table(heat, tr), kind="photo"),) if heat else ()
    watch = _button("⚠️ " + tr.pgettext("button", "Watch list"), OpenWatch())
    return Screen(Safe("\n".join(lines)), ((watch,),), attachments=pictures)
