"""The writer: group-committed writes beside multi-statement transactions, and form steps."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.records.core import Draft
from storage.db import Database, StorageUnavailable
from storage.drafts import DraftChanged, DraftRepository, ProcessedUpdates, open_draft, record_step

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "writer.db")
    async with database.transaction() as conn:
        await conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, via TEXT NOT NULL)")
    yield database
    await database.close()


def insert(n: int) -> Callable[[sqlite3.Connection], int]:
    def work(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t (n, via) VALUES (?, 'write')", (n,))
        return n * 10

    return work


async def rows(db: Database) -> dict[int, str]:
    async with db.reading() as conn:
        found = await conn.execute_fetchall("SELECT n, via FROM t")
    return {row[0]: row[1] for row in found}


async def test_concurrent_writes_all_commit_and_return_their_results(db: Database) -> None:
    results = await asyncio.gather(*(db.write(insert(n)) for n in range(200)))
    assert results == [n * 10 for n in range(200)]
    assert sorted(await rows(db)) == list(range(200))


async def test_a_failing_write_rolls_back_only_its_own_changes(db: Database) -> None:
    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (n, via) VALUES (1000, 'write')")
        raise ValueError("refused")

    outcomes = await asyncio.gather(
        db.write(insert(1)),
        db.write(half_then_fail),
        db.write(insert(2)),
        return_exceptions=True,
    )
    assert outcomes[0] == 10 and outcomes[2] == 20
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "refused"
    assert sorted(await rows(db)) == [1, 2]


async def test_writes_and_transactions_interleave_without_nesting(db: Database) -> None:
    async def in_transaction(n: int) -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t (n, via) VALUES (?, 'transaction')", (n,))
            await asyncio.sleep(0)  # let writes queue while this transaction is open
            await conn.execute("UPDATE t SET via = 'transaction' WHERE n = ?", (n,))

    calls = [in_transaction(n) if n % 7 == 0 else db.write(insert(n)) for n in range(140)]
    await asyncio.gather(*calls)
    stored = await rows(db)
    assert sorted(stored) == list(range(140))
    assert {n for n, via in stored.items() if via == "transaction"} == set(range(0, 140, 7))


async def test_a_step_on_an_outdated_draft_writes_nothing(db: Database) -> None:
    draft = Draft("d" * 32, 1, 1, "toy", 1, {}, "fruit")
    async with db.transaction() as conn:
        await DraftRepository(conn).save(draft, now=NOW)
        await DraftRepository(conn).save(draft, now=NOW)  # another step: revision 1
    async with db.reading() as conn:
        stored = await DraftRepository(conn).get(draft.id)
    assert stored is not None and stored.revision == 1
    answered = Draft(draft.id, 1, 1, "toy", 1, {"fruit": "apple"}, "count")
    with pytest.raises(DraftChanged):  # decided on revision 0
        await db.write(
            lambda c: record_step(c, key="k", user_id=1, now=NOW, draft=draft, save=answered)
        )
    async with db.reading() as conn:
        assert not await ProcessedUpdates(conn).seen("k")
        assert (await DraftRepository(conn).get(draft.id)) == stored
    await db.write(
        lambda c: record_step(c, key="k", user_id=1, now=NOW, draft=stored, save=answered)
    )
    with pytest.raises(DraftChanged):  # the same update again
        await db.write(
            lambda c: record_step(c, key="k", user_id=1, now=NOW, draft=stored, save=answered)
        )
    async with db.reading() as conn:
        saved = await DraftRepository(conn).get(draft.id)
    assert saved is not None and saved.answers == {"fruit": "apple"} and saved.revision == 2


async def test_opening_a_form_decided_on_an_outdated_read_writes_nothing(db: Database) -> None:
    other = Draft("a" * 32, 1, 1, "other", 1, {"x": 1}, "x")
    first = Draft("b" * 32, 1, 1, "toy", 1, {}, "fruit")
    await db.write(lambda c: open_draft(c, existing=None, draft=other, now=NOW))
    await db.write(lambda c: open_draft(c, existing=None, draft=first, now=NOW))
    second = Draft("c" * 32, 1, 1, "toy", 1, {}, "fruit")
    with pytest.raises(DraftChanged):  # read before `first` was opened
        await db.write(lambda c: open_draft(c, existing=None, draft=second, now=NOW))
    async with db.reading() as conn:
        drafts = {d.id: d.status for d in await DraftRepository(conn).unfinished(user_id=1)}
    assert drafts == {other.id: "paused", first.id: "open"}
    await db.write(lambda c: open_draft(c, existing=first, draft=second, now=NOW))  # a restart
    async with db.reading() as conn:
        drafts = {d.id: d.status for d in await DraftRepository(conn).unfinished(user_id=1)}
    assert drafts == {other.id: "paused", second.id: "open"}


async def test_a_full_disk_refuses_the_write_and_keeps_the_rest(db: Database) -> None:
    await db.write(insert(1))
    async with db.reading() as conn:
        pages = next(iter(await conn.execute_fetchall("PRAGMA page_count")))[0]
    async with db.transaction() as conn:
        await conn.execute(f"PRAGMA max_page_count = {pages}")

    def too_big(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (n, via) VALUES (2, 'write')")
        conn.execute("INSERT INTO t (n, via) VALUES (3, zeroblob(1000000))")

    outcomes = await asyncio.gather(db.write(too_big), db.write(insert(4)), return_exceptions=True)
    # SQLite rolls the whole transaction back on a full disk: the batch fails as one.
    assert all(isinstance(o, StorageUnavailable) and "full" in str(o) for o in outcomes)
    assert sorted(await rows(db)) == [1]  # nothing half-written stays
    assert await db.write(lambda conn: conn.execute("SELECT count(*) FROM t").fetchone()[0]) == 1


async def test_a_write_cancelled_at_shutdown_leaves_the_writer_working(db: Database) -> None:
    in_thread = threading.Event()
    release = threading.Event()

    def held(conn: sqlite3.Connection) -> int:
        in_thread.set()
        release.wait(5)
        conn.execute("INSERT INTO t (n, via) VALUES (1, 'write')")
        return 1

    caller = asyncio.ensure_future(db.write(held))
    await asyncio.to_thread(in_thread.wait, 5)
    flusher = db._flusher
    assert flusher is not None
    flusher.cancel()  # as the event loop does to every task when it shuts down
    with contextlib.suppress(asyncio.CancelledError):
        await flusher
    assert caller.cancelled()
    release.set()
    assert await db.write(insert(2)) == 20  # a new flusher takes the next write
    assert sorted(await rows(db)) == [1, 2]  # the held work committed in its thread
