"""Weekly digests: /digest (a preview), /digest settings and the `dg:` buttons."""

from __future__ import annotations

from telegram import Update

from bot.services.digests import DigestService
from handlers.plumbing.context import AppContext
from handlers.plumbing.render import reply

SETTINGS_WORDS = ("settings", "настройки", "жөндөөлөр")


async def on_digest(update: Update, context: AppContext) -> None:
    """/digest: this week's digest so far, not counted as sent; `/digest settings`."""
    digests = context.rules(DigestService)
    if context.args and context.args[0].lower() in SETTINGS_WORDS:
        await reply(update, context, await digests.settings_screen(context.actor))
        return
    await reply(update, context, await digests.preview(context.actor))


async def on_button(update: Update, context: AppContext) -> None:
    """A `dg:` button: the person's or a managed group's day, hour, language or off."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await reply(
        update, context, await context.rules(DigestService).press(context.actor, query.data)
    )
