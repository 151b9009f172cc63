"""BackupRules without Telegram: the daily backup, pruning and media retention, by settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.rules.backups import PREFIX, BackupRules
from bot.rules.media import MediaRules
from storage.audit import AuditRepository
from storage.db import upgrade_backup_path
from storage.incidents import IncidentAttachmentRepository
from tests.coordinator_steps import add_incident, add_person
from tests.rules.core_steps import NOW, clock_of, core_kernel


async def test_the_daily_backup_keeps_the_promised_days_and_no_more(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    async with core_kernel(tmp_path, AYILBOT_BACKUP_DIR=folder, AYILBOT_BACKUP_KEEP=2) as kernel:
        backups = kernel.get(BackupRules)
        clock = clock_of(kernel)
        taken = []
        for _ in range(3):
            target = await backups.daily_backup()
            assert target is not None and target.parent == folder
            taken.append(target.name)
            clock.at += timedelta(days=1)
        # Two days after the first: it is gone, as the privacy notice promises.
        assert sorted(p.name for p in folder.glob(f"{PREFIX}*.db")) == taken[1:]
        # The hourly pruning, a day later: the second is two days old now.
        assert [p.name for p in await backups.prune_old_backups()] == [taken[1]]
        assert sorted(p.name for p in folder.iterdir()) == taken[2:]


async def test_copies_taken_before_an_upgrade_are_pruned_after_the_same_days(
    tmp_path: Path,
) -> None:
    """A pre-migration copy holds what a person erased since, like a daily backup: the privacy
    notice's days apply to it, with or without a backup folder."""
    async with core_kernel(tmp_path, AYILBOT_BACKUP_KEEP=2) as kernel:
        database = kernel.settings.db_path
        old = upgrade_backup_path(database, 7, NOW - timedelta(days=2))
        recent = upgrade_backup_path(database, 8, NOW - timedelta(days=1))
        other = database.with_name("notes.schema-0007.20200101-000000.bak")  # not this file's
        for path in (old, recent, other):
            path.write_bytes(b"copy")
        assert await kernel.get(BackupRules).prune_old_backups() == [old]
        assert not old.exists() and recent.exists() and other.exists()


async def test_without_a_backup_folder_nothing_is_written_or_pruned(tmp_path: Path) -> None:
    async with core_kernel(tmp_path) as kernel:
        assert await kernel.get(BackupRules).daily_backup() is None
        assert await kernel.get(BackupRules).prune_old_backups() == []
        assert not list(tmp_path.rglob(f"{PREFIX}*"))  # noqa: ASYNC240


async def test_media_retention_follows_the_setting_and_is_audited(tmp_path: Path) -> None:
    for days, purged in ((0, 0), (30, 2)):  # 0: file ids are kept
        async with core_kernel(tmp_path / str(days), AYILBOT_MEDIA_RETENTION_DAYS=days) as kernel:
            await add_person(kernel.db, 1, "Айгүл")
            old = await add_incident(
                kernel.db, reporter_id=1, received_at=NOW - timedelta(days=40), photos=2
            )
            new = await add_incident(
                kernel.db, reporter_id=1, received_at=NOW - timedelta(days=5), photos=1
            )
            assert (await MediaRules(kernel).apply_retention()).total == purged
            async with kernel.db.reading() as conn:
                files = IncidentAttachmentRepository(conn)
                left = [len(await files.for_incident(incident_id=i)) for i in (old, new)]
                audit = await AuditRepository(conn).for_entity(
                    entity="media", entity_id="retention"
                )
            assert left == [2 - purged, 1]
            assert [e.to_value for e in audit] == ([str(purged)] if purged else [])
