"""Backups taken while the bot writes restore to a consistent database; restore checks."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.services.backups import BackupRejected, restore_from, scheduled_backup
from storage.db import Database, latest_version
from storage.users import UserRepository

NOW = datetime(2026, 6, 1, tzinfo=UTC)


async def test_backup_during_writes_restores_consistently(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "live.db")
    stop = asyncio.Event()

    async def writer() -> int:
        n = 0
        while not stop.is_set():
            async with db.transaction() as conn:
                await UserRepository(conn).create(
                    user_id=n,
                    first_name=f"u{n}",
                    last_name=None,
                    username=None,
                    language="ky",
                    pseudonym=f"P-{n}",
                    now=NOW,
                )
            n += 1
            await asyncio.sleep(0)
        return n

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    snapshot = await scheduled_backup(db, tmp_path / "backups", now=NOW, keep=3)
    stop.set()
    written = await task
    await db.close()
    restored = tmp_path / "restored.db"
    assert restore_from(snapshot, restored) == latest_version()
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [r[0] for r in conn.execute("SELECT id FROM users ORDER BY id")]
    # A prefix of the writes, whole rows only: what was committed when the copy was taken.
    assert 0 < len(ids) <= written and ids == list(range(len(ids)))


async def test_scheduled_backups_keep_the_newest(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "live.db")
    for hour in range(5):
        await scheduled_backup(db, tmp_path / "b", now=NOW + timedelta(hours=hour), keep=2)
    await db.close()
    assert [p.name for p in sorted((tmp_path / "b").glob("*.db"))] == [
        "ayilbot-20260601-030000.db",
        "ayilbot-20260601-040000.db",
    ]


def test_restore_refuses_a_newer_schema_and_garbage(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as conn:
        conn.execute("CREATE TABLE users (id INTEGER)")
        conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    with pytest.raises(BackupRejected, match="newer than this code"):
        restore_from(newer, tmp_path / "target.db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    with pytest.raises(BackupRejected, match="not a SQLite database"):
        restore_from(garbage, tmp_path / "target.db")
    assert not (tmp_path / "target.db").exists() or (tmp_path / "target.db").stat().st_size == 0


def test_backup_and_restore_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AYILBOT_DB", str(tmp_path / "a.db"))
    assert main(["migrate"]) == 0
    assert main(["backup", str(tmp_path / "copy.db")]) == 0
    assert main(["restore", str(tmp_path / "copy.db")]) == 0
    assert main(["restore", str(tmp_path / "missing.db")]) == 1
