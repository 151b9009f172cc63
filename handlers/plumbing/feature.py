"""What a feature declares to the chat: commands, menu entries, buttons, notices, digest
sections, jobs.

Each `handlers/<feature>/feature.py` holds one `Feature`; `bot/wiring.py` lists them and
`handlers/plumbing/install.py` installs the list in one loop. Adding a feature is its folder
and one line in that list: no other file learns its name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.core.access import Permission
from bot.core.kernel import Kernel
from handlers.plumbing.access_matrix import Entry
from handlers.plumbing.codec import Codec, Press
from handlers.plumbing.context import AppContext

Handler = Callable[[Update, AppContext], Coroutine[Any, Any, None]]
ButtonHandler = Callable[[Update, AppContext, Any], Coroutine[Any, Any, None]]
DeepLink = Callable[[Update, AppContext, str], Coroutine[Any, Any, None]]
NoticeScreen = Callable[[Any, Any], Any]  # (notice record, translator) -> Screen
SectionScreen = Callable[[Any, Any], Any]  # (digest section record, translator) -> Screen
JobRun = Callable[[Kernel], Awaitable[object]]


@dataclass(frozen=True)
class Command:
    """A /command, answered in private chats only unless `in_groups`."""

    name: str
    run: Handler
    # Its line in Telegram's command menu and in /help (a msgid); None keeps it unlisted.
    description: str | None = None
    # /help lists it only to people who hold this permission (None: everyone).
    permission: Permission | None = None
    in_groups: bool = False  # answered in group chats instead of in private (/linkgroup)


@dataclass(frozen=True)
class MenuEntry:
    """A main-menu button `m:<key>` that runs a command's handler."""

    key: str  # never renamed once shipped: it is in people's old menus
    label: str  # msgid
    permission: Permission
    run: Handler
    position: int  # order on screen, across features (incident reports first)
    listed: bool = True  # False: a key old buttons use (m:menu) that is not shown as an entry


@dataclass(frozen=True)
class Buttons:
    """A feature's callback data: its codec and, for each button value type, its handler."""

    codec: Codec
    routes: Mapping[type[Press], ButtonHandler]
    # Checked before the data is read: a forged button of a feature one may not use at all
    # is refused as such, not answered as stale.
    requires: Permission | None = None

    def __post_init__(self) -> None:
        missing = [k.__name__ for k in self.codec.kinds.values() if k not in self.routes]
        if missing:
            raise ValueError(f"{self.codec.prefix}: buttons without a handler: {missing}")


@dataclass(frozen=True)
class Daily:
    """Every day at this local time (AYILBOT_TIMEZONE)."""

    at: time


@dataclass(frozen=True)
class Every:
    """Repeatedly; `first` computes the delay before the first run from the time and zone."""

    interval: timedelta
    first: Callable[[datetime, tzinfo], timedelta] | timedelta = timedelta(seconds=60)


@dataclass(frozen=True)
class AtStart:
    """Once, as soon as the bot is up (catching up what fell due while it was down)."""


@dataclass(frozen=True)
class Job:
    """Scheduled work: APScheduler only wakes the rule, whose state lives in SQLite."""

    name: str
    run: JobRun
    when: Daily | Every | AtStart


@dataclass(frozen=True)
class Feature:
    """One feature's chat surface, and how its rules are built."""

    name: str
    # Builds the feature's rules objects, in order; the kernel registers each by its class.
    rules: tuple[Callable[[Kernel], object], ...] = ()
    # Runs once every feature's rules exist: hooks into other features' rules.
    connect: Callable[[Kernel], None] | None = None
    commands: tuple[Command, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    buttons: Buttons | None = None
    notices: Mapping[type, NoticeScreen] = field(default_factory=dict)
    # Notice screens that draw other features' parts (the coordinator digest draws each
    # feature's section): made once every feature's `digest_sections` are collected.
    composite_notices: Callable[[Surface], Mapping[type, NoticeScreen]] | None = None
    # The sections this feature adds to the coordinator digest: the record its rules return
    # from `digest_section` -> the screen that draws it (text, buttons, pictures).
    digest_sections: Mapping[type, SectionScreen] = field(default_factory=dict)
    jobs: tuple[Job, ...] = ()
    deep_links: Mapping[str, DeepLink] = field(default_factory=dict)  # /start <prefix>...
    # Other handlers (chat member changes, group chats): added before the private commands.
    extra: tuple[BaseHandler[Any, Any, Any], ...] = ()
    # Catch-alls (an unknown command, text typed into a form): added after everything else.
    fallbacks: tuple[BaseHandler[Any, Any, Any], ...] = ()
    # Its rows of the access matrix (README, tests/test_access_matrix.py): each command and
    # button, who may use it and what each persona gets.
    access: tuple[Entry, ...] = ()


@dataclass
class Surface:
    """What the installed features offer, for the menu, /help and the command list."""

    commands: list[Command] = field(default_factory=list)
    menu: list[MenuEntry] = field(default_factory=list)
    deep_links: dict[str, DeepLink] = field(default_factory=dict)
    notices: dict[type, Any] = field(default_factory=dict)
    digest_sections: dict[type, SectionScreen] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
