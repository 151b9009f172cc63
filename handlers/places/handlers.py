"""Typed places: /places and its `pl:` buttons."""

from __future__ import annotations

from typing import cast

from telegram import Update

from bot.records.places import Holder
from bot.rules.places import PlaceRules
from handlers.places import screens
from handlers.places.buttons import HOLDERS, ListTyped, OpenTyped
from handlers.plumbing.context import AppContext


async def on_places(update: Update, context: AppContext) -> None:
    """/places: the names typed by hand in a coordinator's reach."""
    found = await context.rules(PlaceRules).typed_names(context.actor)
    await context.reply(screens.typed_names(found, context.tr))


async def on_list(update: Update, context: AppContext, _: ListTyped) -> None:
    """The list again (`pl:l`)."""
    await on_places(update, context)


async def on_open(update: Update, context: AppContext, press: OpenTyped) -> None:
    """Which listed place is this typed name (`pl:o:<holder>:<id>`)?"""
    holder = cast(Holder, HOLDERS[press.holder])
    view = await context.rules(PlaceRules).start_attach(context.actor, holder, press.id)
    await context.reply(view)
