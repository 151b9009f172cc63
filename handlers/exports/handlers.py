"""Coordinator tools: /export (with its `exp:` buttons) and /stats."""

from __future__ import annotations

from telegram import Update

from bot.services.exports import ExportService
from bot.services.stats import StatsService
from handlers.plumbing.context import AppContext
from handlers.plumbing.render import reply


async def on_export(update: Update, context: AppContext) -> None:
    """/export: choose what to export, then the format, period and region."""
    await reply(update, context, await context.rules(ExportService).start(context.actor))


async def on_export_button(update: Update, context: AppContext) -> None:
    """An `exp:` button; the service re-checks the right to export and the region."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await reply(
        update, context, await context.rules(ExportService).on_button(context.actor, query.data)
    )


async def on_stats(update: Update, context: AppContext) -> None:
    """/stats: counts for the coordinator's scope, this week and all time."""
    await reply(update, context, await context.rules(StatsService).screen(context.actor))
