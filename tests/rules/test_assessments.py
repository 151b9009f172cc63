"""AssessmentRules without Telegram: home, start, profile, compare and submit by `Reach`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.core.access import Actor, NotAllowed, NotRegistered
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.forms.assessment import TARGETS
from bot.forms.kinds import Invalid
from bot.forms.view import FormView
from bot.rules.assessments import (
    HISTORY_COLUMNS,
    AssessmentRules,
    Comparison,
    History,
    NothingToAssess,
)
from storage.assessments import AssessmentRepository
from storage.drafts import DraftRepository
from tests.coordinator_steps import AKSAY, T0, add_group, add_person, grant
from tests.rules.needs_steps import ADMIN, deactivate, draft, env, rules_kernel

KARA_BAK = "BA-BAT-KBK"
KATRAN = "BA-LEI-KAT"  # Leilek rayon: outside the Batken rayon
HEAD, RAYON, CHUI, GROUPS, FORMER, LEADER, ALL = 1101, 1102, 1103, 1104, 1105, 1106, 1107


@dataclass
class World:
    kernel: Kernel
    rules: AssessmentRules

    async def actor(self, user_id: int) -> Actor:
        return await self.kernel.actors.of_user(user_id)


async def assess(kernel: Kernel, place: str, day: int, **changes: Any) -> int:
    """An assessment stored directly."""
    values: dict[str, Any] = {
        "population": 10_000,
        "villages": 4,
        "resources": {"water": "strained", "pasture": "strained"},
        "border_km": 12,
        "border_status": "partly",
        "mechanisms": ["wua"],
        "conflicts": 2,
        "worst_conflict": "A canal",
        "risks": "Drought",
        "contacts": "+996 700 000 000",
        **changes,
    }
    async with kernel.db.transaction() as conn:
        return await AssessmentRepository(conn).create(
            draft_id=f"{place}-{day}",
            form_version=2,
            place_code=place,
            assessed_on=date(2026, 3, day),
            author_id=HEAD,
            now=T0,
            **values,
        )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with rules_kernel(tmp_path) as kernel:
        db = kernel.db
        for user_id in (HEAD, RAYON, CHUI, GROUPS, FORMER, ADMIN, ALL):
            await add_person(db, user_id, f"P{user_id}", kind="community", place=None)
        await add_person(db, LEADER, "Leader")
        group, _ = await add_group(db, creator=CHUI, members=(LEADER,))
        await grant(db, HEAD, "place", KARA_BAK)  # an ayil okmotu head: one aiyl aimak
        await grant(db, RAYON, "place", "BA-BAT")
        await grant(db, CHUI, "place", "CH")
        await grant(db, ALL, "all")  # a coordinator of every region
        await grant(db, GROUPS, "group", str(group))  # groups, no places
        await grant(db, FORMER, "place", "BA")
        await deactivate(kernel, FORMER)
        await assess(kernel, AKSAY, 1)
        await assess(kernel, KATRAN, 2)
        yield World(kernel, kernel.get(AssessmentRules))


@pytest.mark.parametrize(
    ("who", "places"),
    [
        (ADMIN, [AKSAY, KATRAN]),  # everything; the five targets first
        (ALL, [AKSAY, KATRAN]),
        (RAYON, [AKSAY]),  # the rayon's aiyl aimaks
        (HEAD, []),  # Kara-Bak is not assessed yet
        (CHUI, []),  # another region
        (GROUPS, []),  # a group scope holds no aiyl aimak
    ],
)
async def test_home_lists_the_assessed_aiyl_aimaks_in_reach(
    world: World, who: int, places: list[str]
) -> None:
    home = await world.rules.home(await world.actor(who))
    assert [p.code for p in home.places] == places
    assert all(p.place is not None and p.latest is not None for p in home.places)


@pytest.mark.parametrize(("who", "refusal"), [(LEADER, NotAllowed), (FORMER, NotAllowed)])
async def test_only_coordinators_assess(world: World, who: int, refusal: type[Exception]) -> None:
    actor = await world.actor(who)
    with pytest.raises(refusal):
        await world.rules.home(actor)
    with pytest.raises(refusal):
        await world.rules.start(actor)
    with pytest.raises(NotRegistered):
        await world.rules.home(Actor(user_id=4242, locale="ru", user=None))


async def test_a_new_assessment_offers_what_the_reach_covers(world: World) -> None:
    async def context_of(who: int) -> dict[str, Any]:
        async with world.kernel.db.reading() as conn:
            live = await DraftRepository(conn).live_for_form(user_id=who, form_id="assessment")
        assert live is not None
        return dict(live.context)

    assert isinstance(await world.rules.start(await world.actor(ADMIN)), FormView)
    assert await context_of(ADMIN) == {"wide": True}  # oblast and rayon are asked
    assert isinstance(await world.rules.start(await world.actor(ALL)), FormView)
    assert await context_of(ALL) == {"wide": True}
    assert isinstance(await world.rules.start(await world.actor(RAYON)), FormView)
    offered = (await context_of(RAYON))["places"]
    assert offered[:5] == list(TARGETS) and KATRAN not in offered
    assert isinstance(await world.rules.start(await world.actor(HEAD)), FormView)
    assert await context_of(HEAD) == {"places": [KARA_BAK]}
    assert isinstance(await world.rules.start(await world.actor(HEAD), KARA_BAK), FormView)
    assert await context_of(HEAD) == {"place": KARA_BAK}  # restarted for the one named
    assert await world.rules.start(await world.actor(GROUPS)) == NothingToAssess()
    # Another region's coordinator assesses her own aiyl aimaks, never Batken's.
    assert isinstance(await world.rules.start(await world.actor(CHUI)), FormView)
    chui = (await context_of(CHUI))["places"]
    assert chui and all(world.kernel.gazetteer.covers("CH", code) for code in chui)
    with pytest.raises(NotAllowed):
        await world.rules.start(await world.actor(HEAD), AKSAY)
    with pytest.raises(StaleButton):
        await world.rules.start(await world.actor(ADMIN), "BA-NOWHERE")


async def test_a_profile_says_which_rows_changed(world: World) -> None:
    await assess(
        world.kernel,
        AKSAY,
        20,
        resources={"water": "strained", "pasture": "contested"},
        conflicts=5,
        risks="Drought",
    )
    profile = await world.rules.profile(await world.actor(RAYON), AKSAY)
    assert profile.count == 2 and profile.latest is not None and profile.previous is not None
    assert profile.latest.assessed_on == date(2026, 3, 20)
    assert profile.changed == ("pasture", "conflicts")
    first = await world.rules.profile(await world.actor(ADMIN), KATRAN)
    assert (first.count, first.previous, first.changed) == (1, None, ())
    await assess(world.kernel, KATRAN, 21)  # the same values on a later day
    again = await world.rules.profile(await world.actor(ADMIN), KATRAN)
    assert (again.count, again.changed) == (2, ())  # the date alone is no change
    empty = await world.rules.profile(await world.actor(HEAD), KARA_BAK)
    assert (empty.latest, empty.count) == (None, 0)
    with pytest.raises(NotAllowed):
        await world.rules.profile(await world.actor(HEAD), AKSAY)
    with pytest.raises(NotAllowed):
        await world.rules.profile(await world.actor(CHUI), AKSAY)
    with pytest.raises(StaleButton):
        await world.rules.profile(await world.actor(ADMIN), "XX")


async def test_compare_keeps_what_the_reach_covers_in_the_order_asked(world: World) -> None:
    targets = await world.rules.compare(await world.actor(ADMIN))
    assert [p.code for p in targets.places] == list(TARGETS)
    assert targets.latest[AKSAY] is not None and targets.latest[KARA_BAK] is None
    asked = [KATRAN, AKSAY, "XX", AKSAY, KARA_BAK]
    rayon = await world.rules.compare(await world.actor(RAYON), asked)
    assert [p.code for p in rayon.places] == [AKSAY, KARA_BAK]  # known, once, in reach
    head = await world.rules.compare(await world.actor(HEAD))
    assert [p.code for p in head.places] == [KARA_BAK]
    assert (await world.rules.compare(await world.actor(CHUI))).places == ()


async def test_submit_refuses_an_aiyl_aimak_out_of_reach(world: World) -> None:
    head = await world.actor(HEAD)
    answers = {"assessed_on": "2026-03-05", "mechanisms": ["none", "wua"], "res_water": "strained"}
    mine = draft("assessment", answers, user_id=HEAD, place=KARA_BAK)
    async with world.kernel.db.transaction() as conn:
        receipt = await world.rules.submit(conn, mine, head, env(head, world.kernel, "ru"))
    assert receipt.params["place"] == "Кара-Бак"
    async with world.kernel.db.reading() as conn:
        (stored,) = await AssessmentRepository(conn).history(place_code=KARA_BAK)
    assert (stored.mechanisms, stored.water, stored.author_id) == (("wua",), "strained", HEAD)
    theirs = draft("assessment", answers, user_id=HEAD, place=AKSAY)
    async with world.kernel.db.transaction() as conn:
        with pytest.raises(Invalid):
            await world.rules.submit(conn, theirs, head, env(head, world.kernel))


async def test_mydata_lists_her_assessments_and_deleteme_keeps_them_without_her(
    world: World,
) -> None:
    async with world.kernel.db.transaction() as conn:
        mine = await world.rules.export_personal(conn, HEAD)
        assert [a["place_code"] for a in mine] == [AKSAY, KATRAN]
        assert mine[0]["assessed_on"] == "2026-03-01"
        await world.rules.erase_personal(conn, HEAD, "P-HEAD")
        assert await world.rules.export_personal(conn, HEAD) == []
        (kept,) = await AssessmentRepository(conn).history(place_code=AKSAY)
    assert kept.author_id is None


async def test_one_aiyl_aimak_over_time_marks_what_changed_in_each(world: World) -> None:
    await assess(world.kernel, AKSAY, 20, conflicts=5)
    await assess(world.kernel, AKSAY, 25, conflicts=5, risks="Floods")
    history = await world.rules.over_time(await world.actor(RAYON), AKSAY)
    assert [a.assessed_on.day for a in history.assessments] == [1, 20, 25]  # oldest first
    assert history.changed == ((), ("conflicts",), ("risks",))
    assert history.total == 3
    with pytest.raises(NotAllowed):
        await world.rules.over_time(await world.actor(CHUI), AKSAY)
    with pytest.raises(NotAllowed):
        await world.rules.over_time(await world.actor(HEAD), AKSAY)
    with pytest.raises(StaleButton):
        await world.rules.over_time(await world.actor(ADMIN), "XX")


async def test_over_time_shows_the_latest_columns_compared_with_the_one_before(
    world: World,
) -> None:
    for day in range(2, 2 + HISTORY_COLUMNS):
        await assess(world.kernel, AKSAY, day, conflicts=10 + day)
    history = await world.rules.over_time(await world.actor(ADMIN), AKSAY)
    assert history.total == HISTORY_COLUMNS + 1
    assert [a.assessed_on.day for a in history.assessments] == list(range(2, 2 + HISTORY_COLUMNS))
    # The first column shown is compared with the assessment before it, which is not shown.
    assert history.changed[0] == ("conflicts",)


async def test_several_aiyl_aimaks_as_of_a_day(world: World) -> None:
    await assess(world.kernel, AKSAY, 20, conflicts=5)
    await assess(world.kernel, KARA_BAK, 10)
    admin = await world.actor(ADMIN)
    now = await world.rules.compare(admin)
    latest = now.latest[AKSAY]
    assert latest is not None and latest.conflicts == 5
    assert [p.code for p in now.with_history] == [AKSAY]
    then = await world.rules.compare(admin, as_of=date(2026, 3, 5))
    assert then.as_of == date(2026, 3, 5)
    earlier = then.latest[AKSAY]
    assert earlier is not None and earlier.conflicts == 2
    assert then.latest[KARA_BAK] is None  # not assessed by then
    assert then.with_history == ()


async def test_compare_asked_for_one_aiyl_aimak_follows_it_over_time(world: World) -> None:
    rayon = await world.actor(RAYON)
    alone = await world.rules.compare_asked(rayon, [AKSAY, AKSAY])
    assert isinstance(alone, History) and alone.place.code == AKSAY
    dated = await world.rules.compare_asked(rayon, [AKSAY], date(2026, 3, 5))
    assert isinstance(dated, Comparison) and [p.code for p in dated.places] == [AKSAY]
    # Out of reach or unknown: the comparison, which keeps what the reach covers.
    outside = await world.rules.compare_asked(rayon, [KATRAN])
    assert isinstance(outside, Comparison) and outside.places == ()
    unknown = await world.rules.compare_asked(rayon, ["XX"])
    assert isinstance(unknown, Comparison) and unknown.places == ()
    with pytest.raises(NotAllowed):
        await world.rules.compare_asked(await world.actor(LEADER), [AKSAY])
