"""The `ayilbot` command line: help, migrate, and admin roles, users and invites."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.wiring import GC_THRESHOLDS, tune_gc
from storage.db import Database
from storage.users import RoleRepository, UserRepository

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AYILBOT_DB", str(path))

    async def seed() -> None:
        db = await Database.open(path)
        async with db.transaction() as conn:
            await UserRepository(conn).create(
                user_id=42,
                first_name="Нурлан",
                last_name=None,
                username="nurlan",
                language="ky",
                pseudonym="P-0042",
                now=NOW,
            )
        await db.close()

    asyncio.run(seed())
    return path


def roles_of(path: Path, user_id: int) -> list[tuple[str, str, str]]:
    async def read() -> list[tuple[str, str, str]]:
        db = await Database.open(path)
        async with db.reading() as conn:
            roles = await RoleRepository(conn).for_user(user_id)
        await db.close()
        return [(r.role, r.scope_kind, r.scope_value) for r in roles]

    return asyncio.run(read())


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("run", "sandbox", "migrate", "admin"):
        assert command in out


def test_grant_and_revoke_a_scoped_role(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "grant", "42", "coordinator", "BA-BAT"]) == 0
    assert roles_of(db_path, 42) == [("coordinator", "place", "BA-BAT")]
    assert main(["admin", "users"]) == 0
    assert "coordinator:place:BA-BAT" in capsys.readouterr().out
    assert main(["admin", "revoke", "42", "coordinator"]) == 0
    assert roles_of(db_path, 42) == []


def test_unknown_scope_and_unknown_user_are_refused(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "grant", "42", "coordinator", "NOWHERE"]) == 1
    assert main(["admin", "grant", "77", "coordinator", "all"]) == 1
    out = capsys.readouterr().out
    assert "NOWHERE" in out and "77" in out
    assert roles_of(db_path, 42) == []


def test_invite_prints_a_deep_link(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "invite", "coordinator", "group:3", "--bot-username", "ayil_bot"]) == 0
    assert capsys.readouterr().out.startswith("https://t.me/ayil_bot?start=")


def test_the_bot_process_freezes_start_up_objects_and_collects_cycles_less_often() -> None:
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
