"""Exports of reports, practices, people and needs: which rows a reader gets, and /export's steps.

Rows come from the reader's `Reach` (an administrator reaches everything), narrowed to a
region within it: reports by their oblast, rayon or aiyl aimak as review lists them,
practices and people by their place or peer groups, needs as the needs rules show them.
Coordinates are rounded unless the reader may see exact ones; an anonymous reporter appears
only as her pseudonym; a coordinator gets people by rayon, never by aiyl aimak. The records
here are drawn into CSV, XLSX or GeoJSON by bot/outputs/exports.py, in the request's language.

A report or need without a GPS pin is placed at its place's coordinates (its village's, else
its aiyl aimak's centre, else the middle of its aiyl aimak's villages, else its rayon's centre),
and says so (`geo_precision`). A report's photos and voice notes are looked up in the media
store; an export "with media" carries the stored files (the chat's up to what Telegram lets a
bot send) and names those it cannot carry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path, PurePosixPath

from bot.config import LANGUAGES
from bot.core.access import Actor, Permission, Reach
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.forms import need as need_form
from bot.forms.incident_labels import REVIEW_STATUSES
from bot.gazetteer import VILLAGES_MIDDLE, Gazetteer, Location, Place
from bot.records.core import Role, User
from bot.records.exports import FileMeta, Period, RegisteredPerson
from bot.records.incidents import Incident, IncidentUpdate
from bot.records.media import MediaFile
from bot.records.needs import Need, NeedStage
from bot.records.practices import Practice
from bot.rules.incidents import in_reach
from bot.rules.media import MediaRules, file_key, files_in
from bot.rules.needs import NeedRules
from bot.rules.practices import Where
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.exports import ExportRepository
from storage.groups import GroupRepository
from storage.users import UserRepository

log = logging.getLogger(__name__)


class ExportKind(StrEnum):
    """What an export holds; the value is the command line's word and the file's name."""

    INCIDENTS = "incidents"
    PRACTICES = "practices"
    USERS = "users"
    NEEDS = "needs"


class ExportFormat(StrEnum):
    """The file's format."""

    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"


class ExportPeriod(StrEnum):
    """The periods /export offers, each ending today."""

    WEEK = "week"  # since Monday
    MONTH = "month"  # the last 30 days
    YEAR = "year"  # the last 12 months
    ALL = "all"


class Headers(StrEnum):
    """Column headers and sheet names: the reader's language, or the stable codes."""

    LABELS = "labels"
    CODES = "codes"


class GeoPrecision(StrEnum):
    """Where a record's coordinates come from; the value is the word GeoJSON gives."""

    GPS = "gps"  # the pin the reporter sent
    VILLAGE = "village"
    AIYL_AIMAK = "aiyl aimak centre"
    AIYL_AIMAK_VILLAGES = "aiyl aimak villages"  # the middle of its villages' points
    RAYON = "rayon centre"
    CITY = "city centre"
    OBLAST = "oblast centre"


class MediaState(StrEnum):
    """Where a report's photo or voice note is, for this export."""

    STORED = "stored"  # in the media store (the export does not carry files)
    INCLUDED = "included"  # carried in the export's zip
    PENDING = "pending"  # not downloaded yet (or failing, still retried)
    TOO_LARGE = "too_large"  # over AYILBOT_MEDIA_MAX_MB: only Telegram has it
    LOST = "lost"  # given up after every retry
    NOT_KEPT = "not_kept"  # sent before the media store, or removed by retention
    LEFT_OUT = "left_out"  # stored, but the chat's zip had no room left for it
    # Found only while the zip is written (bot/outputs/exports.py):
    CLEANED = "cleaned"  # carried, re-encoded without its metadata (a GPS tag in its EXIF)
    UNREADABLE = "unreadable"  # its row says stored; the folder has no such file
    DAMAGED = "damaged"  # the bytes no longer match the checksum taken when it was stored
    UNOPENED = "unopened"  # a photo that could not be opened to remove its metadata

    @property
    def carried(self) -> bool:
        """Whether the file is in the export's zip."""
        return self in (MediaState.INCLUDED, MediaState.CLEANED)


# Reports carry a pin or a place, needs a place: both can be drawn on a map.
GEO_KINDS = frozenset({ExportKind.INCIDENTS, ExportKind.NEEDS})
GEO_PRECISIONS: Mapping[str, GeoPrecision] = {
    "village": GeoPrecision.VILLAGE,
    "aiyl_aimak": GeoPrecision.AIYL_AIMAK,
    VILLAGES_MIDDLE: GeoPrecision.AIYL_AIMAK_VILLAGES,
    "rayon": GeoPrecision.RAYON,
    "city": GeoPrecision.CITY,
    "oblast": GeoPrecision.OBLAST,
}
DELIMITERS = (";", ",")
MEDIA_FORMATS = frozenset({ExportFormat.CSV, ExportFormat.XLSX})
# A bot may send files up to 50 MB: the chat's zip leaves room for the spreadsheet and the
# zip's own bytes. The command line has no such limit.
CHAT_MEDIA_BYTES = 45 * 1024 * 1024
KIND_STATUSES: Mapping[str, tuple[str, ...]] = {
    ExportKind.INCIDENTS: ("open", "resolved", *(o.value for o in REVIEW_STATUSES)),
    ExportKind.PRACTICES: ("pending", "changes", "approved", "declined"),
    ExportKind.USERS: ("active", "inactive"),
    ExportKind.NEEDS: tuple(need_form.STAGES),
}
MAX_REGION_BUTTONS = 24


class ExportError(ValueError):
    """A request that names an unknown kind, format, status or region (English, for the CLI)."""


def default_delimiter(locale: str) -> str:
    """The CSV separator a spreadsheet expects in this language: Excel with Russian (or
    Kyrgyz) regional settings splits on `;`, because `,` is their decimal separator."""
    return "," if locale == "en" else ";"


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
    headers: str = Headers.LABELS
    delimiter: str | None = None  # CSV only; None: the language's (`default_delimiter`)
    with_media: bool = False  # a zip with the reports' photos and voice notes

    @property
    def separator(self) -> str:
        """The CSV separator this request writes."""
        return self.delimiter or default_delimiter(self.locale)


# ------------------------------------------------------------------------------ rows


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A report as this reader may export it."""

    incident: Incident
    admin: tuple[Place | None, Place | None, Place | None]  # its oblast, rayon, aiyl aimak
    # Its pin, else its place's coordinates; rounded unless the reader may see exact pins.
    latitude: float | None
    longitude: float | None
    geo_precision: GeoPrecision | None  # None: no pin, and no place with coordinates
    # Anonymous reports name nobody, to anyone: the pseudonym links a person's anonymous
    # reports without saying who. A named report shows its name or, once its reporter erased
    # her account, nothing: never the pseudonym of her anonymous reports.
    reporter: str
    reporter_role: str | None  # None on anonymous reports: one leader per village names her


@dataclass(frozen=True, slots=True)
class ReportFile:
    """A report's (or need's) photo or voice note and its copy in the media store (never a
    file id)."""

    report: int  # the report's number, or the need's for a need's file (`prefix` "need-")
    update_id: int | None  # None: sent with the report itself
    attachment_id: int
    kind: str  # photo | voice
    ordinal: int  # 1 for the report's first photo (or voice note), 2 for the next...
    duration: int | None  # seconds, for voice notes
    state: MediaState
    size: int | None  # bytes, when stored
    sha256: str | None  # of the stored bytes
    suffix: str  # the stored file's extension (".jpg")
    path: Path | None  # set only when the export carries this file
    prefix: str = ""  # before the number in the zip's file name: "" for reports, "need-"


@dataclass(frozen=True, slots=True)
class Reports:
    """Reports with their updates and their files."""

    rows: tuple[ReportRow, ...]
    updates: tuple[IncidentUpdate, ...]
    files: tuple[ReportFile, ...]


@dataclass(frozen=True, slots=True)
class PracticeRow:
    """A practice with its place, its author where she chose to be named, and its groups."""

    practice: Practice
    place: Where
    author: str  # "" unless she chose to be named: no pseudonym either
    groups: tuple[str, ...]  # names of the groups it is shared with


@dataclass(frozen=True, slots=True)
class Practices:
    """Practices and the metadata of their files."""

    rows: tuple[PracticeRow, ...]
    files: tuple[FileMeta, ...]


@dataclass(frozen=True, slots=True)
class PersonRow:
    """A registered person; what only administrators may see is None or empty otherwise."""

    id: int | None
    name: str
    username: str | None
    language: str
    kind: str | None
    place: Where  # the aiyl aimak (or what was given)
    place_code: str | None
    place_other: str | None
    rayon: Where  # the rayon, or the oblast where nothing finer was given
    rayon_code: str | None
    registered_at: datetime | None
    active: bool
    groups: tuple[str, ...]
    roles: tuple[Role, ...]


@dataclass(frozen=True, slots=True)
class People:
    """People; `detailed` for administrators (ids, usernames, aiyl aimaks)."""

    rows: tuple[PersonRow, ...]
    detailed: bool


@dataclass(frozen=True, slots=True)
class NeedRow:
    """A need with its place and the groups it is shared with (never its author)."""

    need: Need
    place: Where
    groups: tuple[str, ...]
    # Its place's coordinates (needs carry no pin), rounded unless the reader sees exact ones.
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: GeoPrecision | None = None


@dataclass(frozen=True, slots=True)
class Needs:
    """Needs, the stages of their tracks, and their files."""

    rows: tuple[NeedRow, ...]
    stages: tuple[NeedStage, ...]
    files: tuple[ReportFile, ...] = ()


Records = Reports | Practices | People | Needs


@dataclass(frozen=True, slots=True)
class MediaSummary:
    """The photos and voice notes of an export's reports, by where they are."""

    files: int  # attached to the reports
    included: int  # carried in this export (0 unless it was asked with media)


@dataclass(frozen=True, slots=True)
class ExportData:
    """One export's records, audited; bot/outputs/exports.py writes them as a file."""

    request: ExportRequest
    made_on: date  # in the bot's time zone: the file's name
    region: Place | None
    count: int  # records in the file: located ones only, in GeoJSON
    rounded_to: int | None  # decimals of the coordinates, when rounded for this reader
    records: Records
    zone: tzinfo  # AYILBOT_TIMEZONE: times are written in it
    media: MediaSummary | None = None  # reports only
    # Whether the chat offers the reports' files as a zip once the file is sent.
    offers_media: bool = False


# ------------------------------------------------------------------------- /export's steps


@dataclass(frozen=True, slots=True)
class ExportMenu:
    """/export: the kinds this reader may export."""

    kinds: tuple[ExportKind, ...]


@dataclass(frozen=True, slots=True)
class FormatChoice:
    """The formats a kind may be written in."""

    kind: ExportKind
    formats: tuple[ExportFormat, ...]


@dataclass(frozen=True, slots=True)
class PeriodChoice:
    """The periods offered for a kind in a format."""

    kind: ExportKind
    format: ExportFormat
    periods: tuple[ExportPeriod, ...]


@dataclass(frozen=True, slots=True)
class RegionChoice:
    """The parts of the reader's area offered (besides the whole area)."""

    kind: ExportKind
    format: ExportFormat
    period: ExportPeriod
    regions: tuple[Place, ...]


def area_of(reach: Reach, gazetteer: Gazetteer) -> tuple[Place, ...]:
    """The widest places of a reach (its scopes' places, not those below them), by code."""
    found = (gazetteer.get(code) for code in sorted(reach.places))
    return tuple(p for p in found if p is not None and p.parent not in reach.places)


def round_point(lat: float, lon: float, digits: int) -> tuple[float, float]:
    """A pin rounded to `digits` decimals (2 is about 1 km)."""
    return round(lat, digits), round(lon, digits)


def full_name(user: User) -> str:
    """First and last name as the person gave them."""
    return " ".join(p for p in (user.first_name, user.last_name) if p)


class ExportRules:
    """Which records an export holds for a reader; every entry checks `Access` first."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    # ------------------------------------------------------------------ the chat's steps

    def menu(self, actor: Actor) -> ExportMenu:
        """/export: which kinds of records this reader may export."""
        self.kernel.access.require(actor, Permission.EXPORT)
        return ExportMenu(self._kinds(actor))

    def formats(self, actor: Actor, kind: ExportKind) -> FormatChoice:
        """The formats for a kind; a kind the reader may not export is a stale button."""
        self._require_kind(actor, kind)
        return FormatChoice(kind, tuple(f for f in ExportFormat if _fits(kind, f)))

    def periods(self, actor: Actor, kind: ExportKind, fmt: ExportFormat) -> PeriodChoice:
        """The periods for a kind in a format."""
        self._require_choice(actor, kind, fmt)
        return PeriodChoice(kind, fmt, tuple(ExportPeriod))

    def regions(
        self, actor: Actor, kind: ExportKind, fmt: ExportFormat, period: ExportPeriod
    ) -> RegionChoice:
        """Parts of the reader's area: its places and those right below them.

        A coordinator's people are listed by rayon at the finest, so aiyl aimaks are not
        offered for them.
        """
        self._require_choice(actor, kind, fmt)
        gazetteer = self.kernel.gazetteer
        if actor.reach.everything:
            offered = tuple(gazetteer.top_level())
        else:
            area = area_of(actor.reach, gazetteer)
            below = {p.code: p for a in area for p in (a, *gazetteer.children(a.code))}
            offered = tuple(below.values()) if len(below) <= MAX_REGION_BUTTONS else area
        if kind is ExportKind.USERS:
            offered = tuple(p for p in offered if self._people_region_allowed(actor, p.code))
        return RegionChoice(kind, fmt, period, offered)

    async def export_chosen(
        self,
        actor: Actor,
        *,
        kind: ExportKind,
        fmt: ExportFormat,
        period: ExportPeriod,
        region: str | None,
        with_media: bool = False,
    ) -> ExportData:
        """The export chosen with /export's buttons, in the reader's language (its CSV split
        as her spreadsheet expects); anything the buttons never offer is stale."""
        self._require_choice(actor, kind, fmt)
        if with_media and not _carries_media(kind, fmt):
            raise StaleButton
        request = ExportRequest(
            kind=kind,
            format=fmt,
            since=self.since(period),
            region=region,
            locale=actor.locale,
            with_media=with_media,
        )
        try:
            # Telegram lets a bot send 50 MB: the chat's zip keeps within it.
            return await self.export(actor, request, media_budget=CHAT_MEDIA_BYTES)
        except ExportError:
            # Only forged data reaches here (an unknown region code): a stale button.
            raise StaleButton from None

    def since(self, period: ExportPeriod) -> date | None:
        """The first day of a period that ends today."""
        today = self._today()
        return {
            ExportPeriod.WEEK: today - timedelta(days=today.weekday()),
            ExportPeriod.MONTH: today - timedelta(days=29),
            ExportPeriod.YEAR: today - timedelta(days=364),
        }.get(period)

    # ------------------------------------------------------------------ the export itself

    async def export(
        self, actor: Actor, request: ExportRequest, *, media_budget: int | None = None
    ) -> ExportData:
        """Check the request, collect its records in the reader's reach, and audit it.

        With media, the stored files are carried up to `media_budget` bytes (None: all).
        """
        reach = self.check(actor, request)
        kind = ExportKind(request.kind)
        if kind is ExportKind.INCIDENTS:
            records: Records = await self._reports(actor, request, reach, media_budget)
        elif kind is ExportKind.PRACTICES:
            records = await self._practices(request, reach)
        elif kind is ExportKind.USERS:
            records = await self._people(actor, request, reach)
        else:
            records = await self._needs(actor, request, media_budget)
        count = _count(records, request.format)
        now = self.kernel.clock.now()
        async with self.kernel.db.transaction() as conn:
            await AuditRepository(conn).record(
                actor_id=actor.user_id,
                entity="export",
                entity_id=request.kind,
                action=request.format,
                from_value=None,
                to_value=str(count),
                reason=_filters_note(request),
                now=now,
            )
        log.info("export of %s as %s: %d records", request.kind, request.format, count)
        exact = self.kernel.access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        media = _media_summary(records.files) if isinstance(records, Reports | Needs) else None
        return ExportData(
            request=request,
            made_on=self._today(),
            region=self.kernel.gazetteer.get(request.region) if request.region else None,
            count=count,
            rounded_to=None
            if kind not in GEO_KINDS or exact
            else self.kernel.settings.coordinate_precision,
            records=records,
            zone=self.kernel.settings.zone,
            media=media,
            offers_media=media is not None
            and media.files > 0
            and not request.with_media
            and _carries_media(kind, ExportFormat(request.format)),
        )

    def check(self, actor: Actor, request: ExportRequest) -> Reach:
        """Validate the request and the reader's right to it; the reach to look in."""
        access = self.kernel.access
        access.require(actor, Permission.EXPORT)
        kinds = ", ".join(ExportKind)
        if request.kind not in tuple(ExportKind):
            raise ExportError(f"unknown kind {request.kind!r}; known: {kinds}")
        if request.format not in tuple(ExportFormat):
            known = ", ".join(ExportFormat)
            raise ExportError(f"unknown format {request.format!r}; known: {known}")
        if not _fits(ExportKind(request.kind), ExportFormat(request.format)):
            raise ExportError("GeoJSON is for incidents and needs: other records have no place")
        if request.headers not in tuple(Headers):
            raise ExportError(f"unknown headers {request.headers!r}; known: labels, codes")
        if request.delimiter is not None and request.delimiter not in DELIMITERS:
            raise ExportError(f"unknown delimiter {request.delimiter!r}; known: ; and ,")
        if request.with_media and not _carries_media(
            ExportKind(request.kind), ExportFormat(request.format)
        ):
            raise ExportError("--with-media is for incidents and needs as csv or xlsx")
        if request.status is not None and request.status not in KIND_STATUSES[request.kind]:
            known = ", ".join(KIND_STATUSES[request.kind])
            raise ExportError(f"unknown status {request.status!r} for {request.kind}: {known}")
        if request.locale not in LANGUAGES:
            raise ExportError(f"unknown language {request.locale!r}")
        if request.since and request.until and request.until < request.since:
            raise ExportError("--until is before --since")
        if request.kind == ExportKind.NEEDS:
            access.require(actor, Permission.VIEW_NEEDS)
        if request.kind == ExportKind.USERS and not self._people_region_allowed(
            actor, request.region
        ):
            raise ExportError("people are listed by rayon: choose a rayon or a wider region")
        return self._narrowed(actor, request.region)

    # ------------------------------------------------------------------ kinds

    async def _reports(
        self, actor: Actor, request: ExportRequest, reach: Reach, budget: int | None
    ) -> Reports:
        status = request.status if request.status in ("open", "resolved") else None
        review = request.status if status is None else None
        async with self.kernel.db.reading() as conn:
            repo = ExportRepository(conn)
            found = await repo.incidents(
                codes=reach.place_codes,
                received=self._period(request),
                status=status,
                review_status=review,
            )
            found = [i for i in found if in_reach(reach, i)]
            ids = [i.id for i in found]
            updates = await repo.incident_updates(incident_ids=ids)
            files = await repo.incident_files(incident_ids=ids)
            names = await self._names(
                conn, (i.reporter_id for i in found if i.reporter_id and not i.anonymous)
            )
        exact = self.kernel.access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        rows = tuple(self._report_row(i, names, exact=exact) for i in found)
        media = self.kernel.get(MediaRules)
        stored = await media.files([f.key for f in files if f.key])
        carried = self._report_files(files, stored, carry=request.with_media, budget=budget)
        return Reports(rows, tuple(updates), carried)

    def _report_files(
        self,
        files: Iterable[FileMeta],
        stored: Mapping[str, MediaFile],
        *,
        carry: bool,
        budget: int | None,
    ) -> tuple[ReportFile, ...]:
        """Each file with its state; when the export carries them, the stored ones in report
        order while `budget` bytes last (None: all of them)."""
        media = self.kernel.get(MediaRules)
        found: list[ReportFile] = []
        seen: dict[tuple[int, str], int] = {}
        room = budget
        for meta in files:
            mine = (meta.owner_id, meta.type)
            ordinal = seen[mine] = seen.get(mine, 0) + 1
            copy = stored.get(meta.key) if meta.key else None
            state, path = _media_state(copy), None
            if copy is not None and state is MediaState.STORED and carry:
                size = copy.size or 0
                if room is None or size <= room:
                    state, path = MediaState.INCLUDED, media.path_of(copy)
                    room = None if room is None else room - size
                else:
                    state = MediaState.LEFT_OUT
            found.append(
                ReportFile(
                    report=meta.owner_id,
                    update_id=meta.update_id,
                    attachment_id=meta.position,
                    kind=meta.type,
                    ordinal=ordinal,
                    duration=meta.duration,
                    state=state,
                    size=copy.size if copy is not None else None,
                    sha256=copy.sha256 if copy is not None else None,
                    suffix=_suffix(copy, meta.type),
                    path=path,
                )
            )
        return tuple(found)

    def _report_row(
        self, incident: Incident, names: Mapping[int, str], *, exact: bool
    ) -> ReportRow:
        lat, lon = incident.latitude, incident.longitude
        precision: GeoPrecision | None = GeoPrecision.GPS
        if lat is None or lon is None:
            lat, lon, precision = self._place_point(incident.village_code or incident.place_code)
        if lat is not None and lon is not None and not exact:
            lat, lon = round_point(lat, lon, self.kernel.settings.coordinate_precision)
        if incident.anonymous:
            reporter = incident.reporter_pseudonym or ""
        else:
            reporter = names.get(incident.reporter_id or 0, "")
        return ReportRow(
            incident=incident,
            admin=(
                self._place(incident.admin1),
                self._place(incident.admin2),
                self._place(incident.admin3),
            ),
            latitude=lat,
            longitude=lon,
            geo_precision=precision,
            reporter=reporter,
            reporter_role=None if incident.anonymous else incident.reporter_role,
        )

    async def _practices(self, request: ExportRequest, reach: Reach) -> Practices:
        async with self.kernel.db.reading() as conn:
            repo = ExportRepository(conn)
            found = await repo.practices(
                codes=reach.place_codes,
                groups=reach.group_ids,
                created=self._period(request),
                status=request.status,
            )
            shared = await repo.practice_groups(practice_ids=[p.id for p in found])
            found = [
                p for p in found if reach.covers(place=p.place_code, groups=shared.get(p.id, ()))
            ]
            files = await repo.practice_files(practice_ids=[p.id for p in found])
            # The author is named only where she chose to be; no pseudonym either, as it
            # would tie the practice to the same person's anonymous reports.
            authors = await self._names(
                conn, (p.author_id for p in found if p.author_id and p.content.show_author)
            )
            groups = await self._group_names(conn, (g for ids in shared.values() for g in ids))
        rows = tuple(
            PracticeRow(
                practice=p,
                place=self._where(p.place_code),
                author=authors.get(p.author_id or 0, "") if p.content.show_author else "",
                groups=tuple(groups.get(g, str(g)) for g in shared.get(p.id, ())),
            )
            for p in found
        )
        return Practices(rows, tuple(files))

    async def _people(self, actor: Actor, request: ExportRequest, reach: Reach) -> People:
        active = {"active": True, "inactive": False}.get(request.status or "")
        async with self.kernel.db.reading() as conn:
            found = await ExportRepository(conn).people(
                codes=reach.place_codes,
                groups=reach.group_ids,
                created=self._period(request),
                active=active,
            )
            found = [p for p in found if reach.covers(place=p.user.place_code, groups=p.group_ids)]
            groups = await self._group_names(conn, (g for p in found for g in p.group_ids))
        # Telegram ids, usernames and aiyl aimaks only for administrators; pseudonyms for
        # nobody, as a list of names with pseudonyms would undo every anonymous report.
        detailed = self.kernel.access.allows(actor, Permission.SEE_ANONYMOUS_REPORTERS)
        return People(tuple(self._person_row(p, groups, detailed) for p in found), detailed)

    def _person_row(
        self, person: RegisteredPerson, group_names: Mapping[int, str], detailed: bool
    ) -> PersonRow:
        user = person.user
        gazetteer = self.kernel.gazetteer
        place = gazetteer.resolve(user.place_code) if user.place_code else None
        rayon = gazetteer.rayon_of(place.code) if place is not None else None
        # A person who gave only an oblast is listed with it: nothing finer is known.
        coarse = rayon.code if rayon is not None else place.code if place is not None else None
        return PersonRow(
            id=user.id if detailed else None,
            name=full_name(user),
            username=user.username if detailed else None,
            language=user.language,
            kind=user.kind,
            place=self._where(user.place_code) if detailed else Where(),
            place_code=user.place_code if detailed else None,
            place_other=user.place_other if detailed else None,
            rayon=self._where(coarse),
            rayon_code=coarse,
            registered_at=user.privacy_accepted_at,
            active=user.active,
            groups=tuple(group_names.get(g, str(g)) for g in person.group_ids),
            roles=person.roles,
        )

    async def _needs(self, actor: Actor, request: ExportRequest, budget: int | None) -> Needs:
        needs = self.kernel.get(NeedRules)
        period = self._period(request)
        gazetteer = self.kernel.gazetteer
        found = [
            n
            for n in await needs.visible_needs(actor)
            if (period.start is None or n.created_at >= period.start)
            and (period.end is None or n.created_at < period.end)
            and (request.status is None or n.stage == request.status)
            and (
                request.region is None
                or (n.place_code is not None and gazetteer.covers(request.region, n.place_code))
            )
        ]
        stages = await needs.tracks(actor, found)
        async with self.kernel.db.reading() as conn:
            groups = await self._group_names(conn, (g for n in found for g in n.shared_with))
        exact = self.kernel.access.allows(actor, Permission.SEE_EXACT_COORDINATES)
        rows = tuple(self._need_row(n, groups, exact=exact) for n in found)
        # A need's files live in its own row (voice note first, then photos), not in a table.
        metas = [
            FileMeta(
                need.id,
                None,
                position,
                str(item["type"]),
                item.get("duration"),
                None,
                file_key(item),
            )
            for need in found
            for position, item in enumerate(files_in([need.voice, list(need.photos)]), 1)
        ]
        stored = await self.kernel.get(MediaRules).files([m.key for m in metas if m.key])
        carried = self._report_files(metas, stored, carry=request.with_media, budget=budget)
        return Needs(rows, tuple(stages), tuple(replace(f, prefix="need-") for f in carried))

    def _need_row(self, need: Need, group_names: Mapping[int, str], *, exact: bool) -> NeedRow:
        lat, lon, precision = self._place_point(need.village_code or need.place_code)
        if lat is not None and lon is not None and not exact:
            lat, lon = round_point(lat, lon, self.kernel.settings.coordinate_precision)
        return NeedRow(
            need,
            self._where(need.place_code),
            tuple(group_names.get(g, str(g)) for g in need.shared_with),
            latitude=lat,
            longitude=lon,
            geo_precision=precision,
        )

    def _place_point(
        self, code: str | None
    ) -> tuple[float | None, float | None, GeoPrecision | None]:
        """A place's coordinates, or those of the nearest place above it that has some."""
        found: Location | None = self.kernel.gazetteer.locate(code) if code else None
        if found is None:
            return None, None, None
        return found.lat, found.lon, GEO_PRECISIONS.get(found.precision, GeoPrecision.OBLAST)

    # ------------------------------------------------------------------ helpers

    def _kinds(self, actor: Actor) -> tuple[ExportKind, ...]:
        allowed = self.kernel.access.allows(actor, Permission.VIEW_NEEDS)
        return tuple(k for k in ExportKind if k is not ExportKind.NEEDS or allowed)

    def _require_kind(self, actor: Actor, kind: ExportKind) -> None:
        self.kernel.access.require(actor, Permission.EXPORT)
        if kind not in self._kinds(actor):
            raise StaleButton

    def _require_choice(self, actor: Actor, kind: ExportKind, fmt: ExportFormat) -> None:
        self._require_kind(actor, kind)
        if not _fits(kind, fmt):
            raise StaleButton

    def _people_region_allowed(self, actor: Actor, region: str | None) -> bool:
        """Coordinators list people by rayon; one aiyl aimak's list would undo the coarsening."""
        place = self.kernel.gazetteer.get(region) if region else None
        return (
            place is None
            or place.rank <= 1
            or self.kernel.access.allows(actor, Permission.SEE_ANONYMOUS_REPORTERS)
        )

    def _narrowed(self, actor: Actor, region: str | None) -> Reach:
        """The reader's reach, or a region within it with every place below it."""
        if region is None:
            return actor.reach
        gazetteer = self.kernel.gazetteer
        if gazetteer.get(region) is None:
            raise ExportError(f"unknown region {region!r}: use a gazetteer code like BA-BAT")
        # A region outside the reach is refused, not silently emptied.
        self.kernel.access.require(actor, Permission.EXPORT, place=region)
        return Reach(places=frozenset((region, *(p.code for p in gazetteer.descendants(region)))))

    def _period(self, request: ExportRequest) -> Period:
        zone = self.kernel.settings.zone
        start = datetime.combine(request.since, time.min, zone) if request.since else None
        end = (
            datetime.combine(request.until + timedelta(days=1), time.min, zone)
            if request.until
            else None
        )
        return Period(start, end)

    def _today(self) -> date:
        return self.kernel.clock.now().astimezone(self.kernel.settings.zone).date()

    def _place(self, code: str | None) -> Place | None:
        return self.kernel.gazetteer.get(code) if code else None

    def _where(self, code: str | None) -> Where:
        gazetteer = self.kernel.gazetteer
        return Where(tuple(gazetteer.ancestors(code))) if code and code in gazetteer else Where()

    async def _names(self, conn: Connection, user_ids: Iterable[int]) -> dict[int, str]:
        users = UserRepository(conn)
        names: dict[int, str] = {}
        for user_id in sorted(set(user_ids)):
            user = await users.get(user_id)
            if user is not None:
                names[user_id] = full_name(user)
        return names

    async def _group_names(self, conn: Connection, ids: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        groups = await GroupRepository(conn).with_ids(wanted)
        return {g.id: g.name for g in groups}


def _fits(kind: ExportKind, fmt: ExportFormat) -> bool:
    """GeoJSON only for what has a location."""
    return fmt is not ExportFormat.GEOJSON or kind in GEO_KINDS


def _carries_media(kind: ExportKind, fmt: ExportFormat) -> bool:
    """Reports' and needs' files go in a zip beside a spreadsheet, not in a map's file."""
    return kind in (ExportKind.INCIDENTS, ExportKind.NEEDS) and fmt in MEDIA_FORMATS


def _media_state(copy: MediaFile | None) -> MediaState:
    """What the media store says of a file (NOT_KEPT when it has no row for it)."""
    if copy is None:
        return MediaState.NOT_KEPT
    if copy.stored:
        return MediaState.STORED
    return {"too_large": MediaState.TOO_LARGE, "lost": MediaState.LOST}.get(
        copy.state, MediaState.PENDING
    )


def _suffix(copy: MediaFile | None, kind: str) -> str:
    """The stored file's extension, else the usual one for its kind."""
    suffix = PurePosixPath(copy.path).suffix if copy is not None and copy.path else ""
    return suffix or {"voice": ".ogg"}.get(kind, ".jpg")


def _media_summary(files: Iterable[ReportFile]) -> MediaSummary:
    found = list(files)
    return MediaSummary(
        files=len(found),
        included=sum(1 for f in found if f.state is MediaState.INCLUDED),
    )


def _count(records: Records, fmt: str) -> int:
    """How many records the file holds: GeoJSON has the located ones only."""
    if isinstance(records, Reports | Needs) and fmt == ExportFormat.GEOJSON:
        return sum(1 for r in records.rows if r.latitude is not None and r.longitude is not None)
    return len(records.rows)


def _filters_note(request: ExportRequest) -> str:
    """The filters of an export for the audit log (codes and dates only, nothing personal)."""
    parts = {
        "since": request.since.isoformat() if request.since else None,
        "until": request.until.isoformat() if request.until else None,
        "region": request.region,
        "status": request.status,
        "lang": request.locale,
        "media": "yes" if request.with_media else None,
    }
    return ";".join(f"{k}={v}" for k, v in parts.items() if v is not None)
