"""Photos and voice notes kept by the project, not only as Telegram file ids.

- A submission's files are recorded in its transaction (a hook of the form engine) and
  downloaded right after the commit, through the `MediaFetcher` port, into the media folder
  with their size and SHA-256. The report is saved whatever happens to its files.
- A failed download is retried by a job with growing pauses; after `GIVE_UP_AFTER` failures
  the file is lost and administrators are told. A full disk is not the file's fault: it is
  retried without counting, and the health check shows it.
- A file that no record names any more leaves the folder: after retention removed its ids,
  after an erasure deleted the record that held it, after an edit replaced it. The bytes are
  deleted once that change has committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bot.core.access import Actor
from bot.core.kernel import Kernel
from bot.core.media import MediaTooLarge
from bot.core.notices import Recipient
from bot.records.core import Draft, Purged
from bot.records.media import KINDS, MediaCounts, MediaFile, NewMedia
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.db import Database
from storage.media import MediaRepository
from storage.media_files import DiskFull, MediaFolder, relative_path
from storage.retention import RetentionRepository
from storage.users import RoleRepository, UserRepository

log = logging.getLogger(__name__)

# Pauses after the 1st, 2nd, ... failed download; the last one repeats.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
GIVE_UP_AFTER = 12  # failed downloads: about six days of trying
DISK_FULL_PAUSE = timedelta(minutes=15)
LEASE = timedelta(minutes=10)  # a claimed download not finished by then is claimed again
BATCH = 20  # downloads per run of the job (files from before this release arrive in batches)
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MediaLost:
    """Notice to administrators: files that could not be kept, after every retry."""

    count: int
    error: str | None


def files_in(value: Any) -> Iterator[Mapping[str, Any]]:
    """The photos and voice notes among a submission's answers, however nested."""
    if isinstance(value, Mapping):
        if isinstance(value.get("file_id"), str) and value.get("type") in KINDS:
            yield value
            return
        for inner in value.values():
            yield from files_in(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from files_in(inner)


def file_key(item: Mapping[str, Any]) -> str:
    """How records name a file: Telegram's file_unique_id, else its file id."""
    return str(item.get("unique_id") or item["file_id"])


class MediaRules:
    """The media folder and its table: what is kept, what waits, what leaves."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        settings = kernel.settings
        self.folder = MediaFolder(settings.media_dir, keep_free_bytes=settings.min_free_mb * MB)

    @property
    def db(self) -> Database:
        return self.kernel.db

    # ------------------------------------------------------------------ receiving

    async def record_submission(
        self, conn: Connection, draft: Draft, actor: Actor
    ) -> Callable[[], Awaitable[None]] | None:
        """In the submit's transaction: the files to download; the download after commit."""
        now = self.kernel.clock.now()
        found = {
            file_key(item): NewMedia(
                file_key=file_key(item),
                file_id=str(item["file_id"]),
                kind=str(item["type"]),
                owner_id=actor.user_id,
                form_id=draft.form_id,
                received_at=now,
            )
            for item in files_in(draft.answers)
        }
        if not found:
            return None
        ids = await MediaRepository(conn).add(found.values(), not_before=now)
        return partial(self.fetch_now, tuple(ids)) if ids else None

    async def fetch_now(self, ids: Sequence[int]) -> None:
        """Download these files now (after their record's commit); never raises."""
        try:
            await self._fetch(ids=ids, now=self.kernel.clock.now())
        except Exception:  # the files stay pending: the job tries again
            log.exception("downloading a submission's files failed")

    async def fetch_due(self, now: datetime | None = None) -> int:
        """The job: remove trashed files, then download what is due; how many were stored."""
        await self._sweep()
        return await self._fetch(ids=None, now=now or self.kernel.clock.now())

    async def _fetch(self, *, ids: Sequence[int] | None, now: datetime) -> int:
        async with self.db.transaction() as conn:
            claimed = await MediaRepository(conn).claim(
                now=now, lease=LEASE, limit=len(ids) if ids is not None else BATCH, ids=ids
            )
        stored, lost, error = 0, 0, None
        for media in claimed:
            outcome = await self._fetch_one(media, now)
            if outcome is None:
                stored += 1
            elif outcome.startswith(("lost", "too_large")):
                lost += 1
                error = outcome
        if lost:
            await self._tell_administrators(MediaLost(lost, error))
        return stored

    async def _fetch_one(self, media: MediaFile, now: datetime) -> str | None:
        """Download and store one file; None when stored, else what went wrong."""
        limit = self.kernel.settings.media_max_bytes
        try:
            fetched = await self.kernel.media.fetch(media.file_id, limit=limit)
            if len(fetched.data) > limit:
                raise MediaTooLarge(f"{len(fetched.data)} bytes")
            received = media.received_at.astimezone(self.kernel.settings.zone)
            path = relative_path(media.id, media.kind, received, fetched.name)
            written = await asyncio.to_thread(self.folder.write, path, fetched.data)
        except MediaTooLarge as exc:
            reason = f"too_large: over {self.kernel.settings.media_max_mb} MB ({exc})"
            await self._failed(media, reason, retry_at=None, counts=True, state="too_large")
            return reason
        except DiskFull as exc:
            # Not the file's fault: wait for room without counting towards giving up.
            log.warning("media folder full", extra={"media": media.id, "error": str(exc)})
            await self._failed(media, f"disk full: {exc}", now + DISK_FULL_PAUSE, counts=False)
            return "disk full"
        except Exception as exc:  # MediaUnavailable, a write error, anything: try again later
            reason = f"{type(exc).__name__}: {exc}"
            attempts = media.attempts + 1
            if attempts >= GIVE_UP_AFTER:
                log.warning("media given up", extra={"media": media.id, "error": reason})
                await self._failed(media, reason, retry_at=None, counts=True, state="lost")
                return f"lost: {reason}"
            delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
            log.info("media download failed", extra={"media": media.id, "error": reason})
            await self._failed(media, reason, now + delay, counts=True)
            return reason
        async with self.db.transaction() as conn:
            kept = await MediaRepository(conn).stored(
                media_id=media.id,
                path=written.path,
                size=written.size,
                sha256=written.sha256,
                now=self.kernel.clock.now(),
            )
        if not kept:  # erased while it downloaded: its bytes must not stay
            await asyncio.to_thread(self.folder.delete, written.path)
            return "erased meanwhile"
        return None

    async def _failed(
        self,
        media: MediaFile,
        error: str,
        retry_at: datetime | None,
        *,
        counts: bool,
        state: str = "pending",
    ) -> None:
        async with self.db.transaction() as conn:
            await MediaRepository(conn).failed(
                media_id=media.id, error=error, retry_at=retry_at, counts=counts, state=state
            )

    async def _tell_administrators(self, notice: MediaLost) -> None:
        settings = self.kernel.settings
        async with self.db.reading() as conn:
            ids = {r.user_id for r in await RoleRepository(conn).holders("admin")}
            ids |= set(settings.admin_ids)
            users = UserRepository(conn)
            people = [await users.get(i) for i in sorted(ids)]
        for user in people:
            if user is not None and user.active:
                await self.kernel.notifier.notify(Recipient(user.id, user.language), notice)

    # ------------------------------------------------------------------ letting go

    async def sweep(self) -> None:
        """Remove the files whose rows are gone (committed) from the media folder."""
        await self._sweep()

    async def _sweep(self) -> int:
        async with self.db.reading() as conn:
            paths = await MediaRepository(conn).trash()
        if not paths:
            return 0
        for path in paths:
            await asyncio.to_thread(self.folder.delete, path)
        async with self.db.transaction() as conn:
            await MediaRepository(conn).emptied(paths)
        return len(paths)

    async def let_go(self) -> int:
        """Files no record names any more leave the table, then the folder; how many."""
        async with self.db.transaction() as conn:
            count = await MediaRepository(conn).let_go_unreferenced(now=self.kernel.clock.now())
        await self.sweep()
        return count

    async def apply_retention(self) -> Purged:
        """Daily: photos and voice notes older than AYILBOT_MEDIA_RETENTION_DAYS go, ids and
        files; any file no record names leaves the folder too."""
        purged = await purge_old_media(
            self.db, now=self.kernel.clock.now(), days=self.kernel.settings.media_retention_days
        )
        await self.let_go()
        return purged

    # ------------------------------------------------------------------ reading

    async def files(self, keys: Sequence[str]) -> dict[str, MediaFile]:
        """The media rows of these file keys (absent: never recorded, or let go)."""
        async with self.db.reading() as conn:
            return await MediaRepository(conn).for_keys(keys)

    def path_of(self, media: MediaFile) -> Path | None:
        """Where a stored file's bytes are; None when it is not stored."""
        return self.folder.absolute(media.path) if media.stored and media.path else None

    async def status(self) -> MediaCounts:
        """How many files are stored, waiting, failing or given up (for /stats)."""
        async with self.db.reading() as conn:
            return await MediaRepository(conn).counts()

    # ------------------------------------------------------------------ privacy

    async def export_personal(self, conn: Connection, user_id: int) -> Any:
        """For /mydata: the photos and voice notes she sent, and whether they are kept."""
        return [
            {
                "kind": m.kind,
                "form": m.form_id,
                "received_at": m.received_at.isoformat(),
                "state": m.state,
                "bytes": m.size,
                "sha256": m.sha256,
            }
            for m in await MediaRepository(conn).owned_by(user_id)
        ]

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """For /deleteme: the files of her erased records go (bytes after commit); those of
        records that stay (reports, published practices) stay, without her id."""
        repo = MediaRepository(conn)
        await repo.let_go_unreferenced(now=self.kernel.clock.now(), owner_id=user_id)
        await repo.disown(user_id)


async def purge_old_media(db: Database, *, now: datetime, days: int) -> Purged:
    """Remove photo and voice file ids older than `days` (0: keep them); texts stay."""
    if days <= 0:
        return Purged()
    cutoff = now - timedelta(days=days)
    async with db.transaction() as conn:
        purged = await RetentionRepository(conn).purge_before(cutoff=cutoff)
        if purged.total:
            await AuditRepository(conn).record(
                actor_id=None,
                entity="media",
                entity_id="retention",
                action="purge",
                from_value=None,
                to_value=str(purged.total),
                reason=f"older than {days} days",
                now=now,
            )
    log.info("media retention: %d file ids older than %d days removed", purged.total, days)
    return purged
