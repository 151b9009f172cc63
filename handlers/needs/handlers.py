"""Women's needs: /need, /myneeds, /programme, /election, /needs, /results and `nd:` buttons."""

from __future__ import annotations

from telegram import Update

from bot.rules.needs import NeedRules
from handlers.needs import screens
from handlers.needs.buttons import (
    ChooseJoin,
    Join,
    NoChangeYet,
    OpenMyNeeds,
    OpenNeed,
    OpenOverview,
    OpenResults,
    OpenShared,
    OpenTopic,
    RecordProgress,
    Share,
    ShareWith,
    ShowFiles,
    Unshare,
)
from handlers.plumbing.context import AppContext


async def on_need(update: Update, context: AppContext) -> None:
    """/need: record a women's need."""
    await context.reply(await context.rules(NeedRules).start_need(context.actor))


async def on_myneeds(update: Update, context: AppContext) -> None:
    """/myneeds: her needs and their stage."""
    mine = await context.rules(NeedRules).my_needs(context.actor)
    await context.reply(screens.my_needs(mine, context.tr))


async def on_programme(update: Update, context: AppContext) -> None:
    """/programme: compile chosen needs into a draft electoral programme."""
    started = await context.rules(NeedRules).start_programme(context.actor)
    await context.reply(screens.programme_start(started, context.tr))


async def on_election(update: Update, context: AppContext) -> None:
    """/election: record the election result."""
    await context.reply(await context.rules(NeedRules).start_election(context.actor))


async def on_needs_overview(update: Update, context: AppContext) -> None:
    """/needs: coordinators see needs by topic and region and the advocacy funnel."""
    data = await context.rules(NeedRules).overview(context.actor)
    await context.reply(screens.overview(data, context.tr))


async def on_results(update: Update, context: AppContext) -> None:
    """/results: coordinators see the candidates' election results."""
    found = await context.rules(NeedRules).results(context.actor)
    await context.reply(screens.results(found, context.tr))


async def on_my_needs_button(update: Update, context: AppContext, _: OpenMyNeeds) -> None:
    """Her own needs (`nd:l`)."""
    await on_myneeds(update, context)


async def on_shared(update: Update, context: AppContext, _: OpenShared) -> None:
    """Needs shared in her groups (`nd:g`)."""
    items = await context.rules(NeedRules).shared_in_groups(context.actor)
    await context.reply(screens.shared(items, context.tr))


async def on_overview_button(update: Update, context: AppContext, _: OpenOverview) -> None:
    """Back to a coordinator's overview (`nd:o`)."""
    await on_needs_overview(update, context)


async def on_results_button(update: Update, context: AppContext, _: OpenResults) -> None:
    """Election results from the overview (`nd:r`)."""
    await on_results(update, context)


async def on_no_change(update: Update, context: AppContext, _: NoChangeYet) -> None:
    """The answer "no change yet" to the monthly reminder (`nd:k`): asked again in a month."""
    await context.reply(screens.reminder_thanks(context.tr))


async def on_topic(update: Update, context: AppContext, press: OpenTopic) -> None:
    """The needs of one topic in a coordinator's reach (`nd:t:<topic>`)."""
    found = await context.rules(NeedRules).topic_needs(context.actor, press.topic)
    await context.reply(screens.topic(found, context.tr))


async def on_open(update: Update, context: AppContext, press: OpenNeed) -> None:
    """A need's card, for whoever may see it (`nd:v:<need>`)."""
    card = await context.rules(NeedRules).card(context.actor, press.need)
    await context.reply(screens.card(card, context.tr))


async def on_files(update: Update, context: AppContext, press: ShowFiles) -> None:
    """A need's photos and documents (`nd:f:<need>`)."""
    found = await context.rules(NeedRules).files(context.actor, press.need)
    await context.reply(screens.files(found, context.tr))


async def on_progress(update: Update, context: AppContext, press: RecordProgress) -> None:
    """The stage form of her need (`nd:m:<need>`)."""
    started = await context.rules(NeedRules).start_move(context.actor, press.need)
    await context.reply(screens.move(started, context.tr))


async def on_share(update: Update, context: AppContext, press: Share) -> None:
    """Share her need with her only group, or ask which (`nd:s:<need>`)."""
    outcome = await context.rules(NeedRules).share(context.actor, press.need)
    await context.reply(screens.share_outcome(outcome, context.tr))


async def on_share_with(update: Update, context: AppContext, press: ShareWith) -> None:
    """Share her need with the group chosen, 0 for all (`nd:sg:<need>:<group>`)."""
    outcome = await context.rules(NeedRules).share(context.actor, press.need, press.group)
    await context.reply(screens.share_outcome(outcome, context.tr))


async def on_unshare(update: Update, context: AppContext, press: Unshare) -> None:
    """Make her need private again (`nd:u:<need>`)."""
    card = await context.rules(NeedRules).unshare(context.actor, press.need)
    await context.reply(screens.unshared(card, context.tr))


async def on_choose_join(update: Update, context: AppContext, press: ChooseJoin) -> None:
    """Which of her needs this one may join (`nd:j:<need>`)."""
    choices = await context.rules(NeedRules).join_choices(context.actor, press.need)
    await context.reply(screens.join_choices(choices, context.tr))


async def on_join(update: Update, context: AppContext, press: Join) -> None:
    """Join her need into another's initiative (`nd:jn:<need>:<into>`)."""
    card = await context.rules(NeedRules).join(context.actor, press.need, press.into)
    await context.reply(screens.joined(card, context.tr))
