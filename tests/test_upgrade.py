"""Upgrading: the database is copied, named with its old schema, before a migration runs."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.rules.backups import check_backup
from storage.connection import Connection
from storage.db import Database, apply_migrations, latest_version, migrations
from storage.users import UserRepository

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def copies(folder: Path) -> list[Path]:
    """The upgrade copies beside the databases in `folder`."""
    return sorted(folder.glob("*.schema-*.bak"))


async def test_an_older_schema_is_copied_before_it_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "ayilbot.db"
    old = [version for version, _, _ in migrations()][-2]  # the release before this one
    conn = await Connection.open(path, name="test", timeout=5)
    try:
        assert await apply_migrations(conn, up_to=old) == old
        await conn.execute("BEGIN")
        await UserRepository(conn).create(
            user_id=7,
            first_name="Гүлнара",
            last_name=None,
            username=None,
            language="ky",
            pseudonym="P-7",
            now=NOW,
        )
        await conn.execute("COMMIT")
    finally:
        await conn.close()

    await (await Database.open(path)).close()

    (copy,) = copies(tmp_path)
    assert copy.name.startswith(f"ayilbot.db.schema-{old:04d}.")
    assert check_backup(copy) == old  # whole, and `ayilbot restore` takes it
    with sqlite3.connect(copy) as saved:
        assert saved.execute("SELECT id FROM users").fetchall() == [(7,)]
    with sqlite3.connect(path) as live:
        assert live.execute("PRAGMA user_version").fetchone()[0] == latest_version()

    await (await Database.open(path)).close()  # up to date now: no second copy
    assert copies(tmp_path) == [copy]


async def test_a_new_database_is_not_copied(tmp_path: Path) -> None:
    await (await Database.open(tmp_path / "fresh.db")).close()
    assert copies(tmp_path) == []
