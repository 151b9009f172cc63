"""The dashboard over HTTP, as a browser and another system talk to it (no browser here).

The bot runs against the local Bot API server with its dashboard on a port of its own
(tests/dashboard_world.py). Cookies are carried by hand: a `Secure` cookie is kept to HTTPS
by aiohttp's client, while the dashboard runs behind the deployer's HTTPS proxy.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
import pytest_asyncio

from bot.localapi.initdata import sign_init_data, web_app_user
from bot.localapi.model import FakeUser
from bot.rules.dashboard import DashboardRules
from storage.users import RoleRepository
from tests.coordinator_steps import grant
from tests.dashboard_world import (
    ADMIN,
    BATKEN,
    CHUI,
    DashboardSite,
    photo_bytes,
    running_dashboard,
)
from tests.harness import TOKEN

pytestmark = pytest.mark.asyncio(loop_scope="session")
ROOT = Path(__file__).resolve().parents[1]
COOKIE = "__Host-ayil_session"
NOT_FOUND_RU = "Не найдено."
SIGN_IN_RU = "Пожалуйста, войдите"
NO_SUCH_VALUE_RU = "Такого значения фильтра нет."


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DashboardSite]:
    async with running_dashboard(tmp_path_factory.mktemp("dashboard")) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Accept-Language": "ru-RU,ru;q=0.9"}) as session:
        yield session


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "web request refused"]


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every logged record with all its fields, as a log line would carry them."""
    return "\n".join(repr(vars(r)) for r in caplog.records)


async def sign_in(
    site: DashboardSite, http: aiohttp.ClientSession, user_id: int
) -> dict[str, str]:
    """Use a one-time link as the browser does; the Cookie header for the session."""
    code = (await site.login_link(user_id)).rsplit("/", 1)[1]
    answer = await http.post(site.url + "/login", data={"code": code}, allow_redirects=False)
    assert answer.status == 303, await answer.text()
    return {"Cookie": f"{COOKIE}={answer.cookies[COOKIE].value}"}


async def test_a_login_link_is_spent_by_its_button_once_and_gives_a_strict_cookie(
    site: DashboardSite, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    link = await site.login_link(BATKEN)
    code = link.rsplit("/", 1)[1]
    for _ in range(2):  # a link preview or a scanner fetching it spends nothing
        shown = await http.get(link)
        assert shown.status == 200 and 'action="/login"' in await shown.text()
    used = await http.post(site.url + "/login", data={"code": code}, allow_redirects=False)
    assert used.status == 303 and used.headers["Location"] == "/map"
    cookie = used.headers["Set-Cookie"]
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in cookie, cookie
    assert cookie.startswith(COOKIE + "=")
    with caplog.at_level(logging.WARNING, logger="web.errors"):
        again = await http.post(site.url + "/login", data={"code": code}, allow_redirects=False)
    assert again.status == 401
    assert SIGN_IN_RU in await again.text()
    assert [
        (r.__dict__["status"], r.__dict__["reason"], r.__dict__["route"]) for r in refusals(caplog)
    ] == [(401, "unknown_link", "/login")]
    assert code not in logged(caplog)


async def test_every_response_carries_the_security_headers(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    headers = await sign_in(site, http, BATKEN)
    for path in ("/map", "/reports", "/data/map?colour=resource", "/nowhere", "/app"):
        answer = await http.get(site.url + path, headers=headers)
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe" not in policy, path
        assert "frame-ancestors 'none'" in policy and site.tiles in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    page = await http.get(site.url + "/map", headers=headers)
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in await page.text()  # no inline script anywhere


async def test_pages_and_data_need_a_session(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    for headers in ({}, {"Cookie": f"{COOKIE}=forged"}):
        page = await http.get(site.url + "/reports", headers=headers)
        assert page.status == 401 and SIGN_IN_RU in await page.text()
        data = await http.get(site.url + "/data/map", headers=headers)
        assert data.status == 401
        assert SIGN_IN_RU in (await data.json())["error"]


async def test_a_report_out_of_reach_is_404_exactly_as_a_missing_one(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    chui = await sign_in(site, http, CHUI)
    batken_report = site.seeded.with_photo
    answers = []
    for path in (f"/reports/{batken_report}", "/reports/999999", "/reports/abc"):
        answer = await http.get(site.url + path, headers=chui)
        answers.append((answer.status, await answer.text()))
    assert {status for status, _ in answers} == {404}
    assert len({text for _, text in answers}) == 1 and NOT_FOUND_RU in answers[0][1]
    photo = await http.get(site.url + f"/media/reports/{batken_report}/0", headers=chui)
    assert photo.status == 404
    own = await http.get(site.url + f"/reports/{next(iter(site.seeded.chui))}", headers=chui)
    assert own.status == 200


async def test_the_photo_and_voice_note_are_served_to_who_may_see_the_report(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    batken = await sign_in(site, http, BATKEN)
    number = site.seeded.with_photo
    photo = await http.get(site.url + f"/media/reports/{number}/0", headers=batken)
    assert photo.status == 200 and photo.content_type == "image/jpeg"
    assert await photo.read() == photo_bytes()
    assert "no-store" in photo.headers["Cache-Control"]
    voice = await http.get(site.url + f"/media/reports/{number}/1", headers=batken)
    assert voice.status == 200 and voice.content_type == "audio/ogg"
    missing = await http.get(site.url + f"/media/reports/{number}/2", headers=batken)
    assert missing.status == 404


async def test_a_filter_value_that_does_not_exist_is_400(
    site: DashboardSite, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    batken = await sign_in(site, http, BATKEN)
    secret = batken["Cookie"].split("=", 1)[1]
    with caplog.at_level(logging.WARNING, logger="web.errors"):
        for path in (
            "/reports?resource=gold",
            "/map?place=CH",  # a real oblast, outside her reach
            "/reports?since=2026-02-31",
            "/reports?sort=secret",
            "/data/map?bbox=1,2,3",
        ):
            answer = await http.get(site.url + path, headers=batken)
            assert answer.status == 400, path
            body = await answer.text()
            assert NO_SUCH_VALUE_RU in body and "gold" not in body, path
    reasons = [r.__dict__["reason"] for r in refusals(caplog)]
    assert reasons == [
        "unknown_resource",
        "unknown_place",
        "unknown_since",
        "unknown_sort",
        "unknown_bbox",
    ]
    assert secret not in logged(caplog)


async def test_mini_app_data_over_http_forged_expired_replayed(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    now = int(site.kernel.clock.now().timestamp())
    raw = site.server.web_app_init_data(site.server.user(BATKEN, "Батма", language_code="ru"))
    expired = sign_init_data(
        {
            "user": web_app_user(FakeUser(BATKEN, "Батма", language_code="ru")),
            "auth_date": str(now - 3_700),
        },
        TOKEN,
    )
    forged = raw.replace("auth_date=", "auth_date=1", 1)
    for bad in (forged, expired, "", "x" * 5_000):
        refused = await http.post(site.url + "/auth/webapp", json={"init_data": bad})
        assert refused.status == 401, bad[:40]
        assert SIGN_IN_RU in (await refused.json())["error"]
    signed = await http.post(site.url + "/auth/webapp", json={"init_data": raw})
    assert signed.status == 200 and (await signed.json()) == {"next": "/map"}
    assert "SameSite=Strict" in signed.headers["Set-Cookie"]
    replayed = await http.post(site.url + "/auth/webapp", json={"init_data": raw})
    assert replayed.status == 401
    foreign = await http.post(
        site.url + "/auth/webapp",
        json={"init_data": raw},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert foreign.status == 401


async def test_a_coordinator_whose_role_is_revoked_is_refused_at_the_next_click(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    chui = await sign_in(site, http, CHUI)
    assert (await http.get(site.url + "/reports", headers=chui)).status == 200
    async with site.kernel.db.transaction() as conn:
        await RoleRepository(conn).revoke(user_id=CHUI, role="coordinator")
    try:
        refused = await http.get(site.url + "/reports", headers=chui)
        assert refused.status == 403
        assert "У вас нет доступа" in await refused.text()
    finally:
        await grant(site.kernel.db, CHUI, "place", "CH")


async def test_the_language_can_be_chosen_and_no_address_leads_elsewhere(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    chosen = await http.get(
        site.url + "/language/ky?next=" + quote("/reports?resource=water"),
        allow_redirects=False,
    )
    assert chosen.status == 303 and chosen.headers["Location"] == "/reports?resource=water"
    assert "ayil_lang=ky" in chosen.headers["Set-Cookie"]
    for away in ("//elsewhere.example/x", "/\\elsewhere.example", "https://elsewhere.example/"):
        answer = await http.get(
            site.url + "/language/ru?next=" + quote(away), allow_redirects=False
        )
        assert answer.headers["Location"] == "/"
    batken = await sign_in(site, http, BATKEN)
    page = await http.get(
        site.url + "/reports", headers={**batken, "Cookie": batken["Cookie"] + "; ayil_lang=ky"}
    )
    assert '<html lang="ky">' in await page.text()


# ---------------------------------------------------------------------- the API


async def admin(site: DashboardSite, *args: str) -> tuple[int, list[str]]:
    """`ayilbot admin ...` as its own process, on the running bot's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AYILBOT_"))}
    env["AYILBOT_DB"] = str(site.kernel.settings.db_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "admin",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode().splitlines()


async def test_api_tokens_made_and_revoked_on_the_command_line(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    status, lines = await admin(site, "token", "create", "kobo-sync", "BA")
    assert status == 0, lines
    secret = lines[0]
    assert secret.startswith("ayl_") and "BA" in lines[1]
    bearer = {"Authorization": f"Bearer {secret}"}
    found = await http.get(site.url + "/api/v1/reports", headers=bearer)
    assert found.status == 200
    reports = (await found.json())["reports"]
    assert sorted(r["id"] for r in reports) == sorted(site.seeded.batken)
    assert all("reporter_id" not in r and "reporter_pseudonym" not in r for r in reports)
    pinned = {r["id"]: (r["latitude"], r["longitude"]) for r in reports}
    assert pinned[site.seeded.with_photo] == (39.88, 70.53)  # rounded as in exports
    status, lines = await admin(site, "token", "revoke", "kobo-sync")
    assert status == 0, lines
    refused = await http.get(site.url + "/api/v1/reports", headers=bearer)
    assert refused.status == 401 and "Bearer" in refused.headers["WWW-Authenticate"]
    assert (await refused.json())["error"].startswith("Нужен действующий API-токен")
    status, lines = await admin(site, "token", "list")
    assert lines == [lines[0]] and "kobo-sync\tBA\trevoked" in lines[0]
    status, lines = await admin(site, "token", "create", "other", "nowhere")
    assert status == 1 and "unknown scope" in lines[0]


async def test_the_api_reads_the_reach_of_its_token(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    _, secret = await site.kernel.get(DashboardRules).create_token("chui-feed", "CH")
    bearer = {"Authorization": f"Bearer {secret}"}
    first = await (await http.get(site.url + "/api/v1/reports?limit=2", headers=bearer)).json()
    rest = await (
        await http.get(site.url + f"/api/v1/reports?after={first['next_after']}", headers=bearer)
    ).json()
    ids = [r["id"] for r in first["reports"] + rest["reports"]]
    assert ids == sorted(site.seeded.chui) and rest["next_after"] is None
    water = await (
        await http.get(site.url + "/api/v1/reports?resource=water", headers=bearer)
    ).json()
    assert {r["id"] for r in water["reports"]} == {
        n for n, v in site.seeded.chui.items() if v["resource"] == "water"
    }
    feed = await http.get(site.url + "/api/v1/reports.geojson", headers=bearer)
    assert feed.content_type == "application/geo+json"
    collection = await feed.json()
    assert collection["type"] == "FeatureCollection"
    assert sorted(f["id"] for f in collection["features"]) == sorted(site.seeded.chui)
    assert all(len(f["geometry"]["coordinates"]) == 2 for f in collection["features"])
    needs = (await (await http.get(site.url + "/api/v1/needs", headers=bearer)).json())["needs"]
    assert [n["place_code"] for n in needs] == ["CH-MOS-AKS"]
    assert all("description" not in n and "author_id" not in n for n in needs)
    places = (await (await http.get(site.url + "/api/v1/places", headers=bearer)).json())["places"]
    counts = {p["code"]: p["reports"] for p in places}
    assert counts["CH"] == len(site.seeded.chui) and not any(c.startswith("BA") for c in counts)
    bad = await http.get(site.url + "/api/v1/reports?resource=gold", headers=bearer)
    assert bad.status == 400 and "error" in await bad.json()
    none = await http.get(site.url + "/api/v1/reports", headers={"Accept-Language": ""})
    assert none.status == 401
    assert (await none.json())["error"].startswith("This needs a valid API token")


async def test_the_admin_sees_every_report_but_never_an_anonymous_name(
    site: DashboardSite, http: aiohttp.ClientSession
) -> None:
    admin_session = await sign_in(site, http, ADMIN)
    page = await http.get(site.url + f"/reports/{site.seeded.anonymous}", headers=admin_session)
    text = await page.text()
    assert page.status == 200
    assert "Айгүл" not in text and "P-SECRET" not in text
    named = await http.get(site.url + f"/reports/{site.seeded.with_photo}", headers=admin_session)
    assert "Айгүл" in await named.text()
