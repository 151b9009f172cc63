"""Screenshots of the dashboard for the README: the map and a report's page in ky and ru,
and the map on a phone-sized screen as the Mini App shows it.

    python -m tools.dashboard_screenshots [--out docs/images] [--emoji-font DIR]

The bot runs against the local Bot API server over generated reports of Batken oblast (pins
near their aiyl aimak, several resources, a photo); a coordinator of Batken oblast signs in
with a one-time link, as from /dashboard. No tile server is reached (the map shows its own
border layer, as on a phone that cannot load tiles). Headless Chromium has no colour emoji
font on Debian unless `fonts-noto-color-emoji` is installed; `--emoji-font DIR` points
Chromium, and only it, at a folder holding such a font (e.g. the package's files unpacked
with `apt-get download fonts-noto-color-emoji && dpkg-deb -x ...`).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import socket
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
COORDINATOR, REPORTER = 201, 101
PLACES = (
    "BA-BAT-AKS",
    "BA-BAT-AKT",
    "BA-BAT-KSH",
    "BA-LEI-BES",
    "BA-LEI-AKS",
    "BA-KAD-AIR",
    "BA-BAT",
    "BA-KAD",
)
RESOURCES = (
    "water",
    "water",
    "water",
    "pasture",
    "pasture",
    "arable_land",
    "forest",
    "infrastructure",
)
EVENTS = ("tension", "verbal_dispute", "verbal_dispute", "blockade", "protest", "agreement")
NOW = datetime(2026, 6, 15, 6, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def photo() -> bytes:
    """A small picture of a canal between fields: sky, hills, fields, water."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 420), (150, 196, 232))
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [(0, 210), (160, 120), (330, 200), (470, 110), (640, 190), (640, 260), (0, 260)],
        fill=(120, 130, 110),
    )
    draw.rectangle([0, 250, 640, 420], fill=(150, 170, 70))
    draw.polygon([(270, 420), (330, 250), (350, 250), (390, 420)], fill=(70, 120, 170))
    for x in range(0, 640, 48):
        draw.line([(x, 300), (x + 30, 300)], fill=(120, 140, 50), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def seed(kernel: Any, server: Any) -> int:
    """Reports of Batken oblast; the number of the one with a photo and a voice note."""
    from storage.incidents import IncidentAttachmentRepository, IncidentRepository
    from tests.coordinator_steps import add_incident, add_person, add_update, grant

    db = kernel.db
    await add_person(db, REPORTER, "Айгүл", language="ky")
    await add_person(db, COORDINATOR, "Бермет", kind="coordinator", place=None, language="ky")
    await grant(db, COORDINATOR, "place", "BA")
    rng = random.Random(7)
    gazetteer = kernel.gazetteer
    shown = 0
    for index in range(42):
        place = PLACES[index % len(PLACES)]
        found = gazetteer.locate(place)
        pin: dict[str, Any] = {}
        if found is not None and rng.random() < 0.6:
            pin = {
                "latitude": found.lat + rng.uniform(-0.06, 0.06),
                "longitude": found.lon + rng.uniform(-0.06, 0.06),
            }
        event = rng.choice(EVENTS)
        number = await add_incident(
            db,
            reporter_id=REPORTER,
            pseudonym="P-DEMO",
            place=place,
            received_at=NOW - timedelta(days=rng.randint(3, 80)),
            resource=rng.choice(RESOURCES),
            sub_event_type=event,
            urgent=event == "blockade",
            anonymous=rng.random() < 0.3,
            notes="Суу графиги боюнча эки айылдын ортосунда талаш чыкты; аксакалдар сүйлөштү.",
            location="Кара-Суу",
            **pin,
        )
        if index == 0:
            shown = number
            await add_update(
                db,
                number,
                author_id=REPORTER,
                text="Аксакалдар кеңешинде суу графиги бекитилди.",
                at=NOW - timedelta(days=2),
            )
            async with db.transaction() as conn:
                await IncidentAttachmentRepository(conn).add(
                    incident_id=number,
                    update_id=None,
                    files=[
                        {
                            "type": "photo",
                            "file_id": server.keep_file("photo", photo(), "p.jpg", "image/jpeg"),
                        },
                        {
                            "type": "voice",
                            "file_id": server.keep_file(
                                "voice", b"OggS" + bytes(64), "v.ogg", "audio/ogg"
                            ),
                            "duration": 12,
                        },
                    ],
                )
        elif rng.random() < 0.4:
            async with db.transaction() as conn:
                await IncidentRepository(conn).set_review_status(
                    incident_id=number, expected=("pending",), to="verified"
                )
    return shown


async def shoot(out: Path, emoji_fonts: Path | None) -> list[Path]:
    from playwright.async_api import ViewportSize, async_playwright

    from bot.localapi import LocalBotApi
    from bot.rules.dashboard import DashboardRules
    from bot.wiring import dashboard
    from tests.harness import make_settings, running_bot
    from web.server import serve

    made: list[Path] = []
    env: dict[str, str | float | bool] = dict(os.environ)
    if emoji_fonts is not None:
        env["FONTCONFIG_FILE"] = str(fontconfig(emoji_fonts))
    with tempfile.TemporaryDirectory() as tmp:
        server = LocalBotApi()
        await server.start()
        port = free_port()
        settings = make_settings(
            Path(tmp) / "demo.db",
            server,
            AYILBOT_WEB_PORT=str(port),
            AYILBOT_TILE_URL=f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png",
        )
        try:
            async with running_bot(settings) as app:
                kernel = app.bot_data.kernel
                number = await seed(kernel, server)
                runner = await serve(dashboard(app), "127.0.0.1", port)
                base = f"http://127.0.0.1:{port}"
                try:
                    async with async_playwright() as playwright:
                        browser = await playwright.chromium.launch(
                            executable_path="/usr/bin/chromium",
                            args=[
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--force-color-profile=srgb",
                            ],
                            env=env,
                        )
                        for language in ("ky", "ru"):
                            for name, size, path in (
                                ("map", ViewportSize(width=1200, height=860), "/map"),
                                (
                                    "report",
                                    ViewportSize(width=1000, height=1250),
                                    f"/reports/{number}",
                                ),
                                ("phone", ViewportSize(width=390, height=800), "/map"),
                            ):
                                if name == "phone" and language == "ru":
                                    continue
                                context = await browser.new_context(
                                    viewport=size, device_scale_factor=1
                                )
                                page = await context.new_page()
                                rules = kernel.get(DashboardRules)
                                link = await rules.login_link(
                                    await kernel.actors.of_user(COORDINATOR)
                                )
                                await page.goto(link.url)
                                await page.click("button[type=submit]")
                                await page.wait_for_url("**/map")
                                await page.goto(f"{base}/language/{language}?next={path}")
                                if path == "/map":
                                    await page.wait_for_function(
                                        "() => document.body.dataset.state === 'ready'"
                                    )
                                else:
                                    await page.wait_for_function(
                                        "() => { const i = document.querySelector('.files img');"
                                        " return i && i.complete && i.naturalWidth > 0; }"
                                    )
                                target = out / f"dashboard-{name}-{language}.png"
                                await page.screenshot(path=str(target), full_page=name == "report")
                                made.append(target)
                                await context.close()
                        await browser.close()
                finally:
                    await runner.cleanup()
        finally:
            await server.stop()
    return made


def fontconfig(fonts: Path) -> Path:
    """A fontconfig file: the system's fonts and those in `fonts`."""
    path = Path(tempfile.mkstemp(suffix=".conf")[1])
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{fonts}</dir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tools.dashboard_screenshots")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--emoji-font", type=Path, help="a folder with a colour emoji font")
    args = parser.parse_args()
    for path in asyncio.run(shoot(args.out, args.emoji_font)):
        print(path)
