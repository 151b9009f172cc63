"""Webhook mode: updates POSTed by Telegram with the secret header are handled."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram import Message, Update
from telegram.ext import ApplicationBuilder

from bot.localapi import LocalBotApi
from bot.wiring import (
    ALLOWED_UPDATES,
    build_application,
    initialize_application,
    shutdown_application,
    webhook_secret,
)
from handlers.plumbing.webhook import webhook_route
from tests.harness import TOKEN, make_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_update_is_answered_and_forgeries_are_refused(
    tmp_path: Path, server: LocalBotApi
) -> None:
    user = server.user(1101, "Айбек", language_code="ru")
    port = free_port()
    app = build_application(make_settings(tmp_path / "w.db", server))
    await initialize_application(app)
    await app.start()
    assert app.updater is not None
    url = f"http://127.0.0.1:{port}/hook"
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=url,
        secret_token=webhook_secret(TOKEN),
        allowed_updates=ALLOWED_UPDATES,
    )
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1101, "type": "private"},
            "from": {"id": 1101, "is_bot": False, "first_name": "Айбек", "language_code": "ru"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    try:
        assert server.webhook_url == url
        async with aiohttp.ClientSession() as http:
            forged = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            assert forged.status == 403
            sent = await http.post(
                url,
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": webhook_secret(TOKEN)},
            )
            assert sent.status == 200
        answer = await server.next_message(user)
        assert "/menu" in answer.text
    finally:
        await app.updater.stop()
        await app.stop()
        await shutdown_application(app)


async def test_the_dashboards_webhook_route_drops_echoed_keyboards_as_polling_does() -> None:
    app = ApplicationBuilder().token(TOKEN).updater(None).build()
    web_app = web.Application()
    web_app.router.add_post("/hook", webhook_route(app, "s3cret"))
    pressed = {
        "update_id": 7,
        "callback_query": {
            "id": "q1",
            "chat_instance": "c",
            "data": "inc:t:water",
            "from": {"id": 1102, "is_bot": False, "first_name": "Айгүл"},
            "message": {
                "message_id": 3,
                "date": 0,
                "chat": {"id": 1102, "type": "private"},
                "text": "Эмне болду?",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "Суу", "callback_data": "inc:t:water"}]]
                },
            },
        },
    }
    async with TestClient(TestServer(web_app)) as client:
        answer = await client.post(
            "/hook", json=pressed, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        )
        assert answer.status == 200
    update = app.update_queue.get_nowait()
    assert isinstance(update, Update)
    assert update.callback_query is not None and update.callback_query.data == "inc:t:water"
    message = update.callback_query.message
    assert isinstance(message, Message) and message.text == "Эмне болду?"
    assert message.reply_markup is None
