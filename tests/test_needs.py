"""Women's needs end to end: the form, the track, privacy, reminders, programme, results."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from docx import Document

from bot.clock import FrozenClock
from bot.config import Settings
from bot.localapi import BotMessage, LocalBotApi
from bot.rules.needs import NeedRules
from bot.wiring import AyilApp
from storage.base import to_db_time
from storage.needs import ElectionResultRepository, NeedRepository
from storage.users import RoleRepository
from tests.conftest import PersonFactory
from tests.harness import Person, onboard, running_bot, services_of

KY_DONE, KY_SKIP, KY_SUBMIT = "✔️ Даяр", "⏭ Өткөрүп жиберүү", "✅ Жөнөтүү"
RU_DONE, RU_SKIP, RU_SUBMIT = "✔️ Готово", "⏭ Пропустить", "✅ Отправить"
CANDIDATE = 1  # the onboarding role button "Woman candidate or peer-group member"


# ------------------------------------------------------------------------------- helpers


async def make_group(app: AyilApp, name: str, *members: int) -> int:
    """A peer group with members, written directly (group handlers belong to issue #4)."""
    now = to_db_time(datetime.now(UTC))
    async with services_of(app).db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO peer_groups (name, kind, created_at) VALUES (?, 'candidates', ?)",
            (name, now),
        )
        group_id = int(cursor.lastrowid or 0)
        for user_id in members:
            await conn.execute(
                "INSERT INTO group_members (group_id, user_id, joined_at) VALUES (?, ?, ?)",
                (group_id, user_id, now),
            )
    return group_id


async def grant(app: AyilApp, user_id: int, kind: str, value: str = "") -> None:
    """Make someone a coordinator with a scope."""
    async with services_of(app).db.transaction() as conn:
        await RoleRepository(conn).grant(
            user_id=user_id,
            role="coordinator",
            scope_kind=kind,
            scope_value=value,
            granted_by=None,
            now=datetime.now(UTC),
        )


async def add_need(
    app: AyilApp,
    author: int,
    *,
    topic: str = "water",
    women: int = 5,
    text: str = "Ичүүчү суу жок",
    place: str | None = "BA-BAT-AKS",
    heard: str = "meeting",
    proposal: str | None = None,
    now: datetime | None = None,
) -> int:
    """A need written through the repository, for tests that are not about the form."""
    async with services_of(app).db.transaction() as conn:
        return await NeedRepository(conn).create(
            draft_id=f"test-{author}-{text}-{topic}",
            form_version=1,
            author_id=author,
            topic=topic,
            topic_other=None,
            place_code=place,
            village=None,
            heard=heard,
            women=women,
            description=text,
            voice=None,
            photos=[],
            proposal=proposal,
            now=now or datetime.now(UTC),
        )


async def skip_collecting(who: Person, question: BotMessage, skip: str, done: str) -> BotMessage:
    """An optional photo step: Skip where the engine offers it, else Done with nothing."""
    label = skip if any(skip in text for text in who.labels(question)) else done
    return await who.press(label, message=question)


async def forged_press(server: LocalBotApi, who: Person, data: str) -> BotMessage:
    """Press a button carrying `data` that this person was never shown."""
    message = server.last_message(who.user)
    assert message is not None
    await server.press(who.user, message.message_id, data)
    return await who.reply()


async def move(
    who: Person,
    card: BotMessage,
    stage: str,
    *,
    extra: Sequence[str] = (),
    done: str = KY_DONE,
    skip: str = KY_SKIP,
    submit: str = KY_SUBMIT,
    today: str = "Бүгүн",
) -> BotMessage:
    """Record one stage from a need's card: stage button, extra answers, today, no evidence."""
    question = await who.press("📈", message=card)
    answer = await who.press(stage, message=question)
    for item in extra:
        if any(item == text for text in who.labels(answer)):
            answer = await who.press(item, message=answer)
        else:
            answer = await who.say(item)
    answer = await who.press(today, message=answer)
    summary = await skip_collecting(who, answer, skip, done)
    return await who.press(submit, message=summary)


async def test_the_date_question_names_the_stage(bot: AyilApp, person: PersonFactory) -> None:
    """An implemented need is asked when it was implemented, not "when was it decided"."""
    aigul = person(205, "ky", first_name="Айгүл")
    await onboard(aigul, language="Кыргызча", kind_index=CANDIDATE)
    asked = {}
    for stage in ("Ишке ашырылды", "Жергиликтүү планга", "Айыл өкмөтүнө"):
        need = await add_need(bot, 205, text=f"Муктаждык: {stage}")
        card = await aigul.press(f"№ {need}", message=await aigul.say("/myneeds"))
        question = await aigul.press("📈", message=card)
        when = await aigul.press(stage, message=question)
        if stage == "Айыл өкмөтүнө":  # with whom it was raised comes first
            when = await aigul.press("Айыл өкмөтү", message=when)
        asked[stage] = when.text
        await aigul.say("/cancel")
    assert "Бул качан ишке ашырылды?" in asked["Ишке ашырылды"]
    assert "чечилди" not in asked["Ишке ашырылды"]
    assert "Бул качан чечилди?" in asked["Жергиликтүү планга"]
    assert "Муну качан көтөрдүңүз?" in asked["Айыл өкмөтүнө"]
    assert all("(мисалы, 07.03.2026)" in text for text in asked.values())


async def track(app: AyilApp, need_id: int) -> list[tuple[str, int | None, str | None]]:
    async with services_of(app).db.reading() as conn:
        return [
            (s.stage, s.amount_som, s.reason) for s in await NeedRepository(conn).history(need_id)
        ]


# ------------------------------------------------------------------------------- the track


async def test_need_recorded_and_moved_to_implemented_in_kyrgyz(
    bot: AyilApp, person: PersonFactory
) -> None:
    aigul = person(201, "ky", first_name="Айгүл")
    await onboard(aigul, language="Кыргызча", kind_index=CANDIDATE)
    topic = await aigul.say("/need")
    assert "Муктаждык эмнеге тиешелүү?" in topic.text
    place = await aigul.press("Суу жана санитария", message=topic)
    assert aigul.labels(place)[0] == "Ак-Сай"  # her own aiyl aimak comes first
    await aigul.press("Ак-Сай", message=place)
    heard = await aigul.say("Кызыл-Бел")
    women = await aigul.press("Жыйында", message=heard)
    assert "Аны канча аял көтөрдү?" in women.text
    wrong = await aigul.say("көп")
    assert "Сан жазыңыз" in wrong.text  # bad input is explained, the question repeated
    description = await aigul.say("15")
    assert "Муктаждыкты сүрөттөп бериңиз" in description.text
    collected = await aigul.say("Айылда таза ичүүчү суу жок <балдар ооруйт>")
    assert "&lt;балдар ооруйт&gt;" in collected.text
    proposal = await aigul.press(KY_DONE, message=collected)
    assert "сунуштайсыз" in proposal.text
    photo = await aigul.say("Суу түтүгүн тартуу")
    summary = await skip_collecting(aigul, photo, KY_SKIP, KY_DONE)
    assert "Кызыл-Бел" in summary.text and "15" in summary.text
    receipt = await aigul.press(KY_SUBMIT, message=summary)
    assert "сакталды" in receipt.text and "/myneeds" in receipt.text
    # Who will see it, and that sharing shows her name but not her Telegram username.
    assert "анын айыл аймагынын жана топторуңуздун координаторлору гана көрөт" in receipt.text
    assert "Telegram аккаунтуңуздун атын (username) көрүшпөйт" in receipt.text
    async with services_of(bot).db.reading() as conn:
        (need,) = await NeedRepository(conn).by_author(201)
    assert (need.topic, need.place_code, need.village, need.women) == (
        "water",
        "BA-BAT-AKS",
        "Кызыл-Бел",
        15,
    )
    assert (need.heard, need.proposal, need.stage) == ("meeting", "Суу түтүгүн тартуу", "recorded")

    mine = await aigul.say("/myneeds")
    assert "катталды" in mine.text
    card = await aigul.press(f"№ {need.id}", message=mine)
    assert "🔒" in card.text
    await move(aigul, card, "Айыл өкмөтүнө", extra=["Айылдык кеңеш"])
    await move(aigul, card, "Жергиликтүү планга")
    # A budget amount that is not a number is refused and asked again.
    question = await aigul.press("📈", message=card)
    amount = await aigul.press("Бюджет бөлүндү", message=question)
    assert "сом" in amount.text
    again = await aigul.say("жүз миң")
    assert "Сан жазыңыз" in again.text
    when = await aigul.say("150 000")
    evidence = await aigul.press("Бүгүн", message=when)
    assert "Чечимдин сүрөтү" in evidence.text
    await aigul.server.send_photo(aigul.user)
    received = await aigul.reply()
    summary = await aigul.press(KY_DONE, message=received)
    assert "150\xa0000" in summary.text
    await aigul.press(KY_SUBMIT, message=summary)
    done = await move(aigul, card, "Ишке ашырылды")
    assert "ишке ашырылды" in done.text

    assert await track(bot, need.id) == [
        ("raised", None, None),
        ("in_plan", None, None),
        ("budgeted", 150_000, None),
        ("implemented", None, None),
    ]
    async with services_of(bot).db.reading() as conn:
        final = await NeedRepository(conn).get(need.id)
        (raised, *_rest) = await NeedRepository(conn).history(need.id)
    assert final is not None and (final.stage, final.reached, final.amount_som) == (
        "implemented",
        "implemented",
        150_000,
    )
    assert raised.raised_with == "kenesh"
    mine = await aigul.say("/myneeds")
    card = await aigul.press(f"№ {need.id}", message=mine)
    assert "150\xa0000 сом" in card.text and "Айылдык кеңеш" in card.text
    assert not any("📈" in label for label in aigul.labels(card))  # the track is complete
    files = await aigul.press("📎", message=card)
    assert "сүрөттөрү" in files.text
    photo_back = await aigul.reply()
    assert photo_back.kind == "photo"

    # A coordinator of her rayon sees the funnel with the som allocated.
    gulnara = person(202, "ky", first_name="Гүлнара")
    await onboard(gulnara, language="Кыргызча")
    await grant(bot, 202, "place", "BA-BAT")
    overview = await gulnara.say("/needs")
    assert "Көтөрүлдү: 1 → жергиликтүү планда: 1 → бюджет бөлүндү: 1 → ишке ашырылды: 1" in (
        overview.text
    )
    assert "Бөлүнгөн бюджет: 150\xa0000 сом" in overview.text
    assert "Ак-Сай — 1 муктаждык" in overview.text


async def test_declined_need_keeps_its_reason_in_russian(
    bot: AyilApp, person: PersonFactory
) -> None:
    asel = person(211, "ru", first_name="Асель")
    await onboard(asel, language="Русский", kind_index=CANDIDATE)
    topic = await asel.say("/need")
    place = await asel.press("Безопасность", message=topic)
    village = await asel.press("Ак-Татыр", message=place)
    heard = await asel.press(RU_SKIP, message=village)
    count = await asel.press("От одной женщины", message=heard)
    assert "Опишите" in count.text  # one woman: no count asked
    await asel.server.send_voice(asel.user)
    voiced = await asel.reply()
    proposal = await asel.press(RU_DONE, message=voiced)
    photo = await asel.press(RU_SKIP, message=proposal)
    summary = await skip_collecting(asel, photo, RU_SKIP, RU_DONE)
    receipt = await asel.press(RU_SUBMIT, message=summary)
    assert "сохранена" in receipt.text
    async with services_of(bot).db.reading() as conn:
        (need,) = await NeedRepository(conn).by_author(211)
    assert need.women == 1 and need.voice is not None and need.description is None

    mine = await asel.say("/myneeds")
    card = await asel.press(f"№ {need.id}", message=mine)
    question = await asel.press("📈", message=card)
    assert "Потребность № " in question.text and "записана" in question.text
    reason = await asel.press("Отклонена", message=question)
    assert "Почему отклонили?" in reason.text
    when = await asel.say("Нет средств в бюджете <2026>")
    future = await asel.say("01.01.2099")
    assert "⚠️" in future.text  # no future dates
    evidence = await asel.press("Сегодня", message=future)
    summary = await skip_collecting(asel, evidence, RU_SKIP, RU_DONE)
    done = await asel.press(RU_SUBMIT, message=summary)
    assert "отклонена" in done.text and "Когда это решили?" in when.text
    again = await asel.press(RU_SUBMIT, message=summary)  # a second press: one record
    assert again.text == done.text
    assert await track(bot, need.id) == [("declined", None, "Нет средств в бюджете <2026>")]
    mine = await asel.say("/myneeds")
    card = await asel.press(f"№ {need.id}", message=mine)
    assert "Нет средств в бюджете &lt;2026&gt;" in card.text  # escaped before sending
    assert "Этап: <b>отклонена</b>" in card.text
    assert not any("📈" in label for label in asel.labels(card))


async def test_need_not_shared_is_seen_by_no_other_member(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    aigul, bermet = person(221, "ky"), person(222, "ky", first_name="Бермет")
    coordinator, outsider = person(223, "ky"), person(224, "ky")
    for who in (aigul, bermet):
        await onboard(who, language="Кыргызча", kind_index=CANDIDATE)
    for who in (coordinator, outsider):
        await onboard(who, language="Кыргызча")
    group = await make_group(bot, "Ак-Сай аялдары", 221, 222)
    await grant(bot, 223, "group", str(group))
    await grant(bot, 224, "place", "BA-KAD")
    need_id = await add_need(bot, 221, text="Бала бакча жок", topic="school")

    refused = await forged_press(server, bermet, f"nd:v:{need_id}")
    assert "укугуңуз жок" in refused.text
    shared = await bermet.say("/myneeds")
    empty = await bermet.press("Топторумда", message=shared)
    assert "эч ким муктаждык бөлүшө элек" in empty.text
    programme = await bermet.say("/programme")
    assert "азырынча жок" in programme.text
    assert "укугуңуз жок" in (await forged_press(server, outsider, f"nd:v:{need_id}")).text
    seen = await forged_press(server, coordinator, f"nd:v:{need_id}")
    assert "Бала бакча жок" in seen.text  # the coordinator of her group sees it

    mine = await aigul.say("/myneeds")
    card = await aigul.press(f"№ {need_id}", message=mine)
    after = await aigul.press("Тобум менен бөлүшүү", message=card)
    assert "Ак-Сай аялдары" in after.text
    visible = await forged_press(server, bermet, f"nd:v:{need_id}")
    assert "Бала бакча жок" in visible.text and "Айгүл" in visible.text
    listed = await bermet.press("Топторумда", message=await bermet.say("/myneeds"))
    assert f"№ {need_id}" in listed.text

    private = await aigul.press("Бөлүшүүнү токтотуу", message=after)
    assert "🔒" in private.text
    assert "укугуңуз жок" in (await forged_press(server, bermet, f"nd:v:{need_id}")).text
    last = server.last_message(bermet.user)
    assert last is not None
    query = await server.press(bermet.user, last.message_id, "nd:v:99999")
    answer = await server.wait_callback_answer(query)
    assert answer.get("text") == "Бул баскыч мындан ары иштебейт."  # unknown need: answered


async def test_monthly_reminder_is_sent_once_a_month_at_most(
    settings: Settings, person: PersonFactory, server: LocalBotApi
) -> None:
    clock = FrozenClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    aigul = person(231, "ky")
    async with running_bot(settings, clock=clock) as app:
        await onboard(aigul, language="Кыргызча", kind_index=CANDIDATE)
        open_id = await add_need(app, 231, text="Жол бузулган", topic="roads", now=clock.now())
        done_id = await add_need(app, 231, text="Мектеп", topic="school", now=clock.now())
        async with services_of(app).db.transaction() as conn:
            await NeedRepository(conn).set_stage(
                need_ids=[done_id],
                stage="implemented",
                reached="implemented",
                stage_on=date(2026, 3, 1),
                amount_som=None,
                now=clock.now(),
            )
        needs = services_of(app).get(NeedRules)
        assert await needs.send_reminders(clock.now()) == 0  # nothing is a month old yet
        clock.advance(timedelta(days=31))
        assert await needs.send_reminders(clock.now()) == 1
        reminder = await aigul.reply()
        assert "Бир ай өттү" in reminder.text
        assert f"№ {open_id}" in reminder.text and f"№ {done_id}" not in reminder.text
        assert await needs.send_reminders(clock.now()) == 0
        clock.advance(timedelta(days=20))
        assert await needs.send_reminders(clock.now()) == 0
        await server.wait_idle()
        assert server.drain(aigul.user) == []  # the same month: no second reminder
        thanks = await aigul.press("Азырынча өзгөрүү жок", message=reminder)
        assert "Бир айдан кийин" in thanks.text
        clock.advance(timedelta(days=11))
        assert await needs.send_reminders(clock.now()) == 1
        second = await aigul.reply()
        question = await aigul.press("📈", message=second)
        assert "Андан бери эмне болду?" in question.text


async def test_programme_contains_exactly_the_chosen_needs(
    bot: AyilApp, person: PersonFactory
) -> None:
    aigul, bermet = person(241, "ky", first_name="Айгүл"), person(242, "ky", first_name="Бермет")
    for who in (aigul, bermet):
        await onboard(who, language="Кыргызча", kind_index=CANDIDATE)
    group = await make_group(bot, "Топ", 241, 242)
    first = await add_need(bot, 241, text="Ичүүчү суу жок", women=15, proposal="Скважина казуу")
    await add_need(bot, 241, text="Сугат арыгы бузук", women=7, heard="survey")
    school = await add_need(bot, 241, text="Бала бакча жок", topic="school", women=20)
    health = await add_need(bot, 242, text="ФАПта дарыгер жок", topic="health", women=4)
    await add_need(bot, 242, text="Бермет жашыруун", topic="jobs")
    async with services_of(bot).db.transaction() as conn:
        assert await NeedRepository(conn).share(
            need_id=health, group_id=group, now=datetime.now(UTC)
        )

    choose = await aigul.say("/programme")
    labels = aigul.labels(choose)
    assert sum("№" in label for label in labels) == 4  # hers and the one her group shared
    assert not any("жашыруун" in label for label in labels)
    for number in (first, school, health):
        choose = await aigul.press(f"№ {number} ·", message=choose)
    assert sum(label.startswith("✅") for label in aigul.labels(choose)) == 3
    intro = await aigul.press(KY_DONE, message=choose)
    assert "Программаңызды ачуучу" in intro.text
    summary = await aigul.say("Мен Ак-Сайдын аялдары үчүн иштейм.")
    receipt = await aigul.press(KY_SUBMIT, message=summary)
    assert "даяр" in receipt.text
    caption = await aigul.reply()
    assert "3 муктаждык" in caption.text
    files = {m.filename: m.document for m in (await aigul.reply(), await aigul.reply())}
    markdown = (files["programme.md"] or b"").decode()
    assert markdown.count("\n### ") == 3 and "## Менин сунуштарым" in markdown
    assert "### Суу жана санитария" in markdown and "### Бала бакча жана мектеп" in markdown
    assert "### Медициналык пункт (ФАП)" in markdown
    assert "Ичүүчү суу жок" in markdown and "ФАПта дарыгер жок" in markdown
    assert "Сугат арыгы" not in markdown and "жашыруун" not in markdown
    assert "Жыйында 15 аял көтөргөн." in markdown and "Менин сунушум: Скважина казуу" in markdown
    assert "1 муктаждык; аны көтөргөн аялдар: 20." in markdown
    assert "Мен Ак-Сайдын аялдары үчүн иштейм." in markdown
    word = Document(io.BytesIO(files["programme.docx"] or b""))
    paragraphs = [p.text for p in word.paragraphs]
    headings = [p.text for p in word.paragraphs if p.style and p.style.name == "Heading 2"]
    assert headings == ["Суу жана санитария", "Бала бакча жана мектеп", "Медициналык пункт (ФАП)"]
    assert "Бала бакча жок" in paragraphs and "Сугат арыгы бузук" not in paragraphs


async def set_stage(
    app: AyilApp, need_id: int, stage: str, on: date, som: int | None = None
) -> None:
    """Move a need along its track directly (the stage form has tests of its own)."""
    async with services_of(app).db.transaction() as conn:
        await NeedRepository(conn).set_stage(
            need_ids=[need_id],
            stage=stage,
            reached=stage,
            stage_on=on,
            amount_som=som,
            now=datetime.now(UTC),
        )


async def test_programme_states_her_record_apart_from_her_proposals(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    """Needs in the plan, budgeted or implemented are what was achieved, with amounts and dates;
    the others are proposals. Her village is in the byline, not her rayon."""
    asel = Person(server, server.user(261, "Асель", last_name="Ташиева", language_code="ru"))
    zarina = person(262, "ru", first_name="Зарина")
    kinds = await asel.press("Русский", message=await asel.say("/start"))
    oblasts = await asel.press("Кандидатка или участница группы обмена опытом", message=kinds)
    assert "Где вы живёте и выдвигаетесь на выборы?" in oblasts.text  # not "where you work"
    rayons = await asel.press("Баткенская область", message=oblasts)
    aimaks = await asel.press("Баткенский район", message=rayons)
    typed = await asel.press("Другое / нет в списке", message=aimaks)
    privacy = await asel.say("Кара-Булак")
    await asel.press(privacy.flat_buttons[0][0], message=privacy)
    await onboard(zarina, language="Русский", kind_index=CANDIDATE)
    assert "Баткенский район" not in typed.text
    group = await make_group(bot, "Кандидатки Баткена", 261, 262)

    water = await add_need(bot, 261, text="Нет питьевой воды", women=12, heard="meeting")
    await set_stage(bot, water, "implemented", date(2026, 9, 1), som=150_000)
    clinic = await add_need(bot, 261, text="Нет фельдшера", topic="health", women=3)
    await set_stage(bot, clinic, "in_plan", date(2026, 7, 15))
    school = await add_need(
        bot, 261, text="Нет детского сада", topic="school", heard="one", women=1
    )
    await set_stage(bot, school, "raised", date(2026, 6, 2))
    road = await add_need(bot, 261, text="Разбитая дорога", topic="roads", women=5)
    bridge = await add_need(bot, 261, text="Нет моста", topic="roads", women=21, heard="survey")
    lights = await add_need(bot, 262, text="Нет освещения", topic="safety", women=4)
    await set_stage(bot, lights, "budgeted", date(2026, 8, 20), som=40_000)
    async with services_of(bot).db.transaction() as conn:
        await NeedRepository(conn).share(need_id=lights, group_id=group, now=datetime.now(UTC))

    choose = await asel.say("/programme")
    for number in (water, clinic, school, road, bridge, lights):
        choose = await asel.press(f"№ {number} ·", message=choose)
    intro = await asel.press(RU_DONE, message=choose)
    summary = await asel.press(RU_SKIP, message=intro)
    await asel.press(RU_SUBMIT, message=summary)
    caption = await asel.reply()
    assert "6 потребностей" in caption.text
    files = {m.filename: m.document for m in (await asel.reply(), await asel.reply())}
    markdown = (files["programme.md"] or b"").decode()
    record, proposals = markdown.split("## Мои предложения")
    assert "**Асель Ташиева, Кара-Булак**" in record  # her village, not "Баткенский район"
    assert "## Что уже сделано" in record
    assert "- Нет питьевой воды\n  - Выполнена (1 сентября 2026\u202fг.).\n" in record
    assert "  - Бюджет: 150\xa0000 сом.\n  - 12 женщин подняли её на собрании." in record
    assert "  - Включена в местный план (15 июля 2026\u202fг.)." in record
    assert "  - Выделен бюджет: 40\xa0000 сом (20 августа 2026\u202fг.)." in record
    assert "  - Записала участница моей группы обмена опытом." in record
    assert "Нет освещения" in record and "Нет фельдшера" in record
    assert "Предлагаю" not in record and "Нет моста" not in record
    assert "### Дороги и транспорт" in proposals
    assert "_2 потребности; женщин, которые их подняли: 26._" in proposals
    assert "  - 5 женщин подняли её на собрании." in proposals  # lower case, mid-sentence
    assert "  - 21 женщина назвала её в опросе." in proposals
    assert "_1 потребность; женщин, которые её подняли: 1._" in proposals
    assert "  - Об этой потребности сказала одна женщина." in proposals
    assert (
        "  - Уже поднята перед айыл окмоту или айылным кенешем (2 июня 2026\u202fг.)." in proposals
    )
    assert "Нет питьевой воды" not in proposals and "(На собрании)" not in markdown
    word = Document(io.BytesIO(files["programme.docx"] or b""))
    properties = word.core_properties
    assert properties.title == "Предвыборная программа (черновик)"
    assert properties.language == "ru" and properties.author == "Асель Ташиева"
    headings = [p.text for p in word.paragraphs if p.style and p.style.name == "Heading 1"]
    assert headings == ["Что уже сделано", "Мои предложения"]


async def test_election_result_seen_by_coordinator_and_not_by_peers(
    bot: AyilApp, person: PersonFactory
) -> None:
    asel, dinara = person(251, "ru", first_name="Асель"), person(252, "ru", first_name="Динара")
    coordinator = person(253, "ru")
    for who in (asel, dinara):
        await onboard(who, language="Русский", kind_index=CANDIDATE)
    await onboard(coordinator, language="Русский")
    group = await make_group(bot, "Кандидатки", 251, 252)
    await grant(bot, 253, "group", str(group))
    # A candidate outside the coordinator's scope does not count in her "N of M".
    async with services_of(bot).db.transaction() as conn:
        await conn.execute(
            "INSERT INTO users (id, language, pseudonym, created_at, updated_at)"
            " VALUES (254, 'ru', 'P-OUT', '2026-01-01', '2026-01-01')"
        )
        await ElectionResultRepository(conn).create(
            draft_id="out",
            user_id=254,
            outcome="not_elected",
            election_on=date(2026, 4, 11),
            place_code="BA-KAD-AIR",
            now=datetime.now(UTC),
        )

    outcome = await asel.say("/election")
    assert "Ответ видят только координаторы" in outcome.text
    when = await asel.press("Баллотировалась и избрана", message=outcome)
    summary = await asel.press("Сегодня", message=when)
    receipt = await asel.press(RU_SUBMIT, message=summary)
    assert "видят только координаторы" in receipt.text

    refused = await dinara.say("/results")
    assert "нет прав" in refused.text
    results = await coordinator.say("/results")
    assert "Избрано 1 из 1 кандидатки" in results.text
    assert "Асель" in results.text and "Баллотировалась и избрана" in results.text
    overview = await coordinator.say("/needs")
    assert "Избрано 1 из 1 кандидатки" in overview.text


async def test_mydata_and_deleteme_cover_needs(bot: AyilApp, person: PersonFactory) -> None:
    aigul = person(261, "ky")
    await onboard(aigul, language="Кыргызча", kind_index=CANDIDATE)
    await add_need(bot, 261, text="Жол керек")
    mydata = await aigul.say("/mydata")
    export = json.loads(mydata.document or b"{}")
    assert export["needs"]["needs"][0]["description"] == "Жол керек"
    ask = await aigul.say("/deleteme")
    await aigul.press(ask.flat_buttons[0][0], message=ask)
    async with services_of(bot).db.reading() as conn:
        assert await NeedRepository(conn).by_author(261) == []
