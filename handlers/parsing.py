"""Reading ids and chats out of updates; anything malformed is a stale or forged button."""

from __future__ import annotations

from telegram import Update

from bot.forms.engine import StaleButton


def id_of(value: str) -> int:
    """A numeric id from callback data; anything else raises StaleButton."""
    if not value.isdigit():
        raise StaleButton
    return int(value)


def chat_of(update: Update) -> int:
    """The update's chat id (0 when it has none)."""
    return update.effective_chat.id if update.effective_chat else 0
