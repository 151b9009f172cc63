"""Health: `ayilbot health` and GET /healthz against a running bot, a read-only database and
a bot that stopped answering (its heartbeat goes stale)."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import stat
import struct
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.health import check_beat, check_disk
from bot.localapi import LocalBotApi
from storage.health import Beat, JobRun
from tests.harness import TOKEN
from web.health import PATH, add_routes

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
MAX_AGE = timedelta(seconds=120)
# Linux chattr +i, for a root test run: root writes to any file whatever its mode.
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_IMMUTABLE_FL = 0x80086601, 0x40086602, 0x10


def beat(**changes: Any) -> Beat:
    values: dict[str, Any] = {
        "pid": 42,
        "mode": "polling",
        "started_at": NOW - timedelta(hours=1),
        "beat_at": NOW - timedelta(seconds=10),
        "telegram_ok_at": NOW - timedelta(seconds=5),
        "scheduler_running": True,
        "jobs": (
            JobRun("heartbeat", NOW + timedelta(seconds=20)),
            JobRun("digest-tick", NOW + timedelta(minutes=30)),
        ),
    }
    return Beat(**(values | changes))


def outcome(checks: list[Any]) -> dict[str, bool]:
    return {c.name: c.ok for c in checks}


def test_a_recent_heartbeat_is_healthy_and_names_the_next_job() -> None:
    checks = check_beat(beat(), NOW, MAX_AGE)
    assert outcome(checks) == {"bot": True, "telegram": True, "scheduler": True}
    assert checks[2].detail == "2 jobs, next digest-tick at 2026-06-01 08:30 UTC"


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"beat_at": NOW - timedelta(seconds=121)}, {"bot", "scheduler"}),
        ({"telegram_ok_at": NOW - timedelta(seconds=300)}, {"telegram"}),
        ({"telegram_ok_at": None}, {"telegram"}),
        ({"scheduler_running": False}, {"scheduler"}),
        ({"jobs": (JobRun("digest-tick", NOW - timedelta(minutes=10)),)}, {"scheduler"}),
    ],
)
def test_what_makes_a_heartbeat_unhealthy(changes: dict[str, Any], failing: set[str]) -> None:
    checks = check_beat(beat(**changes), NOW, MAX_AGE)
    assert {name for name, ok in outcome(checks).items() if not ok} == failing


def test_no_heartbeat_at_all_is_unhealthy() -> None:
    assert outcome(check_beat(None, NOW, MAX_AGE)) == dict.fromkeys(
        ("bot", "telegram", "scheduler"), False
    )


def test_free_disk_below_the_threshold_is_unhealthy(tmp_path: Path) -> None:
    assert check_disk(tmp_path / "ayilbot.db", 1).ok
    assert not check_disk(tmp_path / "ayilbot.db", 10**12).ok  # an exabyte


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The file cannot be written: its mode for an ordinary user, the immutable flag for root."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        flags = struct.unpack("l", fcntl.ioctl(fd, FS_IOC_GETFLAGS, struct.pack("l", 0)))[0]
        fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("l", flags | FS_IMMUTABLE_FL))
        try:
            yield
        finally:
            fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("l", flags))
    finally:
        os.close(fd)


async def health(env: dict[str, str]) -> tuple[int, dict[str, str]]:
    """`ayilbot health`: its status and each check's line, by check name."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "health", env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    lines = out.decode().splitlines()
    assert proc.returncode is not None
    return proc.returncode, {line[5:].split(":")[0]: line for line in lines}


async def until_healthy(env: dict[str, str], within: float) -> dict[str, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        code, lines = await health(env)
        if code == 0:
            return lines
        if loop.time() > deadline:
            raise AssertionError("\n".join(lines.values()))
        await asyncio.sleep(0.3)


@asynccontextmanager
async def healthz_client(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    """The /healthz handler mounted on an aiohttp app, as the dashboard's server will."""
    app = web.Application()
    add_routes(app, settings)
    async with TestClient(TestServer(app)) as client:
        yield client


async def healthz(client: TestClient[Any, Any]) -> tuple[int, dict[str, bool]]:
    response = await client.get(PATH)
    body = await response.json()
    assert body["healthy"] == (response.status == 200)
    return response.status, {c["name"]: c["ok"] for c in body["checks"]}


@pytest.mark.timeout(90)
async def test_healthy_bot_then_read_only_database_then_a_hung_bot(
    tmp_path: Path, server: LocalBotApi
) -> None:
    db = tmp_path / "ayilbot.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AYILBOT_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "AYILBOT_DB": str(db),
        "AYILBOT_HEALTH_MAX_AGE": "3",  # a heartbeat each second, long polls of one second
        "AYILBOT_WEB_PORT": "0",  # no dashboard: this test asks `ayilbot health`
    }
    ours: dict[str, Any] = {k: v for k, v in env.items() if k.startswith("AYILBOT_")}
    settings = Settings(_env_file=None, **ours)  # type: ignore[call-arg]
    with (tmp_path / "bot.log").open("w") as log:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=log, stderr=log
        )
    try:
        async with healthz_client(settings) as client:
            lines = await until_healthy(env, within=40)
            assert lines["bot"].startswith(f"ok   bot: process {bot.pid} (polling)")
            assert await healthz(client) == (200, dict.fromkeys(lines, True))

            with read_only(db):
                code, lines = await health(env)
                status, checks = await healthz(client)
            assert code == 1 and status == 503
            assert lines["database"].startswith(f"FAIL database: {db} does not take a write")
            assert "readonly" in lines["database"]
            assert [name for name, ok in checks.items() if not ok] == ["database"]
            await until_healthy(env, within=10)

            bot.send_signal(signal.SIGSTOP)  # alive, but answering nothing: hung
            await asyncio.sleep(4)
            code, lines = await health(env)
            status, checks = await healthz(client)
            bot.send_signal(signal.SIGCONT)
        assert code == 1 and status == 503
        assert lines["bot"].startswith("FAIL bot: process")
        assert "stopped or hung" in lines["bot"]
        assert lines["telegram"].startswith("FAIL telegram: last successful getUpdates")
        assert checks == {
            "database": True,
            "bot": False,
            "telegram": False,
            "scheduler": False,
            "disk": True,
            "media": True,
        }
        # Stopped cleanly: unhealthy at once, not once the heartbeat is old.
        bot.terminate()
        assert await asyncio.wait_for(bot.wait(), 20) == 0
        code, lines = await health(env)
        assert code == 1
        assert lines["bot"].startswith(f"FAIL bot: process {bot.pid} stopped ")
        assert lines["scheduler"] == "FAIL scheduler: unknown: the bot is stopped"
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGCONT)
            bot.terminate()
            await asyncio.wait_for(bot.wait(), 20)
