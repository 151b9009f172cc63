"""Telegram's validation rules, as plain functions and one small limiter, testable without HTTP.

Each check takes decoded parameters (or a chat's state) and returns the cleaned value or raises
`ApiError` with the description real Telegram gives, so a bot that passes here does not fail on
the real server for length, markup, button or flood reasons. The Bot API methods call these;
nothing here knows about the HTTP listener, the update queue or the user side. Figures come from
the Bot API reference (sendMessage, InlineKeyboardButton, answerCallbackQuery, getFile) and from
core.telegram.org/bots/faq for the flood limits; see docs/platform-facts in the shared notes.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from bot.localapi.html_check import HtmlParseError, parse_html
from bot.localapi.model import JSON, ApiError, ChatState, bad_request

__all__ = [
    "CALLBACK_ANSWER_LIMIT",
    "CALLBACK_DATA_LIMIT",
    "CAPTION_LIMIT",
    "CHAT_METHODS",
    "COMMAND_DESCRIPTION_LIMIT",
    "GET_FILE_LIMIT",
    "LOCAL_WEB_APP_HOSTS",
    "SEND_METHODS",
    "TEXT_LIMIT",
    "FloodLimits",
    "Formatted",
    "check_button",
    "check_callback_answer_text",
    "check_chat_action",
    "check_commands",
    "check_location",
    "check_markup",
    "check_menu_button",
    "check_reachable",
    "formatted",
    "is_web_app_url",
]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes of UTF-8, not characters
CALLBACK_ANSWER_LIMIT = 200
COMMAND_DESCRIPTION_LIMIT = 256
GET_FILE_LIMIT = 20 * 1024 * 1024
# Real Telegram opens only https:// Mini Apps; this server also takes a dashboard on loopback.
LOCAL_WEB_APP_HOSTS = frozenset({"127.0.0.1", "localhost"})

# Methods that put a message into a chat: these count against Telegram's flood limits.
SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendLocation"}
    | {"forwardMessage", "copyMessage"}
)
# Methods refused with 403 when the chat's user blocked the bot.
CHAT_METHODS = SEND_METHODS | {
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "sendChatAction",
}
_INLINE_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_MENU_BUTTON_TYPES = frozenset({"default", "commands", "web_app"})


# ---------------------------------------------------------------- chats


def check_reachable(chat: ChatState, method: str) -> None:
    """Refuse with 403 a message into a chat whose user blocked the bot (or that kicked it)."""
    if not chat.blocked or method not in CHAT_METHODS:
        return
    if chat.is_group:
        raise ApiError(403, f"Forbidden: bot was kicked from the {chat.chat.type} chat")
    raise ApiError(403, "Forbidden: bot was blocked by the user")


# ---------------------------------------------------------------- text and captions


class Formatted(NamedTuple):
    """Text or caption as Telegram stores it: markup parsed into entities."""

    plain: str | None
    parse_mode: str | None
    entities: list[JSON] | None


def formatted(params: JSON, key: str, *, limit: int, too_long: str, required: bool) -> Formatted:
    """Check text or caption (parse mode, emptiness, length after parsing)."""
    raw = params.get(key)
    if raw is None:
        if required:
            raise bad_request("message text is empty")
        return Formatted(None, None, None)
    text = raw if isinstance(raw, str) else str(raw)
    parse_mode = params.get("parse_mode") or None
    entities = params.get(f"{'caption_' if key == 'caption' else ''}entities")
    plain = text
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        try:
            parsed = parse_html(text)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        plain, entities = parsed.text, parsed.entities
    elif parse_mode is not None and str(parse_mode).lower() not in ("markdown", "markdownv2"):
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    if required and not plain.strip():
        raise bad_request("message text is empty")
    # Telegram counts the limit on the text as shown, after entity parsing.
    if len(plain) > limit:
        raise bad_request(too_long)
    return Formatted(
        plain, parse_mode, entities if isinstance(entities, list) and entities else None
    )


# ---------------------------------------------------------------- markup and buttons


def is_web_app_url(url: object) -> bool:
    """A Mini App URL Telegram would open: https, or http on loopback for this local server."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in LOCAL_WEB_APP_HOSTS
    )


def _check_web_app(button: JSON, *, private: bool) -> None:
    info = button["web_app"]
    # Telegram offers Mini App buttons in private chats only (InlineKeyboardButton.web_app).
    if not private:
        raise bad_request("BUTTON_TYPE_INVALID")
    if not isinstance(info, dict) or not is_web_app_url(info.get("url")):
        raise bad_request("BUTTON_URL_INVALID")


def check_button(button: Any, *, private: bool = True) -> None:
    """Check one inline keyboard button: text, exactly a known action, its data or URL."""
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not _INLINE_ACTIONS.intersection(button):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not data or len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID")
    if "web_app" in button:
        _check_web_app(button, private=private)


def check_markup(raw: object, *, private: bool = True) -> JSON | None:
    """Check reply_markup (JSON text or object) for a chat; None when there is none."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'can\'t parse inline keyboard button: field "inline_keyboard" must '
                "be an Array of Arrays"
            )
        for row in rows:
            for button in row:
                check_button(button, private=private)
    elif "keyboard" in raw:
        for row in raw["keyboard"] if isinstance(raw["keyboard"], list) else []:
            for button in row if isinstance(row, list) else []:
                if isinstance(button, dict) and "web_app" in button:
                    _check_web_app(button, private=private)
    elif not any(k in raw for k in ("remove_keyboard", "force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return raw


def check_menu_button(raw: object) -> JSON:
    """Check a MenuButton for setChatMenuButton; none given means the default button."""
    if raw is None or raw == "":
        return {"type": "default"}
    if not isinstance(raw, dict) or raw.get("type") not in _MENU_BUTTON_TYPES:
        raise bad_request("can't parse menu button JSON object")
    if raw["type"] == "web_app":
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("menu button text must be non-empty")
        info = raw.get("web_app")
        if not isinstance(info, dict) or not is_web_app_url(info.get("url")):
            raise bad_request("BUTTON_URL_INVALID")
    return raw


# ---------------------------------------------------------------- other parameters


def check_commands(commands: object) -> list[JSON]:
    """Check setMyCommands' list: lowercase names of 1-32 characters, 1-256 character texts."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        name = command.get("command") if isinstance(command, dict) else None
        if not isinstance(name, str) or not _BOT_COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not (
            1 <= len(description) <= COMMAND_DESCRIPTION_LIMIT
        ):
            raise bad_request("command description must be non-empty")
    return commands


def check_location(lat: object, lon: object) -> tuple[float, float]:
    """Check a latitude and longitude pair."""
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        raise bad_request("wrong latitude or longitude specified")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong latitude or longitude specified")
    return float(lat), float(lon)


def check_chat_action(action: object) -> None:
    """Check sendChatAction's action."""
    if action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")


def check_callback_answer_text(text: object) -> None:
    """An answerCallbackQuery notification holds at most 200 characters."""
    if isinstance(text, str) and len(text) > CALLBACK_ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")


# ---------------------------------------------------------------- flood limits


@dataclass(slots=True)
class FloodLimits:
    """Telegram's flood limits: about 30 sends/s overall, 20/min per group, ~1/s per private chat.

    Off unless `strict`, so functional tests never see a 429 they did not ask for. A private chat
    is a token bucket (a burst of `private_burst`, refilled at `private_rate_per_s`): Telegram
    tolerates short bursts there, then answers 429. `now` is passed in, so the rules can be tested
    without sleeping.
    """

    strict: bool = False
    global_per_s: int = 30
    group_per_min: int = 20
    private_burst: int = 8
    private_rate_per_s: float = 1.0
    rejected: int = 0  # sends answered 429
    _window: deque[float] = field(default_factory=deque)  # all sends in the last second

    def admit(self, chat: ChatState, now: float) -> None:
        """Count a send into `chat` at `now`, or raise 429 with Telegram's retry_after."""
        if not self.strict:
            return
        retry = 0
        window = self._window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.global_per_s:
            retry = 1
        if chat.is_group:
            group = chat.window
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self.group_per_min:
                retry = max(retry, math.ceil(group[0] + 60.0 - now))
        elif chat.is_private:
            tokens = float(self.private_burst) if chat.tokens < 0 else chat.tokens
            tokens = min(
                float(self.private_burst),
                tokens + (now - chat.tokens_at) * self.private_rate_per_s,
            )
            chat.tokens, chat.tokens_at = tokens, now
            if tokens < 1.0:
                retry = max(retry, math.ceil((1.0 - tokens) / self.private_rate_per_s))
        if retry:
            self.rejected += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        window.append(now)
        if chat.is_group:
            chat.window.append(now)
        elif chat.is_private:
            chat.tokens -= 1.0
