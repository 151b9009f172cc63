"""The dashboard's rules without HTTP: what the map, the table and the pages hold for each reach,
the filters, and every way in (Mini App data, one-time links, sessions, API tokens)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor, NotAllowed
from bot.core.errors import StaleButton, UnknownValue
from bot.core.kernel import Kernel
from bot.gazetteer import Gazetteer
from bot.localapi.initdata import sign_init_data, web_app_user
from bot.localapi.model import FakeUser
from bot.records.dashboard import Box, ReportFilter, ReportSort
from bot.rules import incidents as incident_rules
from bot.rules.dashboard import (
    BadTokenRequest,
    DashboardRules,
    NotSignedIn,
    mini_app_address,
    secret_hash,
)
from bot.rules.incidents import IncidentRules
from bot.rules.needs import NeedRules
from bot.rules.practices import PracticeRules
from storage.db import Database
from storage.needs import NeedRepository
from storage.practices import PracticeRepository
from storage.users import RoleRepository
from tests.coordinator_steps import (
    T0,
    add_incident,
    add_need,
    add_person,
    add_practice,
    grant,
)
from tests.rules.incident_world import RecordingNotifier

TOKEN = "123456:TEST-TOKEN"
ADMIN = 9000
REPORTER, RAYON, OBLAST, CHUI, LEADER = 101, 201, 202, 204, 301
AKSAY_PIN = (39.87712, 70.52871)


@dataclass
class World:
    kernel: Kernel
    clock: FrozenClock
    numbers: dict[str, int]  # name -> report number

    @property
    def incidents(self) -> IncidentRules:
        return self.kernel.get(IncidentRules)

    @property
    def dashboard(self) -> DashboardRules:
        return self.kernel.get(DashboardRules)

    async def actor(self, user_id: int) -> Actor:
        return await self.kernel.actors.of_user(user_id)


# name: (place, resource, event date offset in days, extra)
REPORTS: dict[str, tuple[str, str, int, dict[str, Any]]] = {
    "aksay_pin": ("BA-BAT-AKS", "water", 0, {"latitude": AKSAY_PIN[0], "longitude": AKSAY_PIN[1]}),
    "aksay_anonymous": ("BA-BAT-AKS", "pasture", 3, {"anonymous": True}),
    "aktatyr": ("BA-BAT-AKT", "water", 10, {"urgent": True, "sub_event_type": "blockade"}),
    "rayon_only": ("BA-BAT", "forest", 20, {}),
    "leilek": ("BA-LEI-BES", "water", 40, {}),
    "chui": ("CH-MOS-AKS", "water", 0, {}),
}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "AYILBOT_DB": tmp_path / "dash.db",
        "AYILBOT_ADMIN_IDS": str(ADMIN),
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    clock = FrozenClock(T0)
    kernel = Kernel(settings, db, clock, gazetteer, Access(gazetteer), RecordingNotifier())
    for rules in (IncidentRules, NeedRules, PracticeRules, DashboardRules):
        kernel.add(rules(kernel))
    await add_person(db, REPORTER, "Айгүл", language="ky")
    await add_person(db, LEADER, "Бакыт")
    await add_person(db, ADMIN, "Admin", place=None, language="en")
    for user_id, scope in ((RAYON, "BA-BAT"), (OBLAST, "BA"), (CHUI, "CH")):
        await add_person(db, user_id, f"Coordinator {user_id}", kind="coordinator", place=None)
        await grant(db, user_id, "place", scope)
    numbers = {}
    for name, (place, resource, days, extra) in REPORTS.items():
        numbers[name] = await add_incident(
            db,
            reporter_id=REPORTER,
            pseudonym="P-SECRET",
            place=place,
            resource=resource,
            received_at=T0 - timedelta(days=days),
            **extra,
        )
    try:
        yield World(kernel, clock, numbers)
    finally:
        await db.close()


def ids(world: World, *names: str) -> list[int]:
    return sorted(world.numbers[n] for n in names)


# ---------------------------------------------------------------------- the map


async def test_the_map_holds_exactly_the_reports_in_reach_at_their_pin_or_place(
    world: World,
) -> None:
    gazetteer = world.kernel.gazetteer
    rayon = await world.actor(RAYON)
    data = await world.incidents.map_data(rayon, ReportFilter())
    assert data.level == "points" and data.complete
    assert sorted(p.id for p in data.points) == ids(
        world, "aksay_pin", "aksay_anonymous", "aktatyr", "rayon_only"
    )
    at = {p.id: (p.lat, p.lon) for p in data.points}
    # A coordinator sees pins rounded as in exports (2 decimals); no pin: the place's centre,
    # or the rayon's for a report that names only its rayon.
    assert at[world.numbers["aksay_pin"]] == (39.88, 70.53)
    aksay = gazetteer.locate("BA-BAT-AKS")
    rayon_centre = gazetteer.locate("BA-BAT")
    assert aksay is not None and rayon_centre is not None
    assert at[world.numbers["aksay_anonymous"]] == (aksay.lat, aksay.lon)
    assert at[world.numbers["rayon_only"]] == (rayon_centre.lat, rayon_centre.lon)

    oblast = await world.incidents.map_data(await world.actor(OBLAST), ReportFilter())
    assert {p.id for p in oblast.points} == set(ids(world, *REPORTS)) - {world.numbers["chui"]}
    chui = await world.incidents.map_data(await world.actor(CHUI), ReportFilter())
    assert [p.id for p in chui.points] == ids(world, "chui")
    admin = await world.incidents.map_data(await world.actor(ADMIN), ReportFilter())
    assert len(admin.points) == len(REPORTS)
    assert {p.id: (p.lat, p.lon) for p in admin.points}[world.numbers["aksay_pin"]] == AKSAY_PIN


async def test_who_may_not_review_reports_sees_no_map(world: World) -> None:
    with pytest.raises(NotAllowed):
        await world.incidents.map_data(await world.actor(LEADER), ReportFilter())
    with pytest.raises(NotAllowed):
        world.incidents.filter_choices(await world.actor(REPORTER))


async def test_filters_narrow_the_map_and_the_table_alike(world: World) -> None:
    oblast = await world.actor(OBLAST)
    cases: list[tuple[ReportFilter, list[int]]] = [
        (ReportFilter(resource="water"), ids(world, "aksay_pin", "aktatyr", "leilek")),
        (ReportFilter(place="BA-BAT-AKS"), ids(world, "aksay_pin", "aksay_anonymous")),
        (ReportFilter(place="BA-LEI"), ids(world, "leilek")),
        (ReportFilter(urgent=True), ids(world, "aktatyr")),
        (ReportFilter(event="blockade"), ids(world, "aktatyr")),
        (
            ReportFilter(since=(T0 - timedelta(days=15)).date(), until=T0.date()),
            ids(world, "aksay_pin", "aksay_anonymous", "aktatyr"),
        ),
        (ReportFilter(review="verified"), []),
        (ReportFilter(resource="water", place="BA-BAT"), ids(world, "aksay_pin", "aktatyr")),
    ]
    for where, expected in cases:
        data = await world.incidents.map_data(oblast, where)
        table = await world.incidents.report_table(oblast, where)
        assert sorted(p.id for p in data.points) == expected, where
        assert sorted(line.incident.id for line in table.lines) == expected, where
        assert data.total == table.paging.total == len(expected), where


async def test_a_filter_value_never_offered_is_unknown(world: World) -> None:
    rayon = await world.actor(RAYON)
    for where in (
        ReportFilter(resource="gold"),
        ReportFilter(event="war"),
        ReportFilter(review="maybe"),
        ReportFilter(place="CH"),  # exists, but outside her reach
        ReportFilter(place="BA"),  # her rayon's oblast: above her reach
        ReportFilter(place="XX-NOPE"),
    ):
        with pytest.raises(UnknownValue):
            await world.incidents.report_table(rayon, where)
        with pytest.raises(UnknownValue):
            await world.incidents.map_data(rayon, where)
    village = next(iter(world.kernel.gazetteer.villages("BA-BAT-AKS")))
    with pytest.raises(UnknownValue):
        world.incidents.check(rayon, ReportFilter(place=village.code))


async def test_the_place_filter_drills_down_from_the_top_of_the_reach(world: World) -> None:
    rayon = await world.actor(RAYON)
    top = world.incidents.filter_choices(rayon)
    assert [p.code for p in top.children] == ["BA-BAT"]
    down = world.incidents.filter_choices(rayon, "BA-BAT")
    assert [p.code for p in down.trail] == ["BA-BAT"]
    assert "BA-BAT-AKS" in {p.code for p in down.children}
    assert all(p.level == "aiyl_aimak" for p in down.children)
    admin = world.incidents.filter_choices(await world.actor(ADMIN))
    assert {"BA", "CH"} <= {p.code for p in admin.children}


async def test_beyond_the_marker_limit_the_map_counts_per_place_until_zoomed_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incident_rules, "MAP_POINTS", 3)
    oblast = await world.actor(OBLAST)
    country = await world.incidents.map_data(oblast, ReportFilter(), zoom=6)
    assert country.level == "rayon" and not country.points
    by_rayon = {g.code: g.reports for g in country.groups}
    assert by_rayon == {"BA-BAT": 4, "BA-LEI": 1}
    assert country.total == 5 and sum(g.resources.get("water", 0) for g in country.groups) == 3

    closer = await world.incidents.map_data(oblast, ReportFilter(), zoom=8.5)
    assert closer.level == "aiyl_aimak"
    assert {g.code: g.reports for g in closer.groups} == {
        "BA-BAT-AKS": 2,
        "BA-BAT-AKT": 1,
        "BA-BAT": 1,
        "BA-LEI-BES": 1,
    }
    # Zoomed in on Ak-Say: its two reports are markers again, the rest stays counted.
    box = Box(west=70.40, south=39.80, east=70.60, north=39.92)
    detail = await world.incidents.map_data(oblast, ReportFilter(), zoom=11, box=box)
    assert detail.level == "points" and not detail.complete
    assert sorted(p.id for p in detail.points) == ids(world, "aksay_pin", "aksay_anonymous")
    assert detail.total == 5


async def test_colours_by_state_come_from_the_places_given(world: World) -> None:
    rayon = await world.actor(RAYON)
    data = await world.incidents.map_data(
        rayon, ReportFilter(), states={"BA-BAT-AKS": "rising", "CH-MOS-AKS": "calming"}
    )
    states = {p.id: p.state for p in data.points}
    assert states[world.numbers["aksay_pin"]] == "rising"
    assert states[world.numbers["aktatyr"]] is None


# ---------------------------------------------------------------------- the table and a page


async def test_the_table_sorts_and_pages(world: World) -> None:
    admin = await world.actor(ADMIN)
    oldest_event_first = await world.incidents.report_table(
        admin, ReportFilter(), sort=ReportSort.EVENT_DATE, descending=False
    )
    dates = [line.incident.event_date for line in oldest_event_first.lines]
    assert dates == sorted(dates)
    second = await world.incidents.report_table(admin, ReportFilter(), page=1, per_page=4)
    assert second.paging.total == len(REPORTS) and second.paging.page == 1
    assert [line.incident.id for line in second.lines] == sorted(world.numbers.values())[:2][::-1]


async def test_a_report_page_never_names_an_anonymous_reporter(world: World) -> None:
    for viewer in (RAYON, ADMIN):  # not even to administrators, unlike the chat
        page = await world.incidents.report_page(
            await world.actor(viewer), world.numbers["aksay_anonymous"]
        )
        assert page.card.reporter is None
        assert page.card.incident.anonymous
    named = await world.incidents.report_page(await world.actor(RAYON), world.numbers["aksay_pin"])
    assert named.card.reporter == "Айгүл"
    assert named.card.coordinates == (39.88, 70.53)


async def test_a_report_out_of_reach_is_answered_as_a_missing_one(world: World) -> None:
    chui = await world.actor(CHUI)
    for number in (world.numbers["aksay_pin"], 999_999):
        with pytest.raises(StaleButton):
            await world.incidents.report_page(chui, number)
        with pytest.raises(StaleButton):
            await world.incidents.report_file(chui, number, 0)
    with pytest.raises(StaleButton):  # in reach, but it has no files
        await world.incidents.report_file(await world.actor(RAYON), world.numbers["aktatyr"], 0)


async def test_lists_and_feeds_carry_no_reporter(world: World) -> None:
    rayon = await world.actor(RAYON)
    found = await world.incidents.reports_after(rayon, ReportFilter())
    assert found and all(i.reporter_id is None and i.reporter_pseudonym is None for i in found)
    assert {(i.latitude, i.longitude) for i in found} >= {(39.88, 70.53)}
    after_first = await world.incidents.reports_after(rayon, ReportFilter(), after=found[0].id)
    assert [i.id for i in after_first] == [i.id for i in found[1:]]


# ---------------------------------------------------------------------- needs and practices


async def test_the_needs_track_counts_stages_and_som_in_reach(world: World) -> None:
    db = world.kernel.db
    first = await add_need(db, author_id=REPORTER)
    await add_need(db, author_id=REPORTER)
    await add_need(db, author_id=REPORTER, place="CH-MOS-AKS")
    async with db.transaction() as conn:
        await NeedRepository(conn).set_stage(
            need_ids=[first],
            stage="budgeted",
            reached="budgeted",
            stage_on=T0.date(),
            amount_som=150_000,
            now=T0,
        )
    track = await world.kernel.get(NeedRules).track(await world.actor(RAYON))
    assert track.funnel.total == 2 and track.funnel.budgeted == 1
    assert track.funnel.som_allocated == 150_000
    assert [(row.key, row.funnel.total) for row in track.by_place] == [("BA-BAT-AKS", 2)]
    assert [row.key for row in track.by_topic] == ["water"]
    assert len(track.points) == 2
    chui = await world.kernel.get(NeedRules).track(await world.actor(CHUI))
    assert chui.funnel.total == 1 and chui.by_place[0].key == "CH-MOS-AKS"


async def test_the_maps_needs_follow_the_filter_bars_period_and_place(world: World) -> None:
    """The needs layer answers to the same filter bar as the reports: raised in the period,
    in the place or below it; the fields that describe reports leave needs as they are."""
    db = world.kernel.db
    early = await add_need(db, author_id=REPORTER, now=T0 - timedelta(days=30))
    recent = await add_need(db, author_id=REPORTER)
    other = await add_need(db, author_id=REPORTER, place="BA-KAD-AKT")
    rules, admin = world.kernel.get(NeedRules), await world.actor(ADMIN)

    async def shown(where: ReportFilter) -> list[int]:
        return sorted(p.id for p in (await rules.track(admin, where)).points)

    assert await shown(ReportFilter()) == [early, recent, other]
    assert await shown(ReportFilter(since=T0.date() - timedelta(days=7))) == [recent, other]
    assert await shown(ReportFilter(until=T0.date() - timedelta(days=7))) == [early]
    assert await shown(ReportFilter(place="BA-BAT")) == [early, recent]
    assert await shown(ReportFilter(place="BA", resource="water", urgent=True)) == [
        early,
        recent,
        other,
    ]
    for unknown in ("XX-NOPE", "BA-BAT-AKS-KEK"):  # no such place; a village
        with pytest.raises(UnknownValue):
            await rules.track(admin, ReportFilter(place=unknown))


async def test_practices_by_topic_most_helpful_first(world: World) -> None:
    db = world.kernel.db
    plain = await add_practice(db, author_id=REPORTER, title="Water rota")
    helped = await add_practice(db, author_id=REPORTER, title="Night watering")
    async with db.transaction() as conn:
        for user_id in (LEADER, ADMIN):
            await PracticeRepository(conn).mark_helpful(
                practice_id=helped, user_id=user_id, now=T0
            )
    shelves = await world.kernel.get(PracticeRules).shelves(await world.actor(LEADER))
    assert [s.topic for s in shelves] == ["water"]
    assert [line.practice.id for line in shelves[0].lines] == [helped, plain]
    assert [line.practice.helpful for line in shelves[0].lines] == [2, 0]


# ---------------------------------------------------------------------- signing in


def init_data(user_id: int, auth_date: int, changes: dict[str, str] | None = None) -> str:
    """initData as Telegram signs it (the local server's signer); `changes` alter it after."""
    user = FakeUser(user_id, "Батма", language_code="ru")
    fields = {"query_id": f"AAQ{user_id}", "user": web_app_user(user), "auth_date": str(auth_date)}
    signed = sign_init_data(fields, TOKEN)
    for key, value in (changes or {}).items():
        signed = signed.replace(f"{key}=", f"{key}={value}", 1)
    return signed


async def test_mini_app_data_signed_for_this_bot_opens_a_session_once(world: World) -> None:
    now = int(T0.timestamp())
    raw = init_data(RAYON, now - 600)
    signed = await world.dashboard.sign_in_with_web_app(raw)
    assert signed.secret and signed.actor.user_id == RAYON
    assert (await world.dashboard.session_actor(signed.secret)).user_id == RAYON
    # The same data again: refused, unless it comes with the session it opened (a reload).
    with pytest.raises(NotSignedIn, match="replayed"):
        await world.dashboard.sign_in_with_web_app(raw)
    again = await world.dashboard.sign_in_with_web_app(raw, current=signed.secret)
    assert again.secret is None and again.actor.user_id == RAYON
    other = await world.dashboard.sign_in_with_web_app(init_data(CHUI, now))
    with pytest.raises(NotSignedIn, match="replayed"):
        await world.dashboard.sign_in_with_web_app(raw, current=other.secret)


@pytest.mark.parametrize(
    ("age_s", "changes", "reason"),
    [
        (3_601, {}, "expired"),
        (-300, {}, "from_the_future"),
        (10, {"auth_date": "1"}, "forged"),  # a field changed after signing
        (10, {"hash": "0"}, "forged"),
    ],
)
async def test_forged_or_stale_mini_app_data_is_refused(
    world: World, age_s: int, changes: dict[str, str], reason: str
) -> None:
    raw = init_data(RAYON, int(T0.timestamp()) - age_s, changes)
    with pytest.raises(NotSignedIn, match=reason):
        await world.dashboard.sign_in_with_web_app(raw)


async def test_mini_app_data_for_another_bot_or_of_no_coordinator_is_refused(
    world: World,
) -> None:
    now = int(T0.timestamp())
    user = web_app_user(FakeUser(RAYON, "Батма"))
    foreign = sign_init_data({"user": user, "auth_date": str(now)}, "654321:OTHER-BOT")
    with pytest.raises(NotSignedIn, match="forged"):
        await world.dashboard.sign_in_with_web_app(foreign)
    with pytest.raises(NotAllowed):
        await world.dashboard.sign_in_with_web_app(init_data(LEADER, now))
    with pytest.raises(NotSignedIn, match="malformed"):
        await world.dashboard.sign_in_with_web_app("user=1&user=2&hash=00")


async def test_a_login_link_works_once_and_for_ten_minutes(world: World) -> None:
    rayon = await world.actor(RAYON)
    made = await world.dashboard.login_link(rayon)
    code = made.url.rsplit("/", 1)[1]
    assert made.url.startswith("http://127.0.0.1:8080/login/") and made.minutes == 10
    signed = await world.dashboard.sign_in_with_link(code)
    assert signed.actor.user_id == RAYON
    with pytest.raises(NotSignedIn, match="unknown_link"):
        await world.dashboard.sign_in_with_link(code)
    late = (await world.dashboard.login_link(rayon)).url.rsplit("/", 1)[1]
    world.clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(NotSignedIn, match="unknown_link"):
        await world.dashboard.sign_in_with_link(late)
    with pytest.raises(NotAllowed):
        await world.dashboard.login_link(await world.actor(LEADER))


async def test_a_session_follows_the_persons_roles_and_ends(world: World) -> None:
    rayon = await world.actor(RAYON)
    code = (await world.dashboard.login_link(rayon)).url.rsplit("/", 1)[1]
    secret = (await world.dashboard.sign_in_with_link(code)).secret
    assert (await world.dashboard.session_actor(secret)).reach.covers_place("BA-BAT-AKS")
    async with world.kernel.db.transaction() as conn:
        await RoleRepository(conn).revoke(user_id=RAYON, role="coordinator")
    with pytest.raises(NotAllowed):  # the next request, not the next sign-in
        await world.dashboard.session_actor(secret)
    await grant(world.kernel.db, RAYON, "place", "BA-BAT")
    await world.dashboard.session_actor(secret)
    world.clock.advance(timedelta(hours=12, seconds=1))
    with pytest.raises(NotSignedIn, match="no_session"):
        await world.dashboard.session_actor(secret)
    with pytest.raises(NotSignedIn):
        await world.dashboard.session_actor(None)


async def test_secrets_are_stored_only_as_hashes(world: World) -> None:
    rayon = await world.actor(RAYON)
    code = (await world.dashboard.login_link(rayon)).url.rsplit("/", 1)[1]
    session = (await world.dashboard.sign_in_with_link(code)).secret
    _, token = await world.dashboard.create_token("kobo", "BA")
    assert session is not None
    with sqlite3.connect(world.kernel.settings.db_path) as conn:
        dump = "\n".join(conn.iterdump())
    for secret in (code, session, token):
        assert secret not in dump
        assert secret_hash(secret) in dump


# ---------------------------------------------------------------------- API tokens


async def test_an_api_token_reads_as_a_coordinator_of_its_scope_until_revoked(
    world: World,
) -> None:
    token, secret = await world.dashboard.create_token("kobo-sync", "ba-bat")
    assert (token.scope_kind, token.scope_value, token.scope_text) == ("place", "BA-BAT", "BA-BAT")
    reader = await world.dashboard.api_actor(secret, "ru")
    assert reader.user_id < 0 and not reader.is_admin and reader.locale == "ru"
    found = await world.incidents.reports_after(reader, ReportFilter())
    assert sorted(i.id for i in found) == ids(
        world, "aksay_pin", "aksay_anonymous", "aktatyr", "rayon_only"
    )
    assert world.incidents.position(reader, found[-1]) is not None
    everywhere = await world.dashboard.api_actor(
        (await world.dashboard.create_token("all", "all"))[1], "en"
    )
    pins = {
        i.id: i.latitude for i in await world.incidents.reports_after(everywhere, ReportFilter())
    }
    assert pins[world.numbers["aksay_pin"]] == 39.88  # rounded: a token is never an administrator
    assert await world.dashboard.revoke_token("kobo-sync")
    assert not await world.dashboard.revoke_token("kobo-sync")
    with pytest.raises(NotSignedIn, match="revoked_token"):
        await world.dashboard.api_actor(secret, "en")
    with pytest.raises(NotSignedIn, match="unknown_token"):
        await world.dashboard.api_actor("ayl_" + "x" * 43, "en")
    listed = {t.name: t.revoked_at is not None for t in await world.dashboard.tokens()}
    assert listed == {"kobo-sync": True, "all": False}


async def test_token_names_and_scopes_are_checked(world: World) -> None:
    await world.dashboard.create_token("kobo", "all")
    for name, scope in (("kobo", "all"), ("", "all"), ("x", "nowhere"), ("x", "group:abc")):
        with pytest.raises(BadTokenRequest):
            await world.dashboard.create_token(name, scope)


async def test_erasure_ends_the_persons_sessions(world: World) -> None:
    rayon = await world.actor(RAYON)
    code = (await world.dashboard.login_link(rayon)).url.rsplit("/", 1)[1]
    secret = (await world.dashboard.sign_in_with_link(code)).secret
    async with world.kernel.db.transaction() as conn:
        exported = await world.dashboard.export_personal(conn, RAYON)
        assert [s["via"] for s in exported["sessions"]] == ["link"]
        await world.dashboard.erase_personal(conn, RAYON, "")
    with pytest.raises(NotSignedIn):
        await world.dashboard.session_actor(secret)


def test_the_mini_app_is_offered_only_where_telegram_opens_it() -> None:
    assert mini_app_address("https://bot.example.org") == "https://bot.example.org/app"
    assert mini_app_address("http://127.0.0.1:8080") == "http://127.0.0.1:8080/app"
    assert mini_app_address("http://bot.example.org") is None


async def test_the_upkeep_forgets_what_can_no_longer_sign_in(world: World) -> None:
    rayon = await world.actor(RAYON)
    await world.dashboard.login_link(rayon)
    await world.dashboard.sign_in_with_web_app(init_data(RAYON, int(T0.timestamp())))
    assert await world.dashboard.prune() == 0
    world.clock.advance(timedelta(days=1))
    assert await world.dashboard.prune() == 3  # the link, the session, the used initData
