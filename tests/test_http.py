"""The aiohttp transport keeps PTB's behaviour: files, timeouts, network errors."""

from __future__ import annotations

import io
import json
import logging
import traceback

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.localapi import LocalBotApi
from bot.logs import configure, token_secrets
from handlers.plumbing.http import AiohttpRequest
from tests.conftest import PersonFactory
from tests.harness import onboard


async def make_bot(server: LocalBotApi, read_timeout: float = 5.0) -> Bot:
    bot = Bot(
        server.token,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=AiohttpRequest(read_timeout=read_timeout),
        get_updates_request=AiohttpRequest(),
    )
    await bot.initialize()
    return bot


async def test_documents_go_up_as_multipart(server: LocalBotApi) -> None:
    user = server.user(501, "Айбек")
    bot = await make_bot(server)
    try:
        sent = await bot.send_document(
            user.id,
            b"\x00binary\xff",
            filename="report.xlsx",
            caption="<b>ok</b>",
            parse_mode="HTML",
        )
        assert sent.document is not None and sent.document.file_name == "report.xlsx"
        message = await server.next_message(user)
        assert message.document == b"\x00binary\xff" and message.text == "<b>ok</b>"
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(user.id, "a <b> b", parse_mode="HTML")
    finally:
        await bot.shutdown()


async def test_keyboards_telegram_echoes_back_are_not_parsed(server: LocalBotApi) -> None:
    # PTB would build an object per button of every echoed keyboard; the bot reads none of them.
    user = server.user(503, "Айбек")
    bot = await make_bot(server)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Суу", callback_data="inc:t:water")]])
    try:
        sent = await bot.send_message(user.id, "Эмне болду?", reply_markup=keyboard)
        assert sent.message_id and sent.text == "Эмне болду?"
        assert sent.reply_markup is None
        shown = await server.next_message(user)
        assert shown.flat_buttons == [("Суу", "inc:t:water")]  # the keyboard went out whole
        await server.press_button(user, "Суу", message=shown)
        (update,) = await bot.get_updates(timeout=0)
        query = update.callback_query
        assert query is not None and query.data == "inc:t:water"
        assert isinstance(query.message, Message) and query.message.message_id == sent.message_id
        assert query.message.reply_markup is None
    finally:
        await bot.shutdown()


async def test_a_late_answer_is_a_timeout(server: LocalBotApi) -> None:
    user = server.user(502, "Айбек")
    server.inject_fault("sendMessage", kind="timeout", hold_s=1.0)
    bot = await make_bot(server, read_timeout=0.2)
    try:
        with pytest.raises(TimedOut):
            await bot.send_message(user.id, "hello")
    finally:
        await bot.shutdown()


async def test_no_server_is_a_network_error() -> None:
    bot = Bot(
        "1:x",
        base_url="http://127.0.0.1:9/bot",
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(),
    )
    with pytest.raises(NetworkError):
        await bot.initialize()


async def test_mydata_file_reaches_the_person(
    bot: object, person: PersonFactory, server: LocalBotApi
) -> None:
    aigul = person(503, "ru", first_name="Айгүл", username="aigul_k")
    await onboard(aigul, language="Русский")
    await server.send_text(aigul.user, "/mydata")
    sent = await aigul.reply()
    assert sent.kind == "document" and sent.filename == "mydata.json"
    assert sent.document is not None
    data = json.loads(sent.document)
    assert data["profile"]["first_name"] == "Айгүл" and data["profile"]["language"] == "ru"


async def test_a_redirect_loop_leaves_no_token_in_the_error_or_the_log() -> None:
    token = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    hits = 0

    async def loop(request: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        raise web.HTTPFound(str(request.rel_url))  # to itself, for ever

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", loop)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    out = io.StringIO()
    handler = configure(stream=out, secrets=token_secrets(token))
    bot = Bot(
        token,
        base_url=f"http://127.0.0.1:{port}/bot",
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(),
    )
    log = logging.getLogger("bot.test")
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.initialize()
        assert hits > 1  # it did follow the redirects
        shown = "".join(traceback.format_exception(caught.value))
        assert "TooManyRedirects" in shown and f"127.0.0.1:{port}" in shown
        # Whatever else prints the address: a message, an argument, another library's error.
        try:
            raise RuntimeError(f"GET http://127.0.0.1:{port}/bot{token}/getMe failed")
        except RuntimeError:
            log.exception("start-up failed for %s", token)
        log.error("giving up on %s", f"/bot{token}/getMe")
        logged = out.getvalue()
        assert "start-up failed" in logged and "RuntimeError: GET" in logged
        for text in (shown, logged):
            assert token not in text and token.split(":")[1] not in text
    finally:
        logging.getLogger().removeHandler(handler)
        await bot.shutdown()
        await runner.cleanup()
