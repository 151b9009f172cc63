"""Incident reports: submit, history, urgent alerts, review, duplicates, follow-up, privacy."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.core.access import Access, Actor, Permission
from bot.core.actors import Person
from bot.core.errors import StaleButton
from bot.forms.engine import FormSpec, Submitted
from bot.forms.incident import (
    ACTORS,
    EVENT_TYPES,
    FOLLOWUP_OUTCOMES,
    INCIDENT,
    OTHER,
    PICK_PLACE,
    REPORT_UPDATE,
    REPORTER_ANSWER,
    REVIEW_DUPLICATE,
    REVIEW_QUESTION,
    REVIEW_REJECT,
)
from bot.forms.kinds import Env, Invalid
from bot.forms.onboarding import NOT_LISTED
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Safe, Tr, translator
from bot.records.core import Draft, User
from bot.screen import Attachment, Button, Notifier, Screen
from bot.services import incident_views as views
from bot.services.users import UserService
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.db import Database
from storage.incidents import (
    Incident,
    IncidentAttachment,
    IncidentAttachmentRepository,
    IncidentRepository,
    IncidentUpdate,
    IncidentUpdateRepository,
    NewIncident,
    UncoveredNoticeRepository,
)
from storage.users import UserRepository

log = logging.getLogger(__name__)

URGENT_EVENTS = frozenset({"physical_clash", "property_damage", "blockade"})
DUPLICATE_WINDOW = timedelta(hours=72)
FOLLOWUP_AFTER = timedelta(days=7)
FOLLOWUP_BATCH = 500
REVIEWABLE = ("pending", "question")
MY_REPORTS_SHOWN = 20
# Follow-up answers in callback data (`inc:f:<report>:<key>`), never renamed once shipped.
FOLLOWUP_KEYS = {"resolved": "r", "open": "o", "worse": "w"}
ENTITY = "incident"


def is_urgent(sub_event_type: str, injuries: int, fatalities: int) -> bool:
    """A clash, damage or blockade, or anyone hurt or killed, alerts coordinators at once."""
    return sub_event_type in URGENT_EVENTS or injuries > 0 or fatalities > 0


@dataclass(frozen=True, slots=True)
class FormStart:
    """Which form a button opens, with what context (the engine starts it)."""

    form_id: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who an urgent alert goes to; the reporter's receipt says the same."""

    kind: str  # coordinators | administrators | nobody
    user_ids: tuple[int, ...] = ()


# What the reporter is told about an urgent report, and about one that got worse, by audience.
URGENT_RECEIPTS = {
    "coordinators": N_(
        "Thank you! Your report is saved as {number}. It is urgent, so the "
        "coordinators of this area are being alerted now. /myreports shows your "
        "reports; you can add news to them there."
    ),
    "administrators": N_(
        "Thank you! Your report is saved as {number}. It is urgent. No coordinator covers "
        "this area yet, so the administrators are being alerted now. /myreports shows your "
        "reports; you can add news to them there."
    ),
    "nobody": N_(
        "Thank you! Your report is saved as {number}. It is urgent, but no coordinator or "
        "administrator can be reached right now; the report is kept and will be reviewed. "
        "/myreports shows your reports; you can add news to them there."
    ),
}
WORSE_RECEIPTS = {
    "coordinators": N_(
        "Thank you. The coordinators of this area are told that report {number} got worse. "
        "Please add details in /myreports."
    ),
    "administrators": N_(
        "Thank you. No coordinator covers this area yet, so the administrators are told that "
        "report {number} got worse. Please add details in /myreports."
    ),
    "nobody": N_(
        "Thank you. Report {number} is marked as worse, but no coordinator or administrator "
        "can be reached right now; it will be reviewed. Please add details in /myreports."
    ),
}


@dataclass(frozen=True, slots=True)
class Loaded:
    """A report with its attachments and history."""

    incident: Incident
    attachments: list[IncidentAttachment]
    updates: list[IncidentUpdate]


class IncidentService:
    """Everything about incident reports that is not Telegram."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        gazetteer: Gazetteer,
        access: Access,
        users: UserService,
        notifier: Notifier,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.gazetteer = gazetteer
        self.access = access
        self.users = users
        self.notifier = notifier
        # Called after commit with the number of a new or updated report (early warning).
        self.on_incident_changed: list[Callable[[int], Awaitable[None]]] = []

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

    async def submit_report(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store a report in the engine's transaction; alerts go out after commit."""
        record = self._record(draft, actor, env, now=self.clock.now())
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
        place = record.admin3 or record.admin2 or record.admin1
        audience = await self._audience(place, actor.user_id) if record.urgent else None
        if audience is not None:
            message = URGENT_RECEIPTS[audience.kind]

        async def after() -> None:
            if audience is not None:
                await self._send_alert(number, audience)
            await self._tell_admins_if_uncovered(number)

        return Submitted(
            message,
            {"number": views.report_number(number)},
            after_commit=self._changed(number, after if created else None),
        )

    def _record(self, draft: Draft, actor: Actor, env: Env, *, now: datetime) -> NewIncident:
        answers = draft.answers
        chain = self._admin_codes(self._place_code(answers, env))
        location = answers.get("location")
        description = answers.get("description") or {}
        injuries = int(answers.get("injuries") or 0)
        fatalities = int(answers.get("fatalities") or 0)
        sub_event = str(answers["sub_event_type"])
        source = str(answers["source"])
        return NewIncident(
            draft_id=draft.id,
            form_id=draft.form_id,
            form_version=draft.form_version,
            reporter_id=actor.user_id,
            reporter_pseudonym=actor.user.pseudonym if actor.user else None,
            reporter_role=actor.user.kind if actor.user else None,
            anonymous=answers.get("visibility") == "anonymous",
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
            location=answers.get("village"),
            latitude=location["lat"] if location else None,
            longitude=location["lon"] if location else None,
            geo_precision=1 if location else 2 if answers.get("village") else 3,
            border=str(answers["border"]),
            notes=description.get("text"),
            response=answers.get("response"),
            source=source,
            source_scale="new_media" if source == "media" else "local",
            urgent=is_urgent(sub_event, injuries, fatalities),
            status=str(answers.get("status") or "open"),
            possible_duplicate_of=None,
        )

    @staticmethod
    def _place_code(answers: Mapping[str, Any], env: Env) -> str | None:
        """The most precise gazetteer code among the place answers."""
        chosen = answers.get("place")
        if chosen not in (None, PICK_PLACE):
            return str(chosen)
        for key in ("aiyl_aimak", "rayon", "oblast"):
            value = answers.get(key)
            if value not in (None, NOT_LISTED) and str(value) in env.gazetteer:
                return str(value)
        return None

    def _admin_codes(self, code: str | None) -> dict[str, str]:
        if code is None or code not in self.gazetteer:
            return {}
        return {place.level: place.code for place in self.gazetteer.ancestors(code)}

    # ------------------------------------------------------------------ alerts

    async def _audience(self, place: str | None, reporter_id: int | None) -> Audience:
        """The coordinators whose scope covers the place, else the administrators."""
        coordinators = await self.users.coordinators_covering(place or "")
        found = tuple(i for i in coordinators if i != reporter_id)
        if found:
            return Audience("coordinators", found)
        found = tuple(i for i in await self.users.administrators() if i != reporter_id)
        if found:
            return Audience("administrators", found)
        return Audience("nobody")

    async def _send_alert(self, number: int, audience: Audience, *, worse: bool = False) -> None:
        """Alert the audience, each in their language; if no coordinator got it, the admins."""
        loaded = await self._load(number)
        if loaded is None:
            return
        incident = loaded.incident
        reached = await self._alert(incident, audience, worse=worse)
        if not reached and audience.kind == "coordinators":
            admins = [i for i in await self.users.administrators() if i != incident.reporter_id]
            reached = await self._alert(
                incident, Audience("administrators", tuple(admins)), worse=worse
            )
        if not reached:
            log.warning("urgent alert for incident %s reached nobody", number)

    async def _alert(self, incident: Incident, audience: Audience, *, worse: bool) -> int:
        """Send the alert to each active person of the audience; how many got it."""
        reporter = await self._reporter_label(incident)
        reached = 0
        for user in await self._users(audience.user_ids):
            if user.id == incident.reporter_id or not user.active:
                continue
            tr = translator(user.language)
            screen = views.alert(incident, tr, self.gazetteer, reporter=reporter, worse=worse)
            if audience.kind == "administrators":
                why = tr.gettext(
                    N_(
                        "No coordinator covering this place could be reached, so this alert "
                        "comes to the administrators."
                    )
                )
                screen = replace(screen, text=Safe(f"{screen.text}\n\nℹ️ {why}"))
            if await self.notifier.send(user.id, screen):
                reached += 1
            else:
                log.info("urgent alert for incident %s not delivered to %s", incident.id, user.id)
        return reached

    async def _tell_admins_if_uncovered(self, number: int) -> None:
        """Tell the admins, once a week per rayon, that reports come from where nobody covers."""
        async with self.db.reading() as conn:
            incident = await IncidentRepository(conn).get(incident_id=number)
        if incident is None:
            return
        if await self.users.coordinators_covering(incident.place_code or ""):
            return
        admins = [i for i in await self.users.administrators() if i != incident.reporter_id]
        if not admins:
            return  # claimed by the first report that finds an administrator to tell
        region = incident.admin2 or incident.admin1 or ""
        day = incident.received_at.astimezone(self.settings.zone).date()
        async with self.db.transaction() as conn:
            claimed = await UncoveredNoticeRepository(conn).claim(
                region=region, week_start=day - timedelta(days=day.weekday()), now=self.clock.now()
            )
        if not claimed:
            return
        for user in await self._users(admins):
            if not user.active:
                continue
            tr = translator(user.language)
            area = (
                self.gazetteer[region].name(tr.locale)
                if region in self.gazetteer
                else tr.gettext(N_("all of Kyrgyzstan"))
            )
            text = tr.gettext(
                N_(
                    "Report {number} came from {place}, where no coordinator works, so nobody "
                    "there reviews it. To give {area} a coordinator: /invite coordinator {code}, "
                    "or ayilbot admin grant USER_ID coordinator {code}. I say this once a week "
                    "for each rayon."
                ),
                number=views.report_number(incident.id),
                place=views.place_text(incident, self.gazetteer, tr),
                area=area,
                code=region or "all",
            )
            button = Button("🔎 " + tr.pgettext("button", "Open report"), f"inc:o:{incident.id}")
            await self.notifier.send(user.id, Screen("ℹ️ " + text, ((button,),)))

    async def _reporter_label(self, incident: Incident, *, admin: bool = False) -> str | None:
        """The reporter's name for coordinators: None for anonymous reports (admins excepted)."""
        if incident.reporter_id is None or (incident.anonymous and not admin):
            return None
        async with self.db.reading() as conn:
            user = await UserRepository(conn).get(incident.reporter_id)
        return user.display_name if user is not None else None

    async def _users(self, ids: Sequence[int]) -> list[User]:
        async with self.db.reading() as conn:
            repo = UserRepository(conn)
            found = [await repo.get(i) for i in ids]
        return [u for u in found if u is not None]

    # ------------------------------------------------------------------ the reporter's view

    async def my_reports(self, actor: Actor) -> Screen:
        """The person's own reports, newest first, each a button."""
        self.access.require(actor, Permission.USE_FORMS)
        async with self.db.reading() as conn:
            mine = await IncidentRepository(conn).list_by_reporter(
                reporter_id=actor.user_id, limit=MY_REPORTS_SHOWN
            )
        tr = translator(actor.locale)
        if not mine:
            return Screen(tr.gettext(N_("You have not sent any reports yet. /report starts one.")))
        return Screen(
            tr.gettext(N_("Your reports, newest first. Open one to see it or add news.")),
            tuple((views.list_button(i, tr),) for i in mine),
        )

    async def my_report(self, actor: Actor, number: int) -> Screen:
        """One of the person's reports with its history and an Add-news button."""
        loaded = await self._own(actor, number)
        tr = translator(actor.locale)
        text = self._card(loaded, tr, reporter=None, exact=True)
        return Screen(
            text,
            (
                (Button("➕ " + tr.pgettext("button", "Add news"), f"inc:u:{number}"),),
                (Button("◀️ " + tr.pgettext("button", "My reports"), "inc:l:0"),),
            ),
        )

    async def update_form(self, actor: Actor, number: int) -> FormStart:
        """The update form for one of the person's reports."""
        loaded = await self._own(actor, number)
        return FormStart("incident_update", {"incident": number, "status": loaded.incident.status})

    async def submit_update(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Append the reporter's update to the history; a status change is audited."""
        number = int(draft.context["incident"])
        incident = await IncidentRepository(conn).get(incident_id=number)
        if incident is None or incident.reporter_id != actor.user_id:
            raise Invalid(N_("This report is no longer available."))
        answers = draft.answers
        kind = str(answers["kind"])
        note = answers.get("details") or answers.get("comment") or {}
        status = {"resolved": "resolved", "reopened": "open"}.get(kind, incident.status)
        now = self.clock.now()
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
            {"number": views.report_number(number)},
            after_commit=self._changed(number),
        )

    async def _change_status(
        self,
        conn: Connection,
        actor: Actor,
        incident: Incident,
        status: str,
        *,
        now: datetime,
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
        self.access.require(actor, Permission.USE_FORMS)
        loaded = await self._load(number, visible=lambda i: i.reporter_id == actor.user_id)
        if loaded is None:
            raise StaleButton
        return loaded

    # ------------------------------------------------------------------ follow-up

    async def send_followups(self, now: datetime) -> int:
        """Ask, once, about every open report with no news for a week; returns how many."""
        async with self.db.transaction() as conn:
            incidents = IncidentRepository(conn)
            due = await incidents.due_followups(
                quiet_since=now - FOLLOWUP_AFTER, limit=FOLLOWUP_BATCH
            )
            # Claimed before sending: a crash mid-way leaves some unasked rather than asked twice.
            claimed = [
                i for i in due if await incidents.mark_followup_sent(incident_id=i.id, now=now)
            ]
        people = {
            u.id: u for u in await self._users([i.reporter_id for i in claimed if i.reporter_id])
        }
        sent = 0
        for incident in claimed:
            user = people.get(incident.reporter_id or 0)
            if user is None or not user.active:
                continue
            tr = translator(user.language)
            text = tr.gettext(
                N_(
                    "There has been no news about your report {number} ({what}, {place}) for a "
                    "week. Is it resolved now?"
                ),
                number=views.report_number(incident.id),
                what=views.resource_text(incident, tr),
                place=views.place_text(incident, self.gazetteer, tr),
            )
            buttons = tuple(
                (Button(o.text(tr), f"inc:f:{incident.id}:{FOLLOWUP_KEYS[o.value]}"),)
                for o in FOLLOWUP_OUTCOMES
            )
            if await self.notifier.send(user.id, Screen(text, buttons)):
                sent += 1
        return sent

    async def answer_followup(self, actor: Actor, number: int, key: str) -> Screen:
        """The reporter's answer to the weekly question becomes an update, once."""
        self.access.require(actor, Permission.USE_FORMS)
        outcome = next((o for o, k in FOLLOWUP_KEYS.items() if k == key), None)
        if outcome is None:
            raise StaleButton
        tr = translator(actor.locale)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            incident = await IncidentRepository(conn).get(incident_id=number)
            if incident is None or incident.reporter_id != actor.user_id:
                raise StaleButton
            if incident.followup_sent_at is None:
                raise StaleButton
            updates = IncidentUpdateRepository(conn)
            if await updates.has_kind(incident_id=number, kind="followup"):
                return Screen(tr.gettext(N_("Thank you, your answer is already recorded.")))
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
        after = None
        text = {
            "resolved": N_("Thank you! Report {number} is marked as resolved."),
            "open": N_("Thank you! Report {number} stays open; add news any time in /myreports."),
        }.get(outcome, "")
        if outcome == "worse":
            audience = await self._audience(incident.place_code, actor.user_id)
            after = partial(self._send_alert, number, audience, worse=True)
            text = WORSE_RECEIPTS[audience.kind]
        return Screen(tr.gettext(text, number=views.report_number(number)), after_commit=after)

    # ------------------------------------------------------------------ review

    def _scope_codes(self, actor: Actor) -> list[str] | None:
        """Place codes a coordinator reviews; None means everywhere."""
        if actor.is_admin or any(s.kind == "all" for s in actor.coordinator_scopes):
            return None
        return [s.value for s in actor.coordinator_scopes if s.kind == "place"]

    async def review_next(self, actor: Actor, *, after: int = 0) -> Screen:
        """The next report in the coordinator's scope that waits for review."""
        self.access.require(actor, Permission.REVIEW_INCIDENTS)
        codes = self._scope_codes(actor)
        async with self.db.reading() as conn:
            incidents = IncidentRepository(conn)
            incident = await incidents.next_pending(codes=codes, after_id=after)
            if incident is None and after:
                incident = await incidents.next_pending(codes=codes)
            waiting = await incidents.count_pending(codes=codes)
        tr = translator(actor.locale)
        if incident is None:
            return Screen(tr.gettext(N_("No reports in your area wait for review. Thank you!")))
        head = tr.ngettext("{n} report waits for review.", "{n} reports wait for review.", waiting)
        screen = await self.open_for_coordinator(actor, incident.id)
        return replace(screen, text=Safe(f"{head}\n\n{screen.text}"))

    async def open_for_coordinator(self, actor: Actor, number: int) -> Screen:
        """A report for a coordinator whose scope covers it, with the review buttons."""
        loaded = await self._reviewable(actor, number)
        incident = loaded.incident
        tr = translator(actor.locale)
        admin = self.access.allows(actor, Permission.SEE_ANONYMOUS_REPORTERS)
        reporter = await self._reporter_label(incident, admin=admin)
        if incident.anonymous:
            reporter = (
                tr.gettext(N_("anonymous"))
                if reporter is None
                else tr.gettext(
                    N_("{name} (anonymous: only administrators see this)"), name=reporter
                )
            )
        exact = self.access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        text = self._card(loaded, tr, reporter=reporter, exact=exact)
        return Screen(text, self._review_buttons(incident, loaded.attachments, tr))

    def _review_buttons(
        self, incident: Incident, attachments: Sequence[IncidentAttachment], tr: Tr
    ) -> tuple[tuple[Button, ...], ...]:
        n = incident.id
        rows: list[tuple[Button, ...]] = []
        if incident.review_status in REVIEWABLE:
            rows.append(
                (
                    Button("✅ " + tr.pgettext("button", "Verify"), f"inc:v:{n}"),
                    Button("❓ " + tr.pgettext("button", "Ask the reporter"), f"inc:q:{n}"),
                )
            )
            if incident.possible_duplicate_of:
                other = views.report_number(incident.possible_duplicate_of)
                rows.append(
                    (
                        Button(
                            "🔁 " + tr.pgettext("button", "Duplicate of {other}", other=other),
                            f"inc:D:{n}:{incident.possible_duplicate_of}",
                        ),
                    )
                )
            rows.append(
                (
                    Button("🔁 " + tr.pgettext("button", "Duplicate of…"), f"inc:d:{n}"),
                    Button("✖️ " + tr.pgettext("button", "Reject"), f"inc:r:{n}"),
                )
            )
        else:
            rows.append((Button("❓ " + tr.pgettext("button", "Ask the reporter"), f"inc:q:{n}"),))
        if attachments:
            rows.append((Button("📎 " + tr.pgettext("button", "Photos and voice"), f"inc:p:{n}"),))
        rows.append((Button("⏭ " + tr.pgettext("button", "Next report"), f"inc:n:{n}"),))
        return tuple(rows)

    async def _reviewable(self, actor: Actor, number: int) -> Loaded:
        """A report in the coordinator's scope; one out of scope is answered as a missing one."""
        self.access.require(actor, Permission.REVIEW_INCIDENTS)
        loaded = await self._load(number, visible=partial(self._in_scope, actor))
        if loaded is None:
            raise StaleButton
        return loaded

    def _require_scope(self, actor: Actor, incident: Incident) -> None:
        # "" names no place: only coordinators of everywhere (and admins) cover it.
        self.access.require(actor, Permission.REVIEW_INCIDENTS, place=incident.place_code or "")

    def _in_scope(self, actor: Actor, incident: Incident) -> bool:
        return self.access.allows(
            actor, Permission.REVIEW_INCIDENTS, place=incident.place_code or ""
        )

    async def media(self, actor: Actor, number: int) -> Screen:
        """The photos and voice notes of a report, for a coordinator in scope or its reporter."""
        self.access.require(actor, Permission.USE_FORMS)
        loaded = await self._load(
            number,
            visible=lambda i: i.reporter_id == actor.user_id or self._in_scope(actor, i),
        )
        if loaded is None:
            raise StaleButton
        tr = translator(actor.locale)
        return Screen(
            tr.gettext(
                N_("Photos and voice notes of report {number}:"),
                number=views.report_number(number),
            ),
            attachments=tuple(
                Attachment(f"{a.type}-{i}", b"", kind=a.type, file_id=a.file_id)
                for i, a in enumerate(loaded.attachments, 1)
            ),
        )

    async def verify(self, actor: Actor, number: int) -> Screen:
        """Mark a report verified."""
        return await self._decide(actor, number, "verified")

    async def mark_duplicate(self, actor: Actor, number: int, original: int) -> Screen:
        """Mark a report a duplicate of the one flagged as its possible original."""
        return await self._decide(actor, number, "duplicate", duplicate_of=original)

    async def _decide(
        self, actor: Actor, number: int, to: str, *, duplicate_of: int | None = None
    ) -> Screen:
        self.access.require(actor, Permission.REVIEW_INCIDENTS)
        tr = translator(actor.locale)
        async with self.db.transaction() as conn:
            incident = await IncidentRepository(conn).get(incident_id=number)
            if incident is None or not self._in_scope(actor, incident):
                raise StaleButton
            # The button names an original the bot flagged; any other is forged or gone.
            if duplicate_of is not None and not await self._original_in_scope(
                conn, actor, incident, duplicate_of
            ):
                raise StaleButton
            done = await self._review(
                conn, actor, incident, to, duplicate_of=duplicate_of, reason=None
            )
        if not done:
            return self._already(incident, tr)
        return Screen(
            tr.gettext(
                N_("Report {number}: {status}. The reporter is told."),
                number=views.report_number(number),
                status=views.review_status_text(
                    replace(incident, review_status=to, duplicate_of=duplicate_of), tr
                ),
            ),
            ((Button("⏭ " + tr.pgettext("button", "Next report"), f"inc:n:{number}"),),),
            after_commit=partial(self._notify_decision, number),
        )

    def _already(self, incident: Incident, tr: Tr) -> Screen:
        return Screen(
            tr.gettext(
                N_("Report {number} was already reviewed: {status}."),
                number=views.report_number(incident.id),
                status=views.review_status_text(incident, tr),
            ),
            ((Button("⏭ " + tr.pgettext("button", "Next report"), f"inc:n:{incident.id}"),),),
        )

    async def _original_in_scope(
        self, conn: Connection, actor: Actor, incident: Incident, original: int
    ) -> bool:
        """Whether `original` is another report this coordinator reviews.

        A report out of scope is answered exactly as a missing one (one read either way), so
        that neither another region's counts nor its report numbers can be reached from here.
        """
        found = await IncidentRepository(conn).get(incident_id=original)
        return found is not None and found.id != incident.id and self._in_scope(actor, found)

    async def _review(
        self,
        conn: Connection,
        actor: Actor,
        incident: Incident,
        to: str,
        *,
        duplicate_of: int | None,
        reason: str | None,
        allowed_from: Sequence[str] = REVIEWABLE,
    ) -> bool:
        """Change the review status (scope checked) and audit it; False when already changed."""
        self._require_scope(actor, incident)
        changed = await IncidentRepository(conn).set_review_status(
            incident_id=incident.id, expected=allowed_from, to=to, duplicate_of=duplicate_of
        )
        if changed:
            await AuditRepository(conn).record(
                actor_id=actor.user_id,
                entity=ENTITY,
                entity_id=str(incident.id),
                action="review",
                from_value=incident.review_status,
                to_value=to,
                reason=reason if reason is not None else _duplicate_reason(duplicate_of),
                now=self.clock.now(),
            )
        return changed

    async def _notify_decision(self, number: int, reason: str | None = None) -> None:
        """Tell the reporter, in their language, what the review decided."""
        loaded = await self._load(number)
        if loaded is None or loaded.incident.reporter_id is None:
            return
        incident = loaded.incident
        users = await self._users([incident.reporter_id or 0])
        if not users:
            return
        tr = translator(users[0].language)
        params: dict[str, Any] = {"number": views.report_number(number)}
        if incident.review_status == "verified":
            text = N_(
                "Your report {number} was checked and confirmed by a coordinator. Thank you!"
            )
        elif incident.review_status == "duplicate":
            text = N_(
                "Your report {number} describes the same event as report {original}, so the "
                "two are joined. Thank you!"
            )
            params["original"] = views.report_number(incident.duplicate_of or 0)
        elif incident.review_status == "rejected":
            text = N_("Your report {number} was not accepted. Reason: {reason}")
            code, _, typed = (reason or "").partition(":")
            params["reason"] = views.reject_reason(code, typed or None, tr)
        else:
            return
        await self.notifier.send(users[0].id, Screen(tr.gettext(text, **params)))

    # review forms: question, duplicate, reject ----------------------------------------------

    async def review_form(self, actor: Actor, number: int, form_id: str) -> FormStart:
        """The question, duplicate or reject form for a report in the coordinator's scope."""
        loaded = await self._reviewable(actor, number)
        if form_id != "incident_question" and loaded.incident.review_status not in REVIEWABLE:
            raise StaleButton
        return FormStart(form_id, {"incident": number})

    async def _incident_in(self, conn: Connection, draft: Draft) -> Incident:
        incident = await IncidentRepository(conn).get(incident_id=int(draft.context["incident"]))
        if incident is None:
            raise Invalid(N_("This report is no longer available."))
        return incident

    async def submit_question(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store a coordinator's question and relay it to the reporter after commit."""
        incident = await self._incident_in(conn, draft)
        self._require_scope(actor, incident)
        now = self.clock.now()
        question = str(draft.answers["question"])
        question_id = await IncidentUpdateRepository(conn).add(
            incident_id=incident.id,
            at=now,
            author_id=actor.user_id,
            author_role="coordinator",
            kind="question",
            text=question,
            draft_id=draft.id,
        )
        await IncidentRepository(conn).touch(incident_id=incident.id, now=now)
        await self._review(
            conn,
            actor,
            incident,
            "question",
            duplicate_of=None,
            reason=question,
            allowed_from=("pending",),
        )
        return Submitted(
            N_("Your question is sent to the reporter of {number}. I will bring you the answer."),
            {"number": views.report_number(incident.id)},
            after_commit=partial(self._relay_question, question_id),
        )

    async def _relay_question(self, question_id: int) -> None:
        async with self.db.reading() as conn:
            question = await IncidentUpdateRepository(conn).get(update_id=question_id)
            incident = (
                await IncidentRepository(conn).get(incident_id=question.incident_id)
                if question
                else None
            )
        if question is None or incident is None or incident.reporter_id is None:
            return
        users = await self._users([incident.reporter_id])
        if not users:
            return
        tr = translator(users[0].language)
        text = tr.gettext(
            N_("❓ A coordinator asks about your report {number}:\n\n<i>{question}</i>"),
            number=views.report_number(incident.id),
            question=question.text or "",
        )
        button = Button("✍️ " + tr.pgettext("button", "Reply"), f"inc:a:{question_id}")
        await self.notifier.send(users[0].id, Screen(text, ((button,),)))

    async def answer_form(self, actor: Actor, question_id: int) -> FormStart:
        """The one-step answer form for a question about the person's own report."""
        self.access.require(actor, Permission.USE_FORMS)
        async with self.db.reading() as conn:
            updates = IncidentUpdateRepository(conn)
            question = await updates.get(update_id=question_id)
            if question is None or question.kind != "question":
                raise StaleButton
            incident = await IncidentRepository(conn).get(incident_id=question.incident_id)
            answered = await updates.answer_to(question_id=question_id)
        if incident is None or incident.reporter_id != actor.user_id or answered is not None:
            raise StaleButton
        return FormStart(
            "incident_answer",
            {"incident": incident.id, "question_id": question_id, "question": question.text},
        )

    async def submit_answer(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the reporter's answer and relay it to the coordinator who asked."""
        incident = await self._incident_in(conn, draft)
        if incident.reporter_id != actor.user_id:
            raise Invalid(N_("This report is no longer available."))
        now = self.clock.now()
        answer_id = await IncidentUpdateRepository(conn).add(
            incident_id=incident.id,
            at=now,
            author_id=actor.user_id,
            author_role="reporter",
            kind="answer",
            text=str(draft.answers["answer"]),
            reply_to=int(draft.context["question_id"]),
            draft_id=draft.id,
        )
        await IncidentRepository(conn).touch(incident_id=incident.id, now=now)
        if await IncidentRepository(conn).set_review_status(
            incident_id=incident.id, expected=("question",), to="pending"
        ):
            await AuditRepository(conn).record(
                actor_id=actor.user_id,
                entity=ENTITY,
                entity_id=str(incident.id),
                action="review",
                from_value="question",
                to_value="pending",
                reason="answered",
                now=now,
            )
        return Submitted(
            N_("Thank you! Your answer is sent to the coordinator."),
            after_commit=partial(self._relay_answer, answer_id),
        )

    async def _relay_answer(self, answer_id: int) -> None:
        async with self.db.reading() as conn:
            updates = IncidentUpdateRepository(conn)
            answer = await updates.get(update_id=answer_id)
            question = (
                await updates.get(update_id=answer.reply_to)
                if answer and answer.reply_to
                else None
            )
            incident = (
                await IncidentRepository(conn).get(incident_id=answer.incident_id)
                if answer
                else None
            )
        if answer is None or question is None or incident is None or question.author_id is None:
            return
        # Only someone who may still review the report gets the answer.
        asker = await self.users.resolve(Person(id=question.author_id, first_name=""))
        users = await self._users([question.author_id])
        if not users or not self._in_scope(asker, incident):
            return
        tr = translator(users[0].language)
        text = tr.gettext(
            N_(
                "💬 The reporter of {number} answered your question.\n\n"
                "<b>Question:</b> <i>{question}</i>\n<b>Answer:</b> {answer}"
            ),
            number=views.report_number(incident.id),
            question=question.text or "",
            answer=answer.text or "",
        )
        button = Button("🔎 " + tr.pgettext("button", "Open report"), f"inc:o:{incident.id}")
        await self.notifier.send(users[0].id, Screen(text, ((button,),)))

    async def submit_duplicate(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Mark a report as a duplicate of the number typed."""
        incident = await self._incident_in(conn, draft)
        self._require_scope(actor, incident)
        original = int(draft.answers["original"])
        if original == incident.id:
            raise Invalid(N_("A report cannot repeat itself. Please type another number."))
        if not await self._original_in_scope(conn, actor, incident, original):
            raise Invalid(
                N_("There is no report {original}. Please type another number."),
                original=views.report_number(original),
            )
        return await self._submitted_decision(
            conn, actor, incident, "duplicate", duplicate_of=original, reason=None
        )

    async def submit_reject(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Reject a report with a reason the reporter is told."""
        incident = await self._incident_in(conn, draft)
        code = str(draft.answers["reason"])
        typed = draft.answers.get("reason_text")
        reason = f"{code}:{typed}" if typed else code
        return await self._submitted_decision(
            conn, actor, incident, "rejected", duplicate_of=None, reason=reason
        )

    async def _submitted_decision(
        self,
        conn: Connection,
        actor: Actor,
        incident: Incident,
        to: str,
        *,
        duplicate_of: int | None,
        reason: str | None,
    ) -> Submitted:
        done = await self._review(
            conn, actor, incident, to, duplicate_of=duplicate_of, reason=reason
        )
        number = views.report_number(incident.id)
        if not done:
            return Submitted(N_("Report {number} was already reviewed."), {"number": number})
        return Submitted(
            N_("Report {number} is marked. The reporter is told. /review shows the next one."),
            {"number": number},
            after_commit=partial(self._notify_decision, incident.id, reason),
        )

    # ------------------------------------------------------------------ export and privacy

    async def export_rows(self, actor: Actor) -> list[dict[str, Any]]:
        """Reports in the actor's scope as flat rows; anonymous reporters stay hidden."""
        self.access.require(actor, Permission.EXPORT)
        see_reporters = self.access.allows(actor, Permission.SEE_ANONYMOUS_REPORTERS)
        exact = self.access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        async with self.db.reading() as conn:
            found = await IncidentRepository(conn).in_scope(
                codes=self._scope_codes(actor), limit=1_000_000
            )
        rows = []
        for incident in found:
            row = _plain(asdict(incident))
            row.pop("draft_id")
            lat_lon = self._coordinates(incident, exact=exact)
            row["latitude"], row["longitude"] = lat_lon if lat_lon else (None, None)
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

    # ------------------------------------------------------------------ shared

    async def _load(
        self, number: int, *, visible: Callable[[Incident], bool] | None = None
    ) -> Loaded | None:
        """A report with its files and history; None when missing or not `visible`."""
        async with self.db.reading() as conn:
            incident = await IncidentRepository(conn).get(incident_id=number)
            # One read decides both, so a missing report and a hidden one cost the same.
            if incident is None or (visible is not None and not visible(incident)):
                return None
            attachments = await IncidentAttachmentRepository(conn).for_incident(incident_id=number)
            updates = await IncidentUpdateRepository(conn).for_incident(incident_id=number)
        return Loaded(incident, attachments, updates)

    def _coordinates(self, incident: Incident, *, exact: bool) -> tuple[float, float] | None:
        """The pin, rounded for those who may not see exact coordinates."""
        if incident.latitude is None or incident.longitude is None:
            return None
        if exact:
            return incident.latitude, incident.longitude
        digits = self.settings.coordinate_precision
        return round(incident.latitude, digits), round(incident.longitude, digits)

    def _card(self, loaded: Loaded, tr: Tr, *, reporter: str | None, exact: bool) -> Safe:
        return Safe(
            views.card(
                loaded.incident,
                tr,
                self.gazetteer,
                self.settings.zone,
                reporter=reporter,
                coordinates=self._coordinates(loaded.incident, exact=exact),
                attachments=loaded.attachments,
                updates=loaded.updates,
            )
        )

    def specs(self) -> dict[str, FormSpec]:
        """The report form, its update, and the review forms."""
        return {
            "incident": FormSpec(INCIDENT, self.submit_report),
            "incident_update": FormSpec(REPORT_UPDATE, self.submit_update),
            "incident_question": FormSpec(REVIEW_QUESTION, self.submit_question),
            "incident_answer": FormSpec(REPORTER_ANSWER, self.submit_answer),
            "incident_duplicate": FormSpec(REVIEW_DUPLICATE, self.submit_duplicate),
            "incident_reject": FormSpec(REVIEW_REJECT, self.submit_reject),
        }


def _actor_name(kind: Any, typed: Any) -> str | None:
    """A side's name for exports: typed for "someone else", else the category in English."""
    if kind is None:
        return None
    if kind == OTHER:
        return str(typed) if typed else None
    return next((o.label for o in ACTORS if o.value == kind), str(kind))


def _duplicate_reason(original: int | None) -> str | None:
    return f"duplicate_of:{original}" if original is not None else None


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready values: dates and times as ISO text."""
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in values.items()}
