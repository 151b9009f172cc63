"""/dashboard in the chat: the Mini App's button (and the chat's menu button), a login link."""

from __future__ import annotations

import logging

from telegram import MenuButtonWebApp, Update, WebAppInfo
from telegram.error import TelegramError

from bot.rules.dashboard import DashboardRules
from handlers.dashboard import screens
from handlers.dashboard.buttons import MakeLoginLink
from handlers.plumbing.context import AppContext

log = logging.getLogger(__name__)


async def on_dashboard(update: Update, context: AppContext) -> None:
    """/dashboard (and the menu's entry): the Mini App and a link for a browser."""
    shown = context.rules(DashboardRules).entry(context.actor)
    if shown.mini_app is not None:
        await offer_menu_button(update, context, shown.mini_app)
    await context.reply(screens.entry(shown, context.tr))


async def on_login_link(update: Update, context: AppContext, _: MakeLoginLink) -> None:
    """The "Link for a browser" button (`db:l`): a one-time link, valid 10 minutes."""
    made = await context.rules(DashboardRules).login_link(context.actor)
    await context.reply(screens.login_link(made, context.tr))


async def offer_menu_button(update: Update, context: AppContext, url: str) -> None:
    """The chat's menu button opens the Mini App from now on; a refusal only costs that."""
    chat = update.effective_chat
    if chat is None:
        return
    button = MenuButtonWebApp(screens.menu_button_text(context.tr), WebAppInfo(url))
    try:
        await context.bot.set_chat_menu_button(chat_id=chat.id, menu_button=button)
    except TelegramError as exc:
        log.warning("could not set the dashboard menu button: %s", type(exc).__name__)
