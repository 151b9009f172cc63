"""People: registration, onboarding, languages, roles, invitations and deactivation.

Who is behind a request is resolved once by `kernel.actors`; these rules change people. An
administrator grants roles from the command line or with a one-time invitation; deactivation
revokes every role, audited, and nothing but `ayilbot admin reactivate` undoes it (blocking
and unblocking the bot, an invitation link, a grant).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import LANGUAGES
from bot.core.access import Actor, NotAllowed, Permission, Scope
from bot.core.actors import Person, guess_language
from bot.core.kernel import Kernel
from bot.core.text import N_
from bot.forms.engine import FormSpec, Submitted
from bot.forms.kinds import Env, Invalid
from bot.forms.onboarding import LANGUAGE, NOT_LISTED, ONBOARDING
from bot.records.core import Draft, Role, User
from bot.typed_text import clean_label
from storage.audit import AuditRepository
from storage.connection import Connection
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
    if user is None or user.place_code is None or actor.registered_at_place != 1:
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
    """A one-time code that grants a role to whoever opens the bot with it."""

    code: str


InviteResult = InviteUsage | UnknownRole | UnknownScope | Invitation


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
        """Store the profile, the accepted privacy notice and any invite's role."""
        answers = draft.answers
        place = next(
            (
                str(answers[k])
                for k in ("aiyl_aimak", "rayon", "oblast")
                if answers.get(k) not in (None, NOT_LISTED)
            ),
            None,
        )
        now = self.kernel.clock.now()
        users = UserRepository(conn)
        await users.update_profile(
            user_id=actor.user_id,
            now=now,
            language=str(answers["language"]),
            kind=str(answers["kind"]),
            place_code=place,
            place_other=answers.get("place_other"),
        )
        await users.accept_privacy(user_id=actor.user_id, now=now)
        granted = await self._claim_invite(conn, draft.context.get("invite"), actor.user_id)
        if granted:
            return Submitted(
                N_("Welcome! You are registered as a coordinator. /menu shows what you can do.")
            )
        return Submitted(N_("Welcome! You are registered. /menu shows what you can do."))

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

    async def accept_invite(self, actor: Actor, code: str) -> bool:
        """Use an invite code for a person who is already registered."""
        async with self.kernel.db.transaction() as conn:
            return await self._claim_invite(conn, code, actor.user_id)

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
        return Invitation(await self.create_invite(actor, role, scope))

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

    async def _claim_invite(self, conn: Connection, code: Any, user_id: int) -> bool:
        if not isinstance(code, str) or not code:
            return False
        person = await UserRepository(conn).get(user_id)
        if person is None or person.deactivated:
            return False  # a forwarded link must not undo a deactivation
        invites = InviteRepository(conn)
        invite = await invites.get(code)
        now = self.kernel.clock.now()
        if invite is None or not await invites.claim(code=code, user_id=user_id, now=now):
            return False
        await RoleRepository(conn).grant(
            user_id=user_id,
            role=invite.role,
            scope_kind=invite.scope_kind,
            scope_value=invite.scope_value,
            granted_by=invite.created_by,
            now=now,
        )
        return True

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
