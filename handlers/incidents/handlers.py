"""Incident reports for the reporter: /report, /myreports, news, follow-up answers, media."""

from __future__ import annotations

from telegram import Update

from bot.rules.incidents import IncidentRules
from handlers.incidents import screens
from handlers.incidents.buttons import AddNews, AnswerFollowup, MyReport, MyReports, ShowMedia
from handlers.plumbing.context import AppContext


async def on_report(update: Update, context: AppContext) -> None:
    """/report: the incident form, or the unfinished one where it stopped."""
    await context.reply(await context.rules(IncidentRules).start_report(context.actor))


async def on_my_reports(
    update: Update, context: AppContext, press: MyReports | None = None
) -> None:
    """/myreports (and its button `inc:l:0`): the person's reports, newest first."""
    reports = await context.rules(IncidentRules).my_reports(context.actor)
    await context.reply(screens.my_reports(reports, context.tr))


async def on_my_report(update: Update, context: AppContext, press: MyReport) -> None:
    """One of the person's reports (`inc:m:<n>`): its card and history."""
    card = await context.rules(IncidentRules).my_report(context.actor, press.number)
    await context.reply(screens.my_report(card, context.tr))


async def on_add_news(update: Update, context: AppContext, press: AddNews) -> None:
    """Add news to one's report (`inc:u:<n>`): opens the update form."""
    await context.reply(
        await context.rules(IncidentRules).start_update(context.actor, press.number)
    )


async def on_followup(update: Update, context: AppContext, press: AnswerFollowup) -> None:
    """The answer to the weekly question (`inc:f:<n>:<r|o|w>`)."""
    rules = context.rules(IncidentRules)
    reply = await rules.answer_followup(context.actor, press.number, press.said.outcome)
    await context.reply(screens.followup_reply(reply, context.tr))


async def on_media(update: Update, context: AppContext, press: ShowMedia) -> None:
    """The photos and voice notes of a report (`inc:p:<n>`), resent by their Telegram ids."""
    shown = await context.rules(IncidentRules).media(context.actor, press.number)
    await context.reply(screens.media(shown, context.tr))
