"""Tension: the early-warning places with their reasons, and the weekly heat table.

The same rules as /watch and the digest's heat table (bot/rules/early_warning.py), scoped by
the reader's reach there; the reasons are worded as in the chat (handlers/early_warning).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from aiohttp import web

from bot.core.access import Permission
from bot.i18n import N_, Tr
from bot.outputs.heat_table import HeatRow
from bot.rules.early_warning import HISTORY_WEEKS, EarlyWarningRules, Watched
from handlers.early_warning.screens import heat_rows, reason_text
from web.context import Viewer, signed_in
from web.html import Markup, tag
from web.layout import page

STATES_FOR_S = 60.0  # the map's colours by state are recomputed at most once a minute
STATE_NAMES = {"rising": N_("rising"), "calming": N_("calming"), "": N_("no signal")}


def _rules(viewer: Viewer) -> EarlyWarningRules:
    return viewer.kernel.get(EarlyWarningRules)


async def _heat_rows(viewer: Viewer) -> list[HeatRow]:
    """The heat table's rows for the reader's reach, oldest week first."""
    grid = await _rules(viewer).heat(viewer.actor, now=viewer.kernel.clock.now())
    return heat_rows(grid, viewer.tr) if grid is not None else []


_states_cache: dict[int, tuple[float, dict[str, str]]] = {}


async def states(viewer: Viewer) -> dict[str, str]:
    """Early-warning state by aiyl aimak (for the map's colours), for places in reach."""
    if not viewer.kernel.access.allows(viewer.actor, Permission.RECEIVE_ALERTS):
        return {}
    key = id(viewer.kernel)
    cached = _states_cache.get(key)
    if cached is None or time.monotonic() - cached[0] > STATES_FOR_S:
        every = await _rules(viewer).flags()
        cached = (time.monotonic(), {f.place: f.state for f in every})
        _states_cache[key] = cached
    reach = viewer.actor.reach
    return {place: state for place, state in cached[1].items() if reach.covers_place(place)}


def state_label(state: str | None, tr: Tr) -> str:
    """rising, calming or no signal, in the reader's language."""
    return tr.gettext(STATE_NAMES.get(state or "", STATE_NAMES[""]))


def watch_list(watched: Sequence[Watched], tr: Tr) -> Markup:
    """The places with their reasons, rising first."""
    if not watched:
        return tag("p", tr.gettext(N_("No place in your area shows rising or calming tension.")))
    items = []
    for item in watched:
        place = item.where.place
        name = place.name(tr.locale) if place else item.flag.place
        reasons = [tag("li", Markup(reason_text(r, tr))) for r in item.flag.reasons]
        items.append(
            tag(
                "li",
                tag("strong", name),
                " ",
                tag(
                    "span", state_label(item.flag.state, tr), class_=f"state st-{item.flag.state}"
                ),
                " ",
                tag(
                    "a",
                    tr.gettext(N_("reports")),
                    href=f"/reports?place={item.flag.place}",
                ),
                tag("ul", reasons),
            )
        )
    return tag("ul", items, class_="watch")


def heat_table(rows: Sequence[HeatRow], weeks: Sequence[str], tr: Tr) -> Markup:
    """The heat table as a table: sortable by any column, severity as colour, reports as number."""
    if not rows:
        return tag("p", tr.gettext(N_("No reports in your area in the last weeks.")))
    top = max([1.0, *(s for row in rows for s in row.scores)])
    head = tag(
        "tr",
        tag("th", tr.gettext(N_("Aiyl aimak")), scope="col", data_sort="text"),
        [tag("th", week, scope="col", data_sort="number") for week in weeks],
    )
    body = []
    for row in rows:
        cells = [tag("th", row.label, scope="row")]
        for score, count in zip(row.scores, row.reports, strict=True):
            level = min(5, int(score / top * 5 + 0.5)) if score > 0 else 0
            cells.append(
                tag(
                    "td",
                    tr.number(count) if count else "",
                    class_=f"heat h{level}",
                    data_value=f"{score:.2f}",
                    title=tr.gettext(
                        N_("severity score {score}, {reports}"),
                        score=tr.number(round(score, 1)),
                        reports=tr.ngettext("{n} report", "{n} reports", count),
                    ),
                )
            )
        body.append(tag("tr", cells))
    return tag(
        "div",
        tag(
            "table", tag("thead", head), tag("tbody", body), class_="heat-table", data_sortable="1"
        ),
        tag(
            "p",
            tr.gettext(N_("Colour: severity score of the week. Numbers: reports that week.")),
            class_="note",
        ),
        class_="scroll",
    )


@signed_in
async def tension_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The places to watch and the heat table of the reader's reach."""
    watched = (await _rules(viewer).watch(viewer.actor)).places
    rows = await _heat_rows(viewer)
    tr = viewer.tr
    today = viewer.kernel.clock.now().astimezone(viewer.kernel.settings.zone).date()
    weeks = [
        tr.short_date(today - timedelta(days=7 * week + 6))[:5]
        for week in reversed(range(HISTORY_WEEKS))
    ]
    body = [
        tag("h2", tr.gettext(N_("Places to watch"))),
        watch_list(watched, tr),
        tag(
            "h2",
            tr.ngettext(
                "Tension by aiyl aimak, last {n} week",
                "Tension by aiyl aimak, last {n} weeks",
                HISTORY_WEEKS,
            ),
        ),
        heat_table(rows, weeks, tr),
    ]
    return page(viewer, request, title=tr.gettext(N_("Tension")), body=body, active="/tension")
