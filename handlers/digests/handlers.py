"""Weekly digests: /digest (a preview), /digest settings and the `dg:` buttons."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.rules.digests import DigestRules
from handlers.digests import screens
from handlers.digests.buttons import (
    GroupDay,
    GroupHour,
    GroupLanguage,
    GroupOff,
    GroupOn,
    MineOff,
    MineOn,
    MyDay,
    MyHour,
    OpenGroup,
    OpenSettings,
)
from handlers.plumbing.context import AppContext

SETTINGS_WORDS = ("settings", "настройки", "жөндөөлөр")


async def on_digest(update: Update, context: AppContext) -> None:
    """/digest: this week's digest so far, not counted as sent; `/digest settings`."""
    digests = context.rules(DigestRules)
    if context.args and context.args[0].lower() in SETTINGS_WORDS:
        await context.reply(screens.settings(await digests.settings(context.actor), context.tr))
        return
    shown = await digests.preview(context.actor)
    sections = context.bot_data.surface.digest_sections
    # Off the event loop: the preview draws the chart and the heat table.
    screen = await asyncio.to_thread(screens.preview, shown, context.tr, sections=sections)
    await context.reply(screen)


async def on_settings(update: Update, context: AppContext, press: OpenSettings) -> None:
    """The digest settings (`dg:s`)."""
    await context.reply(
        screens.settings(await context.rules(DigestRules).settings(context.actor), context.tr)
    )


async def on_mine_off(update: Update, context: AppContext, press: MineOff) -> None:
    """Turn one's own digest off (`dg:u:x`)."""
    shown = await context.rules(DigestRules).change_mine(context.actor, enabled=False)
    await context.reply(screens.settings(shown, context.tr))


async def on_mine_on(update: Update, context: AppContext, press: MineOn) -> None:
    """Turn one's own digest on (`dg:u:o`)."""
    shown = await context.rules(DigestRules).change_mine(context.actor, enabled=True)
    await context.reply(screens.settings(shown, context.tr))


async def on_my_day(update: Update, context: AppContext, press: MyDay) -> None:
    """A coordinator moves her digest to another day (`dg:u:w:<day>`)."""
    shown = await context.rules(DigestRules).change_mine(context.actor, weekday=press.day)
    await context.reply(screens.settings(shown, context.tr))


async def on_my_hour(update: Update, context: AppContext, press: MyHour) -> None:
    """A coordinator moves her digest to another hour (`dg:u:h:<hour>`)."""
    shown = await context.rules(DigestRules).change_mine(context.actor, hour=press.hour)
    await context.reply(screens.settings(shown, context.tr))


async def on_group(update: Update, context: AppContext, press: OpenGroup) -> None:
    """A managed group's digest settings (`dg:g:<group>`)."""
    shown = await context.rules(DigestRules).group_settings(context.actor, press.group)
    await context.reply(screens.group_settings(shown, context.tr))


async def on_group_day(update: Update, context: AppContext, press: GroupDay) -> None:
    """The group digest's day (`dg:g:<group>:w:<day>`)."""
    rules = context.rules(DigestRules)
    shown = await rules.change_group(context.actor, press.group, weekday=press.day)
    await context.reply(screens.group_settings(shown, context.tr))


async def on_group_hour(update: Update, context: AppContext, press: GroupHour) -> None:
    """The group digest's hour (`dg:g:<group>:h:<hour>`)."""
    rules = context.rules(DigestRules)
    shown = await rules.change_group(context.actor, press.group, hour=press.hour)
    await context.reply(screens.group_settings(shown, context.tr))


async def on_group_off(update: Update, context: AppContext, press: GroupOff) -> None:
    """Turn the group's digest off (`dg:g:<group>:x`)."""
    rules = context.rules(DigestRules)
    shown = await rules.change_group(context.actor, press.group, enabled=False)
    await context.reply(screens.group_settings(shown, context.tr))


async def on_group_on(update: Update, context: AppContext, press: GroupOn) -> None:
    """Turn the group's digest on (`dg:g:<group>:o`)."""
    rules = context.rules(DigestRules)
    shown = await rules.change_group(context.actor, press.group, enabled=True)
    await context.reply(screens.group_settings(shown, context.tr))


async def on_group_language(update: Update, context: AppContext, press: GroupLanguage) -> None:
    """The language of the digest in the group's chat (`dg:g:<group>:l:<language>`)."""
    rules = context.rules(DigestRules)
    shown = await rules.change_group(context.actor, press.group, language=press.language)
    await context.reply(screens.group_settings(shown, context.tr))
