"""Admin commands in the chat: invite links."""

from __future__ import annotations

from telegram import Update

from bot.context import AppContext
from bot.i18n import N_
from bot.screen import Screen
from bot.services.access import NotAllowed, Permission
from bot.services.users import BadScope
from handlers.render import reply


async def on_invite(update: Update, context: AppContext) -> None:
    """/invite coordinator <scope>: a one-time deep link that grants the role."""
    services = context.services
    services.access.require(context.actor, Permission.INVITE)
    args = context.args or []
    tr = context.tr
    if len(args) != 2:
        await reply(
            update,
            context,
            Screen(
                tr.gettext(
                    N_(
                        "Usage: /invite coordinator SCOPE, where SCOPE is all, a place code "
                        "such as BA-BAT, or group:ID."
                    )
                )
            ),
        )
        return
    try:
        scope = services.users.parse_scope(args[1])
        code = await services.users.create_invite(context.actor, args[0].lower(), scope)
    except BadScope:
        await reply(
            update,
            context,
            Screen(
                tr.gettext(
                    N_(
                        "Unknown scope {scope}: use all, a place code such as BA-BAT, or group:ID."
                    ),
                    scope=args[1],
                )
            ),
        )
        return
    except NotAllowed:
        await reply(
            update,
            context,
            Screen(tr.gettext(N_("Unknown role {role}: use coordinator or admin."), role=args[0])),
        )
        return
    link = f"https://t.me/{context.bot.username}?start={code}"
    await reply(
        update,
        context,
        Screen(
            tr.gettext(
                N_("One-time invitation link (send it to one person only):\n{link}"), link=link
            )
        ),
    )
