"""Peer groups: /groups, /newgroup, /linkgroup in a group chat, `/start g_<code>`, `grp:`."""

from __future__ import annotations

from bot.core.access import Permission
from bot.core.kernel import Kernel
from bot.forms.engine import FormEngine, FormSpec
from bot.i18n import N_
from bot.services.groups import INVITE_PREFIX, GroupService
from handlers.groups import handlers as h
from handlers.plumbing.feature import Command, Feature, MenuEntry
from handlers.plumbing.notify import chat_notifier


def connect(kernel: Kernel) -> None:
    """A newcomer who opened a group's link is offered to join once registered."""
    engine = kernel.get(FormEngine)
    onboarding = engine.specs["onboarding"]
    join = kernel.get(GroupService).join_after_onboarding(onboarding.submit)
    engine.specs["onboarding"] = FormSpec(onboarding.form, join)


FEATURE = Feature(
    name="groups",
    rules=(
        lambda k: GroupService(
            k.db,
            k.clock,
            k.access,
            k.gazetteer,
            chat_notifier(k),
            k.get(FormEngine),
            bot_username=k.bot_username,
        ),
    ),
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
    raw_buttons=((r"^grp:", h.on_button),),
    deep_links={INVITE_PREFIX: h.on_group_link},
)
