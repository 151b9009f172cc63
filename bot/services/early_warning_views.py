"""How early warning reads: reasons, alerts, the watch list, a place's weeks and its reports.

Pure functions of records and a translator; who may see which place is decided in
`bot/services/early_warning.py`. No reporter is named anywhere here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.forms.incident import EVENTS, OTHER, RESOURCES
from bot.forms.incident_labels import label, report_number
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Safe, Tr, escape
from bot.screen import Button, Screen
from storage.early_warning import PlaceReport, WeekCell

if TYPE_CHECKING:
    from bot.services.early_warning import Flag, Reason

MENU_WATCH = N_("⚠️ Tension watch")
COMMAND_WATCH = N_("Places where tension is rising or calming")
BAR_WIDTH = 8
STATE_MARK = {"rising": "🔺", "calming": "🔻"}


def decimal(tr: Tr, value: float) -> str:
    """A rate or score with at most one decimal, in the reader's locale."""
    return tr.number(round(value, 1))


def reason_text(reason: Reason, tr: Tr) -> str:
    """`5 reports this week against 0.8 a week before; 2 with a physical clash; water`."""
    baseline = decimal(tr, reason.baseline)
    parts: list[str] = []
    if reason.test == "severity":
        parts.append(
            tr.gettext(
                N_("severity score {score} this week against {baseline} a week before"),
                score=decimal(tr, reason.severity),
                baseline=decimal(tr, reason.baseline_severity),
            )
        )
        parts.append(tr.ngettext("from {n} report", "from {n} reports", reason.reports))
    elif reason.test == "agreement":
        parts.append(
            tr.ngettext(
                "{n} agreement reached this week",
                "{n} agreements reached this week",
                reason.agreements,
            )
        )
    else:
        parts.append(
            tr.ngettext(
                "{n} report this week against {baseline} a week before",
                "{n} reports this week against {baseline} a week before",
                reason.reports,
                baseline=baseline,
            )
        )
    if reason.borrowed and reason.test != "agreement":
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


def place_name(code: str, tr: Tr, gazetteer: Gazetteer) -> str:
    """`Ак-Сай (Баткен району)`, escaped."""
    place = gazetteer.get(code)
    if place is None:
        return escape(code)
    parent = gazetteer.get(place.parent) if place.parent else None
    if parent is None:
        return escape(place.name(tr.locale))
    return escape(f"{place.name(tr.locale)} ({parent.name(tr.locale)})")


def state_text(state: str, tr: Tr) -> str:
    return tr.gettext(N_("rising")) if state == "rising" else tr.gettext(N_("calming"))


def flag_block(flag: Flag, tr: Tr, gazetteer: Gazetteer) -> str:
    """The place in bold, its state, then one line per reason."""
    head = (
        f"{STATE_MARK[flag.state]} <b>{place_name(flag.place, tr, gazetteer)}</b>: "
        f"{state_text(flag.state, tr)}"
    )
    return "\n".join([head, *(f"   • {reason_text(r, tr)}" for r in flag.reasons)])


def place_buttons(place: str, tr: Tr) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("📋 " + tr.pgettext("button", "Its reports"), f"ew:r:{place}"),
            Button("📈 " + tr.pgettext("button", "8 weeks"), f"ew:p:{place}"),
        ),
    )


def alert(flag: Flag, tr: Tr, gazetteer: Gazetteer) -> Screen:
    """The weekly rising-tension alert a coordinator gets."""
    title = tr.gettext(
        N_("Rising tension: {place}"), place=Safe(place_name(flag.place, tr, gazetteer))
    )
    lines = [f"⚠️ <b>{title}</b>"]
    lines.extend(f"• {reason_text(r, tr)}" for r in flag.reasons)
    lines.append("")
    lines.append(
        tr.gettext(
            N_("This alert comes at most once a week for a place. /watch lists every place.")
        )
    )
    return Screen(Safe("\n".join(lines)), place_buttons(flag.place, tr))


def watch_list(flags: Sequence[Flag], tr: Tr, gazetteer: Gazetteer) -> Screen:
    """/watch: every rising or calming place in scope, each a button to its weeks."""
    if not flags:
        return Screen(
            tr.gettext(
                N_(
                    "No place in your area shows rising tension or calming now "
                    "(the last 7 days against the 8 weeks before)."
                )
            )
        )
    head = tr.gettext(N_("<b>Places to watch</b>: the last 7 days against the 8 weeks before."))
    blocks = [head, *(flag_block(f, tr, gazetteer) for f in flags)]
    blocks.append(tr.gettext(N_("Open a place to see its last 8 weeks.")))
    buttons = tuple(
        (
            Button(
                f"{STATE_MARK[f.state]} {_plain_place(f.place, tr, gazetteer)}", f"ew:p:{f.place}"
            ),
        )
        for f in flags
    )
    return Screen(Safe("\n\n".join(blocks)), buttons)


def _plain_place(code: str, tr: Tr, gazetteer: Gazetteer) -> str:
    place = gazetteer.get(code)
    return place.name(tr.locale) if place else code


def _bar(score: float, top: float) -> str:
    if score <= 0 or top <= 0:
        return ""
    return "▮" * max(1, round(BAR_WIDTH * score / top))


def history(
    place: str,
    weeks: Sequence[WeekCell],
    flag: Flag | None,
    today: date,
    tr: Tr,
    gazetteer: Gazetteer,
    *,
    count: int = 8,
) -> Screen:
    """A place's last `count` weeks, newest first, with its flag (or nothing unusual)."""
    by_week = {w.week: w for w in weeks}
    title = tr.ngettext(
        "{place}: the last {n} week",
        "{place}: the last {n} weeks",
        count,
        place=Safe(place_name(place, tr, gazetteer)),
    )
    lines = [f"<b>{title}</b>"]
    if flag is not None:
        lines.append(f"{STATE_MARK[flag.state]} {state_text(flag.state, tr)}")
        lines.extend(f"• {reason_text(r, tr)}" for r in flag.reasons)
    else:
        lines.append(tr.gettext(N_("Nothing unusual this week.")))
    lines.append("")
    top = max((w.severity for w in weeks), default=0.0)
    for week in range(count):
        first = today - timedelta(days=7 * week + 6)
        last = today - timedelta(days=7 * week)
        cell = by_week.get(week)
        dates = f"{tr.short_date(first)[:5]}–{tr.short_date(last)[:5]}"
        reports = cell.reports if cell else 0
        score = max(cell.severity, 0.0) if cell else 0.0
        line = tr.ngettext(
            "{dates}: {n} report, score {score}",
            "{dates}: {n} reports, score {score}",
            reports,
            dates=dates,
            score=decimal(tr, score),
        )
        extras = []
        if cell and cell.clashes:
            extras.append(
                tr.ngettext("{n} with a physical clash", "{n} with a physical clash", cell.clashes)
            )
        if cell and cell.agreements:
            extras.append(
                tr.ngettext("{n} agreement reached", "{n} agreements reached", cell.agreements)
            )
        tail = f" ({'; '.join(extras)})" if extras else ""
        lines.append(f"• {line}{tail} {_bar(score, top)}".rstrip())
    buttons = (
        (Button("📋 " + tr.pgettext("button", "Its reports"), f"ew:r:{place}"),),
        (Button("◀️ " + tr.pgettext("button", "Watch list"), "ew:w"),),
    )
    return Screen(Safe("\n".join(lines)), buttons)


def report_button(report: PlaceReport, tr: Tr) -> Button:
    """`№ 12 · 18.11 · Physical clash · Water`: opens the report for a coordinator in scope."""
    resource = (
        report.resource_other
        if report.resource == OTHER and report.resource_other
        else label(RESOURCES, report.resource, tr)
    )
    text = " · ".join(
        (
            report_number(report.id),
            tr.short_date(report.event_date)[:5],
            label(EVENTS, report.sub_event_type, tr),
            resource[:30],
        )
    )
    return Button(text, f"inc:o:{report.id}")


def report_list(
    place: str, reports: Sequence[PlaceReport], tr: Tr, gazetteer: Gazetteer
) -> Screen:
    """The place's reports of the signal's weeks, newest first, each opening its card."""
    name = Safe(place_name(place, tr, gazetteer))
    if not reports:
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
    buttons = tuple((report_button(r, tr),) for r in reports)
    return Screen(text, (*buttons, (Button("◀️ " + tr.pgettext("button", "Watch list"), "ew:w"),)))


def digest_text(flags: Sequence[Flag], tr: Tr, gazetteer: Gazetteer) -> Safe:
    """The digest's watch list: each place with its reasons, then what the image shows."""
    title = tr.gettext(N_("Tension watch"))
    lines = [f"<b>⚠️ {title}</b>"]
    if flags:
        lines.extend(flag_block(f, tr, gazetteer) for f in flags)
    else:
        lines.append(tr.gettext(N_("No place in your area is rising or calming this week.")))
    return Safe("\n".join(lines))
