"""Review of incident reports by coordinators, end to end: decisions, audit, relays, scope."""

from __future__ import annotations

from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.wiring import AyilApp
from storage.incidents import IncidentUpdateRepository
from tests.conftest import PersonFactory
from tests.harness import services_of
from tests.incident_steps import (
    Report,
    audit_of,
    button,
    coordinator,
    fill_report,
    label,
    reporter,
    seed,
    stored,
    submit,
    unread,
)


async def test_verify_and_reject_are_audited_and_told_to_the_reporter(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    aigul = await reporter(person, 311, "ky")
    first = await seed(bot, reporter_id=311, resource="water")
    second = await seed(bot, reporter_id=311, resource="forest")
    reviewer = await coordinator(bot, person, 411, "ru", "BA-BAT")

    card = await reviewer.say("/review")
    assert "2 сообщения ждут проверки" in card.text
    assert f"Сообщение № {first}" in card.text
    verify = "✅ " + button("ru", "Verify")
    done = await reviewer.press(verify)
    assert f"Сообщение № {first}: ✅ Подтверждено" in done.text
    notice = await aigul.reply()
    assert f"№ {first} билдирүүңүздү координатор текшерип, ырастады" in notice.text
    entries = await audit_of(bot, first)
    assert [(e.actor_id, e.action, e.from_value, e.to_value) for e in entries] == [
        (411, "review", "pending", "verified")
    ]
    again = await reviewer.press(verify, message=card)  # the old card's button
    assert "уже проверено" in again.text
    assert len(await audit_of(bot, first)) == 1

    card = await reviewer.press("⏭ " + button("ru", "Next report"))
    assert "1 сообщение ждёт проверки" in card.text and f"№ {second}" in card.text
    await reviewer.press("✖️ " + button("ru", "Reject"))
    receipt = await reviewer.press(label("ru", "Too little information"))
    assert f"Сообщение № {second} отмечено" in receipt.text
    notice = await aigul.reply()
    assert f"№ {second} билдирүүңүз кабыл алынган жок" in notice.text
    assert "Маалымат өтө аз" in notice.text
    entries = await audit_of(bot, second)
    assert [(e.to_value, e.reason) for e in entries] == [("rejected", "unclear")]
    assert (await stored(bot, second)).review_status == "rejected"
    empty = await reviewer.say("/review")
    assert empty.text == translator("ru").gettext(
        "No reports in your area wait for review. Thank you!"
    )


async def test_a_rejection_reason_typed_by_the_coordinator_reaches_the_reporter(
    bot: AyilApp, person: PersonFactory
) -> None:
    asel = await reporter(person, 312, "ru")
    number = await seed(bot, reporter_id=312)
    reviewer = await coordinator(bot, person, 412, "ky", "BA")
    await reviewer.say("/review")
    await reviewer.press("✖️ " + button("ky", "Reject"))
    await reviewer.press(label("ky", "✏️ Another reason"))
    await reviewer.say("Бул окуя <2019-жылы> болгон")
    notice = await asel.reply()
    assert "Причина: Бул окуя &lt;2019-жылы&gt; болгон" in notice.text
    entries = await audit_of(bot, number)
    assert entries[0].reason == "other:Бул окуя <2019-жылы> болгон"


async def test_a_question_is_relayed_to_the_reporter_and_the_answer_back(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    aigul = await reporter(person, 313, "ky")
    number = await seed(bot, reporter_id=313)
    reviewer = await coordinator(bot, person, 413, "ru", "BA-BAT-AKS")
    await reviewer.say("/review")
    await reviewer.press("❓ " + button("ru", "Ask the reporter"))
    sent = await reviewer.say("Сколько <человек> было?")
    assert f"автору сообщения № {number}" in sent.text
    asked = await aigul.reply()
    assert "Сколько &lt;человек&gt; было?" in asked.text
    assert f"№ {number} билдирүүңүз боюнча сурап жатат" in asked.text
    assert (await stored(bot, number)).review_status == "question"

    prompt = await aigul.press("✍️ " + button("ky", "Reply"))
    assert "Сколько &lt;человек&gt; было?" in prompt.text
    thanks = await aigul.say("Жыйырмадай адам.")
    assert thanks.text == translator("ky").gettext(
        "Thank you! Your answer is sent to the coordinator."
    )
    answer = await reviewer.reply()
    assert "Жыйырмадай адам." in answer.text and "Сколько &lt;человек&gt; было?" in answer.text
    assert answer.flat_buttons == [("🔎 Открыть сообщение", f"inc:o:{number}")]

    async with services_of(bot).db.reading() as conn:
        history = await IncidentUpdateRepository(conn).for_incident(incident_id=number)
    assert [(u.kind, u.author_id, u.text) for u in history] == [
        ("question", 413, "Сколько <человек> было?"),
        ("answer", 313, "Жыйырмадай адам."),
    ]
    assert history[1].reply_to == history[0].id
    assert (await stored(bot, number)).review_status == "pending"
    assert [(e.from_value, e.to_value) for e in await audit_of(bot, number)] == [
        ("pending", "question"),
        ("question", "pending"),
    ]
    query = await server.press_button(aigul.user, "✍️ " + button("ky", "Reply"), message=asked)
    stale = await server.wait_callback_answer(query)
    assert stale["text"] == translator("ky").gettext("This button is no longer active.")
    card = await reviewer.press("🔎 Открыть сообщение")
    assert "Жыйырмадай адам." in card.text  # the history shows both


async def test_a_possible_duplicate_is_flagged_and_can_be_joined(
    bot: AyilApp, person: PersonFactory
) -> None:
    aigul = await reporter(person, 314, "ky")
    original = await seed(bot, reporter_id=99, resource="water")
    await seed(bot, reporter_id=99, resource="water", admin3="BA-BAT-DAR")
    reviewer = await coordinator(bot, person, 414, "ru", "BA-BAT")
    await fill_report(aigul, "ky", Report(resource="💧 Water, irrigation", event="Verbal dispute"))
    receipt = await submit(aigul, "ky")
    assert "№ 3" in receipt.text
    assert (await stored(bot, 3)).possible_duplicate_of == original
    assert (await stored(bot, 2)).possible_duplicate_of is None  # another aiyl aimak

    await reviewer.say("/review")
    await reviewer.press("⏭ " + button("ru", "Next report"))
    card = await reviewer.press("⏭ " + button("ru", "Next report"))
    assert "Сообщение № 3" in card.text
    assert f"Возможно, повтор сообщения № {original}" in card.text
    done = await reviewer.press(f"🔁 Повтор № {original}")
    assert f"🔁 Повтор сообщения № {original}" in done.text
    notice = await aigul.reply()
    assert f"№ {original} билдирүү менен бир эле окуяны" in notice.text
    incident = await stored(bot, 3)
    assert (incident.review_status, incident.duplicate_of) == ("duplicate", original)
    entries = await audit_of(bot, 3)
    assert [(e.to_value, e.reason) for e in entries] == [("duplicate", f"duplicate_of:{original}")]


async def test_duplicate_of_a_typed_number_refuses_numbers_that_cannot_be(
    bot: AyilApp, person: PersonFactory
) -> None:
    first = await seed(bot, reporter_id=99)
    second = await seed(bot, reporter_id=99, resource="forest")
    reviewer = await coordinator(bot, person, 415, "ky", "all")
    await reviewer.say("/review")
    await reviewer.press("⏭ " + button("ky", "Next report"))
    asked = await reviewer.press("🔁 " + button("ky", "Duplicate of…"))
    assert f"№ {second}" in asked.text
    unknown = await reviewer.say("999")
    assert "№ 999 билдирүү жок" in unknown.text and f"№ {second} билдирүү кайсы" in unknown.text
    itself = await reviewer.say(str(second))
    assert "өзүн-өзү кайталай албайт" in itself.text
    await reviewer.say(str(first))
    incident = await stored(bot, second)
    assert (incident.review_status, incident.duplicate_of) == ("duplicate", first)


async def test_a_report_out_of_scope_is_answered_exactly_as_a_missing_one(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    number = await seed(bot, reporter_id=99)
    leilek = await coordinator(bot, person, 416, "ru", "BA-LEI")
    aigul = await reporter(person, 316, "ky")
    empty = await leilek.say("/review")
    assert "нет сообщений" in empty.text
    where = server.last_message(leilek.user)
    assert where is not None
    stale = {"text": translator("ru").gettext("This button is no longer active.")}
    for action in ("o", "v", "q", "d", "r", "p", "D:{n}:1"):
        answers = []
        # Batken's report, then a number that names no report: one answer for both.
        for n in (number, 9999):
            data = f"inc:{action.format(n=n)}" if "{" in action else f"inc:{action}:{n}"
            query = await server.press(leilek.user, where.message_id, data)
            answer = await server.wait_callback_answer(query)
            answers.append({k: v for k, v in answer.items() if k != "callback_query_id"})
        assert answers == [stale, stale], action
    assert await unread(leilek) == []
    assert (await stored(bot, number)).review_status == "pending"
    assert await audit_of(bot, number) == []
    refused = await aigul.say("/review")  # a reporter is no coordinator
    assert refused.text == translator("ky").gettext("Sorry, you do not have permission for this.")


async def test_a_duplicate_cannot_point_at_another_regions_report(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    chui = await coordinator(bot, person, 417, "en", "CH")
    mine = await seed(bot, reporter_id=99, admin1="CH", admin2=None, admin3=None)
    batken = await seed(bot, reporter_id=99)
    card = await chui.say("/review")
    assert f"Report № {mine}" in card.text
    # A forged "Duplicate of" button naming Batken's report is a button that names no report.
    answers = []
    for original in (batken, 9999):
        query = await server.press(chui.user, card.message_id, f"inc:D:{mine}:{original}")
        answer = await server.wait_callback_answer(query)
        answers.append({k: v for k, v in answer.items() if k != "callback_query_id"})
    assert answers == [{"text": "This button is no longer active."}] * 2
    assert await unread(chui) == []
    # Typed in the form, Batken's number gets the words a number that names no report gets.
    await chui.press("🔁 " + button("en", "Duplicate of…"), message=card)
    other = await chui.say(str(batken))
    missing = await chui.say("9999")
    assert other.text.replace(f"№ {batken}", "№ N") == missing.text.replace("№ 9999", "№ N")
    assert f"There is no report № {batken}." in other.text
    mine_now = await stored(bot, mine)
    assert (mine_now.review_status, mine_now.duplicate_of) == ("pending", None)
    assert await audit_of(bot, mine) == [] and await audit_of(bot, batken) == []
