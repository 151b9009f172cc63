"""Backups off the machine: Litestream replicates while reports are written, and a restore
finds every one; the daily backup's folder copy runs AYILBOT_OFFSITE_COPY."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.replication import (
    copy_folders_offsite,
    litestream_binary,
    litestream_config,
    litestream_env,
    replica_url,
)
from storage.db import Database
from storage.incidents import IncidentRepository
from tests.incident_steps import SEED

BATCHES, PER_BATCH = 12, 15


def settings_for(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def draft_ids(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT draft_id FROM incidents")}


@pytest.mark.timeout(120)
async def test_reports_written_while_replicating_are_all_restored(tmp_path: Path) -> None:
    live = tmp_path / "live" / "ayilbot.db"
    replica = tmp_path / "offsite" / "ayilbot"  # a file replica: no network in tests
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AYILBOT_"))}
    env |= {"AYILBOT_DB": str(live), "AYILBOT_REPLICA_URL": f"file://{replica}"}
    settings = settings_for(AYILBOT_DB=live, AYILBOT_REPLICA_URL=f"file://{replica}")
    db = await Database.open(live, replicated=True)  # as the bot opens it: no autocheckpoint
    log = (tmp_path / "litestream.log").open("w")
    litestream = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "replicate", env=env, cwd=tmp_path, stdout=log, stderr=log
    )
    written: list[str] = []
    try:
        for batch in range(BATCHES):
            async with db.transaction() as conn:
                repo = IncidentRepository(conn)
                for n in range(PER_BATCH):
                    draft = f"draft-{batch:02d}-{n:02d}"
                    await repo.add(incident=replace(SEED, draft_id=draft))
                    written.append(draft)
            await asyncio.sleep(0.25)  # the writes spread over Litestream's 1 s syncs
        # A stop signal makes Litestream sync what is left before it exits.
        litestream.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(litestream.wait(), 30) == 0
    finally:
        if litestream.returncode is None:
            litestream.kill()
        log.close()
        await db.close()
    assert (tmp_path / "live" / ".ayilbot.db-litestream.yml").read_text() == (
        litestream_config(settings)
    )

    restored = tmp_path / "restored" / "ayilbot.db"
    restored.parent.mkdir()
    binary = litestream_binary()
    assert binary is not None
    restore = await asyncio.create_subprocess_exec(
        binary,
        "restore",
        "-o",
        str(restored),
        replica_url(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await restore.communicate()
    assert restore.returncode == 0, output.decode()
    assert len(written) == BATCHES * PER_BATCH
    assert draft_ids(restored) == set(written)
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_replica_forgets_after_the_days_the_privacy_notice_names(tmp_path: Path) -> None:
    """What a person erased leaves the replica when it leaves the daily backups, not later."""
    for days in (7, 3):
        settings = settings_for(
            AYILBOT_DB=tmp_path / "a.db", AYILBOT_REPLICA_URL="/srv/r", AYILBOT_BACKUP_KEEP=days
        )
        assert f"  retention: {days * 24}h" in litestream_config(settings).splitlines()


def test_a_bare_path_is_a_file_replica_and_credentials_come_from_dotenv(tmp_path: Path) -> None:
    settings = settings_for(AYILBOT_DB=tmp_path / "a.db", AYILBOT_REPLICA_URL="/srv/replica")
    assert replica_url(settings) == "file:///srv/replica"
    assert '      url: "file:///srv/replica"' in litestream_config(settings).splitlines()
    dotenv = tmp_path / ".env"
    dotenv.write_text("LITESTREAM_ACCESS_KEY_ID=from-file\nTELEGRAM_BOT_TOKEN=1:x\n")
    env = litestream_env({"LITESTREAM_SECRET_ACCESS_KEY": "s"}, dotenv)
    assert env == {"LITESTREAM_SECRET_ACCESS_KEY": "s", "LITESTREAM_ACCESS_KEY_ID": "from-file"}


async def test_the_media_folder_is_copied_by_the_offsite_command(tmp_path: Path) -> None:
    db = tmp_path / "data" / "ayilbot.db"
    media = db.parent / "media"
    (media / "2026").mkdir(parents=True)
    (media / "2026" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    target = tmp_path / "elsewhere"
    target.mkdir()
    settings = settings_for(AYILBOT_DB=db, AYILBOT_OFFSITE_COPY=f"cp -R {{src}} {target}/{{name}}")
    assert settings.media_dir == media
    assert await copy_folders_offsite(settings) == {"media": True}
    assert (target / "media" / "2026" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"


async def test_a_failing_copy_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "ayilbot.db"
    (tmp_path / "media").mkdir()
    settings = settings_for(AYILBOT_DB=db, AYILBOT_OFFSITE_COPY="false {src}")
    with caplog.at_level(logging.ERROR, logger="bot.replication"):
        assert await copy_folders_offsite(settings) == {"media": False}
    assert [r.getMessage() for r in caplog.records] == ["off-site copy failed"]
    assert caplog.records[0].status == 1  # type: ignore[attr-defined]
    unset = settings_for(AYILBOT_DB=db)
    assert await copy_folders_offsite(unset) == {"media": None}
