"""Incident reports for the reporter: /report, /myreports, news, follow-up answers, replies."""

from __future__ import annotations

from collections.abc import Awaitable

from telegram import Update

from bot.core.access import Permission
from bot.forms.engine import FormEngine
from bot.screen import Screen
from bot.services.incidents import FormStart, IncidentService
from handlers.plumbing.context import AppContext
from handlers.plumbing.parsing import id_of
from handlers.plumbing.render import reply


def numbers(update: Update) -> list[int]:
    """The ids in button data `inc:<action>:<id>[:<id>]` (the pattern checked the shape)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return [id_of(part) for part in query.data.split(":")[2:] if part.isdigit()]


async def answer_with(update: Update, context: AppContext, pending: Awaitable[Screen]) -> None:
    """Reply with the service's screen (a stale button goes to the error handler)."""
    await reply(update, context, await pending)


async def open_form(update: Update, context: AppContext, pending: Awaitable[FormStart]) -> None:
    """Start the form the service allowed, with its context."""
    start = await pending
    chat_id = update.effective_chat.id if update.effective_chat else context.actor.user_id
    screen = await context.rules(FormEngine).start(
        context.actor, chat_id=chat_id, form_id=start.form_id, context=start.context, restart=True
    )
    await reply(update, context, screen)


async def on_report(update: Update, context: AppContext) -> None:
    """/report: the incident form, or the unfinished one where it stopped."""
    context.kernel.access.require(context.actor, Permission.USE_FORMS)
    chat_id = update.effective_chat.id if update.effective_chat else context.actor.user_id
    screen = await context.rules(FormEngine).start(
        context.actor, chat_id=chat_id, form_id="incident"
    )
    await reply(update, context, screen)


async def on_my_reports(update: Update, context: AppContext) -> None:
    """/myreports (and its button `inc:l:0`): the person's reports, newest first."""
    await reply(update, context, await context.rules(IncidentService).my_reports(context.actor))


async def on_my_report(update: Update, context: AppContext) -> None:
    """One of the person's reports (`inc:m:<n>`): its card and history."""
    (number,) = numbers(update)
    await answer_with(
        update, context, context.rules(IncidentService).my_report(context.actor, number)
    )


async def on_add_news(update: Update, context: AppContext) -> None:
    """Add news to one's report (`inc:u:<n>`): opens the update form."""
    (number,) = numbers(update)
    await open_form(
        update, context, context.rules(IncidentService).update_form(context.actor, number)
    )


async def on_followup(update: Update, context: AppContext) -> None:
    """The answer to the weekly question (`inc:f:<n>:<r|o|w>`)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    number, key = id_of(query.data.split(":")[2]), query.data.split(":")[3]
    service = context.rules(IncidentService)
    await answer_with(update, context, service.answer_followup(context.actor, number, key))


async def on_reply(update: Update, context: AppContext) -> None:
    """Reply to a coordinator's question (`inc:a:<question>`): opens the answer form."""
    (question,) = numbers(update)
    await open_form(
        update, context, context.rules(IncidentService).answer_form(context.actor, question)
    )


async def on_media(update: Update, context: AppContext) -> None:
    """The photos and voice notes of a report (`inc:p:<n>`), resent by their Telegram ids."""
    (number,) = numbers(update)
    await answer_with(update, context, context.rules(IncidentService).media(context.actor, number))
