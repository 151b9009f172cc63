"""Peer groups: /newgroup, /groups, /linkgroup, `/start g_<code>` and the `grp:` buttons.

Every button carries ids only; the rule it calls checks the person's role and reach again.
"""

from __future__ import annotations

from telegram import Update

from bot.rules.groups import GroupRules
from handlers.groups import screens
from handlers.groups.buttons import (
    AllGroups,
    Close,
    CloseConfirmed,
    Deliver,
    Join,
    Leave,
    LeaveConfirmed,
    LinkChat,
    Manage,
    Members,
    MyGroup,
    NewGroup,
    NoThanks,
    Remove,
    RemoveConfirmed,
    Rename,
    Unlink,
)
from handlers.plumbing.context import AppContext


async def on_newgroup(update: Update, context: AppContext) -> None:
    """/newgroup: a coordinator creates a peer group."""
    rules = context.rules(GroupRules)
    await context.reply(await rules.start_new(context.actor))


async def on_groups(update: Update, context: AppContext) -> None:
    """/groups and the menu entry: my groups, and the ones I manage."""
    groups = await context.rules(GroupRules).overview(context.actor)
    await context.reply(screens.overview(groups, context.tr))


async def on_group_link(update: Update, context: AppContext, code: str) -> None:
    """`/start g_<code>` from a registered person: show the group and a Join button."""
    shown = await context.rules(GroupRules).invitation(context.actor, code)
    await context.reply(screens.link_opened(shown, context.tr))


async def on_linkgroup(update: Update, context: AppContext) -> None:
    """/linkgroup in a group chat: the coordinator confirms the group in private."""
    chat = update.effective_chat
    assert chat is not None
    outcome = await context.rules(GroupRules).request_link(
        context.actor, chat_id=chat.id, chat_title=chat.title
    )
    await context.reply(screens.link_asked(outcome, context.tr))


async def on_join(update: Update, context: AppContext, press: Join) -> None:
    """Join by an invitation (`grp:j:<code>`): the code is the proof."""
    outcome = await context.rules(GroupRules).join(context.actor, press.code)
    await context.reply(screens.joined(outcome, context.tr))


async def on_no_thanks(update: Update, context: AppContext, press: NoThanks) -> None:
    """Decline an invitation (`grp:n`)."""
    await context.reply(screens.declined(context.tr))


async def on_all_groups(update: Update, context: AppContext, press: AllGroups) -> None:
    """My groups (`grp:ls`), as /groups."""
    await on_groups(update, context)


async def on_new_group(update: Update, context: AppContext, press: NewGroup) -> None:
    """Create a group (`grp:new`), as /newgroup."""
    await on_newgroup(update, context)


async def on_my_group(update: Update, context: AppContext, press: MyGroup) -> None:
    """One of my groups (`grp:g:<group>`)."""
    shown = await context.rules(GroupRules).member_view(context.actor, press.group)
    await context.reply(screens.member_view(shown, context.tr))


async def on_leave(update: Update, context: AppContext, press: Leave) -> None:
    """Ask before leaving (`grp:lv:<group>`)."""
    group = await context.rules(GroupRules).confirm_leave(context.actor, press.group)
    await context.reply(screens.leave_question(group, context.tr))


async def on_leave_confirmed(update: Update, context: AppContext, press: LeaveConfirmed) -> None:
    """Leave (`grp:lvy:<group>`)."""
    group = await context.rules(GroupRules).leave(context.actor, press.group)
    await context.reply(screens.left(group, context.tr))


async def on_manage(update: Update, context: AppContext, press: Manage) -> None:
    """A group I manage (`grp:m:<group>`)."""
    shown = await context.rules(GroupRules).manage(context.actor, press.group)
    await context.reply(screens.managed(shown, context.tr))


async def on_members(update: Update, context: AppContext, press: Members) -> None:
    """A page of members (`grp:mb:<group>:<page>`)."""
    page = await context.rules(GroupRules).members(context.actor, press.group, press.page)
    await context.reply(screens.members(page, context.tr))


async def on_remove(update: Update, context: AppContext, press: Remove) -> None:
    """Ask before removing a member (`grp:rm:<group>:<member>`)."""
    shown = await context.rules(GroupRules).confirm_remove(
        context.actor, press.group, press.member
    )
    await context.reply(screens.removal_question(shown, context.tr))


async def on_remove_confirmed(update: Update, context: AppContext, press: RemoveConfirmed) -> None:
    """Remove a member, who is told (`grp:rmy:<group>:<member>`)."""
    page = await context.rules(GroupRules).remove(context.actor, press.group, press.member)
    await context.reply(screens.members(page, context.tr))


async def on_rename(update: Update, context: AppContext, press: Rename) -> None:
    """Rename a managed group (`grp:rn:<group>`)."""
    view = await context.rules(GroupRules).start_rename(context.actor, press.group)
    await context.reply(view)


async def on_close(update: Update, context: AppContext, press: Close) -> None:
    """Ask before closing (`grp:cl:<group>`)."""
    group = await context.rules(GroupRules).confirm_close(context.actor, press.group)
    await context.reply(screens.close_question(group, context.tr))


async def on_close_confirmed(update: Update, context: AppContext, press: CloseConfirmed) -> None:
    """Close a managed group (`grp:cly:<group>`)."""
    group = await context.rules(GroupRules).close(context.actor, press.group)
    await context.reply(screens.closed(group, context.tr))


async def on_deliver(update: Update, context: AppContext, press: Deliver) -> None:
    """Where the group's digests go (`grp:d:<group>:<m|c|b>`)."""
    shown = await context.rules(GroupRules).set_delivery(context.actor, press.group, press.mode)
    await context.reply(screens.managed(shown, context.tr, saved=True))


async def on_unlink(update: Update, context: AppContext, press: Unlink) -> None:
    """Unlink the group's chat (`grp:ul:<group>`)."""
    shown = await context.rules(GroupRules).unlink(context.actor, press.group)
    await context.reply(screens.managed(shown, context.tr))


async def on_link_chat(update: Update, context: AppContext, press: LinkChat) -> None:
    """She confirms a chat's group (`grp:lk:<req>:<group>`) and is asked where digests go."""
    shown = await context.rules(GroupRules).link_chat(context.actor, press.request, press.group)
    await context.reply(screens.where_digests_go(shown, context.tr))
