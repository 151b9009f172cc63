"""Privacy against a careful reader: erasure that unlinks and really erases, thin anonymity
told plainly, names shown as written (issue #15)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.forms.engine import FormEngine
from bot.localapi import LocalBotApi
from bot.records.incidents import NewIncident
from bot.rules.exports import ExportRequest
from bot.rules.groups import GroupRules
from bot.rules.incidents import IncidentRules
from bot.wiring import AyilApp
from storage.base import to_db_time
from storage.connection import Connection
from storage.db import READERS, Database, apply_migrations
from storage.incidents import IncidentRepository
from storage.practices import fold
from storage.users import UserRepository
from tests.conftest import PersonFactory
from tests.coordinator_steps import add_group, add_need, add_practice, add_update, export_file
from tests.harness import Person, make_settings, onboard, running_bot, services_of
from tests.incident_steps import (
    SEED,
    Report,
    actor_of,
    button,
    coordinator,
    fill_report,
    label,
    question,
    reporter,
    submit,
    unread,
)

# ------------------------------------------------------------------ erasure unlinks


async def reporter_cells(bot: AyilApp, boss_id: int) -> dict[str, dict[int, list[str]]]:
    """Every format's `reporter` cells and whole rows, by report number, as the boss gets."""
    services = services_of(bot)
    boss = await actor_of(bot, boss_id)
    found: dict[str, dict[int, list[str]]] = {}
    for fmt in ("csv", "xlsx", "geojson"):
        # Codes as headers, commas between cells: the columns are read by their keys.
        request = ExportRequest("incidents", fmt, locale="ru", headers="codes", delimiter=",")
        made = await export_file(services, boss, request)
        rows: list[dict[str, Any]]
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(made.data.decode("utf-8-sig"))))
        elif fmt == "xlsx":
            header, *body = load_workbook(io.BytesIO(made.data))["reports"].iter_rows(
                values_only=True
            )
            rows = [dict(zip(header, r, strict=True)) for r in body]
        else:
            rows = [f["properties"] for f in json.loads(made.data)["features"]]
        found[fmt] = {
            int(r["id"]): [str(r["reporter"] or ""), *(str(v) for v in r.values() if v)]
            for r in rows
        }
    return found


async def test_after_erasure_her_named_and_anonymous_reports_share_no_label(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    boss = await coordinator(bot, person, 700, "ru", "BA")
    aigul = await reporter(person, 701, "ru", first_name="Айгүл")
    pin = (39.91, 70.81)  # GeoJSON holds located reports only
    await fill_report(aigul, "ru", Report(event="Verbal dispute", location=pin))
    await submit(aigul, "ru")
    await fill_report(
        aigul, "ru", Report(event="Verbal dispute", visibility="Anonymous", location=pin)
    )
    await submit(aigul, "ru")
    async with services_of(bot).db.reading() as conn:
        anonymous, named = await IncidentRepository(conn).list_by_reporter(reporter_id=701)
    assert anonymous.anonymous and not named.anonymous
    pseudonym = anonymous.reporter_pseudonym
    assert pseudonym and named.reporter_pseudonym is None  # a named report carries none
    # No view a coordinator has shows a named report with a pseudonym.
    rows = await services_of(bot).get(IncidentRules).export_rows(await actor_of(bot, 700))
    assert all(r["reporter_pseudonym"] is None for r in rows if not r["anonymous"])
    before = await reporter_cells(bot, 700)
    assert all(cells[named.id][0] == "Айгүл" for cells in before.values())

    ask = await aigul.say("/deleteme")
    await aigul.press(ask.flat_buttons[0][0], message=ask)
    await unread(boss)

    for fmt, cells in (await reporter_cells(bot, 700)).items():
        # The named report names nobody now; the anonymous one kept its label unchanged, so
        # the moment of erasure shows on the named report only.
        assert cells[named.id][0] == "", fmt
        assert cells[anonymous.id][0] == pseudonym, fmt
        assert pseudonym not in " ".join(cells[named.id]), fmt


async def _add_at_schema_7(conn: Connection, incident: NewIncident) -> int:
    """A report as stored at schema 7: today's repository writes columns added since."""
    values = {k: v for k, v in asdict(incident).items() if k not in ADDED_AFTER_7}
    values["last_update_at"] = incident.received_at
    for key, value in values.items():
        if isinstance(value, datetime):
            values[key] = to_db_time(value)
        elif isinstance(value, date):
            values[key] = value.isoformat()
        elif isinstance(value, bool):
            values[key] = int(value)
    marks = ", ".join("?" for _ in values)
    outcome = await conn.execute(
        f"INSERT INTO incidents ({', '.join(values)}) VALUES ({marks})", tuple(values.values())
    )
    return outcome.lastrowid or 0


ADDED_AFTER_7 = frozenset({"village_code"})  # migration 0011


async def test_migration_unties_named_reports_and_gives_the_erased_a_new_pseudonym(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    async with _connected(path) as conn:
        await apply_migrations(conn, up_to=7)
        await conn.execute("BEGIN")
        await UserRepository(conn).create(
            user_id=1,
            first_name="Kept",
            last_name=None,
            username=None,
            language="ru",
            pseudonym="P-KEPT",
            now=SEED.received_at,
        )
        numbers: dict[str, int] = {}
        for key, reporter_id, pseudonym, anonymous in (
            ("kept_named", 1, "P-KEPT", False),
            ("kept_anon", 1, "P-KEPT", True),
            ("erased_named", None, "P-GONE", False),
            ("erased_anon", None, "P-GONE", True),
            ("erased_anon_2", None, "P-GONE", True),
        ):
            numbers[key] = await _add_at_schema_7(
                conn,
                replace(
                    SEED,
                    draft_id=key,
                    reporter_id=reporter_id,
                    reporter_pseudonym=pseudonym,
                    anonymous=anonymous,
                ),
            )
        await conn.execute("COMMIT")
    db = await Database.open(path)
    try:
        async with db.reading() as conn:
            repo = IncidentRepository(conn)
            found = {k: await repo.get(incident_id=n) for k, n in numbers.items()}
    finally:
        await db.close()
    labels = {k: i.reporter_pseudonym for k, i in found.items() if i is not None}
    assert labels["kept_named"] is None and labels["erased_named"] is None
    assert labels["kept_anon"] == "P-KEPT"  # nobody saw it next to a name
    # The old label was printed next to the erased person's named report: it is replaced,
    # by one new label for all her anonymous reports.
    assert labels["erased_anon"] not in (None, "P-GONE", "P-KEPT")
    assert labels["erased_anon"] == labels["erased_anon_2"]


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
            async with db.reading() as conn:
                rows = await conn.execute_fetchall("PRAGMA secure_delete")
            assert tuple(rows[0]) == (1,), conn_number
        async with db.transaction() as conn:
            rows = await conn.execute_fetchall("PRAGMA secure_delete")
        assert tuple(rows[0]) == (1,)  # the writer
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


# ------------------------------------------------------------------ thin anonymity


async def test_the_only_registered_reporter_of_a_place_is_told_she_can_be_guessed(
    bot: AyilApp, person: PersonFactory
) -> None:
    alone = await reporter(person, 730, "ru", first_name="Гүлзат")
    asked = await fill_visibility(alone)
    assert question("ru", "visibility") in asked.text
    assert "единственный человек в боте, указавший место «Ак-Сай»" in asked.text
    await alone.say("/cancel")
    # A second person registers in Ak-Say: the report no longer points to her alone.
    await reporter(person, 731, "ru", first_name="Бакыт")
    asked = await fill_visibility(alone)
    assert question("ru", "visibility") in asked.text and "⚠️" not in asked.text
    # In Kyrgyz too, for someone alone in another aiyl aimak (Kara-Bak).
    other = person(732, "ky", first_name="Жылдыз")
    await onboard(other, aiyl_aimak="Кара-Бак")
    asked = await fill_visibility(other, place="Кара-Бак", locale="ky")
    assert "жалгыз адам" in asked.text and "«Кара-Бак»" in asked.text


async def fill_visibility(someone: Person, *, place: str = "Ак-Сай", locale: str = "ru") -> Any:
    """/report up to the anonymity question, with every other answer the quickest one."""
    await someone.say("/report")
    await someone.press(label(locale, "🐑 Pasture"))
    await someone.press(label(locale, "Verbal dispute"))
    await someone.press(label(locale, "Today"))
    await someone.press(place)
    await someone.press(button(locale, "Skip"))  # village
    await someone.press(button(locale, "Skip"))  # location
    await someone.press(label(locale, "Yes"))
    await someone.press(label(locale, "Farmers"))
    await someone.press(button(locale, "Skip"))
    await someone.press(label(locale, "Under 10"))
    await someone.press("0")
    await someone.press("0")
    await someone.say("Спор.")
    await someone.press(button(locale, "Done"))
    await someone.press(button(locale, "Skip"))  # photos
    await someone.press(label(locale, "None yet"))
    await someone.press(label(locale, "Still going on"))
    return await someone.press(label(locale, "I saw it myself"))


# ------------------------------------------------------------------ names as written


async def test_names_and_labels_lose_bidi_controls_and_invisible_characters(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    services = services_of(bot)
    # U+202E shows what follows backwards: "Aigul" + RLO + "suomynonA" reads "Aigul Anonymous".
    spoof = server.user(740, "Айгүл\u202e suomynonA", last_name="\u2066Осмонова\u200b\u2069")
    someone = Person(server, spoof)
    await onboard(someone, language="Русский")
    async with services.db.reading() as conn:
        stored = await UserRepository(conn).get(740)
    assert stored is not None
    assert (stored.first_name, stored.last_name) == ("Айгүл suomynonA", "Осмонова")
    # A typed label ("another resource") and a group chat's title, the same.
    await someone.say("/report")
    await someone.press(label("ru", "✏️ Something else"))
    await someone.say("Суу\u200b\u202eканал\u061c")
    draft = await services.get(FormEngine).active(await actor_of(bot, 740))
    assert draft is not None and draft.answers["resource_other"] == "Сууканал"
    boss = await coordinator(bot, person, 741, "ru", "BA")
    await add_group(services.db, creator=741, members=())
    await services.get(GroupRules).request_link(
        await actor_of(bot, 741), chat_id=-100741, chat_title="Ак\u202eСай\ufeff топ"
    )
    await unread(boss)
    async with services.db.reading() as conn:
        rows = await conn.execute_fetchall(
            "SELECT chat_title FROM group_link_requests WHERE chat_id = -100741"
        )
    assert tuple(rows[0]) == ("АкСай топ",)


async def test_old_names_are_cleaned_by_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "names.db"
    async with _connected(path) as conn:
        await apply_migrations(conn, up_to=7)
        await conn.execute("BEGIN")
        await UserRepository(conn).create(
            user_id=1,
            first_name="Ай\u202eгүл\u200d",
            last_name="\u200fОсмонова",
            username=None,
            language="ru",
            pseudonym="P-1",
            now=SEED.received_at,
        )
        await conn.execute("COMMIT")
    db = await Database.open(path)
    try:
        async with db.reading() as conn:
            user = await UserRepository(conn).get(1)
    finally:
        await db.close()
    assert user is not None and (user.first_name, user.last_name) == ("Айгүл", "Осмонова")


@asynccontextmanager
async def _connected(path: Path) -> AsyncIterator[Connection]:
    """A bare connection to an old file, as a migration test needs it."""
    conn = await Connection.open(path, name="test", timeout=5)
    try:
        yield conn
    finally:
        await conn.close()
