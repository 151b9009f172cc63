"""Early warning for coordinators: /watch, a place's 8 weeks (`ew:p:`), its reports (`ew:r:`)."""

from __future__ import annotations

from telegram import Update

from bot.rules.early_warning import EarlyWarningRules
from handlers.early_warning import screens
from handlers.early_warning.buttons import OpenReports, OpenWatch, OpenWeeks
from handlers.plumbing.context import AppContext


async def on_watch(update: Update, context: AppContext) -> None:
    """/watch: places rising or calming in the coordinator's reach."""
    shown = await context.rules(EarlyWarningRules).watch(context.actor)
    await context.reply(screens.watch_list(shown, context.tr))


async def on_watch_button(update: Update, context: AppContext, press: OpenWatch) -> None:
    """The watch list again (`ew:w`)."""
    await on_watch(update, context)


async def on_weeks(update: Update, context: AppContext, press: OpenWeeks) -> None:
    """A place's last 8 weeks (`ew:p:<place>`); the reach is checked again."""
    shown = await context.rules(EarlyWarningRules).weeks(context.actor, press.place)
    await context.reply(screens.weeks(shown, context.tr))


async def on_reports(update: Update, context: AppContext, press: OpenReports) -> None:
    """A place's reports of the signal's weeks (`ew:r:<place>`); the reach is checked again."""
    shown = await context.rules(EarlyWarningRules).reports(context.actor, press.place)
    await context.reply(screens.report_list(shown, context.tr))
