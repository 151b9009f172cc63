"""The media store's rules without HTTP: a fake fetcher, a real SQLite file and folder.

Retries and giving up, the size limit, a full disk, which files leave the folder (and which
must not), an erasure rolled back, the files of older releases queued by the migration, and
what `ayilbot health` says.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.media import Fetched, MediaTooLarge, MediaUnavailable
from bot.health import check_media
from bot.records.core import Draft
from bot.records.practices import PracticeFile
from bot.rules.media import GIVE_UP_AFTER, RETRY_DELAYS, MediaLost, MediaRules, files_in
from storage.connection import Connection
from storage.db import Database, apply_migrations
from storage.incidents import IncidentAttachmentRepository, IncidentRepository
from storage.media import MediaRepository
from storage.needs import NeedRepository
from storage.practices import PracticeRepository
from storage.users import UserRepository
from tests.coordinator_steps import T0, add_incident, add_need, add_person, add_practice
from tests.incident_steps import SEED
from tests.rules.incident_world import ADMIN, World, incident_world


@dataclass
class FakeFetcher:
    """The media port: files by id; `failing` ids fail that many times (or with an error)."""

    files: dict[str, bytes] = field(default_factory=dict)
    failing: dict[str, int] = field(default_factory=dict)
    error: Exception = field(default_factory=lambda: MediaUnavailable("500: Bad Gateway"))
    asked: list[str] = field(default_factory=list)

    async def fetch(self, file_id: str, *, limit: int) -> Fetched:
        self.asked.append(file_id)
        if self.failing.get(file_id, 0) > 0:
            self.failing[file_id] -= 1
            raise self.error
        return Fetched(self.files[file_id], f"photos/{file_id}.jpg")


@asynccontextmanager
async def media_world(tmp_path: Path) -> AsyncIterator[tuple[World, MediaRules, FakeFetcher]]:
    async with incident_world(tmp_path) as world:
        fetcher = FakeFetcher()
        world.kernel.media = fetcher
        rules = world.kernel.add(MediaRules(world.kernel))
        await add_person(world.db, ADMIN, "Admin")
        await add_person(world.db, 1, "Айгүл")
        yield world, rules, fetcher


async def receive(world: World, rules: MediaRules, *keys: str) -> list[int]:
    """Files recorded as a submission records them (the engine's hook), not yet fetched."""
    draft = Draft(
        id="d",
        user_id=1,
        chat_id=1,
        form_id="incident",
        form_version=1,
        answers={"photos": [{"type": "photo", "file_id": k, "unique_id": k} for k in keys]},
        step="",
    )
    async with world.db.transaction() as conn:
        later = await rules.record_submission(conn, draft, await world.actor(1))
        rows = await conn.execute_fetchall("SELECT id FROM media ORDER BY id")
    assert later is not None
    return [int(r[0]) for r in rows]


async def row(world: World, key: str) -> tuple[str, int, str | None]:
    async with world.db.reading() as conn:
        found = (await MediaRepository(conn).for_keys([key]))[key]
    return found.state, found.attempts, found.last_error


def test_the_files_of_a_submission_are_found_however_nested() -> None:
    answers = {
        "description": {"text": "Суу жок", "voice": {"type": "voice", "file_id": "V"}},
        "photos": [{"type": "photo", "file_id": "P1"}, {"type": "photo", "file_id": "P2"}],
        "files": [{"type": "document", "file_id": "DOC"}],  # a document is not a photo
        "village": "Кызыл-Бел",
    }
    assert [f["file_id"] for f in files_in(answers)] == ["V", "P1", "P2"]


async def test_a_failing_download_waits_longer_each_time_then_is_given_up(
    tmp_path: Path,
) -> None:
    async with media_world(tmp_path) as (world, rules, fetcher):
        fetcher.failing["P"] = 100
        await receive(world, rules, "P")
        pauses = []
        for attempt in range(1, GIVE_UP_AFTER + 1):
            assert await rules.fetch_due() == 0
            state, attempts, error = await row(world, "P")
            assert attempts == attempt and error == "MediaUnavailable: 500: Bad Gateway"
            async with world.db.reading() as conn:
                (due,) = await conn.execute_fetchall("SELECT next_attempt_at FROM media")
            if state == "lost":
                break
            waited = datetime.fromisoformat(due[0]) - world.clock.now()
            pauses.append(waited)
            world.clock.advance(waited)
        assert pauses == [*RETRY_DELAYS, *[RETRY_DELAYS[-1]] * (GIVE_UP_AFTER - 9)]
        assert (state, attempts) == ("lost", GIVE_UP_AFTER)
        # Administrators are told once, in their language; the job stops asking.
        assert [type(n) for n in world.notifier.to(ADMIN)] == [MediaLost]
        asked = len(fetcher.asked)
        world.clock.advance(timedelta(days=30))
        await rules.fetch_due()
        assert len(fetcher.asked) == asked


async def test_a_file_over_the_limit_is_not_kept_nor_asked_for_again(tmp_path: Path) -> None:
    async with media_world(tmp_path) as (world, rules, fetcher):
        limit = world.kernel.settings.media_max_bytes
        fetcher.files["BIG"] = b"x" * (limit + 1)
        fetcher.failing["TOLD"] = 1
        fetcher.error = MediaTooLarge("file is too big")
        await receive(world, rules, "BIG", "TOLD")
        await rules.fetch_due()
        assert (await row(world, "BIG"))[0] == "too_large"
        assert (await row(world, "TOLD"))[0] == "too_large"
        assert not list(rules.folder.root.rglob("*.jpg"))
        (notice,) = world.notifier.to(ADMIN)
        assert isinstance(notice, MediaLost) and notice.count == 2


async def test_a_full_disk_is_retried_without_counting_and_health_says_so(
    tmp_path: Path,
) -> None:
    async with media_world(tmp_path) as (world, rules, fetcher):
        fetcher.files["P"] = b"\xff\xd8 photo"
        rules.folder.keep_free_bytes = 10**18  # the room kept for the database is not there
        await receive(world, rules, "P")
        for _ in range(3):
            await rules.fetch_due()
            state, attempts, error = await row(world, "P")
            assert (state, attempts) == ("pending", 0) and error and error.startswith("disk full")
            world.clock.advance(timedelta(minutes=15))
        settings = world.kernel.settings
        early = check_media(settings, world.clock.now())
        assert early.ok and "0 files (0 MB)" in early.detail
        late = check_media(settings, world.clock.now() + timedelta(hours=2))
        assert not late.ok and "1 failing to download for over 1 h" in late.detail
        assert "disk full" in late.detail and late.line().startswith("FAIL media:")

        rules.folder.keep_free_bytes = 0
        await rules.fetch_due()
        assert (await row(world, "P"))[0] == "stored"
        assert check_media(settings, world.clock.now() + timedelta(hours=2)).ok


async def test_only_files_no_record_names_leave_the_folder(tmp_path: Path) -> None:
    """Each place a record keeps a file id protects its file; a file of none is let go."""
    async with media_world(tmp_path) as (world, rules, fetcher):
        db = world.db
        report = await add_incident(db, reporter_id=1, photos=1, voice=True)
        practice = await add_practice(db, author_id=1)
        async with db.transaction() as conn:
            await PracticeRepository(conn).set_attachments(
                practice_id=practice, files=[PracticeFile("photo", "PRACTICE", "PRACTICE-U")]
            )
        need = await add_need(db, author_id=1, photos=1, voice=True)
        async with db.transaction() as conn:
            stage = {"type": "photo", "file_id": "STAGE", "unique_id": "STAGE-U"}
            await NeedRepository(conn).add_stage(
                need_id=need,
                draft_id="stage",
                stage="raised",
                from_stage="recorded",
                happened_on=T0.date(),
                raised_with="okmotu",
                amount_som=None,
                reason=None,
                evidence=[stage],
                recorded_by=1,
                now=T0,
            )
            names = await conn.execute_fetchall("SELECT voice, photos FROM needs")
        need_voice, need_photos = names[0]
        kept = [
            f"PHOTO-{report}-0",
            f"VOICE-{report}",
            "PRACTICE-U",
            json.loads(need_voice)["file_id"],
            json.loads(need_photos)[0]["file_id"],
            "STAGE-U",
        ]
        for key in [*kept, "EDITED-AWAY"]:
            fetcher.files[key] = key.encode()
        await receive(world, rules, *kept, "EDITED-AWAY")
        await rules.fetch_due()
        assert len(list(rules.folder.root.rglob("*.jpg"))) == len(kept) + 1

        assert await rules.let_go() == 1
        async with db.reading() as conn:
            left = {r[0] for r in await conn.execute_fetchall("SELECT file_key FROM media")}
        assert left == set(kept)
        on_disk = sorted(p.read_bytes() for p in rules.folder.root.rglob("*") if p.is_file())
        assert on_disk == sorted(k.encode() for k in kept)


async def test_an_erasure_that_rolls_back_deletes_no_bytes(tmp_path: Path) -> None:
    async with media_world(tmp_path) as (world, rules, fetcher):
        fetcher.files["GONE"] = b"her photo"
        await receive(world, rules, "GONE")  # named by no record: an erasure lets it go
        await rules.fetch_due()

        async def erase_then_fail() -> None:
            async with world.db.transaction() as conn:
                await rules.erase_personal(conn, 1, "P-1")
                raise RuntimeError("the erasure failed half-way")

        with pytest.raises(RuntimeError):
            await erase_then_fail()
        await rules.sweep()
        assert [p.read_bytes() for p in rules.folder.root.rglob("*.jpg")] == [b"her photo"]
        async with world.db.transaction() as conn:
            await rules.erase_personal(conn, 1, "P-1")
        await rules.sweep()
        assert not list(rules.folder.root.rglob("*.jpg"))


async def test_a_download_that_ends_after_the_erasure_leaves_no_file(tmp_path: Path) -> None:
    async with media_world(tmp_path) as (world, rules, fetcher):
        fetcher.files["LATE"] = b"photo"
        await receive(world, rules, "LATE")
        fetch = fetcher.fetch

        async def erased_meanwhile(file_id: str, *, limit: int) -> Fetched:
            async with world.db.transaction() as conn:
                await rules.erase_personal(conn, 1, "P-1")
            return await fetch(file_id, limit=limit)

        world.kernel.media = type("Racing", (), {"fetch": staticmethod(erased_meanwhile)})()
        assert await rules.fetch_due() == 0
        assert not list(rules.folder.root.rglob("*-photo.*"))


async def test_the_files_of_older_releases_are_queued_by_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = await Connection.open(path, name="test", timeout=5)
    try:
        await apply_migrations(conn, up_to=11)  # the release before the media store
        await conn.execute("BEGIN")
        await UserRepository(conn).create(
            user_id=1,
            first_name="Айгүл",
            last_name=None,
            username=None,
            language="ky",
            pseudonym="P-1",
            now=T0,
        )
        number, _ = await IncidentRepository(conn).add(
            incident=replace(SEED, draft_id="old", reporter_id=1, received_at=T0)
        )
        await IncidentAttachmentRepository(conn).add(
            incident_id=number,
            update_id=None,
            files=[
                {"type": "photo", "file_id": "OLD-PHOTO", "unique_id": "OLD-PHOTO-U"},
                {"type": "voice", "file_id": "OLD-VOICE"},
            ],
        )
        await conn.execute("COMMIT")
    finally:
        await conn.close()
    db = await Database.open(path)
    try:
        async with db.reading() as reading:
            queued = await MediaRepository(reading).for_keys(["OLD-PHOTO-U", "OLD-VOICE"])
    finally:
        await db.close()
    assert {k: (m.file_id, m.kind, m.state, m.owner_id) for k, m in queued.items()} == {
        "OLD-PHOTO-U": ("OLD-PHOTO", "photo", "pending", 1),
        "OLD-VOICE": ("OLD-VOICE", "voice", "pending", 1),
    }
    assert all(m.received_at == T0 and m.next_attempt_at == T0 for m in queued.values())
