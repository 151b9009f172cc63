"""The one error handler: log with the update id, answer in the person's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.core.errors import NotAllowed, NotRegistered, StaleButton, StorageUnavailable
from bot.i18n import N_
from handlers.plumbing.context import AppContext
from handlers.plumbing.guards import resolve_actor
from handlers.plumbing.render import answer_stale, reply
from handlers.plumbing.screen import Screen

log = logging.getLogger(__name__)

REFUSALS = {
    NotAllowed: N_("Sorry, you do not have permission for this."),
    NotRegistered: N_("Please register first: send /start."),
    StorageUnavailable: N_(
        "I could not save that just now. Please try again in a minute; "
        "what you entered so far is kept."
    ),
}


async def on_error(update: object, context: AppContext) -> None:
    """Never let an exception escape; refusals are expected, anything else is logged."""
    error = context.error
    if isinstance(error, StaleButton) and isinstance(update, Update):
        await _resolve(update, context)
        await answer_stale(update, context)
        return
    refusal = next((m for kind, m in REFUSALS.items() if isinstance(error, kind)), None)
    update_id = update.update_id if isinstance(update, Update) else None
    if refusal is None:
        # Only the type and update id: the text of reports never reaches the logs.
        log.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)
        refusal = N_(
            "Something went wrong on my side. Nothing you submitted is lost; please try again."
        )
    elif isinstance(error, StorageUnavailable):
        log.warning("update %s: storage unavailable: %s", update_id, error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await _resolve(update, context)
        await reply(update, context, Screen(context.tr.gettext(refusal)))
    except (TelegramError, StorageUnavailable) as exc:
        log.warning(
            "update %s: could not tell the user about the error: %s", update_id, type(exc).__name__
        )


async def _resolve(update: Update, context: AppContext) -> None:
    """PTB gives error handlers a fresh context: resolve the actor again for the language."""
    await resolve_actor(update, context)
