"""The dashboard over 100,000 reports: how fast its data answers, how soon its map is ready.

    python -m bench.dashboard [--rows 100000] [--requests 40]

`ayilbot run` runs as its own process (polling the local Bot API server, its dashboard on a
port of its own) over a database of generated reports: three years of them over every aiyl
aimak (bench/early_warning.py's generator), a third with a pin. From this process:

- the map's data and a filtered page of the reports table, each asked `--requests` times in a
  row over HTTP, as an administrator (all 100,000), a coordinator of Batken oblast and one of
  Batken rayon: p50, p95 and the slowest, in ms, measured by the client (so HTTP included);
- the alternative to counts per place, every report as a marker: its cost on the server and
  in the browser, which is why the map counts per place beyond 3,000 reports;
- the map page in headless Chromium, opened cold (a fresh browser context each time) from
  localhost with no tile server reachable: the browser's own timing of `domInteractive` and of
  the mark `ayil-map-ready` the page sets once the borders and the first data are drawn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.early_warning import REALISTIC_DAYS, fill
from bot.clock import Clock
from bot.config import Settings
from bot.core.access import Access
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.gazetteer import Gazetteer
from bot.localapi import LocalBotApi
from bot.records.dashboard import ReportFilter
from bot.rules import incidents as incident_rules
from bot.rules.dashboard import DashboardRules
from bot.rules.incidents import IncidentRules
from storage.db import Database
from storage.users import RoleRepository, UserRepository

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
ROWS = 100_000
ADMIN, OBLAST, RAYON = 9000, 9001, 9002
PINNED = 0.33  # share of reports with a location pin
PAGE_LOADS = 5
COOKIE = "__Host-ayil_session"


class _NoNotices:
    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        return Delivery.FAILED


@dataclass(frozen=True)
class Timing:
    """One scenario's answer times, in seconds."""

    name: str
    times: tuple[float, ...]
    detail: str = ""

    def percentile(self, p: float) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def row(self) -> str:
        return (
            f"| {self.name} | {self.detail} | {self.percentile(50) * 1000:.0f} ms "
            f"| {self.percentile(95) * 1000:.0f} ms | {max(self.times) * 1000:.0f} ms |"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def add_pins(path: Path, share: float, seed: int = 5) -> int:
    """Give a share of the reports a pin within ~5 km of their aiyl aimak's coordinates."""
    gazetteer = Gazetteer.default()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT id, admin3 FROM incidents").fetchall()
        pins = []
        for number, aimak in rows:
            found = gazetteer.locate(aimak) if aimak else None
            if found is not None and rng.random() < share:
                pins.append(
                    (
                        found.lat + rng.uniform(-0.05, 0.05),
                        found.lon + rng.uniform(-0.05, 0.05),
                        number,
                    )
                )
        with conn:
            conn.executemany(
                "UPDATE incidents SET latitude = ?, longitude = ?, geo_precision = 1 WHERE id = ?",
                pins,
            )
    finally:
        conn.close()
    return len(pins)


async def prepare(path: Path, rows: int) -> dict[str, str]:
    """The database: reports, three readers; a session secret for each reader."""
    await (await Database.open(path)).close()  # every migration
    fill(path, rows, REALISTIC_DAYS)
    add_pins(path, PINNED)
    values: dict[str, object] = {"AYILBOT_DB": path, "AYILBOT_ADMIN_IDS": str(ADMIN)}
    settings = Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]
    db = await Database.open(path)
    gazetteer = Gazetteer.default()
    kernel = Kernel(settings, db, Clock(), gazetteer, Access(gazetteer), _NoNotices())
    rules = DashboardRules(kernel)
    now = kernel.clock.now()
    try:
        async with db.transaction() as conn:
            users, roles = UserRepository(conn), RoleRepository(conn)
            for user_id, scope in ((ADMIN, None), (OBLAST, "BA"), (RAYON, "BA-BAT")):
                await users.create(
                    user_id=user_id,
                    first_name=f"R{user_id}",
                    last_name=None,
                    username=None,
                    language="ru",
                    pseudonym=f"P-{user_id}",
                    now=now,
                )
                await users.update_profile(user_id=user_id, now=now, kind="coordinator")
                await users.accept_privacy(user_id=user_id, now=now)
                if scope:
                    await roles.grant(
                        user_id=user_id,
                        role="coordinator",
                        scope_kind="place",
                        scope_value=scope,
                        granted_by=None,
                        now=now,
                    )
        secrets = {}
        for name, user_id in (("admin", ADMIN), ("oblast", OBLAST), ("rayon", RAYON)):
            made = await rules.login_link(await kernel.actors.of_user(user_id))
            signed = await rules.sign_in_with_link(made.url.rsplit("/", 1)[1])
            assert signed.secret is not None
            secrets[name] = signed.secret
    finally:
        await db.close()
    return secrets


async def start_bot(server: LocalBotApi, path: Path, port: int) -> subprocess.Popen[bytes]:
    """`ayilbot run` on the database; returns once its dashboard answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AYILBOT_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "AYILBOT_DB": str(path),
        "AYILBOT_ADMIN_IDS": str(ADMIN),
        "AYILBOT_WEB_PORT": str(port),
        "AYILBOT_TILE_URL": f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png",
    }
    log = path.with_suffix(".log").open("wb")
    proc = subprocess.Popen(  # noqa: ASYNC220 (started once; the bench waits for it below)
        [sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            try:
                if (await http.get(f"http://127.0.0.1:{port}/app")).status == 200:
                    return proc
            except aiohttp.ClientConnectionError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"the bot exited: see {log.name}")
            await asyncio.sleep(0.1)
    raise RuntimeError("the dashboard did not answer within a minute")


async def timed(
    http: aiohttp.ClientSession, url: str, secret: str, requests: int
) -> tuple[tuple[float, ...], str]:
    """Answer times of `requests` requests in a row (after three to warm up) and a summary."""
    headers = {"Cookie": f"{COOKIE}={secret}"}
    times = []
    body = b""
    for i in range(requests + 3):
        started = time.perf_counter()
        async with http.get(url, headers=headers) as answer:
            body = await answer.read()
            assert answer.status == 200, (url, answer.status, body[:200])
        if i >= 3:
            times.append(time.perf_counter() - started)
    return tuple(times), f"{len(body) / 1024:.0f} KB"


MAP_QUERIES: Sequence[tuple[str, str, str]] = (
    (
        "admin",
        "map, whole country (counts per rayon)",
        "colour=resource&zoom=6.25&bbox=69.2,39.1,80.3,43.3",
    ),
    (
        "admin",
        "map, water only (counts per rayon)",
        "colour=resource&resource=water&zoom=6.25&bbox=69.2,39.1,80.3,43.3",
    ),
    (
        "admin",
        "map, zoomed into Batken town (markers in view)",
        "colour=resource&zoom=11&bbox=70.70,40.00,70.95,40.12",
    ),
    ("admin", "map, coloured by tension", "colour=state&zoom=6.25&bbox=69.2,39.1,80.3,43.3"),
    ("oblast", "map, Batken oblast", "colour=resource&zoom=7&bbox=69.2,39.4,72.8,40.6"),
    (
        "rayon",
        "map, Batken rayon (every marker)",
        "colour=resource&zoom=9&bbox=70.3,39.7,71.2,40.3",
    ),
)
TABLE_QUERIES: Sequence[tuple[str, str, str]] = (
    ("admin", "table, first page, newest first", ""),
    ("admin", "table, water + verified, page 20", "resource=water&review=verified&page=20"),
    ("admin", "table, one oblast, by event date", "place=BA&sort=date&dir=asc"),
    ("admin", "table, a year, urgent only", "since=2025-01-01&until=2025-12-31&urgent=1"),
    ("oblast", "table, Batken oblast, pasture", "resource=pasture"),
    ("rayon", "table, Batken rayon", ""),
)


async def answer_times(base: str, secrets: dict[str, str], requests: int) -> list[Timing]:
    found = []
    async with aiohttp.ClientSession() as http:
        for who, name, query in MAP_QUERIES:
            times, size = await timed(http, f"{base}/data/map?{query}", secrets[who], requests)
            found.append(Timing(f"{name}", times, f"{who}, {size}"))
        for who, name, query in TABLE_QUERIES:
            times, size = await timed(http, f"{base}/reports?{query}", secrets[who], requests)
            found.append(Timing(f"{name}", times, f"{who}, {size}"))
    return found


async def page_times(base: str, secrets: dict[str, str]) -> list[Timing]:
    """The map page, cold, in headless Chromium: domInteractive and the map's ready mark."""
    from playwright.async_api import async_playwright

    found = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_ARGS)
        )
        try:
            for who in ("admin", "rayon"):
                interactive, ready, markers = [], [], ""
                for _ in range(PAGE_LOADS):
                    context = await browser.new_context(viewport={"width": 1000, "height": 760})
                    await context.add_cookies([_cookie(secrets[who])])
                    page = await context.new_page()
                    await page.goto(base + "/map")
                    await page.wait_for_function(
                        "() => document.body.dataset.state !== undefined", timeout=30_000
                    )
                    timing = await page.evaluate(
                        """() => [
                            performance.getEntriesByType("navigation")[0].domInteractive,
                            performance.getEntriesByName("ayil-map-ready")[0].startTime,
                            document.body.dataset.level + " " + document.body.dataset.markers,
                        ]"""
                    )
                    interactive.append(timing[0] / 1000)
                    ready.append(timing[1] / 1000)
                    markers = timing[2]
                    await context.close()
                found.append(
                    Timing(f"map page, {who}: domInteractive", tuple(interactive), markers)
                )
                found.append(Timing(f"map page, {who}: map ready", tuple(ready), markers))
        finally:
            await browser.close()
    return found


async def every_point_on_the_server(path: Path) -> tuple[float, int]:
    """The alternative not taken: every report of the administrator as a marker. Seconds for
    the rules and the JSON (best of three, in this process) and the JSON's bytes."""
    values: dict[str, object] = {"AYILBOT_DB": path, "AYILBOT_ADMIN_IDS": str(ADMIN)}
    settings = Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]
    db = await Database.open(path)
    gazetteer = Gazetteer.default()
    kernel = Kernel(settings, db, Clock(), gazetteer, Access(gazetteer), _NoNotices())
    rules = kernel.add(IncidentRules(kernel))
    admin = await kernel.actors.of_user(ADMIN)
    limit = incident_rules.MAP_POINTS
    incident_rules.MAP_POINTS = 10**9
    best, size = float("inf"), 0
    try:
        for _ in range(3):
            started = time.perf_counter()
            data = await rules.map_data(admin, ReportFilter())
            body = json.dumps(
                [
                    [p.id, p.lat, p.lon, p.resource, p.event, p.review, p.urgent]
                    for p in data.points
                ]
            )
            best, size = min(best, time.perf_counter() - started), len(body)
    finally:
        incident_rules.MAP_POINTS = limit
        await db.close()
    return best, size


# 100,000 markers into the page's own cluster layer, as the map would hold them.
EVERY_MARKER_JS = """(count) => {
  const started = performance.now();
  const layer = L.markerClusterGroup({ animate: false });
  const markers = [];
  for (let i = 0; i < count; i++) {
    markers.push(L.marker([39.3 + (i % 397) / 100, 69.3 + (i % 1103) / 100]));
  }
  layer.addLayers(markers);
  window.ayilDashboard.map.addLayer(layer);
  return performance.now() - started;
}"""


async def every_point_in_the_browser(base: str, secret: str, count: int) -> float:
    """Seconds the browser takes to cluster and draw `count` markers on the map page."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_ARGS)
        )
        try:
            context = await browser.new_context(viewport={"width": 1000, "height": 760})
            await context.add_cookies([_cookie(secret)])
            page = await context.new_page()
            await page.goto(base + "/map")
            await page.wait_for_function("() => document.body.dataset.state !== undefined")
            elapsed: float = await page.evaluate(EVERY_MARKER_JS, count)
        finally:
            await browser.close()
    return elapsed / 1000


def _cookie(secret: str) -> Any:
    return {
        "name": COOKIE,
        "value": secret,
        "domain": "127.0.0.1",
        "path": "/",
        "secure": True,
        "httpOnly": True,
        "sameSite": "Strict",
    }


def table(timings: Sequence[Timing], first: str, second: str) -> str:
    lines = [f"| {first} | {second} | p50 | p95 | slowest |", "|---|---|---|---|---|"]
    return "\n".join(lines + [t.row() for t in timings])


async def run(rows: int, requests: int) -> str:
    """The section of bench/RESULTS.md."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dashboard.db"
        started = time.perf_counter()
        secrets = await prepare(path, rows)
        print(
            f"dashboard: {rows:,} reports generated in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        server = LocalBotApi(record_calls=False)
        await server.start()
        port = free_port()
        proc = await start_bot(server, path, port)
        base = f"http://127.0.0.1:{port}"
        try:
            answers = await answer_times(base, secrets, requests)
            pages = await page_times(base, secrets)
            drawing = await every_point_in_the_browser(base, secrets["admin"], rows)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            await server.stop()
        serving, size = await every_point_on_the_server(path)
    slowest = max(t.percentile(95) for t in answers)
    ready = max(max(t.times) for t in pages if t.name.endswith("map ready"))
    return (
        f"## Dashboard over {rows:,} reports\n\n"
        "`ayilbot run` in its own process; each request "
        f"{requests} times in a row after three to warm up, timed by the client (HTTP "
        "included). Readers: the administrator (every report), a coordinator of Batken oblast, "
        "one of Batken rayon. The map's data is markers while the filter holds at most 3,000 "
        "reports (or the visible part does, from zoom 10), else counts per rayon or aiyl "
        "aimak.\n\n" + table(answers, "data", "reader, answer size") + "\n\n"
        f"Map page, cold (a new browser context each time), {PAGE_LOADS} loads each, headless "
        "Chromium on this machine, no tile server reachable; the browser's own timing from the "
        "start of navigation:\n\n"
        + table(pages, "page", "what it drew: level, markers")
        + f"\n\nSlowest p95 of the data: {slowest * 1000:.0f} ms (target 200 ms); "
        f"slowest map ready: {ready * 1000:.0f} ms (target 1 s).\n\n"
        f"Why counts per place beyond 3,000: all {rows:,} reports as markers would take "
        f"{serving * 1000:.0f} ms on the server (rules and JSON, best of three, before any "
        f"HTTP), {size / 1024 / 1024:.1f} MB to send, and {drawing:.1f} s more in the "
        "browser to cluster and draw them (measured on the map page)."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    print(asyncio.run(run(args.rows, args.requests)))
