"""What people see of peer groups: invitations, my groups, managing one, linking a chat."""

from __future__ import annotations

from bot.forms.onboarding import LANGUAGE_OPTIONS
from bot.forms.practice import GROUP_KIND_LABELS
from bot.i18n import N_, Tr, escape
from bot.records.groups import PeerGroup
from bot.rules.groups import (
    AlreadyMember,
    ChatLinked,
    GroupCard,
    Invitation,
    Joined,
    LinkAsked,
    LinkQuestion,
    Managed,
    MemberCard,
    MemberPage,
    NoInvitation,
    Overview,
    Removal,
    RemovedFromGroup,
)
from handlers.groups.buttons import (
    CODEC,
    DELIVERY_MODES,
    AllGroups,
    Close,
    CloseConfirmed,
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
    deliver,
)
from handlers.plumbing.codec import Press
from handlers.plumbing.screen import Button, Screen

LINKABLE_SHOWN = 20  # groups offered for a chat: a keyboard, not a directory
LANGUAGE_NAMES = {o.value: o.label for o in LANGUAGE_OPTIONS}  # each in its own language
DELIVERY_LABELS = {
    "members": N_("to members privately"),
    "chat": N_("to the linked chat"),
    "both": N_("to members and the chat"),
}


def _button(text: str, press: Press) -> Button:
    return Button(text, CODEC.encode(press))


def _kind(tr: Tr, group: PeerGroup) -> str:
    return tr.label(GROUP_KIND_LABELS.get(group.kind, group.kind))


def region_name(card: GroupCard, tr: Tr) -> str:
    """The group's region in the reader's language."""
    if card.region is not None:
        return card.region.name(tr.locale)
    return tr.label(N_("All of Kyrgyzstan"))


def _confirm(tr: Tr, question: str, yes: Button, back: Press) -> Screen:
    """A question with the button that does it and a No that goes back."""
    return Screen(question, ((yes, _button(tr.pgettext("button", "No"), back)),))


def invitation(shown: Invitation, tr: Tr) -> Screen:
    """A group's invitation with Join and No buttons; also sent after onboarding."""
    group = shown.card.group
    return Screen(
        tr.gettext(
            N_(
                "You are invited to the peer group «{name}» ({kind}, {region}). Members "
                "share what worked for them; a coordinator manages the group. Join?"
            ),
            name=group.name,
            kind=_kind(tr, group),
            region=region_name(shown.card, tr),
        ),
        (
            (
                _button("✅ " + tr.pgettext("button", "Join"), Join(group.invite_code or "")),
                _button(tr.pgettext("button", "No, thanks"), NoThanks()),
            ),
        ),
    )


def _no_invitation(tr: Tr) -> Screen:
    return Screen(tr.gettext(N_("This invitation link is no longer valid.")))


def _already_member(shown: AlreadyMember, tr: Tr) -> Screen:
    return Screen(tr.gettext(N_("You are already in the group «{name}»."), name=shown.name))


def link_opened(shown: Invitation | NoInvitation | AlreadyMember, tr: Tr) -> Screen:
    """What a group's link shows a registered person."""
    if isinstance(shown, NoInvitation):
        return _no_invitation(tr)
    if isinstance(shown, AlreadyMember):
        return _already_member(shown, tr)
    return invitation(shown, tr)


def joined(outcome: Joined | NoInvitation | AlreadyMember, tr: Tr) -> Screen:
    """After the Join button."""
    if isinstance(outcome, NoInvitation):
        return _no_invitation(tr)
    if isinstance(outcome, AlreadyMember):
        return _already_member(outcome, tr)
    return Screen(
        tr.gettext(
            N_(
                "You joined «{name}». Practices its members share appear in /practices; "
                "/groups lists your groups."
            ),
            name=outcome.name,
        )
    )


def declined(tr: Tr) -> Screen:
    """The No-thanks button."""
    return Screen(tr.gettext(N_("All right, you did not join.")))


def overview(groups: Overview, tr: Tr) -> Screen:
    """/groups: the groups I belong to, and the ones I manage."""
    heading = tr.gettext(N_("👥 Peer groups"))
    lines = [f"<b>{heading}</b>"]
    buttons: list[tuple[Button, ...]] = []
    if groups.mine:
        lines.append(tr.gettext(N_("You are a member of:")))
        for card in groups.mine:
            group = card.group
            lines.append(
                tr.gettext(
                    N_("• «{name}» — {kind}, {region}"),
                    name=group.name,
                    kind=_kind(tr, group),
                    region=region_name(card, tr),
                )
            )
            buttons.append((_button(group.name, MyGroup(group.id)),))
    elif not groups.may_manage:  # a coordinator is not told to wait for an invitation
        lines.append(
            tr.gettext(
                N_(
                    "You are not in any peer group yet. A coordinator can send you an "
                    "invitation link."
                )
            )
        )
    if groups.may_manage:
        if groups.mine:
            lines.append("")
        lines.append(
            tr.gettext(N_("Groups you manage:"))
            if groups.managed
            else tr.gettext(N_("You manage no groups yet."))
        )
        buttons.extend((_button("⚙️ " + g.name, Manage(g.id)),) for g in groups.managed)
        buttons.append((_button("➕ " + tr.pgettext("button", "New group"), NewGroup()),))
    return Screen("\n".join(lines), tuple(buttons))


def member_view(shown: MemberCard, tr: Tr) -> Screen:
    """One of my groups, with a Leave button."""
    group = shown.card.group
    text = "\n".join(
        (
            f"<b>«{escape(group.name)}»</b>",
            tr.gettext(
                N_("{kind}, {region}"), kind=_kind(tr, group), region=region_name(shown.card, tr)
            ),
            tr.ngettext("{n} member", "{n} members", shown.members),
        )
    )
    return Screen(
        text, ((_button("🚪 " + tr.pgettext("button", "Leave the group"), Leave(group.id)),),)
    )


def leave_question(group: PeerGroup, tr: Tr) -> Screen:
    """Ask before leaving a group."""
    question = N_("Leave «{name}»? Practices shared only with it will no longer be shown to you.")
    return _confirm(
        tr,
        tr.gettext(question, name=group.name),
        _button(tr.pgettext("button", "Yes, leave"), LeaveConfirmed(group.id)),
        MyGroup(group.id),
    )


def left(group: PeerGroup, tr: Tr) -> Screen:
    """After leaving."""
    return Screen(tr.gettext(N_("You left «{name}»."), name=group.name))


def _delivery_buttons(group: PeerGroup, tr: Tr) -> tuple[Button, ...]:
    """Members privately, the chat, or both: the chosen one marked."""
    return tuple(
        _button(
            ("✅ " if group.deliver_to == mode else "") + tr.label(DELIVERY_LABELS[mode]),
            deliver(group.id, mode),
        )
        for mode in DELIVERY_MODES.values()
    )


def _chat(group: PeerGroup, tr: Tr) -> tuple[str, list[tuple[Button, ...]]]:
    """The linked chat and where digests go, with their buttons; or how to link one."""
    if group.chat_id is None:
        how = N_(
            "No chat is linked. To link one, add me to the Telegram group and send "
            "/linkgroup there."
        )
        return tr.gettext(how), []
    line = tr.gettext(
        N_("Linked chat: «{title}». Digests go {where}."),
        title=group.chat_title or str(group.chat_id),
        where=tr.label(DELIVERY_LABELS[group.deliver_to]),
    )
    unlink = _button("🔗 " + tr.pgettext("button", "Unlink the chat"), Unlink(group.id))
    return line, [_delivery_buttons(group, tr), (unlink,)]


def managed(shown: Managed, tr: Tr, *, saved: bool = False) -> Screen:
    """A managed group: link, language, members, chat and its delivery, rename, close."""
    group = shown.card.group
    chat, chat_buttons = _chat(group, tr)
    lines = [
        f"<b>⚙️ «{escape(group.name)}»</b>",
        tr.gettext(
            N_("{kind}, {region}"), kind=_kind(tr, group), region=region_name(shown.card, tr)
        ),
        tr.gettext(
            N_("Language of the group: {language}"),
            language=LANGUAGE_NAMES[shown.card.language],
        ),
        tr.ngettext("{n} member", "{n} members", shown.members),
        "",
        tr.gettext(N_("Invitation link:\n{link}"), link=shown.link),
        "",
        chat,
    ]
    g = group.id
    buttons: list[tuple[Button, ...]] = [
        (
            _button("👥 " + tr.pgettext("button", "Members"), Members(g, 0)),
            _button("✏️ " + tr.pgettext("button", "Rename"), Rename(g)),
        ),
        *chat_buttons,
        (_button("🗑 " + tr.pgettext("button", "Close the group"), Close(g)),),
        (_button("◀️ " + tr.pgettext("button", "All groups"), AllGroups()),),
    ]
    toast = tr.label(N_("Saved.")) if saved else None
    return Screen("\n".join(lines), tuple(buttons), toast=toast)


def members(shown: MemberPage, tr: Tr) -> Screen:
    """A page of members, each with a Remove button."""
    group, paging = shown.group, shown.paging
    lines = [
        "<b>" + tr.gettext(N_("Members of «{name}»"), name=group.name) + "</b>",
        tr.ngettext("{n} member", "{n} members", paging.total)
        + (
            " · "
            + tr.gettext(
                N_("page {page} of {pages}"),
                page=tr.number(paging.page + 1),
                pages=tr.number(paging.pages),
            )
            if paging.pages > 1
            else ""
        ),
    ]
    buttons: list[tuple[Button, ...]] = []
    for i, member in enumerate(shown.members, start=paging.first):
        place = tr.number(i)
        lines.append(f"{place}. {escape(member.name)}")
        buttons.append((_button(f"✖️ {place}. {member.name}", Remove(group.id, member.user_id)),))
    nav = []
    if paging.has_previous:
        nav.append(_button("◀️", Members(group.id, paging.page - 1)))
    if paging.has_next:
        nav.append(_button("▶️", Members(group.id, paging.page + 1)))
    if nav:
        buttons.append(tuple(nav))
    buttons.append((_button("◀️ " + tr.pgettext("button", "Back"), Manage(group.id)),))
    return Screen("\n".join(lines), tuple(buttons))


def removal_question(shown: Removal, tr: Tr) -> Screen:
    """Ask before removing a member."""
    return _confirm(
        tr,
        tr.gettext(N_("Remove {member} from «{name}»?"), member=shown.name, name=shown.group.name),
        _button(
            tr.pgettext("button", "Yes, remove"), RemoveConfirmed(shown.group.id, shown.user_id)
        ),
        Members(shown.group.id, 0),
    )


def close_question(group: PeerGroup, tr: Tr) -> Screen:
    """Ask before closing a group."""
    question = N_(
        "Close «{name}»? Its invitation link stops working, its chat is unlinked, "
        "and practices shared only with it are no longer shown to its members."
    )
    return _confirm(
        tr,
        tr.gettext(question, name=group.name),
        _button(tr.pgettext("button", "Yes, close it"), CloseConfirmed(group.id)),
        Manage(group.id),
    )


def closed(group: PeerGroup, tr: Tr) -> Screen:
    """After closing."""
    return Screen(tr.gettext(N_("The group «{name}» is closed."), name=group.name))


def link_asked(outcome: LinkAsked, tr: Tr) -> Screen:
    """/linkgroup's answer in the group chat."""
    text = {
        LinkAsked.NO_GROUPS: N_(
            "You have no peer groups yet. Create one with /newgroup in a private chat with me."
        ),
        LinkAsked.UNREACHABLE: N_(
            "I could not write to you in private. Open a private chat with me, "
            "press Start, then send /linkgroup here again."
        ),
        LinkAsked.SENT: N_(
            "I sent you a private message to confirm which group this chat is for."
        ),
    }[outcome]
    return Screen(tr.gettext(text))


# Notices ------------------------------------------------------------------------------------


def link_question(notice: LinkQuestion, tr: Tr) -> Screen:
    """In private: which of her groups the chat is for."""
    return Screen(
        tr.gettext(
            N_(
                "Link the chat «{title}» to which of your peer groups? The group's digests "
                "can then go there."
            ),
            title=notice.chat_title,
        ),
        tuple(
            (_button(g.name, LinkChat(notice.request_id, g.id)),)
            for g in notice.groups[:LINKABLE_SHOWN]
        ),
    )


def where_digests_go(shown: Managed, tr: Tr) -> Screen:
    """After she linked a chat: where the group's digests go now, one button each."""
    group = shown.card.group
    text = tr.gettext(
        N_(
            "The chat «{title}» is now linked to «{name}». Where should the group's weekly "
            "digests go?"
        ),
        title=group.chat_title or str(group.chat_id),
        name=group.name,
    )
    buttons = tuple((button,) for button in _delivery_buttons(group, tr))
    return Screen(text, buttons)


def chat_linked(notice: ChatLinked, tr: Tr) -> Screen:
    """In the group chat: it is linked now."""
    return Screen(
        tr.gettext(N_("This chat is now linked to the peer group «{name}»."), name=notice.name)
    )


def removed(notice: RemovedFromGroup, tr: Tr) -> Screen:
    """To a removed member."""
    return Screen(
        tr.gettext(N_("You are no longer in the peer group «{name}»."), name=notice.name)
    )
