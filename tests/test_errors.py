"""The one error handler, and storage that cannot write: the person is told, nothing is lost."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.core.actors import Person as Contact
from bot.forms.engine import FormEngine
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.rules.users import UserRules
from handlers.plumbing.context import AppContext
from storage.db import Database, StorageUnavailable
from tests.conftest import PersonFactory
from tests.harness import make_settings, onboard, running_bot, services_of


async def test_unexpected_error_is_logged_with_update_id_and_answered(
    tmp_path: Path,
    server: LocalBotApi,
    person: PersonFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(update: Update, context: AppContext) -> None:
        raise RuntimeError("secret report text")

    async with running_bot(make_settings(tmp_path / "e.db", server)) as app:
        app.add_handler(CommandHandler("boom", broken), group=-3)
        aigul = person(901, "ru")
        with caplog.at_level(logging.ERROR, logger="handlers.plumbing.errors"):
            update_id = await server.send_text(aigul.user, "/boom")
            await server.wait_idle()
        # /boom is unknown to the bot's own handlers too, so it also explains that; the
        # failure of the test handler is reported once, in the person's language.
        texts = [m.text for m in server.drain(aigul.user)]
        assert sum("не потеряно" in t for t in texts) == 1, texts
        record = next(r for r in caplog.records if r.name == "handlers.plumbing.errors")
        assert str(update_id) in record.getMessage()
        assert "secret report text" not in record.getMessage()
        # The bot goes on answering.
        assert "/menu" in (await aigul.say("/help")).text


async def test_locked_database_keeps_the_form_and_asks_to_retry(
    tmp_path: Path,
    server: LocalBotApi,
    person: PersonFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("storage.db.BUSY_TIMEOUT_MS", 100)
    settings = make_settings(tmp_path / "l.db", server)
    async with running_bot(settings) as app:
        aigul = person(902, "ru")
        await aigul.say("/start")
        kinds = await aigul.press("Русский")
        locker = sqlite3.connect(settings.db_path, timeout=0.1)
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the file
        try:
            await server.press_button(aigul.user, index=0, message=kinds)
            refused = await aigul.reply()
        finally:
            locker.rollback()
            locker.close()
        assert "попробуйте" in refused.text.lower() and "сохранено" in refused.text.lower()
        services = services_of(app)
        actor = await services.get(UserRules).resolve(Contact(id=902, first_name="A"))
        draft = await services.get(FormEngine).active(actor)
        assert draft is not None and draft.answers == {"language": "ru"}
        # The same button works once the lock is gone.
        await server.press_button(aigul.user, index=0, message=kinds)
        assert "Баткенская область" in aigul.labels(await aigul.reply())


async def test_full_disk_is_storage_unavailable_and_rolls_back(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "full.db")
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE filler (blob BLOB)")
        async with db.reading() as conn:
            (row,) = await conn.execute_fetchall("PRAGMA page_count")
        # No room for a single new page: SQLite answers "database or disk is full".
        async with db.transaction() as conn:
            await conn.execute(f"PRAGMA max_page_count = {row[0]}")

        async def fill() -> None:
            async with db.transaction() as conn:
                for _ in range(100):
                    await conn.execute("INSERT INTO filler VALUES (zeroblob(100000))")

        with pytest.raises(StorageUnavailable, match="full"):
            await fill()
        async with db.reading() as conn:
            (row,) = await conn.execute_fetchall("SELECT count(*) FROM filler")
        assert row[0] == 0  # nothing half-written stays
    finally:
        await db.close()


async def test_ids_too_large_for_an_integer_are_stale_buttons(
    bot: object, person: PersonFactory, server: LocalBotApi
) -> None:
    """A forged id beyond SQLite's 64-bit integers gets the stale answer, not an error."""
    aigul = person(905, "ru")
    await onboard(aigul, language="Русский")
    menu = await aigul.say("/menu")
    huge = str(2**64)
    stale = translator("ru").gettext("This button is no longer active.")
    for data in (f"inc:m:{huge}", f"inc:p:{huge}", f"pr:o:{huge}", f"pr:h:{huge}", "pr:o:٣"):
        query = await server.press(aigul.user, menu.message_id, data)
        assert (await server.wait_callback_answer(query)).get("text") == stale, data
    await server.wait_idle()
    assert server.drain(aigul.user) == []
