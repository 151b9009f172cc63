"""What administrators see in the chat: the answer to /invite."""

from __future__ import annotations

from bot.i18n import N_, Tr
from bot.rules.users import Invitation, InviteResult, InviteUsage, UnknownRole, UnknownScope
from handlers.plumbing.screen import Screen


def invite_link(bot_username: str, code: str) -> str:
    """The deep link that opens the bot with an invitation code."""
    return f"https://t.me/{bot_username}?start={code}"


def invitation(result: InviteResult, tr: Tr, bot_username: str) -> Screen:
    """/invite ROLE SCOPE: the one-time link, or what was wrong, in the admin's language."""
    if isinstance(result, InviteUsage):
        return Screen(
            tr.gettext(
                N_(
                    "Usage: /invite coordinator SCOPE, where SCOPE is all, a place code "
                    "such as BA-BAT, or group:ID."
                )
            )
        )
    if isinstance(result, UnknownRole):
        return Screen(
            tr.gettext(N_("Unknown role {role}: use coordinator or admin."), role=result.role)
        )
    if isinstance(result, UnknownScope):
        return Screen(
            tr.gettext(
                N_("Unknown scope {scope}: use all, a place code such as BA-BAT, or group:ID."),
                scope=result.scope,
            )
        )
    assert isinstance(result, Invitation)
    return Screen(
        tr.gettext(
            N_(
                "One-time invitation link (send it to one person only; it works until the "
                "end of {date}):\n{link}"
            ),
            date=tr.date(result.valid_until),
            link=invite_link(bot_username, result.code),
        )
    )
