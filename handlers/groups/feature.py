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
from handlers.plumbing.access_matrix import CODE, GROUP, LINKREQ, MEMBER, E, button
from handlers.plumbing.feature import Buttons, Command, Feature, MenuEntry


def connect(kernel: Kernel) -> None:
    """A newcomer who opened a group's link is offered to join once registered."""
    engine = kernel.get(FormEngine)
    onboarding = engine.specs["onboarding"]
    join = kernel.get(GroupRules).join_after_onboarding(onboarding.submit)
    engine.specs["onboarding"] = FormSpec(onboarding.form, join)


MANAGERS = "its managers"

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
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/newgroup", "manage_groups", "R N N Y Y N"),
        E("/groups", "registered", "R Y Y Y Y Y"),
        E("/linkgroup@group", "manage_groups", "R N N Y Y N"),
        E(button(CODEC, Join(CODE)), "registered, with the group's code", "R Y Y Y Y Y"),
        E(button(CODEC, NoThanks()), "anyone", "Y Y Y Y Y Y"),
        E(button(CODEC, AllGroups()), "registered", "R Y Y Y Y Y"),
        E(button(CODEC, NewGroup()), "manage_groups", "R N N Y Y N"),
        E(button(CODEC, MyGroup(GROUP)), "its members", "S S Y S S S"),
        E(button(CODEC, Leave(GROUP)), "its members", "S S Y S S S"),
        E(button(CODEC, LeaveConfirmed(GROUP)), "its members", "S S Y S S S"),
        E(
            button(CODEC, Manage(GROUP)),
            "manage_groups, group in reach (scoped to it, or made while a coordinator)",
            "R N N S Y N",
        ),
        E(button(CODEC, Members(GROUP, 0)), MANAGERS, "R N N S Y N"),
        E(button(CODEC, Remove(GROUP, MEMBER)), MANAGERS, "R N N S Y N"),
        E(button(CODEC, RemoveConfirmed(GROUP, MEMBER)), MANAGERS, "R N N S Y N"),
        E(button(CODEC, Rename(GROUP)), MANAGERS, "R N N S Y N"),
        E(button(CODEC, Close(GROUP)), MANAGERS, "R N N S Y N"),
        E(button(CODEC, CloseConfirmed(GROUP)), MANAGERS, "R N N S Y N"),
        E(button(CODEC, Deliver(GROUP, "b")), "its managers, with a linked chat", "R N N S Y N"),
        E(button(CODEC, Unlink(GROUP)), MANAGERS, "R N N S Y N"),
        E(
            button(CODEC, LinkChat(LINKREQ, GROUP)),
            "its managers, who asked for the link",
            "S S S S S N",
        ),
    ),
)
