"""Migrations: from an empty file and from every earlier version to the same schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.connection import Connection
from storage.db import (
    Database,
    SchemaMismatch,
    apply_migrations,
    latest_version,
    migrations,
    schema_version,
)


def schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
    return [(name, " ".join(sql.split())) for name, sql in rows]


async def test_fresh_file_reaches_latest_version_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    for _ in range(2):  # opening twice applies nothing the second time
        db = await Database.open(path)
        await db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("start", [v for v, _, _ in migrations()][:-1] or [0])
async def test_every_earlier_version_upgrades_to_the_same_schema(
    tmp_path: Path, start: int
) -> None:
    fresh = tmp_path / "fresh.db"
    await (await Database.open(fresh)).close()
    old = tmp_path / "old.db"
    conn = await Connection.open(old, name="test", timeout=5)
    try:
        assert await apply_migrations(conn, up_to=start) == start
    finally:
        await conn.close()
    await (await Database.open(old)).close()
    assert schema(old) == schema(fresh)


async def test_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    with pytest.raises(SchemaMismatch):
        await Database.open(path)


async def test_failed_migration_leaves_the_file_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    conn = await Connection.open(path, name="test", timeout=5)
    try:
        await conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")  # clashes with 0001
        with pytest.raises(sqlite3.OperationalError):
            await apply_migrations(conn)
        assert await schema_version(conn) == 0
    finally:
        await conn.close()
    assert [name for name, _ in schema(path)] == ["users"]
