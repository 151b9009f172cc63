"""Incident reports end to end through the local Bot API server, in Kyrgyz and Russian."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.config import Settings
from bot.forms.incident import RESPONSES
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.rules.incidents import IncidentRules
from bot.wiring import AyilApp
from storage.incidents import IncidentAttachmentRepository, IncidentUpdateRepository
from tests.conftest import PersonFactory
from tests.harness import running_bot, services_of
from tests.incident_steps import (
    Report,
    actor_of,
    audit_of,
    button,
    coordinator,
    count_reports,
    fill_report,
    finish_report,
    label,
    question,
    reporter,
    stored,
    submit,
    unread,
    update_id_of_press,
    walk_to_description,
)


def today(settings: Settings) -> datetime:
    return datetime.now(settings.zone)


async def test_full_report_in_kyrgyz_alerts_only_the_coordinator_of_the_place(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi, settings: Settings
) -> None:
    aigul = await reporter(person, 301, "ky", first_name="Айгүл")
    batken = await coordinator(bot, person, 401, "ru", "BA-BAT")
    leilek = await coordinator(bot, person, 402, "ky", "BA-LEI")
    day = (today(settings) - timedelta(days=10)).date()
    summary = await fill_report(
        aigul,
        "ky",
        Report(
            day=day.strftime("%d.%m.%Y"),
            precision="Approximately, within a week",
            village="Кара-Суу <Жогорку> & Co",
            location=(39.912345, 70.812345),
            injured="2",
            description="Эки топ <b>жайыт</b> үчүн урушту.",
            voice=True,
            photos=2,
        ),
    )
    assert "Жайыт" in summary.text  # the Kyrgyz label of the resource
    assert "Кара-Суу &lt;Жогорку&gt; &amp; Co" in summary.text
    assert "&lt;b&gt;жайыт&lt;/b&gt;" in summary.text

    receipt = await submit(aigul, "ky")
    assert "№ 1" in receipt.text and "Рахмат" in receipt.text
    incident = await stored(bot, 1)
    assert (incident.admin1, incident.admin2, incident.admin3) == ("BA", "BA-BAT", "BA-BAT-AKS")
    assert (incident.resource, incident.sub_event_type, incident.event_type) == (
        "pasture",
        "physical_clash",
        "riots",
    )
    assert (incident.event_date, incident.date_precision) == (day, 2)
    assert (incident.latitude, incident.longitude, incident.geo_precision) == (
        39.912345,
        70.812345,
        1,
    )
    assert incident.location == "Кара-Суу <Жогорку> & Co"
    assert (incident.actor1, incident.actor1_type, incident.actor2_type) == (
        "Farmers",
        "farmers",
        "cross_border",
    )
    assert (incident.injuries, incident.fatalities, incident.crowd_size) == (2, 0, "10_50")
    assert (incident.border, incident.response, incident.status) == ("yes", "ao_mediation", "open")
    assert (incident.source, incident.source_scale, incident.anonymous) == (
        "witness",
        "local",
        False,
    )
    assert (incident.reporter_id, incident.reporter_role, incident.form_version) == (
        301,
        "leader",
        1,
    )
    assert incident.urgent and incident.review_status == "pending"
    assert incident.notes == "Эки топ <b>жайыт</b> үчүн урушту."
    async with services_of(bot).db.reading() as conn:
        files = await IncidentAttachmentRepository(conn).for_incident(incident_id=1)
    assert [f.type for f in files] == ["voice", "photo", "photo"]
    assert all(f.file_id for f in files)

    alert = await batken.reply()
    assert "Срочно" in alert.text and "№ 1" in alert.text and "Айгүл" in alert.text
    assert alert.flat_buttons == [("🔎 Открыть сообщение", "inc:o:1")]
    await server.wait_idle()
    assert server.drain(leilek.user) == []

    card = await batken.press("🔎 Открыть сообщение")
    assert "Кара-Суу &lt;Жогорку&gt;" in card.text
    assert "39.91" in card.text and "39.912345" not in card.text  # rounded for coordinators
    media = await batken.press("📎 " + button("ru", "Photos and voice"))
    assert "№ 1" in media.text
    kinds = [m.kind for m in await unread(batken)]
    assert kinds == ["voice", "photo", "photo"]


async def test_minimal_report_in_russian_with_skips_and_another_place(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    asel = await reporter(person, 302, "ru", first_name="Асель")
    batken = await coordinator(bot, person, 403, "ky", "BA-BAT")
    await asel.say("/report")
    await asel.press(label("ru", "🌾 Arable land"))
    await asel.press(label("ru", "Tension or complaint"))
    place = await asel.press(label("ru", "Yesterday"))
    assert "Ак-Сай" in asel.labels(place)  # the reporter's own aiyl aimak comes first
    await asel.press(label("ru", "📍 Another place"))
    await asel.press("Баткенская область")
    await asel.press("Лейлекский район")
    await asel.press("Катран")
    await asel.press(button("ru", "Skip"))
    await asel.press(button("ru", "Skip"))
    await asel.press(label("ru", "Don't know"))
    await asel.press(label("ru", "Herders"))
    await asel.press(button("ru", "Skip"))
    await asel.press(label("ru", "Under 10"))
    await asel.press("0")
    await asel.press("0")
    await asel.say("Спорят о границе поля.")
    await asel.press(button("ru", "Done"))
    await asel.press(button("ru", "Skip"))
    await asel.press(label("ru", "None yet"))
    await asel.press(label("ru", "Resolved"))
    await asel.press(label("ru", "I heard it from others"))
    summary = await asel.press(label("ru", "Anonymous"))
    assert "пропущено" in summary.text  # skipped answers say so in the summary
    receipt = await submit(asel, "ru")
    assert "№ 1" in receipt.text and "Спасибо" in receipt.text

    incident = await stored(bot, 1)
    assert (incident.admin2, incident.admin3) == ("BA-LEI", "BA-LEI-KAT")
    assert incident.location is None and incident.latitude is None
    assert (incident.geo_precision, incident.date_precision) == (3, 1)
    assert incident.actor2_type is None and incident.actor2 is None
    assert (incident.status, incident.source, incident.anonymous) == ("resolved", "hearsay", True)
    assert not incident.urgent
    await server.wait_idle()
    assert server.drain(batken.user) == []  # not urgent, and not in this coordinator's scope


async def test_bad_inputs_are_explained_and_the_question_repeated(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi, settings: Settings
) -> None:
    ky = translator("ky")
    aigul = await reporter(person, 303, "ky")
    first = await aigul.say("/report")
    wrong = await aigul.say("суу")
    assert ky.gettext("Please use the buttons below.") in wrong.text
    assert question("ky", "resource") in wrong.text
    await aigul.press(label("ky", "🐑 Pasture"))
    await aigul.press(label("ky", "Verbal dispute"))

    await server.send_sticker(aigul.user)
    sticker = await aigul.reply()
    assert (
        ky.gettext("Please press a button or type the date as dd.mm.yyyy, e.g. 07.03.2026.")
        in sticker.text
    )
    when = question("ky", "event_date")
    assert when in sticker.text
    no_such = await aigul.say("31.02.2026")
    assert ky.gettext("There is no such date. Please check the day and month.") in no_such.text
    future = (today(settings) + timedelta(days=3)).strftime("%d.%m.%Y")
    later = await aigul.say(future)
    assert ky.gettext("That date is in the future. Please give the day it happened.") in later.text
    assert when in later.text

    query = await server.press_button(aigul.user, label("ky", "🌲 Forest"), message=first)
    stale = await server.wait_callback_answer(query)
    assert stale["text"] == ky.gettext("This button is no longer active.")

    await aigul.press(label("ky", "Today"))
    await aigul.press("Ак-Сай")
    await aigul.press(button("ky", "Skip"))
    await aigul.press(button("ky", "Skip"))
    await aigul.press(label("ky", "No"))
    await aigul.press(label("ky", "Farmers"))
    await aigul.press(button("ky", "Skip"))
    await aigul.press(label("ky", "Under 10"))
    await aigul.press("0")
    not_number = await aigul.say("бир")  # text where a number button is expected
    assert ky.gettext("Please type a number, for example 3.") in not_number.text
    assert question("ky", "fatalities") in not_number.text
    described = await aigul.press("0")
    assert question("ky", "description") in described.text
    too_long = await aigul.say("ы" * 3501)
    assert "3\xa0501" in too_long.text and "3\xa0500" in too_long.text  # grouped, as Babel does
    server.advance_clock(30)  # she shortens it (a text within seconds would be its tail)
    await aigul.say("Кыскача баяндама.")
    await aigul.press(button("ky", "Done"))
    for _ in range(5):
        await server.send_photo(aigul.user)
        await aigul.reply()
    await server.send_photo(aigul.user)
    sixth = await aigul.reply()
    assert (
        ky.gettext("That is more than {limit} files; the extra one was not added.", limit=5)
        in sixth.text
    )
    await aigul.press(button("ky", "Done"))
    await aigul.press(label("ky", "None yet"))
    await aigul.press(label("ky", "Still going on"))
    await aigul.press(label("ky", "I saw it myself"))
    await aigul.press(label("ky", "Show my name to coordinators"))
    await submit(aigul, "ky")
    incident = await stored(bot, 1)
    assert (incident.resource, incident.injuries, incident.fatalities) == ("pasture", 0, 0)
    async with services_of(bot).db.reading() as conn:
        files = await IncidentAttachmentRepository(conn).for_incident(incident_id=1)
    assert len(files) == 5


async def test_back_and_change_from_the_summary_in_russian(
    bot: AyilApp, person: PersonFactory
) -> None:
    asel = await reporter(person, 304, "ru")
    await asel.say("/report")
    await asel.press(label("ru", "💧 Water, irrigation"))
    back = await asel.press(button("ru", "Back"))
    assert question("ru", "resource") in back.text
    summary = await fill_report(asel, "ru", Report(resource="🌲 Forest"))
    changed = await asel.press("✏️ " + label("ru", "Resource"))
    assert question("ru", "resource") in changed.text
    await asel.press(label("ru", "✏️ Something else"))
    summary = await asel.say("Орех <лес>")
    assert "Орех &lt;лес&gt;" in summary.text
    assert translator("ru").gettext("Please check your answers:") in summary.text
    back = await asel.press(button("ru", "Back"))
    assert question("ru", "visibility") in back.text
    summary = await asel.press(label("ru", "Anonymous"))
    await submit(asel, "ru")
    incident = await stored(bot, 1)
    assert (incident.resource, incident.resource_other) == ("other", "Орех <лес>")
    assert incident.anonymous


async def test_a_restart_mid_form_resumes_at_the_same_step(
    server: LocalBotApi, settings: Settings, person: PersonFactory
) -> None:
    async with running_bot(settings):
        aigul = await reporter(person, 305, "ky")
        await aigul.say("/report")
        await aigul.press(label("ky", "🐑 Pasture"))
        asked = await aigul.press(label("ky", "Protest or gathering"))
    async with running_bot(settings) as app:
        # A button of the question shown before the restart still answers it.
        place = await aigul.press(label("ky", "Today"), message=asked)
        assert "Ак-Сай" in aigul.labels(place)
        resumed = await aigul.say("/report")
        unfinished = "You have an unfinished form; let us continue where you stopped."
        assert translator("ky").gettext(unfinished) in resumed.text
        assert question("ky", "place") in resumed.text
        async with services_of(app).db.reading() as conn:
            query = "SELECT answers FROM drafts WHERE form_id = 'incident'"
            (row,) = await conn.execute_fetchall(query)
        assert "protest" in row[0]


async def test_a_redelivered_submit_makes_one_report_and_one_alert(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    aigul = await reporter(person, 306, "ky")
    batken = await coordinator(bot, person, 404, "ky", "BA")
    await fill_report(aigul, "ky", Report(dead="1"))
    query = await server.press_button(aigul.user, button("ky", "Submit"))
    receipt = await aigul.reply()
    assert "№ 1" in receipt.text
    await batken.reply()
    server.redeliver(update_id_of_press(server, query))
    await server.wait_idle()
    assert await count_reports(bot) == 1
    assert server.drain(batken.user) == []


async def test_an_anonymous_reporter_is_never_shown_to_coordinators(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi, settings: Settings
) -> None:
    gulnara = await reporter(person, 777001, "ky", first_name="Гүлнара", username="gulnara_ao")
    coordinator_ru = await coordinator(bot, person, 405, "ru", "BA-BAT-AKS")
    admin = await coordinator(bot, person, 9000, "ru", "all")
    await fill_report(
        gulnara,
        "ky",
        Report(visibility="Anonymous", event="Blocking of a road, canal or water intake"),
    )
    await submit(gulnara, "ky")
    alert = await coordinator_ru.reply()
    await coordinator_ru.press("🔎 Открыть сообщение", message=alert)
    await coordinator_ru.say("/review")
    question = await coordinator_ru.press(button("ru", "Ask the reporter"))
    await coordinator_ru.say("Сколько было людей?")
    reply = await gulnara.reply()
    await gulnara.press(button("ky", "Reply"), message=reply)
    await gulnara.say("Жыйырмадай.")
    await coordinator_ru.reply()
    await coordinator_ru.say("/review")
    await server.wait_idle()
    seen = server.events(coordinator_ru.user)
    assert len(seen) >= 6 and question.text
    for message in seen:
        shown = " ".join([message.text, *(data or "" for _, data in message.flat_buttons)])
        for secret in ("Гүлнара", "gulnara_ao", "777001", "P-"):
            assert secret not in shown, (secret, message.text)
    coordinator_actor = await actor_of(bot, 405)
    rows = await services_of(bot).get(IncidentRules).export_rows(coordinator_actor)
    assert rows and all("reporter_id" not in row for row in rows)
    assert "777001" not in repr(rows) and "Гүлнара" not in repr(rows)
    assert rows[0]["reporter_pseudonym"] is None
    # Administrators may see who it was.
    assert "Гүлнара" not in (await admin.reply()).text  # the alert names nobody
    opened = await admin.say("/review")
    assert "Гүлнара" in opened.text
    admin_actor = await actor_of(bot, 9000)
    assert (await services_of(bot).get(IncidentRules).export_rows(admin_actor))[0][
        "reporter_id"
    ] == 777001


async def test_my_reports_keeps_the_history_of_news(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    asel = await reporter(person, 307, "ru")
    await fill_report(asel, "ru", Report(event="Verbal dispute"))
    await submit(asel, "ru")
    listing = await asel.say("/myreports")
    assert "№ 1" in listing.flat_buttons[0][0]
    card = await asel.press(listing.flat_buttons[0][0])
    assert "№ 1" in card.text
    await asel.press("➕ " + button("ru", "Add news"))
    await asel.press(label("ru", "📝 New information"))
    await asel.say("Пришли старейшины.")
    await asel.press(button("ru", "Done"))
    done = await asel.press(button("ru", "Skip"))
    assert "№ 1" in done.text
    await asel.say("/myreports")
    await asel.press(listing.flat_buttons[0][0])
    await asel.press("➕ " + button("ru", "Add news"))
    await asel.press(label("ru", "✅ It is resolved"))
    await asel.press(button("ru", "Skip"))
    await asel.press(button("ru", "Skip"))
    async with services_of(bot).db.reading() as conn:
        updates = await IncidentUpdateRepository(conn).for_incident(incident_id=1)
    assert [(u.kind, u.text, u.status_after) for u in updates] == [
        ("info", "Пришли старейшины.", "open"),
        ("resolved", None, "resolved"),
    ]
    assert (await stored(bot, 1)).status == "resolved"
    assert [(a.action, a.from_value, a.to_value) for a in await audit_of(bot, 1)] == [
        ("status", "open", "resolved")
    ]
    relisted = await asel.say("/myreports")
    assert label("ru", "Resolved") in relisted.flat_buttons[0][0]
    history = await asel.press("№ 1")
    assert "Пришли старейшины." in history.text


async def test_followup_asks_once_and_the_answer_becomes_an_update(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    aigul = await reporter(person, 308, "ky")
    batken = await coordinator(bot, person, 406, "ru", "BA-BAT")
    await fill_report(aigul, "ky", Report(event="Verbal dispute"))
    await submit(aigul, "ky")
    services = services_of(bot)
    now = services.clock.now()
    assert await services.get(IncidentRules).send_followups(now + timedelta(days=6)) == 0
    assert await services.get(IncidentRules).send_followups(now + timedelta(days=8)) == 1
    asked = await aigul.reply()
    assert "№ 1" in asked.text
    assert await services.get(IncidentRules).send_followups(now + timedelta(days=30)) == 0
    worse = label("ky", "⚠️ Got worse")
    query = await server.press_button(aigul.user, worse, message=asked)
    thanks = await aigul.reply()
    assert "№ 1" in thanks.text
    alert = await batken.reply()
    assert "№ 1" in alert.text
    await server.press_button(aigul.user, label("ky", "✅ Resolved"), message=asked)
    again = await aigul.reply()
    assert translator("ky").gettext("Thank you, your answer is already recorded.") in again.text
    assert query
    async with services.db.reading() as conn:
        updates = await IncidentUpdateRepository(conn).for_incident(incident_id=1)
    assert [(u.kind, u.outcome) for u in updates] == [("followup", "worse")]
    assert (await stored(bot, 1)).status == "open"


async def test_my_data_lists_reports_and_erasure_keeps_them_without_the_reporter(
    bot: AyilApp, person: PersonFactory
) -> None:
    asel = await reporter(person, 309, "ru")
    await fill_report(asel, "ru", Report(event="Verbal dispute", voice=True))
    await submit(asel, "ru")
    exported = await asel.say("/mydata")
    assert exported.document is not None
    data = json.loads(exported.document)
    report = data["incidents"]["reports"][0]
    assert (report["id"], report["reporter_id"], report["resource"]) == (1, 309, "pasture")
    assert data["incidents"]["attachments"][0]["type"] == "voice"
    pseudonym = report["reporter_pseudonym"]
    await asel.say("/deleteme")
    await asel.press(button("ru", "Yes, erase me"))
    incident = await stored(bot, 1)
    assert incident.reporter_id is None and incident.reporter_pseudonym == pseudonym
    assert incident.notes == Report().description  # the community's record stays


async def test_a_response_taken_is_kept_in_the_history(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    asel = await reporter(person, 309, "ru")
    await fill_report(asel, "ru", Report(event="Verbal dispute"))
    await submit(asel, "ru")
    listing = await asel.say("/myreports")
    await asel.press(listing.flat_buttons[0][0])
    await asel.press("➕ " + button("ru", "Add news"))
    await asel.press(label("ru", "🤝 A response was taken"))
    chosen = RESPONSES[2]
    await asel.press(label("ru", chosen.label))
    await asel.say("Собрали суд аксакалов <в субботу>.")
    await asel.press(button("ru", "Done"))
    done = await asel.press(button("ru", "Skip"))
    assert "№ 1" in done.text
    async with services_of(bot).db.reading() as conn:
        updates = await IncidentUpdateRepository(conn).for_incident(incident_id=1)
    assert [(u.kind, u.response, u.text) for u in updates] == [
        ("response", chosen.value, "Собрали суд аксакалов <в субботу>.")
    ]
    assert (await stored(bot, 1)).status == "open"
    history = await asel.say("/myreports")
    card = await asel.press(history.flat_buttons[0][0])
    assert "Собрали суд аксакалов &lt;в субботу&gt;." in card.text


async def test_a_text_cut_before_4096_at_a_word_is_refused_with_its_tail(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    """Telegram Desktop cuts a long text at a word or a paragraph, so the first part may be
    shorter than 4,096: still too long here, and its tail a second later is not kept."""
    aigul = await reporter(person, 392, "en", first_name="Aigul")
    await walk_to_description(aigul, "en", Report())
    long_text = "The canal was blocked at dawn. " * 160  # 4,960 characters
    cut = long_text.rfind(" ", 0, 3900) + 1
    await server.send_text(aigul.user, long_text[:cut])
    server.advance_clock(1)
    await server.send_text(aigul.user, long_text[cut:])
    refused = await aigul.reply()
    assert "3,500" in refused.text
    assert await unread(aigul) == []  # the tail is refused quietly, not received
    server.advance_clock(60)
    await aigul.say("Blocked at dawn.")
    await finish_report(aigul, "en", Report(description="Only the first words."))
    await submit(aigul, "en")
    assert (await stored(bot, 1)).notes == "Blocked at dawn.\nOnly the first words."


async def test_a_text_telegram_split_in_two_is_refused_whole_and_can_be_cleared(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    """5,000 characters arrive as 4,096 + 904: neither part is kept; the retype is the answer."""
    aigul = await reporter(person, 391, "en", first_name="Aigul")
    await walk_to_description(aigul, "en", Report())
    long_text = ("The canal was blocked at dawn. " * 170)[:5000]
    await server.send_text(aigul.user, long_text[:4096])
    await server.send_text(aigul.user, long_text[4096:])
    refused = await aigul.reply()
    assert "arrived in parts" in refused.text and "3,500" in refused.text
    assert await unread(aigul) == []  # the second part is not answered again
    server.advance_clock(60)  # she shortens it: a minute later
    shorter = long_text[:3000]
    received = await aigul.say(shorter)
    assert "3,000 characters" in received.text and "arrived in parts" not in received.text
    cleared = await aigul.press("🗑 Clear what was received")
    assert "Received" not in cleared.text
    await aigul.say(shorter)
    await finish_report(aigul, "en", Report(description="Only the first words."))
    await submit(aigul, "en")
    assert (await stored(bot, 1)).notes == shorter + "\nOnly the first words."
