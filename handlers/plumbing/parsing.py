"""Reading ids and chats out of updates; anything malformed is a stale or forged button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from telegram import Update

from bot.core.errors import StaleButton
from handlers.plumbing.codec import LARGEST_ID
from handlers.plumbing.context import AppContext

T = TypeVar("T")


def id_of(value: str) -> int:
    """A numeric id from callback data; anything else (or beyond 64 bits) is StaleButton."""
    if not (value.isascii() and value.isdigit()) or int(value) > LARGEST_ID:
        raise StaleButton
    return int(value)


def chat_of(update: Update) -> int:
    """The update's chat id (0 when it has none)."""
    return update.effective_chat.id if update.effective_chat else 0


Press = Callable[[AppContext, list[str], int], Awaitable[T]]


async def press_button(update: Update, context: AppContext, buttons: Mapping[str, Press[T]]) -> T:
    """Run the action named by `<prefix>:<action>:<args...>` callback data.

    An unknown action or missing arguments raise StaleButton, which the error handler
    answers as "no longer active"; the action itself re-checks who may do it.
    """
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    press = buttons.get(parts[1] if len(parts) > 1 else "")
    if press is None:
        raise StaleButton
    try:
        return await press(context, parts[2:], chat_of(update))
    except IndexError:
        raise StaleButton from None
