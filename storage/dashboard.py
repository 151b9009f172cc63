"""The dashboard's sign-ins: sessions, one-time login links, used Mini App data, API tokens.

Every secret arrives here already hashed (SHA-256 by the rules): nothing in these tables
signs anyone in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.records.dashboard import ApiToken, LoginLink, WebSession
from storage.base import Repository, from_db_time, to_db_time


def _time(value: Any) -> datetime:
    parsed = from_db_time(value)
    assert parsed is not None
    return parsed


class WebSessionRepository(Repository):
    """The `web_sessions` table."""

    async def add(
        self, *, token_hash: str, user_id: int, via: str, now: datetime, expires: datetime
    ) -> None:
        await self._run(
            "INSERT INTO web_sessions (token_hash, user_id, via, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (token_hash, user_id, via, to_db_time(now), to_db_time(expires)),
        )

    async def live(self, *, token_hash: str, now: datetime) -> WebSession | None:
        """The session with this hash, unless it has expired."""
        row = await self._one(
            "SELECT user_id, via, created_at, expires_at FROM web_sessions"
            " WHERE token_hash = ? AND expires_at > ?",
            (token_hash, to_db_time(now)),
        )
        if row is None:
            return None
        return WebSession(row[0], row[1], _time(row[2]), _time(row[3]))

    async def end(self, *, token_hash: str) -> int:
        return await self._run("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,))

    async def of_user(self, *, user_id: int) -> list[WebSession]:
        rows = await self._all(
            "SELECT user_id, via, created_at, expires_at FROM web_sessions WHERE user_id = ?"
            " ORDER BY created_at",
            (user_id,),
        )
        return [WebSession(r[0], r[1], _time(r[2]), _time(r[3])) for r in rows]

    async def end_all(self, *, user_id: int) -> int:
        return await self._run("DELETE FROM web_sessions WHERE user_id = ?", (user_id,))

    async def prune(self, *, now: datetime) -> int:
        return await self._run(
            "DELETE FROM web_sessions WHERE expires_at <= ?", (to_db_time(now),)
        )


class LoginLinkRepository(Repository):
    """The `web_login_links` table."""

    async def add(self, *, code_hash: str, user_id: int, now: datetime, expires: datetime) -> None:
        await self._run(
            "INSERT INTO web_login_links (code_hash, user_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (code_hash, user_id, to_db_time(now), to_db_time(expires)),
        )

    async def claim(self, *, code_hash: str, now: datetime) -> int | None:
        """Mark an unused, unexpired link used; its person, or None when it was not."""
        row = await self._one(
            "UPDATE web_login_links SET used_at = ? WHERE code_hash = ? AND used_at IS NULL"
            " AND expires_at > ? RETURNING user_id",
            (to_db_time(now), code_hash, to_db_time(now)),
        )
        return int(row[0]) if row else None

    async def get(self, *, code_hash: str) -> LoginLink | None:
        row = await self._one(
            "SELECT user_id, created_at, expires_at, used_at FROM web_login_links"
            " WHERE code_hash = ?",
            (code_hash,),
        )
        if row is None:
            return None
        return LoginLink(row[0], _time(row[1]), _time(row[2]), from_db_time(row[3]))

    async def end_all(self, *, user_id: int) -> int:
        return await self._run("DELETE FROM web_login_links WHERE user_id = ?", (user_id,))

    async def prune(self, *, now: datetime) -> int:
        return await self._run(
            "DELETE FROM web_login_links WHERE expires_at <= ?", (to_db_time(now),)
        )


class InitDataRepository(Repository):
    """The `web_init_data_used` table: Mini App sign-ins already exchanged for a session."""

    async def use(self, *, signature_hash: str, user_id: int, now: datetime) -> bool:
        """Record this initData as used; False when it was used before (a replay)."""
        changed = await self._run(
            "INSERT INTO web_init_data_used (signature_hash, user_id, used_at) VALUES (?, ?, ?)"
            " ON CONFLICT(signature_hash) DO NOTHING",
            (signature_hash, user_id, to_db_time(now)),
        )
        return changed == 1

    async def end_all(self, *, user_id: int) -> int:
        return await self._run("DELETE FROM web_init_data_used WHERE user_id = ?", (user_id,))

    async def prune(self, *, before: datetime) -> int:
        return await self._run(
            "DELETE FROM web_init_data_used WHERE used_at < ?", (to_db_time(before),)
        )


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row[0],
        name=row[1],
        scope_kind=row[2],
        scope_value=row[3],
        created_at=_time(row[4]),
        revoked_at=from_db_time(row[5]),
        last_used_at=from_db_time(row[6]),
    )


_TOKEN_COLUMNS = (
    "id, name, scope_kind, scope_value, created_at, revoked_at, last_used_at FROM api_tokens"
)


class ApiTokenRepository(Repository):
    """The `api_tokens` table."""

    async def add(
        self, *, name: str, token_hash: str, scope_kind: str, scope_value: str, now: datetime
    ) -> int | None:
        """A new token; None when the name is taken (revoked names stay taken)."""
        row = await self._one(
            "INSERT INTO api_tokens (name, token_hash, scope_kind, scope_value, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING RETURNING id",
            (name, token_hash, scope_kind, scope_value, to_db_time(now)),
        )
        return int(row[0]) if row else None

    async def by_hash(self, *, token_hash: str) -> ApiToken | None:
        row = await self._one(f"SELECT {_TOKEN_COLUMNS} WHERE token_hash = ?", (token_hash,))
        return _token(row) if row else None

    async def revoke(self, *, name: str, now: datetime) -> bool:
        """Revoke a live token; False when none of that name is live."""
        changed = await self._run(
            "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
            (to_db_time(now), name),
        )
        return changed == 1

    async def all(self) -> list[ApiToken]:
        rows = await self._all(f"SELECT {_TOKEN_COLUMNS} ORDER BY id")
        return [_token(r) for r in rows]

    async def touch(self, *, token_id: int, now: datetime) -> None:
        await self._run(
            "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (to_db_time(now), token_id)
        )
