"""Rapid assessments: /assessment, /compare and `as:` buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from telegram import Update

from bot.rules.assessments import AssessmentRules
from handlers.assessments import screens
from handlers.assessments.buttons import Compare, Home, NewAssessment, OpenProfile, OverTime
from handlers.plumbing.context import AppContext


async def on_assessment(update: Update, context: AppContext) -> None:
    """/assessment: assessed aiyl aimaks, a new assessment, the comparison."""
    found = await context.rules(AssessmentRules).home(context.actor)
    await context.reply(screens.home(found, context.tr))


async def on_compare(update: Update, context: AppContext) -> None:
    """/compare [dd.mm.yyyy] [CODE ...]: side by side (the five targets; one code: over time)."""
    codes, as_of = compare_arguments(context.args or [])
    found = await context.rules(AssessmentRules).compare_asked(context.actor, codes, as_of)
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


async def on_over_time(update: Update, context: AppContext, press: OverTime) -> None:
    """One aiyl aimak's assessments side by side, dates as columns (`as:t:<place>`)."""
    found = await context.rules(AssessmentRules).over_time(context.actor, press.place)
    await context.reply(screens.over_time(found, context.tr))


async def on_compare_button(update: Update, context: AppContext, _: Compare) -> None:
    """The five target aiyl aimaks side by side (`as:c`)."""
    found = await context.rules(AssessmentRules).compare(context.actor)
    await context.reply(screens.comparison(found, context.tr))


def compare_arguments(args: Sequence[str]) -> tuple[list[str], date | None]:
    """/compare's words: aiyl aimak codes, and the day to compare on (dd.mm.yyyy)."""
    codes: list[str] = []
    as_of = None
    for word in args:
        try:
            as_of = datetime.strptime(word, "%d.%m.%Y").date()
        except ValueError:
            codes.append(word.upper())
    return codes, as_of
