"""Incident reports: submitting, the reporter's own reports and news, follow-ups, urgent alerts.

Who sees a report: its reporter, and whoever may review it (`may_review`: review_incidents and
the report's aiyl aimak, rayon or oblast within the person's `Reach`). Review itself is in
`bot/rules/review.py`; both return records and notices that the surfaces draw.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from functools import partial
from typing import Any

from bot.core.access import Actor, Permission, Reach, scopes_from_roles
from bot.core.errors import StaleButton, UnknownValue
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.core.text import N_
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.incident import (
    ACTORS,
    EVENT_TYPES,
    EVENTS,
    FOLLOWUP_OUTCOMES,
    INCIDENT,
    OTHER,
    REPORT_UPDATE,
    RESOURCES,
    picked_village,
    report_place,
)
from bot.forms.incident_labels import REVIEW_STATUSES, report_number
from bot.forms.kinds import Env, Invalid
from bot.forms.view import FormView
from bot.gazetteer import Place
from bot.records.core import Draft, Role, User
from bot.records.dashboard import Box, MapRow, PlaceCount, ReportFilter, ReportSort
from bot.records.incidents import Incident, IncidentAttachment, IncidentUpdate, NewIncident
from bot.rules.paging import Paging
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.incident_queries import IncidentQueryRepository
from storage.incidents import (
    IncidentAttachmentRepository,
    IncidentRepository,
    IncidentUpdateRepository,
    UncoveredNoticeRepository,
)
from storage.users import RoleRepository, UserRepository

log = logging.getLogger(__name__)

URGENT_EVENTS = frozenset({"physical_clash", "property_damage", "blockade"})
DUPLICATE_WINDOW = timedelta(hours=72)
FOLLOWUP_AFTER = timedelta(days=7)
FOLLOWUP_BATCH = 500
REVIEWABLE = ("pending", "question")
MY_REPORTS_SHOWN = 20
ENTITY = "incident"  # audit entries about reports
OUTCOMES = tuple(o.value for o in FOLLOWUP_OUTCOMES)


class Alerted(StrEnum):
    """Who an urgent alert goes to; the reporter's receipt says the same."""

    COORDINATORS = "coordinators"
    ADMINISTRATORS = "administrators"
    NOBODY = "nobody"


# What the reporter is told about an urgent report, by who is alerted.
URGENT_RECEIPTS: dict[str, str] = {
    Alerted.COORDINATORS: N_(
        "Thank you! Your report is saved as {number}. It is urgent, so the "
        "coordinators of this area are being alerted now. /myreports shows your "
        "reports; you can add news to them there."
    ),
    Alerted.ADMINISTRATORS: N_(
        "Thank you! Your report is saved as {number}. It is urgent. No coordinator covers "
        "this area yet, so the administrators are being alerted now. /myreports shows your "
        "reports; you can add news to them there."
    ),
    Alerted.NOBODY: N_(
        "Thank you! Your report is saved as {number}. It is urgent, but no coordinator or "
        "administrator can be reached right now; the report is kept and will be reviewed. "
        "/myreports shows your reports; you can add news to them there."
    ),
}
NO_LONGER_AVAILABLE = N_("This report is no longer available.")


def is_urgent(sub_event_type: str, injuries: int, fatalities: int) -> bool:
    """A clash, damage or blockade, or anyone hurt or killed, alerts coordinators at once."""
    return sub_event_type in URGENT_EVENTS or injuries > 0 or fatalities > 0


def in_reach(reach: Reach, report: NewIncident) -> bool:
    """Whether a report lies within a reach, by its aiyl aimak, rayon or oblast.

    Storage filters lists the same way (any of `admin1`-`admin3` among `reach.place_codes`),
    so a report that a list shows is one that opens, even if its aiyl aimak later left the
    gazetteer.
    """
    codes = (report.admin1, report.admin2, report.admin3)
    return reach.everything or any(reach.covers_place(c) for c in codes if c)


# ---------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ReportCard:
    """A report as one reader may see it: who may see the name and the pin is decided here."""

    incident: Incident
    places: tuple[Place, ...]  # its place and those above it, most precise first
    attachments: tuple[IncidentAttachment, ...]
    updates: tuple[IncidentUpdate, ...]
    coordinates: tuple[float, float] | None  # exact, or rounded for who may not see exact
    shows_reporter: bool  # a "Reported by" line at all (reviewers), not for the reporter
    reporter: str | None  # the name, when this reader may see it
    flagged_duplicate: int | None  # a possible original, while the report waits for review
    zone: tzinfo  # times are shown in it


@dataclass(frozen=True, slots=True)
class FollowupReply:
    """What the reporter's answer to the weekly question did."""

    number: int
    outcome: str  # resolved | open | worse
    recorded: bool  # False: an answer was already recorded, nothing changed
    alerted: Alerted | None = None  # for "worse": who is told
    then: Callable[[], Awaitable[None]] | None = None  # alerts, after the reply


@dataclass(frozen=True, slots=True)
class MediaList:
    """The photos and voice notes of a report, to send again by their Telegram ids."""

    number: int
    attachments: tuple[IncidentAttachment, ...]


@dataclass(frozen=True, slots=True)
class UrgentAlert:
    """Notice: an urgent report (or one that got worse), for a coordinator or administrator."""

    incident: Incident
    places: tuple[Place, ...]
    reporter: str | None  # None for anonymous reports
    worse: bool
    via_administrators: bool  # no coordinator covering the place could be reached


@dataclass(frozen=True, slots=True)
class UncoveredArea:
    """Notice to administrators: a report came from a rayon no coordinator covers."""

    incident: Incident
    places: tuple[Place, ...]
    region: Place | None  # the rayon (or oblast) to give a coordinator; None: unknown
    region_code: str  # as /invite and `ayilbot admin grant` take it


@dataclass(frozen=True, slots=True)
class AlertRerouted:
    """Notice to a reporter: her urgent report's alert did not reach whom her receipt named."""

    incident: Incident
    reached: Alerted  # ADMINISTRATORS (instead of the coordinators) or NOBODY


@dataclass(frozen=True, slots=True)
class FollowupQuestion:
    """Notice to a reporter: a week without news, is it resolved?"""

    incident: Incident
    places: tuple[Place, ...]


@dataclass(frozen=True, slots=True)
class Loaded:
    """A report with its files and history, as read."""

    incident: Incident
    attachments: tuple[IncidentAttachment, ...]
    updates: tuple[IncidentUpdate, ...]


@dataclass(frozen=True, slots=True)
class Audience:
    """The people an urgent alert goes to."""

    kind: Alerted
    user_ids: tuple[int, ...] = ()


# ---------------------------------------------------------------------- the dashboard's records

TABLE_PAGE = 50  # rows of the dashboard's reports table
API_PAGE = 500  # the most reports one API call returns
# The map shows every report as its own marker (clustered in the browser) while the filter
# holds at most this many; beyond it, counts per place, and markers again once zoomed into a
# part of the country that holds at most this many (bench/RESULTS.md, "Dashboard").
MAP_POINTS = 3000
AIMAK_ZOOM = 8.0  # from this zoom the counts are per aiyl aimak, below it per rayon
DETAIL_ZOOM = 10.0  # from this zoom the markers of the visible part are shown
FILTER_REVIEWS = tuple(o.value for o in REVIEW_STATUSES)
FILTER_RESOURCES = tuple(o.value for o in RESOURCES)
FILTER_EVENTS = tuple(o.value for o in EVENTS)


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What the filter bar offers this reader: places drill down from the top of her reach."""

    trail: tuple[Place, ...]  # the chosen place's ancestors in reach, top first, and it
    children: tuple[Place, ...]  # what lies one level below the chosen place (or the top)
    resources: tuple[str, ...]
    events: tuple[str, ...]
    reviews: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReportLine:
    """A row of the reports table."""

    incident: Incident
    places: tuple[Place, ...]  # its place and those above it, most precise first


@dataclass(frozen=True, slots=True)
class ReportTable:
    """A page of the reports in reach that pass the filter, in the order asked for."""

    lines: tuple[ReportLine, ...]
    paging: Paging
    sort: ReportSort
    descending: bool


@dataclass(frozen=True, slots=True)
class MapPoint:
    """One report on the map: its pin (rounded unless exact pins may be seen) or its place."""

    id: int
    lat: float
    lon: float
    resource: str
    event: str
    review: str
    urgent: bool
    state: str | None  # its aiyl aimak's early-warning state: rising | calming | None


@dataclass(frozen=True, slots=True)
class MapGroup:
    """Reports counted at one place (a rayon or an aiyl aimak), at its centre."""

    code: str | None  # None: reports without a place, counted at their rounded pin
    place: Place | None
    lat: float
    lon: float
    reports: int
    resources: Mapping[str, int]
    states: Mapping[str, int]  # by early-warning state ("" for none)


@dataclass(frozen=True, slots=True)
class MapData:
    """What the map shows: markers, or counts per place when there are too many."""

    total: int  # reports in reach that pass the filter
    level: str  # points | rayon | aiyl_aimak
    points: tuple[MapPoint, ...]
    groups: tuple[MapGroup, ...]
    unplaced: int  # of those drawn: reports with neither a pin nor a located place
    complete: bool  # everything that passes the filter is here: moving the map changes nothing


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """One step of a report's review, as audited."""

    at: datetime
    from_status: str | None
    to_status: str | None
    reason: str | None  # a rejection's reason code (and typed text), or a question


@dataclass(frozen=True, slots=True)
class ReportPage:
    """A report for the dashboard: every answer, its history, its review, its files.

    `card.reporter` holds a name only for a named report: an anonymous reporter is never
    named on the dashboard, to anyone.
    """

    card: ReportCard
    decisions: tuple[ReviewDecision, ...]
    duplicate_of_visible: bool  # the original of a duplicate lies in reach (link to it)


# ---------------------------------------------------------------------- rules


class IncidentRules:
    """Everything about incident reports but their review."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        # Called after commit with the number of a new or updated report (early warning).
        self.on_incident_changed: list[Callable[[int], Awaitable[None]]] = []
        # Places' coordinates up the chain, by code (the map asks for the same few often).
        self._locations: dict[str, tuple[float, float] | None] = {}
        self._located_places: list[tuple[str, float, float]] = []

    def specs(self) -> dict[str, FormSpec]:
        """The report form and the reporter's news about it."""
        return {
            "incident": FormSpec(INCIDENT, self.submit_report),
            "incident_update": FormSpec(REPORT_UPDATE, self.submit_update),
        }

    def _changed(
        self, number: int, first: Callable[[], Awaitable[None]] | None = None
    ) -> Callable[[], Awaitable[None]]:
        """After-commit work: `first`, then every `on_incident_changed` callback."""

        async def run() -> None:
            if first is not None:
                await first()
            for callback in self.on_incident_changed:
                await callback(number)

        return run

    # ------------------------------------------------------------------ submitting

    async def start_report(self, actor: Actor) -> FormView:
        """The report form, or the unfinished one where it stopped."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        return await self.kernel.get(FormEngine).start(actor, form_id="incident")

    async def submit_report(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store a report in the engine's transaction; alerts go out after commit."""
        record = self._record(draft, actor, env, now=self.kernel.clock.now())
        incidents = IncidentRepository(conn)
        if record.admin3 is not None:
            similar = await incidents.latest_similar(
                admin3=record.admin3,
                resource=record.resource,
                since=record.received_at - DUPLICATE_WINDOW,
            )
            record = replace(record, possible_duplicate_of=similar)
        number, created = await incidents.add(incident=record)
        if created:
            description = draft.answers.get("description") or {}
            files = [*([description["voice"]] if description.get("voice") else [])]
            files += list(draft.answers.get("photos") or [])
            await IncidentAttachmentRepository(conn).add(
                incident_id=number, update_id=None, files=files
            )
        message = N_(
            "Thank you! Your report is saved as {number}. /myreports shows your reports; "
            "you can add news to them there."
        )
        audience = await self._audience(record, actor.user_id) if record.urgent else None
        if audience is not None:
            message = URGENT_RECEIPTS[audience.kind]

        async def after() -> None:
            if audience is not None:
                await self._alert(number, audience)
            await self._tell_admins_if_uncovered(number)

        return Submitted(
            message,
            {"number": report_number(number)},
            after_commit=self._changed(number, after if created else None),
        )

    def _record(self, draft: Draft, actor: Actor, env: Env, *, now: datetime) -> NewIncident:
        answers = draft.answers
        chain = self._admin_codes(report_place(answers, env))
        location = answers.get("location")
        village = picked_village(answers, env)
        # A village picked from the list is stored by code, and named as the reporter reads it.
        village_name = village.name(env.tr.locale) if village else answers.get("village")
        description = answers.get("description") or {}
        injuries = int(answers.get("injuries") or 0)
        fatalities = int(answers.get("fatalities") or 0)
        sub_event = str(answers["sub_event_type"])
        source = str(answers["source"])
        anonymous = answers.get("visibility") == "anonymous"
        return NewIncident(
            draft_id=draft.id,
            form_id=draft.form_id,
            form_version=draft.form_version,
            reporter_id=actor.user_id,
            # Only an anonymous report carries the pseudonym: on a named one it would tie the
            # name to every anonymous report of the same person, once erased above all.
            reporter_pseudonym=actor.user.pseudonym if actor.user and anonymous else None,
            reporter_role=actor.user.kind if actor.user else None,
            anonymous=anonymous,
            received_at=now,
            event_date=date.fromisoformat(str(answers["event_date"])),
            date_precision=int(answers.get("date_precision") or 1),
            resource=str(answers["resource"]),
            resource_other=answers.get("resource_other"),
            event_type=EVENT_TYPES[sub_event],
            sub_event_type=sub_event,
            actor1=_actor_name(answers.get("actor1"), answers.get("actor1_other")),
            actor1_type=str(answers["actor1"]),
            actor2=_actor_name(answers.get("actor2"), answers.get("actor2_other")),
            actor2_type=answers.get("actor2"),
            crowd_size=str(answers["crowd_size"]),
            fatalities=fatalities,
            injuries=injuries,
            admin1=chain.get("oblast"),
            admin2=chain.get("rayon") or chain.get("city"),
            admin3=chain.get("aiyl_aimak"),
            place_other=answers.get("place_other"),
            location=village_name,
            latitude=location["lat"] if location else None,
            longitude=location["lon"] if location else None,
            geo_precision=1 if location else 2 if village_name else 3,
            border=str(answers["border"]),
            notes=description.get("text"),
            response=answers.get("response"),
            source=source,
            source_scale="new_media" if source == "media" else "local",
            urgent=is_urgent(sub_event, injuries, fatalities),
            status=str(answers.get("status") or "open"),
            possible_duplicate_of=None,
            village_code=village.code if village else None,
        )

    def _admin_codes(self, code: str | None) -> dict[str, str]:
        gazetteer = self.kernel.gazetteer
        # A code the reform retired still names the place it joined (`resolve`).
        if code is None or gazetteer.resolve(code) is None:
            return {}
        return {place.level: place.code for place in gazetteer.ancestors(code)}

    # ------------------------------------------------------------------ who is told

    async def _audience(self, report: NewIncident, reporter_id: int | None) -> Audience:
        """The coordinators whose reach covers the report, else the administrators."""
        found = tuple(i for i in await self.coordinators_of(report) if i != reporter_id)
        if found:
            return Audience(Alerted.COORDINATORS, found)
        found = tuple(i for i in await self.administrators() if i != reporter_id)
        if found:
            return Audience(Alerted.ADMINISTRATORS, found)
        return Audience(Alerted.NOBODY)

    async def coordinators_of(self, report: NewIncident) -> list[int]:
        """Active coordinators whose reach covers the report (administrators: see below)."""
        async with self.kernel.db.reading() as conn:
            holders = await RoleRepository(conn).holders("coordinator")
        by_person: dict[int, list[Role]] = {}
        for role in holders:
            by_person.setdefault(role.user_id, []).append(role)
        gazetteer = self.kernel.gazetteer
        return [
            user_id
            for user_id, roles in by_person.items()
            if in_reach(Reach.of(scopes_from_roles(roles), gazetteer), report)
        ]

    async def administrators(self) -> list[int]:
        """Admins the bot can write to: listed or holding the role, with a chat, and active."""
        async with self.kernel.db.reading() as conn:
            holders = {r.user_id for r in await RoleRepository(conn).holders("admin")}
            users = UserRepository(conn)
            for user_id in sorted(self.kernel.settings.admin_ids - holders):
                user = await users.get(user_id)
                if user is not None and user.active:
                    holders.add(user_id)
        return sorted(holders)

    async def people(self, ids: Iterable[int]) -> list[User]:
        """The stored people among `ids`, in that order."""
        async with self.kernel.db.reading() as conn:
            repo = UserRepository(conn)
            found = [await repo.get(i) for i in ids]
        return [u for u in found if u is not None]

    async def tell(self, user: User, notice: object) -> Delivery:
        """Send a notice to a person, drawn in their language."""
        return await self.kernel.notifier.notify(Recipient(user.id, user.language), notice)

    async def _alert(self, number: int, audience: Audience, *, worse: bool = False) -> None:
        """Alert the audience; if no coordinator got it, the administrators."""
        loaded = await self.read(number)
        if loaded is None:
            return
        incident = loaded.incident
        reached = await self._alert_each(incident, audience, worse=worse)
        rerouted = None
        if not reached and audience.kind is Alerted.COORDINATORS:
            admins = tuple(i for i in await self.administrators() if i != incident.reporter_id)
            reached = await self._alert_each(
                incident, Audience(Alerted.ADMINISTRATORS, admins), worse=worse
            )
            rerouted = Alerted.ADMINISTRATORS
        if not reached:
            log.warning("urgent alert for incident %s reached nobody", number)
            rerouted = Alerted.NOBODY if audience.kind is not Alerted.NOBODY else None
        # The receipt was sent before the alert (committed first, thanked at once); when the
        # alert went elsewhere, the reporter is told what really happened.
        if rerouted is not None and incident.reporter_id is not None:
            for reporter in await self.people([incident.reporter_id]):
                if reporter.active:
                    await self.tell(reporter, AlertRerouted(incident, rerouted))

    async def _alert_each(self, incident: Incident, audience: Audience, *, worse: bool) -> int:
        """Send the alert to each active person of the audience; how many surely got it."""
        notice = UrgentAlert(
            incident,
            self.places(incident),
            reporter=await self._reporter_name(incident, admin=False),
            worse=worse,
            via_administrators=audience.kind is Alerted.ADMINISTRATORS,
        )
        reached = 0
        for user in await self.people(audience.user_ids):
            if user.id == incident.reporter_id or not user.active:
                continue
            # A send that may have arrived (timed out) is not counted: the fallback to the
            # administrators then rather alerts twice than leaves an urgent report unseen.
            if await self.tell(user, notice) is Delivery.SENT:
                reached += 1
            else:
                log.info("urgent alert for incident %s not delivered to %s", incident.id, user.id)
        return reached

    async def _tell_admins_if_uncovered(self, number: int) -> None:
        """Tell the admins, once a week per rayon, that reports come from where nobody covers."""
        async with self.kernel.db.reading() as conn:
            incident = await IncidentRepository(conn).get(incident_id=number)
        if incident is None or await self.coordinators_of(incident):
            return
        admins = [i for i in await self.administrators() if i != incident.reporter_id]
        if not admins:
            return  # claimed by the first report that finds an administrator to tell
        region = incident.admin2 or incident.admin1 or ""
        day = incident.received_at.astimezone(self.kernel.settings.zone).date()
        async with self.kernel.db.transaction() as conn:
            claimed = await UncoveredNoticeRepository(conn).claim(
                region=region,
                week_start=day - timedelta(days=day.weekday()),
                now=self.kernel.clock.now(),
            )
        if not claimed:
            return
        notice = UncoveredArea(
            incident,
            self.places(incident),
            region=self.kernel.gazetteer.resolve(region) if region else None,
            region_code=region or "all",
        )
        for user in await self.people(admins):
            if user.active:
                await self.tell(user, notice)

    async def _reporter_name(self, incident: Incident, *, admin: bool) -> str | None:
        """The reporter's name for coordinators: None for anonymous reports (admins excepted)."""
        if incident.reporter_id is None or (incident.anonymous and not admin):
            return None
        async with self.kernel.db.reading() as conn:
            user = await UserRepository(conn).get(incident.reporter_id)
        return user.display_name if user is not None else None

    # ------------------------------------------------------------------ reading reports

    def places(self, incident: Incident) -> tuple[Place, ...]:
        """The report's place and those above it, most precise first (none when unknown)."""
        code = incident.place_code
        gazetteer = self.kernel.gazetteer
        # A code the reform retired names the place it joined (`ancestors` follows it).
        known = code is not None and gazetteer.resolve(code) is not None
        return tuple(gazetteer.ancestors(code)) if code and known else ()

    def may_review(self, actor: Actor, incident: NewIncident) -> bool:
        """Whether the actor reviews this report: review_incidents, and it is within reach."""
        return self.kernel.access.allows(actor, Permission.REVIEW_INCIDENTS) and in_reach(
            actor.reach, incident
        )

    async def read(
        self, number: int, *, visible: Callable[[Incident], bool] | None = None
    ) -> Loaded | None:
        """A report with its files and history; None when missing or not `visible`."""
        async with self.kernel.db.reading() as conn:
            incident = await IncidentRepository(conn).get(incident_id=number)
            # One read decides both, so a missing report and a hidden one cost the same.
            if incident is None or (visible is not None and not visible(incident)):
                return None
            attachments = await IncidentAttachmentRepository(conn).for_incident(incident_id=number)
            updates = await IncidentUpdateRepository(conn).for_incident(incident_id=number)
        return Loaded(incident, tuple(attachments), tuple(updates))

    async def card(self, loaded: Loaded, actor: Actor, *, reviewer: bool) -> ReportCard:
        """The report as this actor sees it: as its reporter, or as a reviewer."""
        incident = loaded.incident
        access = self.kernel.access
        if reviewer:
            admin = access.allows(actor, Permission.SEE_ANONYMOUS_REPORTERS)
            reporter = await self._reporter_name(incident, admin=admin)
            exact = access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        else:
            reporter, exact = None, True  # the reporter sees her own pin
        waiting = incident.review_status in REVIEWABLE
        return ReportCard(
            incident=incident,
            places=self.places(incident),
            attachments=loaded.attachments,
            updates=loaded.updates,
            coordinates=self._coordinates(incident, exact=exact),
            shows_reporter=reviewer,
            reporter=reporter,
            flagged_duplicate=incident.possible_duplicate_of if waiting else None,
            zone=self.kernel.settings.zone,
        )

    def _coordinates(self, incident: Incident, *, exact: bool) -> tuple[float, float] | None:
        """The pin, rounded for those who may not see exact coordinates."""
        if incident.latitude is None or incident.longitude is None:
            return None
        if exact:
            return incident.latitude, incident.longitude
        digits = self.kernel.settings.coordinate_precision
        return round(incident.latitude, digits), round(incident.longitude, digits)

    async def media(self, actor: Actor, number: int) -> MediaList:
        """The photos and voice notes of a report, for its reporter or a reviewer in reach."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        loaded = await self.read(
            number,
            visible=lambda i: i.reporter_id == actor.user_id or self.may_review(actor, i),
        )
        if loaded is None:
            raise StaleButton
        return MediaList(number, loaded.attachments)

    # ------------------------------------------------------------------ the reporter's own

    async def my_reports(self, actor: Actor) -> tuple[Incident, ...]:
        """The person's own reports, newest first."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        async with self.kernel.db.reading() as conn:
            mine = await IncidentRepository(conn).list_by_reporter(
                reporter_id=actor.user_id, limit=MY_REPORTS_SHOWN
            )
        return tuple(mine)

    async def my_report(self, actor: Actor, number: int) -> ReportCard:
        """One of the person's reports with its history."""
        return await self.card(await self._own(actor, number), actor, reviewer=False)

    async def start_update(self, actor: Actor, number: int) -> FormView:
        """The form for news about one of the person's reports."""
        loaded = await self._own(actor, number)
        return await self.kernel.get(FormEngine).start(
            actor,
            form_id="incident_update",
            context={"incident": number, "status": loaded.incident.status},
            restart=True,
        )

    async def submit_update(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Append the reporter's update to the history; a status change is audited."""
        number = int(draft.context["incident"])
        incident = await IncidentRepository(conn).get(incident_id=number)
        if incident is None or incident.reporter_id != actor.user_id:
            raise Invalid(NO_LONGER_AVAILABLE)
        answers = draft.answers
        kind = str(answers["kind"])
        note = answers.get("details") or answers.get("comment") or {}
        status = {"resolved": "resolved", "reopened": "open"}.get(kind, incident.status)
        now = self.kernel.clock.now()
        update_id = await IncidentUpdateRepository(conn).add(
            incident_id=number,
            at=now,
            author_id=actor.user_id,
            author_role="reporter",
            kind=kind,
            text=note.get("text"),
            response=answers.get("response"),
            status_after=status,
            draft_id=draft.id,
        )
        files = [*([note["voice"]] if note.get("voice") else []), *(answers.get("photos") or [])]
        await IncidentAttachmentRepository(conn).add(
            incident_id=number, update_id=update_id, files=files
        )
        await self._change_status(conn, actor, incident, status, now=now)
        return Submitted(
            N_("Thank you! The news is added to report {number}."),
            {"number": report_number(number)},
            after_commit=self._changed(number),
        )

    async def _change_status(
        self, conn: Connection, actor: Actor, incident: Incident, status: str, *, now: datetime
    ) -> None:
        incidents = IncidentRepository(conn)
        await incidents.touch(incident_id=incident.id, now=now)
        if status == incident.status:
            return
        await incidents.set_status(incident_id=incident.id, status=status)
        await AuditRepository(conn).record(
            actor_id=actor.user_id,
            entity=ENTITY,
            entity_id=str(incident.id),
            action="status",
            from_value=incident.status,
            to_value=status,
            reason=None,
            now=now,
        )

    async def _own(self, actor: Actor, number: int) -> Loaded:
        """A report of this person; anyone else's is answered as a stale button."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        loaded = await self.read(number, visible=lambda i: i.reporter_id == actor.user_id)
        if loaded is None:
            raise StaleButton
        return loaded

    # ------------------------------------------------------------------ follow-up

    async def send_followups(self, now: datetime) -> int:
        """Ask, once, about every open report with no news for a week; returns how many."""
        async with self.kernel.db.transaction() as conn:
            incidents = IncidentRepository(conn)
            due = await incidents.due_followups(
                quiet_since=now - FOLLOWUP_AFTER, limit=FOLLOWUP_BATCH
            )
            # Claimed before sending: a crash mid-way leaves some unasked rather than asked twice.
            claimed = [
                i for i in due if await incidents.mark_followup_sent(incident_id=i.id, now=now)
            ]
        people = {
            u.id: u for u in await self.people(i.reporter_id for i in claimed if i.reporter_id)
        }
        sent = 0
        for incident in claimed:
            user = people.get(incident.reporter_id or 0)
            if user is None or not user.active:
                continue
            notice = FollowupQuestion(incident, self.places(incident))
            if await self.tell(user, notice) is Delivery.SENT:
                sent += 1
        return sent

    async def answer_followup(self, actor: Actor, number: int, outcome: str) -> FollowupReply:
        """The reporter's answer to the weekly question becomes an update, once."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        if outcome not in OUTCOMES:
            raise StaleButton
        now = self.kernel.clock.now()
        async with self.kernel.db.transaction() as conn:
            incident = await IncidentRepository(conn).get(incident_id=number)
            if incident is None or incident.reporter_id != actor.user_id:
                raise StaleButton
            if incident.followup_sent_at is None:
                raise StaleButton
            updates = IncidentUpdateRepository(conn)
            if await updates.has_kind(incident_id=number, kind="followup"):
                return FollowupReply(number, outcome, recorded=False)
            status = "resolved" if outcome == "resolved" else incident.status
            await updates.add(
                incident_id=number,
                at=now,
                author_id=actor.user_id,
                author_role="reporter",
                kind="followup",
                outcome=outcome,
                status_after=status,
            )
            await self._change_status(conn, actor, incident, status, now=now)
        if outcome != "worse":
            return FollowupReply(number, outcome, recorded=True)
        audience = await self._audience(incident, actor.user_id)
        return FollowupReply(
            number,
            outcome,
            recorded=True,
            alerted=audience.kind,
            then=partial(self._alert, number, audience, worse=True),
        )

    # ------------------------------------------------------------------ export and privacy

    async def export_rows(self, actor: Actor) -> list[dict[str, Any]]:
        """Reports in the actor's reach as flat rows; anonymous reporters stay hidden."""
        access = self.kernel.access
        access.require(actor, Permission.EXPORT)
        see_reporters = access.allows(actor, Permission.SEE_ANONYMOUS_REPORTERS)
        exact = access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        async with self.kernel.db.reading() as conn:
            found = await IncidentRepository(conn).in_scope(
                codes=actor.reach.place_codes, limit=1_000_000
            )
        rows = []
        for incident in found:
            row = _plain(asdict(incident))
            row.pop("draft_id")
            lat_lon = self._coordinates(incident, exact=exact)
            row["latitude"], row["longitude"] = lat_lon if lat_lon else (None, None)
            if not incident.anonymous:
                row["reporter_pseudonym"] = None  # a named report is never tied to a pseudonym
            if not see_reporters:
                row.pop("reporter_id")
                if incident.anonymous:
                    row["reporter_pseudonym"] = None
                    row["reporter_role"] = None
            rows.append(row)
        return rows

    async def export_personal(self, conn: Connection, user_id: int) -> Any:
        """For /mydata: the person's reports, their updates and attachment ids."""
        incidents = await IncidentRepository(conn).list_by_reporter(
            reporter_id=user_id, limit=1_000_000
        )
        attachments = IncidentAttachmentRepository(conn)
        return {
            "reports": [_plain(asdict(i)) for i in incidents],
            "attachments": [
                _plain(asdict(a))
                for i in incidents
                for a in await attachments.for_incident(incident_id=i.id)
            ],
            "updates": [
                _plain(asdict(u))
                for u in await IncidentUpdateRepository(conn).by_author(author_id=user_id)
            ],
        }

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """For /deleteme: reports stay for the community's record, without the person's id."""
        await IncidentRepository(conn).forget_reporter(reporter_id=user_id)
        await IncidentUpdateRepository(conn).forget_author(author_id=user_id)

    # ------------------------------------------------------------------ the dashboard and API

    def _require_reports(self, actor: Actor) -> Reach:
        """The reach whose reports a reader lists: review_incidents, as the chat's review."""
        self.kernel.access.require(actor, Permission.REVIEW_INCIDENTS)
        return actor.reach

    def filter_choices(self, actor: Actor, place: str | None = None) -> FilterChoices:
        """The filter bar for this reader, drilled down to `place` (checked as `check`)."""
        reach = self._require_reports(actor)
        gazetteer = self.kernel.gazetteer
        trail: tuple[Place, ...] = ()
        if place is not None:
            self._check_place(reach, place)
            trail = tuple(
                p for p in reversed(gazetteer.ancestors(place)) if reach.covers_place(p.code)
            )
            children = [p for p in gazetteer.children(place) if p.level != "village"]
        elif reach.everything:
            children = gazetteer.top_level()
        else:
            children = [
                p
                for p in (gazetteer.get(code) for code in sorted(reach.places))
                if p is not None
                and p.level != "village"
                and (p.parent is None or not reach.covers_place(p.parent))
            ]
        return FilterChoices(
            trail=trail,
            children=tuple(children),
            resources=FILTER_RESOURCES,
            events=FILTER_EVENTS,
            reviews=FILTER_REVIEWS,
        )

    def check(self, actor: Actor, where: ReportFilter) -> None:
        """UnknownValue for a value the filter bar never offers this reader."""
        reach = self._require_reports(actor)
        if where.place is not None:
            self._check_place(reach, where.place)
        for name, value, known in (
            ("resource", where.resource, FILTER_RESOURCES),
            ("event", where.event, FILTER_EVENTS),
            ("review", where.review, FILTER_REVIEWS),
        ):
            if value is not None and value not in known:
                raise UnknownValue(name)

    def _check_place(self, reach: Reach, code: str) -> None:
        """A place the filter may name: an oblast, rayon or aiyl aimak within reach."""
        place = self.kernel.gazetteer.get(code)
        if place is None or place.level == "village" or not reach.covers_place(place.code):
            raise UnknownValue("place")

    async def report_table(
        self,
        actor: Actor,
        where: ReportFilter,
        *,
        sort: ReportSort = ReportSort.NUMBER,
        descending: bool = True,
        page: int = 0,
        per_page: int = TABLE_PAGE,
    ) -> ReportTable:
        """A page of the reports in reach that pass the filter, sorted."""
        self.check(actor, where)
        codes = actor.reach.place_codes
        async with self.kernel.db.reading() as conn:
            queries = IncidentQueryRepository(conn)
            paging = Paging.of(await queries.count(codes=codes, where=where), page, per_page)
            found = await queries.page(
                codes=codes,
                where=where,
                sort=sort,
                descending=descending,
                limit=per_page,
                offset=paging.offset,
            )
        lines = tuple(ReportLine(i, self.places(i)) for i in found)
        return ReportTable(lines, paging, sort, descending)

    async def reports_after(
        self, actor: Actor, where: ReportFilter, *, after: int = 0, limit: int = API_PAGE
    ) -> tuple[Incident, ...]:
        """Reports in reach that pass the filter, numbered above `after` (the API's pages)."""
        self.check(actor, where)
        async with self.kernel.db.reading() as conn:
            found = await IncidentQueryRepository(conn).after(
                codes=actor.reach.place_codes,
                where=where,
                after_id=after,
                limit=min(max(limit, 1), API_PAGE),
            )
        return tuple(self.for_reader(actor, i) for i in found)

    def for_reader(self, actor: Actor, incident: Incident) -> Incident:
        """A report as a list or feed gives it: the pin rounded unless exact pins may be
        seen, and no reporter: neither id nor pseudonym leaves through a list."""
        exact = self.kernel.access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        pin = self._coordinates(incident, exact=exact)
        return replace(
            incident,
            reporter_id=None,
            reporter_pseudonym=None,
            reporter_role=None if incident.anonymous else incident.reporter_role,
            draft_id="",
            latitude=pin[0] if pin else None,
            longitude=pin[1] if pin else None,
        )

    def position(self, actor: Actor, incident: Incident) -> tuple[float, float] | None:
        """Where the map and the feed put a report: its pin as the reader may see it, or its
        place's coordinates (or those of the nearest place above with some)."""
        exact = self.kernel.access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        return self._coordinates(incident, exact=exact) or self._located(incident.place_code)

    def _located(self, code: str | None) -> tuple[float, float] | None:
        """A place's coordinates up the chain (gazetteer.locate), remembered per code."""
        if code is None:
            return None
        if code not in self._locations:
            found = self.kernel.gazetteer.locate(code)
            self._locations[code] = (found.lat, found.lon) if found is not None else None
        return self._locations[code]

    def _places_within(self, box: Box) -> list[str]:
        """Codes of the oblasts, rayons and aiyl aimaks whose coordinates lie in the box."""
        if not self._located_places:
            for place in self.kernel.gazetteer:
                where = self._located(place.code) if place.level != "village" else None
                if where is not None:
                    self._located_places.append((place.code, *where))
        return [code for code, lat, lon in self._located_places if box.contains(lat, lon)]

    async def map_data(
        self,
        actor: Actor,
        where: ReportFilter,
        *,
        zoom: float = 0.0,
        box: Box | None = None,
        states: Mapping[str, str] | None = None,
    ) -> MapData:
        """The map's reports in reach that pass the filter: every one while there are at
        most MAP_POINTS (in the whole filter, or in the box once zoomed in to DETAIL_ZOOM),
        else counts per aiyl aimak (from AIMAK_ZOOM) or per rayon. `states`: early-warning
        states by aiyl aimak, to colour by."""
        self.check(actor, where)
        states = states or {}
        codes = actor.reach.place_codes
        async with self.kernel.db.reading() as conn:
            queries = IncidentQueryRepository(conn)
            total = await queries.count(codes=codes, where=where)
            if total <= MAP_POINTS:
                rows = await queries.map_rows(codes=codes, where=where, limit=MAP_POINTS)
                return self._points(actor, total, rows, states, complete=True)
            if box is not None and zoom >= DETAIL_ZOOM:
                inside = self._places_within(box)
                shown = await queries.count_within(
                    codes=codes, where=where, within=box, places_within=inside
                )
                if shown <= MAP_POINTS:
                    rows = await queries.map_rows(
                        codes=codes,
                        where=where,
                        within=box,
                        places_within=inside,
                        limit=MAP_POINTS,
                    )
                    return self._points(actor, total, rows, states, complete=False)
            counts = await queries.place_counts(codes=codes, where=where)
        level = "aiyl_aimak" if zoom >= AIMAK_ZOOM else "rayon"
        return self._groups(total, counts, level, states)

    def _points(
        self,
        actor: Actor,
        total: int,
        rows: Iterable[MapRow],
        states: Mapping[str, str],
        *,
        complete: bool,
    ) -> MapData:
        exact = self.kernel.access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        digits = self.kernel.settings.coordinate_precision
        points = []
        unplaced = 0
        for row in rows:
            if row.latitude is not None and row.longitude is not None:
                at: tuple[float, float] | None = (row.latitude, row.longitude)
                if not exact:
                    at = (round(row.latitude, digits), round(row.longitude, digits))
            else:
                at = self._located(row.place_code)
            if at is None:
                unplaced += 1
                continue
            state = states.get(row.aimak) if row.aimak else None
            points.append(
                MapPoint(row.id, *at, row.resource, row.event, row.review, row.urgent, state)
            )
        points.sort(key=lambda p: p.id)
        return MapData(total, "points", tuple(points), (), unplaced, complete)

    def _groups(
        self, total: int, counts: Iterable[PlaceCount], level: str, states: Mapping[str, str]
    ) -> MapData:
        gazetteer = self.kernel.gazetteer
        merged: dict[tuple[str | None, float | None, float | None], dict[str, Any]] = {}
        unplaced = 0
        for count in counts:
            code = count.place_code
            if code is not None and level == "rayon" and code in gazetteer:
                code = (gazetteer.rayon_of(code) or gazetteer[code]).code
            at = self._located(code) if code is not None else None
            if code is not None and at is None:
                unplaced += count.reports
                continue
            if code is None:
                if count.latitude is None or count.longitude is None:
                    unplaced += count.reports
                    continue
                at = (count.latitude, count.longitude)
            assert at is not None
            key: tuple[str | None, float | None, float | None] = (
                (None, *at) if code is None else (code, None, None)
            )
            group = merged.setdefault(key, {"at": at, "reports": 0, "resources": {}, "states": {}})
            group["reports"] += count.reports
            resources: dict[str, int] = group["resources"]
            resources[count.resource] = resources.get(count.resource, 0) + count.reports
            state = states.get(count.place_code or "", "")
            group["states"][state] = group["states"].get(state, 0) + count.reports
        groups = [
            MapGroup(
                code=code,
                place=gazetteer.get(code) if code else None,
                lat=values["at"][0],
                lon=values["at"][1],
                reports=values["reports"],
                resources=values["resources"],
                states=values["states"],
            )
            for (code, _, _), values in merged.items()
        ]
        groups.sort(key=lambda g: (-g.reports, g.code or ""))
        return MapData(total, level, (), tuple(groups), unplaced, complete=False)

    def places_in_reach(self, actor: Actor) -> tuple[Place, ...]:
        """The oblasts, rayons and aiyl aimaks whose reports the reader sees, in file order."""
        reach = self._require_reports(actor)
        return tuple(
            p for p in self.kernel.gazetteer if p.level != "village" and reach.covers_place(p.code)
        )

    async def counts_by_place(self, actor: Actor, where: ReportFilter) -> dict[str, int]:
        """Reports that pass the filter, counted at their place and at each place above it."""
        self.check(actor, where)
        async with self.kernel.db.reading() as conn:
            counts = await IncidentQueryRepository(conn).place_counts(
                codes=actor.reach.place_codes, where=where
            )
        gazetteer = self.kernel.gazetteer
        totals: dict[str, int] = {}
        for count in counts:
            if count.place_code is None or count.place_code not in gazetteer:
                continue
            for place in gazetteer.ancestors(count.place_code):
                totals[place.code] = totals.get(place.code, 0) + count.reports
        return totals

    async def report_page(self, actor: Actor, number: int) -> ReportPage:
        """A report in reach with its history and review; one out of reach is a missing one."""
        loaded = await self._in_reach(actor, number)
        card = await self.card(loaded, actor, reviewer=True)
        if card.incident.anonymous:
            card = replace(card, reporter=None)
        async with self.kernel.db.reading() as conn:
            entries = await AuditRepository(conn).for_entity(entity=ENTITY, entity_id=str(number))
            original = card.incident.duplicate_of
            found = await IncidentRepository(conn).get(incident_id=original) if original else None
        decisions = tuple(
            ReviewDecision(e.at, e.from_value, e.to_value, e.reason)
            for e in entries
            if e.action == "review"
        )
        return ReportPage(card, decisions, found is not None and self.may_review(actor, found))

    async def report_file(self, actor: Actor, number: int, index: int) -> IncidentAttachment:
        """The index-th photo or voice note of a report in reach (the dashboard shows it)."""
        loaded = await self._in_reach(actor, number)
        if not 0 <= index < len(loaded.attachments):
            raise StaleButton
        return loaded.attachments[index]

    async def _in_reach(self, actor: Actor, number: int) -> Loaded:
        """A report the actor reviews; one missing or out of reach is StaleButton alike."""
        self._require_reports(actor)
        loaded = await self.read(number, visible=lambda i: self.may_review(actor, i))
        if loaded is None:
            raise StaleButton
        return loaded


def _actor_name(kind: Any, typed: Any) -> str | None:
    """A side's name for exports: typed for "someone else", else the category in English."""
    if kind is None:
        return None
    if kind == OTHER:
        return str(typed) if typed else None
    return next((o.label for o in ACTORS if o.value == kind), str(kind))


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready values: dates and times as ISO text."""
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in values.items()}
