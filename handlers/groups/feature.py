"""Peer groups: /groups, /newgroup, /linkgroup in a group chat, `/start g_<code>`, `grp:`."""

from __future__ import annotations

from bot.core.access import Permission
from bot.core.kernel import Kernel
from bot.forms.engine import FormEngine, FormSpec
from bot.i18n import N_
from bot.rules.groups import (
    INVITE_PREFIX,
    ChatLinked,
    GroupRules,
    Invitation,
    LinkQuestion,
    RemovedFromGroup,
)
from handlers.groups import handlers as h
from handlers.groups import screens
from handlers.groups.buttons import (
    CODEC,
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
from handlers.plumbing.feature import Buttons, Command, Feature, MenuEntry


def connect(kernel: Kernel) -> None:
    """A newcomer who opened a group's link is offered to join once registered."""
    engine = kernel.get(FormEngine)
    onboarding = engine.specs["onboarding"]
    join = kernel.get(GroupRules).join_after_onboarding(onboarding.submit)
    engine.specs["onboarding"] = FormSpec(onboarding.form, join)


FEATURE = Feature(
    name="groups",
    rules=(GroupRules,),
    connect=connect,
    commands=(
        Command("groups", h.on_groups, N_("My peer groups")),
        Command(
            "newgroup",
            h.on_newgroup,
            N_("Create a peer group (coordinators)"),
            permission=Permission.MANAGE_GROUPS,
        ),
        # Sent in a group chat: installed before the catch-all for commands there.
        Command("linkgroup", h.on_linkgroup, in_groups=True),
    ),
    menu=(MenuEntry("groups", N_("👥 Peer groups"), Permission.USE_FORMS, h.on_groups, 130),),
    buttons=Buttons(
        CODEC,
        {
            Join: h.on_join,
            NoThanks: h.on_no_thanks,
            AllGroups: h.on_all_groups,
            NewGroup: h.on_new_group,
            MyGroup: h.on_my_group,
            Leave: h.on_leave,
            LeaveConfirmed: h.on_leave_confirmed,
            Manage: h.on_manage,
            Members: h.on_members,
            Remove: h.on_remove,
            RemoveConfirmed: h.on_remove_confirmed,
            Rename: h.on_rename,
            Close: h.on_close,
            CloseConfirmed: h.on_close_confirmed,
            Deliver: h.on_deliver,
            Unlink: h.on_unlink,
            LinkChat: h.on_link_chat,
        },
    ),
    notices={
        # Offered after onboarding to a newcomer who came by a group's link.
        Invitation: screens.invitation,
        LinkQuestion: screens.link_question,
        ChatLinked: screens.chat_linked,
        RemovedFromGroup: screens.removed,
    },
    deep_links={INVITE_PREFIX: h.on_group_link},
)
