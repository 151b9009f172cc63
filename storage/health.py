"""The heartbeat row and the write probe behind `ayilbot health` and GET /healthz.

The bot writes its heartbeat through the writer (group commit); the health check runs in
another process (or thread) with its own short-lived sqlite3 connection, so it works whether
or not the bot is running and never creates the database file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.base import dumps, from_db_time, loads, to_db_time
from storage.connection import uri_for

PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class JobRun:
    """A scheduled job and when it runs next (None: paused or finished)."""

    name: str
    next_run: datetime | None


@dataclass(frozen=True, slots=True)
class Beat:
    """What the running bot last said about itself."""

    pid: int
    mode: str
    started_at: datetime
    beat_at: datetime
    telegram_ok_at: datetime | None
    scheduler_running: bool
    jobs: tuple[JobRun, ...]


def record_beat(conn: sqlite3.Connection, beat: Beat) -> None:
    """Replace the heartbeat row (runs in the writer's thread, inside its batch)."""
    jobs = [
        {"name": j.name, "next_run": to_db_time(j.next_run) if j.next_run else None}
        for j in beat.jobs
    ]
    conn.execute(
        "INSERT INTO heartbeat (id, pid, mode, started_at, beat_at, telegram_ok_at,"
        " scheduler_running, jobs) VALUES (1, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, mode = excluded.mode,"
        " started_at = excluded.started_at, beat_at = excluded.beat_at,"
        " telegram_ok_at = excluded.telegram_ok_at,"
        " scheduler_running = excluded.scheduler_running, jobs = excluded.jobs",
        (
            beat.pid,
            beat.mode,
            to_db_time(beat.started_at),
            to_db_time(beat.beat_at),
            to_db_time(beat.telegram_ok_at) if beat.telegram_ok_at else None,
            int(beat.scheduler_running),
            dumps(jobs),
        ),
    )


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    # mode=rw / mode=ro never create the file: a missing database is reported, not made.
    return sqlite3.connect(
        uri_for(path, mode), uri=True, timeout=PROBE_TIMEOUT_S, isolation_level=None
    )


def read_beat(path: Path) -> Beat | None:
    """The heartbeat row of the database at `path`, or None if the bot never wrote one."""
    conn = _connect(path, "ro")
    try:
        row = conn.execute(
            "SELECT pid, mode, started_at, beat_at, telegram_ok_at, scheduler_running, jobs"
            " FROM heartbeat WHERE id = 1"
        ).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    started, beat_at = from_db_time(row[2]), from_db_time(row[3])
    assert started is not None and beat_at is not None  # NOT NULL columns
    return Beat(
        pid=int(row[0]),
        mode=str(row[1]),
        started_at=started,
        beat_at=beat_at,
        telegram_ok_at=from_db_time(row[4]),
        scheduler_running=bool(row[5]),
        jobs=tuple(
            JobRun(name=str(j["name"]), next_run=from_db_time(j["next_run"]))
            for j in loads(row[6]) or []
        ),
    )


def probe_write(path: Path, now: datetime) -> int:
    """Take the write lock, write a row and roll it back; returns the schema version.

    Raises sqlite3.Error when the file cannot be opened for writing, is read-only, or stays
    locked by another writer for longer than the busy timeout.
    """
    conn = _connect(path, "rw")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT INTO health_probe (at) VALUES (?)", (to_db_time(now),))
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    finally:
        conn.close()
    return version
