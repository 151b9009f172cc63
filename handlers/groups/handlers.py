"""Peer groups: /newgroup, /groups, /linkgroup, `/start g_<code>` and `grp:` buttons."""

from __future__ import annotations

from telegram import Update

from bot.forms.view import FormView
from bot.screen import Screen
from bot.services.groups import GroupService
from handlers.plumbing.context import AppContext
from handlers.plumbing.parsing import Press, chat_of, id_of, press_button
from handlers.plumbing.render import reply


async def on_newgroup(update: Update, context: AppContext) -> None:
    """/newgroup: a coordinator creates a peer group."""
    screen = await context.rules(GroupService).start_new(context.actor, chat_id=chat_of(update))
    await reply(update, context, screen)


async def on_groups(update: Update, context: AppContext) -> None:
    """/groups and the menu entry: my groups, and the ones I manage."""
    await reply(update, context, await context.rules(GroupService).overview(context.actor))


async def on_group_link(update: Update, context: AppContext, code: str) -> None:
    """`/start g_<code>` from a registered person: show the group and a Join button."""
    await reply(update, context, await context.rules(GroupService).invitation(context.actor, code))


async def on_linkgroup(update: Update, context: AppContext) -> None:
    """/linkgroup in a group chat: the coordinator confirms the group in private."""
    chat = update.effective_chat
    assert chat is not None
    screen = await context.rules(GroupService).request_link(
        context.actor, chat_id=chat.id, chat_title=chat.title
    )
    await reply(update, context, screen)


# Every button re-checks role and ownership in the service; ids are all the data carries.
BUTTONS: dict[str, Press[Screen | FormView]] = {
    "j": lambda c, a, _: c.rules(GroupService).join(c.actor, a[0]),
    "n": lambda c, a, _: c.rules(GroupService).declined_invitation(c.actor),
    "ls": lambda c, a, _: c.rules(GroupService).overview(c.actor),
    "new": lambda c, a, chat: c.rules(GroupService).start_new(c.actor, chat_id=chat),
    "g": lambda c, a, _: c.rules(GroupService).member_view(c.actor, id_of(a[0])),
    "lv": lambda c, a, _: c.rules(GroupService).confirm_leave(c.actor, id_of(a[0])),
    "lvy": lambda c, a, _: c.rules(GroupService).leave(c.actor, id_of(a[0])),
    "m": lambda c, a, _: c.rules(GroupService).manage(c.actor, id_of(a[0])),
    "mb": lambda c, a, _: c.rules(GroupService).members(c.actor, id_of(a[0]), id_of(a[1])),
    "rm": lambda c, a, _: c.rules(GroupService).confirm_remove(c.actor, id_of(a[0]), id_of(a[1])),
    "rmy": lambda c, a, _: c.rules(GroupService).remove(c.actor, id_of(a[0]), id_of(a[1])),
    "rn": lambda c, a, chat: c.rules(GroupService).start_rename(
        c.actor, id_of(a[0]), chat_id=chat
    ),
    "cl": lambda c, a, _: c.rules(GroupService).confirm_close(c.actor, id_of(a[0])),
    "cly": lambda c, a, _: c.rules(GroupService).close(c.actor, id_of(a[0])),
    "d": lambda c, a, _: c.rules(GroupService).set_delivery(c.actor, id_of(a[0]), a[1]),
    "ul": lambda c, a, _: c.rules(GroupService).unlink(c.actor, id_of(a[0])),
    "lk": lambda c, a, _: c.rules(GroupService).link_chat(c.actor, id_of(a[0]), id_of(a[1])),
}


async def on_button(update: Update, context: AppContext) -> None:
    """A `grp:` button; the group service re-checks who may do it."""
    await reply(update, context, await press_button(update, context, BUTTONS))
