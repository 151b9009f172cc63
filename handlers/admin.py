"""Admin commands in the chat: invite links."""

from __future__ import annotations

from telegram import Update

from bot.context import AppContext
from handlers.render import reply


async def on_invite(update: Update, context: AppContext) -> None:
    """/invite coordinator <scope>: a one-time deep link that grants the role."""
    screen = await context.services.users.invite_screen(
        context.actor, context.args or [], bot_username=context.bot.username, tr=context.tr
    )
    await reply(update, context, screen)
