"""People, their roles with scopes, and invite codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.records.core import Invite, Role, User
from storage.base import Repository, from_db_time, to_db_time


def user_from_row(row: Any) -> User:
    return User(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language=row["language"],
        kind=row["kind"],
        place_code=row["place_code"],
        place_other=row["place_other"],
        privacy_accepted_at=from_db_time(row["privacy_accepted_at"]),
        pseudonym=row["pseudonym"],
        active=bool(row["active"]),
        created_at=from_db_time(row["created_at"]) or datetime.min,
        blocked=bool(row["blocked"]),
        deactivated_at=from_db_time(row["deactivated_at"]),
    )


class UserRepository(Repository):
    """The `users` table."""

    async def get(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return user_from_row(row) if row else None

    async def create(
        self,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language: str,
        pseudonym: str,
        now: datetime,
    ) -> None:
        await self._run(
            "INSERT INTO users (id, first_name, last_name, username, language, pseudonym,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO NOTHING",
            (
                user_id,
                first_name,
                last_name,
                username,
                language,
                pseudonym,
                to_db_time(now),
                to_db_time(now),
            ),
        )

    async def update_profile(self, *, user_id: int, now: datetime, **fields: Any) -> None:
        allowed = {
            "first_name",
            "last_name",
            "username",
            "language",
            "kind",
            "place_code",
            "place_other",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown user fields {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        if "place_other" in fields:
            # A place typed anew is not attached yet, whatever the one before was.
            assignments += ", place_attached_at = NULL"
        await self._run(
            f"UPDATE users SET {assignments}, updated_at = ? WHERE id = ?",
            (*fields.values(), to_db_time(now), user_id),
        )

    async def accept_privacy(self, *, user_id: int, now: datetime) -> None:
        await self._run(
            "UPDATE users SET privacy_accepted_at = ?, updated_at = ? WHERE id = ?",
            (to_db_time(now), to_db_time(now), user_id),
        )

    async def set_blocked(self, *, user_id: int, blocked: bool, now: datetime) -> None:
        """The person blocked or unblocked the bot; a deactivated person stays inactive."""
        await self._run(
            "UPDATE users SET blocked = ?, active = (? = 0 AND deactivated_at IS NULL),"
            " updated_at = ? WHERE id = ?",
            (int(blocked), int(blocked), to_db_time(now), user_id),
        )

    async def deactivate(self, *, user_id: int, now: datetime) -> bool:
        """Mark the person deactivated; False when they already were."""
        changed = await self._run(
            "UPDATE users SET deactivated_at = ?, active = 0, updated_at = ?"
            " WHERE id = ? AND deactivated_at IS NULL",
            (to_db_time(now), to_db_time(now), user_id),
        )
        return changed == 1

    async def reactivate(self, *, user_id: int, now: datetime) -> bool:
        """Undo a deactivation (active again unless blocked); False when not deactivated."""
        changed = await self._run(
            "UPDATE users SET deactivated_at = NULL, active = 1 - blocked, updated_at = ?"
            " WHERE id = ? AND deactivated_at IS NOT NULL",
            (to_db_time(now), user_id),
        )
        return changed == 1

    async def list_all(self, *, limit: int = 1000) -> list[User]:
        rows = await self._all("SELECT * FROM users ORDER BY id LIMIT ?", (limit,))
        return [user_from_row(r) for r in rows]

    async def count(self) -> int:
        row = await self._one("SELECT count(*) FROM users")
        return int(row[0])

    async def erase(self, *, user_id: int) -> None:
        """Delete the person's row; records that must outlive them were anonymised first."""
        await self._run("DELETE FROM users WHERE id = ?", (user_id,))


@dataclass(frozen=True, slots=True)
class AccessFacts:
    """What decides what a person may do and see, read in one round trip."""

    user: User
    roles: list[Role]
    groups: list[int]  # active peer groups she is a member of
    created_groups: list[int]  # active peer groups she created
    # She is registered and no one else but coordinators is registered at her place:
    # coordinators could tell that an anonymous report from there is hers.
    alone_at_place: bool


class AccessRepository(Repository):
    """Everything needed to decide what a person may do, read in one round trip."""

    async def load(self, user_id: int) -> AccessFacts | None:
        """The person, roles, groups, groups created, alone at her place; None if unknown."""
        row = await self._one(
            "SELECT u.*,"
            " (SELECT json_group_array(json_array(r.role, r.scope_kind, r.scope_value))"
            "  FROM roles r WHERE r.user_id = u.id) AS roles_json,"
            " (SELECT json_group_array(m.group_id) FROM group_members m"
            "  JOIN peer_groups g ON g.id = m.group_id"
            "  WHERE m.user_id = u.id AND g.active = 1) AS groups_json,"
            " (SELECT json_group_array(g.id) FROM peer_groups g"
            "  WHERE g.created_by = u.id AND g.active = 1) AS created_json,"
            # Read on every update: NOT EXISTS stops at the first other person, where a count
            # walked everyone registered at the place (500 in the bench: half the readers' CPU).
            # A coordinator registered at the place of her scope hides no reporter there.
            " (u.privacy_accepted_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users v"
            "  WHERE v.place_code = u.place_code AND v.privacy_accepted_at IS NOT NULL"
            "  AND v.id != u.id AND v.kind IS NOT 'coordinator')) AS alone_at_place"
            " FROM users u WHERE u.id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return AccessFacts(
            user=user_from_row(row),
            roles=[Role(user_id, r[0], r[1], r[2]) for r in json.loads(row["roles_json"])],
            groups=[int(g) for g in json.loads(row["groups_json"])],
            created_groups=[int(g) for g in json.loads(row["created_json"])],
            alone_at_place=bool(row["alone_at_place"]),
        )


class RoleRepository(Repository):
    """Roles granted beyond the default reporter, each with one scope."""

    async def for_user(self, user_id: int) -> list[Role]:
        rows = await self._all(
            "SELECT user_id, role, scope_kind, scope_value FROM roles WHERE user_id = ?"
            " ORDER BY role, scope_kind, scope_value",
            (user_id,),
        )
        return [Role(r[0], r[1], r[2], r[3]) for r in rows]

    async def grant(
        self,
        *,
        user_id: int,
        role: str,
        scope_kind: str,
        scope_value: str,
        granted_by: int | None,
        now: datetime,
    ) -> bool:
        changed = await self._run(
            "INSERT INTO roles (user_id, role, scope_kind, scope_value, granted_by, granted_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (user_id, role, scope_kind, scope_value, granted_by, to_db_time(now)),
        )
        return changed > 0

    async def revoke(
        self,
        *,
        user_id: int,
        role: str,
        scope_kind: str | None = None,
        scope_value: str | None = None,
    ) -> int:
        if scope_kind is None:
            return await self._run(
                "DELETE FROM roles WHERE user_id = ? AND role = ?", (user_id, role)
            )
        return await self._run(
            "DELETE FROM roles WHERE user_id = ? AND role = ? AND scope_kind = ?"
            " AND scope_value = ?",
            (user_id, role, scope_kind, scope_value or ""),
        )

    async def revoke_all(self, *, user_id: int) -> list[Role]:
        """Revoke every role of the person; the roles that were revoked."""
        held = await self.for_user(user_id)
        await self._run("DELETE FROM roles WHERE user_id = ?", (user_id,))
        return held

    async def holders(self, role: str) -> list[Role]:
        rows = await self._all(
            "SELECT r.user_id, r.role, r.scope_kind, r.scope_value FROM roles r"
            " JOIN users u ON u.id = r.user_id WHERE r.role = ? AND u.active = 1"
            " ORDER BY r.user_id",
            (role,),
        )
        return [Role(r[0], r[1], r[2], r[3]) for r in rows]


class InviteRepository(Repository):
    """One-time invite codes that grant a role on /start."""

    async def create(
        self,
        *,
        code: str,
        role: str,
        scope_kind: str,
        scope_value: str,
        created_by: int,
        now: datetime,
    ) -> None:
        await self._run(
            "INSERT INTO invites (code, role, scope_kind, scope_value, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (code, role, scope_kind, scope_value, created_by, to_db_time(now)),
        )

    async def get(self, code: str) -> Invite | None:
        row = await self._one(
            "SELECT code, role, scope_kind, scope_value, created_by, used_by, created_at,"
            " used_at FROM invites WHERE code = ?",
            (code,),
        )
        if row is None:
            return None
        return Invite(
            code=row["code"],
            role=row["role"],
            scope_kind=row["scope_kind"],
            scope_value=row["scope_value"],
            created_by=row["created_by"],
            used_by=row["used_by"],
            created_at=datetime.fromisoformat(row["created_at"]),
            used_at=from_db_time(row["used_at"]),
        )

    async def claim(self, *, code: str, user_id: int, now: datetime) -> bool:
        """Mark the invite used by this person; False when it was already used."""
        changed = await self._run(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND used_by IS NULL"
            " AND used_at IS NULL",
            (user_id, to_db_time(now), code),
        )
        return changed == 1
