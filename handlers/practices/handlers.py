"""Practices: /practice, /practices, /search and the `pr:` buttons.

Every button carries ids only; the rule it calls checks the person's role and reach again.
"""

from __future__ import annotations

from telegram import Update

from bot.rules.practices import PracticeRules
from bot.rules.recommendations import RecommendationRules
from handlers.plumbing.context import AppContext
from handlers.plumbing.render import answer_query
from handlers.practices import screens
from handlers.practices.buttons import (
    AnswerQuestion,
    Approve,
    AskAuthor,
    AskForEdits,
    ChooseRegion,
    ChooseTopic,
    Decline,
    DocumentFile,
    DocumentPeriod,
    DocumentTopic,
    EditPractice,
    ListPractices,
    MarkHelpful,
    MyPractices,
    OpenPractice,
    Recommendations,
    SearchForm,
    SearchResults,
    WaitingPractices,
)


async def on_practice(update: Update, context: AppContext) -> None:
    """/practice and the menu entry: share a practice."""
    rules = context.rules(PracticeRules)
    await context.reply(await rules.start_sharing(context.actor))


async def on_practices(update: Update, context: AppContext) -> None:
    """/practices and the menu entry: browse what peers shared."""
    listing = await context.rules(PracticeRules).browse(context.actor)
    await context.reply(screens.browse(listing, context.tr))


async def on_search(update: Update, context: AppContext) -> None:
    """/search word: matches at once; /search alone asks for the word."""
    words = " ".join(context.args or ())
    rules = context.rules(PracticeRules)
    if not words:
        await context.reply(await rules.start_search(context.actor))
        return
    found = await rules.search(context.actor, words)
    await context.reply(screens.search_result(found, context.tr))


async def on_list(update: Update, context: AppContext, press: ListPractices) -> None:
    """A page of practices with filters (`pr:l:<topic>:<region>:<sort>:<page>`)."""
    listing = await context.rules(PracticeRules).browse(
        context.actor,
        topic=press.topic,
        region=press.region,
        order=press.sort.order,
        page=press.page,
    )
    await context.reply(screens.browse(listing, context.tr))


async def on_choose_topic(update: Update, context: AppContext, press: ChooseTopic) -> None:
    """The topic filter (`pr:t:<region>:<sort>`)."""
    choice = context.rules(PracticeRules).topic_filter(
        context.actor, region=press.region, order=press.sort.order
    )
    await context.reply(screens.topic_question(choice, context.tr))


async def on_choose_region(update: Update, context: AppContext, press: ChooseRegion) -> None:
    """The region filter (`pr:r:<topic>:<sort>`)."""
    choice = await context.rules(PracticeRules).region_filter(
        context.actor, topic=press.topic, order=press.sort.order
    )
    await context.reply(screens.region_question(choice, context.tr))


async def on_open(update: Update, context: AppContext, press: OpenPractice) -> None:
    """A practice in full (`pr:o:<practice>`)."""
    card = await context.rules(PracticeRules).open(context.actor, press.practice)
    await context.reply(screens.card(card, context.tr))


async def on_helpful(update: Update, context: AppContext, press: MarkHelpful) -> None:
    """This helped me (`pr:h:<practice>`): answered with a short notice only."""
    outcome = await context.rules(PracticeRules).mark_helpful(context.actor, press.practice)
    assert update.callback_query is not None
    await answer_query(update.callback_query, screens.helpful_toast(outcome, context.tr))


async def on_ask(update: Update, context: AppContext, press: AskAuthor) -> None:
    """Ask the author (`pr:q:<practice>`)."""
    view = await context.rules(PracticeRules).start_question(context.actor, press.practice)
    await context.reply(view)


async def on_answer(update: Update, context: AppContext, press: AnswerQuestion) -> None:
    """The author answers a relayed question (`pr:an:<question>`)."""
    opened = await context.rules(PracticeRules).start_answer(context.actor, press.question)
    await context.reply(screens.answer_opened(opened, context.tr))


async def on_mine(update: Update, context: AppContext, press: MyPractices) -> None:
    """My practices (`pr:my:<page>`)."""
    found = await context.rules(PracticeRules).mine(context.actor, press.page)
    await context.reply(screens.mine(found, context.tr))


async def on_search_form(update: Update, context: AppContext, press: SearchForm) -> None:
    """The Search button (`pr:sf`): ask for a word."""
    rules = context.rules(PracticeRules)
    await context.reply(await rules.start_search(context.actor))


async def on_search_page(update: Update, context: AppContext, press: SearchResults) -> None:
    """A page of a search's matches (`pr:s:<search>:<page>`)."""
    found = await context.rules(PracticeRules).search_page(context.actor, press.search, press.page)
    await context.reply(screens.search_page(found, context.tr))


async def on_edit(update: Update, context: AppContext, press: EditPractice) -> None:
    """The author edits a practice not yet published (`pr:e:<practice>`)."""
    view = await context.rules(PracticeRules).start_edit(context.actor, press.practice)
    await context.reply(view)


async def on_waiting(update: Update, context: AppContext, press: WaitingPractices) -> None:
    """Practices waiting for my approval (`pr:w:<page>`)."""
    found = await context.rules(PracticeRules).waiting(context.actor, press.page)
    await context.reply(screens.waiting(found, context.tr))


async def on_approve(update: Update, context: AppContext, press: Approve) -> None:
    """Publish a practice (`pr:ok:<practice>`); its author is told."""
    done = await context.rules(PracticeRules).approve(context.actor, press.practice)
    await context.reply(screens.approved(done, context.tr))


async def on_ask_for_edits(update: Update, context: AppContext, press: AskForEdits) -> None:
    """Send a practice back with a comment (`pr:ed:<practice>`)."""
    opened = await context.rules(PracticeRules).start_edits_request(context.actor, press.practice)
    await context.reply(screens.review_comment(opened, context.tr))


async def on_decline(update: Update, context: AppContext, press: Decline) -> None:
    """Decline a practice with a reason (`pr:dc:<practice>`)."""
    opened = await context.rules(PracticeRules).start_decline(context.actor, press.practice)
    await context.reply(screens.review_comment(opened, context.tr))


async def on_recommendations(update: Update, context: AppContext, press: Recommendations) -> None:
    """The recommendations document (`pr:x`): which topic."""
    choices = context.rules(RecommendationRules).choices(context.actor)
    await context.reply(screens.document_topics(choices, context.tr))


async def on_document_topic(update: Update, context: AppContext, press: DocumentTopic) -> None:
    """The document's topic is chosen (`pr:xt:<topic>`): which period."""
    choices = context.rules(RecommendationRules).choices(context.actor)
    await context.reply(screens.document_periods(choices, press.topic, context.tr))


async def on_document_period(update: Update, context: AppContext, press: DocumentPeriod) -> None:
    """The period is chosen (`pr:xp:<topic>:<days>`): which file format."""
    choices = context.rules(RecommendationRules).choices(context.actor)
    await context.reply(screens.document_formats(choices, press.topic, press.days, context.tr))


async def on_document(update: Update, context: AppContext, press: DocumentFile) -> None:
    """The document as a file (`pr:xf:<topic>:<days>:<format>`), within the person's reach."""
    compiled = await context.rules(RecommendationRules).document(
        context.actor, topic=press.topic, days=press.days, fmt=press.format
    )
    await context.reply(screens.document(compiled, press.format, context.tr))
