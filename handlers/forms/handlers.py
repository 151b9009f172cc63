"""Form input: pressed form buttons and messages typed into an open form."""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, Update

from bot.forms.engine import AlreadySubmitted, FormEngine
from bot.forms.kinds import Input
from handlers.common import screens
from handlers.plumbing.context import AppContext
from handlers.plumbing.forms import FormButton


def _seconds(duration: int | timedelta) -> int:
    return duration if isinstance(duration, int) else int(duration.total_seconds())


def input_of(message: Message) -> Input:
    """What the person sent, without Telegram types; anything unsupported is `other`."""
    if message.location is not None:
        return Input("location", lat=message.location.latitude, lon=message.location.longitude)
    if message.photo:
        best = message.photo[-1]
        return Input("photo", file_id=best.file_id, file_unique_id=best.file_unique_id)
    if message.voice is not None:
        v = message.voice
        return Input(
            "voice",
            file_id=v.file_id,
            file_unique_id=v.file_unique_id,
            mime_type=v.mime_type,
            duration=_seconds(v.duration),
        )
    if message.document is not None:
        d = message.document
        return Input(
            "document",
            file_id=d.file_id,
            file_unique_id=d.file_unique_id,
            mime_type=d.mime_type,
            file_name=d.file_name,
        )
    if message.text is not None:
        return Input("text", text=message.text, sent_at=message.date)
    return Input("other")


def event_key(update: Update) -> str:
    """What makes an update unique for redelivery: a pressed button's query id, or a message.

    Telegram redelivers an unconfirmed update with the same query or message id, so the engine
    records this key with the step it caused and applies a repeat once.
    """
    if update.callback_query is not None:
        return "c:" + update.callback_query.id
    message = update.effective_message
    assert message is not None
    return "m:" + ":".join((str(message.chat_id), str(message.message_id)))


async def on_form_button(update: Update, context: AppContext, pressed: FormButton) -> None:
    """A button of a form (`f:` data): the engine checks it belongs to the open question."""
    try:
        view = await context.rules(FormEngine).on_button(
            context.actor, pressed.press, event_key=event_key(update)
        )
    except AlreadySubmitted as repeat:
        view = repeat.view
    await context.reply(view)


async def on_form_input(update: Update, context: AppContext) -> None:
    """A message in a private chat: an answer to the open form, or a pointer to the menu."""
    message = update.effective_message
    assert message is not None
    view = await context.rules(FormEngine).on_input(
        context.actor, input_of(message), event_key=event_key(update)
    )
    await context.reply(view if view is not None else screens.not_in_a_form(context.tr))
