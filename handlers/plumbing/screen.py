"""What the bot shows a person, free of Telegram types: HTML text and inline buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = [
    "Attachment",
    "Button",
    "Screen",
    "rows",
]

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data


@dataclass(frozen=True)
class Button:
    text: str
    data: str | None = None
    url: str | None = None
    web_app: str | None = None  # a Mini App's address: Telegram opens it with signed initData

    def __post_init__(self) -> None:
        if self.data is not None and len(self.data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {self.data!r}")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a chart, an export), or one Telegram already holds."""

    filename: str
    data: bytes
    kind: str = "document"  # document | photo | voice
    file_id: str | None = None  # resend a stored Telegram file instead of uploading `data`


@dataclass(frozen=True)
class Screen:
    """One message: HTML text, inline buttons, optional files and work for after commit."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    toast: str | None = None
    finished: bool = False
    after_commit: Callable[[], Awaitable[None]] | None = None
    attachments: tuple[Attachment, ...] = ()


def rows(buttons: list[Button], columns: int) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out `columns` to a row."""
    return tuple(tuple(buttons[i : i + columns]) for i in range(0, len(buttons), columns))
