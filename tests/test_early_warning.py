"""Early warning: the signal over generated histories, weekly alerts in scope, /watch, reasons
in ky, ru and en, and the heat table in the coordinator digest."""

from __future__ import annotations

import asyncio
import math
import sqlite3
import struct
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, getcontext
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor, NotAllowed
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.outputs.heat_table import HeatRow, heat_table_png
from bot.rules.early_warning import (
    CALMING,
    RISING,
    SEVERITY_PATH,
    EarlyWarningRules,
    Flag,
    Reason,
    SeverityFileError,
    SignalConfig,
    TensionAlert,
    poisson_tail,
)
from bot.rules.incidents import IncidentRules
from handlers.early_warning import screens
from handlers.early_warning.screens import reason_text
from handlers.plumbing.screen import Screen
from storage.db import Database
from storage.early_warning import SignalRepository
from storage.incidents import IncidentRepository
from storage.users import RoleRepository, UserRepository
from tests.conftest import PersonFactory
from tests.harness import running_bot, services_of
from tests.incident_steps import (
    SEED,
    Report,
    coordinator,
    fill_report,
    reporter,
    seed,
    submit,
    unread,
)

# A Thursday: noon in Bishkek, so "this week" is 6-12 March and the alert week starts 9 March.
NOW = datetime(2026, 3, 12, 6, 0, tzinfo=UTC)
TODAY = date(2026, 3, 12)
AK_SAY = "BA-BAT-AKS"
DARY = "BA-BAT-DAR"
KATRAN = "BA-LEI-KAT"
PNG = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------- fixtures and helpers


@dataclass
class Outbox:
    """The notifier port: keeps each notice it was handed, with whom it was for."""

    sent: list[tuple[Recipient, object]] = field(default_factory=list)

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        self.sent.append((recipient, notice))
        return Delivery.SENT

    def take(self) -> dict[int, Screen]:
        """Each alert sent so far, drawn in its recipient's language; forgets them."""
        found = {}
        for recipient, notice in self.sent:
            assert isinstance(notice, TensionAlert)
            found[recipient.chat_id] = screens.alert(notice, translator(recipient.locale))
        self.sent.clear()
        return found


@dataclass
class World:
    db: Database
    clock: FrozenClock
    service: EarlyWarningRules
    outbox: Outbox
    kernel: Kernel


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = await Database.open(tmp_path / "warning.db")
    settings = Settings(_env_file=None, AYILBOT_DB=tmp_path / "warning.db")  # type: ignore[call-arg]
    clock = FrozenClock(NOW)
    gazetteer = Gazetteer.default()
    outbox = Outbox()
    kernel = Kernel(settings, db, clock, gazetteer, Access(gazetteer), outbox)
    service = kernel.add(EarlyWarningRules(kernel))
    yield World(db, clock, service, outbox, kernel)
    await db.close()


async def add(
    db: Database, *, place: str = AK_SAY, days_ago: int = 0, today: date = TODAY, **changes: Any
) -> int:
    """One report of `place` whose event was `days_ago` days before `today`."""
    gazetteer = Gazetteer.default()
    rayon = gazetteer[place].parent
    day = today - timedelta(days=days_ago)
    values: dict[str, Any] = {
        "draft_id": uuid.uuid4().hex,
        "admin2": rayon,
        "admin3": place,
        "event_date": day,
        "received_at": datetime(day.year, day.month, day.day, 5, tzinfo=UTC),
        "sub_event_type": "tension",
        **changes,
    }
    review = values.pop("review_status", None)
    async with db.transaction() as conn:
        incidents = IncidentRepository(conn)
        number, _ = await incidents.add(incident=replace(SEED, **values))
        if review is not None:
            await incidents.set_review_status(incident_id=number, expected=("pending",), to=review)
    return number


async def weekly(
    db: Database, place: str, per_week: int, *, weeks: int = 8, **changes: Any
) -> None:
    """`per_week` reports in each of the `weeks` weeks before this one."""
    for week in range(1, weeks + 1):
        for _ in range(per_week):
            await add(db, place=place, days_ago=7 * week + 1, **changes)


async def person_with_role(
    world: World, user_id: int, language: str, scope: str | None, *, active: bool = True
) -> Actor:
    """A registered person, a coordinator of `scope` when given."""
    async with world.db.transaction() as conn:
        users = UserRepository(conn)
        await users.create(
            user_id=user_id,
            first_name=f"C{user_id}",
            last_name=None,
            username=None,
            language=language,
            pseudonym=f"P-{user_id}",
            now=NOW,
        )
        await users.update_profile(user_id=user_id, now=NOW, kind="leader")
        await users.set_blocked(user_id=user_id, blocked=not active, now=NOW)
        await users.accept_privacy(user_id=user_id, now=NOW)
        if scope is not None:
            kind, value = ("all", "") if scope == "all" else ("place", scope)
            await RoleRepository(conn).grant(
                user_id=user_id,
                role="coordinator",
                scope_kind=kind,
                scope_value=value,
                granted_by=None,
                now=NOW,
            )
    return await world.kernel.actors.of_user(user_id)


def by_place(flags: list[Flag]) -> dict[str, Flag]:
    return {f.place: f for f in flags}


# ---------------------------------------------------------------------- the Poisson test


def exact_tail(k: int, mean: float) -> Decimal:
    """P(X >= k) with 60-digit decimals, as the reference."""
    getcontext().prec = 60
    lam = Decimal(repr(mean))
    term, lower = (-lam).exp(), Decimal(0)
    for i in range(k):
        lower += term
        term = term * lam / (i + 1)
    return 1 - lower


@pytest.mark.parametrize(
    ("k", "mean"),
    # Both branches (k above and below the mean), and a mean whose e^-mean underflows a float.
    [
        (4, 0.8),
        (3, 0.125),
        (4, 0.125),
        (10, 2.5),
        (2, 1.0),
        (5, 5.0),
        (60, 30.0),
        (950, 1000.0),
        (1100, 1000.0),
    ],
)
def test_the_poisson_tail_matches_an_exact_sum(k: int, mean: float) -> None:
    expected = float(exact_tail(k, mean))
    assert math.isclose(poisson_tail(k, mean), expected, rel_tol=1e-9)


def test_the_poisson_tail_at_the_edges() -> None:
    assert poisson_tail(0, 3.0) == 1.0
    assert poisson_tail(3, 0.0) == 0.0
    assert math.isclose(poisson_tail(1, 0.5), 1 - math.exp(-0.5), rel_tol=1e-12)
    assert poisson_tail(400, 2.0) == 0.0  # about 1e-749: below the smallest float, no error


# ---------------------------------------------------------------------- weights are data


def test_the_shipped_weights_are_the_documented_ones() -> None:
    config = SignalConfig.load()
    assert dict(config.scoring.weights) == {
        "tension": 1,
        "verbal_dispute": 1,
        "blockade": 3,
        "protest": 3,
        "property_damage": 4,
        "physical_clash": 6,
        "agreement": -2,
    }
    scoring = config.scoring
    assert (scoring.per_injured, scoring.per_dead, scoring.resolved) == (2, 10, 0.5)
    assert (config.min_reports, config.p_value, config.baseline_weeks) == (3, 0.05, 8)


def test_a_changed_weight_is_read_and_a_missing_one_is_refused(tmp_path: Path) -> None:
    text = SEVERITY_PATH.read_text(encoding="utf-8")
    changed = tmp_path / "severity.toml"
    changed.write_text(text.replace("physical_clash = 6", "physical_clash = 9"), "utf-8")
    assert SignalConfig.load(changed).scoring.weights["physical_clash"] == 9
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("agreement = -2", ""), "utf-8")
    with pytest.raises(SeverityFileError, match="missing: agreement"):
        SignalConfig.load(broken)
    typo = tmp_path / "typo.toml"
    typo.write_text(text.replace("min_reports = 3", "min_report = 3"), "utf-8")
    with pytest.raises(SeverityFileError, match="min_report"):
        SignalConfig.load(typo)


async def test_resolved_reports_count_half_agreements_subtract_rejected_count_nothing(
    world: World,
) -> None:
    await add(world.db, sub_event_type="physical_clash", injuries=1)  # 6 + 2
    await add(world.db, sub_event_type="physical_clash", status="resolved")  # 6 / 2
    await add(world.db, sub_event_type="agreement")  # -2
    await add(world.db, sub_event_type="physical_clash", review_status="rejected")
    await add(world.db, sub_event_type="physical_clash", review_status="duplicate")
    async with world.db.reading() as conn:
        weeks = await SignalRepository(conn).weeks(
            today=TODAY, weeks=8, scoring=world.service.config.scoring
        )
    (week,) = weeks
    assert (week.place, week.week, week.reports, week.agreements, week.clashes) == (
        AK_SAY,
        0,
        2,
        1,
        2,
    )
    assert week.severity == 8 + 3 - 2


# ---------------------------------------------------------------------- the signal


async def test_a_quiet_place_that_suddenly_has_four_reports_is_rising(world: World) -> None:
    await weekly(world.db, DARY, 1)  # the rayon is not silent, Ak-Say is
    for days_ago in range(4):
        await add(world.db, days_ago=days_ago)
    flags = by_place(await world.service.flags())
    flag = flags[AK_SAY]
    assert flag.state == RISING
    (reason,) = flag.reasons
    assert (reason.test, reason.reports, reason.borrowed) == ("count", 4, True)
    # The rayon's average per aiyl aimak, 8 reports / 9 aimaks / 8 weeks, is below the floor:
    # the test assumes the floor, the reason says what was counted.
    assert reason.baseline == pytest.approx(8 / 9 / 8)
    assert reason.p_value == pytest.approx(poisson_tail(4, 0.125))
    assert reason.p_value is not None and reason.p_value < 1e-4
    assert reason.resources == ("water",)
    assert DARY not in flags


async def test_one_report_in_a_place_with_none_before_is_not_flagged(world: World) -> None:
    await weekly(world.db, DARY, 1)
    # Even a deadly clash: one grave report is the urgent alert's job, not a trend.
    await add(world.db, sub_event_type="physical_clash", fatalities=1)
    assert await world.service.flags() == []


async def test_a_steady_busy_place_at_its_usual_level_is_not_flagged(world: World) -> None:
    await weekly(world.db, AK_SAY, 4)
    await weekly(world.db, AK_SAY, 1, sub_event_type="physical_clash")
    for days_ago in range(4):
        await add(world.db, days_ago=days_ago)
    await add(world.db, days_ago=2, sub_event_type="physical_clash")
    assert await world.service.flags() == []
    # The same place with twelve reports this week does rise: the baseline is its own.
    for days_ago in range(7):
        await add(world.db, days_ago=days_ago)
    (flag,) = await world.service.flags()
    assert flag.state == RISING
    assert (flag.reasons[0].baseline, flag.reasons[0].borrowed) == (5.0, False)


async def test_a_severity_jump_is_rising(world: World) -> None:
    await weekly(world.db, AK_SAY, 1)
    await add(world.db, days_ago=1, sub_event_type="physical_clash", injuries=2)
    await add(world.db, days_ago=0, sub_event_type="blockade")
    (flag,) = await world.service.flags()
    (reason,) = flag.reasons
    assert flag.state == RISING
    assert (reason.test, reason.reports, reason.severity, reason.baseline_severity) == (
        "severity",
        2,
        13.0,
        1.0,
    )
    assert (reason.clashes, reason.injured) == (1, 2)


async def test_rejected_and_duplicate_reports_do_not_raise_a_place(world: World) -> None:
    for status in ("rejected", "rejected", "duplicate"):
        await add(world.db, review_status=status)
    await add(world.db, review_status="verified")
    assert await world.service.flags() == []


async def test_one_resource_rising_in_a_steady_place_names_the_resource(world: World) -> None:
    await weekly(world.db, AK_SAY, 4, resource="pasture")
    await add(world.db, resource="pasture")
    for days_ago in range(4):
        await add(world.db, days_ago=days_ago, resource="water")
    (flag,) = await world.service.flags()
    (reason,) = flag.reasons
    assert flag.state == RISING
    assert (reason.resources, reason.reports, reason.borrowed) == (("water",), 4, True)


async def test_calming_after_a_rising_alert_and_after_an_agreement(world: World) -> None:
    await person_with_role(world, 801, "en", "BA-BAT")
    for _ in range(5):
        await add(world.db, days_ago=15)
    world.clock.at = NOW - timedelta(days=14)
    assert await world.service.check() == 1
    assert world.outbox.take().keys() == {801}
    world.clock.at = NOW
    await weekly(world.db, DARY, 1, weeks=2)
    await add(world.db, place=DARY, sub_event_type="agreement")
    # An agreement where nothing was disputed in nine weeks calms nothing.
    await add(world.db, place=KATRAN, sub_event_type="agreement")
    flags = by_place(await world.service.flags())
    assert flags[AK_SAY].state == CALMING
    assert flags[AK_SAY].reasons[0].test == "quiet"
    assert (flags[DARY].state, flags[DARY].reasons[0].test) == (CALMING, "agreement")
    assert KATRAN not in flags
    # Calming places are listed, never alerted.
    assert await world.service.check() == 0


async def test_a_place_with_nothing_before_is_said_to_have_none_not_the_floor(
    world: World,
) -> None:
    """Issue #17: "4 reports against 0.1 a week before" where nothing was ever reported."""
    for days_ago in range(4):
        await add(world.db, days_ago=days_ago)
    (count,) = (await world.service.flags())[0].reasons
    assert (count.test, count.baseline, count.none_before) == ("count", 0.0, True)
    # The test still assumes the floor: four out of nothing is significant, not infinite.
    assert count.p_value == pytest.approx(poisson_tail(4, world.service.config.baseline_floor))
    water = {lang: translator(lang).label("💧 Water, irrigation") for lang in ("ky", "ru", "en")}
    assert (
        reason_text(count, translator("en")) == "4 reports this week, none before; " + water["en"]
    )
    assert reason_text(count, translator("ru")) == (
        "4 сообщения за эту неделю, до этого — ни одного; " + water["ru"]
    )
    assert reason_text(count, translator("ky")) == (
        "бул аптада 4 билдирүү, мурда бир да билдирүү болгон эмес; " + water["ky"]
    )

    # Katran: a grave week from nothing rises by severity, also "none before", never "against 0".
    await add(world.db, place=KATRAN, sub_event_type="physical_clash", injuries=2)
    await add(world.db, place=KATRAN, days_ago=1, sub_event_type="blockade")
    (severe,) = by_place(await world.service.flags())[KATRAN].reasons
    assert (severe.test, severe.none_before) == ("severity", True)
    text = reason_text(severe, translator("en"))
    assert text.startswith("severity score 13 this week, with no reports before; from 2 reports")
    assert "against" not in text and "usual level" not in text
    assert reason_text(severe, translator("ru")).startswith(
        "балл тяжести 13 за эту неделю, до этого сообщений не было; из 2 сообщений"
    )
    assert reason_text(severe, translator("ky")).startswith(
        "бул аптада оордук упайы 13, мурда билдирүү болгон эмес; 2 билдирүүдөн"
    )


def test_a_rate_below_the_floor_is_said_as_counted() -> None:
    """A rayon's one report spread over its aiyl aimaks is a small rate, not the floor, not 0."""
    reason = Reason(
        test="count", reports=3, baseline=1 / 9 / 8, severity=3, baseline_severity=0.01
    )
    assert (
        reason_text(reason, translator("en")) == "3 reports this week against 0.01 a week before"
    )
    assert reason_text(replace(reason, baseline=0.8), translator("ru")).startswith(
        "3 сообщения за эту неделю против 0,8 в среднем"
    )


async def test_an_open_urgent_report_holds_a_place_off_the_calming_list(world: World) -> None:
    """Issue #17: Dary was "calming" for one agreement beside an urgent clash still open."""
    await weekly(world.db, DARY, 1, weeks=2)
    await add(world.db, place=DARY, sub_event_type="agreement")
    assert by_place(await world.service.flags())[DARY].state == CALMING
    clash = await add(
        world.db, place=DARY, days_ago=1, sub_event_type="physical_clash", urgent=True
    )
    assert DARY not in by_place(await world.service.flags())
    # A rejected urgent report holds nothing; once the clash is resolved, Dary is calming again.
    await add(world.db, place=DARY, days_ago=2, urgent=True, review_status="rejected")
    async with world.db.transaction() as conn:
        await conn.execute("UPDATE incidents SET status = 'resolved' WHERE id = ?", (clash,))
    assert by_place(await world.service.flags())[DARY].state == CALMING

    # After a rising alert too: an urgent report of those weeks, still open, keeps it off.
    await person_with_role(world, 811, "en", "BA-BAT")
    for days_ago in (15, 15, 15, 15, 16):
        await add(world.db, days_ago=days_ago, urgent=days_ago == 16)
    world.clock.at = NOW - timedelta(days=14)
    assert await world.service.check() == 1
    world.clock.at = NOW
    assert AK_SAY not in by_place(await world.service.flags())
    # Rising is never held back: an open urgent report does not hide a rising place.
    for days_ago in range(5):
        await add(world.db, place=KATRAN, days_ago=days_ago, urgent=True)
    assert by_place(await world.service.flags())[KATRAN].state == RISING


# ---------------------------------------------------------------------- alerts


async def test_alerts_go_once_a_week_to_the_coordinators_covering_the_place(world: World) -> None:
    await person_with_role(world, 501, "ru", "BA-BAT")
    await person_with_role(world, 502, "ky", "all")
    await person_with_role(world, 503, "en", "BA-LEI")
    await person_with_role(world, 504, "en", "BA", active=False)
    await person_with_role(world, 505, "en", AK_SAY)
    await person_with_role(world, 506, "en", None)
    for days_ago in range(4):
        await add(
            world.db, days_ago=days_ago, sub_event_type="physical_clash" if days_ago else "tension"
        )

    assert await world.service.check() == 3
    sent = world.outbox.take()
    assert sent.keys() == {501, 502, 505}
    assert "Рост напряжённости: Ак-Сай (Баткенский район)" in sent[501].text
    assert "4 сообщения за эту неделю" in sent[501].text
    assert "3 с физическим столкновением" in sent[501].text
    assert "Чыңалуу күчөп жатат: Ак-Сай (Баткен району)" in sent[502].text
    assert "Rising tension: Ak-Say (Batken District)" in sent[505].text
    assert ("📋 Its reports", "ew:r:BA-BAT-AKS") in [
        (b.text, b.data) for row in sent[505].buttons for b in row
    ]

    # Not again for each new report, nor later in the week.
    await add(world.db)
    assert await world.service.check() == 0
    world.clock.advance(timedelta(days=3))
    assert await world.service.check() == 0
    assert world.outbox.sent == []

    # A new week with a new run of reports: a new alert.
    world.clock.advance(timedelta(days=5))
    today = TODAY + timedelta(days=8)
    for days_ago in range(4):
        await add(world.db, days_ago=days_ago, today=today)
    assert await world.service.check() == 3
    assert world.outbox.take().keys() == {501, 502, 505}
    with sqlite3.connect(world.db.path) as conn:
        weeks = conn.execute("SELECT week_start FROM warning_alerts ORDER BY id").fetchall()
    assert weeks == [("2026-03-09",), ("2026-03-16",)]


async def test_the_watch_list_shows_only_places_in_scope(world: World) -> None:
    batken = await person_with_role(world, 511, "en", "BA-BAT")
    leilek = await person_with_role(world, 512, "en", "BA-LEI")
    reporter_only = await person_with_role(world, 513, "en", None)
    for days_ago in range(4):
        await add(world.db, days_ago=days_ago)
    for days_ago in range(3):
        await add(world.db, place=KATRAN, days_ago=days_ago)
    en = translator("en")
    seen = screens.watch_list(await world.service.watch(batken), en)
    assert "Ak-Say" in seen.text and "Katran" not in seen.text
    assert [b.data for row in seen.buttons for b in row] == [f"ew:p:{AK_SAY}"]
    other = screens.watch_list(await world.service.watch(leilek), en)
    assert "Katran" in other.text and "Ak-Say" not in other.text
    grid = await world.service.heat(leilek, now=NOW)
    assert grid is not None
    rows = screens.heat_rows(grid, en)
    assert [r.label for r in rows] == ["Katran"]
    assert rows[0].reports == (0, 0, 0, 0, 0, 0, 0, 3)  # oldest week first
    with pytest.raises(NotAllowed):
        await world.service.watch(reporter_only)
    with pytest.raises(NotAllowed):
        await world.service.reports(leilek, AK_SAY)


async def test_what_an_alert_recipient_stored_is_exported_and_erased(world: World) -> None:
    await person_with_role(world, 521, "en", "BA-BAT")
    for days_ago in range(4):
        await add(world.db, days_ago=days_ago)
    await world.service.check()
    async with world.db.reading() as conn:
        exported = await world.service.export_personal(conn, 521)
    assert exported == [
        {
            "place": AK_SAY,
            "week_start": "2026-03-09",
            "sent_at": NOW.isoformat(),
            "delivered": True,
        }
    ]
    async with world.db.transaction() as conn:
        await world.service.erase_personal(conn, 521, "P-521")
    async with world.db.reading() as conn:
        assert await world.service.export_personal(conn, 521) == []


# ---------------------------------------------------------------------- reasons in three languages


def test_reasons_read_naturally_in_kyrgyz_russian_and_english() -> None:
    reason = Reason(
        test="count",
        reports=5,
        baseline=0.8,
        severity=17.0,
        baseline_severity=1.0,
        clashes=2,
        resources=("water",),
    )
    water = {lang: translator(lang).label("💧 Water, irrigation") for lang in ("ky", "ru", "en")}
    assert reason_text(reason, translator("en")) == (
        "5 reports this week against 0.8 a week before; 2 with a physical clash; " + water["en"]
    )
    assert reason_text(reason, translator("ru")) == (
        "5 сообщений за эту неделю против 0,8 в среднем за неделю до этого; "
        "2 с физическим столкновением; " + water["ru"]
    )
    assert reason_text(reason, translator("ky")) == (
        "бул аптада 5 билдирүү, мурда аптасына орточо 0,8; "
        "2 билдирүүдө физикалык кагылышуу; " + water["ky"]
    )
    russian = translator("ru")
    assert reason_text(replace(reason, reports=1, clashes=0, resources=()), russian) == (
        "1 сообщение за эту неделю против 0,8 в среднем за неделю до этого"
    )
    assert reason_text(replace(reason, reports=3, clashes=0, resources=()), russian).startswith(
        "3 сообщения"
    )
    severe = replace(reason, test="severity", reports=2, severity=13, injured=2, borrowed=True)
    assert reason_text(severe, translator("en")) == (
        "severity score 13 this week against 1 a week before; from 2 reports; usual level: "
        "the rayon's average per aiyl aimak; 2 with a physical clash; 2 injured; " + water["en"]
    )
    assert "2 пострадавших" in reason_text(severe, russian)
    assert "2 жаракат алган" in reason_text(severe, translator("ky"))
    calm = Reason(
        test="agreement", reports=0, baseline=1, severity=0, baseline_severity=1, agreements=2
    )
    assert reason_text(calm, russian) == "2 договорённости достигнуты на этой неделе"


# ---------------------------------------------------------------------- the heat table


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_heat_table_is_a_png_one_row_per_aiyl_aimak() -> None:
    weeks = [f"{d:02d}.01" for d in range(1, 9)]
    few = [HeatRow("Ак-Сай", (0, 0, 1, 0, 0, 2, 13, 4), (0, 0, 1, 0, 0, 2, 3, 4))]
    many = few * 12
    labels = {
        "title": "Айыл аймактар боюнча чыңалуу",
        "x_label": "Жуманын башталышы",
        "colour_label": "Оордук упайы",
        "note": "Уячалардагы сандар",
        "threshold": 10,
    }
    small = png_size(heat_table_png(few, weeks, **labels))  # type: ignore[arg-type]
    large = png_size(heat_table_png(many, weeks, **labels))  # type: ignore[arg-type]
    assert small[0] == large[0] == 800
    assert large[1] > small[1]


# ---------------------------------------------------------------------- end to end


async def test_a_fourth_report_alerts_the_coordinators_of_the_place_once(
    settings: Settings, person: PersonFactory, server: LocalBotApi
) -> None:
    clock = FrozenClock(NOW)
    async with running_bot(settings, clock=clock) as bot:
        aigul = await reporter(person, 601, "ky", first_name="Айгүл")
        batken = await coordinator(bot, person, 701, "ru", "BA-BAT")
        leilek = await coordinator(bot, person, 702, "ky", "BA-LEI")
        # One report a week for eight weeks: three this week are not yet significant.
        for week in range(1, 9):
            await seed(bot, reporter_id=601, event_date=TODAY - timedelta(days=7 * week))
        anonymous = await seed(bot, reporter_id=601, event_date=TODAY, anonymous=True)
        for days_ago in (1, 2):
            await seed(bot, reporter_id=601, event_date=TODAY - timedelta(days=days_ago))
        assert await services_of(bot).get(EarlyWarningRules).check() == 0

        await fill_report(
            aigul, "ky", Report(event="Tension or complaint", resource="💧 Water, irrigation")
        )
        receipt = await submit(aigul, "ky")
        assert "№ 12" in receipt.text
        alert = await batken.reply()
        assert "Рост напряжённости: Ак-Сай (Баткенский район)" in alert.text
        assert "4 сообщения за эту неделю" in alert.text
        assert ("📋 Сообщения отсюда", "ew:r:BA-BAT-AKS") in alert.flat_buttons
        assert await unread(leilek) == []

        listing = await batken.press("📋 Сообщения отсюда", message=alert)
        numbers = [data for _, data in listing.flat_buttons if data and data.startswith("inc:o:")]
        # This week's four first (the form's report is the newest), then the weeks before.
        assert numbers[:4] == ["inc:o:12", f"inc:o:{anonymous}", "inc:o:10", "inc:o:11"]
        assert len(numbers) == 12
        assert "Айгүл" not in listing.text + str(listing.flat_buttons)
        card = await batken.press(f"№ {anonymous}", message=listing)
        assert "Айгүл" not in card.text  # an anonymous reporter stays anonymous

        # Once a week: neither the daily check nor another report alerts again.
        assert await services_of(bot).get(EarlyWarningRules).check() == 0
        await seed(bot, reporter_id=601, event_date=TODAY)
        await services_of(bot).get(IncidentRules).on_incident_changed[0](13)
        assert await unread(batken) == []


async def test_watch_lists_places_in_scope_and_opens_their_weeks(
    settings: Settings, person: PersonFactory, server: LocalBotApi
) -> None:
    async with running_bot(settings, clock=FrozenClock(NOW)) as bot:
        batken = await coordinator(bot, person, 711, "en", "BA-BAT")
        leilek = await coordinator(bot, person, 712, "ru", "BA-LEI")
        village = await reporter(person, 611, "ky")
        for days_ago in range(4):
            await seed(bot, reporter_id=611, event_date=TODAY - timedelta(days=days_ago))
        await seed(bot, reporter_id=611, event_date=TODAY - timedelta(days=22))

        listing = await batken.say("/watch")
        assert "Ak-Say (Batken District)</b>: rising" in listing.text
        assert "4 reports this week against" in listing.text
        weeks = await batken.press("🔺 Ak-Say", message=listing)
        assert "Ak-Say (Batken District): the last 8 weeks" in weeks.text
        lines = [line for line in weeks.text.split("\n") if line.startswith("• ") and ":" in line]
        assert len(lines) == 1 + 8  # the reason, then eight weeks
        assert "06.03–12.03: 4 reports, score 4" in weeks.text
        assert "13.02–19.02: 1 report, score 1" in weeks.text
        reports = await batken.press("📋 Its reports", message=weeks)
        assert len([d for _, d in reports.flat_buttons if d and d.startswith("inc:o:")]) == 5

        nothing = await leilek.say("/watch")
        assert nothing.text.startswith("Сейчас ни в одном месте на вашей территории")
        # A forged button for a place outside the scope is refused when pressed.
        await server.press(leilek.user, nothing.message_id, "ew:r:BA-BAT-AKS")
        refused = await leilek.reply()
        assert refused.text == translator("ru").gettext(
            "Sorry, you do not have permission for this."
        )
        query = await server.press(batken.user, listing.message_id, "ew:p:XX-GONE")
        answer = await server.wait_callback_answer(query)
        assert answer["text"] == translator("en").gettext("This button is no longer active.")

        denied = await village.say("/watch")
        assert denied.text == translator("ky").gettext(
            "Sorry, you do not have permission for this."
        )
        menu = await batken.say("/menu")
        assert ("⚠️ Tension watch", "m:watch") in menu.flat_buttons


async def test_the_coordinator_digest_has_the_watch_list_and_the_heat_table(
    settings: Settings, person: PersonFactory, server: LocalBotApi
) -> None:
    clock = FrozenClock(NOW)
    async with running_bot(settings, clock=clock) as bot:
        batken = await coordinator(bot, person, 721, "ky", "BA-BAT")
        for days_ago in range(4):
            await seed(bot, reporter_id=721, event_date=TODAY - timedelta(days=days_ago))
        await seed(bot, reporter_id=721, event_date=TODAY - timedelta(days=30), admin3=DARY)

        digest = await batken.say("/digest")
        assert "Чыңалууну көзөмөлдөө" in digest.text
        assert "Ак-Сай (Баткен району)</b>: чыңалуу күчөп жатат" in digest.text
        photos = [m for m in await unread(batken) if m.kind == "photo"]
        services = services_of(bot)
        actor = await services.actors.of_user(721)
        grid = await services.get(EarlyWarningRules).heat(actor, now=NOW)
        assert grid is not None
        expected = screens.heat_table(grid, translator("ky"))
        assert expected.startswith(PNG)
        assert expected in [m.document for m in photos]
        rows = screens.heat_rows(grid, translator("ky"))
        assert [r.label for r in rows] == ["Ак-Сай", "Дары"]


async def test_reports_arriving_during_a_check_share_the_next_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workshop submitting at once runs a few checks, not one per report, and none is missed."""
    runs: list[int] = []
    release = asyncio.Event()
    reports_seen = 0

    async def slow_check(*, now: datetime | None = None) -> int:
        runs.append(reports_seen)
        await release.wait()
        return 0

    monkeypatch.setattr(world.service, "check", slow_check)
    first = asyncio.create_task(world.service.on_incident_changed(1))
    await asyncio.sleep(0)
    reports_seen = 5
    later = [world.service.on_incident_changed(n) for n in range(2, 7)]
    await asyncio.wait_for(asyncio.gather(*later), 1)  # they return at once, sharing a run
    assert runs == [0]
    release.set()
    await asyncio.wait_for(first, 1)
    assert runs == [0, 5]  # one more run, after all five arrived
    await world.service.on_incident_changed(7)
    assert runs == [0, 5, 5]


async def test_none_before_and_an_open_urgent_clash_read_as_they_are_in_the_chat(
    settings: Settings, person: PersonFactory, server: LocalBotApi
) -> None:
    """Issue #17 end to end: the alert, /watch, a place's weeks and the digest say "none
    before" where nothing was reported, and a place with an urgent clash still open is not
    called calming for an agreement in the same digest."""
    clock = FrozenClock(NOW)
    async with running_bot(settings, clock=clock) as bot:
        russian = await coordinator(bot, person, 731, "ru", "BA")
        kyrgyz = await coordinator(bot, person, 732, "ky", "BA")
        await reporter(person, 631, "ky")
        for days_ago in range(4):  # Batken rayon had no report in the eight weeks before
            await seed(bot, reporter_id=631, event_date=TODAY - timedelta(days=days_ago))
        katran = {"admin2": "BA-LEI", "admin3": KATRAN}
        for days_ago in (9, 16):  # disputes in Katran, then an agreement and an urgent clash
            await seed(bot, reporter_id=631, event_date=TODAY - timedelta(days=days_ago), **katran)
        await seed(bot, reporter_id=631, event_date=TODAY, sub_event_type="agreement", **katran)
        clash = await seed(
            bot,
            reporter_id=631,
            event_date=TODAY - timedelta(days=1),
            sub_event_type="physical_clash",
            urgent=True,
            **katran,
        )
        assert await services_of(bot).get(EarlyWarningRules).check() == 2

        none_ru = "4 сообщения за эту неделю, до этого — ни одного"
        none_ky = "бул аптада 4 билдирүү, мурда бир да билдирүү болгон эмес"
        alert = await russian.reply()
        assert none_ru in alert.text and "против 0" not in alert.text
        assert none_ky in (await kyrgyz.reply()).text
        listing = await russian.say("/watch")
        assert "Ак-Сай (Баткенский район)</b>: напряжённость растёт" in listing.text
        assert none_ru in listing.text and "Катран" not in listing.text
        weeks = await russian.press("🔺 Ак-Сай", message=listing)
        assert f"• {none_ru}" in weeks.text

        digest = await kyrgyz.say("/digest")
        assert "Катран" in digest.text  # the urgent clash, listed in the digest
        assert none_ky in digest.text
        assert "басаңдап" not in digest.text  # and Katran not called calming beside it
        await unread(kyrgyz)  # the heat table

        # Once the clash is resolved, the agreement calms Katran.
        async with services_of(bot).db.transaction() as conn:
            await conn.execute("UPDATE incidents SET status = 'resolved' WHERE id = ?", (clash,))
        calmer = await russian.say("/watch")
        assert "Катран (Лейлекский район)</b>: напряжённость спадает" in calmer.text
