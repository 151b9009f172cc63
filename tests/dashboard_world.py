"""A running bot with its dashboard, and the Batken and Chui records the dashboard tests read.

The bot runs against the local Bot API server exactly as in the chat tests; the dashboard is
the web application `ayilbot run` serves (`bot.wiring.dashboard`), on a port of its own.
People and reports are stored directly (tests/coordinator_steps.py); photos and voice notes
are files the local server holds, so the dashboard fetches them through getFile as it does
from Telegram.
"""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.core.kernel import Kernel
from bot.localapi import LocalBotApi
from bot.rules.dashboard import DashboardRules
from bot.wiring import AyilApp, dashboard
from storage.incidents import IncidentAttachmentRepository, IncidentRepository
from tests.coordinator_steps import T0, add_incident, add_need, add_person, grant
from tests.harness import make_settings, running_bot
from web.server import serve

REPORTER, CHUI_REPORTER = 101, 102
BATKEN, CHUI, REPORTER_ONLY, ADMIN = 201, 204, 301, 9000


def photo_bytes() -> bytes:
    """A small real JPEG: the browser must decode it (naturalWidth > 0), not only fetch it."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (190, 40, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


VOICE = b"OggS\x00\x02" + bytes(40)


def free_port() -> int:
    """A local port where nothing listens yet."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Seeded:
    """The stored reports, by region, with what the filters test: an independent count."""

    batken: dict[int, dict[str, Any]] = field(default_factory=dict)
    chui: dict[int, dict[str, Any]] = field(default_factory=dict)
    with_photo: int = 0
    anonymous: int = 0

    def batken_with(self, **wanted: Any) -> list[int]:
        """Batken's report numbers whose seeded values match."""
        return sorted(
            n for n, v in self.batken.items() if all(v.get(k) == w for k, w in wanted.items())
        )


@dataclass
class DashboardSite:
    """The bot, its dashboard's address and what was stored."""

    server: LocalBotApi
    app: AyilApp
    url: str
    seeded: Seeded
    tiles: str

    @property
    def kernel(self) -> Kernel:
        return self.app.bot_data.kernel

    async def login_link(self, user_id: int) -> str:
        """A one-time login link for a person, as /dashboard's button makes it."""
        actor = await self.kernel.actors.of_user(user_id)
        return (await self.kernel.get(DashboardRules).login_link(actor)).url


async def seed(site_kernel: Kernel, server: LocalBotApi, *, days_back: int = 0) -> Seeded:
    """Batken's reports (pins, places, rayon only, anonymous, a photo), Chui's, needs."""
    db = site_kernel.db
    await add_person(db, REPORTER, "Айгүл", language="ky")
    await add_person(db, CHUI_REPORTER, "Нургүл", place="CH-MOS-AKS", language="ru")
    await add_person(db, REPORTER_ONLY, "Бакыт", language="ru")
    await add_person(db, BATKEN, "Батма", kind="coordinator", place=None, language="ru")
    await add_person(db, CHUI, "Чынара", kind="coordinator", place=None, language="ru")
    await add_person(db, ADMIN, "Admin", place=None, language="en")
    await grant(db, BATKEN, "place", "BA")
    await grant(db, CHUI, "place", "CH")
    seeded = Seeded()
    when = T0 - timedelta(days=days_back)
    batken: list[dict[str, Any]] = [
        {"place": "BA-BAT-AKS", "resource": "water", "latitude": 39.87712, "longitude": 70.52871},
        {"place": "BA-BAT-AKS", "resource": "pasture", "anonymous": True},
        {"place": "BA-BAT-AKT", "resource": "water"},
        {
            "place": "BA-LEI-BES",
            "resource": "arable_land",
            "latitude": 40.0311,
            "longitude": 69.8203,
        },
        {"place": "BA-BAT", "resource": "forest"},
        {"place": "BA-KAD-AIR", "resource": "water", "urgent": True, "sub_event_type": "blockade"},
        {"place": "BA-LEI-AKS", "resource": "pasture", "review_status": "verified"},
    ]
    chui: list[dict[str, Any]] = [
        {"place": "CH-MOS-AKS", "resource": "water"},
        {"place": "CH-MOS-AKS", "resource": "pasture", "latitude": 42.70, "longitude": 74.03},
        {"place": "CH-ALA-AKD", "resource": "water"},
    ]
    photo = server.keep_file("photo", photo_bytes(), "photo.jpg", "image/jpeg")
    voice = server.keep_file("voice", VOICE, "voice.ogg", "audio/ogg")
    for index, values in enumerate(batken):
        stored = {k: v for k, v in values.items() if k != "review_status"}
        number = await add_incident(
            db, reporter_id=REPORTER, pseudonym="P-SECRET", received_at=when, **stored
        )
        seeded.batken[number] = {"review_status": "pending", **values}
        if "review_status" in values:
            await _review(site_kernel, number, values["review_status"])
        if index == 0:
            seeded.with_photo = number
            await _attach(site_kernel, number, photo, voice)
        if values.get("anonymous"):
            seeded.anonymous = number
    for values in chui:
        number = await add_incident(db, reporter_id=CHUI_REPORTER, received_at=when, **values)
        seeded.chui[number] = values
    await add_need(db, author_id=REPORTER, place="BA-BAT-AKS")
    await add_need(db, author_id=CHUI_REPORTER, place="CH-MOS-AKS")
    return seeded


async def _review(kernel: Kernel, number: int, status: str) -> None:
    async with kernel.db.transaction() as conn:
        await IncidentRepository(conn).set_review_status(
            incident_id=number, expected=("pending",), to=status
        )


async def _attach(kernel: Kernel, number: int, photo: str, voice: str) -> None:
    async with kernel.db.transaction() as conn:
        await IncidentAttachmentRepository(conn).add(
            incident_id=number,
            update_id=None,
            files=[
                {"type": "photo", "file_id": photo},
                {"type": "voice", "file_id": voice, "duration": 3},
            ],
        )


@asynccontextmanager
async def running_dashboard(
    tmp_path: Path, *, clock: Clock | None = None, **settings: Any
) -> AsyncIterator[DashboardSite]:
    """The local server, the bot, its dashboard on a free port, and the seeded records."""
    server = LocalBotApi()
    await server.start()
    port = free_port()
    tiles = f"http://127.0.0.1:{free_port()}"  # nothing listens: no tiles, as offline
    values: dict[str, Any] = {
        "AYILBOT_ADMIN_IDS": str(ADMIN),
        "AYILBOT_WEB_PORT": str(port),
        "AYILBOT_TILE_URL": tiles + "/{z}/{x}/{y}.png",
        **settings,
    }
    try:
        async with running_bot(
            make_settings(tmp_path / "dash.db", server, **values), clock=clock
        ) as app:
            seeded = await seed(app.bot_data.kernel, server)
            runner = await serve(dashboard(app), "127.0.0.1", port)
            try:
                yield DashboardSite(server, app, f"http://127.0.0.1:{port}", seeded, tiles)
            finally:
                await runner.cleanup()
    finally:
        await server.stop()
