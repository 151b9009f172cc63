"""One sqlite3 connection owned by one thread; coroutines hand it statements or whole functions.

sqlite3 blocks, so each connection lives in a thread of its own and the event loop only waits
for answers, as datasette's `execute_write_fn` does: a queue into the thread, a future back.
Besides statements (`execute_fetchall`, `execute`), `call(fn)` runs a plain function on the
connection in one trip; the writer's group commit (storage/db.py) is built on it.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a write statement did: rows changed and the last inserted row id."""

    rowcount: int
    lastrowid: int | None


def _resolve(future: asyncio.Future[T], ok: bool, value: Any) -> None:
    if future.done():  # its caller was cancelled while the thread worked
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class Connection:
    """A sqlite3 connection in its own thread, in autocommit mode (transactions are explicit)."""

    def __init__(self, path: Path | str, *, name: str, timeout: float) -> None:
        self._queue: queue.SimpleQueue[
            tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]] | None
        ] = queue.SimpleQueue()
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._thread = threading.Thread(
            target=self._serve, args=(path, timeout), name=name, daemon=True
        )

    @classmethod
    async def open(cls, path: Path | str, *, name: str, timeout: float) -> Connection:
        """Start the thread; it connects first, so the connection never leaves it."""
        connection = cls(path, name=name, timeout=timeout)
        connection._thread.start()
        await connection.call(_ready)
        return connection

    def _serve(self, path: Path | str, timeout: float) -> None:
        try:
            # Only this thread runs statements; check_same_thread is off so that the event
            # loop's thread may read `in_transaction` (a flag, no statement).
            conn = sqlite3.connect(
                path, isolation_level=None, timeout=timeout, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            self._conn = conn
        except BaseException as exc:
            self._fail_all(exc)
            return
        while True:
            item = self._queue.get()
            if item is None:
                return
            work, future = item
            loop = future.get_loop()
            try:
                result = work(conn)
            except BaseException as exc:
                loop.call_soon_threadsafe(_resolve, future, False, exc)
            else:
                loop.call_soon_threadsafe(_resolve, future, True, result)

    def _fail_all(self, exc: BaseException) -> None:
        """Connecting failed: `open`'s first call, the only one queued yet, gets the error."""
        self._closed = True
        item = self._queue.get()
        if item is not None:
            _work, future = item
            future.get_loop().call_soon_threadsafe(_resolve, future, False, exc)

    async def call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(connection)` in the connection's thread: one trip, whatever it does."""
        if self._closed:
            raise sqlite3.ProgrammingError("the connection is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put((work, future))
        return await future

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a query and return every row."""
        return await self.call(partial(_fetchall, sql=sql, params=params))

    async def execute(self, sql: str, params: Params = ()) -> Outcome:
        """Run one statement; rows changed and the last row id come back."""
        return await self.call(partial(_execute, sql=sql, params=params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> Outcome:
        """Run one statement for each parameter row."""
        return await self.call(partial(_executemany, sql=sql, rows=list(rows)))

    async def executescript(self, script: str) -> None:
        """Run several statements (migrations)."""
        await self.call(partial(_executescript, script=script))

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (a flag read without a trip to the thread)."""
        return self._conn is not None and self._conn.in_transaction

    async def rollback(self) -> None:
        """Roll back the open transaction, if any."""
        await self.call(_rollback)

    async def backup(self, target: Path) -> None:
        """Copy a consistent snapshot of the database into `target` (SQLite's backup API)."""
        await self.call(partial(_backup, target=target))

    async def close(self) -> None:
        """Close the connection and end its thread."""
        if self._closed:
            return
        await self.call(_close)
        self._closed = True
        self._queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)


def uri_for(path: Path, mode: str) -> str:
    """An SQLite URI opening `path` with `mode` (ro, rw), its characters escaped.

    Pasted into "file:…" as is, a directory name with "#", "?" or "%" would be cut or misread.
    """
    return f"{path.resolve().as_uri()}?mode={mode}"


def _fetchall(conn: sqlite3.Connection, *, sql: str, params: Params) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


def _execute(conn: sqlite3.Connection, *, sql: str, params: Params) -> Outcome:
    cursor = conn.execute(sql, params)
    return Outcome(cursor.rowcount, cursor.lastrowid)


def _executemany(conn: sqlite3.Connection, *, sql: str, rows: list[Params]) -> Outcome:
    cursor = conn.executemany(sql, rows)
    return Outcome(cursor.rowcount, cursor.lastrowid)


def _executescript(conn: sqlite3.Connection, *, script: str) -> None:
    conn.executescript(script)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _backup(conn: sqlite3.Connection, *, target: Path) -> None:
    with sqlite3.connect(target) as dest:
        conn.backup(dest)
    dest.close()


def _close(conn: sqlite3.Connection) -> None:
    conn.close()


def _ready(conn: sqlite3.Connection) -> None:
    """The first call: returns once the thread has connected."""
