"""Health: the running bot's heartbeat, and the checks `ayilbot health` and GET /healthz run.

The bot records a heartbeat row in SQLite (storage/health.py) from a scheduler job: when it
was written, the last successful getUpdates (or, with a webhook, getWebhookInfo without a
delivery error), whether the scheduler runs and when each job runs next. A row in the
database works across processes and containers that share the volume. The checks:

- database: the file takes a write (write lock, an insert, rolled back);
- bot: the heartbeat is recent (the process and its scheduler are alive);
- telegram: the last successful call to Telegram is recent;
- scheduler: it runs and no job is overdue;
- disk: free space where the database lives is above AYILBOT_MIN_FREE_MB.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.error import TelegramError
from telegram.request import BaseRequest, RequestData

from bot.clock import Clock
from bot.config import Settings
from bot.sdnotify import notify, watchdog_seconds
from storage.health import Beat, JobRun, probe_write, read_beat, record_beat

log = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 30.0
HEARTBEAT_JOB = "heartbeat"  # its own runs are not news in the scheduler check
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Check:
    """One health check's outcome."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        """`ok   database: ...` or `FAIL database: ...`, as `ayilbot health` prints it."""
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def heartbeat_interval(settings: Settings) -> float:
    """Beat often enough for the health age limit and systemd's watchdog (if any)."""
    candidates = [HEARTBEAT_EVERY_S, settings.health_max_age_seconds / 3]
    watchdog = watchdog_seconds()
    if watchdog is not None:
        candidates.append(watchdog / 3)
    return max(0.5, min(candidates))


class Heartbeat:
    """What the running bot knows about itself; `beat()` writes it to the database."""

    def __init__(self, *, mode: str, clock: Clock) -> None:
        self.mode = mode
        self.clock = clock
        self.pid = os.getpid()
        self.started_at = clock.now()
        self.telegram_ok_at: datetime | None = None
        self.on_first_ok: list[Callable[[], None]] = []
        self._webhook_error_at: datetime | None = None

    def telegram_ok(self) -> None:
        """A call to Telegram succeeded (getUpdates returned); the first one makes us ready."""
        first = self.telegram_ok_at is None
        self.telegram_ok_at = self.clock.now()
        if first:
            for callback in self.on_first_ok:
                callback()

    async def check_webhook(self, bot: Any) -> None:
        """Webhook mode: Telegram is reachable and delivered without error since last time."""
        try:
            info = await bot.get_webhook_info()
        except TelegramError as exc:
            log.warning("getWebhookInfo failed", extra={"error": type(exc).__name__})
            return
        error_at = info.last_error_date
        if error_at is not None and error_at != self._webhook_error_at:
            self._webhook_error_at = error_at
            log.warning(
                "telegram could not deliver to the webhook",
                extra={"error": info.last_error_message, "pending": info.pending_update_count},
            )
            return
        self.telegram_ok()

    def snapshot(self, jobs: list[JobRun], scheduler_running: bool) -> Beat:
        """The row to write now."""
        return Beat(
            pid=self.pid,
            mode=self.mode,
            started_at=self.started_at,
            beat_at=self.clock.now(),
            telegram_ok_at=self.telegram_ok_at,
            scheduler_running=scheduler_running,
            jobs=tuple(jobs),
        )


async def beat(context: Any) -> None:
    """The heartbeat job: check the webhook if any, write the row, pet systemd's watchdog."""
    app = context.application
    heartbeat: Heartbeat = context.job.data
    if heartbeat.mode == "webhook":
        await heartbeat.check_webhook(app.bot)
    queue = app.job_queue
    jobs = [JobRun(name=job.name or "?", next_run=job.next_t) for job in queue.jobs()]
    row = heartbeat.snapshot(jobs, scheduler_running=bool(queue.scheduler.running))
    await app.bot_data.services.db.write(lambda conn: record_beat(conn, row))
    notify("WATCHDOG=1")


class WatchedRequest(BaseRequest):
    """Wraps the getUpdates transport and calls `on_success` after every 2xx answer."""

    __slots__ = ("_inner", "_on_success")

    def __init__(self, inner: BaseRequest, on_success: Callable[[], None]) -> None:
        self._inner = inner
        self._on_success = on_success

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await self._inner.do_request(
            url,
            method,
            request_data=request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if 200 <= code < 300:
            self._on_success()
        return code, payload


# ---------------------------------------------------------------------- the checks


def _ago(now: datetime, then: datetime) -> str:
    return f"{max(0, round((now - then).total_seconds()))} s ago"


def check_database(path: Path, now: datetime) -> Check:
    """The database file exists and takes a write."""
    if not path.exists():
        return Check("database", False, f"no database at {path}")
    try:
        version = probe_write(path, now)
    except sqlite3.Error as exc:
        return Check("database", False, f"{path} does not take a write: {exc}")
    return Check("database", True, f"{path} is writable (schema {version})")


def check_beat(beat: Beat | None, now: datetime, max_age: timedelta) -> list[Check]:
    """The bot, Telegram and scheduler checks, from the heartbeat row."""
    if beat is None:
        missing = "no heartbeat: the bot has not run against this database"
        return [Check(name, False, missing) for name in ("bot", "telegram", "scheduler")]
    fresh = now - beat.beat_at <= max_age
    checks = [
        Check(
            "bot",
            fresh,
            f"process {beat.pid} ({beat.mode}) wrote its heartbeat {_ago(now, beat.beat_at)}"
            + ("" if fresh else f", more than {max_age.total_seconds():.0f} s: stopped or hung"),
        )
    ]
    call = "getUpdates" if beat.mode == "polling" else "getWebhookInfo"
    if beat.telegram_ok_at is None:
        checks.append(Check("telegram", False, f"no successful {call} since the bot started"))
    else:
        recent = now - beat.telegram_ok_at <= max_age
        checks.append(
            Check("telegram", recent, f"last successful {call} {_ago(now, beat.telegram_ok_at)}")
        )
    overdue = [
        j.name for j in beat.jobs if j.next_run is not None and beat.beat_at - j.next_run > max_age
    ]
    if not fresh:
        checks.append(Check("scheduler", False, "unknown: no recent heartbeat"))
    elif not beat.scheduler_running or not beat.jobs:
        checks.append(Check("scheduler", False, "not running"))
    elif overdue:
        checks.append(Check("scheduler", False, f"jobs overdue: {', '.join(overdue)}"))
    else:
        upcoming = min(
            (
                j
                for j in beat.jobs
                if j.next_run is not None and not j.name.startswith(HEARTBEAT_JOB)
            ),
            key=lambda j: j.next_run or now,
            default=None,
        )
        following = (
            f", next {upcoming.name} at {upcoming.next_run:%Y-%m-%d %H:%M} UTC"
            if upcoming and upcoming.next_run
            else ""
        )
        checks.append(Check("scheduler", True, f"{len(beat.jobs)} jobs{following}"))
    return checks


def check_disk(path: Path, min_free_mb: int) -> Check:
    """Free space on the file system holding the database."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free_mb = shutil.disk_usage(folder).free // MB
    ok = free_mb >= min_free_mb
    return Check("disk", ok, f"{free_mb} MB free in {folder} (minimum {min_free_mb} MB)")


def check_all(settings: Settings, now: datetime) -> list[Check]:
    """Every check, in order; the bot is healthy when all are ok."""
    path = settings.db_path
    checks = [check_database(path, now)]
    max_age = timedelta(seconds=settings.health_max_age_seconds)
    try:
        beat_row = read_beat(path) if path.exists() else None
    except sqlite3.Error as exc:
        checks.append(Check("bot", False, f"cannot read the heartbeat: {exc}"))
    else:
        checks += check_beat(beat_row, now, max_age)
    checks.append(check_disk(path, settings.min_free_mb))
    return checks
