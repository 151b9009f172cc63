"""Simulated people talking to a bot through the local Bot API server, timed."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.localapi import FakeUser, LocalBotApi

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")

# One exchange: do something as the person, then wait for the bot's answer.
Action = Callable[[LocalBotApi, FakeUser], Awaitable[None]]


@dataclass(frozen=True)
class Result:
    name: str
    people: int
    updates: int
    seconds: float
    latencies: tuple[float, ...]
    cpu_ms_per_update: float
    rejected: int  # 429s the server answered

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class BotProcess:
    """Start `python -m bench.botproc ...` and wait until it polls."""

    def __init__(self, *args: str) -> None:
        # The bot's log goes to a file: a pipe nobody reads would stall a chatty bot.
        self.log = tempfile.NamedTemporaryFile(prefix="ayilbot-bench-", suffix=".log")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.botproc", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )

    async def ready(self) -> None:
        assert self.proc.stdout is not None
        line = await asyncio.to_thread(self.proc.stdout.readline)
        if line.strip() != "ready":
            log = await asyncio.to_thread(Path(self.log.name).read_text, errors="replace")
            raise RuntimeError(f"bot process did not start:\n{log[-2000:]}")

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def say(text: str) -> Action:
    """Send a text message."""

    async def act(server: LocalBotApi, user: FakeUser) -> None:
        await server.send_text(user, text)

    return act


def press(label: str | None = None, index: int | None = None) -> Action:
    """Press a button of the latest keyboard by label or position."""

    async def act(server: LocalBotApi, user: FakeUser) -> None:
        await server.press_button(user, label, index=index)

    return act


async def run_people(
    server: LocalBotApi,
    bot: BotProcess,
    name: str,
    users: Sequence[FakeUser],
    script: Sequence[Action],
    *,
    timeout: float = 60.0,
) -> Result:
    """Every person runs the script at once; each step waits for the bot's answer."""
    latencies: list[float] = []
    rejected_before = server.too_many_requests

    async def person(user: FakeUser) -> None:
        for action in script:
            server.drain(user)
            started = time.perf_counter()
            await action(server, user)
            await server.next_message(user, timeout=timeout)
            latencies.append(time.perf_counter() - started)

    cpu_before = bot.cpu()
    started = time.perf_counter()
    await asyncio.gather(*(person(u) for u in users))
    seconds = time.perf_counter() - started
    cpu = bot.cpu() - cpu_before
    updates = len(users) * len(script)
    return Result(
        name,
        len(users),
        updates,
        seconds,
        tuple(latencies),
        cpu * 1000 / updates,
        server.too_many_requests - rejected_before,
    )


async def run_incident_forms(
    server: LocalBotApi,
    bot: BotProcess,
    name: str,
    users: Sequence[FakeUser],
    *,
    timeout: float = 60.0,
) -> Result:
    """Every person fills the whole incident report, reading each question before answering."""
    from bench.incident_driver import answer

    latencies: list[float] = []
    updates = 0

    async def person(user: FakeUser) -> None:
        nonlocal updates
        server.drain(user)
        started = time.perf_counter()
        await server.send_text(user, "/report")
        while True:
            message = await server.next_message(user, timeout=timeout)
            latencies.append(time.perf_counter() - started)
            updates += 1
            started = time.perf_counter()
            if await answer(server, user, message):
                return

    cpu_before = bot.cpu()
    began = time.perf_counter()
    await asyncio.gather(*(person(u) for u in users))
    seconds = time.perf_counter() - began
    cpu = bot.cpu() - cpu_before
    return Result(
        name,
        len(users),
        updates,
        seconds,
        tuple(latencies),
        cpu * 1000 / max(updates, 1),
        server.too_many_requests,
    )


def resident_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
