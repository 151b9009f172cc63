"""Exports of reports, practices, people and needs as CSV, XLSX or GeoJSON, and /export.

Scoped to the coordinator's regions and groups (`Access` decides); labels in the chosen language;
times ISO 8601; coordinates rounded unless the reader may see exact ones; anonymous reporters
appear only as their pseudonym. Column names are stable keys (the form's step keys, named after
conflict-event coding), so files from different months and languages line up.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bot.clock import Clock
from bot.config import LANGUAGES, Settings
from bot.core.access import Access, Actor, Permission
from bot.core.errors import StaleButton
from bot.forms import need as need_form
from bot.forms import practice as practice_form
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
from bot.forms.incident_labels import REVIEW_STATUSES, UPDATE_KINDS
from bot.forms.kinds import Option
from bot.forms.onboarding import KIND_OPTIONS, LANGUAGE_OPTIONS
from bot.forms.practice import STATUS_LABELS as PRACTICE_STATUSES
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Tr, translator
from bot.records.incidents import Incident, IncidentUpdate
from bot.records.needs import Need, NeedStage
from bot.records.practices import Practice
from bot.screen import Attachment, Button, Screen, rows
from bot.typed_text import starts_formula, xml_safe
from storage.audit import AuditRepository
from storage.db import Database
from storage.exports import ExportRepository, FileMeta, Period, PersonRow, Reach
from storage.groups import GroupRepository
from storage.users import UserRepository

log = logging.getLogger(__name__)

# Menu entry and command description (bot/menu.py lists them).
MENU_EXPORT = N_("📤 Export data")
COMMAND_EXPORT = N_("Export reports, practices, people (coordinators)")
KINDS = ("incidents", "practices", "users", "needs")
FORMATS = ("csv", "xlsx", "geojson")
# Only reports carry a location pin; the other records have a place code, not a point.
GEO_KINDS = frozenset({"incidents"})
KIND_STATUSES: Mapping[str, tuple[str, ...]] = {
    "incidents": ("open", "resolved", *(o.value for o in REVIEW_STATUSES)),
    "practices": ("pending", "changes", "approved", "declined"),
    "users": ("active", "inactive"),
    "needs": tuple(need_form.STAGES),
}
KIND_LABELS: Mapping[str, str] = {
    "incidents": N_("📝 Incident reports"),
    "practices": N_("📘 Practices"),
    "users": N_("👤 People"),
    "needs": N_("🙋‍♀️ Women's needs"),
}
FORMAT_LABELS: Mapping[str, str] = {
    "csv": N_("CSV"),
    "xlsx": N_("XLSX (Excel)"),
    "geojson": N_("GeoJSON (map)"),
}
PERIOD_LABELS: Mapping[str, str] = {
    "w": N_("This week"),
    "m": N_("Last 30 days"),
    "y": N_("Last 12 months"),
    "a": N_("All time"),
}
EVENT_TYPE_LABELS: Mapping[str, str] = {
    "strategic_developments": N_("Strategic developments"),
    "protests": N_("Protests"),
    "riots": N_("Riots"),
}
AUTHOR_ROLES: Mapping[str, str] = {"reporter": N_("reporter"), "coordinator": N_("coordinator")}
FILE_TYPES: Mapping[str, str] = {
    "photo": N_("photo"),
    "voice": N_("voice note"),
    "document": N_("document"),
}
# Button letters in `exp:` callback data; never renamed once shipped.
KIND_KEYS = {"i": "incidents", "p": "practices", "u": "users", "n": "needs"}
FORMAT_KEYS = {"c": "csv", "x": "xlsx", "g": "geojson"}
WHOLE_AREA = "-"
MAX_REGION_BUTTONS = 24
# A label's leading emoji or symbol is for buttons, not for a spreadsheet cell.
_LEADING_SYMBOLS = re.compile(r"^[^\w(«\"]+")

INCIDENT_COLUMNS = (
    "id",
    "received_at",
    "event_date",
    "date_precision",
    "resource",
    "resource_other",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor1_type",
    "actor2",
    "actor2_type",
    "crowd_size",
    "fatalities",
    "injuries",
    "admin1",
    "admin2",
    "admin3",
    "place_code",
    "place_other",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "border",
    "notes",
    "response",
    "source",
    "source_scale",
    "urgent",
    "status",
    "review_status",
    "duplicate_of",
    "possible_duplicate_of",
    "reporter",
    "reporter_role",
    "anonymous",
    "last_update_at",
    "form_version",
)
UPDATE_COLUMNS = (
    "incident_id",
    "update_id",
    "at",
    "kind",
    "author_role",
    "text",
    "response",
    "outcome",
    "status_after",
    "reply_to",
)
INCIDENT_FILE_COLUMNS = ("incident_id", "update_id", "attachment_id", "type", "duration_s")
PRACTICE_COLUMNS = (
    "id",
    "created_at",
    "approved_at",
    "status",
    "topic",
    "topic_other",
    "title",
    "situation",
    "actions",
    "result",
    "plan_budget",
    "amount_som",
    "advice",
    "place",
    "place_code",
    "author",
    "author_kind",
    "groups",
    "visible_to_all",
    "helpful",
    "review_note",
)
PRACTICE_FILE_COLUMNS = ("practice_id", "position", "type", "duration_s", "mime")
USER_COLUMNS = (
    "name",
    "username",
    "language",
    "kind",
    "place",
    "place_code",
    "place_other",
    "registered_at",
    "active",
    "groups",
    "roles",
)
# What a coordinator's work needs of the people in her area: who they are and in which rayon.
# The aiyl aimak (or a typed village) and the username stay with administrators: where only
# one person is registered in an aiyl aimak, a list that says so names the sender of every
# anonymous report from there.
COORDINATOR_USER_COLUMNS = (
    "name",
    "language",
    "kind",
    "rayon",
    "rayon_code",
    "registered_at",
    "active",
    "groups",
    "roles",
)
NEED_COLUMNS = (
    "id",
    "created_at",
    "topic",
    "topic_other",
    "place",
    "place_code",
    "village",
    "heard",
    "women",
    "description",
    "proposal",
    "stage",
    "reached",
    "stage_on",
    "amount_som",
    "joined_to",
    "shared_with_groups",
    "voice_notes",
    "photos",
)
STAGE_COLUMNS = (
    "need_id",
    "stage_id",
    "happened_on",
    "from_stage",
    "stage",
    "raised_with",
    "amount_som",
    "reason",
    "evidence_files",
)


class ExportError(ValueError):
    """A request that names an unknown kind, format, status or region (English, for the CLI)."""


class NeedSource(Protocol):
    """The needs rules as the exports use them: their own rule of who sees which need."""

    async def visible_needs(self, actor: Actor) -> list[Need]: ...

    async def tracks(self, actor: Actor, needs: Iterable[Need]) -> list[NeedStage]: ...


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What to export; dates are local calendar days, both ends included."""

    kind: str
    format: str
    since: date | None = None
    until: date | None = None
    region: str | None = None
    status: str | None = None
    locale: str = "en"


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet: stable column keys and rows of plain values."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A rendered export: the first table's row count is the number of records."""

    filename: str
    data: bytes
    count: int


def round_point(lat: float, lon: float, digits: int) -> tuple[float, float]:
    """A pin rounded to `digits` decimals (2 is about 1 km)."""
    return round(lat, digits), round(lon, digits)


def clean_label(text: str) -> str:
    """A translated label without its leading emoji."""
    return _LEADING_SYMBOLS.sub("", text).strip()


def _label(tr: Tr, msgid: str | None) -> str:
    return clean_label(tr.label(msgid)) if msgid else ""


def _option(tr: Tr, options: Iterable[Option], value: str | None) -> str:
    for option in options:
        if option.value == value:
            return clean_label(option.text(tr))
    return value or ""


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _yes_no(tr: Tr, value: bool) -> str:
    return tr.pgettext("export", "yes") if value else tr.pgettext("export", "no")


class ExportService:
    """Builds export files and the /export dialogue; every entry checks `Access` first."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        gazetteer: Gazetteer,
        access: Access,
        needs: NeedSource | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.gazetteer = gazetteer
        self.access = access
        self.needs = needs

    # ------------------------------------------------------------------ rules

    def kinds_for(self, actor: Actor) -> list[str]:
        """The kinds this actor may export (needs only with the needs service and permission)."""
        if not self.access.allows(actor, Permission.EXPORT):
            return []
        return [
            k
            for k in KINDS
            if k != "needs"
            or (self.needs is not None and self.access.allows(actor, Permission.VIEW_NEEDS))
        ]

    async def check(self, actor: Actor, request: ExportRequest) -> Reach:
        """Validate the request and the actor's right to it; returns where to look."""
        self.access.require(actor, Permission.EXPORT)
        if request.kind not in KINDS:
            raise ExportError(f"unknown kind {request.kind!r}; known: {', '.join(KINDS)}")
        if request.format not in FORMATS:
            raise ExportError(f"unknown format {request.format!r}; known: {', '.join(FORMATS)}")
        if request.format == "geojson" and request.kind not in GEO_KINDS:
            raise ExportError("GeoJSON is for incidents only: other records have no location")
        if request.status is not None and request.status not in KIND_STATUSES[request.kind]:
            known = ", ".join(KIND_STATUSES[request.kind])
            raise ExportError(f"unknown status {request.status!r} for {request.kind}: {known}")
        if request.locale not in LANGUAGES:
            raise ExportError(f"unknown language {request.locale!r}")
        if request.since and request.until and request.until < request.since:
            raise ExportError("--until is before --since")
        if request.kind == "needs":
            if self.needs is None:
                raise ExportError("needs are not available here")
            self.access.require(actor, Permission.VIEW_NEEDS)
        if request.kind == "users" and not self._people_region_allowed(actor, request.region):
            raise ExportError("people are listed by rayon: choose a rayon or a wider region")
        return await self.reach(actor, request.region)

    def _people_region_allowed(self, actor: Actor, region: str | None) -> bool:
        """Coordinators list people by rayon; one aiyl aimak's list would undo the coarsening."""
        place = self.gazetteer.get(region) if region else None
        return (
            place is None
            or place.rank <= 1
            or self.access.allows(actor, Permission.SEE_ANONYMOUS_REPORTERS)
        )

    async def reach(self, actor: Actor, region: str | None = None) -> Reach:
        """The actor's scope (and the groups they created), narrowed to a covered `region`."""
        if region is not None:
            if self.gazetteer.get(region) is None:
                raise ExportError(f"unknown region {region!r}: use a gazetteer code like BA-BAT")
            # A region outside the scope is refused, not silently emptied.
            self.access.require(actor, Permission.EXPORT, place=region)
            return Reach(codes=(region,), places=self._below(region))
        scopes = actor.coordinator_scopes
        if actor.is_admin or any(s.kind == "all" for s in scopes):
            return Reach(everywhere=True)
        codes = tuple(s.value for s in scopes if s.kind == "place" and s.value in self.gazetteer)
        places = tuple(dict.fromkeys(p for c in codes for p in self._below(c)))
        groups = [int(s.value) for s in scopes if s.kind == "group" and s.value.isdigit()]
        if self.access.allows(actor, Permission.MANAGE_GROUPS):
            # A coordinator manages the groups they created, as the groups feature decides.
            async with self.db.reading() as conn:
                groups += [g.id for g in await GroupRepository(conn).created_by(actor.user_id)]
        return Reach(codes=codes, places=places, groups=tuple(sorted(set(groups))))

    def _below(self, code: str) -> tuple[str, ...]:
        return (code, *(p.code for p in self.gazetteer.descendants(code)))

    def _keeps(
        self,
        actor: Actor,
        reach: Reach,
        region: str | None,
        place: str | None,
        groups: Iterable[int] = (),
    ) -> bool:
        """The row-level check behind the SQL filter: the scope covers its place or a group."""
        if region is not None:
            return place is not None and self.gazetteer.covers(region, place)
        return self.access.covers(actor, place=place) or any(g in reach.groups for g in groups)

    def _period(self, request: ExportRequest) -> Period:
        zone = self.settings.zone
        start = datetime.combine(request.since, time.min, zone) if request.since else None
        end = (
            datetime.combine(request.until + timedelta(days=1), time.min, zone)
            if request.until
            else None
        )
        return Period(start, end)

    # ------------------------------------------------------------------ building files

    async def export(self, actor: Actor, request: ExportRequest) -> ExportFile:
        """Check, collect, render and audit one export."""
        reach = await self.check(actor, request)
        tables = await self.tables(actor, request, reach)
        data = self.render(tables, request.format, request.kind)
        count = len(tables[0].rows)
        if request.format == "geojson":
            count = len(json.loads(data)["features"])
        today = self.clock.now().astimezone(self.settings.zone).date()
        filename = f"ayilbot-{request.kind}-{today.isoformat()}.{request.format}"
        async with self.db.transaction() as conn:
            await AuditRepository(conn).record(
                actor_id=actor.user_id,
                entity="export",
                entity_id=request.kind,
                action=request.format,
                from_value=None,
                to_value=str(count),
                reason=_filters_note(request),
                now=self.clock.now(),
            )
        log.info("export of %s as %s: %d records", request.kind, request.format, count)
        return ExportFile(filename, data, count)

    async def tables(self, actor: Actor, request: ExportRequest, reach: Reach) -> list[Table]:
        """The sheets of an export, first the records themselves."""
        tr = translator(request.locale)
        if request.kind == "incidents":
            return await self._incidents(actor, request, reach, tr)
        if request.kind == "practices":
            return await self._practices(actor, request, reach, tr)
        if request.kind == "users":
            return await self._users(actor, request, reach, tr)
        return await self._needs(actor, request, tr)

    async def _incidents(
        self, actor: Actor, request: ExportRequest, reach: Reach, tr: Tr
    ) -> list[Table]:
        status = request.status if request.status in ("open", "resolved") else None
        review = request.status if status is None else None
        async with self.db.reading() as conn:
            repo = ExportRepository(conn)
            found = await repo.incidents(
                reach=reach, received=self._period(request), status=status, review_status=review
            )
            found = [i for i in found if self._keeps(actor, reach, request.region, i.place_code)]
            ids = [i.id for i in found]
            updates = await repo.incident_updates(incident_ids=ids)
            files = await repo.incident_files(incident_ids=ids)
            users = UserRepository(conn)
            names: dict[int, str] = {}
            for reporter in {i.reporter_id for i in found if i.reporter_id and not i.anonymous}:
                user = await users.get(reporter)
                if user is not None:
                    names[reporter] = " ".join(p for p in (user.first_name, user.last_name) if p)
        exact = self.access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        return [
            Table(
                "reports",
                INCIDENT_COLUMNS,
                [self._incident_row(i, tr, names, exact=exact) for i in found],
            ),
            Table("updates", UPDATE_COLUMNS, [_update_row(u, tr) for u in updates]),
            Table(
                "attachments", INCIDENT_FILE_COLUMNS, [_incident_file_row(f, tr) for f in files]
            ),
        ]

    def _incident_row(
        self, incident: Incident, tr: Tr, names: Mapping[int, str], *, exact: bool
    ) -> tuple[Any, ...]:
        lat, lon = incident.latitude, incident.longitude
        if lat is not None and lon is not None and not exact:
            lat, lon = round_point(lat, lon, self.settings.coordinate_precision)
        # Anonymous reports name nobody, to anyone: the pseudonym links a person's anonymous
        # reports without saying who; their role is left out too, as one leader per village
        # would be named by it. A named report shows its name or, once the reporter erased
        # her account, nothing: never the pseudonym of her anonymous reports.
        if incident.anonymous:
            reporter = incident.reporter_pseudonym or ""
        else:
            reporter = names.get(incident.reporter_id or 0, "")
        role = "" if incident.anonymous else _option(tr, KIND_OPTIONS, incident.reporter_role)
        values: dict[str, Any] = {
            "id": incident.id,
            "received_at": _iso(incident.received_at),
            "event_date": _iso(incident.event_date),
            "date_precision": incident.date_precision,
            "resource": _option(tr, RESOURCES, incident.resource),
            "resource_other": incident.resource_other,
            "event_type": _label(tr, EVENT_TYPE_LABELS.get(incident.event_type)),
            "sub_event_type": _option(tr, EVENTS, incident.sub_event_type),
            "actor1": _side(tr, incident.actor1_type, incident.actor1),
            "actor1_type": _option(tr, ACTORS, incident.actor1_type),
            "actor2": _side(tr, incident.actor2_type, incident.actor2),
            "actor2_type": _option(tr, ACTORS, incident.actor2_type),
            "crowd_size": _option(tr, CROWD_SIZES, incident.crowd_size),
            "fatalities": incident.fatalities,
            "injuries": incident.injuries,
            "admin1": self._place_name(incident.admin1, tr),
            "admin2": self._place_name(incident.admin2, tr),
            "admin3": self._place_name(incident.admin3, tr),
            "place_code": incident.place_code,
            "place_other": incident.place_other,
            "location": incident.location,
            "latitude": lat,
            "longitude": lon,
            "geo_precision": incident.geo_precision,
            "border": _option(tr, BORDER, incident.border),
            "notes": incident.notes,
            "response": _option(tr, RESPONSES, incident.response),
            "source": _option(tr, SOURCES, incident.source),
            "source_scale": incident.source_scale,
            "urgent": _yes_no(tr, incident.urgent),
            "status": _option(tr, STATUSES, incident.status),
            "review_status": _option(tr, REVIEW_STATUSES, incident.review_status),
            "duplicate_of": incident.duplicate_of,
            "possible_duplicate_of": incident.possible_duplicate_of,
            "reporter": reporter,
            "reporter_role": role,
            "anonymous": _yes_no(tr, incident.anonymous),
            "last_update_at": _iso(incident.last_update_at),
            "form_version": incident.form_version,
        }
        return tuple(values[c] for c in INCIDENT_COLUMNS)

    def _place_name(self, code: str | None, tr: Tr) -> str:
        place = self.gazetteer.get(code) if code else None
        return place.name(tr.locale) if place is not None else ""

    def _place_path(self, code: str | None, tr: Tr) -> str:
        return self.gazetteer.path_name(code, tr.locale) if code and code in self.gazetteer else ""

    async def _group_names(self, ids: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        async with self.db.reading() as conn:
            groups = await GroupRepository(conn).with_ids(wanted)
        return {g.id: g.name for g in groups}

    async def _practices(
        self, actor: Actor, request: ExportRequest, reach: Reach, tr: Tr
    ) -> list[Table]:
        async with self.db.reading() as conn:
            repo = ExportRepository(conn)
            found = await repo.practices(
                reach=reach, created=self._period(request), status=request.status
            )
            groups = await repo.practice_groups(practice_ids=[p.id for p in found])
            found = [
                p
                for p in found
                if self._keeps(actor, reach, request.region, p.place_code, groups.get(p.id, ()))
            ]
            files = await repo.practice_files(practice_ids=[p.id for p in found])
            users = UserRepository(conn)
            authors: dict[int, str] = {}
            # The author is named only where they chose to be; no pseudonym either, as it
            # would tie the practice to the same person's anonymous reports.
            for author in {p.author_id for p in found if p.author_id and p.content.show_author}:
                user = await users.get(author)
                if user is not None:
                    authors[author] = " ".join(p for p in (user.first_name, user.last_name) if p)
        names = await self._group_names(g for ids in groups.values() for g in ids)
        return [
            Table(
                "practices",
                PRACTICE_COLUMNS,
                [self._practice_row(p, tr, authors, groups.get(p.id, ()), names) for p in found],
            ),
            Table(
                "attachments", PRACTICE_FILE_COLUMNS, [_practice_file_row(f, tr) for f in files]
            ),
        ]

    def _practice_row(
        self,
        practice: Practice,
        tr: Tr,
        authors: Mapping[int, str],
        group_ids: Sequence[int],
        group_names: Mapping[int, str],
    ) -> tuple[Any, ...]:
        content = practice.content
        values: dict[str, Any] = {
            "id": practice.id,
            "created_at": _iso(practice.created_at),
            "approved_at": _iso(practice.approved_at),
            "status": _label(tr, PRACTICE_STATUSES.get(practice.status)),
            "topic": _label(tr, practice_form.TOPIC_LABELS.get(content.topic, content.topic)),
            "topic_other": content.topic_other,
            "title": content.title,
            "situation": content.situation,
            "actions": content.actions,
            "result": content.result,
            "plan_budget": _label(tr, practice_form.PLAN_BUDGET_LABELS.get(content.plan_budget))
            if content.plan_budget
            else "",
            "amount_som": content.amount_som,
            "advice": content.advice,
            "place": self._place_path(practice.place_code, tr),
            "place_code": practice.place_code,
            "author": authors.get(practice.author_id or 0, "") if content.show_author else "",
            "author_kind": _option(tr, KIND_OPTIONS, practice.author_kind),
            "groups": "; ".join(group_names.get(g, str(g)) for g in group_ids),
            "visible_to_all": _yes_no(tr, content.visible_to_all),
            "helpful": practice.helpful,
            "review_note": practice.review_note,
        }
        return tuple(values[c] for c in PRACTICE_COLUMNS)

    async def _users(
        self, actor: Actor, request: ExportRequest, reach: Reach, tr: Tr
    ) -> list[Table]:
        active = {"active": True, "inactive": False}.get(request.status or "")
        async with self.db.reading() as conn:
            found = await ExportRepository(conn).people(
                reach=reach, created=self._period(request), active=active
            )
        found = [
            p
            for p in found
            if self._keeps(actor, reach, request.region, p.user.place_code, p.group_ids)
        ]
        names = await self._group_names(g for p in found for g in p.group_ids)
        # Telegram ids only for administrators; pseudonyms for nobody, as a list of names
        # with pseudonyms would undo every anonymous report.
        admin = self.access.allows(actor, Permission.SEE_ANONYMOUS_REPORTERS)
        columns = ("id", *USER_COLUMNS) if admin else COORDINATOR_USER_COLUMNS
        return [Table("users", columns, [self._user_row(p, tr, names, columns) for p in found])]

    def _user_row(
        self,
        person: PersonRow,
        tr: Tr,
        group_names: Mapping[int, str],
        columns: Sequence[str],
    ) -> tuple[Any, ...]:
        user = person.user
        rayon = self.gazetteer.rayon_of(user.place_code) if user.place_code else None
        # A person who gave only an oblast is listed with it: nothing finer is known.
        coarse = rayon.code if rayon is not None else user.place_code
        values: dict[str, Any] = {
            "id": user.id,
            "name": " ".join(p for p in (user.first_name, user.last_name) if p),
            "username": user.username,
            "language": _option(tr, LANGUAGE_OPTIONS, user.language),
            "kind": _option(tr, KIND_OPTIONS, user.kind),
            "place": self._place_path(user.place_code, tr),
            "place_code": user.place_code,
            "place_other": user.place_other,
            "rayon": self._place_path(coarse, tr),
            "rayon_code": coarse,
            "registered_at": _iso(user.privacy_accepted_at),
            "active": _yes_no(tr, user.active),
            "groups": "; ".join(group_names.get(g, str(g)) for g in person.group_ids),
            "roles": "; ".join(f"{r.role}:{r.scope_value or r.scope_kind}" for r in person.roles),
        }
        return tuple(values[c] for c in columns)

    async def _needs(self, actor: Actor, request: ExportRequest, tr: Tr) -> list[Table]:
        assert self.needs is not None
        period = self._period(request)
        found = [
            n
            for n in await self.needs.visible_needs(actor)
            if (period.start is None or n.created_at >= period.start)
            and (period.end is None or n.created_at < period.end)
            and (request.status is None or n.stage == request.status)
            and (
                request.region is None
                or (
                    n.place_code is not None
                    and self.gazetteer.covers(request.region, n.place_code)
                )
            )
        ]
        stages = await self.needs.tracks(actor, found)
        names = await self._group_names(g for n in found for g in n.shared_with)
        return [
            Table("needs", NEED_COLUMNS, [self._need_row(n, tr, names) for n in found]),
            Table("stages", STAGE_COLUMNS, [_stage_row(s, tr) for s in stages]),
        ]

    def _need_row(self, need: Need, tr: Tr, group_names: Mapping[int, str]) -> tuple[Any, ...]:
        values: dict[str, Any] = {
            "id": need.id,
            "created_at": _iso(need.created_at),
            "topic": _label(tr, need_form.TOPICS.get(need.topic)),
            "topic_other": need.topic_other,
            "place": self._place_path(need.place_code, tr),
            "place_code": need.place_code,
            "village": need.village,
            "heard": _label(tr, need_form.HEARD.get(need.heard)),
            "women": need.women,
            "description": need.description,
            "proposal": need.proposal,
            "stage": _label(tr, need_form.STAGES.get(need.stage)),
            "reached": _label(tr, need_form.STAGES.get(need.reached)),
            "stage_on": _iso(need.stage_on),
            "amount_som": need.amount_som,
            "joined_to": need.joined_to,
            "shared_with_groups": "; ".join(group_names.get(g, str(g)) for g in need.shared_with),
            "voice_notes": 1 if need.voice else 0,
            "photos": sum(1 for p in need.photos if p.get("type") == "photo"),
        }
        return tuple(values[c] for c in NEED_COLUMNS)

    # ------------------------------------------------------------------ formats

    def render(self, tables: Sequence[Table], fmt: str, kind: str) -> bytes:
        """The file: CSV holds the first table, XLSX every table, GeoJSON the located reports."""
        if fmt == "csv":
            return _csv(tables[0])
        if fmt == "xlsx":
            return _xlsx(tables)
        return _geojson(tables[0], kind)

    # ------------------------------------------------------------------ the /export dialogue

    async def start(self, actor: Actor) -> Screen:
        """/export: which kind of records."""
        self.access.require(actor, Permission.EXPORT)
        tr = translator(actor.locale)
        letters = {v: k for k, v in KIND_KEYS.items()}
        buttons = [
            Button(tr.label(KIND_LABELS[k]), f"exp:k:{letters[k]}") for k in self.kinds_for(actor)
        ]
        return Screen(
            tr.gettext(
                N_(
                    "📤 <b>Export</b>\nWhat would you like to export? Only the records of your "
                    "area are included."
                )
            ),
            rows(buttons, 2),
        )

    async def on_button(self, actor: Actor, data: str) -> Screen:
        """An `exp:` button: each step re-checks the right to export and the region."""
        self.access.require(actor, Permission.EXPORT)
        parts = data.split(":")[1:]
        match parts:
            case ["k", k] if KIND_KEYS.get(k) in self.kinds_for(actor):
                return self._formats(actor, k)
            case ["f", k, f] if KIND_KEYS.get(k) in self.kinds_for(actor) and f in FORMAT_KEYS:
                return self._periods(actor, k, f)
            case ["p", k, f, p] if self._valid(actor, k, f) and p in PERIOD_LABELS:
                return await self._regions(actor, k, f, p)
            case ["r", k, f, p, region] if self._valid(actor, k, f) and p in PERIOD_LABELS:
                return await self._send(actor, k, f, p, None if region == WHOLE_AREA else region)
        raise StaleButton

    def _valid(self, actor: Actor, k: str, f: str) -> bool:
        kind, fmt = KIND_KEYS.get(k), FORMAT_KEYS.get(f)
        return (
            kind in self.kinds_for(actor)
            and fmt is not None
            and (fmt != "geojson" or kind in GEO_KINDS)
        )

    def _formats(self, actor: Actor, k: str) -> Screen:
        tr = translator(actor.locale)
        kind = KIND_KEYS[k]
        letters = {v: key for key, v in FORMAT_KEYS.items()}
        buttons = [
            Button(tr.label(FORMAT_LABELS[f]), f"exp:f:{k}:{letters[f]}")
            for f in FORMATS
            if f != "geojson" or kind in GEO_KINDS
        ]
        text = tr.gettext(
            N_(
                "In which format? CSV opens in any spreadsheet; XLSX has a sheet for each "
                "table; GeoJSON opens on a map (QGIS, uMap)."
            )
        )
        return Screen(text, rows(buttons, 3))

    def _periods(self, actor: Actor, k: str, f: str) -> Screen:
        tr = translator(actor.locale)
        buttons = [
            Button(tr.label(label), f"exp:p:{k}:{f}:{p}") for p, label in PERIOD_LABELS.items()
        ]
        return Screen(tr.gettext(N_("For which period?")), rows(buttons, 2))

    async def region_choices(self, actor: Actor) -> list[str]:
        """Regions offered as buttons: the scope's places and the places right below them."""
        reach = await self.reach(actor)
        if reach.everywhere:
            return [p.code for p in self.gazetteer.top_level()]
        found = list(
            dict.fromkeys(
                code
                for scope in reach.codes
                for code in (scope, *(p.code for p in self.gazetteer.children(scope)))
            )
        )
        return found if len(found) <= MAX_REGION_BUTTONS else list(reach.codes)

    async def _regions(self, actor: Actor, k: str, f: str, p: str) -> Screen:
        tr = translator(actor.locale)
        head = f"exp:r:{k}:{f}:{p}"
        buttons = [Button("🗺 " + tr.label(N_("Whole area")), f"{head}:{WHOLE_AREA}")]
        buttons += [
            Button(self.gazetteer[c].name(tr.locale), f"{head}:{c}")
            for c in await self.region_choices(actor)
            if KIND_KEYS[k] != "users" or self._people_region_allowed(actor, c)
        ]
        return Screen(tr.gettext(N_("Which part of your area?")), rows(buttons, 2))

    def _since(self, period: str) -> date | None:
        today = self.clock.now().astimezone(self.settings.zone).date()
        return {
            "w": today - timedelta(days=today.weekday()),
            "m": today - timedelta(days=29),
            "y": today - timedelta(days=364),
        }.get(period)

    async def _send(self, actor: Actor, k: str, f: str, period: str, region: str | None) -> Screen:
        tr = translator(actor.locale)
        request = ExportRequest(
            kind=KIND_KEYS[k],
            format=FORMAT_KEYS[f],
            since=self._since(period),
            region=region,
            locale=actor.locale,
        )
        try:
            made = await self.export(actor, request)
        except ExportError:
            # Only forged data reaches here (an unknown region code): a stale button.
            raise StaleButton from None
        lines = [
            tr.gettext(
                N_("{kind} · {period} · {region}"),
                kind=_label(tr, KIND_LABELS[request.kind]),
                period=tr.label(PERIOD_LABELS[period]),
                region=self.gazetteer[region].name(tr.locale)
                if region
                else tr.label(N_("Whole area")),
            ),
            tr.ngettext("{n} record in the file.", "{n} records in the file.", made.count),
        ]
        if request.kind == "incidents" and not self.access.allows(
            actor, Permission.SEE_EXACT_COORDINATES
        ):
            lines.append(
                tr.gettext(
                    N_(
                        "Location pins are rounded to {digits} decimal places (about {km} km) "
                        "to protect the reporters; anonymous reporters appear as a pseudonym."
                    ),
                    digits=tr.number(self.settings.coordinate_precision),
                    km=tr.number(round(111 / 10**self.settings.coordinate_precision, 1)),
                )
            )
        return Screen("\n".join(lines), attachments=(Attachment(made.filename, made.data),))


def _side(tr: Tr, kind: str | None, typed: str | None) -> str:
    if kind is None:
        return ""
    if kind == OTHER:
        return typed or ""
    return _option(tr, ACTORS, kind)


def _update_row(update: IncidentUpdate, tr: Tr) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "incident_id": update.incident_id,
        "update_id": update.id,
        "at": _iso(update.at),
        "kind": _option(tr, UPDATE_KINDS, update.kind),
        "author_role": _label(tr, AUTHOR_ROLES.get(update.author_role)),
        "text": update.text,
        "response": _option(tr, RESPONSES, update.response) if update.response else "",
        "outcome": _option(tr, FOLLOWUP_OUTCOMES, update.outcome) if update.outcome else "",
        "status_after": _option(tr, STATUSES, update.status_after) if update.status_after else "",
        "reply_to": update.reply_to,
    }
    return tuple(values[c] for c in UPDATE_COLUMNS)


def _incident_file_row(meta: FileMeta, tr: Tr) -> tuple[Any, ...]:
    return (meta.owner_id, meta.update_id, meta.position, _file_type(meta.type, tr), meta.duration)


def _practice_file_row(meta: FileMeta, tr: Tr) -> tuple[Any, ...]:
    return (meta.owner_id, meta.position, _file_type(meta.type, tr), meta.duration, meta.mime)


def _file_type(kind: str, tr: Tr) -> str:
    return _label(tr, FILE_TYPES.get(kind)) or kind


def _stage_row(stage: NeedStage, tr: Tr) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "need_id": stage.need_id,
        "stage_id": stage.id,
        "happened_on": _iso(stage.happened_on),
        "from_stage": _label(tr, need_form.STAGES.get(stage.from_stage)),
        "stage": _label(tr, need_form.STAGES.get(stage.stage)),
        "raised_with": _label(tr, need_form.RAISED_WITH.get(stage.raised_with or "")),
        "amount_som": stage.amount_som,
        "reason": stage.reason,
        "evidence_files": len(stage.evidence),
    }
    return tuple(values[c] for c in STAGE_COLUMNS)


def _filters_note(request: ExportRequest) -> str:
    """The filters of an export for the audit log (codes and dates only, nothing personal)."""
    parts = {
        "since": _iso(request.since),
        "until": _iso(request.until),
        "region": request.region,
        "status": request.status,
        "lang": request.locale,
    }
    return ";".join(f"{k}={v}" for k, v in parts.items() if v is not None)


def _csv_cell(value: Any) -> Any:
    """Text as a CSV cell: rows stored before text was cleaned lose what XML forbids, and a
    leading apostrophe keeps spreadsheet programs from running the text as a formula."""
    if not isinstance(value, str):
        return value
    text = xml_safe(value)
    return "'" + text if starts_formula(text) else text


def _csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(_csv_cell(v) for v in row)
    # UTF-8 with a byte-order mark: Excel then reads Cyrillic correctly.
    return out.getvalue().encode("utf-8-sig")


def _xlsx(tables: Sequence[Table]) -> bytes:
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(table.name)
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            cells = []
            for value in row:
                cells.append(_xlsx_cell(sheet, value))
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    """A cell; text typed by a person is always text, never a formula, even once edited."""
    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=value)
    text = xml_safe(value)  # openpyxl refuses rows stored before text was cleaned
    cell = WriteOnlyCell(sheet, value=text)
    if starts_formula(text):
        cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
        cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def _geojson(table: Table, kind: str) -> bytes:
    lat_at, lon_at = table.columns.index("latitude"), table.columns.index("longitude")
    features = []
    for row in table.rows:
        lat, lon = row[lat_at], row[lon_at]
        if lat is None or lon is None:
            continue
        properties = {
            c: v
            for c, v in zip(table.columns, row, strict=True)
            if c not in ("latitude", "longitude")
        }
        features.append(
            {
                "type": "Feature",
                "id": properties["id"],
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": properties,
            }
        )
    collection = {"type": "FeatureCollection", "name": f"ayilbot-{kind}", "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode()
