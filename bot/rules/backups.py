"""What is kept, and how long: backups with the media folder, their pruning, restore checks.

Backups use SQLite's online backup API (safe while the bot writes). The privacy notice
promises that what a person erased leaves every scheduled backup after AYILBOT_BACKUP_KEEP
days. Media retention (AYILBOT_MEDIA_RETENTION_DAYS) is the media rules' (bot/rules/media.py).
The module's functions serve the command line (`ayilbot backup`, `restore`); `BackupRules`
runs the daily jobs with the kernel's settings and clock.
"""

from __future__ import annotations

import asyncio
import glob
import logging
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.kernel import Kernel
from bot.replication import copy_folders_offsite
from storage.db import Database, copy_file, inspect_file, latest_version
from storage.media_files import MediaFolder

log = logging.getLogger(__name__)

PREFIX = "ayilbot-"
STAMP = "%Y%m%d-%H%M%S"  # in UTC


class BackupRejected(Exception):
    """A file to restore is not an ayilbot database this code can run."""


SQLITE_HEADER = b"SQLite format 3\x00"


class BackupFailed(Exception):
    """A backup could not be written where asked; the message is one line."""


async def backup_to(db: Database, target: Path) -> Path:
    """Write a consistent snapshot of the live database to `target` (a new file or an
    older backup; never over a file that is not a database)."""
    await asyncio.to_thread(_check_target, target)
    try:
        await db.backup(target)
    except (OSError, sqlite3.Error) as exc:
        raise BackupFailed(f"cannot write {target}: {exc}") from exc
    return target


def _check_target(target: Path) -> None:
    if target.is_dir():
        raise BackupFailed(f"{target} is a folder: give the backup's file name")
    if target.is_file() and target.stat().st_size:
        with target.open("rb") as fh:
            if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise BackupFailed(f"{target} exists and is not a database: not overwriting it")


async def scheduled_backup(
    db: Database, folder: Path, *, now: datetime, keep: int, media: Path | None = None
) -> Path:
    """A timestamped snapshot in `folder`, with the media folder beside it (`.media`, files
    unchanged since the last one hard-linked); snapshots older than `keep` days are deleted."""
    target = folder / f"{PREFIX}{now.astimezone(UTC).strftime(STAMP)}.db"
    await backup_to(db, target)
    if media is not None:
        # After the database: the copy holds every file the snapshot's rows name.
        await asyncio.to_thread(_copy_media, media, target.with_suffix(MEDIA_SUFFIX), folder)
    await asyncio.to_thread(prune_backups, folder, now=now, keep_days=keep)
    return target


MEDIA_SUFFIX = ".media"


def _copy_media(media: Path, target: Path, folder: Path) -> None:
    if not media.is_dir():
        return  # nothing received yet
    earlier = sorted(
        p for p in folder.glob(f"{PREFIX}*{MEDIA_SUFFIX}") if p.is_dir() and p != target
    )
    MediaFolder(media).snapshot(target, previous=earlier[-1] if earlier else None)


def prune_backups(folder: Path, *, now: datetime, keep_days: int) -> list[Path]:
    """Delete the scheduled snapshots (and their media copies) `keep_days` days old or more.

    The privacy notice promises that what a person erased is gone from every backup after
    that many days; the age comes from the name, which is the time the snapshot was taken.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.glob(f"{PREFIX}*.db")) + sorted(folder.glob(f"{PREFIX}*.media")):
        try:
            taken = datetime.strptime(path.stem.removeprefix(PREFIX), STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue  # not one of ours
        if now - taken >= timedelta(days=keep_days):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def prune_upgrade_copies(database: Path, *, now: datetime, keep_days: int) -> list[Path]:
    """Delete the copies taken before a migration (`<db>.schema-NNNN.<time>.bak`) `keep_days`
    days old or more.

    They are a way back from an upgrade, and they hold what a person erased afterwards as much
    as a daily backup does: the privacy notice's days apply to them too.
    """
    removed: list[Path] = []
    for path in sorted(database.parent.glob(f"{glob.escape(database.name)}.schema-*.bak")):
        stamp = path.name.removesuffix(".bak").rsplit(".", 1)[-1]
        try:
            taken = datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue  # not one of ours
        if now - taken >= timedelta(days=keep_days):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def check_backup(source: Path) -> int:
    """The backup's schema version, after checking it is whole and not from newer code."""
    if not source.is_file():
        raise BackupRejected(f"{source} does not exist")
    try:
        version, integrity, has_users = inspect_file(source)
    except sqlite3.DatabaseError as exc:
        raise BackupRejected(f"{source} is not a SQLite database: {exc}") from exc
    if integrity != "ok":
        raise BackupRejected(f"{source} is damaged: {integrity}")
    if not has_users or version < 1:
        raise BackupRejected(f"{source} is not an ayilbot database")
    if version > latest_version():
        raise BackupRejected(
            f"{source} has schema {version}, newer than this code ({latest_version()})"
        )
    return version


def restore_from(source: Path, target: Path) -> int:
    """Replace `target` (the bot must be stopped) with the backup; returns its schema version."""
    version = check_backup(source)
    copy_file(source, target)
    return version


class BackupRules:
    """The scheduled work behind the privacy notice's promises about keeping data."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    async def daily_backup(self) -> Path | None:
        """A snapshot with the media folder in AYILBOT_BACKUP_DIR (None when unset); media
        folders copied off-site."""
        settings = self.kernel.settings
        target = None
        if settings.backup_dir is not None:
            target = await scheduled_backup(
                self.kernel.db,
                settings.backup_dir,
                now=self.kernel.clock.now(),
                keep=settings.backup_keep,
                media=settings.media_dir,
            )
        # The database itself goes off the machine continuously (`ayilbot replicate`).
        await copy_folders_offsite(settings)
        return target

    async def prune_old_backups(self) -> list[Path]:
        """Delete scheduled backups and pre-upgrade copies AYILBOT_BACKUP_KEEP days old or more."""
        settings = self.kernel.settings
        now, keep_days = self.kernel.clock.now(), settings.backup_keep
        removed = await asyncio.to_thread(
            prune_upgrade_copies, settings.db_path, now=now, keep_days=keep_days
        )
        if settings.backup_dir is not None:
            removed += await asyncio.to_thread(
                prune_backups, settings.backup_dir, now=now, keep_days=keep_days
            )
        return removed
