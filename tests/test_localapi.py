"""The local Bot API server, driven by a real python-telegram-bot Application over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import html
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonDefault,
    MenuButtonWebApp,
    ReplyParameters,
    Update,
    WebAppInfo,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.localapi import FakeUser, LocalBotApi
from bot.localapi.html_check import HtmlParseError, check_html, html_error, parse_html

# RetryAfter's constructor itself reads its deprecated int `retry_after` (PTB 22.2+).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Ооба", callback_data="yes"),
            InlineKeyboardButton("Жок", callback_data="no"),
        ]
    ]
)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    context.bot_data.setdefault("seen", []).append(update.update_id)
    text = html.escape(update.effective_message.text)
    await update.effective_message.reply_text(
        f"<b>echo:</b> {text}", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"started {' '.join(context.args or [])}".strip())


async def _doc(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await context.bot.send_document(
        update.effective_chat.id, b"a,b\n1,2\n", filename="report.csv", caption="Отчёт"
    )


async def _photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    file = await message.photo[-1].get_file()
    data = await file.download_as_bytearray()
    digest = hashlib.sha256(data).hexdigest()[:12]
    await message.reply_text(f"photo {len(data)} {digest} {message.caption}")


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("ok")
    await query.edit_message_text(f"chose {query.data}")


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    server = LocalBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def app(api: LocalBotApi) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CommandHandler("doc", _doc))
    application.add_handler(MessageHandler(filters.PHOTO, _photo))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    application.add_handler(CallbackQueryHandler(_button))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


@pytest.fixture
def user(api: LocalBotApi) -> FakeUser:
    return api.user(1001, "Айбек", username="aibek")


# ---------------------------------------------------------------- html_check


@pytest.mark.parametrize(
    "markup",
    [
        "plain",
        "&amp; &lt;b&gt; &quot; &#1256; &#x4E9;",
        "<b>x</b> <strong>y</strong> <i>i</i><em>e</em><u>u</u><ins>n</ins>",
        "<s>s</s><strike>t</strike><del>d</del><tg-spoiler>p</tg-spoiler>",
        '<span class="tg-spoiler">p</span><a href="https://example.org/?a=1&amp;b=2">a</a>',
        '<pre><code class="language-python">x = 1 &lt; 2</code></pre><code>c</code>',
        "<blockquote expandable>q</blockquote><blockquote>r</blockquote>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "<b>bold <i>both</i></b> a > b",
    ],
)
def test_html_check_accepts_telegram_html(markup: str) -> None:
    assert html_error(markup) is None


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("&foo;", "Unsupported HTML entity"),
        ("fish & chips", 'Character "&" must be escaped'),
        ("&amp", 'Character "&" must be escaped'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("close</b>", "Unexpected end tag at byte offset 5"),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("Айбек <3 баарыңар", 'Unsupported start tag "3" at byte offset 11'),
        ("Айбек <3", "Unclosed start tag at byte offset 11"),
        ("&#xD800;", "invalid Unicode characters"),
    ],
)
def test_html_check_rejects_like_telegram(markup: str, reason: str) -> None:
    with pytest.raises(HtmlParseError) as exc:
        check_html(markup)
    assert reason in str(exc.value)


def test_parse_html_gives_text_and_utf16_entities() -> None:
    parsed = parse_html("😀 <b>Саламатсызбы</b> &lt;3")
    assert parsed.text == "😀 Саламатсызбы <3"
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 12}]
    check_html(html.escape("a < b & <script>"))


# ---------------------------------------------------------------- bot over HTTP


async def test_get_me(app: Application, api: LocalBotApi) -> None:  # type: ignore[type-arg]
    me = await app.bot.get_me()
    assert me.is_bot and me.username == api.bot_username and me.id == 123456
    assert me.can_join_groups is True
    assert api.calls_of("getMe")


async def test_text_is_echoed_with_escaped_html_and_buttons(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    await api.send_text(user, "a < b & c")
    reply = await api.next_message(user)
    assert reply.text == "<b>echo:</b> a &lt; b &amp; c"
    assert reply.plain_text == "echo: a < b & c"
    assert reply.raw["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert reply.buttons == [[("Ооба", "yes"), ("Жок", "no")]]
    assert reply.flat_buttons[1] == ("Жок", "no")
    assert reply.message_id == 2  # the user's message took id 1 in this chat
    assert api.sent_count() == 1


async def test_command_gets_bot_command_entity(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    update_id = await api.send_text(user, f"/start@{api.bot_username} ref42")
    assert await api.next_text(user) == "started ref42"
    await api.send_text(user, "/start")
    assert await api.next_text(user) == "started"
    delivered = api._delivered[update_id]["message"]
    assert delivered["entities"] == [
        {"type": "bot_command", "offset": 0, "length": len(f"/start@{api.bot_username}")}
    ]


async def test_button_press_is_answered_and_edit_is_an_event(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    await api.send_text(user, "hi")
    first = await api.next_message(user)
    query_id = await api.press_button(user, "Жо")  # substring match
    edit = await api.next_message(user)
    assert (await api.wait_callback_answer(query_id))["text"] == "ok"
    assert edit.message_id == first.message_id and edit.edited
    assert edit.text == "chose no" and edit.buttons == []  # an edit without markup drops it
    assert first.buttons and not first.edited  # the earlier snapshot is unchanged
    assert [m.text for m in api.messages(user)] == ["chose no"]
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        await api.press_button(user, "Ооба")


async def test_press_button_lists_buttons_when_not_found(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    await api.send_text(user, "hi")
    await api.next_message(user)
    with pytest.raises(AssertionError, match=r"no button matches.*Ооба"):
        await api.press_button(user, "Maybe")
    query_id = await api.press_button(user, index=0)
    assert (await api.next_message(user)).text == "chose yes"
    await api.wait_callback_answer(query_id)


async def test_text_limits_and_edit_errors(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    bot = app.bot
    await bot.send_message(user.id, "x" * 4096)
    await bot.send_message(user.id, f"<b>{'x' * 4096}</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.id, "  ")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(user.id, b"d", filename="d.txt", caption="c" * 1025)
    sent = await bot.send_message(user.id, "same", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", user.id, sent.message_id, reply_markup=KEYBOARD)
    await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("new", user.id, 999)
    assert await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    assert api.messages(user)[-1].deleted
    assert [e.method for e in api.drain(user)][-2:] == ["sendMessage", "editMessageReplyMarkup"]


async def test_reply_to_needs_an_existing_message(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    group = api.group(-100321, "Топ")
    await api.send_text(user, "/start", chat=group)
    assert await api.next_text(group) == "started"
    reply = await app.bot.send_message(group.id, "ok", reply_parameters=ReplyParameters(1))
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "/start"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await app.bot.send_message(group.id, "x", reply_parameters=ReplyParameters(99))


async def test_bad_html_is_rejected(
    app: Application,  # type: ignore[type-arg]
    user: FakeUser,
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unsupported start tag"):
        await app.bot.send_message(user.id, "1 < 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unmatched end tag"):
        await app.bot.send_message(user.id, "<b>x</i>", parse_mode=ParseMode.HTML)


async def test_callback_data_over_64_bytes_is_rejected(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="я" * 32)]])
    await app.bot.send_message(user.id, "64 bytes", reply_markup=ok)
    bad = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="a" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await app.bot.send_message(user.id, "65 bytes", reply_markup=bad)
    assert api.calls[-1].description == "Bad Request: BUTTON_DATA_INVALID"


async def test_user_photo_is_downloaded_by_the_bot(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    data = b"\xff\xd8" + bytes(range(256)) * 40 + b"\xff\xd9"
    update_id = await api.send_photo(user, data, caption="field")
    digest = hashlib.sha256(data).hexdigest()[:12]
    assert await api.next_text(user) == f"photo {len(data)} {digest} field"
    sizes = api._delivered[update_id]["message"]["photo"]
    assert len({s["file_unique_id"] for s in sizes}) == 3
    assert api.calls_of("getFile")[0].params["file_id"] == sizes[-1]["file_id"]


async def test_document_sent_by_the_bot_is_readable(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    await api.send_text(user, "/doc")
    message = await api.next_message(user)
    assert message.kind == "document" and message.document == b"a,b\n1,2\n"
    assert message.filename == "report.csv" and message.mime_type == "text/csv"
    assert message.text == "Отчёт"
    file_id = message.raw["document"]["file_id"]
    again = await app.bot.send_document(user.id, file_id)  # a known file_id is accepted
    assert (await api.next_message(user)).document == b"a,b\n1,2\n"
    assert again.document is not None and again.document.file_name == "report.csv"


async def test_redeliver_gives_the_same_update_twice(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    update_id = await api.send_text(user, "once")
    await api.next_message(user)
    await api.wait_for(lambda: api.pending_updates() == 0)
    api.redeliver(update_id)
    await api.next_message(user)
    assert app.bot_data["seen"] == [update_id, update_id]
    await api.wait_idle()


async def test_injected_429_raises_retry_after(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    api.inject_fault("sendMessage", kind="429", retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3"):
        await app.bot.send_message(user.id, "x")
    await app.bot.send_message(user.id, "x")  # count=1: the next call passes
    assert [c.status for c in api.calls_of("sendMessage")] == [429, 200]
    assert api.faults_fired == 1 and api.too_many_requests == 0


async def test_timeout_fault_delivers_but_answers_late(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    api.inject_fault(None, kind="timeout", hold_s=0.5)
    with pytest.raises(TimedOut):
        await app.bot.send_message(user.id, "maybe", read_timeout=0.1)
    assert (await api.next_message(user)).text == "maybe"  # the send took effect


async def test_random_faults_are_seeded_and_can_be_turned_off(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    api.random_faults(1.0, kinds=["500"], seed=7)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await app.bot.send_message(user.id, "x")
    api.random_faults(0)
    await app.bot.send_message(user.id, "x")
    assert [c.status for c in api.calls_of("sendMessage")] == [500, 200]


async def test_strict_limits_answer_429_beyond_30_per_second(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
) -> None:
    api.strict_limits = True
    users = [api.user(2000 + i) for i in range(35)]
    for u in users[:30]:
        await app.bot.send_message(u.id, "broadcast")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(users[30].id, "broadcast")
    assert api.too_many_requests == 1 and api.sent_count() == 30


async def test_strict_limits_per_group_and_private_burst(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    api.strict_limits = True
    api.global_limit_per_s = 1000
    group = api.group(-100123, "Айыл")
    for _ in range(20):
        await app.bot.send_message(group.id, "g")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(group.id, "g")
    for _ in range(api.private_burst):
        await app.bot.send_message(user.id, "p")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(user.id, "p")
    assert api.too_many_requests == 2


async def test_latency_is_modelled(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
) -> None:
    api.latency_ms = 80
    started = time.perf_counter()
    await app.bot.get_me()
    assert time.perf_counter() - started >= 0.07


async def test_blocked_user_gives_forbidden(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    api.block(user)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(user.id, "x")
    api.unblock(user)
    await app.bot.send_message(user.id, "x")


async def test_unknown_method_chat_and_token(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
) -> None:
    with pytest.raises(EndPointNotFound):
        await app.bot.do_api_request("noSuchMethod")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await app.bot.send_message(42, "x")
    stranger = Bot("999:WRONG", base_url=api.base_url, base_file_url=api.base_file_url)
    with pytest.raises(InvalidToken):
        await stranger.get_me()
    await stranger.shutdown()


async def test_group_member_and_chat_lookup(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    group = api.group(-100555, "Кеңеш")
    assert (await app.bot.get_chat_member(group.id, user.id)).status == "left"
    api.set_member_status(group, user, "administrator")
    assert (await app.bot.get_chat_member(group.id, user.id)).status == "administrator"
    chat = await app.bot.get_chat(group.id)
    assert chat.title == "Кеңеш" and chat.type == "supergroup"


# ---------------------------------------------------------------- raw HTTP


async def test_get_updates_long_poll_wakes_and_offset_confirms(api: LocalBotApi) -> None:
    user = api.user(7)
    url = f"{api.base_url}{api.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        poll = asyncio.create_task(session.post(url, json={"timeout": 10}))
        await asyncio.sleep(0.05)
        first = await api.send_text(user, "wake")
        async with await poll as response:
            body = await response.json()
        assert time.perf_counter() - started < 5  # woken by the update, not the 10 s timeout
        assert [u["update_id"] for u in body["result"]] == [first]
        second = await api.send_text(user, "next")
        async with session.post(url, data={"offset": str(first + 1), "timeout": "0"}) as response:
            body = await response.json()
        assert [u["update_id"] for u in body["result"]] == [second]
        assert api.pending_updates() == 1


async def test_a_newer_long_poll_ends_the_older_with_conflict(api: LocalBotApi) -> None:
    url = f"{api.base_url}{api.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        older = asyncio.create_task(session.post(url, json={"timeout": 10}))
        await asyncio.sleep(0.05)
        async with session.post(url, data={"timeout": "0"}) as response:
            assert response.status == 200
        async with await older as response:
            body = await response.json()
        assert response.status == 409 and body["error_code"] == 409
        assert body["description"].startswith("Conflict: terminated by other getUpdates")


async def test_forward_and_copy_put_the_content_into_another_chat(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    group = api.group(-100777, "Модераторлор")
    await api.send_document(user, b"%PDF-1.4", "act.pdf", "application/pdf")
    await api.wait_idle()
    forwarded = await app.bot.forward_message(group.id, user.id, 1)
    copied = await app.bot.copy_message(
        group.id, user.id, 1, caption="<i>копия</i>", parse_mode=ParseMode.HTML
    )
    first, second = await api.next_message(group), await api.next_message(group)
    assert forwarded.forward_origin is not None and first.document == b"%PDF-1.4"
    assert second.message_id == copied.message_id and second.plain_text == "копия"
    assert second.filename == "act.pdf"


# ---------------------------------------------------------------- Mini App buttons


def _open_dashboard(url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Дашборд", web_app=WebAppInfo(url))]])


async def test_web_app_buttons_open_https_or_loopback_in_private_chats_only(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    for url in ("https://dash.example.org/app", "http://127.0.0.1:8080/app"):
        await app.bot.send_message(user.id, "open", reply_markup=_open_dashboard(url))
        sent = await api.next_message(user)
        assert sent.reply_markup == {
            "inline_keyboard": [[{"text": "Дашборд", "web_app": {"url": url}}]]
        }
    with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
        await app.bot.send_message(
            user.id, "open", reply_markup=_open_dashboard("http://dash.example.org/app")
        )
    group = api.group(-100900, "Кеңеш")
    with pytest.raises(BadRequest, match=r"(?i)button_type_invalid"):
        await app.bot.send_message(
            group.id, "open", reply_markup=_open_dashboard("https://dash.example.org/app")
        )
    assert api.drain(group) == [] and api.drain(user) == []


async def test_web_app_menu_button_is_recorded_per_chat_and_as_default(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotApi,
    user: FakeUser,
) -> None:
    other = api.user(1002, "Сезим")
    mine = MenuButtonWebApp("Карта", WebAppInfo("http://localhost:8080/"))
    everyone = MenuButtonWebApp("Dashboard", WebAppInfo("https://dash.example.org/"))
    assert await app.bot.set_chat_menu_button(chat_id=user.id, menu_button=mine)
    assert api.menu_buttons[user.id] == {
        "type": "web_app",
        "text": "Карта",
        "web_app": {"url": "http://localhost:8080/"},
    }
    assert await app.bot.get_chat_menu_button(chat_id=other.id) == MenuButtonDefault()
    assert await app.bot.set_chat_menu_button(menu_button=everyone)
    assert await app.bot.get_chat_menu_button(chat_id=user.id) == mine
    assert await app.bot.get_chat_menu_button(chat_id=other.id) == everyone
    with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
        await app.bot.set_chat_menu_button(
            chat_id=other.id, menu_button=MenuButtonWebApp("x", WebAppInfo("http://x.example/"))
        )
    group = api.group(-100901, "Кеңеш")
    with pytest.raises(BadRequest, match=r"(?i)private chats only"):
        await app.bot.set_chat_menu_button(chat_id=group.id, menu_button=mine)
    assert set(api.menu_buttons) == {user.id, None}
