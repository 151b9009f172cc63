"""The map: reports (and needs) in reach on the map of Kyrgyzstan, filtered, clustered, coloured.

The page is drawn on the server with the filter bar; its script (`static/dashboard-map.js`)
then asks `/data/map` with the same filter, the zoom and the visible box, and draws what the
rules return: every report as a marker while there are at most `MAP_POINTS`, else counts per
rayon or aiyl aimak (`IncidentRules.map_data`). Every text it shows comes from here, in the
reader's language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from aiohttp import web

from bot.core.access import Permission
from bot.forms.incident import EVENTS, RESOURCES
from bot.forms.incident_labels import REVIEW_STATUSES
from bot.forms.need import STAGES, TOPICS
from bot.i18n import N_, Tr
from bot.rules.incidents import IncidentRules, MapData, MapGroup
from bot.rules.needs import NeedRules
from web.assets import BORDERS_URL
from web.context import Viewer, json_response, signed_in
from web.filters import colour, filter_query, map_view, report_filter, url
from web.html import Markup, plain, tag
from web.layout import filter_bar, page
from web.pages.tension import STATE_NAMES, state_label, states

MAP_SCRIPTS = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "map.js",
    "dashboard-map.js",
)
MAP_STYLES = (
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "map.css",
)


def labels(tr: Tr) -> dict[str, object]:
    """Every word the map's script shows, translated."""
    return {
        "resources": {o.value: plain(o.text(tr)) for o in RESOURCES},
        "events": {o.value: plain(o.text(tr)) for o in EVENTS},
        "reviews": {o.value: plain(o.text(tr)) for o in REVIEW_STATUSES},
        "states": {k: plain(tr.gettext(v)) for k, v in STATE_NAMES.items()},
        "topics": {k: tr.label(v) for k, v in TOPICS.items()},
        "stages": {k: tr.label(v) for k, v in STAGES.items()},
        "report": plain(tr.gettext(N_("Report {number}"), number="{number}")),
        "open": plain(tr.pgettext("button", "Open the report")),
        "urgent": plain(tr.gettext(N_("urgent"))),
        "need": plain(tr.gettext(N_("Need"))),
        "women": plain(tr.gettext(N_("Women who raised it"))),
        "reports_layer": plain(tr.gettext(N_("Reports"))),
        "needs_layer": plain(tr.gettext(N_("Needs"))),
        "failed": plain(tr.gettext(N_("The map's data could not be loaded. Please try again."))),
    }


def legend(mode: str, tr: Tr) -> Markup:
    """What each colour means."""
    if mode == "state":
        items = [(f"st-{k or 'none'}", state_label(k, tr)) for k in STATE_NAMES]
    else:
        items = [(f"res-{o.value}", plain(o.text(tr))) for o in RESOURCES]
    return tag(
        "ul",
        [tag("li", tag("span", class_=f"swatch {css}"), text) for css, text in items],
        class_="legend",
        id="legend",
    )


def colour_choice(mode: str, tr: Tr, *, with_states: bool) -> Markup:
    """Colour by resource or by early-warning state (for those who receive alerts)."""
    if not with_states:
        return tag("input", type="hidden", name="colour", value="resource")
    options = (("resource", N_("Colour by resource")), ("state", N_("Colour by tension")))
    return tag(
        "fieldset",
        [
            tag(
                "label",
                tag("input", type="radio", name="colour", value=value, checked=value == mode),
                tag("span", tr.gettext(text)),
                class_="check",
            )
            for value, text in options
        ],
        class_="colour",
    )


@signed_in
async def map_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The map with the filter bar; the markers come from /data/map."""
    where = report_filter(request.query)
    mode = colour(request.query)
    incidents = viewer.rules(IncidentRules)
    choices = incidents.filter_choices(viewer.actor, where.place)
    incidents.check(viewer.actor, where)
    tr = viewer.tr
    access = viewer.kernel.access
    with_states = access.allows(viewer.actor, Permission.RECEIVE_ALERTS)
    if mode == "state" and not with_states:
        mode = "resource"
    settings = viewer.kernel.settings
    query = {**filter_query(where), "colour": mode}
    sees_needs = access.allows(viewer.actor, Permission.VIEW_NEEDS)
    body = [
        filter_bar(
            tr,
            "/map",
            choices,
            where,
            extra=colour_choice(mode, tr, with_states=with_states),
        ),
        tag("p", "", id="map-summary", class_="summary", aria_live="polite"),
        tag(
            "div",
            tag(
                "div",
                id="map",
                class_="ayil-map",
                data_tile_url=settings.tile_url,
                data_tile_attribution=settings.tile_attribution,
                data_borders_url=BORDERS_URL,
                data_reports_url=url("/data/map", query),
                data_needs_url=url("/data/needs", filter_query(where)) if sees_needs else None,
                data_colour=mode,
            ),
            class_="map-frame",
        ),
        legend(mode, tr),
        tag(
            "script",
            Markup(json.dumps(labels(tr), ensure_ascii=False).replace("</", "<\\/")),
            type="application/json",
            id="map-labels",
        ),
    ]
    return page(
        viewer,
        request,
        title=tr.gettext(N_("Map")),
        body=body,
        active="/map",
        scripts=MAP_SCRIPTS,
        styles=MAP_STYLES,
        wide=True,
    )


def summary(data: MapData, tr: Tr) -> str:
    """One sentence on what the map shows."""
    text: str
    if data.level == "points":
        if data.complete:
            text = tr.ngettext("{n} report on the map", "{n} reports on the map", len(data.points))
        else:
            text = (
                tr.ngettext(
                    "{n} report in this part of the map",
                    "{n} reports in this part of the map",
                    len(data.points),
                )
                + " · "
                + tr.ngettext("{n} in all", "{n} in all", data.total)
            )
    else:
        by = N_("counted by rayon") if data.level == "rayon" else N_("counted by aiyl aimak")
        text = (
            tr.ngettext("{n} report", "{n} reports", data.total)
            + ", "
            + tr.gettext(by)
            + " · "
            + tr.gettext(N_("zoom in to see them one by one"))
        )
    if data.unplaced:
        text += " · " + tr.ngettext(
            "{n} without a place on the map", "{n} without a place on the map", data.unplaced
        )
    return plain(text)


def _top(counts: Mapping[str, int]) -> str:
    return max(sorted(counts), key=lambda k: counts[k]) if counts else ""


def group_row(group: MapGroup, tr: Tr) -> list[object]:
    """[lat, lon, reports, label, main resource, main state] for the script."""
    name = group.place.name(tr.locale) if group.place else plain(tr.gettext(N_("no place")))
    count = plain(tr.ngettext("{n} report", "{n} reports", group.reports))
    return [
        group.lat,
        group.lon,
        group.reports,
        f"{name}: {count}",
        _top(group.resources),
        _top(group.states),
    ]


@signed_in
async def map_data(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The markers or counts for the filter, the zoom and the visible box."""
    where = report_filter(request.query)
    zoom, box = map_view(request.query)
    known = await states(viewer) if colour(request.query) == "state" else {}
    data = await viewer.rules(IncidentRules).map_data(
        viewer.actor, where, zoom=zoom, box=box, states=known
    )
    body = {
        "level": data.level,
        "complete": data.complete,
        "total": data.total,
        "summary": summary(data, viewer.tr),
        "points": [
            [p.id, p.lat, p.lon, p.resource, p.event, p.review, int(p.urgent), p.state or ""]
            for p in data.points
        ],
        "groups": [group_row(g, viewer.tr) for g in data.groups],
    }
    return json_response(body, headers={"Cache-Control": "no-store"})


@signed_in
async def needs_data(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Needs in reach at their aiyl aimak, for the map's needs layer."""
    track = await viewer.rules(NeedRules).track(viewer.actor, report_filter(request.query))
    tr = viewer.tr
    body = {
        "points": [
            [
                p.id,
                p.lat,
                p.lon,
                p.topic,
                p.stage,
                p.women,
                p.place.name(tr.locale) if p.place else "",
            ]
            for p in track.points
        ]
    }
    return json_response(body, headers={"Cache-Control": "no-store"})
