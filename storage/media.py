"""The media table: photos and voice notes to download, stored, and their way out.

A file's row is written in the transaction of the record that holds it (a report, a need...);
its download is claimed by moving `next_attempt_at` forward, so the job and the download right
after a submit never fetch the same file twice. Records name files by Telegram's ids: a file
that no record names any more (`unreferenced`) is let go, its bytes through `media_trash`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.records.media import MediaCounts, MediaFile, NewMedia
from storage.base import Repository, from_db_time, to_db_time

_COLUMNS = (
    "file_key, file_id, kind, owner_id, form_id, received_at, id, state, path, size, sha256,"
    " stored_at, attempts, next_attempt_at, last_error"
)

# Every place a record names a photo or a voice note, by the key `media.file_key` holds. A new
# table that keeps Telegram file ids must be added here, or its files leave the folder.
_REFERENCED = """
    SELECT coalesce(unique_id, file_id) FROM incident_attachments
    UNION SELECT coalesce(unique_id, file_id) FROM practice_attachments
    UNION SELECT coalesce(json_extract(voice, '$.unique_id'), json_extract(voice, '$.file_id'))
          FROM needs WHERE voice IS NOT NULL
    UNION SELECT coalesce(json_extract(j.value, '$.unique_id'),
                          json_extract(j.value, '$.file_id'))
          FROM needs n, json_each(n.photos) j
    UNION SELECT coalesce(json_extract(j.value, '$.unique_id'),
                          json_extract(j.value, '$.file_id'))
          FROM need_stages s, json_each(s.evidence) j
"""


def _file(row: Any) -> MediaFile:
    return MediaFile(
        file_key=row[0],
        file_id=row[1],
        kind=row[2],
        owner_id=row[3],
        form_id=row[4],
        received_at=from_db_time(row[5]) or datetime.min,
        id=row[6],
        state=row[7],
        path=row[8],
        size=row[9],
        sha256=row[10],
        stored_at=from_db_time(row[11]),
        attempts=row[12],
        next_attempt_at=from_db_time(row[13]),
        last_error=row[14],
    )


class MediaRepository(Repository):
    """Rows of the media table; the bytes live in the media folder (storage/media_files.py)."""

    async def add(self, files: Iterable[NewMedia], *, not_before: datetime) -> list[int]:
        """Record files to download (a file already known is not added again); their ids."""
        ids = []
        for f in files:
            await self._run(
                "INSERT OR IGNORE INTO media (file_key, file_id, kind, owner_id, form_id,"
                " received_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    f.file_key,
                    f.file_id,
                    f.kind,
                    f.owner_id,
                    f.form_id,
                    to_db_time(f.received_at),
                    to_db_time(not_before),
                ),
            )
            row = await self._one(
                "SELECT id FROM media WHERE file_key = ? AND state = 'pending'", (f.file_key,)
            )
            if row is not None:
                ids.append(int(row[0]))
        return ids

    async def claim(
        self,
        *,
        now: datetime,
        lease: timedelta,
        limit: int,
        ids: Sequence[int] | None = None,
    ) -> list[MediaFile]:
        """Pending files due now (of `ids`, if given), moved past the lease: this caller's.

        Run in a write transaction, so two callers never claim the same row.
        """
        only = f" AND id IN ({','.join('?' * len(ids))})" if ids is not None else ""
        rows = await self._all(
            f"SELECT {_COLUMNS} FROM media WHERE state = 'pending' AND next_attempt_at <= ?"
            f"{only} ORDER BY next_attempt_at, id LIMIT ?",
            (to_db_time(now), *(ids or ()), limit),
        )
        claimed = [_file(r) for r in rows]
        until = to_db_time(now + lease)
        for media in claimed:
            await self._run("UPDATE media SET next_attempt_at = ? WHERE id = ?", (until, media.id))
        return claimed

    async def stored(
        self, *, media_id: int, path: str, size: int, sha256: str, now: datetime
    ) -> bool:
        """The bytes are in the folder; False when the row went meanwhile (erased)."""
        changed = await self._run(
            "UPDATE media SET state = 'stored', path = ?, size = ?, sha256 = ?, stored_at = ?,"
            " next_attempt_at = NULL, last_error = NULL WHERE id = ? AND state = 'pending'",
            (path, size, sha256, to_db_time(now), media_id),
        )
        return changed == 1

    async def failed(
        self, *, media_id: int, error: str, retry_at: datetime | None, counts: bool, state: str
    ) -> None:
        """A download failed: tried again at `retry_at`, or given up (`state` too_large|lost)."""
        await self._run(
            "UPDATE media SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?,"
            " state = ? WHERE id = ? AND state = 'pending'",
            (
                1 if counts else 0,
                error[:500],
                to_db_time(retry_at) if retry_at else None,
                state,
                media_id,
            ),
        )

    async def for_keys(self, keys: Iterable[str]) -> dict[str, MediaFile]:
        """The stored rows of these file keys (those never recorded are absent)."""
        wanted = sorted(set(keys))
        found: dict[str, MediaFile] = {}
        # SQLite's default limit on bound parameters is 999 (older builds): query in slices.
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            rows = await self._all(
                f"SELECT {_COLUMNS} FROM media WHERE file_key IN ({','.join('?' * len(part))})",
                tuple(part),
            )
            found.update((r[0], _file(r)) for r in rows)
        return found

    async def owned_by(self, user_id: int) -> list[MediaFile]:
        """The files a person sent, oldest first (/mydata)."""
        rows = await self._all(
            f"SELECT {_COLUMNS} FROM media WHERE owner_id = ? ORDER BY id", (user_id,)
        )
        return [_file(r) for r in rows]

    async def let_go_unreferenced(self, *, now: datetime, owner_id: int | None = None) -> int:
        """Drop the rows of files no record names (only a person's, if `owner_id`); their
        stored bytes go to the trash, deleted from the folder after commit. How many rows."""
        mine = " AND owner_id = ?" if owner_id is not None else ""
        params: tuple[Any, ...] = (owner_id,) if owner_id is not None else ()
        gone = await self._all(
            f"SELECT id, path FROM media WHERE file_key NOT IN ({_REFERENCED}){mine}", params
        )
        for media_id, path in gone:
            if path is not None:
                await self._run(
                    "INSERT OR IGNORE INTO media_trash (path, since) VALUES (?, ?)",
                    (path, to_db_time(now)),
                )
            await self._run("DELETE FROM media WHERE id = ?", (media_id,))
        return len(gone)

    async def disown(self, owner_id: int) -> int:
        """Files that stay with the community's record no longer name who sent them."""
        return await self._run("UPDATE media SET owner_id = NULL WHERE owner_id = ?", (owner_id,))

    async def trash(self, *, limit: int = 1000) -> list[str]:
        """Paths whose bytes are to be deleted from the folder."""
        rows = await self._all("SELECT path FROM media_trash ORDER BY since LIMIT ?", (limit,))
        return [str(r[0]) for r in rows]

    async def emptied(self, paths: Iterable[str]) -> None:
        """The trashed files are gone from the folder."""
        for path in paths:
            await self._run("DELETE FROM media_trash WHERE path = ?", (path,))

    async def counts(self) -> MediaCounts:
        """How many files are stored, waiting, failing or given up."""
        return _counts(await self._all(_COUNTS))


# A pending file with an error failed at least once (a full disk counts no attempt).
_COUNTS = (
    "SELECT state, last_error IS NOT NULL, count(*), coalesce(sum(size), 0), min(received_at),"
    " max(last_error) FROM media GROUP BY state, last_error IS NOT NULL"
)


def _counts(rows: Iterable[Any]) -> MediaCounts:
    values: dict[str, Any] = {}
    last_error: str | None = None
    for state, failed, count, size, oldest, error in rows:
        if state == "stored":
            values["stored"] = values.get("stored", 0) + count
            values["stored_bytes"] = values.get("stored_bytes", 0) + size
        elif state == "pending" and failed:
            values["retrying"] = count
            values["oldest_retrying"] = from_db_time(oldest)
            last_error = error
        elif state == "pending":
            values["waiting"] = count
        elif state in ("too_large", "lost"):
            values[state] = count
            last_error = last_error or error
    return MediaCounts(**values, last_error=last_error)


def read_counts(path: Path) -> MediaCounts:
    """The media counts of the database at `path`, from another process (`ayilbot health`)."""
    # Read-only: a missing database is reported, never created.
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=5.0, isolation_level=None)
    try:
        return _counts(conn.execute(_COUNTS).fetchall())
    finally:
        conn.close()
