"""EarlyWarningRules without Telegram: which places a person sees by `Reach`, alerts as notice
records once a week, a place's weeks and reports, and the digest's watch list and heat table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor, NotAllowed, NotRegistered
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.core.notices import Delivery
from bot.gazetteer import Gazetteer
from bot.records.early_warning import PlaceReport
from bot.rules.digests import period_for
from bot.rules.early_warning import RISING, EarlyWarningRules, TensionAlert
from storage.db import Database
from tests.coordinator_steps import add_group, add_incident, add_person, grant
from tests.rules.incident_world import RecordingNotifier
from tests.rules.needs_steps import deactivate

NOW = datetime(2026, 3, 12, 6, 0, tzinfo=UTC)  # a Thursday, noon in Bishkek
AK_SAY = "BA-BAT-AKS"  # Batken rayon
KATRAN = "BA-LEI-KAT"  # Leilek rayon, the same oblast
ADMIN = 9400
RAYON, OBLAST, AIMAK, CHUI, GROUPS, LEADER, FORMER = 4001, 4002, 4003, 4004, 4005, 4006, 4007


@dataclass
class World:
    kernel: Kernel
    rules: EarlyWarningRules
    notifier: RecordingNotifier
    clock: FrozenClock

    async def actor(self, user_id: int) -> Actor:
        return await self.kernel.actors.of_user(user_id)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    values: dict[str, Any] = {"AYILBOT_DB": tmp_path / "rules.db", "AYILBOT_ADMIN_IDS": str(ADMIN)}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    clock = FrozenClock(NOW)
    notifier = RecordingNotifier()
    kernel = Kernel(settings, db, clock, gazetteer, Access(gazetteer), notifier)
    rules = kernel.add(EarlyWarningRules(kernel))
    try:
        for user_id in (ADMIN, RAYON, OBLAST, AIMAK, CHUI, GROUPS, LEADER, FORMER):
            await add_person(db, user_id, f"P{user_id}", language="ky", now=NOW)
        group, _ = await add_group(db, creator=ADMIN, members=(LEADER,))
        await grant(db, RAYON, "place", "BA-BAT")
        await grant(db, OBLAST, "place", "BA")
        await grant(db, AIMAK, "place", AK_SAY)
        await grant(db, CHUI, "place", "CH")
        await grant(db, GROUPS, "group", str(group))
        await grant(db, FORMER, "place", "BA")
        await deactivate(kernel, FORMER)
        # Four reports in Ak-Say and three in Katran this week, none before: both rising.
        for place, count in ((AK_SAY, 4), (KATRAN, 3)):
            for days in range(count):
                await add_incident(
                    db, reporter_id=LEADER, place=place, received_at=NOW - timedelta(days=days)
                )
        yield World(kernel, rules, notifier, clock)
    finally:
        await db.close()


# ------------------------------------------------------------------------------- reach


@pytest.mark.parametrize(
    ("who", "places"),
    [
        (ADMIN, {AK_SAY, KATRAN}),  # everything
        (OBLAST, {AK_SAY, KATRAN}),  # an oblast: every aiyl aimak under it
        (RAYON, {AK_SAY}),  # a rayon: its aiyl aimaks, not the next rayon's
        (AIMAK, {AK_SAY}),  # one aiyl aimak
        (CHUI, set()),  # another region
        (GROUPS, set()),  # a group scope holds no place
    ],
)
async def test_the_watch_list_holds_the_places_her_reach_covers(
    world: World, who: int, places: set[str]
) -> None:
    shown = await world.rules.watch(await world.actor(who))
    assert {w.where.code for w in shown.places} == places
    assert all(w.flag.state == RISING for w in shown.places)


@pytest.mark.parametrize("who", [LEADER, FORMER])
async def test_reporters_and_the_deactivated_may_not_watch(world: World, who: int) -> None:
    actor = await world.actor(who)
    with pytest.raises(NotAllowed):
        await world.rules.watch(actor)
    with pytest.raises(NotAllowed):
        await world.rules.heat(actor, now=NOW)
    assert (
        await world.rules.digest_section(actor, period_for(NOW, world.kernel.settings.zone))
        is None
    )


async def test_an_unregistered_person_is_asked_to_register(world: World) -> None:
    with pytest.raises(NotRegistered):
        await world.rules.watch(await world.actor(4242))


async def test_a_place_opens_only_within_reach_and_only_as_an_aiyl_aimak(world: World) -> None:
    rayon = await world.actor(RAYON)
    for refused in (world.rules.weeks, world.rules.reports):
        with pytest.raises(NotAllowed):  # Katran is in the next rayon
            await refused(rayon, KATRAN)
        for unknown in ("XX-GONE", "BA-BAT"):  # not a place; a rayon, not an aiyl aimak
            with pytest.raises(StaleButton):
                await refused(rayon, unknown)
    oblast = await world.actor(OBLAST)
    assert (await world.rules.weeks(oblast, KATRAN)).where.code == KATRAN


async def test_a_places_weeks_and_reports_name_no_reporter(world: World) -> None:
    rayon = await world.actor(RAYON)
    shown = await world.rules.weeks(rayon, AK_SAY)
    assert shown.flag is not None and shown.flag.state == RISING
    assert [w.reports for w in shown.weeks] == [4, 0, 0, 0, 0, 0, 0, 0]  # newest first
    assert shown.weeks[0].last == NOW.date() and shown.weeks[1].last == NOW.date() - timedelta(7)
    assert shown.where.place is not None and shown.where.parent is not None
    assert shown.where.parent.code == "BA-BAT"
    listed = await world.rules.reports(rayon, AK_SAY)
    assert len(listed.reports) == 4
    assert [r.event_date for r in listed.reports] == sorted(
        (r.event_date for r in listed.reports), reverse=True
    )
    assert not {"reporter_id", "anonymous", "reporter_pseudonym"} & {
        f.name for f in fields(PlaceReport)
    }


# ------------------------------------------------------------------------------- alerts


async def test_alerts_are_notices_to_covering_coordinators_once_a_week(world: World) -> None:
    assert await world.rules.check() == 4
    alerts = [(r.chat_id, n) for r, n in world.notifier.sent if isinstance(n, TensionAlert)]
    assert len(alerts) == len(world.notifier.sent)  # nothing but alerts
    alerted = {(chat, alert.where.code) for chat, alert in alerts}
    # Coordinators of the place at any level; not the administrator (no coordinator role),
    # the other region, the group scope, or the deactivated coordinator of the oblast.
    assert alerted == {(RAYON, AK_SAY), (OBLAST, AK_SAY), (AIMAK, AK_SAY), (OBLAST, KATRAN)}
    assert {r.locale for r, _ in world.notifier.sent} == {"ky"}
    world.clock.advance(timedelta(days=2))
    assert await world.rules.check() == 0 and len(world.notifier.sent) == 4


async def test_an_alert_not_delivered_is_recorded_as_such(world: World) -> None:
    world.notifier.failing = {RAYON: Delivery.BLOCKED}
    assert await world.rules.check() == 3
    async with world.kernel.db.reading() as conn:
        rayon = await world.rules.export_personal(conn, RAYON)
        aimak = await world.rules.export_personal(conn, AIMAK)
    assert [a["delivered"] for a in rayon] == [False]
    assert [a["delivered"] for a in aimak] == [True]
    # Claimed before sending: it is not sent again, even now that she could get it.
    world.notifier.failing = {}
    assert await world.rules.check() == 0


# ------------------------------------------------------------------------------- the digest


async def test_the_digest_section_and_heat_table_keep_to_the_reach(world: World) -> None:
    period = period_for(NOW, world.kernel.settings.zone)
    rayon = await world.rules.digest_section(await world.actor(RAYON), period)
    assert rayon is not None and rayon.news
    assert [w.where.code for w in rayon.places] == [AK_SAY]
    assert rayon.heat is not None
    assert [p.where.code for p in rayon.heat.places] == [AK_SAY]
    assert rayon.heat.places[0].reports[-1] == 4  # the newest week last
    assert len(rayon.heat.week_starts) == 8 and rayon.heat.week_starts[-1] == NOW.date() - (
        timedelta(days=6)
    )
    admin = await world.rules.digest_section(await world.actor(ADMIN), period)
    assert admin is not None and admin.heat is not None
    assert {p.where.code for p in admin.heat.places} == {AK_SAY, KATRAN}
    assert await world.rules.digest_section(await world.actor(CHUI), period) is None
