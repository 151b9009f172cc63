"""Telegram's webhook as a route of the dashboard's own web server (one port, one process).

PTB's `start_webhook` runs a Tornado server of its own on the webhook's port; the dashboard
needs an HTTP server too, and a reverse proxy in front of both is simpler with one. So in
webhook mode the bot serves `POST /<path>` on the dashboard's aiohttp application, checks the
secret header as PTB's handler does, and puts the update on the Application's queue, where
polling would have put it (python-telegram-bot's "custom webhook bot" example does the same).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from handlers.plumbing.http import forget_keyboards

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_route(
    app: Application[Any, Any, Any, Any, Any, Any], secret: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The handler for Telegram's POSTs: 403 without the secret, 400 for what is no update."""

    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            log.warning("webhook call without the secret refused")
            return web.Response(status=403)
        try:
            data = await request.json()
            forget_keyboards([data])  # as polling does
            update = Update.de_json(data, app.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        # Answered once queued, as PTB's own webhook handler does: a redelivery of the same
        # update is harmless (the forms record every update's key).
        await app.update_queue.put(update)
        return web.Response(status=200)

    return receive
