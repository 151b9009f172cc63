"""Helpers shared by repositories: time and JSON columns."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from storage.connection import Connection


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

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # One trip to the connection's thread per statement: each trip waits for the GIL and the
    # event loop, and inside a write transaction that wait holds the write lock for everyone.
    # (`async with conn.execute(...)` would add a trip to fetch and another to close.)

    async def _one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def _all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Any]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def _run(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> int:
        """Execute a write; returns the number of rows changed."""
        return (await self.conn.execute(sql, params)).rowcount

    async def _insert(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> int:
        """Execute an INSERT; returns the new row's id."""
        return (await self.conn.execute(sql, params)).lastrowid or 0
