"""Backups taken while the bot writes restore to a consistent database; restore checks."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.rules.backups import (
    BackupRejected,
    prune_backups,
    restore_from,
    scheduled_backup,
)
from storage.db import Database, latest_version
from storage.health import probe_write
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


async def test_scheduled_backups_are_deleted_after_the_kept_days(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "live.db")
    for day in range(5):
        await scheduled_backup(db, tmp_path / "b", now=NOW + timedelta(days=day), keep=2)
    await db.close()
    assert [p.name for p in sorted((tmp_path / "b").glob("*.db"))] == [
        "ayilbot-20260604-000000.db",
        "ayilbot-20260605-000000.db",
    ]
    # The privacy notice promises that erased data leaves the backups after that many days,
    # also when no new backup is taken (the bot stopped, or the backup failed). Files that
    # are not the bot's own are left alone.
    (tmp_path / "b" / "ayilbot-notes.db").write_text("mine")
    later = NOW + timedelta(days=5)
    removed = prune_backups(tmp_path / "b", now=later, keep_days=2)
    assert [p.name for p in removed] == ["ayilbot-20260604-000000.db"]
    assert [p.name for p in sorted((tmp_path / "b").glob("*.db"))] == [
        "ayilbot-20260605-000000.db",
        "ayilbot-notes.db",
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


def test_a_folder_named_with_hash_and_percent_backs_up_restores_and_is_probed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "file:/srv/ngo#2/a.db?mode=ro" opened "/srv/ngo" (the rest read as a fragment): restore
    # called a good copy "not a SQLite database" and health never found the heartbeat.
    odd = tmp_path / "ngo #2 100%"
    odd.mkdir()
    monkeypatch.chdir(odd)
    monkeypatch.setenv("AYILBOT_DB", str(odd / "a.db"))
    assert main(["migrate"]) == 0
    assert main(["backup", str(odd / "copy.db")]) == 0
    assert main(["restore", str(odd / "copy.db")]) == 0
    assert probe_write(odd / "a.db", datetime.now(UTC)) == latest_version()


def test_restore_refuses_while_a_bot_holds_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "live.db"
    monkeypatch.setenv("AYILBOT_DB", str(live))
    assert main(["migrate"]) == 0
    assert main(["backup", str(tmp_path / "copy.db")]) == 0
    capsys.readouterr()

    async def with_open_database() -> int:
        db = await Database.open(live)  # as the running bot holds it
        try:
            async with db.transaction() as conn:
                await UserRepository(conn).create(
                    user_id=1,
                    first_name="Thanked",
                    last_name=None,
                    username=None,
                    language="ky",
                    pseudonym="P-1",
                    now=NOW,
                )
            return await asyncio.to_thread(main, ["restore", str(tmp_path / "copy.db")])
        finally:
            await db.close()

    assert asyncio.run(with_open_database()) == 1
    err = capsys.readouterr().err
    assert "in use" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    with closing(sqlite3.connect(live)) as conn:  # what she was thanked for is still there
        assert conn.execute("SELECT first_name FROM users").fetchall() == [("Thanked",)]
    # Another process holding it is refused the same way; once the bot stops, restore works.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import asyncio, sys; from storage.db import Database\n"
            "async def main():\n"
            f"    db = await Database.open(__import__('pathlib').Path({str(live)!r}))\n"
            "    print('open', flush=True); sys.stdin.readline(); await db.close()\n"
            "asyncio.run(main())",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        assert main(["restore", str(tmp_path / "copy.db")]) == 1
    finally:
        holder.communicate("\n", timeout=30)
    assert main(["restore", str(tmp_path / "copy.db")]) == 0
    with closing(sqlite3.connect(live)) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)


def test_backup_onto_a_file_that_is_not_a_database_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AYILBOT_DB", str(tmp_path / "live.db"))
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a database\n")
    assert main(["backup", str(notes)]) == 1
    err = capsys.readouterr().err
    assert "not a database" in err and len(err.strip().splitlines()) == 1
    assert notes.read_text() == "my notes, not a database\n"  # left as it was
    assert main(["backup", str(tmp_path)]) == 1  # a folder
    assert "folder" in capsys.readouterr().err
    assert main(["backup", str(tmp_path / "b.db")]) == 0
    assert main(["backup", str(tmp_path / "b.db")]) == 0  # an older backup is replaced
