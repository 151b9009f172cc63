"""/stats: counts for the reader's area, this week and all time."""

from __future__ import annotations

from telegram import Update

from bot.rules.stats import StatsRules
from handlers.plumbing.context import AppContext
from handlers.stats import screens


async def on_stats(update: Update, context: AppContext) -> None:
    """/stats (and the menu's 📊): counts for the coordinator's area."""
    found = await context.rules(StatsRules).stats(context.actor)
    await context.reply(screens.stats(found, context.tr))
