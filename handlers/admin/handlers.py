"""Admin commands in the chat: invite links."""

from __future__ import annotations

from telegram import Update

from bot.services.users import UserService
from handlers.plumbing.context import AppContext
from handlers.plumbing.render import reply


async def on_invite(update: Update, context: AppContext) -> None:
    """/invite coordinator <scope>: a one-time deep link that grants the role."""
    screen = await context.rules(UserService).invite_screen(
        context.actor, context.args or [], bot_username=context.bot.username, tr=context.tr
    )
    await reply(update, context, screen)
