"""People: registration, onboarding, languages, roles, invitations and deactivation.

Who is behind a request is resolved once by `kernel.actors`; these rules change people. An
administrator grants roles from the command line or with a one-time invitation, which also
settles who a newcomer is (a coordinator) and where (its scope), so onboarding asks only her
language and the privacy notice; a link works once, for AYILBOT_INVITE_DAYS days. Deactivation
revokes every role, audited, and nothing but `ayilbot admin reactivate` undoes it (blocking
and unblocking the bot, an invitation link, a grant).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.config import LANGUAGES
from bot.core.access import Actor, NotAllowed, Permission, Scope
from bot.core.actors import Person, guess_language
from bot.core.kernel import Kernel
from bot.core.text import N_
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.kinds import Env, Invalid
from bot.forms.onboarding import COORDINATOR, INVITATION, LANGUAGE, NOT_LISTED, ONBOARDING
from bot.forms.view import FormView
from bot.records.core import Draft, Invite, Role, User
from bot.typed_text import clean_label
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.groups import GroupRepository
from storage.users import InviteRepository, RoleRepository, UserRepository

GRANTABLE_ROLES = ("coordinator", "admin")
USER_ENTITY = "user"  # audit log entries about a person's rights


def role_text(role: Role) -> str:
    """A role as `ayilbot admin` writes it: `coordinator:place:BA-BAT`."""
    return f"{role.role}:{role.scope_kind}:{role.scope_value}"


def sole_reporter_places(actor: Actor) -> frozenset[str]:
    """Places where the actor is the only registered person: coordinators, who know who is
    registered where, could tell that an anonymous report from there is hers."""
    user = actor.user
    if user is None or user.place_code is None or not actor.alone_at_place:
        return frozenset()
    return frozenset({user.place_code})


class BadScope(ValueError):
    """A scope given to /invite or `ayilbot admin` names no place or group."""


@dataclass(frozen=True, slots=True)
class InviteUsage:
    """/invite without a role and a scope: how to use it."""


@dataclass(frozen=True, slots=True)
class UnknownRole:
    """/invite with a role that cannot be granted."""

    role: str


@dataclass(frozen=True, slots=True)
class UnknownScope:
    """/invite with a scope that names no place or group."""

    scope: str


@dataclass(frozen=True, slots=True)
class Invitation:
    """A one-time code that grants a role to whoever opens the bot with it first."""

    code: str
    valid_until: date  # the last day it works, in the bot's time zone


InviteResult = InviteUsage | UnknownRole | UnknownScope | Invitation


class Refusal(StrEnum):
    """Why an invitation link grants nothing."""

    INVALID = "invalid"  # no such code (mistyped, cut off), or the person is deactivated
    USED = "used"  # someone else opened it first
    EXPIRED = "expired"  # older than AYILBOT_INVITE_DAYS


@dataclass(frozen=True, slots=True)
class InvitationRefused:
    """An invitation link that cannot be used, and why."""

    reason: Refusal
    days: int  # how long a link works (AYILBOT_INVITE_DAYS)


@dataclass(frozen=True, slots=True)
class Granted:
    """What an invitation grants: the role and its scope, and what that settles about her."""

    role: str  # coordinator | admin
    scope: Scope
    place: str | None  # where she works: the scope's place, a group's region; None: nowhere
    group: str | None = None  # the name of the peer group of a `group:` scope, if it exists


@dataclass(frozen=True, slots=True)
class Onboarding:
    """A newcomer's /start: who she is now, the question shown, and a refused invitation."""

    actor: Actor
    form: FormView
    refused: InvitationRefused | None = None


# The welcome after onboarding with an invitation: what she can now do, for her scope.
WELCOME = N_("Welcome! You are registered. /menu shows what you can do.")
WELCOME_COORDINATOR = N_(
    "Welcome! You are registered as a coordinator. /menu shows what you can do."
)
WELCOME_ADMIN = N_(
    "Welcome! You are registered as an administrator: you see every report, and urgent "
    "reports from places no coordinator covers come to you. /invite makes an invitation link "
    "for a coordinator, /review shows the reports waiting for review; /help lists everything "
    "you can do."
)
WELCOME_PLACE = N_(
    "Welcome! You are registered as a coordinator for {area}. Urgent reports from there "
    "come to you at once, and a digest every week. /review shows the reports waiting for "
    "review, /stats the figures, /export the data; /help lists everything you can do."
)
WELCOME_EVERYWHERE = N_(
    "Welcome! You are registered as a coordinator for the whole country. Urgent reports come "
    "to you at once, and a digest every week. /review shows the reports waiting for review, "
    "/stats the figures, /export the data; /help lists everything you can do."
)
WELCOME_GROUP = N_(
    "Welcome! You are registered as the coordinator of the peer group «{group}». You see what "
    "its members share, and a digest comes to you every week. /groups shows the group and its "
    "members; /help lists everything you can do."
)


class UserRules:
    """Reads and changes people and their roles."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def specs(self) -> dict[str, FormSpec]:
        """Onboarding and the language question."""
        return {
            "onboarding": FormSpec(ONBOARDING, self.submit_onboarding),
            "language": FormSpec(LANGUAGE, self.submit_language),
        }

    async def resolve(self, person: Person) -> Actor:
        """The actor for a person (the digests and early warning ask here, for now)."""
        return await self.kernel.actors.resolve(person)

    # ------------------------------------------------------------------ registration

    async def start_onboarding(
        self, person: Person, *, start_code: str | None, role_invitation: bool
    ) -> Onboarding:
        """Register a newcomer and open onboarding; an invitation answers what it settles.

        `role_invitation`: the start code is a role invitation (not another feature's link).
        """
        actor = await self.register_contact(person)
        opened = (
            await self._open_invitation(actor, start_code)
            if start_code and role_invitation
            else None
        )
        context: dict[str, Any] = {"invite": start_code} if start_code else {}
        if isinstance(opened, Granted):
            context[INVITATION] = {"role": opened.role, "place": opened.place}
        view = await self.kernel.get(FormEngine).start(
            actor,
            form_id="onboarding",
            context=context or None,
            # A form begun before the link was opened starts again, without the questions
            # the invitation answers.
            restart=isinstance(opened, Granted),
        )
        refused = opened if isinstance(opened, InvitationRefused) else None
        return Onboarding(actor, view, refused)

    async def register_contact(self, person: Person) -> Actor:
        """Create the person's row on first /start, in the language Telegram suggests."""
        now = self.kernel.clock.now()
        last_name = clean_label(person.last_name).strip() if person.last_name else None
        default = self.kernel.settings.default_language
        async with self.kernel.db.transaction() as conn:
            await UserRepository(conn).create(
                user_id=person.id,
                # Names are shown to coordinators and group members exactly as stored.
                first_name=clean_label(person.first_name).strip(),
                last_name=last_name or None,
                username=person.username,
                language=guess_language(person.language_code, default),
                pseudonym="P-" + secrets.token_hex(4).upper(),
                now=now,
            )
        return await self.kernel.actors.resolve(person)

    async def submit_onboarding(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the profile, the accepted privacy notice and any invitation's role.

        An invitation opened at /start settled the kind and the place (the form did not ask
        them); one only claimed now (a form begun before this rule) makes her a coordinator
        at the place she gave.
        """
        answers = draft.answers
        now = self.kernel.clock.now()
        invite = await self._take_invite(conn, draft.context.get("invite"), actor.user_id, now)
        granted = (
            await self._grant(conn, invite, actor.user_id, now)
            if isinstance(invite, Invite)
            else None
        )
        settled = draft.context.get(INVITATION)
        if isinstance(settled, Mapping):
            kind, place, typed = COORDINATOR, settled.get("place"), None
        else:
            kind = COORDINATOR if granted is not None else str(answers["kind"])
            place = next(
                (
                    str(answers[k])
                    for k in ("aiyl_aimak", "rayon", "oblast")
                    if answers.get(k) not in (None, NOT_LISTED)
                ),
                None,
            )
            typed = answers.get("place_other")
        users = UserRepository(conn)
        language = str(answers["language"])
        await users.update_profile(
            user_id=actor.user_id,
            now=now,
            language=language,
            kind=kind,
            place_code=place,
            place_other=typed,
        )
        await users.accept_privacy(user_id=actor.user_id, now=now)
        return self._welcome(granted, language)

    def _welcome(self, granted: Granted | None, language: str) -> Submitted:
        """What a newcomer can now do: as anyone, or in the role and scope she was granted."""
        if granted is None:
            return Submitted(WELCOME)
        if granted.role == "admin":
            return Submitted(WELCOME_ADMIN)
        if granted.scope.kind == "all":
            return Submitted(WELCOME_EVERYWHERE)
        if granted.scope.kind == "group":
            if granted.group is None:
                return Submitted(WELCOME_COORDINATOR)
            return Submitted(WELCOME_GROUP, {"group": granted.group})
        area = self.area_name(granted.place or granted.scope.value, language)
        return Submitted(WELCOME_PLACE, {"area": area})

    def area_name(self, code: str, language: str) -> str:
        """A scope's place named at its level: a rayon or an oblast by its name, anything
        smaller with its rayon ("Ак-Сай, Баткен району")."""
        gazetteer = self.kernel.gazetteer
        place = gazetteer.resolve(code)
        if place is None:
            return code
        chain = [p for p in gazetteer.ancestors(place.code) if p.rank >= 1 or p.code == place.code]
        return ", ".join(p.name(language) for p in chain)

    async def submit_language(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Change the person's language."""
        language = str(draft.answers["language"])
        if language not in LANGUAGES:
            raise Invalid(N_("Please use the buttons below."))
        await UserRepository(conn).update_profile(
            user_id=actor.user_id, now=self.kernel.clock.now(), language=language
        )
        return Submitted(N_("Done: I will speak to you in this language."))

    async def set_blocked(self, *, user_id: int, blocked: bool) -> None:
        """The person blocked (or unblocked) the bot; never undoes an admin's deactivation."""
        async with self.kernel.db.transaction() as conn:
            await UserRepository(conn).set_blocked(
                user_id=user_id, blocked=blocked, now=self.kernel.clock.now()
            )

    # ------------------------------------------------------------------ invitations

    async def accept_invite(self, actor: Actor, code: str) -> Granted | InvitationRefused:
        """Use an invite code for a person who is already registered."""
        now = self.kernel.clock.now()
        async with self.kernel.db.transaction() as conn:
            invite = await self._take_invite(conn, code, actor.user_id, now)
            if not isinstance(invite, Invite):
                return InvitationRefused(invite, self.kernel.settings.invite_days)
            return await self._grant(conn, invite, actor.user_id, now)

    async def _open_invitation(self, actor: Actor, code: str) -> Granted | InvitationRefused:
        """A newcomer opens a link: it is hers from now on, and its role comes with the
        privacy notice accepted; what it grants and settles, or why it cannot be used."""
        now = self.kernel.clock.now()
        async with self.kernel.db.transaction() as conn:
            invite = await self._take_invite(conn, code, actor.user_id, now)
            if not isinstance(invite, Invite):
                return InvitationRefused(invite, self.kernel.settings.invite_days)
            return await self._granted(conn, invite)

    async def invite(self, actor: Actor, args: Sequence[str]) -> InviteResult:
        """/invite ROLE SCOPE: the invitation, or what was wrong with the request."""
        self.kernel.access.require(actor, Permission.INVITE)
        if len(args) != 2:
            return InviteUsage()
        role, scope_text = args[0].lower(), args[1]
        if role not in GRANTABLE_ROLES:
            return UnknownRole(args[0])
        try:
            scope = self.parse_scope(scope_text)
        except BadScope:
            return UnknownScope(scope_text)
        return Invitation(await self.create_invite(actor, role, scope), self.valid_until())

    def valid_until(self, made: datetime | None = None) -> date:
        """The last day an invitation made at `made` (now) works, in the bot's time zone."""
        made = made or self.kernel.clock.now()
        until = made + timedelta(days=self.kernel.settings.invite_days)
        return until.astimezone(self.kernel.settings.zone).date()

    def parse_scope(self, text: str) -> Scope:
        """`all`, a gazetteer code (`BA-BAT`) or `group:<id>`."""
        text = text.strip()
        if text.lower() == "all":
            return Scope("all")
        if text.lower().startswith("group:") and text[6:].isdigit():
            return Scope("group", text[6:])
        if self.kernel.gazetteer.get(text.upper()) is not None:
            return Scope("place", text.upper())
        raise BadScope(text)

    async def create_invite(self, actor: Actor, role: str, scope: Scope) -> str:
        """A one-time code that grants `role` within `scope` to whoever opens it."""
        self.kernel.access.require(actor, Permission.INVITE)
        if role not in GRANTABLE_ROLES:
            raise NotAllowed(Permission.INVITE)
        code = secrets.token_urlsafe(12)
        async with self.kernel.db.transaction() as conn:
            await InviteRepository(conn).create(
                code=code,
                role=role,
                scope_kind=scope.kind,
                scope_value=scope.value,
                created_by=actor.user_id,
                now=self.kernel.clock.now(),
            )
        return code

    async def _take_invite(
        self, conn: Connection, code: Any, user_id: int, now: datetime
    ) -> Invite | Refusal:
        """The invitation, hers (taken now, or when she first opened it), or why not."""
        if not isinstance(code, str) or not code:
            return Refusal.INVALID
        person = await UserRepository(conn).get(user_id)
        if person is None or person.deactivated:
            return Refusal.INVALID  # a forwarded link must not undo a deactivation
        invites = InviteRepository(conn)
        invite = await invites.get(code)
        if invite is None:
            return Refusal.INVALID
        if invite.used_by == user_id:
            return invite
        if invite.used:
            return Refusal.USED
        if now.astimezone(self.kernel.settings.zone).date() > self.valid_until(invite.created_at):
            return Refusal.EXPIRED
        if not await invites.claim(code=code, user_id=user_id, now=now):
            return Refusal.USED
        return invite

    async def _grant(
        self, conn: Connection, invite: Invite, user_id: int, now: datetime
    ) -> Granted:
        """Give the person who took the invitation its role."""
        await RoleRepository(conn).grant(
            user_id=user_id,
            role=invite.role,
            scope_kind=invite.scope_kind,
            scope_value=invite.scope_value,
            granted_by=invite.created_by,
            now=now,
        )
        return await self._granted(conn, invite)

    async def _granted(self, conn: Connection, invite: Invite) -> Granted:
        """What the invitation grants, and the place its scope settles."""
        scope = Scope(invite.scope_kind, invite.scope_value)
        if scope.kind == "place":
            place = self.kernel.gazetteer.resolve(scope.value)
            return Granted(invite.role, scope, place.code if place else scope.value)
        if scope.kind == "group" and scope.value.isdigit():
            group = await GroupRepository(conn).get(int(scope.value))
            if group is not None:
                return Granted(invite.role, scope, group.region, group.name)
        return Granted(invite.role, scope, None)

    # ------------------------------------------------------------------ administration

    async def grant(self, *, user_id: int, role: str, scope: Scope, by: int | None) -> bool:
        """Grant a role (admin command line); False when it was already held."""
        if role not in GRANTABLE_ROLES:
            raise ValueError(f"role must be one of {', '.join(GRANTABLE_ROLES)}")
        async with self.kernel.db.transaction() as conn:
            user = await UserRepository(conn).get(user_id)
            if user is None:
                raise LookupError(f"no user {user_id}: they must /start the bot first")
            if user.deactivated:
                raise ValueError(
                    f"user {user_id} is deactivated: `ayilbot admin reactivate {user_id}` first"
                )
            return await RoleRepository(conn).grant(
                user_id=user_id,
                role=role,
                scope_kind=scope.kind,
                scope_value=scope.value,
                granted_by=by,
                now=self.kernel.clock.now(),
            )

    async def revoke(self, *, user_id: int, role: str, scope: Scope | None) -> int:
        """Revoke a role, in one scope or in all; how many were revoked."""
        async with self.kernel.db.transaction() as conn:
            return await RoleRepository(conn).revoke(
                user_id=user_id,
                role=role,
                scope_kind=scope.kind if scope else None,
                scope_value=scope.value if scope else None,
            )

    async def deactivate(self, *, user_id: int, by: int | None) -> list[Role] | None:
        """Deactivate a person and revoke every role, audited; None when already deactivated."""
        now = self.kernel.clock.now()
        async with self.kernel.db.transaction() as conn:
            users = UserRepository(conn)
            user = await users.get(user_id)
            if user is None:
                raise LookupError(f"no user {user_id}")
            if not await users.deactivate(user_id=user_id, now=now):
                return None
            before = "blocked" if user.blocked else "active"
            revoked = await RoleRepository(conn).revoke_all(user_id=user_id)
            changes: list[tuple[str, str | None, str | None, str | None]] = [
                ("deactivate", before, "deactivated", None)
            ]
            changes += [("role_revoked", role_text(r), None, "deactivated") for r in revoked]
            audit = AuditRepository(conn)
            for action, old, new, reason in changes:
                await audit.record(
                    actor_id=by,
                    entity=USER_ENTITY,
                    entity_id=str(user_id),
                    action=action,
                    from_value=old,
                    to_value=new,
                    reason=reason,
                    now=now,
                )
        return revoked

    async def reactivate(self, *, user_id: int, by: int | None) -> list[str]:
        """Undo a deactivation, audited; the roles it revoked (granted again only by hand)."""
        now = self.kernel.clock.now()
        async with self.kernel.db.transaction() as conn:
            users = UserRepository(conn)
            if not await users.reactivate(user_id=user_id, now=now):
                raise LookupError(f"user {user_id} is not deactivated")
            user = await users.get(user_id)
            after = "blocked" if user is not None and user.blocked else "active"
            audit = AuditRepository(conn)
            history = await audit.for_entity(entity=USER_ENTITY, entity_id=str(user_id))
            await audit.record(
                actor_id=by,
                entity=USER_ENTITY,
                entity_id=str(user_id),
                action="reactivate",
                from_value="deactivated",
                to_value=after,
                reason=None,
                now=now,
            )
        last = max((i for i, e in enumerate(history) if e.action == "deactivate"), default=0)
        return [
            e.from_value
            for e in history[last:]
            if e.action == "role_revoked" and e.from_value is not None
        ]

    async def list_users(self) -> list[tuple[User, list[Role]]]:
        """Everyone with their roles (admin command line)."""
        async with self.kernel.db.reading() as conn:
            users = await UserRepository(conn).list_all(limit=100_000)
            roles = RoleRepository(conn)
            return [(u, await roles.for_user(u.id)) for u in users]

    async def coordinators_covering(self, place: str) -> list[int]:
        """Active coordinators whose scope includes the place (early warning's recipients)."""
        async with self.kernel.db.reading() as conn:
            holders = await RoleRepository(conn).holders("coordinator")
        gazetteer = self.kernel.gazetteer
        found: list[int] = []
        for role in holders:
            if role.user_id in found:
                continue
            if role.scope_kind == "all" or (
                role.scope_kind == "place"
                and gazetteer.get(place) is not None
                and gazetteer.covers(role.scope_value, place)
            ):
                found.append(role.user_id)
        return found
