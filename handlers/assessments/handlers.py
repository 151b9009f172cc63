"""Rapid assessments: /assessment, /compare and `as:` buttons."""

from __future__ import annotations

from telegram import Update

from bot.rules.assessments import AssessmentRules
from handlers.assessments import screens
from handlers.assessments.buttons import Compare, Home, NewAssessment, OpenProfile
from handlers.plumbing.context import AppContext


async def on_assessment(update: Update, context: AppContext) -> None:
    """/assessment: assessed aiyl aimaks, a new assessment, the comparison."""
    found = await context.rules(AssessmentRules).home(context.actor)
    await context.reply(screens.home(found, context.tr))


async def on_compare(update: Update, context: AppContext) -> None:
    """/compare [CODE ...]: aiyl aimaks side by side (the five target ones by default)."""
    codes = [c.upper() for c in context.args or []] or None
    found = await context.rules(AssessmentRules).compare(context.actor, codes)
    await context.reply(screens.comparison(found, context.tr))


async def on_home(update: Update, context: AppContext, _: Home) -> None:
    """Back to the assessed aiyl aimaks (`as:h`)."""
    await on_assessment(update, context)


async def on_new(update: Update, context: AppContext, press: NewAssessment) -> None:
    """A new assessment of the aiyl aimak named, or one to choose (`as:n[:<place>]`)."""
    started = await context.rules(AssessmentRules).start(context.actor, press.place)
    await context.reply(screens.start(started, context.tr))


async def on_profile(update: Update, context: AppContext, press: OpenProfile) -> None:
    """An aiyl aimak's latest assessment and what changed (`as:p:<place>`)."""
    found = await context.rules(AssessmentRules).profile(context.actor, press.place)
    await context.reply(screens.profile(found, context.tr))


async def on_compare_button(update: Update, context: AppContext, _: Compare) -> None:
    """The five target aiyl aimaks side by side (`as:c`)."""
    found = await context.rules(AssessmentRules).compare(context.actor)
    await context.reply(screens.comparison(found, context.tr))
