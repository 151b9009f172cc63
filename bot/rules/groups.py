"""Peer groups: creating, inviting by link, members, renaming, closing, linking a group chat.

Who manages a group is one rule: a coordinator whose reach covers it (`actor.reach`: the
groups of her `group:` scopes and those she created, only while she is a coordinator; every
group for an administrator or a coordinator of the whole country). Members see their own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.config import LANGUAGES
from bot.core.access import Actor, Permission
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.core.text import N_
from bot.forms.engine import FormEngine, FormSpec, SubmitFn, Submitted
from bot.forms.kinds import Env
from bot.forms.practice import GROUP_RENAME, NEW_GROUP, NO_REGION, WHOLE
from bot.forms.view import FormView
from bot.gazetteer import Place
from bot.records.core import Draft
from bot.records.groups import DELIVERY_MODES, Member, PeerGroup
from bot.rules.paging import Paging
from bot.typed_text import clean_label
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.groups import GroupRepository
from storage.users import UserRepository

INVITE_PREFIX = "g_"  # `/start g_<code>` joins a group; other start codes are role invites
MEMBERS_PER_PAGE = 5


@dataclass(frozen=True, slots=True)
class GroupCard:
    """A group with its region (None: all of Kyrgyzstan) and the language it speaks."""

    group: PeerGroup
    region: Place | None
    language: str  # its own, or the bot's default for a group whose creator is gone


@dataclass(frozen=True, slots=True)
class Invitation:
    """What a group's link shows: the group and a Join button; also sent after onboarding."""

    card: GroupCard


@dataclass(frozen=True, slots=True)
class NoInvitation:
    """The link's code names no active group."""


@dataclass(frozen=True, slots=True)
class AlreadyMember:
    """The person is in the group already."""

    name: str


@dataclass(frozen=True, slots=True)
class Joined:
    """The person joined the group."""

    name: str


@dataclass(frozen=True, slots=True)
class Overview:
    """/groups: the groups I am in, and the ones I manage."""

    mine: tuple[GroupCard, ...]
    may_manage: bool
    managed: tuple[PeerGroup, ...]


@dataclass(frozen=True, slots=True)
class MemberCard:
    """One of my groups, as a member sees it."""

    card: GroupCard
    members: int


@dataclass(frozen=True, slots=True)
class Managed:
    """A group I manage: its link, members, linked chat and where its digests go."""

    card: GroupCard
    members: int
    link: str


@dataclass(frozen=True, slots=True)
class MemberPage:
    """A page of a managed group's members."""

    group: PeerGroup
    members: tuple[Member, ...]
    paging: Paging


@dataclass(frozen=True, slots=True)
class Removal:
    """The question before a member is removed."""

    group: PeerGroup
    user_id: int
    name: str


class LinkAsked(StrEnum):
    """How /linkgroup in a group chat went."""

    SENT = "sent"  # the question went to the coordinator in private
    UNREACHABLE = "unreachable"  # she has not started a private chat with the bot
    NO_GROUPS = "no_groups"  # she manages no group to link


# Notices: drawn by the groups feature's screens, sent through the kernel's notifier.


@dataclass(frozen=True, slots=True)
class LinkQuestion:
    """To the coordinator, in private: which of her groups is this chat for?"""

    request_id: int
    chat_title: str
    groups: tuple[PeerGroup, ...]


@dataclass(frozen=True, slots=True)
class ChatLinked:
    """In the group chat: it is now linked to the group."""

    name: str


@dataclass(frozen=True, slots=True)
class RemovedFromGroup:
    """To a removed member."""

    name: str


class GroupRules:
    """Every rule about peer groups."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    @property
    def forms(self) -> FormEngine:
        return self.kernel.get(FormEngine)

    # who manages -----------------------------------------------------------------------------

    def link(self, group: PeerGroup) -> str:
        """The group's invitation deep link."""
        return f"https://t.me/{self.kernel.bot_username}?start={INVITE_PREFIX}{group.invite_code}"

    def card(self, group: PeerGroup) -> GroupCard:
        """The group with its region and language."""
        region = self.kernel.gazetteer.resolve(group.region) if group.region else None
        return GroupCard(group, region, self.language_of(group.language))

    def language_of(self, stored: str | None) -> str:
        """The language a group's chat is written in: the group's own, asked when it was made.

        The one rule for it (the digest to its chat, the notice that a chat is linked). Only a
        group from before languages were kept whose creator is gone has none: the default.
        """
        return stored if stored in LANGUAGES else self.kernel.settings.default_language

    def manages(self, actor: Actor, group: PeerGroup) -> bool:
        """Whether the actor manages an active group: her reach covers it."""
        if not self.kernel.access.allows(actor, Permission.MANAGE_GROUPS) or not group.active:
            return False
        return actor.reach.covers_group(group.id)

    async def managed(self, actor: Actor) -> tuple[PeerGroup, ...]:
        """The active groups this actor manages, by name."""
        if not self.kernel.access.allows(actor, Permission.MANAGE_GROUPS):
            return ()
        async with self.kernel.db.reading() as conn:
            repo = GroupRepository(conn)
            if actor.reach.everything:
                return tuple(await repo.all_active())
            return tuple(await repo.with_ids(sorted(actor.reach.groups)))

    async def roster(self, actor: Actor) -> tuple[tuple[PeerGroup, int], ...]:
        """The active groups this actor manages with their member counts (`admin groups`)."""
        groups = await self.managed(actor)
        async with self.kernel.db.reading() as conn:
            repo = GroupRepository(conn)
            return tuple([(g, await repo.count_members(g.id)) for g in groups])

    async def _managed_group(self, conn: Connection, actor: Actor, group_id: int) -> PeerGroup:
        self.kernel.access.require(actor, Permission.MANAGE_GROUPS)
        group = await GroupRepository(conn).get(group_id)
        # Out of reach is answered as missing: group numbers cannot be probed.
        if group is None or not self.manages(actor, group):
            raise StaleButton
        return group

    async def _audit(
        self,
        conn: Connection,
        actor: Actor,
        group_id: int,
        action: str,
        *,
        to_value: str | None = None,
        from_value: str | None = None,
    ) -> None:
        await AuditRepository(conn).record(
            actor_id=actor.user_id,
            entity="peer_group",
            entity_id=str(group_id),
            action=action,
            from_value=from_value,
            to_value=to_value,
            reason=None,
            now=self.kernel.clock.now(),
        )

    # creating ------------------------------------------------------------------------------

    async def start_new(self, actor: Actor) -> FormView:
        """/newgroup: open the new-group form (coordinators)."""
        self.kernel.access.require(actor, Permission.MANAGE_GROUPS)
        return await self.forms.start(actor, form_id="new_group")

    async def submit_new_group(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Create the group with a fresh invitation code."""
        self.kernel.access.require(actor, Permission.MANAGE_GROUPS)
        answers = draft.answers
        rayon, oblast = answers.get("rayon"), answers.get("oblast")
        region = (
            str(rayon)
            if rayon not in (None, WHOLE)
            else str(oblast)
            if oblast not in (None, NO_REGION)
            else None
        )
        # Asked in the form; a draft begun before the question existed takes its creator's.
        language = str(answers.get("language") or actor.locale)
        repo = GroupRepository(conn)
        group_id = await repo.create(
            name=str(answers["name"]),
            kind=str(answers["kind"]),
            region=region,
            created_by=actor.user_id,
            invite_code=secrets.token_urlsafe(9),
            language=self.language_of(language),
            now=self.kernel.clock.now(),
        )
        await self._audit(conn, actor, group_id, "created", to_value=str(answers["kind"]))
        group = await repo.get(group_id)
        assert group is not None
        return Submitted(
            N_(
                "The group «{name}» is created. Send this invitation link to its members:\n"
                "{link}\n\n/groups shows your groups and their members."
            ),
            {"name": group.name, "link": self.link(group)},
        )

    # joining -------------------------------------------------------------------------------

    async def invitation(
        self, actor: Actor, start_code: str
    ) -> Invitation | NoInvitation | AlreadyMember:
        """What opening a group's link shows: the group and a Join button."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        async with self.kernel.db.reading() as conn:
            repo = GroupRepository(conn)
            group = await repo.by_invite(start_code.removeprefix(INVITE_PREFIX))
            if group is None:
                return NoInvitation()
            if await repo.is_member(group_id=group.id, user_id=actor.user_id):
                return AlreadyMember(group.name)
        return Invitation(self.card(group))

    async def join(self, actor: Actor, code: str) -> Joined | NoInvitation | AlreadyMember:
        """The Join button: the code in it is the proof of the invitation."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        async with self.kernel.db.transaction() as conn:
            repo = GroupRepository(conn)
            group = await repo.by_invite(code)
            if group is None:
                return NoInvitation()
            added = await repo.add_member(
                group_id=group.id, user_id=actor.user_id, now=self.kernel.clock.now()
            )
        return Joined(group.name) if added else AlreadyMember(group.name)

    def join_after_onboarding(self, submit: SubmitFn) -> SubmitFn:
        """Wrap onboarding: a newcomer who came by a group's link is offered to join after."""

        async def wrapped(conn: Connection, draft: Draft, actor: Actor, env: Env) -> Submitted:
            done = await submit(conn, draft, actor, env)
            code = draft.context.get("invite")
            if not isinstance(code, str) or not code.startswith(INVITE_PREFIX):
                return done
            group = await GroupRepository(conn).by_invite(code.removeprefix(INVITE_PREFIX))
            if group is None:
                return done
            # In the language just chosen: the actor still carries the one Telegram guessed.
            to = Recipient(actor.user_id, str(draft.answers.get("language") or actor.locale))
            offer = Invitation(self.card(group))
            earlier = done.after_commit

            async def after() -> None:
                if earlier is not None:
                    await earlier()
                await self.kernel.notifier.notify(to, offer)

            return replace(done, after_commit=after)

        return wrapped

    # listing -------------------------------------------------------------------------------

    async def overview(self, actor: Actor) -> Overview:
        """/groups: the groups I belong to, and the ones I manage."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        async with self.kernel.db.reading() as conn:
            mine = await GroupRepository(conn).of_member(actor.user_id)
        return Overview(
            mine=tuple(self.card(g) for g in mine),
            may_manage=self.kernel.access.allows(actor, Permission.MANAGE_GROUPS),
            managed=await self.managed(actor),
        )

    async def member_view(self, actor: Actor, group_id: int) -> MemberCard:
        """One of my groups, with a Leave button."""
        async with self.kernel.db.reading() as conn:
            repo = GroupRepository(conn)
            group = await repo.get(group_id)
            if (
                group is None
                or not group.active
                or not await repo.is_member(group_id=group_id, user_id=actor.user_id)
            ):
                raise StaleButton
            count = await repo.count_members(group_id)
        return MemberCard(self.card(group), count)

    async def confirm_leave(self, actor: Actor, group_id: int) -> PeerGroup:
        """Ask before leaving a group."""
        async with self.kernel.db.reading() as conn:
            repo = GroupRepository(conn)
            group = await repo.get(group_id)
            # Only a member is asked: a forged id must not reveal another group's name.
            member = group is not None and await repo.is_member(
                group_id=group_id, user_id=actor.user_id
            )
        if group is None or not member:
            raise StaleButton
        return group

    async def leave(self, actor: Actor, group_id: int) -> PeerGroup:
        """Leave a group."""
        async with self.kernel.db.transaction() as conn:
            repo = GroupRepository(conn)
            group = await repo.get(group_id)
            if group is None or not await repo.remove_member(
                group_id=group_id, user_id=actor.user_id
            ):
                raise StaleButton
        return group

    # managing ------------------------------------------------------------------------------

    async def manage(self, actor: Actor, group_id: int) -> Managed:
        """A managed group: link, members, chat and its delivery."""
        async with self.kernel.db.reading() as conn:
            group = await self._managed_group(conn, actor, group_id)
            count = await GroupRepository(conn).count_members(group_id)
        return Managed(self.card(group), count, self.link(group))

    async def members(self, actor: Actor, group_id: int, page: int) -> MemberPage:
        """A page of members, each to be removed."""
        async with self.kernel.db.reading() as conn:
            group = await self._managed_group(conn, actor, group_id)
            repo = GroupRepository(conn)
            paging = Paging.of(await repo.count_members(group_id), page, MEMBERS_PER_PAGE)
            found = await repo.members(group_id, limit=MEMBERS_PER_PAGE, offset=paging.offset)
        return MemberPage(group, tuple(found), paging)

    async def confirm_remove(self, actor: Actor, group_id: int, user_id: int) -> Removal:
        """Ask before removing a member."""
        async with self.kernel.db.reading() as conn:
            group = await self._managed_group(conn, actor, group_id)
            user = await UserRepository(conn).get(user_id)
            if user is None or not await GroupRepository(conn).is_member(
                group_id=group_id, user_id=user_id
            ):
                raise StaleButton
        name = " ".join(p for p in (user.first_name, user.last_name) if p)
        return Removal(group, user_id, name)

    async def remove(self, actor: Actor, group_id: int, user_id: int) -> MemberPage:
        """Remove a member and tell them, in their language; the first page of members."""
        async with self.kernel.db.transaction() as conn:
            group = await self._managed_group(conn, actor, group_id)
            if not await GroupRepository(conn).remove_member(group_id=group_id, user_id=user_id):
                raise StaleButton
            await self._audit(conn, actor, group_id, "member_removed", from_value="member")
            member = await UserRepository(conn).get(user_id)
        page = await self.members(actor, group_id, 0)
        if member is not None:
            await self.kernel.notifier.notify(
                Recipient(user_id, member.language), RemovedFromGroup(group.name)
            )
        return page

    async def start_rename(self, actor: Actor, group_id: int) -> FormView:
        """Open the rename form for a managed group."""
        async with self.kernel.db.reading() as conn:
            await self._managed_group(conn, actor, group_id)
        return await self.forms.start(
            actor,
            form_id="group_rename",
            context={"group_id": group_id},
            restart=True,
        )

    async def submit_rename(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Rename, checking again that the actor manages the group."""
        group = await self._managed_group(conn, actor, int(draft.context["group_id"]))
        name = str(draft.answers["name"])
        await GroupRepository(conn).rename(
            group_id=group.id, name=name, now=self.kernel.clock.now()
        )
        await self._audit(conn, actor, group.id, "renamed", from_value=group.name, to_value=name)
        return Submitted(N_("The group is now called «{name}»."), {"name": name})

    async def confirm_close(self, actor: Actor, group_id: int) -> PeerGroup:
        """Ask before closing a group."""
        async with self.kernel.db.reading() as conn:
            return await self._managed_group(conn, actor, group_id)

    async def close(self, actor: Actor, group_id: int) -> PeerGroup:
        """Close a managed group."""
        async with self.kernel.db.transaction() as conn:
            group = await self._managed_group(conn, actor, group_id)
            await GroupRepository(conn).close(group_id=group_id, now=self.kernel.clock.now())
            await self._audit(conn, actor, group_id, "closed", from_value="active")
        return group

    async def set_delivery(self, actor: Actor, group_id: int, mode: str) -> Managed:
        """Where the group's digests go: members privately, the linked chat, or both."""
        if mode not in DELIVERY_MODES:
            raise StaleButton
        async with self.kernel.db.transaction() as conn:
            group = await self._managed_group(conn, actor, group_id)
            if group.chat_id is None:
                raise StaleButton
            await GroupRepository(conn).set_delivery(
                group_id=group_id, deliver_to=mode, now=self.kernel.clock.now()
            )
            await self._audit(
                conn, actor, group_id, "delivery", from_value=group.deliver_to, to_value=mode
            )
        return await self.manage(actor, group_id)

    async def set_language(self, actor: Actor, group_id: int, language: str) -> PeerGroup:
        """The language the group speaks: its chat's digests and notices come in it."""
        if language not in LANGUAGES:
            raise StaleButton
        async with self.kernel.db.transaction() as conn:
            group = await self._managed_group(conn, actor, group_id)
            repo = GroupRepository(conn)
            await repo.set_language(
                group_id=group_id, language=language, now=self.kernel.clock.now()
            )
            await self._audit(
                conn, actor, group_id, "language", from_value=group.language, to_value=language
            )
            changed = await repo.get(group_id)
        assert changed is not None
        return changed

    async def unlink(self, actor: Actor, group_id: int) -> Managed:
        """Unlink the group's chat; digests go to members privately again."""
        async with self.kernel.db.transaction() as conn:
            group = await self._managed_group(conn, actor, group_id)
            await GroupRepository(conn).unlink_chat(group_id=group_id, now=self.kernel.clock.now())
            await self._audit(
                conn, actor, group_id, "chat_unlinked", from_value=str(group.chat_id)
            )
        return await self.manage(actor, group_id)

    # linking a Telegram group chat ---------------------------------------------------------

    async def request_link(
        self, actor: Actor, *, chat_id: int, chat_title: str | None
    ) -> LinkAsked:
        """/linkgroup in a chat: ask the coordinator in private which group it belongs to."""
        self.kernel.access.require(actor, Permission.MANAGE_GROUPS)
        chat_title = (clean_label(chat_title).strip() or None) if chat_title else None
        groups = await self.managed(actor)
        if not groups:
            return LinkAsked.NO_GROUPS
        async with self.kernel.db.transaction() as conn:
            request_id = await GroupRepository(conn).create_link_request(
                chat_id=chat_id,
                chat_title=chat_title,
                requested_by=actor.user_id,
                now=self.kernel.clock.now(),
            )
        question = LinkQuestion(request_id, chat_title or str(chat_id), groups)
        delivery = await self.kernel.notifier.notify(
            Recipient(actor.user_id, actor.locale), question
        )
        # A timed-out send probably arrived; only a refusal means she never got it.
        if delivery in (Delivery.SENT, Delivery.UNKNOWN):
            return LinkAsked.SENT
        return LinkAsked.UNREACHABLE

    async def link_chat(self, actor: Actor, request_id: int, group_id: int) -> Managed:
        """The coordinator confirmed in private: link the chat and say so in it.

        Linking alone sends nothing there: she is asked next where the digests go.
        """
        async with self.kernel.db.transaction() as conn:
            repo = GroupRepository(conn)
            request = await repo.link_request(request_id)
            if request is None or request.requested_by != actor.user_id:
                raise StaleButton
            group = await self._managed_group(conn, actor, group_id)
            await repo.link_chat(
                group_id=group_id,
                chat_id=request.chat_id,
                chat_title=request.chat_title,
                now=self.kernel.clock.now(),
            )
            await repo.delete_link_requests(chat_id=request.chat_id)
            await self._audit(conn, actor, group_id, "chat_linked", to_value=str(request.chat_id))
        managed = await self.manage(actor, group_id)
        # In the group's language, as its digests there: the chat is the group's.
        await self.kernel.notifier.notify(
            Recipient(request.chat_id, managed.card.language), ChatLinked(group.name)
        )
        return managed

    def specs(self) -> dict[str, FormSpec]:
        """This feature's forms with their submit functions, for the engine."""
        return {
            "new_group": FormSpec(NEW_GROUP, self.submit_new_group),
            "group_rename": FormSpec(GROUP_RENAME, self.submit_rename),
        }

    # privacy -------------------------------------------------------------------------------

    async def export_personal(self, conn: Connection, user_id: int) -> Any:
        """The groups the person is in and created, for /mydata."""
        repo = GroupRepository(conn)
        return {
            "member_of": [g.name for g in await repo.of_member(user_id)],
            "created": [g.name for g in await repo.created_by(user_id)],
        }

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """Forget the person's pending chat links; core removes memberships."""
        await GroupRepository(conn).erase_user(user_id)
