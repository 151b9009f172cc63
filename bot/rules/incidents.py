"""Incident reports: submitting, the reporter's own reports and news, follow-ups, urgent alerts.

Who sees a report: its reporter, and whoever may review it (`may_review`: review_incidents and
the report's aiyl aimak, rayon or oblast within the person's `Reach`). Review itself is in
`bot/rules/review.py`; both return records and notices that the surfaces draw.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from functools import partial
from typing import Any

from bot.core.access import Actor, Permission, Reach, scopes_from_roles
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.core.text import N_
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.incident import (
    ACTORS,
    EVENT_TYPES,
    FOLLOWUP_OUTCOMES,
    INCIDENT,
    OTHER,
    REPORT_UPDATE,
    picked_village,
    report_place,
)
from bot.forms.incident_labels import report_number
from bot.forms.kinds import Env, Invalid
from bot.forms.view import FormView
from bot.gazetteer import Place
from bot.records.core import Draft, Role, User
from bot.records.incidents import Incident, IncidentAttachment, IncidentUpdate, NewIncident
from storage.audit import AuditRepository
from storage.connection import Connection
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


# ---------------------------------------------------------------------- rules


class IncidentRules:
    """Everything about incident reports but their review."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        # Called after commit with the number of a new or updated report (early warning).
        self.on_incident_changed: list[Callable[[int], Awaitable[None]]] = []

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
        return await self.kernel.get(FormEngine).start(
            actor, chat_id=actor.user_id, form_id="incident"
        )

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
        if not reached and audience.kind is Alerted.COORDINATORS:
            admins = tuple(i for i in await self.administrators() if i != incident.reporter_id)
            reached = await self._alert_each(
                incident, Audience(Alerted.ADMINISTRATORS, admins), worse=worse
            )
        if not reached:
            log.warning("urgent alert for incident %s reached nobody", number)

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
            chat_id=actor.user_id,
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
