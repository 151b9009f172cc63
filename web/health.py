"""GET /healthz: the checks of `ayilbot health` as JSON, 200 when healthy, 503 when not.

The web server that mounts it arrives with the dashboard; `add_routes(app, settings)` is all
it needs. The checks open their own short-lived SQLite connection in a thread, so a probe
never waits on the bot's writer and never blocks the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime

from aiohttp import web

from bot.config import Settings
from bot.health import check_all

PATH = "/healthz"


def healthz(settings: Settings) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The handler for GET /healthz."""

    async def handler(request: web.Request) -> web.Response:
        checks = await asyncio.to_thread(check_all, settings, datetime.now(UTC))
        healthy = all(check.ok for check in checks)
        body = {"healthy": healthy, "checks": [asdict(check) for check in checks]}
        return web.json_response(body, status=200 if healthy else 503)

    return handler


def add_routes(app: web.Application, settings: Settings) -> None:
    """Mount GET /healthz on an aiohttp application."""
    app.router.add_get(PATH, healthz(settings))
