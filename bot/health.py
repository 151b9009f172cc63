"""Health: the running bot's heartbeat, and the checks `ayilbot health` and GET /healthz run.

The bot records a heartbeat row in SQLite (storage/health.py) from a scheduler job: when it
was written, the last successful getUpdates (or, with a webhook, getWebhookInfo without a
delivery error), whether the scheduler runs and when each job runs next. A row in the
database works across processes and containers that share the volume. The checks:

- database: the file takes a write (write lock, an insert, rolled back);
- bot: the heartbeat is recent (the process and its scheduler are alive) and not the last
  one a bot writes as it stops;
- telegram: the last successful call to Telegram is recent;
- scheduler: it runs and no job is overdue;
- disk: free space where the database lives is above AYILBOT_MIN_FREE_MB;
- media: no photo or voice note has been failing to download for more than an hour.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import Clock
from bot.config import Settings
from bot.sdnotify import watchdog_seconds
from storage.db import Database
from storage.health import Beat, JobRun, probe_write, read_beat, record_beat
from storage.media import read_counts

log = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 30.0
HEARTBEAT_JOB = "heartbeat"  # its own runs are not news in the scheduler check
# The mode a bot writes as its last heartbeat when it stops cleanly: a stopped bot is
# unhealthy at once, not only once its heartbeat is AYILBOT_HEALTH_MAX_AGE old.
STOPPED = "stopped"
MB = 1024 * 1024
# A download that fails once is retried within minutes; failing for an hour is a problem
# (Telegram unreachable from the server, a full disk) that someone should look at.
MEDIA_ALARM = timedelta(hours=1)


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

    def webhook_checked(self, error_at: datetime | None, error: str | None, pending: int) -> None:
        """Webhook mode: Telegram answered getWebhookInfo; ok unless a new delivery error."""
        if error_at is not None and error_at != self._webhook_error_at:
            self._webhook_error_at = error_at
            log.warning(
                "telegram could not deliver to the webhook",
                extra={"error": error, "pending": pending},
            )
            return
        self.telegram_ok()

    def stopped(self) -> Beat:
        """The last row, written as the bot stops: health says so at once."""
        return Beat(
            pid=self.pid,
            mode=STOPPED,
            started_at=self.started_at,
            beat_at=self.clock.now(),
            telegram_ok_at=self.telegram_ok_at,
            scheduler_running=False,
            jobs=(),
        )

    def snapshot(
        self, jobs: Iterable[tuple[str, datetime | None]], scheduler_running: bool
    ) -> Beat:
        """The row to write now."""
        return Beat(
            pid=self.pid,
            mode=self.mode,
            started_at=self.started_at,
            beat_at=self.clock.now(),
            telegram_ok_at=self.telegram_ok_at,
            scheduler_running=scheduler_running,
            jobs=tuple(JobRun(name, next_run) for name, next_run in jobs),
        )


async def record(db: Database, row: Beat) -> None:
    """Write the heartbeat row (it replaces the last one)."""
    await db.write(lambda conn: record_beat(conn, row))


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
    if beat.mode == STOPPED:
        stopped = f"process {beat.pid} stopped {_ago(now, beat.beat_at)}"
        return [
            Check("bot", False, stopped),
            *(
                Check(name, False, "unknown: the bot is stopped")
                for name in ("telegram", "scheduler")
            ),
        ]
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


def check_media(settings: Settings, now: datetime) -> Check:
    """Photos and voice notes: stored, waiting, and failing for longer than MEDIA_ALARM."""
    try:
        counts = read_counts(settings.db_path)
    except sqlite3.Error as exc:
        return Check("media", False, f"cannot read the media table: {exc}")
    parts = [
        f"{counts.stored} files ({counts.stored_bytes // MB} MB) in {settings.media_dir}",
    ]
    if counts.waiting:
        parts.append(f"{counts.waiting} to download")
    if counts.too_large or counts.lost:
        parts.append(
            f"{counts.lost} lost and {counts.too_large} over {settings.media_max_mb} MB, "
            "kept as Telegram ids only"
        )
    failing = counts.oldest_retrying is not None and now - counts.oldest_retrying > MEDIA_ALARM
    if counts.retrying:
        parts.insert(
            0,
            f"{counts.retrying} failing to download"
            + (f" for over {MEDIA_ALARM.total_seconds() / 3600:.0f} h" if failing else "")
            + f", retried later (last error: {counts.last_error})",
        )
    return Check("media", not failing, "; ".join(parts))


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
    if path.exists():
        checks.append(check_media(settings, now))
    return checks
