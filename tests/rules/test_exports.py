"""ExportRules and StatsRules without Telegram: the rows of each reader's `Reach`, and /export.

Every role and scope kind meets the same records: reports, practices, people and needs of
Ak-Say and Ak-Tatyr (Batken rayon), Kadamjay (another rayon of Batken) and Chui, and a peer
group created by a Chui coordinator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.core.access import Actor, NotAllowed, NotRegistered, Reach
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.i18n import translator
from bot.outputs.exports import render
from bot.rules.exports import (
    ExportError,
    ExportFormat,
    ExportKind,
    ExportPeriod,
    ExportRequest,
    ExportRules,
    GeoPrecision,
    Needs,
    People,
    Practices,
    Records,
    Reports,
    area_of,
)
from bot.rules.stats import StatsRules
from storage.audit import AuditRepository
from tests.coordinator_steps import (
    AKSAY,
    T0,
    add_group,
    add_incident,
    add_need,
    add_person,
    add_practice,
    grant,
)
from tests.rules.core_steps import ADMIN, core_kernel
from tests.rules.needs_steps import deactivate

AKTATYR = "BA-BAT-AKT"  # another aiyl aimak of Batken rayon
KADAMJAY = "BA-KAD-AIR"  # an aiyl aimak of another rayon of Batken oblast
CHUI = "CH-ALA-AKD"  # an aiyl aimak of Chui oblast
PIN = (39.912345, 70.812345)
AIGUL, GULNARA, ZARINA, AZAMAT = 1001, 1002, 1003, 1004
ALL, OBLAST, RAYON, AIMAK, GROUPS = 1101, 1102, 1103, 1104, 1105
OTHER, CREATOR, FORMER = 1106, 1107, 1108
PEOPLE = {AIGUL: "Айгүл", GULNARA: "Гүлнара", ZARINA: "Зарина", AZAMAT: "Азамат"}


@dataclass
class World:
    kernel: Kernel
    rules: ExportRules
    reports: dict[int, str]
    practices: dict[int, str]
    needs: dict[int, str]
    pseudonym: str  # Gulnara's, on her anonymous report

    async def actor(self, user_id: int) -> Actor:
        return await self.kernel.actors.of_user(user_id)

    async def export(self, user_id: int, kind: str, **filters: Any) -> Records:
        request = ExportRequest(kind=kind, format="csv", **filters)
        return (await self.rules.export(await self.actor(user_id), request)).records


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with core_kernel(tmp_path) as kernel:
        db = kernel.db
        await add_person(db, AIGUL, PEOPLE[AIGUL], username="aigul_ao")
        gulnara = await add_person(db, GULNARA, PEOPLE[GULNARA], place=AKTATYR)
        await add_person(db, ZARINA, PEOPLE[ZARINA], kind="candidate", place=KADAMJAY)
        await add_person(db, AZAMAT, PEOPLE[AZAMAT], place=CHUI)
        for coordinator in (ALL, OBLAST, RAYON, AIMAK, GROUPS, OTHER, CREATOR, FORMER, ADMIN):
            await add_person(db, coordinator, f"Staff {coordinator}", kind="community", place=None)
        group, _ = await add_group(db, creator=CREATOR, members=(ZARINA,))
        for user_id, kind, value in (
            (ALL, "all", ""),
            (OBLAST, "place", "BA"),
            (RAYON, "place", "BA-BAT"),
            (AIMAK, "place", AKSAY),
            (GROUPS, "group", str(group)),
            (OTHER, "place", "CH"),
            (CREATOR, "place", "CH"),  # and the group she created, while a coordinator
            (FORMER, "place", "BA"),
        ):
            await grant(db, user_id, kind, value)
        await deactivate(kernel, FORMER)
        located: dict[str, Any] = {"latitude": PIN[0], "longitude": PIN[1], "geo_precision": 1}
        reports = {
            await add_incident(db, reporter_id=AIGUL, place=AKSAY, **located): "aksay",
            await add_incident(
                db, reporter_id=GULNARA, pseudonym=gulnara, place=AKTATYR, anonymous=True
            ): "aktatyr",
            await add_incident(db, reporter_id=ZARINA, place=KADAMJAY): "kadamjay",
            await add_incident(db, reporter_id=AZAMAT, place=CHUI): "chui",
        }
        practices = {
            await add_practice(db, author_id=AIGUL, place=AKSAY): "aksay",
            await add_practice(db, author_id=ZARINA, place=None, groups=(group,)): "group",
            await add_practice(db, author_id=AZAMAT, place=CHUI): "chui",
        }
        needs = {
            await add_need(db, author_id=AIGUL, place=AKSAY): "aksay",
            await add_need(db, author_id=ZARINA, place=KADAMJAY): "kadamjay",
        }
        yield World(kernel, kernel.get(ExportRules), reports, practices, needs, gulnara)


# ------------------------------------------------------------------------------- reach

EVERYTHING = (
    {"aksay", "aktatyr", "kadamjay", "chui"},
    {"aksay", "group", "chui"},
    set(PEOPLE.values()),
    {"aksay", "kadamjay"},
)


@pytest.mark.parametrize(
    ("who", "reports", "practices", "people", "needs"),
    [
        (ADMIN, *EVERYTHING),
        (ALL, *EVERYTHING),  # a coordinator of all regions
        # An oblast: every rayon and aiyl aimak below it.
        (OBLAST, {"aksay", "aktatyr", "kadamjay"}, {"aksay"}, {"Айгүл", "Гүлнара", "Зарина"},
         {"aksay", "kadamjay"}),
        # A rayon: its aiyl aimaks, not the other rayon's.
        (RAYON, {"aksay", "aktatyr"}, {"aksay"}, {"Айгүл", "Гүлнара"}, {"aksay"}),
        # An aiyl aimak: itself only.
        (AIMAK, {"aksay"}, {"aksay"}, {"Айгүл"}, {"aksay"}),
        # A group scope: what is shared with the group and its members; no reports.
        (GROUPS, set(), {"group"}, {"Зарина"}, {"kadamjay"}),
        # Another region: nothing of Batken.
        (OTHER, {"chui"}, {"chui"}, {"Азамат"}, set()),
        # Her region, and the group she created while a coordinator.
        (CREATOR, {"chui"}, {"group", "chui"}, {"Азамат", "Зарина"}, {"kadamjay"}),
    ],
)  # fmt: skip
async def test_each_reader_exports_exactly_what_her_reach_covers(
    world: World,
    who: int,
    reports: set[str],
    practices: set[str],
    people: set[str],
    needs: set[str],
) -> None:
    found = await world.export(who, "incidents")
    assert isinstance(found, Reports)
    assert {world.reports[r.incident.id] for r in found.rows} == reports
    found = await world.export(who, "practices")
    assert isinstance(found, Practices)
    assert {world.practices[r.practice.id] for r in found.rows} == practices
    found = await world.export(who, "users")
    assert isinstance(found, People)
    assert {r.name for r in found.rows} & set(PEOPLE.values()) == people
    found = await world.export(who, "needs")
    assert isinstance(found, Needs)
    assert {world.needs[r.need.id] for r in found.rows} == needs


@pytest.mark.parametrize("who", [AIGUL, ZARINA, FORMER])
async def test_a_reporter_a_candidate_and_a_deactivated_coordinator_export_nothing(
    world: World, who: int
) -> None:
    for kind in ExportKind:
        with pytest.raises(NotAllowed):
            await world.export(who, kind)
    with pytest.raises(NotAllowed):
        world.rules.menu(await world.actor(who))


async def test_someone_unregistered_is_asked_to_register(world: World) -> None:
    stranger = Actor(user_id=5555, locale="ru", user=None)
    with pytest.raises(NotRegistered):
        await world.rules.export(stranger, ExportRequest("incidents", "csv"))


async def test_a_region_narrows_within_the_reach_and_is_refused_outside_it(
    world: World,
) -> None:
    found = await world.export(RAYON, "incidents", region=AKSAY)
    assert isinstance(found, Reports)
    assert [world.reports[r.incident.id] for r in found.rows] == ["aksay"]
    with pytest.raises(NotAllowed):  # refused, not silently emptied
        await world.export(RAYON, "incidents", region=KADAMJAY)
    with pytest.raises(ExportError):
        await world.export(RAYON, "incidents", region="XX-NOWHERE")
    found = await world.export(ADMIN, "incidents", region="CH")
    assert isinstance(found, Reports)
    assert [world.reports[r.incident.id] for r in found.rows] == ["chui"]


# ------------------------------------------------------------------------------- rows


async def test_pins_are_rounded_unless_the_reader_may_see_exact_ones(world: World) -> None:
    request = ExportRequest("incidents", "geojson")
    coordinator = await world.rules.export(await world.actor(RAYON), request)
    admin = await world.rules.export(await world.actor(ADMIN), request)
    assert (coordinator.rounded_to, admin.rounded_to) == (2, None)
    for export, pin, count in ((coordinator, (39.91, 70.81), 2), (admin, PIN, 4)):
        assert isinstance(export.records, Reports)
        pinned = [
            (r.latitude, r.longitude)
            for r in export.records.rows
            if r.geo_precision is GeoPrecision.GPS
        ]
        assert pinned == [pin]
        # GeoJSON holds every report with a pin or a place: here all of them.
        assert export.count == count == len(export.records.rows)
    csv = await world.rules.export(await world.actor(RAYON), ExportRequest("incidents", "csv"))
    assert csv.count == 2 and csv.rounded_to == 2
    practices = await world.rules.export(
        await world.actor(RAYON), ExportRequest("practices", "csv")
    )
    assert practices.rounded_to is None  # nothing located to round


async def test_an_anonymous_reporter_is_only_her_pseudonym_and_has_no_role(world: World) -> None:
    for who in (RAYON, ADMIN):
        found = await world.export(who, "incidents")
        assert isinstance(found, Reports)
        rows = {world.reports[r.incident.id]: r for r in found.rows}
        assert (rows["aktatyr"].reporter, rows["aktatyr"].reporter_role) == (world.pseudonym, None)
        assert (rows["aksay"].reporter, rows["aksay"].reporter_role) == ("Айгүл", "leader")


async def test_a_coordinator_gets_people_by_rayon_an_administrator_in_detail(
    world: World,
) -> None:
    found = await world.export(RAYON, "users")
    assert isinstance(found, People) and not found.detailed
    aigul = next(r for r in found.rows if r.name == "Айгүл")
    assert (aigul.id, aigul.username, aigul.place_code, aigul.place_other) == (None,) * 4
    assert aigul.place.chain == () and aigul.rayon_code == "BA-BAT"
    assert [p.code for p in aigul.rayon.chain] == ["BA-BAT", "BA"]
    found = await world.export(ADMIN, "users")
    assert isinstance(found, People) and found.detailed
    aigul = next(r for r in found.rows if r.name == "Айгүл")
    assert (aigul.id, aigul.username, aigul.place_code) == (AIGUL, "aigul_ao", AKSAY)
    # One aiyl aimak's list would name the sender of its anonymous reports: not for coordinators.
    with pytest.raises(ExportError):
        await world.export(RAYON, "users", region=AKSAY)
    found = await world.export(ADMIN, "users", region=AKSAY)
    assert isinstance(found, People) and [r.name for r in found.rows] == ["Айгүл"]


async def test_practices_name_their_author_only_by_choice(world: World) -> None:
    found = await world.export(ADMIN, "practices")
    assert isinstance(found, Practices)
    assert {r.author for r in found.rows} == {""}  # none of them chose to be named
    group = next(r for r in found.rows if world.practices[r.practice.id] == "group")
    assert group.groups[0].startswith("Candidates") and group.place.chain == ()


async def test_each_export_is_audited_with_its_filters_and_count(world: World) -> None:
    request = ExportRequest("incidents", "xlsx", since=T0.date(), region="BA-BAT", locale="ky")
    export = await world.rules.export(await world.actor(RAYON), request)
    assert export.made_on == date(2026, 3, 4) and export.region is not None
    async with world.kernel.db.reading() as conn:
        (entry,) = await AuditRepository(conn).for_entity(entity="export", entity_id="incidents")
    assert (entry.actor_id, entry.action, entry.to_value) == (RAYON, "xlsx", "2")
    assert entry.reason == "since=2026-03-02;region=BA-BAT;lang=ky"
    made = render(export, translator("ky"))
    assert made.filename == "ayilbot-incidents-2026-03-04.xlsx" and made.count == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "people"},
        {"format": "pdf"},
        {"kind": "practices", "format": "geojson"},
        {"status": "lost"},
        {"locale": "de"},
        {"since": date(2026, 3, 5), "until": date(2026, 3, 1)},
    ],
)
async def test_a_request_naming_nothing_known_is_a_usage_error(
    world: World, bad: dict[str, Any]
) -> None:
    values: dict[str, Any] = {"kind": "incidents", "format": "csv"} | bad
    with pytest.raises(ExportError):
        await world.rules.export(await world.actor(ADMIN), ExportRequest(**values))


# ------------------------------------------------------------------------------- /export


async def test_the_chat_offers_kinds_formats_periods_and_the_parts_of_the_reach(
    world: World,
) -> None:
    rules = world.rules
    rayon = await world.actor(RAYON)
    assert rules.menu(rayon).kinds == tuple(ExportKind)
    assert rules.formats(rayon, ExportKind.PRACTICES).formats == (
        ExportFormat.CSV,
        ExportFormat.XLSX,
    )
    assert ExportFormat.GEOJSON in rules.formats(rayon, ExportKind.INCIDENTS).formats
    assert rules.periods(rayon, ExportKind.USERS, ExportFormat.CSV).periods == tuple(ExportPeriod)
    with pytest.raises(StaleButton):  # a format never offered for the kind
        rules.periods(rayon, ExportKind.PRACTICES, ExportFormat.GEOJSON)

    def offered(actor: Actor, kind: ExportKind) -> list[str]:
        return [
            p.code for p in rules.regions(actor, kind, ExportFormat.CSV, ExportPeriod.ALL).regions
        ]

    reports = offered(rayon, ExportKind.INCIDENTS)
    assert reports[0] == "BA-BAT" and {AKSAY, AKTATYR} <= set(reports)
    assert offered(rayon, ExportKind.USERS) == ["BA-BAT"]  # people by rayon at the finest
    assert offered(await world.actor(ADMIN), ExportKind.INCIDENTS)[:2] == ["BA", "CH"]
    # An oblast and the rayons right below it (not their aiyl aimaks).
    assert offered(await world.actor(OBLAST), ExportKind.INCIDENTS) == [
        "BA",
        *(p.code for p in world.kernel.gazetteer.children("BA")),
    ]
    assert offered(await world.actor(GROUPS), ExportKind.INCIDENTS) == []  # the whole area only
    assert offered(await world.actor(AIMAK), ExportKind.INCIDENTS)[0] == AKSAY
    # Three rayons and their 31 aiyl aimaks are more than buttons fit: the rayons alone.
    for rayon_code in ("BA-KAD", "BA-LEI"):
        await grant(world.kernel.db, RAYON, "place", rayon_code)
    three = offered(await world.actor(RAYON), ExportKind.INCIDENTS)
    assert three == ["BA-BAT", "BA-KAD", "BA-LEI"]


async def test_a_chosen_export_covers_its_period_and_anything_forged_is_stale(
    world: World,
) -> None:
    rules = world.rules
    assert rules.since(ExportPeriod.WEEK) == date(2026, 3, 2)  # Monday
    assert rules.since(ExportPeriod.MONTH) == date(2026, 2, 3)
    assert rules.since(ExportPeriod.YEAR) == date(2025, 3, 5)
    assert rules.since(ExportPeriod.ALL) is None
    rayon = await world.actor(RAYON)
    export = await rules.export_chosen(
        rayon,
        kind=ExportKind.INCIDENTS,
        fmt=ExportFormat.CSV,
        period=ExportPeriod.WEEK,
        region=None,
    )
    assert (export.count, export.request.since, export.request.locale) == (
        2,
        date(2026, 3, 2),
        "ru",
    )
    for region in ("XX-NOWHERE", "ba-bat"):
        with pytest.raises(StaleButton):
            await rules.export_chosen(
                rayon,
                kind=ExportKind.INCIDENTS,
                fmt=ExportFormat.CSV,
                period=ExportPeriod.ALL,
                region=region,
            )
    with pytest.raises(NotAllowed):  # a real region out of her reach is refused as such
        await rules.export_chosen(
            rayon,
            kind=ExportKind.INCIDENTS,
            fmt=ExportFormat.CSV,
            period=ExportPeriod.ALL,
            region=KADAMJAY,
        )


def test_the_area_of_a_reach_is_its_widest_places() -> None:
    from bot.gazetteer import Gazetteer

    gazetteer = Gazetteer.default()
    below = {p.code for p in gazetteer.descendants("BA-BAT")} | {"BA-BAT"}
    assert [p.code for p in area_of(Reach(places=frozenset(below)), gazetteer)] == ["BA-BAT"]
    chui = {p.code for p in gazetteer.descendants("CH")} | {"CH"}
    both = Reach(places=frozenset(below | chui | {AKSAY}))
    assert [p.code for p in area_of(both, gazetteer)] == ["BA-BAT", "CH"]
    assert area_of(Reach(groups=frozenset({3})), gazetteer) == ()


# ------------------------------------------------------------------------------- /stats


@pytest.mark.parametrize(
    ("who", "reports", "people", "needs", "area"),
    [
        (ADMIN, 4, 13, 2, None),  # everyone registered: the four and the nine staff
        (RAYON, 2, 2, 1, ["BA-BAT"]),
        (AIMAK, 1, 1, 1, [AKSAY]),
        (GROUPS, 0, 1, 1, []),
        (OTHER, 1, 1, 0, ["CH"]),
    ],
)
async def test_stats_count_what_the_reach_covers(
    world: World, who: int, reports: int, people: int, needs: int, area: list[str] | None
) -> None:
    found = await world.kernel.get(StatsRules).stats(await world.actor(who))
    assert found.total.reports.received == reports
    assert found.total.people == people
    assert found.total.needs == needs
    assert found.week.reports.received == reports  # all made on Monday of this week
    assert found.week_start == date(2026, 3, 2)
    if area is None:
        assert found.area.everything and found.area.places == ()
    else:
        assert [p.code for p in found.area.places] == area
    assert found.elections is not None


async def test_stats_hold_the_groups_of_a_group_scope(world: World) -> None:
    found = await world.kernel.get(StatsRules).stats(await world.actor(GROUPS))
    assert len(found.area.groups) == 1 and found.total.practices.approved == 1


@pytest.mark.parametrize("who", [AIGUL, ZARINA, FORMER])
async def test_stats_are_for_coordinators(world: World, who: int) -> None:
    with pytest.raises(NotAllowed):
        await world.kernel.get(StatsRules).stats(await world.actor(who))
