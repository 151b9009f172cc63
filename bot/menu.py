"""The main menu: entries by permission; each entry's action lives in handlers/menu.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, Tr
from bot.screen import Button, Screen, rows
from bot.services.access import Access, Actor, Permission


@dataclass(frozen=True, slots=True)
class MenuEntry:
    key: str  # callback `m:<key>`; never renamed once shipped
    label: str
    permission: Permission


# Order is the order on screen; features append their entries here.
MENU: list[MenuEntry] = [
    MenuEntry("language", N_("🌐 Language"), Permission.USE_FORMS),
    MenuEntry("mydata", N_("🔒 My data"), Permission.USE_FORMS),
    MenuEntry("help", N_("❓ Help"), Permission.USE_FORMS),
]


# Commands shown in Telegram's command menu, with their descriptions; features append theirs.
COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Start or register")),
    ("menu", N_("Main menu")),
    ("help", N_("What I can do")),
    ("language", N_("Change the language")),
    ("cancel", N_("Leave the form")),
    ("mydata", N_("What I store about you")),
    ("deleteme", N_("Erase your data")),
]


def menu_screen(actor: Actor, access: Access, tr: Tr, paused: list[tuple[str, str]]) -> Screen:
    """The menu for this person: what their role allows, and forms they put aside."""
    buttons = [
        Button(tr.label(e.label), f"m:{e.key}") for e in MENU if access.allows(actor, e.permission)
    ]
    resume = [(Button("↩️ " + tr.label(title), data),) for title, data in paused]
    return Screen(tr.gettext(N_("What would you like to do?")), (*resume, *rows(buttons, 2)))
