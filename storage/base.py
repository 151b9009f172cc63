"""Helpers shared by repositories: time and JSON columns."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import aiosqlite


def to_db_time(value: datetime) -> str:
    """UTC ISO 8601 with seconds, the one time format stored."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(value: str | None) -> datetime | None:
    """Parse a stored time (always UTC)."""
    return datetime.fromisoformat(value) if value else None


def dumps(value: Any) -> str:
    """JSON for a TEXT column, keeping Cyrillic readable in the file."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(value: str | None) -> Any:
    """Parse a JSON column."""
    return json.loads(value) if value else None


class Repository:
    """A repository works on the connection it is given; it never commits."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def _one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Any]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def _run(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> int:
        """Execute a write; returns the number of rows changed."""
        async with self.conn.execute(sql, params) as cur:
            return int(cur.rowcount)

    async def _insert(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> int:
        """Execute an INSERT; returns the new row's id."""
        async with self.conn.execute(sql, params) as cur:
            return int(cur.lastrowid or 0)
