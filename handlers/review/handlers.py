"""Review of incident reports by coordinators: /review, open, verify, and the review forms."""

from __future__ import annotations

from telegram import Update

from bot.services.incidents import IncidentService
from handlers.incidents.handlers import answer_with, numbers, open_form
from handlers.plumbing.context import AppContext
from handlers.plumbing.render import reply

# Button letter -> the review form it opens (`inc:<letter>:<report>`).
REVIEW_FORMS = {"q": "incident_question", "d": "incident_duplicate", "r": "incident_reject"}


async def on_review(update: Update, context: AppContext) -> None:
    """/review: the oldest report in the coordinator's scope that waits for review."""
    await reply(update, context, await context.rules(IncidentService).review_next(context.actor))


async def on_next(update: Update, context: AppContext) -> None:
    """Next report (`inc:n:<after>`): the next one waiting after this number."""
    (after,) = numbers(update)
    service = context.rules(IncidentService)
    await reply(update, context, await service.review_next(context.actor, after=after))


async def on_open(update: Update, context: AppContext) -> None:
    """Open a report (`inc:o:<n>`) from an alert or an answer; the scope is checked again."""
    (number,) = numbers(update)
    service = context.rules(IncidentService)
    await answer_with(update, context, service.open_for_coordinator(context.actor, number))


async def on_verify(update: Update, context: AppContext) -> None:
    """Verify a report (`inc:v:<n>`)."""
    (number,) = numbers(update)
    await answer_with(
        update, context, context.rules(IncidentService).verify(context.actor, number)
    )


async def on_duplicate_of(update: Update, context: AppContext) -> None:
    """Mark a report a duplicate of its flagged original (`inc:D:<n>:<original>`)."""
    number, original = numbers(update)
    service = context.rules(IncidentService)
    await answer_with(update, context, service.mark_duplicate(context.actor, number, original))


async def on_review_form(update: Update, context: AppContext) -> None:
    """Ask the reporter, duplicate of N, or reject (`inc:<q|d|r>:<n>`): opens that form."""
    query = update.callback_query
    assert query is not None and query.data is not None
    (number,) = numbers(update)
    form_id = REVIEW_FORMS[query.data.split(":")[1]]
    service = context.rules(IncidentService)
    await open_form(update, context, service.review_form(context.actor, number, form_id))
