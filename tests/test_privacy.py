"""Privacy against a careful reader: erasure that unlinks and really erases, thin anonymity
told plainly, names shown as written (issue #15)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.localapi import LocalBotApi
from storage.db import READERS
from storage.incidents import IncidentRepository
from storage.practices import fold
from tests.conftest import PersonFactory
from tests.coordinator_steps import add_need, add_practice, add_update
from tests.harness import Person, make_settings, running_bot, services_of
from tests.incident_steps import (
    Report,
    fill_report,
    label,
    reporter,
    submit,
)

# ------------------------------------------------------------------ erasure erases


def needles(user_id: int, texts: tuple[str, ...]) -> dict[str, bytes]:
    """What must not be found in the bytes: her texts, her id as text and as SQLite stores it."""
    found = {text: text.encode() for text in texts}
    found["id as text"] = str(user_id).encode()
    found["id as a 6-byte integer"] = user_id.to_bytes(6, "big")
    return found


def leaks(path: Path, wanted: dict[str, bytes]) -> list[str]:
    data = path.read_bytes() if path.exists() else b""
    return [f"{path.name}: {name}" for name, raw in wanted.items() if raw in data]


async def test_erased_text_is_gone_from_the_file_its_wal_and_a_later_backup(
    tmp_path: Path, server: LocalBotApi, person: PersonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's own build leaves deleted rows in the file; this machine's build may zero them.
    # Every connection starts as SQLite's default would, so only the bot's own setting counts.
    connect = sqlite3.connect

    def default_build(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = connect(*args, **kwargs)
        conn.execute("PRAGMA secure_delete = OFF")
        return conn

    monkeypatch.setattr(sqlite3, "connect", default_build)
    settings = make_settings(tmp_path / "live.db", server)
    user_id = 7300012345  # above 2**32: SQLite stores it in 6 bytes
    name, village, need, search, practice = (
        "Зымырыкбүбү",
        "Күмүшбулакжашыруун",
        "Кызылжылдызмуктаждык",
        "жылдызкалпак",
        "Айтамгапрактика",
    )
    async with running_bot(settings) as app:
        services = services_of(app)
        db = services.db
        for conn_number in range(READERS):
            async with db.reading() as conn, conn.execute("PRAGMA secure_delete") as cur:
                assert tuple(await cur.fetchone() or ()) == (1,), conn_number
        async with db.transaction() as conn, conn.execute("PRAGMA secure_delete") as cur:
            assert tuple(await cur.fetchone() or ()) == (1,)  # the writer
        her = await reporter(person, user_id, "ru", first_name=name)
        await fill_report(her, "ru", Report(event="Verbal dispute"))
        receipt = await submit(her, "ru")
        async with db.reading() as conn:
            (kept,) = await IncidentRepository(conn).list_by_reporter(reporter_id=user_id)
        await add_update(db, kept.id, author_id=user_id, text="Стало тише")
        await add_need(db, author_id=user_id, description=need)
        await add_practice(db, author_id=user_id, approved=False, title=practice)
        await her.say(f"/search {search}")
        # A draft left open: the place typed into a report never sent.
        await her.say("/report")
        await her.press(label("ru", "🐑 Pasture"))
        await her.press(label("ru", "Verbal dispute"))
        await her.press(label("ru", "Today"))
        await her.press("Ак-Сай")
        await her.say(village)
        await her.say("/cancel")  # keeps nothing, but the draft's pages held the text
        await her.say("/report")
        await her.press(label("ru", "🐑 Pasture"))
        await her.press(label("ru", "Verbal dispute"))
        await her.press(label("ru", "Today"))
        await her.press("Ак-Сай")
        await her.say(village)  # this draft stays open until the erasure
        texts = (name, village, need, search, practice, fold(practice))  # and as indexed
        wanted = needles(user_id, texts)
        live, wal = settings.db_path, Path(f"{settings.db_path}-wal")
        assert len(leaks(live, wanted) + leaks(wal, wanted)) >= len(texts)  # all were stored

        ask = await her.say("/deleteme")
        await her.press(ask.flat_buttons[0][0], message=ask)
        backup = tmp_path / "after.db"
        await db.backup(backup)
        assert (leaks(live, wanted) + leaks(wal, wanted) + leaks(backup, wanted)) == []
        # What erasure keeps, as the notice says: the report, without her.
        async with db.reading() as conn:
            report = await IncidentRepository(conn).get(incident_id=kept.id)
        assert report is not None and report.reporter_id is None
        assert report.notes == Report().description and receipt.text


# ------------------------------------------------------------------ the notice says so


@pytest.mark.parametrize(
    ("language", "locale", "words"),
    [
        ("Кыргызча", "ky", ("5 күн", "атыңызсыз")),
        ("Русский", "ru", ("5 дней", "без вашего имени")),
        ("English", "en", ("5 days", "without your name")),
    ],
)
async def test_privacy_texts_say_what_stays_and_when_backups_forget(
    tmp_path: Path, server: LocalBotApi, language: str, locale: str, words: tuple[str, ...]
) -> None:
    settings = make_settings(tmp_path / "n.db", server, AYILBOT_BACKUP_KEEP="5")
    async with running_bot(settings):
        someone = Person(server, server.user(720, "Асель", language_code=locale))
        await someone.say("/start")
        kinds = await someone.press(language)
        await server.press_button(someone.user, index=0, message=kinds)
        await someone.reply()  # the oblast
        await someone.press(label(locale, "Other / not listed"))
        privacy = await someone.say("Кара-Суу")
        await someone.press(privacy.flat_buttons[0][0], message=privacy)
        ask = await someone.say("/deleteme")
    for text in (privacy.text, ask.text):
        for word in words:
            assert word in text, (locale, word, text)
