"""PlaceRules without Telegram: typed places by reach, attaching them, and Reach over codes.

A kernel built by hand on a real SQLite file; actors are resolved from stored people and roles,
so each test meets the real `Reach`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor, NotAllowed, Reach, Scope, codes_within
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.forms.engine import FormEngine
from bot.forms.incident import home_aimak
from bot.forms.kinds import Env, Invalid
from bot.forms.places import ATTACH
from bot.gazetteer import FormerName, Gazetteer, Place
from bot.i18n import Tr, translator
from bot.records.core import User
from bot.rules.places import PlaceRules
from bot.rules.practices import where_of
from storage.audit import AuditRepository
from storage.db import Database
from storage.incidents import IncidentRepository
from storage.needs import NeedRepository
from storage.users import UserRepository
from tests.coordinator_steps import T0, add_incident, add_need, add_person, grant
from tests.rules.needs_steps import ADMIN, RecordingNotifier, deactivate, draft, env

UZGEN, KAROOL, OSH = "OS-UZG", "OS-UZG-KAO", "OS"
RAYON, AIMAK, CHUI, REPORTER, FORMER = 2001, 2002, 2003, 2004, 2005
AUTHOR, CHUI_AUTHOR = 2006, 2007  # candidates of Uzgen rayon and of Chui


@asynccontextmanager
async def places_kernel(tmp_path: Path) -> AsyncIterator[Kernel]:
    values: dict[str, Any] = {"AYILBOT_DB": tmp_path / "p.db", "AYILBOT_ADMIN_IDS": str(ADMIN)}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    clock = FrozenClock(T0)
    kernel = Kernel(settings, db, clock, gazetteer, Access(gazetteer), RecordingNotifier())

    def env_for(tr: Tr, actor: Actor, context: Any) -> Env:
        return Env(tr=tr, user=actor.user, gazetteer=gazetteer, today=T0.date(), context=context)

    engine = kernel.add(FormEngine(db, {}, env_for=env_for, clock=clock.now))
    rules = kernel.add(PlaceRules(kernel))
    engine.specs.update(rules.specs())
    try:
        yield kernel
    finally:
        await db.close()


@dataclass
class World:
    kernel: Kernel
    rules: PlaceRules
    reports: tuple[int, int]  # typed under Uzgen rayon, two spellings
    oblast_report: int  # typed under Osh oblast (rayon not listed)
    need: int  # typed with no aiyl aimak, its author in Uzgen rayon
    chui_need: int

    async def actor(self, user_id: int) -> Actor:
        return await self.kernel.actors.of_user(user_id)


async def set_typed(db: Database, sql: str, *params: Any) -> None:
    async with db.transaction() as conn:
        await conn.execute(sql, params)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with places_kernel(tmp_path) as kernel:
        db = kernel.db
        for user_id, name in ((RAYON, "Rayon"), (AIMAK, "Aimak"), (CHUI, "Chui")):
            await add_person(db, user_id, name, kind="community", place=None)
        await add_person(db, FORMER, "Former", kind="community", place=None)
        await add_person(db, ADMIN, "Admin", kind="community", place=None)
        await add_person(db, REPORTER, "Reporter")
        await add_person(db, AUTHOR, "Author", kind="candidate", place=UZGEN)
        await add_person(db, CHUI_AUTHOR, "Chui author", kind="candidate", place="CH-JAI")
        await set_typed(db, "UPDATE users SET place_other = ? WHERE id = ?", "Кара-Шоро", AUTHOR)
        await grant(db, RAYON, "place", UZGEN)
        await grant(db, AIMAK, "place", KAROOL)
        await grant(db, CHUI, "place", "CH")
        await grant(db, FORMER, "place", OSH)
        await deactivate(kernel, FORMER)
        need = await add_need(db, author_id=AUTHOR, place=None)  # need 1, as report 1
        chui_need = await add_need(db, author_id=CHUI_AUTHOR, place=None)
        await set_typed(
            db, "UPDATE needs SET village = 'Кара-Шоро' WHERE id IN (?, ?)", need, chui_need
        )
        first = await add_incident(db, reporter_id=REPORTER, place=UZGEN, place_other="Кара-Шоро")
        second = await add_incident(db, reporter_id=None, place=UZGEN, place_other="кара шоро")
        oblast = await add_incident(db, reporter_id=None, place=OSH, place_other="Кара-Шоро")
        yield World(kernel, kernel.get(PlaceRules), (first, second), oblast, need, chui_need)


def entries(found: Any) -> set[tuple[str, str | None, int, int, int]]:
    return {
        (n.typed, n.within.code if n.within else None, n.reports, n.people, n.needs)
        for n in found.names
    }


# ------------------------------------------------------------------ who sees which typed places


async def test_an_administrator_sees_every_typed_place_grouped_by_name_and_place(
    world: World,
) -> None:
    found = await world.rules.typed_names(await world.actor(ADMIN))
    # Two spellings under Uzgen rayon are one name; the same name elsewhere is another.
    assert entries(found) == {
        ("Кара-Шоро", UZGEN, 2, 1, 0),
        ("Кара-Шоро", OSH, 1, 0, 0),
        ("Кара-Шоро", None, 0, 0, 2),
    }
    assert found.hidden == 0
    assert found.names[0].reports == 2  # the most frequent first


async def test_a_coordinator_sees_the_typed_places_of_her_reach_only(world: World) -> None:
    rayon = await world.rules.typed_names(await world.actor(RAYON))
    # Her rayon's reports and person, and the need of an author who lives there; not the
    # report typed under the whole oblast, nor the need of a Chui author.
    assert entries(rayon) == {("Кара-Шоро", UZGEN, 2, 1, 0), ("Кара-Шоро", None, 0, 0, 1)}
    chui = await world.rules.typed_names(await world.actor(CHUI))
    assert entries(chui) == {("Кара-Шоро", None, 0, 0, 1)}
    # An aiyl aimak's coordinator does not reach what was typed under its rayon.
    assert entries(await world.rules.typed_names(await world.actor(AIMAK))) == set()


@pytest.mark.parametrize("who", [REPORTER, FORMER])
async def test_a_reporter_or_a_deactivated_coordinator_may_not_list_typed_places(
    world: World, who: int
) -> None:
    with pytest.raises(NotAllowed):
        await world.rules.typed_names(await world.actor(who))


async def test_a_typed_place_out_of_reach_or_attached_is_a_stale_button(world: World) -> None:
    chui = await world.actor(CHUI)
    with pytest.raises(StaleButton):
        await world.rules.start_attach(chui, "incident", world.reports[0])
    with pytest.raises(StaleButton):
        await world.rules.start_attach(chui, "incident", 999)
    admin = await world.actor(ADMIN)
    await world.rules.attach(admin, typed="Кара-Шоро", code=KAROOL, within=UZGEN)
    with pytest.raises(StaleButton):
        await world.rules.start_attach(admin, "incident", world.reports[0])


# ------------------------------------------------------------------ attaching


async def stored(world: World) -> dict[str, Any]:
    async with world.kernel.db.reading() as conn:
        reports = IncidentRepository(conn)
        first = await reports.get(incident_id=world.reports[0])
        oblast = await reports.get(incident_id=world.oblast_report)
        need = await NeedRepository(conn).get(world.need)
        author = await UserRepository(conn).get(AUTHOR)
    assert first and oblast and need and author
    return {
        "report": (first.admin1, first.admin2, first.admin3, first.place_other),
        "oblast report": (oblast.admin2, oblast.admin3),
        "need": (need.place_code, need.village),
        "author": (author.place_code, author.place_other),
    }


async def test_attaching_writes_the_codes_keeps_the_text_and_audits_each_record(
    world: World,
) -> None:
    done = await world.rules.attach(
        await world.actor(ADMIN), typed="Kara-Shoro", code=KAROOL, within=UZGEN
    )
    assert (done.reports, done.people, done.needs) == (2, 1, 1)
    assert await stored(world) == {
        "report": (OSH, UZGEN, KAROOL, "Кара-Шоро"),
        "oblast report": (None, None),  # typed under the whole oblast: left as it was
        "need": (KAROOL, "Кара-Шоро"),
        "author": (KAROOL, "Кара-Шоро"),
    }
    async with world.kernel.db.reading() as conn:
        audit = AuditRepository(conn)
        report = await audit.for_entity(entity="incident", entity_id=str(world.reports[0]))
        need = await audit.for_entity(entity="need", entity_id=str(world.need))
    assert [(a.action, a.from_value, a.to_value, a.reason) for a in report] == [
        ("place_attached", "OS/OS-UZG/-/-", KAROOL, "Кара-Шоро")
    ]
    assert [(a.from_value, a.to_value) for a in need] == [("-", KAROOL)]


async def test_attaching_a_report_leaves_a_need_with_the_same_number_alone(world: World) -> None:
    assert world.reports[0] == world.need  # report No. 1 and need No. 1
    await world.rules.attach(
        await world.actor(ADMIN), typed="Кара-Шоро", code="OS-UZG-KAO", within=OSH
    )
    # The need is attached as a need (its author lives under Osh), never by the report's id.
    async with world.kernel.db.reading() as conn:
        chui = await NeedRepository(conn).get(world.chui_need)
    assert chui is not None and (chui.place_code, chui.village) == (None, "Кара-Шоро")


async def test_a_place_outside_what_was_chosen_before_typing_is_never_attached(
    world: World,
) -> None:
    done = await world.rules.attach(await world.actor(ADMIN), typed="Кара-Шоро", code="CH-JAI-TAL")
    # The reports and the person chose Osh oblast or Uzgen rayon: they stay; the needs were
    # typed with nothing chosen before.
    assert {(r.holder, r.id) for r in done.records} == {
        ("need", world.need),
        ("need", world.chui_need),
    }
    assert {(r.holder, r.within) for r in done.skipped} == {
        ("incident", UZGEN),
        ("incident", OSH),
        ("user", UZGEN),
    }
    assert (await stored(world))["report"] == (OSH, UZGEN, None, "Кара-Шоро")


async def test_a_coordinator_attaches_only_to_places_in_her_reach(world: World) -> None:
    rayon = await world.actor(RAYON)
    with pytest.raises(Invalid) as refused:
        await world.rules.attach(rayon, typed="Кара-Шоро", code="OS-ALA-GUL")
    assert refused.value.message == "That place is outside your area."
    with pytest.raises(Invalid):
        await world.rules.attach(rayon, typed="Кара-Шоро", code=OSH)  # an oblast: too wide
    done = await world.rules.attach(rayon, typed="Кара-Шоро", code=KAROOL)
    # Her reach: Uzgen's reports and person, and the need of her rayon's author.
    assert (done.reports, done.people, done.needs) == (2, 1, 1)


async def test_the_chat_form_attaches_every_record_of_the_name_in_reach(world: World) -> None:
    rayon = await world.actor(RAYON)
    view = await world.rules.start_attach(rayon, "user", AUTHOR)
    assert "«Кара-Шоро»" in view.text and "Узгенский район" in view.text
    answered = draft(
        ATTACH.id,
        {"place": KAROOL},
        user_id=RAYON,
        holder="user",
        id=AUTHOR,
        typed="Кара-Шоро",
        within=UZGEN,
    )
    async with world.kernel.db.transaction() as conn:
        receipt = await world.rules.submit_attach(conn, answered, rayon, env(rayon, world.kernel))
    assert receipt.params == {"typed": "Кара-Шоро", "place": "Karool, Uzgen District, Osh Region"}
    assert (await stored(world))["report"] == (OSH, UZGEN, KAROOL, "Кара-Шоро")
    async with world.kernel.db.transaction() as conn:
        with pytest.raises(Invalid):  # a second submit finds nothing left
            await world.rules.submit_attach(conn, answered, rayon, env(rayon, world.kernel))


# ------------------------------------------------------------------ Reach over place codes


def test_reach_of_a_scope_code_the_gazetteer_does_not_know_reaches_only_that_code() -> None:
    gazetteer = Gazetteer.default()
    reach = Reach.of([Scope("place", "GONE-123"), Scope("place", "BA-BAT")], gazetteer)
    assert "GONE-123" in reach.places and reach.covers_place("GONE-123")
    assert reach.covers_place("BA-BAT-AKS") and not reach.covers_place("OS-UZG")
    assert Reach.of([Scope("place", "GONE-123")], gazetteer).places == {"GONE-123"}


def test_reach_of_a_retired_code_reaches_the_place_it_joined_and_records_stored_before() -> None:
    gazetteer = Gazetteer.default()
    # Yrdyk joined Jeti-Oguz in the reform; its old code stays an alias.
    assert gazetteer.get("IK-JET-YRD") is None
    old_scope = Reach.of([Scope("place", "IK-JET-YRD")], gazetteer)
    assert old_scope.covers_place("IK-JET-JET") and old_scope.covers_place("IK-JET-YRD")
    # A rayon's reach holds the retired codes of its aiyl aimaks: old records still count.
    rayon = Reach.of([Scope("place", "IK-JET")], gazetteer)
    assert {"IK-JET-YRD", "IK-JET-LIP", "IK-JET-JET"} <= rayon.places
    assert "IK-JET-YRD" in (rayon.place_codes or ())


def test_codes_within_follows_aliases_both_ways() -> None:
    place = Place("X", "oblast", None, {"ky": "X", "ru": "X", "en": "X"})
    child = Place("X-A", "rayon", "X", {"ky": "A", "ru": "A", "en": "A"})
    gazetteer = Gazetteer(
        [place, child], former=[FormerName("X-A", {"en": "Old A"}, old_code="X-OLD")]
    )
    assert codes_within(gazetteer, "X") == {"X", "X-A", "X-OLD"}
    assert codes_within(gazetteer, "X-OLD") == {"X-OLD", "X-A"}
    assert codes_within(gazetteer, "NOPE") == {"NOPE"}


def test_rules_and_forms_read_a_stored_retired_code_as_the_place_it_joined() -> None:
    gazetteer = Gazetteer.default()
    # A practice stored with Yrdyk's code is named as Jeti-Oguz, with its rayon and oblast.
    assert [p.code for p in where_of(gazetteer, "IK-JET-YRD").chain] == [
        "IK-JET-JET",
        "IK-JET",
        "IK",
    ]
    assert where_of(gazetteer, "GONE-123").chain == ()
    # A reporter registered in Yrdyk is offered Jeti-Oguz as her own aiyl aimak.
    user = User(1, "A", None, None, "ru", "leader", "IK-JET-YRD", None, T0, "P-1", True, T0)
    assert home_aimak(Env(translator("ru"), user, gazetteer, T0.date())) == "IK-JET-JET"
