"""Incident dossiers: one report, or a filtered set, ready to print for an official.

A dossier holds what a report says, its history, the review's decision and its photos (from
the media store), with the pin rounded to AYILBOT_COORD_DECIMALS for everyone. It never holds
who reported: not a name, not a role, not the pseudonym that would tie anonymous reports
together. Who may have one: those who export, for reports within their reach.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from bot.core.access import Actor, Permission
from bot.core.errors import NotAllowed, StaleButton
from bot.core.kernel import Kernel
from bot.forms.incident import RESOURCES
from bot.gazetteer import Place
from bot.records.documents import DocumentSetup
from bot.records.incidents import Incident, IncidentUpdate
from bot.rules.incidents import IncidentRules, in_reach
from bot.rules.media import MediaRules
from storage.dossier import DossierRepository

PERIODS = (7, 30, 90, 365, 0)  # days back from today; 0 is all time
STATUSES = ("open", "resolved", "verified")  # report status, or the review's verification
RESOURCE_CODES = tuple(o.value for o in RESOURCES)
LIMIT = 100  # reports in one dossier: photos make it large, and Telegram sends up to 50 MB
AREAS_SHOWN = 24


@dataclass(frozen=True, slots=True)
class DossierFilter:
    """Which reports a filtered dossier holds; None is "any"."""

    days: int = 0
    place: str | None = None  # a gazetteer code within the reader's reach
    resource: str | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class DossierPhoto:
    """A photo of a report (or of one of its updates), as the media store holds it."""

    update_id: int | None  # None: sent with the report itself
    path: Path | None  # None: not in the media folder
    sha256: str | None
    state: str  # stored | pending | too_large | lost | missing (its id removed or never kept)


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """What the review decided, and when (None: not reviewed yet)."""

    status: str  # pending | verified | question | duplicate | rejected
    at: datetime | None
    reason: str | None  # a REJECT_REASONS code
    reason_text: str | None  # typed for "another reason"
    duplicate_of: int | None


@dataclass(frozen=True, slots=True)
class DossierEntry:
    """One report as a dossier shows it: no reporter, the pin rounded."""

    incident: Incident
    places: tuple[Place, ...]
    coordinates: tuple[float, float] | None
    updates: tuple[IncidentUpdate, ...]
    decision: ReviewDecision
    photos: tuple[DossierPhoto, ...]
    voices: int


@dataclass(frozen=True, slots=True)
class Dossier:
    """The reports of a dossier, oldest first, and what it was made of."""

    entries: tuple[DossierEntry, ...]
    total: int  # reports that matched; more than `entries` when over LIMIT
    filter: DossierFilter | None  # None: one report, opened from its card
    area: Place | None  # the filter's place
    made_at: datetime
    zone: tzinfo
    coordinate_decimals: int
    setup: DocumentSetup


@dataclass(frozen=True, slots=True)
class DossierChoices:
    """What a dossier may be filtered by, for this reader."""

    periods: tuple[int, ...]
    areas: tuple[Place, ...]  # her scopes and the units under them (everyone's: top level)
    resources: tuple[str, ...]
    statuses: tuple[str, ...]


class DossierRules:
    """Dossiers for coordinators and administrators."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    @property
    def incidents(self) -> IncidentRules:
        return self.kernel.get(IncidentRules)

    async def for_report(self, actor: Actor, number: int) -> Dossier:
        """The dossier of one report in the reader's reach (any review state)."""
        self.kernel.access.require(actor, Permission.EXPORT)
        loaded = await self.incidents.read(number, visible=lambda i: in_reach(actor.reach, i))
        if loaded is None:
            raise StaleButton
        entry = await self._entry(loaded.incident)
        return self._dossier((entry,), total=1, chosen=None)

    async def filtered(self, actor: Actor, chosen: DossierFilter) -> Dossier:
        """The reports of the filter within the reader's reach; rejected and duplicates not."""
        self._check(actor, chosen)
        codes = actor.reach.place_codes
        if chosen.place is not None:
            codes = (chosen.place,)
        since = None
        if chosen.days:
            today = self.kernel.clock.now().astimezone(self.kernel.settings.zone).date()
            since = today - timedelta(days=chosen.days)
        async with self.kernel.db.reading() as conn:
            found, total = await DossierRepository(conn).reports(
                codes=codes,
                since=since,
                resource=chosen.resource,
                status=chosen.status,
                limit=LIMIT,
            )
        entries = tuple([await self._entry(i) for i in reversed(found)])
        return self._dossier(entries, total=total, chosen=chosen)

    def choices(self, actor: Actor, chosen: DossierFilter | None = None) -> DossierChoices:
        """The periods, places, resources and statuses to choose from; the choice so far is
        checked (a forged or outdated one is refused)."""
        if chosen is not None:
            self._check(actor, chosen)
        else:
            self.kernel.access.require(actor, Permission.EXPORT)
        return DossierChoices(PERIODS, self._areas(actor), RESOURCE_CODES, STATUSES)

    def _check(self, actor: Actor, chosen: DossierFilter) -> None:
        self.kernel.access.require(actor, Permission.EXPORT)
        if (
            chosen.days not in PERIODS
            or (chosen.resource is not None and chosen.resource not in RESOURCE_CODES)
            or (chosen.status is not None and chosen.status not in STATUSES)
            or (chosen.place is not None and chosen.place not in self.kernel.gazetteer)
        ):
            raise StaleButton
        if chosen.place is not None and not actor.reach.covers_place(chosen.place):
            raise NotAllowed(Permission.EXPORT.value)

    def _areas(self, actor: Actor) -> tuple[Place, ...]:
        gazetteer = self.kernel.gazetteer
        if actor.reach.everything:
            return tuple(gazetteer.top_level())[:AREAS_SHOWN]
        found: list[Place] = []
        for scope in actor.coordinator_scopes:
            place = gazetteer.get(scope.value) if scope.kind == "place" else None
            if place is None:
                continue
            found.append(place)
            found += [p for p in gazetteer.children(place.code) if p.level != "village"]
        unique = {p.code: p for p in found}
        return tuple(unique.values())[:AREAS_SHOWN]

    async def _entry(self, incident: Incident) -> DossierEntry:
        loaded = await self.incidents.read(incident.id)
        assert loaded is not None
        async with self.kernel.db.reading() as conn:
            decided = await DossierRepository(conn).last_review(incident.id)
        code, _, typed = (decided.reason or "").partition(":") if decided else ("", "", "")
        rejected = incident.review_status == "rejected"
        decision = ReviewDecision(
            status=incident.review_status,
            at=decided.at if decided and decided.to_value == incident.review_status else None,
            reason=(code or None) if rejected else None,
            reason_text=(typed or None) if rejected else None,
            duplicate_of=incident.duplicate_of,
        )
        media = self.kernel.get(MediaRules)
        photos = [a for a in loaded.attachments if a.type == "photo"]
        stored = await media.files([a.unique_id or a.file_id for a in photos])
        kept = []
        for attachment in photos:
            found = stored.get(attachment.unique_id or attachment.file_id)
            kept.append(
                DossierPhoto(
                    update_id=attachment.update_id,
                    path=media.path_of(found) if found else None,
                    sha256=found.sha256 if found else None,
                    state=found.state if found else "missing",
                )
            )
        return DossierEntry(
            # Nothing of who reported reaches the document, not even by mistake.
            incident=replace(
                incident, reporter_id=None, reporter_pseudonym=None, reporter_role=None
            ),
            places=self.incidents.places(incident),
            coordinates=self._rounded(incident),
            updates=tuple(replace(u, author_id=None) for u in loaded.updates),
            decision=decision,
            photos=tuple(kept),
            voices=sum(1 for a in loaded.attachments if a.type == "voice"),
        )

    def _rounded(self, incident: Incident) -> tuple[float, float] | None:
        """The pin as exports round it, whoever asks: a dossier leaves the organisation."""
        if incident.latitude is None or incident.longitude is None:
            return None
        digits = self.kernel.settings.coordinate_precision
        return round(incident.latitude, digits), round(incident.longitude, digits)

    def _dossier(
        self, entries: tuple[DossierEntry, ...], *, total: int, chosen: DossierFilter | None
    ) -> Dossier:
        settings = self.kernel.settings
        place = chosen.place if chosen else None
        return Dossier(
            entries=entries,
            total=total,
            filter=chosen,
            area=self.kernel.gazetteer.get(place) if place else None,
            made_at=self.kernel.clock.now(),
            zone=settings.zone,
            coordinate_decimals=settings.coordinate_precision,
            setup=self.kernel.documents,
        )
