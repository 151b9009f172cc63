"""The records the local Bot API server is made of: what a test holds, what it keeps per chat.

Plain data and no behaviour beyond formatting itself as Telegram JSON, so every other module of
the server (rules, faults, methods, the user side, the listener) can import it and none of them
imports another for a type.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "JSON",
    "ApiCall",
    "ApiError",
    "BotMessage",
    "ChatRef",
    "ChatState",
    "FakeChat",
    "FakeUser",
    "FaultKind",
    "Request",
    "StoredFile",
    "Upload",
    "bad_request",
]

JSON = dict[str, Any]
FaultKind = Literal["429", "500", "403", "timeout", "conflict"]


class ApiError(Exception):
    """An error answer: HTTP status == error_code, as Telegram does."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad_request(description: str) -> ApiError:
    """A 400 answer with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


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
        """Inline keyboard rows as (text, callback_data, url or a Mini App's url)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [
                (
                    b.get("text", ""),
                    b.get("callback_data", b.get("url", (b.get("web_app") or {}).get("url"))),
                )
                for b in row
            ]
            for row in rows
        ]

    def web_app_url(self, label: str) -> str | None:
        """The Mini App address of the inline button with this text, if it opens one."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        for button in (b for row in rows for b in row):
            if button.get("text") == label and isinstance(button.get("web_app"), dict):
                url = button["web_app"].get("url")
                return url if isinstance(url, str) else None
        return None

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
class StoredFile:
    """A file the server holds, sent by the bot or by a user, under a file_id and a path."""

    file_id: str
    unique_id: str
    data: bytes
    filename: str | None
    mime_type: str | None
    path: str


@dataclass(slots=True)
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    mime_type: str | None


@dataclass(slots=True)
class Request:
    """A decoded Bot API call: its parameters and its uploaded files."""

    params: JSON
    files: dict[str, Upload]


@dataclass(slots=True)
class ChatState:
    """What the server knows of one chat: messages both ways, unread events, flood counters."""

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

    @classmethod
    def of(cls, chat: FakeChat) -> ChatState:
        """A fresh state for a chat."""
        return cls(chat, chat.to_dict())

    @property
    def is_group(self) -> bool:
        """A group or supergroup (flood limit per minute, members)."""
        return self.chat.type in ("group", "supergroup")

    @property
    def is_private(self) -> bool:
        """A user's private chat with the bot."""
        return self.chat.type == "private"
