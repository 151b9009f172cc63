"""Admin commands in the chat: invite links."""

from __future__ import annotations

from telegram import Update

from bot.rules.users import UserRules
from handlers.admin import screens
from handlers.plumbing.context import AppContext


async def on_invite(update: Update, context: AppContext) -> None:
    """/invite coordinator <scope>: a one-time deep link that grants the role."""
    result = await context.rules(UserRules).invite(context.actor, context.args or [])
    await context.reply(screens.invitation(result, context.tr, context.bot.username))
