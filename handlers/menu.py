"""Menu buttons (`m:<key>`): each runs the same handler as its command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import AppContext
from bot.forms.engine import StaleButton
from handlers import (
    assessments,
    common,
    coordinator,
    digests,
    early_warning,
    groups,
    incidents,
    needs,
    practices,
    review,
)
from handlers.render import answer_stale

Action = Callable[[Update, AppContext], Awaitable[None]]

# Features add their entries here and in bot/menu.py's MENU.
ACTIONS: dict[str, Action] = {
    "language": common.on_language,
    "mydata": common.on_mydata,
    "help": common.on_help,
    "menu": common.on_menu,
    "report": incidents.on_report,
    "myreports": incidents.on_my_reports,
    "review": review.on_review,
    "watch": early_warning.on_watch,
    "need": needs.on_need,
    "myneeds": needs.on_myneeds,
    "programme": needs.on_programme,
    "election": needs.on_election,
    "needs": needs.on_needs_overview,
    "assessment": assessments.on_assessment,
    "practice": practices.on_practice,
    "practices": practices.on_practices,
    "groups": groups.on_groups,
    "digest": digests.on_digest,
    "stats": coordinator.on_stats,
    "export": coordinator.on_export,
}


async def on_menu_button(update: Update, context: AppContext) -> None:
    """Dispatch a menu button to its command's handler; permissions are checked there."""
    query = update.callback_query
    assert query is not None and query.data is not None
    action = ACTIONS.get(query.data.removeprefix("m:"))
    if action is None:
        raise StaleButton
    await action(update, context)


async def on_stale_button(update: Update, context: AppContext) -> None:
    """Any other button: from an old message or a version that no longer exists."""
    await answer_stale(update, context)
