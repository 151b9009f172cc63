"""Early warning for coordinators: /watch, a place's 8 weeks (`ew:p:`), its reports (`ew:r:`)."""

from __future__ import annotations

from telegram import Update

from bot.services.early_warning import EarlyWarningService
from handlers.plumbing.context import AppContext
from handlers.plumbing.render import reply


def place_of(update: Update) -> str:
    """The aiyl aimak code in button data `ew:<action>:<code>` (the pattern checked it)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return query.data.split(":", 2)[2]


async def on_watch(update: Update, context: AppContext) -> None:
    """/watch (and its button `ew:w`): places rising or calming in the coordinator's scope."""
    await reply(update, context, await context.rules(EarlyWarningService).watch(context.actor))


async def on_place(update: Update, context: AppContext) -> None:
    """A place's last 8 weeks (`ew:p:<code>`); the scope is checked again."""
    service = context.rules(EarlyWarningService)
    await reply(update, context, await service.history(context.actor, place_of(update)))


async def on_reports(update: Update, context: AppContext) -> None:
    """A place's reports of the signal's weeks (`ew:r:<code>`); the scope is checked again."""
    service = context.rules(EarlyWarningService)
    await reply(update, context, await service.reports(context.actor, place_of(update)))
