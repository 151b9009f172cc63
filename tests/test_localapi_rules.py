"""Telegram's validation rules in the local Bot API server, as plain functions: no HTTP."""

from __future__ import annotations

import json

import pytest

from bot.localapi import FakeChat
from bot.localapi.model import ApiError, ChatState
from bot.localapi.rules import (
    CALLBACK_DATA_LIMIT,
    TEXT_LIMIT,
    FloodLimits,
    check_button,
    check_commands,
    check_markup,
    check_menu_button,
    check_reachable,
    formatted,
    is_web_app_url,
)


def _private(chat_id: int = 1) -> ChatState:
    return ChatState.of(FakeChat(chat_id, "private", first_name="A"))


def _group(chat_id: int = -100) -> ChatState:
    return ChatState.of(FakeChat(chat_id, "supergroup", title="G"))


# ---------------------------------------------------------------- flood limits


def test_flood_limits_are_off_unless_strict() -> None:
    limits = FloodLimits()
    chat = _private()
    for _ in range(100):
        limits.admit(chat, now=0.0)
    assert limits.rejected == 0


def test_thirty_sends_a_second_overall_then_429_for_one_second() -> None:
    limits = FloodLimits(strict=True, private_burst=1000)
    chats = [_private(i) for i in range(31)]
    for chat in chats[:30]:
        limits.admit(chat, now=0.5)
    with pytest.raises(ApiError) as refused:
        limits.admit(chats[30], now=0.9)
    assert refused.value.code == 429 and refused.value.retry_after == 1
    assert refused.value.description == "Too Many Requests: retry after 1"
    limits.admit(chats[30], now=1.5)  # the first 30 left the one-second window
    assert limits.rejected == 1


def test_twenty_sends_a_minute_into_a_group_retry_after_counts_down() -> None:
    limits = FloodLimits(strict=True, global_per_s=1000)
    group = _group()
    for second in range(20):
        limits.admit(group, now=float(second))
    with pytest.raises(ApiError) as refused:
        limits.admit(group, now=30.0)
    assert refused.value.retry_after == 30  # the oldest send leaves the window at t=60
    limits.admit(group, now=60.0)
    assert limits.rejected == 1


def test_private_chat_is_a_token_bucket_burst_then_one_a_second() -> None:
    limits = FloodLimits(strict=True, private_burst=3, private_rate_per_s=1.0)
    chat, other = _private(1), _private(2)
    for _ in range(3):
        limits.admit(chat, now=0.0)
    with pytest.raises(ApiError) as refused:
        limits.admit(chat, now=0.0)
    assert refused.value.retry_after == 1
    limits.admit(other, now=0.0)  # another chat has its own bucket
    limits.admit(chat, now=1.0)  # one token back after a second
    with pytest.raises(ApiError):
        limits.admit(chat, now=1.0)
    assert limits.rejected == 2


def test_a_blocked_chat_refuses_messages_but_not_lookups() -> None:
    private, group = _private(), _group()
    private.blocked = group.blocked = True
    with pytest.raises(ApiError, match="bot was blocked by the user") as refused:
        check_reachable(private, "sendMessage")
    assert refused.value.code == 403
    with pytest.raises(ApiError, match="bot was kicked from the supergroup chat"):
        check_reachable(group, "editMessageText")
    check_reachable(private, "getChat")
    private.blocked = False
    check_reachable(private, "sendMessage")


# ---------------------------------------------------------------- text


def test_text_limit_counts_the_text_after_html_parsing() -> None:
    shown = "ө" * TEXT_LIMIT
    plain, mode, entities = formatted(
        {"text": f"<b>{shown}</b>", "parse_mode": "HTML"},
        "text",
        limit=TEXT_LIMIT,
        too_long="message is too long",
        required=True,
    )
    assert plain == shown and mode == "HTML"
    assert entities == [{"type": "bold", "offset": 0, "length": TEXT_LIMIT}]
    with pytest.raises(ApiError, match="message is too long"):
        formatted(
            {"text": shown + "!"},
            "text",
            limit=TEXT_LIMIT,
            too_long="message is too long",
            required=True,
        )


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({}, "message text is empty"),
        ({"text": "<b> </b>", "parse_mode": "HTML"}, "message text is empty"),
        ({"text": "<b>x", "parse_mode": "HTML"}, "can't parse entities"),
        ({"text": "x", "parse_mode": "BBCode"}, "unsupported parse_mode"),
    ],
)
def test_text_refusals(params: dict[str, str], reason: str) -> None:
    with pytest.raises(ApiError, match=reason) as refused:
        formatted(params, "text", limit=TEXT_LIMIT, too_long="too long", required=True)
    assert refused.value.code == 400 and refused.value.description.startswith("Bad Request: ")


def test_a_missing_caption_is_no_caption() -> None:
    assert formatted({}, "caption", limit=1024, too_long="x", required=False) == (
        None,
        None,
        None,
    )


# ---------------------------------------------------------------- markup and buttons


def test_callback_data_limit_is_64_bytes_not_characters() -> None:
    check_button({"text": "a", "callback_data": "x" * CALLBACK_DATA_LIMIT})
    check_button({"text": "a", "callback_data": "ө" * 32})  # 64 bytes
    for data in ("x" * (CALLBACK_DATA_LIMIT + 1), "ө" * 33, ""):
        with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
            check_button({"text": "a", "callback_data": data})


@pytest.mark.parametrize(
    ("button", "reason"),
    [
        ({"text": "a"}, "Text buttons are unallowed"),
        ({"callback_data": "x"}, 'Field "text" must be of type String'),
        ({"text": "a", "url": "ftp://example.org"}, "BUTTON_URL_INVALID"),
    ],
)
def test_inline_button_refusals(button: dict[str, str], reason: str) -> None:
    with pytest.raises(ApiError, match=reason):
        check_button(button)


def test_markup_as_json_text_or_object_and_its_shape() -> None:
    keyboard = {"inline_keyboard": [[{"text": "Ооба", "callback_data": "yes"}]]}
    assert check_markup(json.dumps(keyboard)) == keyboard
    assert check_markup({"remove_keyboard": True}) == {"remove_keyboard": True}
    assert check_markup(None) is None and check_markup("") is None
    with pytest.raises(ApiError, match="must be an Array of Arrays"):
        check_markup({"inline_keyboard": [{"text": "a", "callback_data": "x"}]})
    wrong_markups: list[object] = ["{not json", {"buttons": []}, [1]]
    for wrong in wrong_markups:
        with pytest.raises(ApiError, match="can't parse reply keyboard markup"):
            check_markup(wrong)


@pytest.mark.parametrize(
    "url",
    [
        "https://dashboard.example.org/app?x=1",
        "http://127.0.0.1:8080/app",
        "http://localhost:8443/",
        "http://localhost/",
    ],
)
def test_web_app_urls_telegram_or_this_server_opens(url: str) -> None:
    assert is_web_app_url(url)
    button = {"text": "Dashboard", "web_app": {"url": url}}
    check_button(button)
    assert check_markup({"inline_keyboard": [[button]]}) is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://dashboard.example.org/",
        "http://localhost.example.org/",
        "http://127.0.0.1@evil.example/",
        "https://",
        "javascript:alert(1)",
        "tg://resolve?domain=x",
        "http://[::1",
        42,
    ],
)
def test_web_app_urls_refused(url: object) -> None:
    assert not is_web_app_url(url)
    with pytest.raises(ApiError, match="BUTTON_URL_INVALID"):
        check_button({"text": "Dashboard", "web_app": {"url": url}})
    with pytest.raises(ApiError, match="BUTTON_URL_INVALID"):
        check_button({"text": "Dashboard", "web_app": url})


def test_web_app_buttons_are_for_private_chats_only() -> None:
    inline = {"inline_keyboard": [[{"text": "D", "web_app": {"url": "https://d.example.org"}}]]}
    reply = {"keyboard": [[{"text": "D", "web_app": {"url": "https://d.example.org"}}]]}
    for markup in (inline, reply):
        assert check_markup(markup, private=True) == markup
        with pytest.raises(ApiError, match="BUTTON_TYPE_INVALID"):
            check_markup(markup, private=False)
    with pytest.raises(ApiError, match="BUTTON_URL_INVALID"):
        check_markup({"keyboard": [[{"text": "D", "web_app": {"url": "http://x.example"}}]]})


def test_menu_button_default_commands_and_web_app() -> None:
    assert check_menu_button(None) == {"type": "default"}
    assert check_menu_button({"type": "commands"}) == {"type": "commands"}
    web_app = {"type": "web_app", "text": "Карта", "web_app": {"url": "https://d.example.org"}}
    assert check_menu_button(web_app) == web_app
    refused = [
        ({"type": "web_app", "text": "Карта", "web_app": {"url": "http://d.example.org"}}, "URL"),
        ({"type": "web_app", "text": " ", "web_app": {"url": "https://d.example.org"}}, "text"),
        ({"type": "web_view"}, "menu button"),
        ("web_app", "menu button"),
    ]
    for button, reason in refused:
        with pytest.raises(ApiError, match=reason):
            check_menu_button(button)


def test_bot_commands_names_and_descriptions() -> None:
    good = [{"command": "start", "description": "Баштоо"}]
    assert check_commands(good) == good
    for commands, reason in [
        ([{"command": "Start", "description": "x"}], "BOT_COMMAND_INVALID"),
        ([{"command": "x" * 33, "description": "x"}], "BOT_COMMAND_INVALID"),
        ([{"command": "help", "description": ""}], "description must be non-empty"),
        ([{"command": "help", "description": "x" * 257}], "description must be non-empty"),
        ("start", "can't parse commands"),
    ]:
        with pytest.raises(ApiError, match=reason):
            check_commands(commands)
