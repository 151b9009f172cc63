"""A local Telegram Bot API server over HTTP, plus async methods that play users against it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from aiohttp import web

from bot.localapi.html_check import HtmlParseError, parse_html

__all__ = [
    "ApiCall",
    "BotMessage",
    "FakeChat",
    "FakeUser",
    "FaultKind",
    "LocalBotApi",
]

JSON = dict[str, Any]
FaultKind = Literal["429", "500", "403", "timeout", "conflict"]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
GET_FILE_LIMIT = 20 * 1024 * 1024
# Methods that put a message into a chat: these count against Telegram's flood limits.
_SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendLocation"}
    | {"forwardMessage", "copyMessage"}
)
# Methods refused with 403 when the chat's user blocked the bot.
_CHAT_METHODS = _SEND_METHODS | {
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "sendChatAction",
}
# Form fields that are plain strings; every other field PTB sends is JSON-encoded.
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "file_id",
        "url",
        "title",
        "description",
        "short_description",
        "name",
        "username",
        "query",
        "action",
        "emoji",
        "inline_message_id",
        "language_code",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "address",
        "question",
        "photo",
        "document",
        "voice",
        "audio",
        "video",
        "sticker",
        "animation",
        "thumbnail",
    }
)
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
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_PHOTO_SIZES = ((90, 68), (320, 240), (1280, 960))


class _ApiError(Exception):
    """An error answer: HTTP status == error_code, as Telegram does."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass(slots=True)
class ApiCall:
    """One HTTP call the bot made, with its decoded parameters and the answer's status."""

    method: str
    params: JSON
    at: float
    status: int = 0
    description: str | None = None


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A Telegram user played by the test; their private chat id equals their user id."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "ky"

    @property
    def chat_id(self) -> int:
        """Id of the user's private chat with the bot."""
        return self.id

    def to_dict(self) -> JSON:
        """Telegram User object."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True, slots=True)
class FakeChat:
    """A chat: a user's private chat, or a group made by LocalBotApi.group()."""

    id: int
    type: str = "supergroup"
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None

    def to_dict(self) -> JSON:
        """Telegram Chat object."""
        data: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


ChatRef = int | FakeUser | FakeChat


@dataclass(frozen=True, slots=True)
class BotMessage:
    """A snapshot of a message the bot sent (after a send, an edit or a delete)."""

    chat_id: int
    message_id: int
    text: str  # as sent, tags included; "" for a message without text (a location)
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    kind: str = "text"
    document: bytes | None = None  # file bytes of a document, photo or voice
    filename: str | None = None
    mime_type: str | None = None
    edited: bool = False
    deleted: bool = False
    plain_text: str | None = None  # text as Telegram shows it, markup parsed away
    location: tuple[float, float] | None = None
    method: str = "sendMessage"  # the call that produced this snapshot
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows as (text, callback_data or url)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [(b.get("text", ""), b.get("callback_data", b.get("url"))) for b in row]
            for row in rows
        ]

    @property
    def flat_buttons(self) -> list[tuple[str, str | None]]:
        """Inline buttons in reading order."""
        return [b for row in self.buttons for b in row]

    @property
    def keyboard(self) -> list[list[str]]:
        """Reply keyboard rows (button texts), empty without a reply keyboard."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]


@dataclass(slots=True)
class _StoredFile:
    file_id: str
    unique_id: str
    data: bytes
    filename: str | None
    mime_type: str | None
    path: str


@dataclass(slots=True)
class _Upload:
    data: bytes
    filename: str | None
    mime_type: str | None


@dataclass(slots=True)
class _Request:
    params: JSON
    files: dict[str, _Upload]


@dataclass(slots=True)
class _Queued:
    update_id: int
    update: JSON
    # A redelivered update below the confirmed offset stays until it has been fetched once.
    sticky: bool = False


@dataclass(slots=True)
class _Fault:
    method: str | None
    kind: FaultKind
    count: int
    retry_after: int
    hold_s: float | None


@dataclass(slots=True)
class _ChatState:
    chat: FakeChat
    chat_dict: JSON
    next_message_id: int = 1
    messages: dict[int, BotMessage] = field(default_factory=dict)
    user_messages: dict[int, JSON] = field(default_factory=dict)
    events: list[BotMessage] = field(default_factory=list)
    cursor: int = 0
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    blocked: bool = False
    members: dict[int, str] = field(default_factory=dict)
    window: deque[float] = field(default_factory=deque)  # group sends in the last 60 s
    tokens: float = -1.0  # private-chat token bucket; -1 = full, not yet used
    tokens_at: float = 0.0

    @property
    def is_group(self) -> bool:
        return self.chat.type in ("group", "supergroup")


def _decode_field(key: str, value: str) -> Any:
    if key in _STRING_FIELDS or not value:
        return value
    if value[0] in "{[-0123456789" or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _file_kind_of(raw: JSON) -> str:
    for kind in ("photo", "document", "voice", "location", "sticker", "contact", "text"):
        if kind in raw:
            return kind
    return "other"


class LocalBotApi:
    """Telegram Bot API server on 127.0.0.1 for tests, benchmarks and a sandbox."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "ayilbot_test_bot",
        bot_first_name: str = "Ayil Test Bot",
        latency_ms: float = 0,
        strict_limits: bool = False,
        global_limit_per_s: int = 30,
        group_limit_per_min: int = 20,
        private_burst: int = 8,
        private_rate_per_s: float = 1.0,
        fault_hold_s: float = 6.0,
        record_calls: bool = True,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.latency_ms = latency_ms
        self.strict_limits = strict_limits
        self.global_limit_per_s = global_limit_per_s
        self.group_limit_per_min = group_limit_per_min
        self.private_burst = private_burst
        self.private_rate_per_s = private_rate_per_s
        self.fault_hold_s = fault_hold_s
        self.record_calls = record_calls

        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, JSON] = {}
        self.too_many_requests = 0
        self.faults_fired = 0
        self.faults_by_kind: Counter[str] = Counter()
        self.webhook_url: str | None = None
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}

        self._chats: dict[int, _ChatState] = {}
        self._users: dict[int, FakeUser] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_seq = itertools.count(1)
        self._queue: deque[_Queued] = deque()
        self._sticky = 0
        self._delivered: dict[int, JSON] = {}
        self._next_update_id = 1
        self._poll_seq = 0
        self._queue_event = asyncio.Event()
        self._query_seq = itertools.count(1)
        self._clock_offset = 0.0  # seconds added to the dates of what users send
        self._open_queries: set[str] = set()
        self._faults: list[_Fault] = []
        self._random_faults: tuple[float, tuple[FaultKind, ...], random.Random] | None = None
        self._global_window: deque[float] = deque()
        self._ok_counts: Counter[str] = Counter()
        self._sent_messages = 0
        self._inflight = 0
        self.peak_inflight = 0  # most calls (polls aside) the bot had open at once
        self._last_activity = time.monotonic()
        self._watchers: list[asyncio.Future[None]] = []
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._host = "127.0.0.1"
        self._methods: dict[str, tuple[str, Callable[[_Request], Any]]] = {}
        for name, handler in self._handlers().items():
            self._methods[name.lower()] = (name, handler)

    # ---------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 = a free port)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away must not linger.
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._host = host
        self._port = int(self._runner.addresses[0][1])
        self._closing.clear()

    async def stop(self) -> None:
        """Release long polls and held requests, then close the listener."""
        self._closing.set()
        self._queue_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT/."""
        return f"http://{self._host}:{self._port}/"

    @property
    def base_url(self) -> str:
        """Value for ApplicationBuilder().base_url()."""
        return f"{self.url}bot"

    @property
    def base_file_url(self) -> str:
        """Value for ApplicationBuilder().base_file_url()."""
        return f"{self.url}file/bot"

    @property
    def bot_id(self) -> int:
        """The bot's user id: the number before ':' in the token."""
        head = self.token.split(":", 1)[0]
        return int(head) if head.isdigit() else 1

    def bot_user(self) -> JSON:
        """The bot as a Telegram User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ---------------------------------------------------------------- settings

    def inject_fault(
        self,
        method: str | None,
        *,
        kind: FaultKind,
        count: int = 1,
        retry_after: int = 1,
        hold_s: float | None = None,
    ) -> None:
        """Make the next `count` calls of `method` fail (None = any method but getUpdates)."""
        self._faults.append(_Fault(method, kind, count, retry_after, hold_s))

    def random_faults(
        self,
        rate: float,
        kinds: Sequence[FaultKind] = ("429", "500"),
        seed: int = 0,
    ) -> None:
        """Fail a `rate` share of calls (not getUpdates) with a random kind; rate 0 turns off."""
        self._random_faults = (rate, tuple(kinds), random.Random(seed)) if rate > 0 else None

    def clear_faults(self) -> None:
        """Drop pending injected and random faults."""
        self._faults.clear()
        self._random_faults = None

    # ---------------------------------------------------------------- users and chats

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ky",
    ) -> FakeUser:
        """Create (or replace) a user and their private chat with the bot."""
        user = FakeUser(user_id, first_name, last_name, username, language_code)
        self._users[user_id] = user
        chat = FakeChat(user_id, "private", None, first_name, last_name, username)
        state = self._chats.get(user_id)
        if state is None:
            self._chats[user_id] = _ChatState(chat, chat.to_dict())
        else:
            state.chat, state.chat_dict = chat, chat.to_dict()
        return user

    def group(self, chat_id: int, title: str, *, type: str = "supergroup") -> FakeChat:
        """Create a group chat (chat_id negative)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = FakeChat(chat_id, type, title)
        if chat_id not in self._chats:
            self._chats[chat_id] = _ChatState(chat, chat.to_dict())
        return chat

    def block(self, chat: ChatRef) -> None:
        """The user blocks the bot (or the group kicks it): sends answer 403."""
        self._state(chat).blocked = True

    def unblock(self, chat: ChatRef) -> None:
        """Undo block()."""
        self._state(chat).blocked = False

    def set_member_status(self, chat: ChatRef, user: FakeUser | int, status: str) -> None:
        """Status getChatMember reports: creator, administrator, member, left or kicked."""
        user_id = user if isinstance(user, int) else user.id
        self._state(chat).members[user_id] = status

    # ---------------------------------------------------------------- playing users

    def enqueue(self, update: JSON) -> int:
        """Queue a raw update (update_id assigned if missing); return its update_id."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        update_id = int(update["update_id"])
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._delivered[update_id] = update
        if self._queue and self._queue[-1].update_id > update_id:
            self._insert_sorted(_Queued(update_id, update))
        else:
            self._queue.append(_Queued(update_id, update))
        self._queue_event.set()
        self._touch()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Queue an already queued update again, as Telegram does after a crash."""
        update = self._delivered.get(update_id)
        if update is None:
            raise KeyError(f"unknown update_id {update_id}")
        self._insert_sorted(_Queued(update_id, update, sticky=True))
        self._sticky += 1
        self._queue_event.set()
        self._touch()

    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        return len(self._queue)

    def _insert_sorted(self, item: _Queued) -> None:
        # Rare (redelivery, explicit ids): a linear scan keeps the queue ordered by update_id.
        index = len(self._queue)
        for i, queued in enumerate(self._queue):
            if queued.update_id > item.update_id:
                index = i
                break
        self._queue.insert(index, item)

    def _user_message(self, user: FakeUser, chat: FakeChat | None, content: JSON) -> int:
        state = self._state(chat if chat is not None else user)
        if state.is_group:
            state.members.setdefault(user.id, "member")
        message_id = state.next_message_id
        state.next_message_id += 1
        message: JSON = {
            "message_id": message_id,
            "from": user.to_dict(),
            "chat": state.chat_dict,
            "date": int(time.time() + self._clock_offset),
            **content,
        }
        state.user_messages[message_id] = message
        return self.enqueue({"message": message})

    def advance_clock(self, seconds: float) -> None:
        """What users send from now on is dated `seconds` later (a person typing for a while)."""
        self._clock_offset += seconds

    async def send_text(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to: int | None = None,
    ) -> int:
        """The user sends text; a leading /command gets a bot_command entity. Returns update_id."""
        content: JSON = {"text": text}
        match = _COMMAND.match(text)
        if match:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}
            ]
        if reply_to is not None:
            state = self._state(chat if chat is not None else user)
            replied = state.messages.get(reply_to)
            raw = replied.raw if replied is not None else state.user_messages.get(reply_to)
            if raw is None:
                raise AssertionError(f"no message {reply_to} in chat {state.chat.id} to reply to")
            content["reply_to_message"] = raw
        return self._user_message(user, chat, content)

    async def send_location(
        self, user: FakeUser, lat: float, lon: float, *, chat: FakeChat | None = None
    ) -> int:
        """The user shares a location."""
        return self._user_message(user, chat, {"location": {"latitude": lat, "longitude": lon}})

    async def send_photo(
        self,
        user: FakeUser,
        data: bytes = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9",
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
    ) -> int:
        """The user sends a photo (three sizes, each with its own file_id)."""
        content: JSON = {"photo": self._photo_sizes(data, "photo.jpg", "image/jpeg")}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user, chat, content)

    async def send_voice(
        self,
        user: FakeUser,
        data: bytes = b"OggS\x00fake-voice",
        duration: int = 3,
        *,
        chat: FakeChat | None = None,
    ) -> int:
        """The user sends a voice note."""
        stored = self._store_file("voice", data, "voice.ogg", "audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._user_message(user, chat, {"voice": voice})

    async def send_document(
        self,
        user: FakeUser,
        data: bytes,
        filename: str,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
    ) -> int:
        """The user sends a file."""
        stored = self._store_file("document", data, filename, mime_type)
        content: JSON = {"document": self._document_dict(stored)}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user, chat, content)

    async def send_sticker(
        self, user: FakeUser, emoji: str = "👍", *, chat: FakeChat | None = None
    ) -> int:
        """The user sends a sticker."""
        stored = self._store_file("sticker", b"RIFFfake-webp", "sticker.webp", "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._user_message(user, chat, {"sticker": sticker})

    async def send_contact(
        self,
        user: FakeUser,
        phone_number: str,
        first_name: str | None = None,
        *,
        own: bool = True,
        chat: FakeChat | None = None,
    ) -> int:
        """The user shares a contact (their own by default, as the request_contact button)."""
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
        }
        if own:
            contact["user_id"] = user.id
        return self._user_message(user, chat, {"contact": contact})

    async def add_member(self, chat: FakeChat, user: FakeUser) -> int:
        """The user joins a group (a new_chat_members service message)."""
        self._state(chat).members[user.id] = "member"
        return self._user_message(user, chat, {"new_chat_members": [user.to_dict()]})

    async def press(
        self, user: FakeUser, message_id: int, callback_data: str, *, chat: FakeChat | None = None
    ) -> str:
        """The user presses an inline button of a bot message; return the callback query id."""
        state = self._state(chat if chat is not None else user)
        message = state.messages.get(message_id)
        if message is None or message.deleted:
            raise AssertionError(f"no bot message {message_id} in chat {state.chat.id} to press")
        query_id = f"{user.id}-{next(self._query_seq)}"
        self._open_queries.add(query_id)
        self.enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_dict(),
                    "message": message.raw,
                    "chat_instance": str(state.chat.id),
                    "data": callback_data,
                }
            }
        )
        return query_id

    async def press_button(
        self,
        user: FakeUser,
        text: str | None = None,
        *,
        index: int | None = None,
        message: BotMessage | None = None,
        chat: FakeChat | None = None,
    ) -> str:
        """Press a button found by exact, then substring, text or by flat index."""
        state = self._state(chat if chat is not None else user)
        if message is None:
            message = self._latest_with_keyboard(state)
            if message is None:
                raise AssertionError(
                    f"no bot message with an inline keyboard in chat {state.chat.id}; "
                    f"last messages:\n{self._describe(state)}"
                )
        buttons = message.flat_buttons
        chosen: list[tuple[str, str | None]]
        if index is not None:
            chosen = buttons[index : index + 1] if -len(buttons) <= index < len(buttons) else []
        elif text is not None:
            chosen = [b for b in buttons if b[0] == text] or [b for b in buttons if text in b[0]]
        else:
            raise ValueError("press_button needs text or index")
        if len(chosen) != 1:
            what = "several buttons match" if chosen else "no button matches"
            raise AssertionError(
                f"{what} {text if index is None else index!r} in message "
                f"{message.message_id}; buttons: {buttons}"
            )
        label, _ = chosen[0]
        button = next(
            b
            for row in (message.reply_markup or {}).get("inline_keyboard", [])
            for b in row
            if b.get("text") == label
        )
        data = button.get("callback_data")
        if not isinstance(data, str):
            raise AssertionError(f"button {label!r} has no callback_data: {button}")
        target = chat if chat is not None else self._chats[message.chat_id].chat
        return await self.press(user, message.message_id, data, chat=target)

    @staticmethod
    def _latest_with_keyboard(state: _ChatState) -> BotMessage | None:
        for message in reversed(state.messages.values()):
            if not message.deleted and (message.reply_markup or {}).get("inline_keyboard"):
                return message
        return None

    async def wait_callback_answer(self, query_id: str, timeout: float = 5.0) -> JSON:
        """Wait until the bot answered the callback query; return answerCallbackQuery params."""
        await self.wait_for(lambda: query_id in self.callback_answers, timeout)
        return self.callback_answers[query_id]

    # ---------------------------------------------------------------- reading bot output

    async def next_message(self, chat: ChatRef, timeout: float = 5.0) -> BotMessage:
        """Next unread event (a sent or edited message) in the chat."""
        state = self._state(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while state.cursor >= len(state.events):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"no new bot message in chat {state.chat.id} within {timeout} s; "
                    f"last messages:\n{self._describe(state)}"
                )
            waiter: asyncio.Future[None] = loop.create_future()
            state.waiters.append(waiter)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, remaining)
        event = state.events[state.cursor]
        state.cursor += 1
        return event

    async def next_text(self, chat: ChatRef, timeout: float = 5.0) -> str:
        """Text (or caption) of the next unread event."""
        return (await self.next_message(chat, timeout)).text or ""

    def drain(self, chat: ChatRef) -> list[BotMessage]:
        """Mark every event in the chat read and return the unread ones."""
        state = self._state(chat)
        unread = state.events[state.cursor :]
        state.cursor = len(state.events)
        return unread

    def messages(self, chat: ChatRef) -> list[BotMessage]:
        """Current state of every bot message in the chat, edits applied, deleted included."""
        return list(self._state(chat).messages.values())

    def last_message(self, chat: ChatRef) -> BotMessage | None:
        """The newest bot message in the chat that is not deleted."""
        for message in reversed(self._state(chat).messages.values()):
            if not message.deleted:
                return message
        return None

    def events(self, chat: ChatRef) -> list[BotMessage]:
        """Every send/edit event in the chat, read or not."""
        return list(self._state(chat).events)

    def sent_count(self, method: str | None = None) -> int:
        """Successful calls of `method`, or, with None, messages the bot put into chats."""
        return self._sent_messages if method is None else self._ok_counts[method]

    def calls_of(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until predicate() is true; it is checked after every call and user action."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"condition not met within {timeout} s")
            waiter: asyncio.Future[None] = loop.create_future()
            self._watchers.append(waiter)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, remaining)

    async def wait_idle(self, timeout: float = 5.0, quiet: float = 0.05) -> None:
        """Wait until all updates are confirmed and no call (but a long poll) ran for `quiet` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = time.monotonic()
            idle_for = now - self._last_activity
            if not self._queue and self._inflight == 0 and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise AssertionError(
                    f"not idle within {timeout} s: {len(self._queue)} updates pending, "
                    f"{self._inflight} calls in flight"
                )
            await asyncio.sleep(max(quiet - idle_for, 0.01))

    def _describe(self, state: _ChatState, last: int = 5) -> str:
        lines = [
            f"  #{m.message_id} {m.method}{' (deleted)' if m.deleted else ''}: {m.text!r}"
            + (f" buttons={m.buttons}" if m.buttons else "")
            for m in state.events[-last:]
        ]
        return "\n".join(lines) or "  (none)"

    def _state(self, chat: ChatRef) -> _ChatState:
        chat_id = chat if isinstance(chat, int) else chat.id
        state = self._chats.get(chat_id)
        if state is None:
            raise KeyError(f"unknown chat {chat_id}: create it with user() or group()")
        return state

    def _touch(self) -> None:
        self._last_activity = time.monotonic()
        if self._watchers:
            watchers, self._watchers = self._watchers, []
            for waiter in watchers:
                if not waiter.done():
                    waiter.set_result(None)

    def _push_event(self, state: _ChatState, message: BotMessage) -> None:
        state.messages[message.message_id] = message
        state.events.append(message)
        if state.waiters:
            waiters, state.waiters = state.waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    # ---------------------------------------------------------------- files

    def _store_file(
        self, kind: str, data: bytes, filename: str | None, mime_type: str | None
    ) -> _StoredFile:
        n = next(self._file_seq)
        ext = ""
        if filename and "." in filename:
            ext = filename.rsplit(".", 1)[1]
        path = f"{kind}s/file_{n}{'.' + ext if ext else ''}"
        stored = _StoredFile(f"{kind}-{n}", f"u{kind}{n}", data, filename, mime_type, path)
        self._files[stored.file_id] = stored
        self._files_by_path[path] = stored
        return stored

    def _photo_sizes(self, data: bytes, filename: str | None, mime: str | None) -> list[JSON]:
        sizes = []
        for width, height in _PHOTO_SIZES:
            stored = self._store_file("photo", data, filename or "photo.jpg", mime)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(data),
                }
            )
        return sizes

    @staticmethod
    def _document_dict(stored: _StoredFile) -> JSON:
        data: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
        }
        if stored.filename:
            data["file_name"] = stored.filename
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    def file_bytes(self, file_id: str) -> bytes:
        """Bytes stored under a file_id (sent by the bot or by a user)."""
        return self._files[file_id].data

    # ---------------------------------------------------------------- HTTP side

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return self._json_response(
                404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _read_request(self, request: web.Request) -> _Request:
        params: JSON = {}
        files: dict[str, _Upload] = {}
        for key, value in request.query.items():
            params[key] = _decode_field(key, value)
        if request.content_type == "application/json":
            body = await request.json() if request.can_read_body else {}
            if isinstance(body, dict):
                params.update(body)
        elif request.can_read_body:
            form = await request.post()
            for name, part in form.items():
                if isinstance(part, web.FileField):
                    files[name] = _Upload(part.file.read(), part.filename, part.content_type)
                elif isinstance(part, str):
                    params[name] = _decode_field(name, part)
                else:
                    params[name] = _decode_field(name, bytes(part).decode("utf-8", "replace"))
        return _Request(params, files)

    @staticmethod
    def _json_response(status: int, payload: JSON) -> web.Response:
        return web.Response(
            body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(),
            status=status,
            content_type="application/json",
        )

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._json_response(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        try:
            req = await self._read_request(request)
        except ValueError:
            return self._json_response(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"}
            )
        entry = self._methods.get(request.match_info["method"].lower())
        name = entry[0] if entry else request.match_info["method"]
        call = ApiCall(name, self._recorded_params(req), time.monotonic())
        if self.record_calls:
            self.calls.append(call)
        is_poll = name == "getUpdates"
        if not is_poll:
            self._inflight += 1
            self.peak_inflight = max(self.peak_inflight, self._inflight)
        try:
            half = self.latency_ms / 2000
            if half > 0:
                await asyncio.sleep(half)
            status, payload = await self._dispatch(name, entry, req)
            if half > 0:
                await asyncio.sleep(half)
        except asyncio.CancelledError:
            call.status, call.description = 499, "client closed the connection"
            raise
        finally:
            if not is_poll:
                self._inflight -= 1
        call.status = status
        if status == 200:
            self._ok_counts[name] += 1
            if name in _SEND_METHODS:
                self._sent_messages += 1
        else:
            call.description = payload.get("description")
        self._touch()
        return self._json_response(status, payload)

    @staticmethod
    def _recorded_params(req: _Request) -> JSON:
        if not req.files:
            return req.params
        params = dict(req.params)
        for key, upload in req.files.items():
            params[key] = {"filename": upload.filename, "size": len(upload.data)}
        return params

    async def _dispatch(
        self, name: str, entry: tuple[str, Callable[[_Request], Any]] | None, req: _Request
    ) -> tuple[int, JSON]:
        if entry is None:
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        try:
            fault = self._take_fault(name)
            if fault is not None and fault.kind != "timeout":
                raise self._fault_error(fault)
            if name == "getUpdates":
                result = await self._get_updates(req)
            else:
                try:
                    result = entry[1](req)
                except (TypeError, ValueError, KeyError, AttributeError) as exc:
                    # Malformed parameters the checks above missed: answer like Telegram would.
                    raise _bad(f"wrong parameters: {exc!r}") from exc
            if fault is not None:
                # The call took effect; only the answer is late, as after a real timeout.
                hold = fault.hold_s if fault.hold_s is not None else self.fault_hold_s
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), hold)
        except _ApiError as err:
            payload: JSON = {
                "ok": False,
                "error_code": err.code,
                "description": err.description,
            }
            if err.retry_after is not None:
                payload["parameters"] = {"retry_after": err.retry_after}
            return err.code, payload
        return 200, {"ok": True, "result": result}

    def _take_fault(self, name: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method == name or (fault.method is None and name != "getUpdates"):
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                self.faults_fired += 1
                self.faults_by_kind[fault.kind] += 1
                return fault
        if self._random_faults is not None and name != "getUpdates":
            rate, kinds, rng = self._random_faults
            if rng.random() < rate:
                kind = rng.choice(kinds)
                self.faults_fired += 1
                self.faults_by_kind[kind] += 1
                return _Fault(None, kind, 1, 1, None)
        return None

    @staticmethod
    def _fault_error(fault: _Fault) -> _ApiError:
        if fault.kind == "429":
            return _ApiError(
                429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
            )
        if fault.kind == "403":
            return _ApiError(403, "Forbidden: bot was blocked by the user")
        if fault.kind == "conflict":
            return _ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return _ApiError(500, "Internal Server Error")

    # ---------------------------------------------------------------- parameters

    @staticmethod
    def _int(req: _Request, key: str, *, missing: str | None = None) -> int:
        value = req.params.get(key)
        if value is None or value == "":
            raise _bad(missing or f"{key} is empty")
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _bad(f"invalid {key} specified")
        try:
            return int(value)
        except ValueError:
            raise _bad(f"invalid {key} specified") from None

    def _target(self, req: _Request, method: str, key: str = "chat_id") -> _ChatState:
        value = req.params.get(key)
        if value is None or value == "":
            raise _bad(f"{key} is empty")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None
        state = self._chats.get(chat_id)
        if state is None:
            raise _bad("chat not found")
        if state.blocked and method in _CHAT_METHODS:
            if state.is_group:
                raise _ApiError(403, f"Forbidden: bot was kicked from the {state.chat.type} chat")
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return state

    def _admit(self, state: _ChatState, req: _Request) -> JSON | None:
        """Check the replied-to message and flood limits; return the reply_to_message."""
        reply = self._replied(state, req)
        self._check_flood(state)
        return reply

    @staticmethod
    def _replied(state: _ChatState, req: _Request) -> JSON | None:
        params = req.params.get("reply_parameters")
        if isinstance(params, dict):
            message_id, lenient = (
                params.get("message_id"),
                params.get("allow_sending_without_reply"),
            )
        else:
            message_id = req.params.get("reply_to_message_id")
            lenient = req.params.get("allow_sending_without_reply")
        if not isinstance(message_id, int):
            return None
        bot_message = state.messages.get(message_id)
        if bot_message is not None and not bot_message.deleted:
            return bot_message.raw
        user_message = state.user_messages.get(message_id)
        if user_message is None and lenient is not True:
            raise _bad("message to be replied not found")
        return user_message

    def _check_flood(self, state: _ChatState) -> None:
        """Answer 429 like Telegram when a send would break its flood limits."""
        if not self.strict_limits:
            return
        now = time.monotonic()
        retry = 0
        window = self._global_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.global_limit_per_s:
            retry = 1
        if state.is_group:
            group = state.window
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self.group_limit_per_min:
                retry = max(retry, math.ceil(group[0] + 60.0 - now))
        elif state.chat.type == "private":
            tokens = float(self.private_burst) if state.tokens < 0 else state.tokens
            tokens = min(
                float(self.private_burst),
                tokens + (now - state.tokens_at) * self.private_rate_per_s,
            )
            state.tokens, state.tokens_at = tokens, now
            if tokens < 1.0:
                retry = max(retry, math.ceil((1.0 - tokens) / self.private_rate_per_s))
        if retry:
            self.too_many_requests += 1
            raise _ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        window.append(now)
        if state.is_group:
            state.window.append(now)
        elif state.chat.type == "private":
            state.tokens -= 1.0

    @staticmethod
    def _formatted(
        req: _Request, key: str, *, limit: int, too_long: str, required: bool
    ) -> tuple[str | None, str | None, list[JSON] | None]:
        """Validate text/caption; return (plain text, parse_mode, entities)."""
        raw = req.params.get(key)
        if raw is None:
            if required:
                raise _bad("message text is empty")
            return None, None, None
        text = raw if isinstance(raw, str) else str(raw)
        parse_mode = req.params.get("parse_mode") or None
        entities = req.params.get(f"{'caption_' if key == 'caption' else ''}entities")
        plain = text
        if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
            try:
                parsed = parse_html(text)
            except HtmlParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
            plain, entities = parsed.text, parsed.entities
        elif parse_mode is not None and str(parse_mode).lower() not in ("markdown", "markdownv2"):
            raise _bad(f"unsupported parse_mode {parse_mode}")
        if required and not plain.strip():
            raise _bad("message text is empty")
        if len(plain) > limit:
            raise _bad(too_long)
        return plain, parse_mode, entities if isinstance(entities, list) and entities else None

    @staticmethod
    def _markup(req: _Request) -> JSON | None:
        raw = req.params.get("reply_markup")
        if raw is None or raw == "":
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raw = None
        if not isinstance(raw, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            rows = raw["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'can\'t parse inline keyboard button: field "inline_keyboard" must '
                    "be an Array of Arrays"
                )
            for row in rows:
                for button in row:
                    LocalBotApi._check_button(button)
        elif not any(k in raw for k in ("keyboard", "remove_keyboard", "force_reply")):
            raise _bad("can't parse reply keyboard markup JSON object")
        return raw

    @staticmethod
    def _check_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not _INLINE_ACTIONS.intersection(button):
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not data or len(data.encode()) > CALLBACK_DATA_LIMIT:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
                raise _bad("BUTTON_URL_INVALID")

    def _input_file(self, req: _Request, key: str) -> tuple[_StoredFile, bool]:
        """Resolve an uploaded or file_id input; return it and whether it was uploaded."""
        value = req.params.get(key)
        upload: _Upload | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = req.files.get(value.removeprefix("attach://"))
        elif key in req.files:
            upload = req.files[key]
        if upload is not None:
            stored = self._store_file(key, upload.data, upload.filename, upload.mime_type)
            return stored, True
        if value is None:
            raise _bad(f"there is no {key} in the request")
        stored_by_id = self._files.get(str(value))
        if stored_by_id is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        return stored_by_id, False

    # ---------------------------------------------------------------- methods

    def _handlers(self) -> dict[str, Callable[[_Request], Any]]:
        return {
            "getMe": lambda req: {
                **self.bot_user(),
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            },
            "getUpdates": lambda req: [],  # answered by _get_updates (it awaits)
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda req: {
                "url": self.webhook_url or "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._queue),
            },
            "logOut": lambda req: True,
            "close": lambda req: True,
            "getMyCommands": self._get_my_commands,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": lambda req: self.menu_buttons.get(
                req.params.get("chat_id"), {"type": "default"}
            ),
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendVoice": self._send_voice,
            "sendLocation": self._send_location,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "forwardMessage": self._forward_message,
            "copyMessage": self._copy_message,
        }

    async def _get_updates(self, req: _Request) -> list[JSON]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        # A newer long poll ends the older one with 409, as Telegram does.
        self._poll_seq += 1
        my_seq = self._poll_seq
        self._queue_event.set()
        offset = req.params.get("offset")
        limit = req.params.get("limit")
        timeout = req.params.get("timeout")
        limit_n = min(max(int(limit), 1), 100) if isinstance(limit, int) else 100
        wait_s = float(timeout) if isinstance(timeout, int | float) else 0.0
        if isinstance(offset, int):
            before = len(self._queue)
            self._confirm(offset)
            if len(self._queue) != before:
                self._touch()  # wake wait_for() callers watching pending_updates()
        if not self._queue and wait_s > 0 and not self._closing.is_set():
            self._queue_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue_event.wait(), wait_s)
            if self._poll_seq != my_seq:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        batch: list[JSON] = []
        for queued in self._queue:
            if len(batch) >= limit_n:
                break
            if queued.sticky:
                queued.sticky = False
                self._sticky -= 1
            batch.append(queued.update)
        return batch

    def _confirm(self, offset: int) -> None:
        queue = self._queue
        if offset < 0:
            # Negative offset: keep the last -offset updates, forget the rest (Bot API).
            while len(queue) > -offset:
                if queue.popleft().sticky:
                    self._sticky -= 1
            return
        if self._sticky:
            kept = deque(q for q in queue if q.update_id >= offset or q.sticky)
            self._queue = kept
            return
        while queue and queue[0].update_id < offset:
            queue.popleft()

    def _set_webhook(self, req: _Request) -> bool:
        url = req.params.get("url")
        self.webhook_url = str(url) if url else None
        if req.params.get("drop_pending_updates") is True:
            self._drop_pending()
        return True

    def _delete_webhook(self, req: _Request) -> bool:
        self.webhook_url = None
        if req.params.get("drop_pending_updates") is True:
            self._drop_pending()
        return True

    def _drop_pending(self) -> None:
        self._queue.clear()
        self._sticky = 0

    @staticmethod
    def _commands_key(req: _Request) -> tuple[str, str]:
        scope = req.params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(req.params.get("language_code") or "")

    def _get_my_commands(self, req: _Request) -> list[JSON]:
        return self.commands.get(self._commands_key(req), [])

    def _set_my_commands(self, req: _Request) -> bool:
        commands = req.params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _BOT_COMMAND_NAME.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("command description must be non-empty")
        self.commands[self._commands_key(req)] = commands
        return True

    def _delete_my_commands(self, req: _Request) -> bool:
        self.commands.pop(self._commands_key(req), None)
        return True

    def _set_chat_menu_button(self, req: _Request) -> bool:
        chat_id = req.params.get("chat_id")
        key = int(chat_id) if isinstance(chat_id, int | str) and chat_id != "" else None
        button = req.params.get("menu_button") or {"type": "default"}
        self.menu_buttons[key] = button if isinstance(button, dict) else {"type": "default"}
        return True

    def _new_message(
        self,
        state: _ChatState,
        method: str,
        content: JSON,
        *,
        text: str | None,
        parse_mode: str | None,
        markup: JSON | None,
        reply: JSON | None,
        stored: _StoredFile | None = None,
    ) -> JSON:
        message_id = state.next_message_id
        state.next_message_id += 1
        raw: JSON = {
            "message_id": message_id,
            "from": self.bot_user(),
            "chat": state.chat_dict,
            "date": int(time.time()),
            **content,
        }
        if reply is not None:
            raw["reply_to_message"] = reply
        if markup is not None and "inline_keyboard" in markup:
            raw["reply_markup"] = markup
        self._push_event(
            state,
            self._snapshot(
                state, raw, method, text=text, parse_mode=parse_mode, markup=markup, stored=stored
            ),
        )
        return raw

    def _snapshot(
        self,
        state: _ChatState,
        raw: JSON,
        method: str,
        *,
        text: str | None,
        parse_mode: str | None,
        markup: JSON | None,
        stored: _StoredFile | None = None,
        edited: bool = False,
    ) -> BotMessage:
        kind = _file_kind_of(raw)
        if stored is None:
            file_id = None
            if kind == "photo":
                file_id = raw["photo"][-1]["file_id"]
            elif kind in ("document", "voice"):
                file_id = raw[kind]["file_id"]
            stored = self._files.get(file_id) if file_id else None
        location = raw.get("location")
        return BotMessage(
            chat_id=state.chat.id,
            message_id=raw["message_id"],
            text=text or "",
            parse_mode=parse_mode,
            reply_markup=markup,
            kind=kind,
            document=stored.data if stored is not None else None,
            filename=stored.filename if stored is not None else None,
            mime_type=stored.mime_type if stored is not None else None,
            edited=edited,
            plain_text=raw.get("text", raw.get("caption")),
            location=(location["latitude"], location["longitude"]) if location else None,
            method=method,
            raw=raw,
        )

    def _send_message(self, req: _Request) -> JSON:
        state = self._target(req, "sendMessage")
        plain, parse_mode, entities = self._formatted(
            req, "text", limit=TEXT_LIMIT, too_long="message is too long", required=True
        )
        markup = self._markup(req)
        reply = self._admit(state, req)
        content: JSON = {"text": plain}
        if entities:
            content["entities"] = entities
        return self._new_message(
            state,
            "sendMessage",
            content,
            text=req.params.get("text"),
            parse_mode=parse_mode,
            markup=markup,
            reply=reply,
        )

    def _caption_content(self, req: _Request) -> tuple[JSON, str | None, str | None]:
        plain, parse_mode, entities = self._formatted(
            req,
            "caption",
            limit=CAPTION_LIMIT,
            too_long="message caption is too long",
            required=False,
        )
        content: JSON = {}
        if plain:
            content["caption"] = plain
            if entities:
                content["caption_entities"] = entities
        caption = req.params.get("caption")
        return content, caption if isinstance(caption, str) else None, parse_mode

    def _send_file(self, req: _Request, method: str, key: str) -> JSON:
        state = self._target(req, method)
        content, caption, parse_mode = self._caption_content(req)
        markup = self._markup(req)
        stored, _ = self._input_file(req, key)
        reply = self._admit(state, req)
        if key == "photo":
            content["photo"] = self._photo_sizes(stored.data, stored.filename, stored.mime_type)
        elif key == "voice":
            duration = req.params.get("duration")
            content["voice"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "duration": int(duration) if isinstance(duration, int) else 1,
                "mime_type": stored.mime_type or "audio/ogg",
                "file_size": len(stored.data),
            }
        else:
            content[key] = self._document_dict(stored)
        return self._new_message(
            state,
            method,
            content,
            text=caption,
            parse_mode=parse_mode,
            markup=markup,
            stored=stored,
            reply=reply,
        )

    def _send_photo(self, req: _Request) -> JSON:
        return self._send_file(req, "sendPhoto", "photo")

    def _send_document(self, req: _Request) -> JSON:
        return self._send_file(req, "sendDocument", "document")

    def _send_voice(self, req: _Request) -> JSON:
        return self._send_file(req, "sendVoice", "voice")

    def _send_location(self, req: _Request) -> JSON:
        state = self._target(req, "sendLocation")
        lat, lon = req.params.get("latitude"), req.params.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            raise _bad("wrong latitude or longitude specified")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _bad("wrong latitude or longitude specified")
        markup = self._markup(req)
        reply = self._admit(state, req)
        content = {"location": {"latitude": float(lat), "longitude": float(lon)}}
        return self._new_message(
            state, "sendLocation", content, text=None, parse_mode=None, markup=markup, reply=reply
        )

    def _send_chat_action(self, req: _Request) -> bool:
        self._target(req, "sendChatAction")
        if req.params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _message_to_edit(self, req: _Request, method: str) -> tuple[_ChatState, BotMessage]:
        if req.params.get("inline_message_id"):
            raise _bad("message to edit not found")
        state = self._target(req, method)
        message_id = self._int(req, "message_id", missing="message to edit not found")
        message = state.messages.get(message_id)
        if message is None or message.deleted:
            if message_id in state.user_messages:
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        return state, message

    def _apply_edit(
        self,
        state: _ChatState,
        old: BotMessage,
        method: str,
        changes: JSON,
        *,
        text: str | None,
        parse_mode: str | None,
        markup: JSON | None,
    ) -> JSON:
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        raw = dict(old.raw)
        for key, value in changes.items():
            if value is None:
                raw.pop(key, None)
            else:
                raw[key] = value
        if inline is None:
            raw.pop("reply_markup", None)
        else:
            raw["reply_markup"] = inline
        compared = ("text", "entities", "caption", "caption_entities", "reply_markup")
        if all(raw.get(k) == old.raw.get(k) for k in compared):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        raw["edit_date"] = int(time.time())
        snapshot = self._snapshot(
            state, raw, method, text=text, parse_mode=parse_mode, markup=inline, edited=True
        )
        self._push_event(state, snapshot)
        return raw

    def _edit_message_text(self, req: _Request) -> JSON:
        state, old = self._message_to_edit(req, "editMessageText")
        plain, parse_mode, entities = self._formatted(
            req, "text", limit=TEXT_LIMIT, too_long="message is too long", required=True
        )
        markup = self._markup(req)
        if old.kind != "text":
            raise _bad("there is no text in the message to edit")
        return self._apply_edit(
            state,
            old,
            "editMessageText",
            {"text": plain, "entities": entities},
            text=req.params.get("text"),
            parse_mode=parse_mode,
            markup=markup,
        )

    def _edit_message_caption(self, req: _Request) -> JSON:
        state, old = self._message_to_edit(req, "editMessageCaption")
        content, caption, parse_mode = self._caption_content(req)
        markup = self._markup(req)
        if old.kind not in ("photo", "document", "voice"):
            raise _bad("there is no caption in the message to edit")
        changes = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
        }
        return self._apply_edit(
            state,
            old,
            "editMessageCaption",
            changes,
            text=caption,
            parse_mode=parse_mode,
            markup=markup,
        )

    def _edit_message_reply_markup(self, req: _Request) -> JSON:
        state, old = self._message_to_edit(req, "editMessageReplyMarkup")
        markup = self._markup(req)
        return self._apply_edit(
            state,
            old,
            "editMessageReplyMarkup",
            {},
            text=old.text,
            parse_mode=old.parse_mode,
            markup=markup,
        )

    def _delete_message(self, req: _Request) -> bool:
        state = self._target(req, "deleteMessage")
        message_id = self._int(req, "message_id", missing="message to delete not found")
        message = state.messages.get(message_id)
        if message is not None and not message.deleted:
            state.messages[message_id] = replace(message, deleted=True, method="deleteMessage")
            return True
        if state.user_messages.pop(message_id, None) is not None:
            return True
        raise _bad("message to delete not found")

    def _answer_callback_query(self, req: _Request) -> bool:
        query_id = str(req.params.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise _bad(_QUERY_INVALID.removeprefix("Bad Request: "))
        text = req.params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        self.callback_answers[query_id] = dict(req.params)
        return True

    def _get_file(self, req: _Request) -> JSON:
        stored = self._files.get(str(req.params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        if len(stored.data) > GET_FILE_LIMIT:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    def _get_chat(self, req: _Request) -> JSON:
        state = self._target(req, "getChat")
        return {
            **state.chat_dict,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, req: _Request) -> JSON:
        state = self._target(req, "getChatMember")
        user_id = self._int(req, "user_id")
        if user_id == self.bot_id:
            user = self.bot_user()
            status = "administrator" if state.is_group else "member"
        else:
            fake = self._users.get(user_id)
            if fake is None:
                raise _bad("user not found")
            user = fake.to_dict()
            default = "member" if state.chat.id == user_id else "left"
            status = state.members.get(user_id, default)
        return self._member_dict(user, status)

    @staticmethod
    def _member_dict(user: JSON, status: str) -> JSON:
        if status == "creator":
            return {"status": status, "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            )
            return {
                "status": status,
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                **dict.fromkeys(rights, True),
            }
        if status == "kicked":
            return {"status": status, "user": user, "until_date": 0}
        return {"status": status if status in ("member", "left") else "member", "user": user}

    def _source_message(self, req: _Request, not_found: str) -> JSON:
        from_chat = req.params.get("from_chat_id")
        try:
            source = self._chats.get(int(from_chat)) if from_chat is not None else None
        except (TypeError, ValueError):
            source = None
        if source is None:
            raise _bad("chat not found")
        message_id = self._int(req, "message_id", missing=not_found)
        bot_message = source.messages.get(message_id)
        if bot_message is not None and not bot_message.deleted:
            return bot_message.raw
        user_message = source.user_messages.get(message_id)
        if user_message is None:
            raise _bad(not_found)
        return user_message

    _COPIED = (
        "text",
        "entities",
        "caption",
        "caption_entities",
        "photo",
        "document",
        "voice",
        "location",
        "sticker",
        "contact",
    )

    def _forward_message(self, req: _Request) -> JSON:
        state = self._target(req, "forwardMessage")
        source = self._source_message(req, "message to forward not found")
        reply = self._admit(state, req)
        content = {k: source[k] for k in self._COPIED if k in source}
        content["forward_origin"] = {
            "type": "user",
            "sender_user": source["from"],
            "date": source["date"],
        }
        return self._new_message(
            state,
            "forwardMessage",
            content,
            text=source.get("text", source.get("caption")),
            parse_mode=None,
            markup=None,
            reply=reply,
        )

    def _copy_message(self, req: _Request) -> JSON:
        state = self._target(req, "copyMessage")
        source = self._source_message(req, "message to copy not found")
        markup = self._markup(req)
        content = {k: source[k] for k in self._COPIED if k in source}
        text = source.get("text", source.get("caption"))
        parse_mode = None
        if "caption" in req.params and "text" not in source:
            extra, text, parse_mode = self._caption_content(req)
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(extra)
        reply = self._admit(state, req)
        raw = self._new_message(
            state,
            "copyMessage",
            content,
            text=text,
            parse_mode=parse_mode,
            markup=markup,
            reply=reply,
        )
        return {"message_id": raw["message_id"]}
