"""Who may do what, and where: every privileged entry point asks here.

`Reach` is the one answer to "which places and groups may this person see": every rule that
lists or opens records in a coordinator's scope (reports, exports, digests, practices, needs,
assessments, early warning) asks the actor's reach, never the scopes themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.errors import NotAllowed, NotRegistered
from bot.gazetteer import Gazetteer
from bot.records.core import Role, User

__all__ = [
    "GRANTS",
    "Access",
    "Actor",
    "NotAllowed",
    "NotRegistered",
    "Permission",
    "Reach",
    "RoleName",
    "Scope",
    "scopes_from_roles",
]


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
    ATTACH_PLACES = "attach_places"  # a place typed by hand, to a gazetteer place


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
    Permission.ATTACH_PLACES: frozenset({RoleName.COORDINATOR, RoleName.ADMIN}),
}


@dataclass(frozen=True, slots=True)
class Scope:
    kind: str  # all | place | group
    value: str = ""


@dataclass(frozen=True, slots=True)
class Reach:
    """The places and groups whose records a person sees as a coordinator or administrator.

    Places always include every sub-place of a scope (a rayon's aiyl aimaks and villages).
    Groups are those in a `group:` scope plus the peer groups the person created, but only
    while she holds a coordinator role: revoking the role takes the groups away too.
    """

    everything: bool = False
    places: frozenset[str] = frozenset()
    groups: frozenset[int] = frozenset()

    @classmethod
    def of(
        cls,
        scopes: Iterable[Scope],
        gazetteer: Gazetteer,
        *,
        admin: bool = False,
        created_groups: Iterable[int] = (),
    ) -> Reach:
        """The reach of an administrator or of a coordinator's scopes."""
        scopes = tuple(scopes)
        if admin or any(s.kind == "all" for s in scopes):
            return cls(everything=True)
        places: set[str] = set()
        groups: set[int] = set()
        for scope in scopes:
            if scope.kind == "place":
                places.update(codes_within(gazetteer, scope.value))
            elif scope.kind == "group" and scope.value.isdigit():
                groups.add(int(scope.value))
        if scopes:
            groups.update(created_groups)
        return cls(places=frozenset(places), groups=frozenset(groups))

    @property
    def nothing(self) -> bool:
        """Whether the person sees nobody else's records at all."""
        return not (self.everything or self.places or self.groups)

    @property
    def place_codes(self) -> tuple[str, ...] | None:
        """The places for a query, sorted; None means every place."""
        return None if self.everything else tuple(sorted(self.places))

    @property
    def group_ids(self) -> tuple[int, ...] | None:
        """The groups for a query, sorted; None means every group."""
        return None if self.everything else tuple(sorted(self.groups))

    def covers_place(self, code: str | None) -> bool:
        """Whether a place (None: no place recorded) lies within reach."""
        return self.everything or (code is not None and code in self.places)

    def covers_group(self, group: int) -> bool:
        """Whether a peer group lies within reach."""
        return self.everything or group in self.groups

    def covers(self, *, place: str | None = None, groups: Iterable[int] = ()) -> bool:
        """Whether a record of this place, or shared in any of these groups, is within reach."""
        return self.covers_place(place) or any(self.covers_group(g) for g in groups)


def codes_within(gazetteer: Gazetteer, code: str) -> frozenset[str]:
    """Every code a record of `code` or of a place below it may be stored with.

    A code the reform retired stands for the place it joined, and the retired codes of every
    place below are included, so records stored before the reform still match. A code the
    gazetteer no longer knows at all (an edited file) matches only itself.
    """
    codes = {code}
    place = gazetteer.resolve(code)
    if place is not None:
        codes.add(place.code)
        codes.update(p.code for p in gazetteer.descendants(place.code))
        codes.update(f.old_code for f in gazetteer.former_names() if f.code in codes)
    codes.discard("")
    return frozenset(codes)


NOWHERE = Reach()
EVERYWHERE = Reach(everything=True)


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind an update, resolved once per update."""

    user_id: int
    locale: str
    user: User | None
    is_admin: bool = False
    coordinator_scopes: tuple[Scope, ...] = ()
    group_ids: frozenset[int] = field(default_factory=frozenset)  # groups she is a member of
    reach: Reach = NOWHERE
    # She is the only registered person at her place but coordinators: they could tell that
    # an anonymous report from there is hers.
    alone_at_place: bool = False

    def __post_init__(self) -> None:
        # An administrator reaches everything, however the actor was made (the command line,
        # a test): the reach never has to be remembered separately.
        if self.is_admin and not self.reach.everything:
            object.__setattr__(self, "reach", EVERYWHERE)

    @property
    def registered(self) -> bool:
        return self.user is not None and self.user.onboarded

    @property
    def deactivated(self) -> bool:
        """Deactivated by an administrator: a reporter's rights only, whatever else was held."""
        return self.user is not None and self.user.deactivated

    @property
    def roles(self) -> frozenset[RoleName]:
        roles: set[RoleName] = set()
        if self.registered:
            roles.add(RoleName.REPORTER)
        if self.deactivated:
            return frozenset(roles)
        if self.group_ids or (self.user is not None and self.user.kind == "candidate"):
            roles.add(RoleName.MEMBER)
        if self.coordinator_scopes:
            roles.add(RoleName.COORDINATOR)
        if self.is_admin:
            roles.add(RoleName.ADMIN)
        return frozenset(roles)

    @property
    def is_coordinator(self) -> bool:
        return not self.deactivated and (bool(self.coordinator_scopes) or self.is_admin)


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
        """Whether a coordinator's reach covers a place or a group."""
        if actor.is_admin:
            return True
        return actor.reach.covers(place=place, groups=() if group is None else (group,))

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
            raise NotAllowed(permission.value)
