"""Who may do what, and where: every privileged entry point asks here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.gazetteer import Gazetteer
from storage.records import Role, User


class RoleName(StrEnum):
    REPORTER = "reporter"
    MEMBER = "member"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Permission(StrEnum):
    """Privileged actions; the README's access matrix is generated from `GRANTS`."""

    USE_FORMS = "use_forms"
    INVITE = "invite"
    MANAGE_ROLES = "manage_roles"
    REVIEW_INCIDENTS = "review_incidents"
    RECEIVE_ALERTS = "receive_alerts"
    MANAGE_GROUPS = "manage_groups"
    REVIEW_PRACTICES = "review_practices"
    EXPORT = "export"
    VIEW_STATS = "view_stats"
    SEE_ANONYMOUS_REPORTERS = "see_anonymous_reporters"
    SEE_EXACT_COORDINATES = "see_exact_coordinates"
    RECORD_NEED = "record_need"
    ASSESS = "assess"
    VIEW_NEEDS = "view_needs"
    VIEW_ELECTION_RESULTS = "view_election_results"


GRANTS: dict[Permission, frozenset[RoleName]] = {
    Permission.USE_FORMS: frozenset(RoleName),
    Permission.INVITE: frozenset({RoleName.ADMIN}),
    Permission.MANAGE_ROLES: frozenset({RoleName.ADMIN}),
    Permission.REVIEW_INCIDENTS: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
    Permission.RECEIVE_ALERTS: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
    Permission.MANAGE_GROUPS: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
    Permission.REVIEW_PRACTICES: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
    Permission.EXPORT: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
    Permission.VIEW_STATS: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
    Permission.SEE_ANONYMOUS_REPORTERS: frozenset({RoleName.ADMIN}),
    Permission.SEE_EXACT_COORDINATES: frozenset({RoleName.ADMIN}),
    Permission.RECORD_NEED: frozenset({RoleName.MEMBER, RoleName.COORDINATOR, RoleName.ADMIN}),
    Permission.ASSESS: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
    Permission.VIEW_NEEDS: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
    Permission.VIEW_ELECTION_RESULTS: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
}


class NotAllowed(Exception):
    """The actor lacks the role or the scope for an action."""

    def __init__(self, permission: Permission) -> None:
        super().__init__(permission.value)
        self.permission = permission


class NotRegistered(Exception):
    """The person has not finished onboarding."""


@dataclass(frozen=True, slots=True)
class Scope:
    kind: str  # all | place | group
    value: str = ""


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind an update, resolved once per update."""

    user_id: int
    locale: str
    user: User | None
    is_admin: bool = False
    coordinator_scopes: tuple[Scope, ...] = ()
    group_ids: frozenset[int] = field(default_factory=frozenset)
    # Registered people, this one included, who gave the same place: with 1, coordinators
    # can tell who sent an anonymous report from there.
    registered_at_place: int = 0

    @property
    def registered(self) -> bool:
        return self.user is not None and self.user.onboarded

    @property
    def roles(self) -> frozenset[RoleName]:
        roles: set[RoleName] = set()
        if self.registered:
            roles.add(RoleName.REPORTER)
        if self.group_ids or (self.user is not None and self.user.kind == "candidate"):
            roles.add(RoleName.MEMBER)
        if self.coordinator_scopes:
            roles.add(RoleName.COORDINATOR)
        if self.is_admin:
            roles.add(RoleName.ADMIN)
        return frozenset(roles)

    @property
    def is_coordinator(self) -> bool:
        return bool(self.coordinator_scopes) or self.is_admin


def scopes_from_roles(roles: Iterable[Role]) -> tuple[Scope, ...]:
    """Coordinator scopes out of stored role rows."""
    return tuple(Scope(r.scope_kind, r.scope_value) for r in roles if r.role == "coordinator")


class Access:
    """The one place that decides; services call `require` before acting."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def allows(
        self,
        actor: Actor,
        permission: Permission,
        *,
        place: str | None = None,
        group: int | None = None,
    ) -> bool:
        """Whether the actor holds the permission, within scope when a place or group is named."""
        if actor.is_admin:
            return True
        if not actor.registered or not (GRANTS[permission] & actor.roles):
            return False
        coordinator_only = RoleName.REPORTER not in GRANTS[permission] and (
            RoleName.MEMBER not in GRANTS[permission]
        )
        if not coordinator_only or (place is None and group is None):
            return True
        return self.covers(actor, place=place, group=group)

    def covers(self, actor: Actor, *, place: str | None = None, group: int | None = None) -> bool:
        """Whether a coordinator's scope covers a place or a group."""
        if actor.is_admin:
            return True
        for scope in actor.coordinator_scopes:
            if scope.kind == "all":
                return True
            if (
                place is not None
                and scope.kind == "place"
                and self.gazetteer.covers(scope.value, place)
            ):
                return True
            if group is not None and scope.kind == "group" and scope.value == str(group):
                return True
        return False

    def sees_private(
        self,
        actor: Actor,
        *,
        owner_id: int,
        place: str | None,
        owner_groups: Iterable[int],
        shared_with: Iterable[int] = (),
        group_creators: Iterable[int] = (),
    ) -> bool:
        """Who sees a private record: owner, coordinators of its place or groups, groups shared."""
        if actor.user_id == owner_id or actor.is_admin:
            return True
        # A coordinator of the owner's groups: by scope, or as the one who created the group.
        if actor.coordinator_scopes and (
            self.covers(actor, place=place)
            or any(self.covers(actor, group=g) for g in owner_groups)
            or actor.user_id in set(group_creators)
        ):
            return True
        return actor.registered and bool(actor.group_ids & set(shared_with))

    def require(
        self,
        actor: Actor,
        permission: Permission,
        *,
        place: str | None = None,
        group: int | None = None,
    ) -> None:
        """Raise NotRegistered or NotAllowed unless `allows`."""
        if not actor.registered and not actor.is_admin:
            raise NotRegistered
        if not self.allows(actor, permission, place=place, group=group):
            raise NotAllowed(permission)
