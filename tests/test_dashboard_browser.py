"""The dashboard in a real headless Chromium, opened as Telegram opens a Mini App.

A coordinator of Batken oblast sends /dashboard, gets the Mini App's button (and the chat's
menu button), and opens its address with initData the local Bot API server signs as Telegram
does: the map holds exactly her reports (counted in the page), a filter by resource leaves
exactly the ones of that resource, and a marker's popup opens the report with its photo. A
coordinator of Chui, signed in through a one-time link, sees none of Batken's. Forged, expired
and replayed initData is refused. One browser for the session, one bot for the module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from bot.localapi.initdata import sign_init_data, web_app_user
from bot.localapi.model import FakeUser
from tests.browser import PageLog, csp_violations
from tests.dashboard_world import BATKEN, CHUI, DashboardSite, running_dashboard
from tests.harness import TOKEN, Person

pytestmark = pytest.mark.asyncio(loop_scope="session")
READY = "() => ['ready', 'failed'].includes(document.body.dataset.state)"
SETTLED = "() => ['refused', 'signed-in'].includes(document.body.dataset.state)"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DashboardSite]:
    async with running_dashboard(tmp_path_factory.mktemp("browser")) as running:
        yield running


async def open_mini_app(page: Page, url: str, init_data: str) -> None:
    """Open the address Telegram opens: the Mini App's, with its launch data after `#`."""
    data = quote(init_data, safe="")
    await page.goto("about:blank")  # else a second launch would only change the # part
    await page.goto(f"{url}#tgWebAppData={data}&tgWebAppVersion=8.0&tgWebAppPlatform=android")


async def on_the_map(page: Page) -> list[int]:
    """Wait for the map's first data; the report numbers of its markers."""
    await page.wait_for_function(READY)
    assert await page.evaluate("document.body.dataset.state") == "ready"
    ids: list[int] = await page.evaluate("window.ayilDashboard.reportIds()")
    assert int(await page.evaluate("document.body.dataset.markers")) == len(ids)
    return ids


async def test_a_batken_coordinator_opens_the_mini_app_and_sees_exactly_her_reports(
    site: DashboardSite, page: Page, page_log: PageLog
) -> None:
    seeded = site.seeded
    person = Person(site.server, site.server.user(BATKEN, "Батма", language_code="ru"))
    answer = await person.say("/dashboard")
    label = next(text for text, _ in answer.flat_buttons if answer.web_app_url(text))
    url = answer.web_app_url(label)
    assert url == site.url + "/app"
    assert site.server.menu_buttons[BATKEN]["web_app"] == {"url": url}

    await open_mini_app(page, url, site.server.web_app_init_data(person.user))
    await page.wait_for_url("**/map")
    assert await on_the_map(page) == sorted(seeded.batken)
    summary = await page.inner_text("#map-summary")
    assert summary.startswith(f"{len(seeded.batken)} сообщений на карте"), summary
    assert await page.get_attribute("html", "lang") == "ru"

    # A filter: the map keeps exactly the reports an independent count gives.
    await page.select_option("#filter-resource", "water")
    await page.wait_for_url("**/map?*resource=water*")
    water = seeded.batken_with(resource="water")
    assert 0 < len(water) < len(seeded.batken)
    assert await on_the_map(page) == water

    # From a marker's popup to the report, with its photo and voice note.
    assert await page.evaluate("(n) => window.ayilDashboard.open(n)", seeded.with_photo)
    await page.click(".leaflet-popup a.open")
    await page.wait_for_url(f"**/reports/{seeded.with_photo}")
    await page.wait_for_function(
        "() => { const img = document.querySelector('.files img');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    assert await page.locator(".files audio").count() == 1
    assert await page.locator("dl.answers").inner_text() != ""

    # An anonymous report's page names nobody.
    shown = await page.goto(site.url + f"/reports/{seeded.anonymous}")
    assert shown is not None and shown.status == 200
    text = await page.content()
    assert "Айгүл" not in text and "P-SECRET" not in text

    assert await csp_violations(page) == []
    assert page_log.page_errors == []
    # Only the tiles fail (nothing serves them here); a request cut short by leaving a page
    # is no failure.
    failed = [
        url
        for url, error in page_log.failed_requests
        if not url.startswith(site.tiles) and error != "net::ERR_ABORTED"
    ]
    assert failed == []


async def test_a_chui_coordinator_sees_none_of_batkens_reports(
    site: DashboardSite, page: Page, page_log: PageLog
) -> None:
    await page.goto(await site.login_link(CHUI))
    await page.click("button[type=submit]")
    await page.wait_for_url("**/map")
    ids = await on_the_map(page)
    assert ids == sorted(site.seeded.chui)
    assert not set(ids) & set(site.seeded.batken)
    cookies = {c["name"]: c for c in await page.context.cookies()}
    session = cookies["__Host-ayil_session"]
    assert (session["secure"], session["httpOnly"], session["sameSite"]) == (True, True, "Strict")

    hidden = await page.goto(site.url + f"/reports/{site.seeded.with_photo}")
    assert hidden is not None and hidden.status == 404
    assert await page.inner_text("main") == "Не найдено."
    table = await page.goto(site.url + "/reports")
    assert table is not None and table.status == 200
    shown = {
        int(n)
        for n in await page.locator("tr[data-report]").evaluate_all(
            "rows => rows.map(r => r.dataset.report)"
        )
    }
    assert shown == set(site.seeded.chui)
    assert page_log.page_errors == []


async def test_forged_expired_and_replayed_init_data_are_refused(
    site: DashboardSite, browser: Browser, page: Page
) -> None:
    user = site.server.user(BATKEN, "Батма", language_code="ru")
    url = site.url + "/app"
    now = int(site.kernel.clock.now().timestamp())
    person = FakeUser(BATKEN, "Батма", language_code="ru")
    fields = {"user": web_app_user(person), "auth_date": str(now - 4_000)}
    expired = sign_init_data(fields, TOKEN)
    # Another person's id put into signed data: the signature no longer matches.
    forged = site.server.web_app_init_data(user).replace(f"%22id%22%3A{BATKEN}", "%22id%22%3A1")
    assert f"%22id%22%3A{BATKEN}" in site.server.web_app_init_data(user)
    for refused in (forged, expired):
        await open_mini_app(page, url, refused)
        await page.wait_for_function(SETTLED)
        assert await page.evaluate("document.body.dataset.state") == "refused"
        assert (await page.inner_text("#status")).startswith("Пожалуйста, войдите")
        assert page.url == url  # the credential left the address bar
        assert not await page.context.cookies()

    valid = site.server.web_app_init_data(user)
    await open_mini_app(page, url, valid)
    await page.wait_for_url("**/map")
    other = await browser.new_context()
    try:
        replay = await other.new_page()
        await open_mini_app(replay, url, valid)
        await replay.wait_for_function(SETTLED)
        assert await replay.evaluate("document.body.dataset.state") == "refused"
        assert not await other.cookies()
    finally:
        await other.close()
