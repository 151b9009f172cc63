"""Women's needs: /need, /myneeds, /programme, /election, /needs, /results and `nd:` buttons."""

from __future__ import annotations

from telegram import Update

from bot.services.needs import NeedService
from handlers.plumbing.context import AppContext
from handlers.plumbing.render import reply


async def on_need(update: Update, context: AppContext) -> None:
    """/need: record a women's need."""
    await reply(update, context, await context.rules(NeedService).start_need(context.actor))


async def on_myneeds(update: Update, context: AppContext) -> None:
    """/myneeds: her needs and their stage."""
    await reply(update, context, await context.rules(NeedService).my_needs(context.actor))


async def on_programme(update: Update, context: AppContext) -> None:
    """/programme: compile chosen needs into a draft electoral programme."""
    await reply(update, context, await context.rules(NeedService).start_programme(context.actor))


async def on_election(update: Update, context: AppContext) -> None:
    """/election: record the election result."""
    await reply(update, context, await context.rules(NeedService).start_election(context.actor))


async def on_needs_overview(update: Update, context: AppContext) -> None:
    """/needs: coordinators see needs by topic and region and the advocacy funnel."""
    await reply(update, context, await context.rules(NeedService).overview_screen(context.actor))


async def on_results(update: Update, context: AppContext) -> None:
    """/results: coordinators see the candidates' election results."""
    await reply(update, context, await context.rules(NeedService).results_screen(context.actor))


async def on_need_button(update: Update, context: AppContext) -> None:
    """A `nd:` button: the service re-checks who may do what."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await reply(
        update, context, await context.rules(NeedService).on_button(context.actor, query.data)
    )
