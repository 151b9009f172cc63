"""Photos and voice notes kept by the project, end to end through the local Bot API server:
downloaded after the report is saved, with their checksum; retried after a failure; gone from
disk after retention and after /deleteme; copied by the daily backup (issue #19)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.config import Settings
from bot.localapi import LocalBotApi
from bot.records.media import MediaFile
from bot.rules.backups import BackupRules, prune_backups
from bot.rules.media import MediaRules
from bot.wiring import AyilApp
from storage.media import MediaRepository
from tests.conftest import PersonFactory
from tests.harness import Person, make_settings, onboard, running_bot, services_of
from tests.incident_steps import Report, button, label, reporter, submit, walk_to_description

T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
PHOTOS = (b"\xff\xd8\xff\xe0first photo\xff\xd9", b"\xff\xd8\xff\xe0second photo\xff\xd9")
VOICE = b"OggS\x00a voice note about the canal"
RU_DONE, RU_SKIP, RU_SUBMIT = "✔️ Готово", "⏭ Пропустить", "✅ Отправить"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def report_with_files(someone: Person, locale: str, *, voice: bool, photos: int) -> int:
    """Send a report whose voice note and photos carry distinct bytes; its number."""
    await walk_to_description(someone, locale, Report())
    server, user = someone.server, someone.user
    await someone.say("Two groups argued over the pasture.")
    if voice:
        await server.send_voice(user, VOICE)
        await someone.reply()
    await someone.press(button(locale, "Done"))
    for data in PHOTOS[:photos]:
        await server.send_photo(user, data)
        await someone.reply()
    await someone.press(button(locale, "Done") if photos else button(locale, "Skip"))
    for msgid in ("Ayil okmotu mediation", "Still going on", "I saw it myself"):
        await someone.press(label(locale, msgid))
    await someone.press(label(locale, "Show my name to coordinators"))
    receipt = await submit(someone, locale)
    return int(receipt.text.split("№ ")[1].split(".")[0].split()[0])


async def media_rows(app: AyilApp) -> list[MediaFile]:
    async with services_of(app).db.reading() as conn:
        rows = await conn.execute_fetchall("SELECT file_key FROM media ORDER BY id")
        found = await MediaRepository(conn).for_keys(str(r[0]) for r in rows)
    return sorted(found.values(), key=lambda m: m.id)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait for the work the bot does after its reply (the download after commit)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not done in time"
        await asyncio.sleep(0.02)


async def stored(app: AyilApp, count: int) -> list[MediaFile]:
    async def done() -> bool:
        rows = await media_rows(app)
        return len(rows) == count and all(m.stored for m in rows)

    await until(done)
    return await media_rows(app)


async def test_a_reports_photos_and_voice_are_kept_with_their_checksum(
    bot: AyilApp, settings: Settings, person: PersonFactory
) -> None:
    aigul = await reporter(person, 801, "ru", first_name="Айгүл")
    number = await report_with_files(aigul, "ru", voice=True, photos=2)
    rows = await stored(bot, 3)
    assert sorted(m.kind for m in rows) == ["photo", "photo", "voice"]
    assert {m.sha256 for m in rows} == {sha(PHOTOS[0]), sha(PHOTOS[1]), sha(VOICE)}
    for media in rows:
        on_disk = settings.media_dir / str(media.path)
        assert on_disk.is_file() and sha(on_disk.read_bytes()) == media.sha256
        assert media.size == on_disk.stat().st_size
        assert (media.owner_id, media.form_id, media.attempts) == (801, "incident", 0)
    # The records still name the files by their Telegram ids; the folder holds the bytes.
    async with services_of(bot).db.reading() as conn:
        keys = {
            str(r[0])
            for r in await conn.execute_fetchall(
                "SELECT unique_id FROM incident_attachments WHERE incident_id = ?", (number,)
            )
        }
    assert keys == {m.file_key for m in rows}


async def test_a_failed_download_is_retried_later_and_the_report_is_kept(
    tmp_path: Path, server: LocalBotApi, person: PersonFactory
) -> None:
    clock = FrozenClock(T0)
    settings = make_settings(tmp_path / "ayilbot.db", server)
    async with running_bot(settings, clock=clock) as app:
        aigul = await reporter(person, 802, "ru", first_name="Айгүл")
        server.inject_fault("getFile", kind="500", count=1)
        number = await report_with_files(aigul, "ru", voice=False, photos=1)
        media = MediaRules(services_of(app))

        async def failed_once() -> bool:
            rows = await media_rows(app)
            return len(rows) == 1 and rows[0].attempts == 1

        await until(failed_once)
        (waiting,) = await media_rows(app)
        assert waiting.state == "pending" and not waiting.stored
        assert waiting.last_error and "Internal Server Error" in waiting.last_error
        assert waiting.next_attempt_at == T0 + timedelta(minutes=1)  # the first pause
        assert number > 0 and not any(settings.media_dir.rglob("*-photo.jpg"))
        counts = await media.status()
        assert (counts.retrying, counts.stored) == (1, 0)

        assert await media.fetch_due() == 0  # not due yet
        clock.advance(timedelta(minutes=1))
        assert await media.fetch_due() == 1
        (kept,) = await media_rows(app)
        assert kept.stored and kept.sha256 == sha(PHOTOS[0]) and kept.attempts == 1
        assert (settings.media_dir / str(kept.path)).read_bytes() == PHOTOS[0]


async def test_retention_removes_the_files_from_disk_with_their_ids(
    tmp_path: Path, server: LocalBotApi, person: PersonFactory
) -> None:
    clock = FrozenClock(T0)
    settings = make_settings(tmp_path / "ayilbot.db", server, AYILBOT_MEDIA_RETENTION_DAYS="30")
    async with running_bot(settings, clock=clock) as app:
        aigul = await reporter(person, 803, "ru", first_name="Айгүл")
        await report_with_files(aigul, "ru", voice=True, photos=1)
        old = await stored(app, 2)
        clock.advance(timedelta(days=20))
        await report_with_files(aigul, "ru", voice=False, photos=2)
        rows = await stored(app, 4)
        media = services_of(app).get(MediaRules)
        clock.advance(timedelta(days=11))  # the first report is 31 days old, the second 11

        await media.apply_retention()

        left = await media_rows(app)
        assert [m.id for m in left] == [m.id for m in rows[2:]]
        for gone in old:
            assert not (settings.media_dir / str(gone.path)).exists()
        for kept in left:
            assert (settings.media_dir / str(kept.path)).is_file()
        async with services_of(app).db.reading() as conn:
            ids = await conn.execute_fetchall("SELECT count(*) FROM incident_attachments")
        assert [tuple(r) for r in ids] == [(2,)]


async def record_need_with_files(asel: Person) -> None:
    """A candidate's need with a voice note and a photo (Russian)."""
    topic = await asel.say("/need")
    place = await asel.press("Безопасность", message=topic)
    village = await asel.press("Ак-Татыр", message=place)
    heard = await asel.press(RU_SKIP, message=village)
    await asel.press("От одной женщины", message=heard)
    await asel.server.send_voice(asel.user, VOICE + b" need")
    voiced = await asel.reply()
    proposal = await asel.press(RU_DONE, message=voiced)
    await asel.press(RU_SKIP, message=proposal)
    await asel.server.send_photo(asel.user, PHOTOS[1] + b" need")
    received = await asel.reply()
    summary = await asel.press(RU_DONE, message=received)
    receipt = await asel.press(RU_SUBMIT, message=summary)
    assert "сохранена" in receipt.text


async def test_deleteme_deletes_the_bytes_of_her_erased_records_and_keeps_her_reports(
    bot: AyilApp, settings: Settings, person: PersonFactory
) -> None:
    asel = person(804, "ru", first_name="Асель")
    await onboard(asel, language="Русский", kind_index=1)
    await record_need_with_files(asel)
    await report_with_files(asel, "ru", voice=False, photos=1)
    rows = await stored(bot, 3)
    need_files = [m for m in rows if m.form_id == "need"]
    (report_photo,) = [m for m in rows if m.form_id == "incident"]
    assert sorted(m.kind for m in need_files) == ["photo", "voice"]

    sent = await asel.say("/mydata")
    assert sent.document is not None
    listed = json.loads(sent.document)["media"]
    assert sorted((f["form"], f["kind"]) for f in listed) == [
        ("incident", "photo"),
        ("need", "photo"),
        ("need", "voice"),
    ]
    assert {f["sha256"] for f in listed} == {m.sha256 for m in rows}

    ask = await asel.say("/deleteme")
    await asel.press(ask.flat_buttons[0][0], message=ask)
    await asel.server.wait_idle()

    for gone in need_files:
        assert not (settings.media_dir / str(gone.path)).exists()
    # Her report stays for the community's record, and so does its photo, without her id.
    (left,) = await media_rows(bot)
    assert left.id == report_photo.id and left.owner_id is None
    assert (settings.media_dir / str(left.path)).read_bytes() == PHOTOS[0]
    async with services_of(bot).db.reading() as conn:
        trash = await conn.execute_fetchall("SELECT count(*) FROM media_trash")
    assert [tuple(r) for r in trash] == [(0,)]


async def test_the_daily_backup_holds_the_media_folder(
    tmp_path: Path, server: LocalBotApi, person: PersonFactory
) -> None:
    clock = FrozenClock(T0)
    backups = tmp_path / "backups"
    settings = make_settings(tmp_path / "ayilbot.db", server, AYILBOT_BACKUP_DIR=str(backups))
    async with running_bot(settings, clock=clock) as app:
        aigul = await reporter(person, 805, "ru", first_name="Айгүл")
        await report_with_files(aigul, "ru", voice=True, photos=1)
        rows = await stored(app, 2)
        kernel = services_of(app)
        await kernel.get(BackupRules).daily_backup()
        clock.advance(timedelta(days=1))
        await kernel.get(BackupRules).daily_backup()

    first, second = sorted(backups.glob("ayilbot-*.media"))
    assert sorted(p.name for p in backups.glob("ayilbot-*.db")) == [
        f"{first.stem}.db",
        f"{second.stem}.db",
    ]
    for media in rows:
        copy = second / str(media.path)
        assert sha(copy.read_bytes()) == media.sha256
        # A file already in yesterday's copy is the same file on disk, not a second copy.
        assert copy.stat().st_ino == (first / str(media.path)).stat().st_ino
    # The media copy leaves with its database after AYILBOT_BACKUP_KEEP days.
    removed = prune_backups(backups, now=T0 + timedelta(days=7, minutes=1), keep_days=7)
    assert first in removed and not first.exists() and second.exists()


async def test_a_file_over_the_limit_keeps_only_its_telegram_id(
    tmp_path: Path, server: LocalBotApi, person: PersonFactory
) -> None:
    settings = make_settings(tmp_path / "ayilbot.db", server, AYILBOT_MEDIA_MAX_MB="1")
    async with running_bot(settings) as app:
        aigul = await reporter(person, 806, "ru", first_name="Айгүл")
        await walk_to_description(aigul, "ru", Report())
        await aigul.say("Two groups argued over the pasture.")
        # Getfile says how large the file is: a voice note over the limit is never downloaded.
        await server.send_voice(aigul.user, b"OggS" + b"\x00" * (1024 * 1024))
        await aigul.reply()
        await aigul.press(button("ru", "Done"))
        await aigul.press(button("ru", "Skip"))
        for msgid in ("Ayil okmotu mediation", "Still going on", "I saw it myself"):
            await aigul.press(label("ru", msgid))
        await aigul.press(label("ru", "Show my name to coordinators"))
        await submit(aigul, "ru")

        async def given_up() -> bool:
            rows = await media_rows(app)
            return len(rows) == 1 and rows[0].state == "too_large"

        await until(given_up)
        (kept,) = await media_rows(app)
        assert kept.path is None and kept.last_error and "over 1 MB" in kept.last_error
        assert not settings.media_dir.exists() or not any(settings.media_dir.rglob("*.ogg"))
