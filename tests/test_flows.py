"""Rough edges people hit (issue #17, "Flows"): each screen as a leader, a candidate or a
coordinator sees it, end to end through the local Bot API server."""

from __future__ import annotations

import io

from docx import Document

from bot.wiring import AyilApp
from tests.conftest import PersonFactory
from tests.harness import Person, services_of
from tests.practice_steps import CANDIDATE, button, coordinator, label, member, seed_practice
from tests.test_needs import add_need, make_group


async def start_as(who: Person, language: str, kind: str) -> str:
    """/start, the language, the role: the text of the question that follows."""
    kinds = await who.press(language, message=await who.say("/start"))
    return (await who.press(kind, message=kinds)).text


async def test_the_place_question_fits_the_role(bot: AyilApp, person: PersonFactory) -> None:
    """A leader is asked where she works; a candidate where she lives and stands for election."""
    leader = await start_as(
        person(501, "ky"), "Кыргызча", label("ky", "Village leader or ayil okmotu staff")
    )
    assert "Кайсы жерде иштейсиз? Облусту тандаңыз." in leader
    candidate = await start_as(
        person(502, "ky"), "Кыргызча", label("ky", "Woman candidate or peer-group member")
    )
    assert "Кайсы жерде жашайсыз жана шайлоого талапкер болосуз?" in candidate
    assert "иштейсиз" not in candidate
    other = await start_as(person(503, "ru"), "Русский", label("ru", "Other community member"))
    assert "Где вы живёте? Выберите область." in other


async def test_a_coordinator_in_no_group_sees_the_groups_she_manages(
    bot: AyilApp, person: PersonFactory
) -> None:
    """/groups does not tell a coordinator to wait for an invitation: it lists her groups."""
    boss = await coordinator(bot, person, 421, "ru")
    await boss.say("/newgroup")
    await boss.say("Кандидатки Лейлека")
    await boss.press(label("ru", "Women candidates"))
    await boss.press("Баткенская область")
    await boss.press("Лейлекский район")
    summary = await boss.press("Русский")
    await boss.press(button("ru", "Submit"), message=summary)
    listing = await boss.say("/groups")
    assert "Группы, которыми вы управляете:" in listing.text
    assert boss.labels(listing)[0] == "⚙️ Кандидатки Лейлека"
    assert "не состоите" not in listing.text and "ссылку-приглашение" not in listing.text
    # A coordinator with no group yet is told so, not to wait for a link either.
    fresh = await coordinator(bot, person, 423, "ky")
    empty = await fresh.say("/groups")
    assert "ссылка" not in empty.text and "шилтеме" not in empty.text
    assert empty.text.count("\n") == 1  # the heading, then "you manage no groups yet"
    # A member in no group still learns how to join one.
    peer = await member(person, 422, "ru")
    alone = await peer.say("/groups")
    assert "Вы пока не состоите ни в одной группе" in alone.text


async def test_a_shared_need_shows_members_her_name_and_never_her_username(
    bot: AyilApp, person: PersonFactory
) -> None:
    """Members see who raised a need by name; her @username is for coordinators who cover it."""
    aigul = await member(person, 511, "ky", kind=CANDIDATE, username="aigul_b")
    bermet = await member(person, 512, "ky", kind=CANDIDATE, first_name="Бермет")
    boss = await coordinator(bot, person, 513, "ky")
    await make_group(bot, "Ак-Сай талапкерлери", 511, 512)
    need = await add_need(bot, 511, text="Бала бакча жок")

    card = await aigul.press(f"№ {need}", message=await aigul.say("/myneeds"))
    assert "username" not in card.text  # not shared yet: no one but coordinators sees it
    shared = await aigul.press("👥 Тобум менен бөлүшүү", message=card)
    assert "👥 Бөлүшүлгөн топтор: Ак-Сай талапкерлери" in shared.text
    assert (
        "Топтун мүчөлөрү аны Сиздин атыңыз менен көрөт, Telegram аккаунтуңуздун атын "
        "(username) көрүшпөйт." in shared.text
    )

    theirs = await bermet.press(
        "👥 Топторумда бөлүшүлгөндөр", message=await bermet.say("/myneeds")
    )
    seen = await bermet.press(f"№ {need}", message=theirs)
    assert "👤 Айгүл\n" in seen.text and "aigul_b" not in seen.text
    # The coordinator of her rayon sees how to reach her.
    overview = await boss.say("/needs")
    topic = await boss.press(overview.flat_buttons[0][0], message=overview)
    covered = await boss.press(f"№ {need}", message=topic)
    assert "👤 Айгүл (@aigul_b)" in covered.text


async def test_with_two_groups_she_is_told_who_will_see_the_need(
    bot: AyilApp, person: PersonFactory
) -> None:
    """Before choosing a group she reads what its members will see."""
    asel = await member(person, 521, "ru", kind=CANDIDATE, first_name="Асель")
    await make_group(bot, "Кандидатки", 521)
    await make_group(bot, "Лейлек", 521)
    need = await add_need(bot, 521, text="Нет воды")
    card = await asel.press(f"№ {need}", message=await asel.say("/myneeds"))
    assert "🔒 Её видите только вы и координаторы её айылного аймака и ваших групп." in card.text
    choices = await asel.press("👥 Поделиться с группой", message=card)
    assert (
        f"С какой группой поделиться потребностью № {need}? Её участники увидят потребность "
        "и ваше имя, но не имя пользователя в Telegram." in choices.text
    )


async def recommendations(who: Person, fmt: str) -> bytes:
    """The recommendations document of every topic and all time, through the chat."""
    topics = await who.press(
        "📄 " + button(who.user.language_code or "ky", "Recommendations"),
        message=await who.say("/practices"),
    )
    language = who.user.language_code or "ky"
    periods = await who.press(button(language, "All topics"), message=topics)
    formats = await who.press(button(language, "All time"), message=periods)
    await who.press(button(language, fmt), message=formats)
    document = await who.reply()
    assert document.document is not None, document.text
    return document.document


async def test_recommendations_say_first_what_the_practices_recommend_to_the_authorities(
    bot: AyilApp, person: PersonFactory
) -> None:
    """A part addressed to the ayil okmotu, kenesh and rayon sums up each topic's advice
    before the practices themselves."""
    db = services_of(bot).db
    boss = await coordinator(bot, person, 531, "ru")
    schedule = "Договоритесь о графике полива до начала сезона."
    await seed_practice(db, author_id=531, title="График полива", advice=schedule)
    await seed_practice(
        db,
        author_id=531,
        title="Аксакалы на канале",
        place_code="BA-BAT-KBK",
        advice="Зовите аксакалов с обеих сторон.",
        plan_budget="budget",
        amount_som=150_000,
    )
    await seed_practice(db, author_id=531, title="Второй график", advice=schedule + "\n")
    await seed_practice(
        db,
        author_id=531,
        title="Ротация пастбищ",
        topic="pasture",
        place_code="BA-BAT-SAM",
        advice="Делите пастбища по сезонам.",
    )
    markdown = (await recommendations(boss, "Markdown (md)")).decode()
    advice, practices = markdown.split("\n## Практики\n")
    assert (
        "## Айыл окмоту, айылному кенешу и районной администрации: что рекомендуют практики"
        in advice
    )
    water = advice.split("### " + label("ru", "Disputes over water"))[1].split("###")[0]
    assert "3 практики из 2 мест; 1 попала в местный план или бюджет (150\xa0000 сом)." in water
    assert water.count(schedule) == 1  # the same advice twice is said once
    assert f"- {schedule} (из практики «График полива», Ак-Сай)" in water
    assert (
        "- Зовите аксакалов с обеих сторон. (из практики «Аксакалы на канале», Кара-Бак)" in water
    )
    pasture = advice.split("### " + label("ru", "Disputes over pasture"))[1]
    assert "1 практика из 1 места." in pasture and "Делите пастбища по сезонам." in pasture
    assert "#### График полива" in practices and "#### График полива" not in advice

    aigul = await coordinator(bot, person, 532, "ky")
    word = Document(io.BytesIO(await recommendations(aigul, "Word (docx)")))
    headings = [p.text for p in word.paragraphs if p.style and p.style.name == "Heading 1"]
    assert headings == [
        "Айыл өкмөтүнө, айылдык кеңешке жана райондук администрацияга: тажрыйбалар эмнени "
        "сунуштайт",
        "Тажрыйбалар",
    ]
    paragraphs = [p.text for p in word.paragraphs]
    assert "3 тажрыйба 2 жерден; 1 жергиликтүү планга же бюджетке кирген (150\xa0000 сом)." in (
        paragraphs
    )
