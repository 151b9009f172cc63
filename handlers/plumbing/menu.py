"""The main menu's buttons: `m:<key>` runs the handler of the command it stands for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from telegram import Update

from bot.core.errors import StaleButton
from handlers.plumbing.codec import Codec, Press
from handlers.plumbing.context import AppContext
from handlers.plumbing.feature import MenuEntry
from handlers.plumbing.screen import Button


@dataclass(frozen=True, slots=True)
class MenuPress(Press):
    """A pressed menu entry (its key never changes once shipped)."""

    action: ClassVar[str] = ""
    key: str


MENU_CODEC = Codec("m", MenuPress)


def menu_button(label: str, key: str) -> Button:
    """A button that opens a menu entry (or the menu itself: key "menu")."""
    return Button(label, MENU_CODEC.encode(MenuPress(key)))


async def on_menu_button(update: Update, context: AppContext) -> None:
    """Dispatch a menu button to its command's handler; permissions are checked there."""
    query = update.callback_query
    assert query is not None and query.data is not None
    pressed = MENU_CODEC.decode(query.data)
    assert isinstance(pressed, MenuPress)
    entry = _entries(context).get(pressed.key)
    if entry is None:
        raise StaleButton
    await entry.run(update, context)


def _entries(context: AppContext) -> dict[str, MenuEntry]:
    return {e.key: e for e in context.bot_data.surface.menu}
