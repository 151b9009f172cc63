"""The reporters' safety: clean logs, a complete /deleteme, media retention, safe exports."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.config import Settings
from bot.i18n import translator
from bot.localapi import BotMessage, LocalBotApi
from bot.records.practices import PracticeFile
from bot.rules.media import purge_old_media
from bot.wiring import AyilApp
from storage.audit import AuditRepository
from storage.db import Database
from storage.incidents import IncidentAttachmentRepository, IncidentRepository
from storage.needs import NeedRepository
from storage.practices import PracticeRepository
from tests.conftest import PersonFactory
from tests.coordinator_steps import (
    T0,
    add_group,
    add_incident,
    add_need,
    add_person,
    add_practice,
    add_update,
    grant,
    scan_text,
)
from tests.harness import TOKEN, Person, services_of
from tests.incident_steps import Report, fill_report, reporter, submit
from tests.practice_steps import CANDIDATE, Share, button, fill_practice, member

REPORT_TEXT = "Сырдуу-окуя: канал боюнча уруш Кара-Суу"
PRACTICE_TEXT = "Сырдуу-тажрыйба: аксакалдар жолугушуусу"
VILLAGE = "Жашыруун-Айыл"


def log_lines(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as it would be written, tracebacks included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records)


async def coordinator_of(bot: AyilApp, person: PersonFactory, user_id: int, scope: str) -> Person:
    boss = await member(person, user_id, "ru", first_name="Coordinator")
    await grant(services_of(bot).db, user_id, "place", scope)
    return boss


async def download(server: LocalBotApi, someone: Person) -> tuple[BotMessage, bytes]:
    """The next document the bot sent the person, with its bytes."""
    message = await someone.reply()
    document = message.raw["document"]
    return message, server.file_bytes(document["file_id"])


async def export_through_buttons(someone: Person, fmt: str) -> tuple[BotMessage, bytes]:
    """/export: incident reports, a format, all time, the whole area."""
    tr = translator("ru")
    await someone.say("/export")
    await someone.press(tr.label("📝 Incident reports"))
    await someone.press(tr.label(fmt))
    await someone.press(tr.label("All time"))
    await someone.press("🗺 " + tr.label("Whole area"))
    return await download(someone.server, someone)


async def test_logs_never_hold_report_or_practice_text_names_or_tokens(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("bot", "handlers", "storage"):
        caplog.set_level(logging.DEBUG, logger=name)
    boss = await coordinator_of(bot, person, 900, "BA-BAT")
    away = await coordinator_of(bot, person, 903, "BA")
    server.block(away.user)  # the alert to this one fails, and that is logged
    leader = await reporter(person, 901, "ky", first_name="Секретбек", username="secretbek_ao")
    report = Report(
        description=REPORT_TEXT,
        village=VILLAGE,
        location=(39.912345, 70.812345),
        voice=True,
        photos=1,
        visibility="Anonymous",
    )
    await fill_report(leader, "ky", report)
    await submit(leader, "ky")
    author = await member(person, 902, "ru", first_name="Тайнагүл", username="tainagul_k")
    summary = await fill_practice(
        author, "ru", Share(title=PRACTICE_TEXT, situation=PRACTICE_TEXT)
    )
    await author.press(button("ru", "Submit"), message=summary)
    await server.wait_idle()
    server.drain(boss.user)  # the urgent alert
    review = await boss.say("/review")
    await boss.press(button("ru", "Verify"), message=review)
    await boss.say("/stats")
    await export_through_buttons(boss, "XLSX (Excel)")
    await leader.say("/mydata")
    # A failure while the report's own card is sent: the error handler logs a traceback.
    await server.wait_idle()
    server.drain(leader.user)
    reports = await leader.say("/myreports")
    server.inject_fault("sendMessage", kind="500")
    await leader.press(reports.flat_buttons[0][0], message=reports)
    await server.wait_idle()
    logged = log_lines(caplog)
    # The flows did log: an undelivered alert, an export, a failed update with its traceback.
    assert "blocked the bot" in logged and "export of incidents" in logged
    assert "Traceback" in logged
    for secret in (
        REPORT_TEXT,
        PRACTICE_TEXT,
        VILLAGE,
        "Секретбек",
        "secretbek_ao",
        "Тайнагүл",
        "tainagul_k",
        TOKEN,
        TOKEN.split(":")[1],
    ):
        assert secret not in logged, secret


async def test_deleteme_leaves_no_personal_data_in_any_table(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory, settings: Settings
) -> None:
    services = services_of(bot)
    db = services.db
    boss = await coordinator_of(bot, person, 910, "BA")
    nazgul = await member(
        person, 777123, "ru", kind=CANDIDATE, first_name="Назгүл", username="nazgul_safe"
    )
    # She reports an incident (and adds news), and the coordinator asks her about it.
    await fill_report(nazgul, "ru", Report(description="Спор у канала", voice=True))
    await submit(nazgul, "ru")
    async with db.reading() as conn:
        (incident,) = await IncidentRepository(conn).list_by_reporter(reporter_id=777123)
    await add_update(db, incident.id, author_id=777123, text="Стало тише")
    await add_update(db, incident.id, author_id=910, kind="question", role="coordinator")
    # She shares a practice, which is published, and asks about another one.
    summary = await fill_practice(nazgul, "ru", Share(photos=1, plan="No"))
    await nazgul.press(button("ru", "Submit"), message=summary)
    other = await add_practice(db, author_id=910, title="Other practice")
    async with db.transaction() as conn:
        practices = PracticeRepository(conn)
        (mine,) = await practices.by_author(777123, limit=5)
        await practices.set_status(
            practice_id=mine.id,
            from_status="pending",
            to_status="approved",
            note=None,
            reviewed_by=910,
            now=T0,
        )
        await practices.add_question(
            draft_id="asked",
            practice_id=other,
            asker_id=777123,
            question="Как вы начали?",
            asker_shares=True,
            now=T0,
        )
        await practices.mark_helpful(practice_id=mine.id, user_id=910, now=T0)
    # She records a need and joins a peer group by its link.
    await add_need(db, author_id=777123, voice=True, photos=1)
    _, code = await add_group(db, creator=910, members=())
    invitation = await nazgul.say(f"/start g_{code}")
    await nazgul.press("✅ " + button("ru", "Join"), message=invitation)
    await boss.say("/stats")
    assert incident.reporter_pseudonym is None  # a named report carries no pseudonym
    assert scan_text(settings.db_path, ("Назгүл", "nazgul_safe", "777123"))

    ask = await nazgul.say("/deleteme")
    assert "остаются" in ask.text or "останутся" in ask.text
    await nazgul.press(ask.flat_buttons[0][0], message=ask)
    await server.wait_idle()

    leaks = scan_text(settings.db_path, ("Назгүл", "nazgul_safe", "777123"))
    assert leaks == []
    async with db.reading() as conn:
        kept = await IncidentRepository(conn).get(incident_id=incident.id)
        practice = await PracticeRepository(conn).get(mine.id)
        assert await NeedRepository(conn).by_author(777123) == []
    # The community's record stays: the report without her id, the published practice without her.
    assert kept is not None and kept.reporter_id is None and kept.reporter_pseudonym is None
    assert kept.notes == "Спор у канала"
    assert practice is not None and practice.author_id is None and practice.status == "approved"


async def test_retention_removes_only_old_photo_and_voice_file_ids(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "retention.db")
    try:
        await add_person(db, 1, "Айгүл")
        old, new = T0 - timedelta(days=40), T0 - timedelta(days=5)
        old_report = await add_incident(
            db, reporter_id=1, received_at=old, photos=2, voice=True, notes="Old text"
        )
        new_report = await add_incident(db, reporter_id=1, received_at=new, photos=1)
        # A recent update's photo on an old report is as young as the update.
        update = await add_update(db, old_report, author_id=1, at=new)
        async with db.transaction() as conn:
            await IncidentAttachmentRepository(conn).add(
                incident_id=old_report,
                update_id=update,
                files=[{"type": "photo", "file_id": "UPDATE-PHOTO"}],
            )
        old_practice = await add_practice(db, author_id=1, now=old)
        async with db.transaction() as conn:
            await PracticeRepository(conn).set_attachments(
                practice_id=old_practice,
                # A scanned budget decision is evidence, not a photo of a person: it stays.
                files=[PracticeFile("photo", "OLD-PHOTO"), PracticeFile("document", "OLD-DOC")],
            )
        new_practice = await add_practice(db, author_id=1, photos=1, now=new)
        old_need = await add_need(db, author_id=1, photos=2, voice=True, now=old)
        new_need = await add_need(db, author_id=1, photos=1, voice=True, now=new)
        async with db.transaction() as conn:
            await NeedRepository(conn).add_stage(
                need_id=old_need,
                draft_id="stage",
                stage="raised",
                from_stage="recorded",
                happened_on=old.date(),
                raised_with="okmotu",
                amount_som=None,
                reason=None,
                evidence=[
                    {"type": "photo", "file_id": "EVIDENCE-PHOTO"},
                    {"type": "document", "file_id": "EVIDENCE-DOC"},
                ],
                recorded_by=1,
                now=old,
            )

        assert (await purge_old_media(db, now=T0, days=0)).total == 0  # off by default
        purged = await purge_old_media(db, now=T0, days=30)
        assert (purged.incident_files, purged.practice_files) == (3, 1)
        assert (purged.need_files, purged.need_evidence) == (3, 1)
        assert (await purge_old_media(db, now=T0, days=30)).total == 0

        async with db.reading() as conn:
            files = [
                tuple(r)
                for r in await conn.execute_fetchall(
                    "SELECT incident_id, file_id FROM incident_attachments ORDER BY id"
                )
            ]
            assert files == [(new_report, f"PHOTO-{new_report}-0"), (old_report, "UPDATE-PHOTO")]
            practices = PracticeRepository(conn)
            assert [f.kind for f in await practices.attachments(old_practice)] == ["document"]
            assert [f.kind for f in await practices.attachments(new_practice)] == ["photo"]
            needs = NeedRepository(conn)
            gone, kept = await needs.get(old_need), await needs.get(new_need)
            assert gone is not None and gone.voice is None and gone.photos == ()
            assert gone.description == "The school has no water."  # the text stays
            assert kept is not None and kept.voice is not None and len(kept.photos) == 1
            (stage,) = await needs.history(old_need)
            assert [e["file_id"] for e in stage.evidence] == ["EVIDENCE-DOC"]
            report = await IncidentRepository(conn).get(incident_id=old_report)
            assert report is not None and report.notes == "Old text"
            (entry,) = await AuditRepository(conn).for_entity(
                entity="media", entity_id="retention"
            )
            assert entry.to_value == "8" and entry.actor_id is None
    finally:
        await db.close()


async def test_exports_from_the_bot_open_and_hide_the_anonymous_reporter(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    assert bot.job_queue is not None and bot.job_queue.get_jobs_by_name("media-retention")
    boss = await coordinator_of(bot, person, 920, "BA-BAT")
    outsider = await coordinator_of(bot, person, 921, "CH")
    hidden = await reporter(person, 922, "ky", first_name="Гүлнара", username="gulnara_ao")
    named = await reporter(person, 923, "ru", first_name="Асель")
    for someone, locale, visibility, pin in (
        (hidden, "ky", "Anonymous", (39.912345, 70.812345)),
        (hidden, "ky", "Anonymous", None),
        (named, "ru", "Show my name to coordinators", (39.95, 70.85)),
    ):
        await fill_report(someone, locale, Report(visibility=visibility, location=pin))
        await submit(someone, locale)
    await server.wait_idle()
    for someone in (boss, outsider):
        server.drain(someone.user)

    message, data = await export_through_buttons(boss, "XLSX (Excel)")
    assert message.raw["document"]["file_name"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(data))
    # In the reader's language, with the columns' codes on the last sheet.
    assert book.sheetnames == ["Сообщения", "Обновления", "Вложения", "Коды столбцов"]
    header, *rows = list(book["Сообщения"].iter_rows(values_only=True))
    assert len(rows) == 3
    reporters = [str(r[header.index("Автор сообщения")]) for r in rows]
    anonymous = [r for r in reporters if r != "Асель"]
    assert len(anonymous) == 2 and anonymous[0] == anonymous[1] and anonymous[0].startswith("P-")
    everything = repr([list(s.iter_rows(values_only=True)) for s in book])
    for secret in ("Гүлнара", "gulnara_ao", "922"):
        assert secret not in everything

    _, geo = await export_through_buttons(boss, "GeoJSON (map)")
    features = json.loads(geo)["features"]
    assert len(features) == 3  # the report without a pin is at its aiyl aimak's centre
    points = sorted(tuple(f["geometry"]["coordinates"]) for f in features)
    assert points == [(70.52, 39.87), (70.81, 39.91), (70.85, 39.95)]
    assert not any(s in geo.decode() for s in ("Гүлнара", "gulnara_ao", "922"))

    # A coordinator of another region gets a file, with nothing from Batken in it.
    _, elsewhere = await export_through_buttons(outsider, "XLSX (Excel)")
    assert len(list(load_workbook(io.BytesIO(elsewhere)).worksheets[0].iter_rows())) == 1


async def test_buttons_pressed_in_a_group_chat_post_nothing_there(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    """A forged private button pressed inside a group answers "no longer active" and no more."""
    boss = await coordinator_of(bot, person, 620, "BA-BAT")
    db = services_of(bot).db
    number = await add_incident(db, reporter_id=None, notes=REPORT_TEXT)
    group = server.group(-1006200, "Ak-Say leaders")
    await server.add_member(group, boss.user)
    await server.send_text(boss.user, "/help", chat=group)
    intro = await server.next_message(group)  # "forms are filled in a private chat"
    for forged in (f"inc:o:{number}", "exp:r:i:c:a:-", "m:stats"):
        query = await server.press(boss.user, intro.message_id, forged, chat=group)
        answer = await server.wait_callback_answer(query)
        assert answer.get("text") == translator("ru").gettext("This button is no longer active.")
    await server.wait_idle()
    assert [m.message_id for m in server.messages(group)] == [intro.message_id]
