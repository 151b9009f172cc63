"""The dashboard's Tension, Needs and Practices pages, each for two reaches (over HTTP).

Tension reads the early-warning signal as the chat's /watch does: a place where clashes were
reported this week is rising for the coordinator who covers it, and absent for another
region's. Needs show the track with amounts in som; practices their "helped me" counts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
import pytest_asyncio

from storage.needs import NeedRepository
from storage.practices import PracticeRepository
from tests.coordinator_steps import add_incident, add_practice
from tests.dashboard_world import BATKEN, CHUI, REPORTER, DashboardSite, running_dashboard

pytestmark = pytest.mark.asyncio(loop_scope="session")
COOKIE = "__Host-ayil_session"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DashboardSite]:
    async with running_dashboard(tmp_path_factory.mktemp("pages")) as running:
        db = running.kernel.db
        now = running.kernel.clock.now()
        for day in range(6):  # clashes over pasture in Ak-Tatyr this week, none before
            number = await add_incident(
                db,
                reporter_id=REPORTER,
                place="BA-BAT-AKT",
                resource="pasture",
                sub_event_type="physical_clash",
                received_at=now - timedelta(days=day, hours=1),
            )
            running.seeded.batken[number] = {"place": "BA-BAT-AKT", "resource": "pasture"}
        yield running


async def page(site: DashboardSite, user_id: int, path: str) -> str:
    async with aiohttp.ClientSession() as http:
        code = (await site.login_link(user_id)).rsplit("/", 1)[1]
        signed = await http.post(site.url + "/login", data={"code": code}, allow_redirects=False)
        cookie = {"Cookie": f"{COOKIE}={signed.cookies[COOKIE].value}"}
        answer = await http.get(site.url + path, headers=cookie)
        assert answer.status == 200, path
        return await answer.text()


async def test_tension_shows_the_rising_place_to_who_covers_it_only(site: DashboardSite) -> None:
    batken = await page(site, BATKEN, "/tension")
    assert "Ак-Татыр" in batken and "напряжённость растёт" in batken
    assert 'href="/reports?place=BA-BAT-AKT"' in batken
    assert 'class="heat-table"' in batken and '<th scope="row">Ак-Татыр</th>' in batken
    chui = await page(site, CHUI, "/tension")
    assert "Ак-Татыр" not in chui
    assert "Ни в одном месте на вашей территории напряжённость не растёт" in chui


async def test_the_map_colours_by_tension_for_who_receives_alerts(site: DashboardSite) -> None:
    async with aiohttp.ClientSession() as http:
        code = (await site.login_link(BATKEN)).rsplit("/", 1)[1]
        signed = await http.post(site.url + "/login", data={"code": code}, allow_redirects=False)
        cookie = {"Cookie": f"{COOKIE}={signed.cookies[COOKIE].value}"}
        data = await (await http.get(site.url + "/data/map?colour=state", headers=cookie)).json()
    states = {point[0]: point[7] for point in data["points"]}
    rising = sorted(n for n, state in states.items() if state == "rising")
    # Every report of Ak-Tatyr takes its place's state: the week's clashes and an old one.
    assert rising == site.seeded.batken_with(place="BA-BAT-AKT")
    assert len(rising) == 7
    assert {state for n, state in states.items() if n not in rising} == {""}


async def test_needs_show_the_track_with_som_in_reach(site: DashboardSite) -> None:
    async with site.kernel.db.transaction() as conn:
        repo = NeedRepository(conn)
        batken_need = next(n for n in await repo.list_all() if n.place_code == "BA-BAT-AKS")
        await repo.set_stage(
            need_ids=[batken_need.id],
            stage="budgeted",
            reached="budgeted",
            stage_on=site.kernel.clock.now().date(),
            amount_som=250_000,
            now=site.kernel.clock.now(),
        )
    batken = await page(site, BATKEN, "/needs")
    assert "Ак-Сай" in batken and "Ак-Суу" not in batken
    assert "Выделено из бюджета: 250\u00a0000 сом" in batken
    chui = await page(site, CHUI, "/needs")
    assert "Ак-Суу" in chui and "Ак-Сай" not in chui and "250\u00a0000" not in chui


async def test_practices_by_topic_with_their_helped_me_counts(site: DashboardSite) -> None:
    db = site.kernel.db
    practice = await add_practice(db, author_id=REPORTER, title="Суу графиги")
    async with db.transaction() as conn:
        await PracticeRepository(conn).mark_helpful(
            practice_id=practice, user_id=CHUI, now=site.kernel.clock.now()
        )
    shown = await page(site, BATKEN, "/practices")
    assert "Суу графиги" in shown
    assert 'data-helped="1"' in shown and "помогла 1 человеку" in shown


async def test_a_report_waiting_for_review_names_its_possible_original(
    site: DashboardSite,
) -> None:
    original = site.seeded.with_photo
    number = await add_incident(
        site.kernel.db, reporter_id=REPORTER, place="BA-BAT-AKS", possible_duplicate_of=original
    )
    shown = await page(site, BATKEN, f"/reports/{number}")
    assert f"Возможно, повтор сообщения № {original}" in shown
    assert f'href="/reports/{original}"' in shown


async def test_the_maps_needs_layer_follows_the_filter_bar(site: DashboardSite) -> None:
    """The page hands its filter to the needs layer; the server answers with the needs of
    that place only, and refuses a place that does not exist."""
    async with aiohttp.ClientSession() as http:
        code = (await site.login_link(BATKEN)).rsplit("/", 1)[1]
        signed = await http.post(site.url + "/login", data={"code": code}, allow_redirects=False)
        cookie = {"Cookie": f"{COOKIE}={signed.cookies[COOKIE].value}"}
        shown = await (await http.get(site.url + "/map?place=BA-BAT-AKT", headers=cookie)).text()
        assert 'data-needs-url="/data/needs?place=BA-BAT-AKT"' in shown

        async def places(query: str) -> list[str]:
            answer = await http.get(site.url + "/data/needs" + query, headers=cookie)
            assert answer.status == 200
            return sorted({point[6] for point in (await answer.json())["points"]})

        assert "Ак-Сай" in await places("")
        assert await places("?place=BA-BAT-AKS") == ["Ак-Сай"]
        assert await places("?place=BA-BAT-AKT") == []
        refused = await http.get(site.url + "/data/needs?place=XX-NOPE", headers=cookie)
        assert refused.status == 400
