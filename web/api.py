"""The read-only JSON API for other systems: reports, a GeoJSON feed, needs, places.

Every call carries `Authorization: Bearer <token>`; a token is made by an administrator
(`ayilbot admin token create NAME SCOPE`) and reads like a coordinator of its scope: the
same `Reach`, pins rounded as in exports, no reporter named or numbered, ever. Reports come
oldest first in pages of at most 500: pass the `next_after` of a page as `after` for the next.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.config import LANGUAGES
from bot.core.access import Actor
from bot.core.errors import UnknownValue
from bot.records.incidents import Incident
from bot.rules.dashboard import DashboardRules
from bot.rules.incidents import API_PAGE, IncidentRules
from bot.rules.needs import NeedRules
from web.context import claimed_language, json_response, kernel_of
from web.filters import report_filter

# What a report carries in the API: everything stored but who sent it and the form's
# bookkeeping (for_reader has already emptied the reporter's fields).
HIDDEN = frozenset(
    {"draft_id", "reporter_id", "reporter_pseudonym", "reporter_role", "followup_sent_at"}
)
JSON_HEADERS = {"Cache-Control": "no-store"}


async def api_actor(request: web.Request) -> Actor:
    """The token's reader; NotSignedIn (401) without a live token."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    asked = request.query.get("lang")
    if asked in LANGUAGES:
        claimed_language.set(asked)  # a refusal in the language asked for
    locale = asked or "en"
    rules = kernel_of(request).get(DashboardRules)
    return await rules.api_actor(secret.strip() if scheme.lower() == "bearer" else None, locale)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def report_json(incident: Incident, place: str | None) -> dict[str, Any]:
    """One report as the API gives it."""
    values: dict[str, Any] = {"id": incident.id}
    values.update((k, _plain(v)) for k, v in asdict(incident).items() if k not in HIDDEN)
    values["place"] = place
    return values


def _paging(request: web.Request) -> tuple[int, int]:
    after, limit = request.query.get("after", "0"), request.query.get("limit", str(API_PAGE))
    if not after.isdigit() or not limit.isdigit() or not 1 <= int(limit) <= API_PAGE:
        raise UnknownValue("after")
    return int(after), int(limit)


async def _reports(
    request: web.Request,
) -> tuple[Actor, IncidentRules, list[Incident], int | None]:
    actor = await api_actor(request)
    after, limit = _paging(request)
    rules = kernel_of(request).get(IncidentRules)
    found = list(
        await rules.reports_after(actor, report_filter(request.query), after=after, limit=limit)
    )
    following = found[-1].id if len(found) == limit else None
    return actor, rules, found, following


def _place_name(rules: IncidentRules, incident: Incident, locale: str) -> str | None:
    places = rules.places(incident)
    return ", ".join(p.name(locale) for p in places) if places else None


async def reports(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/reports: reports in the token's reach that pass the filter."""
    actor, rules, found, following = await _reports(request)
    body = {
        "reports": [report_json(i, _place_name(rules, i, actor.locale)) for i in found],
        "next_after": following,
    }
    return json_response(body, headers=JSON_HEADERS)


async def reports_geojson(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/reports.geojson: the same reports as points, at their (rounded) pin or
    their place's coordinates; reports with neither are left out."""
    actor, rules, found, following = await _reports(request)
    features = []
    for incident in found:
        at = rules.position(actor, incident)
        if at is None:
            continue
        properties = report_json(incident, _place_name(rules, incident, actor.locale))
        properties["position"] = "pin" if incident.latitude is not None else "place"
        properties.pop("latitude")
        properties.pop("longitude")
        features.append(
            {
                "type": "Feature",
                "id": incident.id,
                "geometry": {"type": "Point", "coordinates": [at[1], at[0]]},
                "properties": properties,
            }
        )
    body = {"type": "FeatureCollection", "features": features, "next_after": following}
    return json_response(body, content_type="application/geo+json", headers=JSON_HEADERS)


async def needs(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/needs: needs in the token's reach, with their stage and amount; no text
    a woman wrote and no author."""
    actor = await api_actor(request)
    rules = kernel_of(request).get(NeedRules)
    found = await rules.visible_needs(actor)
    gazetteer = kernel_of(request).gazetteer
    body = {
        "needs": [
            {
                "id": n.id,
                "topic": n.topic,
                "place_code": n.place_code,
                "place": gazetteer.path_name(n.place_code, actor.locale)
                if n.place_code and n.place_code in gazetteer
                else None,
                "women": n.women,
                "stage": n.stage,
                "reached": n.reached,
                "stage_on": _plain(n.stage_on),
                "amount_som": n.amount_som,
                "joined_to": n.joined_to,
                "created_at": _plain(n.created_at),
            }
            for n in found
        ]
    }
    return json_response(body, headers=JSON_HEADERS)


async def places(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/places: the oblasts, rayons and aiyl aimaks in reach, with coordinates and
    the number of reports that pass the filter."""
    actor = await api_actor(request)
    rules = kernel_of(request).get(IncidentRules)
    counts = await rules.counts_by_place(actor, report_filter(request.query))
    body = {
        "places": [
            {
                "code": p.code,
                "level": p.level,
                "parent": p.parent,
                "name": dict(p.names),
                "lat": p.lat,
                "lon": p.lon,
                "reports": counts.get(p.code, 0),
            }
            for p in rules.places_in_reach(actor)
        ]
    }
    return json_response(body, headers=JSON_HEADERS)


def add_routes(app: web.Application) -> None:
    """Mount the API under /api/v1/."""
    app.router.add_get("/api/v1/reports", reports)
    app.router.add_get("/api/v1/reports.geojson", reports_geojson)
    app.router.add_get("/api/v1/needs", needs)
    app.router.add_get("/api/v1/places", places)
