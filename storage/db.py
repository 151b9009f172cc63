"""The SQLite database: one writer (transactions, group-committed writes), readers, migrations."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, closing
from datetime import UTC, datetime
from functools import partial
from importlib import resources
from itertools import cycle
from pathlib import Path
from typing import Any, TypeVar

from storage.connection import Connection, uri_for

log = logging.getLogger(__name__)
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000
# Each connection is one thread running one statement at a time; under load a single reader
# became the queue every update waited in (bench/RESULTS.md). WAL lets readers run side by side.
READERS = 4
T = TypeVar("T")


class StorageUnavailable(Exception):
    """The database cannot take a write now (locked by another process, disk full)."""


class SchemaMismatch(Exception):
    """A database file's schema version is newer than this code knows."""


class DatabaseInUse(Exception):
    """A process (the running bot, a backup) has the database open: it may not be replaced."""


def _lock_file(path: Path, mode: int) -> int:
    """Take a lock on the file beside the database, `<db>.lock`; its descriptor holds it.

    Every open `Database` holds it shared for its lifetime; a restore takes it exclusive, so
    it cannot replace the file (and delete its WAL) under a running bot, and a bot does not
    start in the middle of a restore. The kernel drops the lock with the process.
    """
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def migrations() -> list[tuple[int, str, str]]:
    """The shipped migrations as (version, name, sql), in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def latest_version() -> int:
    """The schema version this code writes: the highest migration number."""
    return max((v for v, _, _ in migrations()), default=0)


def _unavailable(exc: sqlite3.OperationalError) -> bool:
    """A full disk or a lock held elsewhere: worth trying again later, not a bug."""
    text = str(exc).lower()
    return "disk is full" in text or "locked" in text or "busy" in text


async def _open(path: Path, name: str, *, replicated: bool = False) -> Connection:
    conn = await Connection.open(path, name=name, timeout=BUSY_TIMEOUT_MS / 1000)
    # Litestream takes write locks to checkpoint: the busy timeout waits for them (its docs
    # ask for 5 s, as here).
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if replicated:
        # Litestream copies the WAL before it checkpoints it, and does the checkpoints itself;
        # a checkpoint by the bot between two of its syncs can make it miss pages and start a
        # new snapshot. Its "Tips & Caveats" ask applications it replicates to turn them off.
        await conn.execute("PRAGMA wal_autocheckpoint = 0")
    await conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten with zeros, so what /deleteme erased is gone from the file
    # (and from any later backup). Off in SQLite's own build, on in some distributions': set.
    await conn.execute("PRAGMA secure_delete = ON")
    await conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL survives a process crash; FULL is kept for power loss in the field.
    await conn.execute("PRAGMA synchronous = FULL")
    return conn


class Database:
    """Owns the connections: one writer (writes serialised, begun IMMEDIATE), a few readers."""

    def __init__(
        self,
        path: Path,
        writer: Connection,
        readers: Sequence[Connection],
        lock_fd: int | None = None,
    ):
        self.path = path
        self._lock_fd = lock_fd
        self._writer = writer
        self._readers = tuple(readers)
        self._next_reader = cycle(self._readers)
        self._write_lock = asyncio.Lock()
        self._queued: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path, *, migrate: bool = True, replicated: bool = False) -> Database:
        """Open (creating if needed) the file and bring its schema up to date.

        A file with an older schema is first copied beside itself, named with its version
        (`backup_before_migrating`). `replicated`: Litestream replicates the file and owns
        its checkpoints (AYILBOT_REPLICA_URL is set).
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        # Shared: other commands may open it beside the bot; only a restore waits for none.
        lock_fd = await asyncio.to_thread(_lock_file, path, fcntl.LOCK_SH)
        writer: Connection | None = None
        readers: list[Connection] = []
        try:
            writer = await _open(path, "sqlite-writer", replicated=replicated)
            if migrate:
                await backup_before_migrating(writer, path)
                await apply_migrations(writer)
            for number in range(READERS):
                readers.append(await _open(path, f"sqlite-reader-{number}", replicated=replicated))
        except BaseException:
            for conn in (*readers, *([writer] if writer else [])):
                await conn.close()
            os.close(lock_fd)
            raise
        return cls(path, writer, readers, lock_fd)

    async def close(self) -> None:
        """Close every connection, once queued writes are written, and drop the lock."""
        if self._flusher is not None and not self._flusher.done():
            await self._flusher
        for reader in self._readers:
            await reader.close()
        await self._writer.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A write transaction: committed on exit, rolled back on any exception."""
        async with self._write_lock:
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StorageUnavailable(str(exc)) from exc
            try:
                yield self._writer
            except sqlite3.OperationalError as exc:
                await self._writer.rollback()
                if _unavailable(exc):
                    raise StorageUnavailable(str(exc)) from exc
                raise
            except BaseException:
                await self._writer.rollback()
                raise
            try:
                await self._writer.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                await self._writer.rollback()
                raise StorageUnavailable(str(exc)) from exc

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in the writer's thread, committed with others queued (group commit).

        `transaction()` makes a trip to that thread per statement and holds the write lock
        across them; under load each trip waits for the event loop and the GIL, and each
        commit for the disk (a form step held the lock 7 ms at 300 people). Here the works
        that arrive while one batch is being written go together in the next: one trip, one
        commit. Each runs in its own savepoint: an exception from `work` rolls back only its
        own writes and is raised here.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append((work, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._queued:
            while self._write_lock.locked():  # a multi-statement transaction has the writer
                await self._write_lock.acquire()  # wait for its end, then let the next one in
                self._write_lock.release()
            batch, self._queued = self._queued, []
            # Nothing yields between the check above and the batch entering the thread's
            # queue (`call` puts it there before awaiting), so no transaction() begins in
            # between; one that begins after queues its BEGIN behind this batch.
            try:
                outcomes = await self._writer.call(
                    partial(_run_batch, works=[work for work, _ in batch])
                )
            except asyncio.CancelledError:
                # Shutting down: the batch may still commit in the thread, but nobody is told.
                for _, future in batch:
                    future.cancel()
                raise
            except Exception as exc:  # BEGIN or COMMIT failed: nothing of the batch stays
                outcomes = [(False, exc)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():  # its caller was cancelled
                    continue
                if ok:
                    future.set_result(value)
                elif isinstance(value, sqlite3.OperationalError) and _unavailable(value):
                    future.set_exception(StorageUnavailable(str(value)))
                else:
                    future.set_exception(value)

    async def checkpoint(self) -> bool:
        """Copy the WAL into the file and empty it (its old pages keep deleted rows until
        then); False when a reader kept it from finishing."""
        async with self._write_lock:
            rows = await self._writer.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        return bool(rows) and int(rows[0][0]) == 0

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        """A connection for reads; WAL lets it run beside the writer."""
        yield next(self._next_reader)

    async def backup(self, target: Path) -> None:
        """Copy a consistent snapshot to `target` with SQLite's online backup API."""
        target.parent.mkdir(parents=True, exist_ok=True)
        await self._readers[0].backup(target)


def _run_batch(
    conn: sqlite3.Connection, *, works: Sequence[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]]:
    """One transaction, a savepoint per work; (True, result) or (False, its exception) each.

    Runs in the writer's thread. A failed COMMIT, or an error after which SQLite rolled the
    whole transaction back, fails every work of the batch: nothing of it stays.
    """
    outcomes: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for work in works:
            conn.execute("SAVEPOINT work")
            try:
                outcomes.append((True, work(conn)))
            except Exception as exc:
                if not conn.in_transaction:  # SQLite rolled it all back (full disk, I/O error)
                    raise
                conn.execute("ROLLBACK TO work")
                outcomes.append((False, exc))
            conn.execute("RELEASE work")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def inspect_file(path: Path) -> tuple[int, str, bool]:
    """(schema version, integrity check result, has the users table) of a file, read-only."""
    with sqlite3.connect(uri_for(path, "ro"), uri=True) as conn:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        integrity = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        has_users = (
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'"
            ).fetchone()
            is not None
        )
    return version, integrity, has_users


def copy_file(source: Path, target: Path) -> None:
    """Copy a database file over another with the backup API; `DatabaseInUse` while any
    process has the target open."""
    try:
        lock_fd = _lock_file(target, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise DatabaseInUse(f"{target} is in use (is the bot running?); stop it first") from None
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dest:
            src.backup(dest)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    finally:
        os.close(lock_fd)


async def schema_version(conn: Connection) -> int:
    """The file's `PRAGMA user_version`."""
    rows = await conn.execute_fetchall("PRAGMA user_version")
    return int(rows[0][0]) if rows else 0


def upgrade_backup_path(path: Path, version: int, now: datetime) -> Path:
    """Where the copy taken before upgrading from schema `version` goes: beside the file.

    `ayilbot.db.schema-0007.20260601-033000.bak`: not `ayilbot-*.db`, which the daily backup
    prunes when AYILBOT_BACKUP_DIR is the database's own folder.
    """
    return path.with_name(f"{path.name}.schema-{version:04d}.{now:%Y%m%d-%H%M%S}.bak")


async def backup_before_migrating(conn: Connection, path: Path) -> Path | None:
    """Copy the file before a migration changes it; None for a new or up-to-date file."""
    current = await schema_version(conn)
    if current == 0 or current >= latest_version():
        return None
    target = upgrade_backup_path(path, current, datetime.now(UTC))
    await conn.backup(target)
    log.info(
        "database copied before upgrading its schema",
        extra={"backup": str(target), "from_schema": current, "to_schema": latest_version()},
    )
    return target


async def apply_migrations(conn: Connection, *, up_to: int | None = None) -> int:
    """Apply every migration newer than the file's version, each in its own transaction."""
    current = await schema_version(conn)
    known = migrations()
    if current > latest_version():
        raise SchemaMismatch(
            f"database schema {current} is newer than this code ({latest_version()})"
        )
    for version, _name, sql in known:
        if version <= current or (up_to is not None and version > up_to):
            continue
        # executescript commits first; the migration's own statements run in one transaction.
        try:
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                await conn.rollback()
            raise
        current = version
    return current
