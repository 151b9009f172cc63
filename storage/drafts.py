"""Form drafts (the form engine's state) and the keys of updates already applied."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from bot.records.core import Draft
from storage.base import Repository, dumps, from_db_time, loads, to_db_time


def _draft(row: Any) -> Draft:
    return Draft(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        form_id=row["form_id"],
        form_version=row["form_version"],
        answers=loads(row["answers"]) or {},
        step=row["step"],
        context=loads(row["context"]) or {},
        status=row["status"],
        result=loads(row["result"]),
        updated_at=from_db_time(row["updated_at"]),
        revision=row["revision"],
    )


class DraftChanged(Exception):
    """The update was applied already, or the draft moved on since it was read: read again."""


# Every save bumps the revision, so a write decided on an older read can tell.
_SAVE = (
    "INSERT INTO drafts (id, user_id, chat_id, form_id, form_version, answers, step,"
    " context, status, result, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET answers = excluded.answers,"
    " step = excluded.step, context = excluded.context,"
    " status = excluded.status, result = excluded.result,"
    " updated_at = excluded.updated_at, revision = drafts.revision + 1"
)
_PAUSE_OPEN = (
    "UPDATE drafts SET status = 'paused', revision = revision + 1"
    " WHERE user_id = ? AND status = 'open'"
)
_DELETE = "DELETE FROM drafts WHERE id = ?"
_MARK = "INSERT INTO processed_updates (key, user_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"


def _save_params(draft: Draft, now: datetime) -> tuple[Any, ...]:
    return (
        draft.id,
        draft.user_id,
        draft.chat_id,
        draft.form_id,
        draft.form_version,
        dumps(dict(draft.answers)),
        draft.step,
        dumps(dict(draft.context)),
        draft.status,
        dumps(dict(draft.result)) if draft.result is not None else None,
        to_db_time(now),
        to_db_time(now),
    )


def open_draft(
    conn: sqlite3.Connection, *, existing: Draft | None, draft: Draft, now: datetime
) -> None:
    """Start or resume a form, for `Database.write`: the person's other open draft is paused
    and `existing` (this form's live draft as read) is replaced, unless `draft` resumes it.

    Raises DraftChanged when this form's live draft is no longer what was read.
    """
    live = conn.execute(
        "SELECT id, revision FROM drafts WHERE user_id = ? AND form_id = ?"
        " AND status IN ('open', 'paused')",
        (draft.user_id, draft.form_id),
    ).fetchall()
    expected = [] if existing is None else [(existing.id, existing.revision)]
    if [tuple(row) for row in live] != expected:
        raise DraftChanged
    conn.execute(_PAUSE_OPEN, (draft.user_id,))
    if existing is not None and existing.id != draft.id:
        conn.execute(_DELETE, (existing.id,))
    conn.execute(_SAVE, _save_params(draft, now))


def record_step(
    conn: sqlite3.Connection,
    *,
    key: str,
    user_id: int,
    now: datetime,
    draft: Draft,
    save: Draft | None = None,
    delete: bool = False,
    pause_others: bool = False,
) -> None:
    """One form step's writes, for `Database.write`: the update's key, then the draft.

    `draft` is the draft as read; raises DraftChanged (and the transaction rolls back) when
    the key is already recorded or the draft's revision moved on since.
    """
    if conn.execute(_MARK, (key, user_id, to_db_time(now))).rowcount != 1:
        raise DraftChanged
    row = conn.execute("SELECT revision FROM drafts WHERE id = ?", (draft.id,)).fetchone()
    if row is None or row[0] != draft.revision:
        raise DraftChanged
    if pause_others:
        conn.execute(_PAUSE_OPEN, (user_id,))
    if delete:
        conn.execute(_DELETE, (draft.id,))
    if save is not None:
        conn.execute(_SAVE, _save_params(save, now))


class DraftRepository(Repository):
    """The `drafts` table; one open draft per person and form."""

    async def get(self, draft_id: str) -> Draft | None:
        row = await self._one("SELECT * FROM drafts WHERE id = ?", (draft_id,))
        return _draft(row) if row else None

    async def get_by_prefix(self, *, user_id: int, prefix: str) -> Draft | None:
        row = await self._one(
            "SELECT * FROM drafts WHERE user_id = ? AND id >= ? AND id < ? LIMIT 1",
            (user_id, prefix, prefix + "g"),
        )
        return _draft(row) if row else None

    async def latest_open(self, *, user_id: int) -> Draft | None:
        row = await self._one(
            "SELECT * FROM drafts WHERE user_id = ? AND status = 'open'"
            " ORDER BY updated_at DESC, rowid DESC LIMIT 1",
            (user_id,),
        )
        return _draft(row) if row else None

    async def live_for_form(self, *, user_id: int, form_id: str) -> Draft | None:
        """The open or paused draft of this form, if any."""
        row = await self._one(
            "SELECT * FROM drafts WHERE user_id = ? AND form_id = ?"
            " AND status IN ('open', 'paused')",
            (user_id, form_id),
        )
        return _draft(row) if row else None

    async def unfinished(self, *, user_id: int) -> list[Draft]:
        """Open and paused drafts, the open one last."""
        rows = await self._all(
            "SELECT * FROM drafts WHERE user_id = ? AND status IN ('open', 'paused')"
            " ORDER BY status = 'open', updated_at",
            (user_id,),
        )
        return [_draft(r) for r in rows]

    async def pause_open(self, *, user_id: int) -> None:
        """Only one draft takes typed input at a time; others wait, paused."""
        await self._run(_PAUSE_OPEN, (user_id,))

    async def count_open(self) -> int:
        row = await self._one("SELECT count(*) FROM drafts WHERE status IN ('open', 'paused')")
        return int(row[0])

    async def save(self, draft: Draft, *, now: datetime) -> None:
        """Insert or replace the whole draft."""
        await self._run(_SAVE, _save_params(draft, now))

    async def delete(self, draft_id: str) -> None:
        await self._run(_DELETE, (draft_id,))

    async def delete_for_user(self, user_id: int) -> None:
        await self._run("DELETE FROM drafts WHERE user_id = ?", (user_id,))

    async def forget_submitted_before(self, *, before: datetime) -> int:
        """Submitted drafts are kept a while as receipts for repeated presses, then dropped."""
        return await self._run(
            "DELETE FROM drafts WHERE status = 'submitted' AND updated_at < ?",
            (to_db_time(before),),
        )


class ProcessedUpdates(Repository):
    """Keys of updates whose effects were committed, so a redelivery changes nothing."""

    async def seen(self, key: str) -> bool:
        return await self._one("SELECT 1 FROM processed_updates WHERE key = ?", (key,)) is not None

    async def mark(self, key: str, *, user_id: int, now: datetime) -> bool:
        """Record the key; False when it was already there."""
        return await self._run(_MARK, (key, user_id, to_db_time(now))) == 1

    async def prune(self, *, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
        # Telegram keeps undelivered updates 24 h, so two days covers any redelivery.
        return await self._run(
            "DELETE FROM processed_updates WHERE at < ?", (to_db_time(now - keep),)
        )
