"""Incident dossiers in the chat: /dossier, a report's dossier button, the `dos:` questions."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.rules.dossier import DossierFilter, DossierRules
from handlers.dossier import screens
from handlers.dossier.buttons import (
    ChooseArea,
    ChoosePeriod,
    ChooseResource,
    ChooseStatus,
    MakeDossier,
    ReportDossier,
)
from handlers.plumbing.context import AppContext


async def on_dossier(update: Update, context: AppContext) -> None:
    """/dossier: a dossier of several reports, beginning with the period."""
    choices = context.rules(DossierRules).choices(context.actor)
    await context.reply(screens.periods(choices, context.tr))


async def on_periods(update: Update, context: AppContext, press: ChoosePeriod) -> None:
    """The period question again (`dos:h`), as /export opens it."""
    await on_dossier(update, context)


async def on_area(update: Update, context: AppContext, press: ChooseArea) -> None:
    """A period was chosen (`dos:a:<days>`): which place."""
    rules = context.rules(DossierRules)
    choices = rules.choices(context.actor, DossierFilter(days=press.days))
    await context.reply(screens.areas(choices, press.days, context.tr))


async def on_resource(update: Update, context: AppContext, press: ChooseResource) -> None:
    """A place was chosen (`dos:s:<days>:<place>`): which resource."""
    chosen = DossierFilter(days=press.days, place=press.place)
    choices = context.rules(DossierRules).choices(context.actor, chosen)
    await context.reply(screens.resources(choices, press.days, press.place, context.tr))


async def on_status(update: Update, context: AppContext, press: ChooseStatus) -> None:
    """A resource was chosen (`dos:t:...`): which reports."""
    chosen = DossierFilter(days=press.days, place=press.place, resource=press.resource)
    choices = context.rules(DossierRules).choices(context.actor, chosen)
    screen = screens.statuses(choices, press.days, press.place, press.resource, context.tr)
    await context.reply(screen)


async def on_make(update: Update, context: AppContext, press: MakeDossier) -> None:
    """Everything was chosen (`dos:g:...`): the dossier, as a Word file."""
    chosen = DossierFilter(press.days, press.place, press.resource, press.status)
    dossier = await context.rules(DossierRules).filtered(context.actor, chosen)
    # Photos are read and re-encoded: off the event loop, so other people are not kept waiting.
    await context.reply(await asyncio.to_thread(screens.dossier_file, dossier, context.tr))


async def on_report(update: Update, context: AppContext, press: ReportDossier) -> None:
    """A report's dossier (`dos:r:<n>`), from its review card."""
    dossier = await context.rules(DossierRules).for_report(context.actor, press.number)
    await context.reply(await asyncio.to_thread(screens.dossier_file, dossier, context.tr))
