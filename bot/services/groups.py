"""Peer groups: creating, inviting by link, members, renaming, closing, linking a chat."""

from __future__ import annotations

import math
import secrets
from dataclasses import replace
from typing import Any

from bot.clock import Clock
from bot.core.access import Access, Actor, Permission, Scope
from bot.core.errors import StaleButton
from bot.forms.engine import FormEngine, FormSpec, SubmitFn, Submitted
from bot.forms.kinds import Env
from bot.forms.practice import GROUP_KIND_LABELS, GROUP_RENAME, NEW_GROUP, NO_REGION, WHOLE
from bot.forms.view import FormView
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Tr, escape, translator
from bot.records.core import Draft
from bot.screen import Button, Notifier, Screen
from bot.typed_text import clean_label
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.db import Database
from storage.groups import DELIVERY_MODES, GroupRepository, PeerGroup
from storage.users import UserRepository

INVITE_PREFIX = "g_"  # `/start g_<code>` joins a group; other start codes are role invites
MEMBERS_PER_PAGE = 5
DELIVERY_CODES = {"m": "members", "c": "chat", "b": "both"}
DELIVERY_LABELS = {
    "members": N_("to members privately"),
    "chat": N_("to the linked chat"),
    "both": N_("to members and the chat"),
}


class GroupService:
    """Every rule about peer groups; screens are rendered in the actor's language."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        access: Access,
        gazetteer: Gazetteer,
        notifier: Notifier,
        forms: FormEngine,
        *,
        bot_username: str,
    ) -> None:
        self.db = db
        self.clock = clock
        self.access = access
        self.gazetteer = gazetteer
        self.notifier = notifier
        self.forms = forms
        self.bot_username = bot_username

    # helpers -------------------------------------------------------------------------------

    def link(self, group: PeerGroup) -> str:
        """The group's invitation deep link."""
        return f"https://t.me/{self.bot_username}?start={INVITE_PREFIX}{group.invite_code}"

    def region_name(self, group: PeerGroup, tr: Tr) -> str:
        """The group's region in the reader's language."""
        if group.region and self.gazetteer.get(group.region):
            return self.gazetteer[group.region].name(tr.locale)
        return tr.label(N_("All of Kyrgyzstan"))

    def manages(self, actor: Actor, group: PeerGroup) -> bool:
        """A coordinator manages the groups they created or hold a group scope for."""
        if not self.access.allows(actor, Permission.MANAGE_GROUPS) or not group.active:
            return False
        return (
            actor.is_admin
            or group.created_by == actor.user_id
            or Scope("group", str(group.id)) in actor.coordinator_scopes
        )

    async def managed(self, conn: Connection, actor: Actor) -> list[PeerGroup]:
        """The active groups this actor manages."""
        if not self.access.allows(actor, Permission.MANAGE_GROUPS):
            return []
        repo = GroupRepository(conn)
        if actor.is_admin:
            return await repo.all_active()
        scoped = [int(s.value) for s in actor.coordinator_scopes if s.kind == "group"]
        found = {g.id: g for g in await repo.created_by(actor.user_id)}
        found.update({g.id: g for g in await repo.with_ids(scoped)})
        return sorted(found.values(), key=lambda g: (g.name, g.id))

    async def _managed_group(self, conn: Connection, actor: Actor, group_id: int) -> PeerGroup:
        self.access.require(actor, Permission.MANAGE_GROUPS)
        group = await GroupRepository(conn).get(group_id)
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
            now=self.clock.now(),
        )

    # creating ------------------------------------------------------------------------------

    async def start_new(self, actor: Actor, *, chat_id: int) -> Screen | FormView:
        """/newgroup: open the new-group form (coordinators)."""
        self.access.require(actor, Permission.MANAGE_GROUPS)
        return await self.forms.start(actor, chat_id=chat_id, form_id="new_group")

    async def submit_new_group(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Create the group with a fresh invitation code."""
        self.access.require(actor, Permission.MANAGE_GROUPS)
        answers = draft.answers
        rayon, oblast = answers.get("rayon"), answers.get("oblast")
        region = (
            str(rayon)
            if rayon not in (None, WHOLE)
            else str(oblast)
            if oblast not in (None, NO_REGION)
            else None
        )
        repo = GroupRepository(conn)
        group_id = await repo.create(
            name=str(answers["name"]),
            kind=str(answers["kind"]),
            region=region,
            created_by=actor.user_id,
            invite_code=secrets.token_urlsafe(9),
            now=self.clock.now(),
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

    def _invitation(self, group: PeerGroup, tr: Tr) -> Screen:
        return Screen(
            tr.gettext(
                N_(
                    "You are invited to the peer group «{name}» ({kind}, {region}). Members "
                    "share what worked for them; a coordinator manages the group. Join?"
                ),
                name=group.name,
                kind=tr.label(GROUP_KIND_LABELS.get(group.kind, group.kind)),
                region=self.region_name(group, tr),
            ),
            (
                (
                    Button("✅ " + tr.pgettext("button", "Join"), f"grp:j:{group.invite_code}"),
                    Button(tr.pgettext("button", "No, thanks"), "grp:n"),
                ),
            ),
        )

    async def invitation(self, actor: Actor, start_code: str) -> Screen:
        """What opening a group's link shows: the group and a Join button."""
        self.access.require(actor, Permission.USE_FORMS)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            repo = GroupRepository(conn)
            group = await repo.by_invite(start_code.removeprefix(INVITE_PREFIX))
            if group is None:
                return Screen(tr.gettext(N_("This invitation link is no longer valid.")))
            if await repo.is_member(group_id=group.id, user_id=actor.user_id):
                return Screen(
                    tr.gettext(N_("You are already in the group «{name}»."), name=group.name)
                )
        return self._invitation(group, tr)

    async def join(self, actor: Actor, code: str) -> Screen:
        """The Join button: the code in it is the proof of the invitation."""
        self.access.require(actor, Permission.USE_FORMS)
        tr = translator(actor.locale)
        async with self.db.transaction() as conn:
            repo = GroupRepository(conn)
            group = await repo.by_invite(code)
            if group is None:
                return Screen(tr.gettext(N_("This invitation link is no longer valid.")))
            added = await repo.add_member(
                group_id=group.id, user_id=actor.user_id, now=self.clock.now()
            )
        if not added:
            return Screen(
                tr.gettext(N_("You are already in the group «{name}»."), name=group.name)
            )
        return Screen(
            tr.gettext(
                N_(
                    "You joined «{name}». Practices its members share appear in /practices; "
                    "/groups lists your groups."
                ),
                name=group.name,
            )
        )

    async def declined_invitation(self, actor: Actor) -> Screen:
        """The No-thanks button."""
        return Screen(translator(actor.locale).gettext(N_("All right, you did not join.")))

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
            tr = translator(str(draft.answers.get("language") or actor.locale))
            offer = self._invitation(group, tr)
            earlier = done.after_commit

            async def after() -> None:
                if earlier is not None:
                    await earlier()
                await self.notifier.send(actor.user_id, offer)

            return replace(done, after_commit=after)

        return wrapped

    # listing -------------------------------------------------------------------------------

    async def overview(self, actor: Actor) -> Screen:
        """/groups: the groups I belong to, and the ones I manage."""
        self.access.require(actor, Permission.USE_FORMS)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            mine = await GroupRepository(conn).of_member(actor.user_id)
            managed = await self.managed(conn, actor)
        heading = tr.gettext(N_("👥 Peer groups"))
        lines = [f"<b>{heading}</b>"]
        buttons: list[tuple[Button, ...]] = []
        if mine:
            lines.append(tr.gettext(N_("You are a member of:")))
            for group in mine:
                lines.append(
                    tr.gettext(
                        N_("• «{name}» — {kind}, {region}"),
                        name=group.name,
                        kind=tr.label(GROUP_KIND_LABELS.get(group.kind, group.kind)),
                        region=self.region_name(group, tr),
                    )
                )
                buttons.append((Button(group.name, f"grp:g:{group.id}"),))
        else:
            lines.append(
                tr.gettext(
                    N_(
                        "You are not in any peer group yet. A coordinator can send you an "
                        "invitation link."
                    )
                )
            )
        if self.access.allows(actor, Permission.MANAGE_GROUPS):
            lines.append("")
            lines.append(
                tr.gettext(N_("Groups you manage:"))
                if managed
                else tr.gettext(N_("You manage no groups yet."))
            )
            buttons.extend((Button("⚙️ " + g.name, f"grp:m:{g.id}"),) for g in managed)
            buttons.append((Button("➕ " + tr.pgettext("button", "New group"), "grp:new"),))
        return Screen("\n".join(lines), tuple(buttons))

    async def member_view(self, actor: Actor, group_id: int) -> Screen:
        """One of my groups, with a Leave button."""
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            repo = GroupRepository(conn)
            group = await repo.get(group_id)
            if (
                group is None
                or not group.active
                or not await repo.is_member(group_id=group_id, user_id=actor.user_id)
            ):
                raise StaleButton
            count = await repo.count_members(group_id)
        text = "\n".join(
            (
                f"<b>«{escape(group.name)}»</b>",
                tr.gettext(
                    N_("{kind}, {region}"),
                    kind=tr.label(GROUP_KIND_LABELS.get(group.kind, group.kind)),
                    region=self.region_name(group, tr),
                ),
                tr.ngettext("{n} member", "{n} members", count),
            )
        )
        return Screen(
            text,
            ((Button("🚪 " + tr.pgettext("button", "Leave the group"), f"grp:lv:{group_id}"),),),
        )

    async def confirm_leave(self, actor: Actor, group_id: int) -> Screen:
        """Ask before leaving a group."""
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            repo = GroupRepository(conn)
            group = await repo.get(group_id)
            # Only a member is asked: a forged id must not reveal another group's name.
            member = group is not None and await repo.is_member(
                group_id=group_id, user_id=actor.user_id
            )
        if group is None or not member:
            raise StaleButton
        question = N_(
            "Leave «{name}»? Practices shared only with it will no longer be shown to you."
        )
        return _confirm(
            tr,
            tr.gettext(question, name=group.name),
            Button(tr.pgettext("button", "Yes, leave"), f"grp:lvy:{group_id}"),
            back=f"grp:g:{group_id}",
        )

    async def leave(self, actor: Actor, group_id: int) -> Screen:
        """Leave a group."""
        tr = translator(actor.locale)
        async with self.db.transaction() as conn:
            repo = GroupRepository(conn)
            group = await repo.get(group_id)
            if group is None or not await repo.remove_member(
                group_id=group_id, user_id=actor.user_id
            ):
                raise StaleButton
        return Screen(tr.gettext(N_("You left «{name}»."), name=group.name))

    # managing ------------------------------------------------------------------------------

    async def manage(self, actor: Actor, group_id: int, *, toast: str | None = None) -> Screen:
        """A managed group: link, members, chat and its delivery, rename, close."""
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            group = await self._managed_group(conn, actor, group_id)
            count = await GroupRepository(conn).count_members(group_id)
        lines = [
            f"<b>⚙️ «{escape(group.name)}»</b>",
            tr.gettext(
                N_("{kind}, {region}"),
                kind=tr.label(GROUP_KIND_LABELS.get(group.kind, group.kind)),
                region=self.region_name(group, tr),
            ),
            tr.ngettext("{n} member", "{n} members", count),
            "",
            tr.gettext(N_("Invitation link:\n{link}"), link=self.link(group)),
            "",
        ]
        g = group.id
        buttons: list[tuple[Button, ...]] = [
            (
                Button("👥 " + tr.pgettext("button", "Members"), f"grp:mb:{g}:0"),
                Button("✏️ " + tr.pgettext("button", "Rename"), f"grp:rn:{g}"),
            )
        ]
        if group.chat_id is not None:
            lines.append(
                tr.gettext(
                    N_("Linked chat: «{title}». Digests go {where}."),
                    title=group.chat_title or str(group.chat_id),
                    where=tr.label(DELIVERY_LABELS[group.deliver_to]),
                )
            )
            buttons.append(
                tuple(
                    Button(
                        ("✅ " if group.deliver_to == mode else "")
                        + tr.label(DELIVERY_LABELS[mode]),
                        f"grp:d:{g}:{code}",
                    )
                    for code, mode in DELIVERY_CODES.items()
                )
            )
            buttons.append(
                (Button("🔗 " + tr.pgettext("button", "Unlink the chat"), f"grp:ul:{g}"),)
            )
        else:
            lines.append(
                tr.gettext(
                    N_(
                        "No chat is linked. To link one, add me to the Telegram group and send "
                        "/linkgroup there."
                    )
                )
            )
        buttons.append((Button("🗑 " + tr.pgettext("button", "Close the group"), f"grp:cl:{g}"),))
        buttons.append((Button("◀️ " + tr.pgettext("button", "All groups"), "grp:ls"),))
        return Screen("\n".join(lines), tuple(buttons), toast=toast)

    async def members(self, actor: Actor, group_id: int, page: int) -> Screen:
        """A page of members, each with a Remove button."""
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            group = await self._managed_group(conn, actor, group_id)
            repo = GroupRepository(conn)
            total = await repo.count_members(group_id)
            pages = max(1, math.ceil(total / MEMBERS_PER_PAGE))
            page = min(max(page, 0), pages - 1)
            found = await repo.members(
                group_id, limit=MEMBERS_PER_PAGE, offset=page * MEMBERS_PER_PAGE
            )
        lines = [
            "<b>" + tr.gettext(N_("Members of «{name}»"), name=group.name) + "</b>",
            tr.ngettext("{n} member", "{n} members", total)
            + (
                " · " + tr.gettext(N_("page {page} of {pages}"), page=page + 1, pages=pages)
                if pages > 1
                else ""
            ),
        ]
        buttons: list[tuple[Button, ...]] = []
        for i, member in enumerate(found, start=page * MEMBERS_PER_PAGE + 1):
            lines.append(f"{i}. {escape(member.name)}")
            buttons.append(
                (Button(f"✖️ {i}. {member.name}", f"grp:rm:{group_id}:{member.user_id}"),)
            )
        nav = []
        if page > 0:
            nav.append(Button("◀️", f"grp:mb:{group_id}:{page - 1}"))
        if page < pages - 1:
            nav.append(Button("▶️", f"grp:mb:{group_id}:{page + 1}"))
        if nav:
            buttons.append(tuple(nav))
        buttons.append((Button("◀️ " + tr.pgettext("button", "Back"), f"grp:m:{group_id}"),))
        return Screen("\n".join(lines), tuple(buttons))

    async def confirm_remove(self, actor: Actor, group_id: int, user_id: int) -> Screen:
        """Ask before removing a member."""
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            group = await self._managed_group(conn, actor, group_id)
            user = await UserRepository(conn).get(user_id)
            if user is None or not await GroupRepository(conn).is_member(
                group_id=group_id, user_id=user_id
            ):
                raise StaleButton
        name = " ".join(p for p in (user.first_name, user.last_name) if p)
        return _confirm(
            tr,
            tr.gettext(N_("Remove {member} from «{name}»?"), member=name, name=group.name),
            Button(tr.pgettext("button", "Yes, remove"), f"grp:rmy:{group_id}:{user_id}"),
            back=f"grp:mb:{group_id}:0",
        )

    async def remove(self, actor: Actor, group_id: int, user_id: int) -> Screen:
        """Remove a member and tell them, in their language."""
        async with self.db.transaction() as conn:
            group = await self._managed_group(conn, actor, group_id)
            if not await GroupRepository(conn).remove_member(group_id=group_id, user_id=user_id):
                raise StaleButton
            await self._audit(conn, actor, group_id, "member_removed", from_value="member")
            member = await UserRepository(conn).get(user_id)
        screen = await self.members(actor, group_id, 0)
        if member is None:
            return screen
        notice = Screen(
            translator(member.language).gettext(
                N_("You are no longer in the peer group «{name}»."), name=group.name
            )
        )

        async def tell() -> None:
            await self.notifier.send(user_id, notice)

        return replace(screen, after_commit=tell)

    async def start_rename(
        self, actor: Actor, group_id: int, *, chat_id: int
    ) -> Screen | FormView:
        """Open the rename form for a managed group."""
        async with self.db.reading() as conn:
            await self._managed_group(conn, actor, group_id)
        return await self.forms.start(
            actor,
            chat_id=chat_id,
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
        await GroupRepository(conn).rename(group_id=group.id, name=name, now=self.clock.now())
        await self._audit(conn, actor, group.id, "renamed", from_value=group.name, to_value=name)
        return Submitted(N_("The group is now called «{name}»."), {"name": name})

    async def confirm_close(self, actor: Actor, group_id: int) -> Screen:
        """Ask before closing a group."""
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            group = await self._managed_group(conn, actor, group_id)
        question = N_(
            "Close «{name}»? Its invitation link stops working, its chat is unlinked, "
            "and practices shared only with it are no longer shown to its members."
        )
        return _confirm(
            tr,
            tr.gettext(question, name=group.name),
            Button(tr.pgettext("button", "Yes, close it"), f"grp:cly:{group_id}"),
            back=f"grp:m:{group_id}",
        )

    async def close(self, actor: Actor, group_id: int) -> Screen:
        """Close a managed group."""
        tr = translator(actor.locale)
        async with self.db.transaction() as conn:
            group = await self._managed_group(conn, actor, group_id)
            await GroupRepository(conn).close(group_id=group_id, now=self.clock.now())
            await self._audit(conn, actor, group_id, "closed", from_value="active")
        return Screen(tr.gettext(N_("The group «{name}» is closed."), name=group.name))

    async def set_delivery(self, actor: Actor, group_id: int, code: str) -> Screen:
        """Where the group's digests go: members privately, the linked chat, or both."""
        mode = DELIVERY_CODES.get(code)
        if mode is None or mode not in DELIVERY_MODES:
            raise StaleButton
        async with self.db.transaction() as conn:
            group = await self._managed_group(conn, actor, group_id)
            if group.chat_id is None:
                raise StaleButton
            await GroupRepository(conn).set_delivery(
                group_id=group_id, deliver_to=mode, now=self.clock.now()
            )
            await self._audit(
                conn, actor, group_id, "delivery", from_value=group.deliver_to, to_value=mode
            )
        return await self.manage(
            actor, group_id, toast=translator(actor.locale).label(N_("Saved."))
        )

    async def unlink(self, actor: Actor, group_id: int) -> Screen:
        """Unlink the group's chat; digests go to members privately again."""
        async with self.db.transaction() as conn:
            group = await self._managed_group(conn, actor, group_id)
            await GroupRepository(conn).unlink_chat(group_id=group_id, now=self.clock.now())
            await self._audit(
                conn, actor, group_id, "chat_unlinked", from_value=str(group.chat_id)
            )
        return await self.manage(actor, group_id)

    # linking a Telegram group chat ---------------------------------------------------------

    async def request_link(self, actor: Actor, *, chat_id: int, chat_title: str | None) -> Screen:
        """/linkgroup in a chat: ask the coordinator in private which group it belongs to."""
        self.access.require(actor, Permission.MANAGE_GROUPS)
        chat_title = (clean_label(chat_title).strip() or None) if chat_title else None
        tr = translator(actor.locale)
        async with self.db.transaction() as conn:
            groups = await self.managed(conn, actor)
            if not groups:
                return Screen(
                    tr.gettext(
                        N_(
                            "You have no peer groups yet. Create one with /newgroup in a "
                            "private chat with me."
                        )
                    )
                )
            request_id = await GroupRepository(conn).create_link_request(
                chat_id=chat_id,
                chat_title=chat_title,
                requested_by=actor.user_id,
                now=self.clock.now(),
            )
        question = Screen(
            tr.gettext(
                N_(
                    "Link the chat «{title}» to which of your peer groups? The group's digests "
                    "can then go there."
                ),
                title=chat_title or str(chat_id),
            ),
            tuple((Button(g.name, f"grp:lk:{request_id}:{g.id}"),) for g in groups[:20]),
        )
        if not await self.notifier.send(actor.user_id, question):
            return Screen(
                tr.gettext(
                    N_(
                        "I could not write to you in private. Open a private chat with me, "
                        "press Start, then send /linkgroup here again."
                    )
                )
            )
        return Screen(
            tr.gettext(N_("I sent you a private message to confirm which group this chat is for."))
        )

    async def link_chat(self, actor: Actor, request_id: int, group_id: int) -> Screen:
        """The coordinator confirmed in private: link the chat and say so in it."""
        async with self.db.transaction() as conn:
            repo = GroupRepository(conn)
            request = await repo.link_request(request_id)
            if request is None or request.requested_by != actor.user_id:
                raise StaleButton
            group = await self._managed_group(conn, actor, group_id)
            await repo.link_chat(
                group_id=group_id,
                chat_id=request.chat_id,
                chat_title=request.chat_title,
                now=self.clock.now(),
            )
            await repo.delete_link_requests(chat_id=request.chat_id)
            await self._audit(conn, actor, group_id, "chat_linked", to_value=str(request.chat_id))
        tr = translator(actor.locale)
        screen = await self.manage(actor, group_id, toast=tr.label(N_("Saved.")))
        announce = Screen(
            tr.gettext(N_("This chat is now linked to the peer group «{name}»."), name=group.name)
        )

        async def tell_chat() -> None:
            await self.notifier.send(request.chat_id, announce)

        return replace(screen, after_commit=tell_chat)

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


def _confirm(tr: Tr, question: str, yes: Button, *, back: str) -> Screen:
    """A question with the button that does it and a No that goes back to `back`."""
    return Screen(question, ((yes, Button(tr.pgettext("button", "No"), back)),))
