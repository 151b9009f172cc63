"""Turning a Screen into Telegram messages: the one place that builds keyboards."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    WebAppInfo,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.forms.view import FormView
from bot.i18n import N_
from handlers.plumbing.forms import form_screen
from handlers.plumbing.screen import Screen

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from handlers.plumbing.context import AppContext


def markup(screen: Screen) -> InlineKeyboardMarkup | None:
    """Inline keyboard for the screen's buttons, or None."""
    if not screen.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    b.text,
                    callback_data=b.data,
                    url=b.url,
                    web_app=WebAppInfo(b.web_app) if b.web_app else None,
                )
                for b in row
            ]
            for row in screen.buttons
        ]
    )


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split at paragraph, then line breaks so that no HTML tag is cut (tags never span lines)."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        if len(line) > limit:  # a single enormous line: cut hard, rare and tag-free
            if current:  # what came before it goes first, in order
                parts.append(current)
                current = ""
            while len(line) > limit:
                cut = _safe_cut(line, limit)
                parts.append(line[:cut])
                line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def _safe_cut(line: str, limit: int) -> int:
    """Where to cut a line at most `limit` long without splitting an entity (`&amp;`) or a tag.

    Escaped user text is full of entities; a cut inside one (`&am` | `p;`) makes Telegram
    refuse both halves.
    """
    cut = limit
    amp, semi = line.rfind("&", 0, cut), line.rfind(";", 0, cut)
    if amp > semi:  # an entity starts before the cut and ends after it
        cut = amp
    lt, gt = line.rfind("<", 0, cut), line.rfind(">", 0, cut)
    if lt > gt:  # likewise a tag
        cut = lt
    return cut if cut > 0 else limit


async def send_screen(
    bot: ExtBot[Any], chat_id: int, screen: Screen, *, rate_limit_args: int | None = None
) -> Message:
    """Send the screen: text (split when long), then attachments; buttons on the last part.

    Notifications pass `rate_limit_args` (see bot/ratelimit.py); replies leave it None.
    """
    chunks = split_text(screen.text)
    message: Message | None = None
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        message = await bot.send_message(
            chat_id,
            chunk,
            parse_mode=ParseMode.HTML,
            reply_markup=markup(screen) if last and not screen.attachments else None,
            rate_limit_args=rate_limit_args,
        )
    for j, attachment in enumerate(screen.attachments):
        last = j == len(screen.attachments) - 1
        keyboard = markup(screen) if last else None
        media = attachment.file_id or attachment.data
        if attachment.kind == "photo":
            message = await bot.send_photo(
                chat_id, media, reply_markup=keyboard, rate_limit_args=rate_limit_args
            )
        elif attachment.kind == "voice":
            message = await bot.send_voice(
                chat_id, media, reply_markup=keyboard, rate_limit_args=rate_limit_args
            )
        else:
            message = await bot.send_document(
                chat_id,
                media,
                filename=None if attachment.file_id else attachment.filename,
                reply_markup=keyboard,
                rate_limit_args=rate_limit_args,
            )
    assert message is not None
    return message


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a query too old to answer (after a restart) is no error."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        if "query is too old" not in exc.message.lower() and "query id is invalid" not in (
            exc.message.lower()
        ):
            raise
        log.info("callback query %s expired before it was answered", query.id)


async def answer_stale(update: Update, context: AppContext) -> None:
    """The one answer to a button whose message, form or record no longer matches."""
    if update.callback_query is not None:
        await answer_query(
            update.callback_query, context.tr.gettext(N_("This button is no longer active."))
        )


async def reply(update: Update, context: AppContext, shown: Screen | FormView) -> None:
    """Answer a pressed button (its toast), send the screen, then run its after-commit work.

    The answer to the button and the new message go out together: one round trip, not two.
    """
    query = update.callback_query
    if isinstance(shown, FormView) and shown.quiet:
        if query is not None:
            await answer_query(query)
        return
    screen = form_screen(shown) if isinstance(shown, FormView) else shown
    chat = update.effective_chat
    calls: list[Awaitable[object]] = []
    if query is not None:
        calls.append(answer_query(query, screen.toast))
    if chat is not None:
        calls.append(send_screen(context.bot, chat.id, screen))
    await asyncio.gather(*calls)
    if screen.after_commit is not None:
        await screen.after_commit()


async def reply_document(
    update: Update, context: AppContext, data: bytes, filename: str, caption: str
) -> None:
    """Send a file into the update's chat."""
    if update.callback_query is not None:
        await answer_query(update.callback_query)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(
        chat.id, data, filename=filename, caption=caption, parse_mode=ParseMode.HTML
    )
