"""Fault tests (issue #7): SIGKILL mid-form, redelivery after a crash, random API faults.

The bot runs as its own process against the local Bot API server (which, like Telegram,
keeps unconfirmed updates and delivers them again). People drive the incident form by reading
each question; when the bot is gone they use /menu to get their open form back.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bench.incident_driver import MENU, TYPED, answer, step_of
from bench.seed import seed_group, seed_people
from bot.localapi import FakeUser, LocalBotApi
from bot.rules.fanout import FANOUT_CONCURRENCY

ROOT = Path(__file__).resolve().parents[1]
LOG: dict[int, list[str]] = {}


class Bot:
    """`python -m bench.botproc ayilbot` on a database file: started, killed, restarted."""

    def __init__(self, server: LocalBotApi, db: Path) -> None:
        self.args = [sys.executable, "-m", "bench.botproc", "ayilbot", server.base_url, str(db)]
        self.log = db.with_suffix(".log")
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("a") as log:  # a file, not a pipe nobody reads while it runs
            self.proc = await asyncio.create_subprocess_exec(
                *self.args, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=log
            )
        assert self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if line.strip() != b"ready":
            raise AssertionError(f"the bot did not start: {self.log.read_text()[-3000:]}")

    async def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 20)


async def report(server: LocalBotApi, user: FakeUser, alive: asyncio.Event) -> None:
    """Fill one report to its receipt, surviving crashes by asking /menu for the open form."""
    await server.send_text(user, "/report")
    while True:
        try:
            message = await server.next_message(user, timeout=3)
        except AssertionError:
            await alive.wait()
            server.drain(user)
            await server.send_text(user, "/menu")
            try:
                menu = await server.next_message(user, timeout=5)
            except AssertionError:
                continue
            resume = [t for t, _ in menu.flat_buttons if t.startswith("↩️")]
            if resume:
                await server.press_button(user, resume[0], message=menu)
            elif MENU in menu.text:
                LOG.setdefault(user.id, []).append("no open form left")
                return  # no open form: the report went in while the bot died
            elif step_of(menu) is not None and await answer(server, user, menu):
                return  # a late answer to an earlier update arrived first
            continue
        if message.edited or not (message.flat_buttons or "№" in message.text):
            continue
        LOG.setdefault(user.id, []).append(f"{step_of(message)}: {message.text[:40]!r}")
        if await answer(server, user, message):
            return


def reports_per_person(db: Path) -> dict[int, int]:
    with sqlite3.connect(db) as conn:
        return dict(
            conn.execute(
                "SELECT reporter_id, count(*) FROM incidents GROUP BY reporter_id"
            ).fetchall()
        )


@pytest.mark.timeout(200)
async def test_sigkill_at_random_points_loses_and_doubles_nothing(tmp_path: Path) -> None:
    db = tmp_path / "faults.db"
    people_ids = list(range(3000, 3016))  # enough at once that writes share batches
    await seed_people(db, people_ids)
    server = LocalBotApi(latency_ms=10)
    await server.start()
    bot = Bot(server, db)
    await bot.start()
    alive = asyncio.Event()
    alive.set()
    rng = random.Random(20261123)

    async def chaos() -> None:
        for _ in range(4):
            await asyncio.sleep(rng.uniform(0.3, 1.2))
            alive.clear()
            await bot.kill()
            await asyncio.sleep(0.2)
            await bot.start()
            alive.set()

    try:
        users = [server.user(i, f"R{i}", language_code="ru") for i in people_ids]
        await asyncio.wait_for(
            asyncio.gather(chaos(), *(report(server, u, alive) for u in users)), timeout=150
        )
    finally:
        await bot.stop()
        await server.stop()
    found = reports_per_person(db)
    assert found == dict.fromkeys(people_ids, 1), {
        i: LOG.get(i, [])[-6:] for i in people_ids if found.get(i) != 1
    }
    with sqlite3.connect(db) as conn:
        notes = {r[0] for r in conn.execute("SELECT notes FROM incidents")}
    assert notes == {TYPED["description"]}


@pytest.mark.timeout(200)
async def test_random_api_faults_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "flaky.db"
    people_ids = list(range(3100, 3106))
    await seed_people(db, people_ids)
    server = LocalBotApi()
    await server.start()
    bot = Bot(server, db)
    await bot.start()
    # A timeout answers after the bot gave up, though the call took effect (as on Telegram).
    server.random_faults(0.15, kinds=("429", "500", "403", "timeout"), seed=7)
    alive = asyncio.Event()
    alive.set()
    try:
        users = [server.user(i, f"F{i}", language_code="ru") for i in people_ids]
        await asyncio.wait_for(
            asyncio.gather(*(report(server, u, alive) for u in users)), timeout=150
        )
    finally:
        server.clear_faults()
        await bot.stop()
        await server.stop()
    assert all(server.faults_by_kind[kind] > 0 for kind in ("429", "500", "403", "timeout"))
    found = reports_per_person(db)
    assert found == dict.fromkeys(people_ids, 1), {
        i: LOG.get(i, [])[-6:] for i in people_ids if found.get(i) != 1
    }


@pytest.mark.timeout(120)
async def test_sigkill_during_a_digest_fan_out_never_sends_a_second_copy(tmp_path: Path) -> None:
    db = tmp_path / "fanout.db"
    members = list(range(3200, 3320))
    await seed_people(db, members)
    group = await seed_group(db, members)
    server = LocalBotApi(latency_ms=20)
    await server.start()
    for member in members:
        server.user(member, f"M{member}", language_code="ru")
    env = {
        **os.environ,
        "AYILBOT_DB": str(db),
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url,
    }
    command = [sys.executable, "-m", "bot", "digest", "--now", "--recipient", f"group:{group}"]
    try:
        first = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await server.wait_for(lambda: server.sent_count("sendMessage") >= 40, timeout=60)
        os.kill(first.pid, signal.SIGKILL)  # half-way through the fan-out
        await first.wait()
        second = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert await second.wait() == 0
        received = {m: len(server.messages(m)) for m in members}
    finally:
        await server.stop()
    assert max(received.values()) == 1  # nobody got the digest twice
    missing = [m for m, n in received.items() if n == 0]
    # Only sends that were on the wire at the kill may be missing (never resent: unknown).
    assert len(missing) <= FANOUT_CONCURRENCY, missing
