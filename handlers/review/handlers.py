"""Review of incident reports by coordinators: /review, open, verify, and the review forms."""

from __future__ import annotations

from telegram import Update

from bot.rules.review import ReviewRules
from handlers.incidents.buttons import (
    AskReporter,
    JoinDuplicate,
    NextReport,
    OpenReport,
    Reject,
    ReplyToQuestion,
    TypeDuplicate,
    Verify,
)
from handlers.plumbing.context import AppContext
from handlers.review import screens


async def on_review(update: Update, context: AppContext) -> None:
    """/review: the oldest report in the coordinator's reach that waits for review."""
    queue = await context.rules(ReviewRules).next_waiting(context.actor)
    await context.reply(screens.review_queue(queue, context.tr))


async def on_next(update: Update, context: AppContext, press: NextReport) -> None:
    """Next report (`inc:n:<after>`): the next one waiting after this number."""
    queue = await context.rules(ReviewRules).next_waiting(context.actor, after=press.after)
    await context.reply(screens.review_queue(queue, context.tr))


async def on_open(update: Update, context: AppContext, press: OpenReport) -> None:
    """Open a report (`inc:o:<n>`) from an alert or an answer; the reach is checked again."""
    card = await context.rules(ReviewRules).card(context.actor, press.number)
    await context.reply(screens.review_card(card, context.tr))


async def on_verify(update: Update, context: AppContext, press: Verify) -> None:
    """Verify a report (`inc:v:<n>`)."""
    decided = await context.rules(ReviewRules).verify(context.actor, press.number)
    await context.reply(screens.decision(decided, context.tr))


async def on_join_duplicate(update: Update, context: AppContext, press: JoinDuplicate) -> None:
    """Mark a report a duplicate of its flagged original (`inc:D:<n>:<original>`)."""
    rules = context.rules(ReviewRules)
    decided = await rules.join_duplicate(context.actor, press.number, press.original)
    await context.reply(screens.decision(decided, context.tr))


async def on_ask(update: Update, context: AppContext, press: AskReporter) -> None:
    """Ask the reporter (`inc:q:<n>`): opens the question form."""
    await context.reply(await context.rules(ReviewRules).ask_reporter(context.actor, press.number))


async def on_type_duplicate(update: Update, context: AppContext, press: TypeDuplicate) -> None:
    """Duplicate of a number to type (`inc:d:<n>`): opens that form."""
    rules = context.rules(ReviewRules)
    await context.reply(await rules.type_duplicate(context.actor, press.number))


async def on_reject(update: Update, context: AppContext, press: Reject) -> None:
    """Reject (`inc:r:<n>`): opens the form that asks for the reason."""
    await context.reply(await context.rules(ReviewRules).reject(context.actor, press.number))


async def on_reply(update: Update, context: AppContext, press: ReplyToQuestion) -> None:
    """The reporter replies to a coordinator's question (`inc:a:<question>`): the answer form."""
    rules = context.rules(ReviewRules)
    await context.reply(await rules.start_answer(context.actor, press.question))
