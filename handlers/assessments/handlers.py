"""Rapid assessments: /assessment, /compare and `as:` buttons."""

from __future__ import annotations

from telegram import Update

from bot.services.assessments import AssessmentService
from handlers.plumbing.context import AppContext
from handlers.plumbing.render import reply


async def on_assessment(update: Update, context: AppContext) -> None:
    """/assessment: assessed aiyl aimaks, a new assessment, the comparison."""
    await reply(update, context, await context.rules(AssessmentService).home(context.actor))


async def on_compare(update: Update, context: AppContext) -> None:
    """/compare [CODE ...]: aiyl aimaks side by side (the five target ones by default)."""
    codes = [c.upper() for c in context.args or []] or None
    screen = await context.rules(AssessmentService).compare_screen(context.actor, codes)
    await reply(update, context, screen)


async def on_assessment_button(update: Update, context: AppContext) -> None:
    """An `as:` button: the service re-checks role and scope."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await reply(
        update,
        context,
        await context.rules(AssessmentService).on_button(context.actor, query.data),
    )
