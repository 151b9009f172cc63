"""/export and its `exp:` buttons: kind, format, period, region, then the file."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.outputs.exports import render
from bot.rules.exports import ExportRules
from handlers.exports import screens
from handlers.exports.buttons import AddMedia, PickFormat, PickKind, PickPeriod, PickRegion
from handlers.plumbing.context import AppContext


async def on_export(update: Update, context: AppContext) -> None:
    """/export: choose what to export, then the format, period and region."""
    menu = context.rules(ExportRules).menu(context.actor)
    await context.reply(screens.kinds(menu, context.tr))


async def on_kind(update: Update, context: AppContext, press: PickKind) -> None:
    """A kind was chosen (`exp:k:`): its formats."""
    choice = context.rules(ExportRules).formats(context.actor, press.kind.exported)
    await context.reply(screens.formats(choice, context.tr))


async def on_format(update: Update, context: AppContext, press: PickFormat) -> None:
    """A format was chosen (`exp:f:`): the periods."""
    choice = context.rules(ExportRules).periods(
        context.actor, press.kind.exported, press.format.exported
    )
    await context.reply(screens.periods(choice, context.tr))


async def on_period(update: Update, context: AppContext, press: PickPeriod) -> None:
    """A period was chosen (`exp:p:`): the parts of the reader's area."""
    choice = context.rules(ExportRules).regions(
        context.actor, press.kind.exported, press.format.exported, press.period.exported
    )
    await context.reply(screens.regions(choice, context.tr))


async def on_region(update: Update, context: AppContext, press: PickRegion) -> None:
    """A region was chosen (`exp:r:`): the file; the right to export and the region rechecked."""
    await _send(context, press, with_media=False)


async def on_media(update: Update, context: AppContext, press: AddMedia) -> None:
    """Under the file (`exp:m:`): the same export in a zip with its reports' files."""
    await _send(context, press, with_media=True)


async def _send(context: AppContext, press: PickRegion | AddMedia, *, with_media: bool) -> None:
    export = await context.rules(ExportRules).export_chosen(
        context.actor,
        kind=press.kind.exported,
        fmt=press.format.exported,
        period=press.period.exported,
        region=press.region,
        with_media=with_media,
    )
    # Off the event loop: 5000 reports take two seconds to write as XLSX, and a zip reads and
    # checks every file; other people's taps are answered meanwhile.
    made = await asyncio.to_thread(render, export, context.tr)
    await context.reply(screens.sent(export, press.period.exported, made, context.tr))
