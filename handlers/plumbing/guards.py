"""Handler groups -2 and -1: flood control, then who is behind the update, once per update.

Also who an update comes from, as the domain sees people (`person_of`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.core.actors import Person
from bot.core.flood import FloodGuard, Verdict
from bot.i18n import N_, translator
from handlers.plumbing.context import AppContext
from handlers.plumbing.render import answer_stale, send_screen
from handlers.plumbing.screen import Screen

log = logging.getLogger(__name__)


def person_of(update: Update) -> Person:
    """The Telegram user behind an update, as the domain sees people."""
    user = update.effective_user
    assert user is not None
    return Person(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


async def resolve_actor(update: Update, context: AppContext) -> None:
    """Bind the update and load who is behind it, for every later handler."""
    actor = None
    if update.effective_user is not None and not context.has_actor:
        actor = await context.kernel.actors.resolve(person_of(update))
    context.bind(update, actor)


async def admit(update: Update, context: AppContext) -> None:
    """Group -1: resolve the actor; refuse any button pressed outside a private chat.

    Every screen with buttons is private. Without the refusal, a forged button pressed inside
    a linked group chat posted review cards (with the reporter's name), exports and
    statistics into the group.
    """
    await resolve_actor(update, context)
    chat = update.effective_chat
    if update.callback_query is not None and chat is not None and chat.type != chat.PRIVATE:
        await answer_stale(update, context)
        raise ApplicationHandlerStop


def flood_gate(application: Any) -> Callable[[object], Coroutine[Any, Any, bool]]:
    """The update processor's gate: one polite notice to a person flooding the bot, sent at
    once, then their updates are dropped for a while (what they entered so far is kept)."""

    async def admit_or_drop(update: object) -> bool:
        if not isinstance(update, Update) or update.effective_user is None:
            return True
        kernel = application.bot_data.kernel
        verdict = kernel.get(FloodGuard).check(update.effective_user.id, time.monotonic())
        if verdict is Verdict.ALLOW:
            return True
        if verdict is Verdict.NOTIFY and update.effective_chat is not None:
            actor = await kernel.actors.resolve(person_of(update))
            tr = translator(actor.locale)
            notice = Screen(
                tr.gettext(
                    N_(
                        "You are sending messages too fast; I will pause for two minutes. "
                        "What you entered so far is kept."
                    )
                )
            )
            try:
                await send_screen(application.bot, update.effective_chat.id, notice)
            except TelegramError as exc:
                log.warning("could not send the flood notice: %s", type(exc).__name__)
        return False

    return admit_or_drop
