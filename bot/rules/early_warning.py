"""Early warning: a rising-tension signal for each aiyl aimak, its alerts, watch list and digest.

This week (the last 7 days, by event date) is tested against the place's own baseline, the 8
weeks before; a place with too little history borrows its rayon's average per aiyl aimak.
Weights and thresholds are data (`bot/data/severity.toml`, or an edited copy named by
AYILBOT_SEVERITY); the aggregates are SQL (storage/early_warning.py); the rules and the Poisson
test are here. Which places a person sees is her `Reach`; no reporter is ever named.
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.access import Actor, Permission, Reach, scopes_from_roles
from bot.core.errors import NotAllowed, StaleButton
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.forms.incident import EVENTS
from bot.gazetteer import Place
from bot.records.core import Role
from bot.records.digests import Period
from bot.records.early_warning import Cell, PlaceReport, Scoring, WeekCell
from bot.resources import shipped
from storage.connection import Connection
from storage.early_warning import AlertRepository, SignalRepository
from storage.users import RoleRepository, UserRepository

log = logging.getLogger(__name__)

SEVERITY_PATH = shipped("data", "severity.toml")
RISING = "rising"
CALMING = "calming"
ALERT_EVERY = timedelta(days=7)  # a place is alerted at most once in any 7 days
HISTORY_WEEKS = 8  # the heat table and a place's history
REPORTS_SHOWN = 20
MAX_RESOURCES_NAMED = 3
AIYL_AIMAK = "aiyl_aimak"


class SeverityFileError(ValueError):
    """`bot/data/severity.toml` is malformed; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class SignalConfig:
    """Severity weights and thresholds, from `bot/data/severity.toml` (see the comments there)."""

    scoring: Scoring
    baseline_weeks: int = 8
    min_history: int = 4
    baseline_floor: float = 0.125
    min_reports: int = 3
    p_value: float = 0.05
    severity_threshold: float = 10.0
    severity_ratio: float = 2.0
    severity_min_reports: int = 2
    calm_lookback_weeks: int = 4
    calm_ratio: float = 0.5

    @classmethod
    def load(cls, path: Path = SEVERITY_PATH) -> SignalConfig:
        """Read and check the file; every event code of the incident form needs a weight."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SeverityFileError(f"{path}: {exc}") from exc
        events = _table(data, "events", path)
        known = {o.value for o in EVENTS}
        unknown = sorted(set(events) - known)
        missing = sorted(known - set(events))
        if unknown or missing:
            raise SeverityFileError(
                f"{path}: [events] must weigh exactly {', '.join(sorted(known))}"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                + (f"; missing: {', '.join(missing)}" if missing else "")
            )
        people = _table(data, "people", path)
        status = _table(data, "status", path)
        scoring = Scoring(
            weights={k: _number(v, f"events.{k}", path) for k, v in events.items()},
            per_injured=_number(people.get("injured"), "people.injured", path),
            per_dead=_number(people.get("dead"), "people.dead", path),
            resolved=_number(status.get("resolved"), "status.resolved", path),
        )
        signal = _table(data, "signal", path)
        names = {f.name: f.type for f in fields(cls) if f.name != "scoring"}
        unknown = sorted(set(signal) - set(names))
        if unknown:
            raise SeverityFileError(f"{path}: unknown [signal] keys: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in signal.items():
            number = _number(value, f"signal.{key}", path)
            values[key] = int(number) if names[key] == "int" else float(number)
        return cls(scoring=scoring, **values)


def _table(data: Mapping[str, Any], name: str, path: Path) -> Mapping[str, Any]:
    table = data.get(name)
    if not isinstance(table, dict):
        raise SeverityFileError(f"{path}: missing table [{name}]")
    return table


def _number(value: Any, key: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SeverityFileError(f"{path}: {key} must be a number")
    return float(value)


def poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean), summed term by term in log space (no scipy)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    log_mean = math.log(mean)

    def term(i: int) -> float:
        return math.exp(i * log_mean - mean - math.lgamma(i + 1))

    if k <= mean:
        # The lower tail has few terms and is not tiny: one minus it loses nothing that matters.
        return max(0.0, 1.0 - math.fsum(term(i) for i in range(k)))
    # Past the mode every term is smaller than the one before: add until they stop counting.
    total, i = 0.0, k
    while True:
        current = term(i)
        total += current
        if current <= total * 1e-17:
            return min(total, 1.0)
        i += 1


# ---------------------------------------------------------------------- the signal


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a place is flagged, as numbers: drawn in each reader's language."""

    test: str  # count | severity (rising); quiet | agreement (calming)
    reports: int  # this week, agreements left out
    # Reports a week in the baseline weeks, as counted: 0 when there were none. The test
    # itself never assumes fewer than `baseline_floor`; a reader is told what was seen.
    baseline: float
    severity: float  # this week's score
    baseline_severity: float  # score a week in the baseline weeks
    clashes: int = 0
    injured: int = 0
    dead: int = 0
    agreements: int = 0
    resources: tuple[str, ...] = ()  # resource codes, most reported first
    borrowed: bool = False  # the baseline is the rayon's average per aiyl aimak
    p_value: float | None = None

    @property
    def none_before(self) -> bool:
        """No report (agreements aside) in the baseline weeks: nothing to compare against."""
        return self.baseline <= 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, as stored with an alert."""
        values = asdict(self)
        values["resources"] = list(self.resources)
        return values


@dataclass(frozen=True, slots=True)
class Flag:
    """A place to watch: rising or calming, with its reasons."""

    place: str
    rayon: str | None
    state: str  # rising | calming
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Baseline:
    reports: float  # a week, never below the floor: what the test compares against
    severity: float  # a week
    borrowed: bool
    observed: float  # reports a week as counted, 0 when there were none: what a reader is told


def baseline_of(cell: Cell, config: SignalConfig, aimaks_in_rayon: int) -> Baseline:
    """The place's own weekly average, or its rayon's per aiyl aimak when history is thin."""
    weeks = config.baseline_weeks
    reports: float
    if cell.base_reports >= config.min_history:
        reports, severity, borrowed = cell.base_reports, cell.base_severity, False
    else:
        share = max(aimaks_in_rayon, 1)
        reports = cell.rayon_base_reports / share
        severity, borrowed = cell.rayon_base_severity / share, True
    return Baseline(
        reports=max(reports / weeks, config.baseline_floor),
        severity=max(severity / weeks, 0.0),
        borrowed=borrowed,
        observed=reports / weeks,
    )


def rising_reason(
    cell: Cell, config: SignalConfig, base: Baseline, resources: tuple[str, ...]
) -> Reason | None:
    """The reason a place (or a place's resource) is rising this week, or None."""
    p_value = poisson_tail(cell.reports, base.reports)
    by_count = cell.reports >= config.min_reports and p_value < config.p_value
    by_severity = (
        cell.reports >= config.severity_min_reports
        and cell.severity >= config.severity_threshold
        and cell.severity >= config.severity_ratio * base.severity
    )
    if not (by_count or by_severity):
        return None
    return Reason(
        test="count" if by_count else "severity",
        reports=cell.reports,
        baseline=base.observed,
        severity=max(cell.severity, 0.0),
        baseline_severity=base.severity,
        clashes=cell.clashes,
        injured=cell.injured,
        dead=cell.dead,
        agreements=cell.agreements,
        resources=resources,
        borrowed=base.borrowed,
        p_value=p_value,
    )


def calming_reason(
    cell: Cell, config: SignalConfig, base: Baseline, *, was_rising: bool
) -> Reason | None:
    """Well below the baseline after a rising alert, or agreements where disputes were."""
    quiet = was_rising and cell.reports <= config.calm_ratio * base.reports
    disputed = was_rising or cell.reports + cell.base_reports > 0
    if not quiet and not (cell.agreements and disputed):
        return None
    return Reason(
        test="quiet" if quiet else "agreement",
        reports=cell.reports,
        baseline=base.observed,
        severity=max(cell.severity, 0.0),
        baseline_severity=base.severity,
        agreements=cell.agreements,
        borrowed=base.borrowed,
    )


def assess(
    cells: Iterable[Cell],
    config: SignalConfig,
    aimaks_in_rayon: Callable[[str | None], int],
    recently_rising: set[str],
    open_urgent: Collection[str] = frozenset(),
) -> list[Flag]:
    """Flag every place that is rising (by itself or by one resource) or calming.

    A place with an urgent report still open is never calming, whatever else happened there
    this week: an agreement beside an open clash is not a place settling down.
    """
    by_place: dict[str, list[Cell]] = defaultdict(list)
    for cell in cells:
        by_place[cell.place].append(cell)
    flags: list[Flag] = []
    for place, found in by_place.items():
        total = next((c for c in found if c.resource is None), None)
        if total is None:
            continue
        share = aimaks_in_rayon(total.rayon)
        per_resource = sorted(
            (c for c in found if c.resource is not None and c.reports > 0),
            key=lambda c: (-c.reports, -c.severity, c.resource or ""),
        )
        named = tuple(c.resource or "" for c in per_resource[:MAX_RESOURCES_NAMED])
        base = baseline_of(total, config, share)
        whole = rising_reason(total, config, base, named)
        if whole is not None:
            reasons: tuple[Reason, ...] = (whole,)
        else:
            reasons = tuple(
                reason
                for c in per_resource
                if (
                    reason := rising_reason(
                        c, config, baseline_of(c, config, share), (c.resource or "",)
                    )
                )
            )
        if reasons:
            flags.append(Flag(place, total.rayon, RISING, reasons))
            continue
        if place in open_urgent:
            continue
        calm = calming_reason(total, config, base, was_rising=place in recently_rising)
        if calm is not None:
            flags.append(Flag(place, total.rayon, CALMING, (calm,)))
    flags.sort(key=lambda f: (f.state != RISING, f.place))
    return flags


# ---------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Locality:
    """A place code with the place and its parent as the gazetteer knows them (or not)."""

    code: str
    place: Place | None
    parent: Place | None


@dataclass(frozen=True, slots=True)
class Watched:
    """A flag with its place."""

    flag: Flag
    where: Locality


@dataclass(frozen=True, slots=True)
class TensionAlert:
    """Notice to a coordinator: a place in her reach is rising this week (once a week)."""

    flag: Flag
    where: Locality


@dataclass(frozen=True, slots=True)
class WatchList:
    """/watch: every place rising or calming in the reader's reach, rising first."""

    places: tuple[Watched, ...]


@dataclass(frozen=True, slots=True)
class WeekLine:
    """One of a place's weeks: its first and last day, reports and score."""

    first: date
    last: date
    reports: int
    score: float  # never below zero
    clashes: int
    agreements: int


@dataclass(frozen=True, slots=True)
class PlaceWeeks:
    """A place's last weeks, newest first, with why it is on the watch list (None: it is not)."""

    where: Locality
    flag: Flag | None
    weeks: tuple[WeekLine, ...]


@dataclass(frozen=True, slots=True)
class PlaceReports:
    """A place's counted reports of the signal's weeks, newest first; no reporter."""

    where: Locality
    reports: tuple[PlaceReport, ...]


@dataclass(frozen=True, slots=True)
class HeatPlace:
    """One aiyl aimak of the heat table: its score and reports per week, oldest first."""

    where: Locality
    scores: tuple[float, ...]
    reports: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class HeatGrid:
    """The heat table's data: the aiyl aimaks in reach with reports in the last weeks."""

    places: tuple[HeatPlace, ...]
    week_starts: tuple[date, ...]  # oldest first
    threshold: float  # the rising severity: the colour scale reaches at least this


@dataclass(frozen=True, slots=True)
class WatchSection:
    """The coordinator digest's watch list, with the heat table when there were reports."""

    places: tuple[Watched, ...]
    heat: HeatGrid | None

    @property
    def news(self) -> bool:
        return bool(self.places)


# ---------------------------------------------------------------------- rules


class EarlyWarningRules:
    """Computes the signal, raises weekly alerts, and shows the watch list and history."""

    digest_position = 20  # in the coordinator digest: after the incidents, before review

    def __init__(self, kernel: Kernel, config: SignalConfig | None = None) -> None:
        self.kernel = kernel
        settings = kernel.settings
        self.config = config or SignalConfig.load(settings.severity_path or SEVERITY_PATH)
        self._aimaks: dict[str | None, int] = {}
        self._checking = False
        self._check_again = False

    def today(self, now: datetime | None = None) -> date:
        """The local calendar day the signal ends on."""
        moment = now or self.kernel.clock.now()
        return moment.astimezone(self.kernel.settings.zone).date()

    def aimaks_in(self, rayon: str | None) -> int:
        """How many aiyl aimaks the rayon has in the gazetteer (the baseline's divisor)."""
        if rayon not in self._aimaks:
            gazetteer = self.kernel.gazetteer
            place = gazetteer.get(rayon) if rayon else None
            self._aimaks[rayon] = (
                sum(1 for p in gazetteer.children(place.code) if p.level == AIYL_AIMAK)
                if place is not None
                else 1
            )
        return self._aimaks[rayon]

    def locality(self, code: str) -> Locality:
        """A place code with its place and parent, for a screen to name."""
        gazetteer = self.kernel.gazetteer
        place = gazetteer.get(code)
        parent = gazetteer.get(place.parent) if place is not None and place.parent else None
        return Locality(code, place, parent)

    async def flags(self, *, now: datetime | None = None) -> list[Flag]:
        """Every place rising or calming now, rising first."""
        now = now or self.kernel.clock.now()
        lookback = timedelta(weeks=self.config.calm_lookback_weeks)
        async with self.kernel.db.reading() as conn:
            cells = await SignalRepository(conn).cells(
                today=self.today(now),
                baseline_weeks=self.config.baseline_weeks,
                scoring=self.config.scoring,
            )
            recent = await AlertRepository(conn).places_raised_since(since=now - lookback)
            held = await SignalRepository(conn).places_with_open_urgent(received_before=now)
        return assess(cells, self.config, self.aimaks_in, recent, held)

    def _watched(self, reach: Reach, flags: Iterable[Flag]) -> tuple[Watched, ...]:
        return tuple(
            Watched(f, self.locality(f.place)) for f in flags if reach.covers_place(f.place)
        )

    # ------------------------------------------------------------------ alerts

    async def check(self, *, now: datetime | None = None) -> int:
        """Raise this week's alerts for rising places and send them; returns those delivered."""
        now = now or self.kernel.clock.now()
        sent = 0
        for flag in await self.flags(now=now):
            if flag.state == RISING:
                sent += await self._alert(flag, now)
        return sent

    async def on_incident_changed(self, number: int) -> None:
        """After a report is stored or updated: the same check, failures only logged.

        Reports that arrive while a check runs share the next one: when a workshop submits at
        once, one check per report would spend the CPU everyone's answers need.
        """
        self._check_again = True
        if self._checking:
            return
        self._checking = True
        try:
            while self._check_again:
                self._check_again = False
                try:
                    await self.check()
                except Exception as exc:  # the report is saved; the daily check catches up
                    log.exception("early-warning check failed: %s", type(exc).__name__)
        finally:
            self._checking = False

    async def coordinators_of(self, place: str) -> list[int]:
        """Coordinators whose reach covers the place (administrators only by a role)."""
        async with self.kernel.db.reading() as conn:
            holders = await RoleRepository(conn).holders("coordinator")
        by_person: dict[int, list[Role]] = {}
        for role in holders:
            by_person.setdefault(role.user_id, []).append(role)
        gazetteer = self.kernel.gazetteer
        return [
            user_id
            for user_id, roles in by_person.items()
            if Reach.of(scopes_from_roles(roles), gazetteer).covers_place(place)
        ]

    async def _alert(self, flag: Flag, now: datetime) -> int:
        """The place's alert of the week, to each covering coordinator who has not had it."""
        today = self.today(now)
        recipients = await self.coordinators_of(flag.place)
        async with self.kernel.db.transaction() as conn:
            alerts = AlertRepository(conn)
            alert = await alerts.latest(place=flag.place, since=now - ALERT_EVERY)
            if alert is None:
                await alerts.raise_once(
                    place=flag.place,
                    week_start=today - timedelta(days=today.weekday()),
                    now=now,
                    reasons=[r.as_dict() for r in flag.reasons],
                )
                alert = await alerts.latest(place=flag.place, since=now - ALERT_EVERY)
            if alert is None:
                return 0
            users = UserRepository(conn)
            # Claimed before sending: a crash mid-way leaves someone unalerted, never twice.
            claimed = []
            for user_id in recipients:
                user = await users.get(user_id)
                if user is None or not user.active:
                    continue
                if await alerts.claim_delivery(alert_id=alert.id, user_id=user_id, now=now):
                    claimed.append(user)
        notice = TensionAlert(flag, self.locality(flag.place))
        sent = 0
        for user in claimed:
            outcome = await self.kernel.notifier.notify(Recipient(user.id, user.language), notice)
            if outcome is Delivery.SENT:
                sent += 1
                async with self.kernel.db.transaction() as conn:
                    await AlertRepository(conn).mark_delivered(alert_id=alert.id, user_id=user.id)
            else:
                log.info(
                    "early-warning alert %s not delivered to %s: %s", alert.id, user.id, outcome
                )
        return sent

    # ------------------------------------------------------------------ what coordinators see

    def _require_place(self, actor: Actor, place: str) -> Locality:
        """A known aiyl aimak in the actor's reach; an unknown code is a stale button."""
        found = self.kernel.gazetteer.get(place)
        if found is None or found.level != AIYL_AIMAK:
            raise StaleButton
        self.kernel.access.require(actor, Permission.RECEIVE_ALERTS)
        if not actor.reach.covers_place(place):
            raise NotAllowed(Permission.RECEIVE_ALERTS)
        return self.locality(place)

    async def watch(self, actor: Actor) -> WatchList:
        """/watch: the places rising or calming in the coordinator's reach."""
        self.kernel.access.require(actor, Permission.RECEIVE_ALERTS)
        return WatchList(self._watched(actor.reach, await self.flags()))

    async def weeks(self, actor: Actor, place: str) -> PlaceWeeks:
        """One place's last 8 weeks, with why it is on the watch list now."""
        where = self._require_place(actor, place)
        today = self.today()
        async with self.kernel.db.reading() as conn:
            cells = await SignalRepository(conn).weeks(
                today=today,
                weeks=HISTORY_WEEKS,
                scoring=self.config.scoring,
                rayon=where.place.parent if where.place else None,
                place=place,
            )
        flag = next((f for f in await self.flags() if f.place == place), None)
        by_week = {c.week: c for c in cells}
        lines = []
        for week in range(HISTORY_WEEKS):
            cell = by_week.get(week)
            lines.append(
                WeekLine(
                    first=today - timedelta(days=7 * week + 6),
                    last=today - timedelta(days=7 * week),
                    reports=cell.reports if cell else 0,
                    score=max(cell.severity, 0.0) if cell else 0.0,
                    clashes=cell.clashes if cell else 0,
                    agreements=cell.agreements if cell else 0,
                )
            )
        return PlaceWeeks(where, flag, tuple(lines))

    async def reports(self, actor: Actor, place: str) -> PlaceReports:
        """The place's counted reports of the signal's weeks; no reporter is ever named."""
        where = self._require_place(actor, place)
        today = self.today()
        since = today - timedelta(weeks=self.config.baseline_weeks + 1) + timedelta(days=1)
        async with self.kernel.db.reading() as conn:
            found = await SignalRepository(conn).place_reports(
                place=place, since=since, today=today, limit=REPORTS_SHOWN
            )
        return PlaceReports(where, tuple(found))

    # ------------------------------------------------------------------ heat table and digest

    async def heat(self, actor: Actor, *, now: datetime) -> HeatGrid | None:
        """Score per week (oldest first) of each aiyl aimak in reach with reports lately."""
        self.kernel.access.require(actor, Permission.RECEIVE_ALERTS)
        today = self.today(now)
        async with self.kernel.db.reading() as conn:
            cells = await SignalRepository(conn).weeks(
                today=today, weeks=HISTORY_WEEKS, scoring=self.config.scoring
            )
        grid: dict[str, list[WeekCell]] = defaultdict(list)
        for cell in cells:
            if actor.reach.covers_place(cell.place):
                grid[cell.place].append(cell)
        if not grid:
            return None
        places = []
        for place, found in grid.items():
            scores = [0.0] * HISTORY_WEEKS
            counts = [0] * HISTORY_WEEKS
            for cell in found:
                scores[HISTORY_WEEKS - 1 - cell.week] = max(cell.severity, 0.0)
                counts[HISTORY_WEEKS - 1 - cell.week] = cell.reports
            places.append(HeatPlace(self.locality(place), tuple(scores), tuple(counts)))
        starts = tuple(
            today - timedelta(days=7 * week + 6) for week in reversed(range(HISTORY_WEEKS))
        )
        return HeatGrid(tuple(places), starts, self.config.severity_threshold)

    async def digest_section(self, reader: Actor, period: Period) -> WatchSection | None:
        """The watch list and the heat table for the coordinator digest, or None if empty."""
        if not self.kernel.access.allows(reader, Permission.RECEIVE_ALERTS):
            return None
        now = period.until
        watched = self._watched(reader.reach, await self.flags(now=now))
        heat = await self.heat(reader, now=now)
        if not watched and heat is None:
            return None
        return WatchSection(watched, heat)

    # ------------------------------------------------------------------ privacy

    async def export_personal(self, conn: Connection, user_id: int) -> Any:
        """For /mydata: the rising-tension alerts the person was sent."""
        received = await AlertRepository(conn).delivered_to(user_id=user_id)
        return [
            {
                "place": alert.place,
                "week_start": alert.week_start.isoformat(),
                "sent_at": claimed_at.isoformat(),
                "delivered": delivered,
            }
            for alert, claimed_at, delivered in received
        ]

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """For /deleteme: forget which alerts the person got."""
        await AlertRepository(conn).forget_user(user_id=user_id)
