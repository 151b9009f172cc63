"""Rapid assessments end to end: two assessments and what changed, scope, the five side by side."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, date, datetime

from docx import Document

from bot.forms.assessment import ASSESSMENT, TARGETS
from bot.forms.kinds import Env
from bot.gazetteer import Gazetteer, Place
from bot.i18n import translator
from bot.localapi import BotMessage, LocalBotApi
from bot.outputs.assessments import ROWS
from bot.wiring import AyilApp
from storage.assessments import AssessmentRepository
from storage.users import RoleRepository
from tests.conftest import PersonFactory
from tests.harness import Person, onboard, services_of

RU_DONE, RU_SKIP, RU_SUBMIT = "✔️ Готово", "⏭ Пропустить", "✅ Отправить"

FIRST = {
    "population": "12 500",
    "villages": "6",
    "water": "Достаточно",
    "pasture": "Напряжённо",
    "arable": "Достаточно",
    "forest": "Напряжённо",
    "non_timber": "Идут споры",
    "border_km": "23",
    "border_status": "Не делимитирована",
    "conflicts": "2",
    "worst": "Спор из-за воды у водозабора Кок-Таш",
    "risks": "Нехватка воды летом <июль>",
    "contacts": "Айбек, +996 555 000 111",
}


async def grant(app: AyilApp, user_id: int, kind: str, value: str = "") -> None:
    async with services_of(app).db.transaction() as conn:
        await RoleRepository(conn).grant(
            user_id=user_id,
            role="coordinator",
            scope_kind=kind,
            scope_value=value,
            granted_by=None,
            now=datetime.now(UTC),
        )


async def fill(
    who: Person, server: LocalBotApi, first: BotMessage, answers: Mapping[str, str]
) -> BotMessage:
    """Answer the assessment from the date question to the summary, in Russian."""
    question = await who.press("Сегодня", message=first)
    assert "Сколько примерно людей" in question.text
    wrong = await who.say("много")
    assert "напишите число" in wrong.text  # bad input explained, asked again
    question = await who.say(answers["population"])
    question = await who.press(answers["villages"], message=question)
    for key in ("water", "pasture", "arable", "forest", "non_timber"):
        question = await who.press(answers[key], message=question)
    question = await who.say(answers["border_km"])
    question = await who.press(answers["border_status"], message=question)
    assert "Какие механизмы" in question.text
    for index in (0, 2):  # water users' association, aksakal court
        await server.press_button(who.user, index=index, message=question)
        question = await who.reply()
    question = await who.press(RU_DONE, message=question)
    question = await who.press(answers["conflicts"], message=question)
    question = await who.say(answers["worst"])
    question = await who.say(answers["risks"])
    assert "Их видят только координаторы" in question.text
    return await who.say(answers["contacts"])


async def test_two_assessments_of_one_aiyl_aimak_show_what_changed(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    gulnara = person(301, "ru", first_name="Гульнара")
    await onboard(gulnara, language="Русский")
    await grant(bot, 301, "place", "BA-BAT")
    home = await gulnara.say("/assessment")
    assert "ни один айылный аймак не оценён" in home.text
    places = await gulnara.press("Новая оценка", message=home)
    assert gulnara.labels(places)[:5] == [
        "Ак-Сай",
        "Ак-Татыр",
        "Кара-Бак",
        "Самаркандек",
        "Терт-Гюль",
    ]
    when = await gulnara.press("Ак-Сай", message=places)
    summary = await fill(gulnara, server, when, FIRST)
    assert "12\xa0500" in summary.text and "Айбек" in summary.text
    receipt = await gulnara.press(RU_SUBMIT, message=summary)
    assert "Оценка № " in receipt.text and "(Ак-Сай) сохранена" in receipt.text

    home = await gulnara.say("/assessment")
    profile = await gulnara.press("Ак-Сай", message=home)
    assert "Это первая оценка" in profile.text
    assert "Айбек, +996 555 000 111" in profile.text  # contacts: a coordinator sees them
    assert "Нехватка воды летом &lt;июль&gt;" in profile.text
    when = await gulnara.press("Новая оценка", message=profile)
    assert "Когда проведена оценка?" in when.text  # the aiyl aimak is not asked again
    second = {
        **FIRST,
        "pasture": "Идут споры",
        "conflicts": "5",
        "worst": "Столкновение на пастбище",
    }
    summary = await fill(gulnara, server, when, second)
    await gulnara.press(RU_SUBMIT, message=summary)

    home = await gulnara.say("/assessment")
    profile = await gulnara.press("Ак-Сай", message=home)
    assert "Изменилось с оценки от" in profile.text
    assert "• Пастбища: 🟡 Напряжённо → 🔴 Идут споры" in profile.text
    assert "• Конфликтов за 12 месяцев: 2 → 5" in profile.text
    assert "• Самый серьёзный конфликт: Столкновение на пастбище" in profile.text
    assert "• Вода и орошение" not in profile.text  # unchanged rows are not listed
    async with services_of(bot).db.reading() as conn:
        history = await AssessmentRepository(conn).history(place_code="BA-BAT-AKS")
    assert [(a.pasture, a.conflicts) for a in history] == [("contested", 5), ("strained", 2)]
    assert history[1].mechanisms == ("wua", "aksakal_court")
    assert history[1].population == 12_500 and history[1].border_status == "not_delimited"


async def test_assessment_access_follows_role_and_scope(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    head = person(311, "ky", first_name="Башчы")  # an ayil okmotu head, invited for Kara-Bak
    candidate = person(312, "ky")
    await onboard(head, language="Кыргызча")
    await onboard(candidate, language="Кыргызча", kind_index=1)
    await grant(bot, 311, "place", "BA-BAT-KBK")
    refused = await candidate.say("/assessment")
    assert "укугуңуз жок" in refused.text
    home = await head.say("/assessment")
    places = await head.press("Жаңы баалоо", message=home)
    assert head.labels(places)[0] == "Кара-Бак" and "Ак-Сай" not in head.labels(places)
    last = server.last_message(head.user)
    assert last is not None
    await server.press(head.user, last.message_id, "as:p:BA-BAT-AKS")
    assert "укугуңуз жок" in (await head.reply()).text
    compare = await head.say("/compare")
    assert "Кара-Бак" in compare.text and "Ак-Сай" not in compare.text


async def test_five_target_aiyl_aimaks_side_by_side(bot: AyilApp, person: PersonFactory) -> None:
    coordinator = person(321, "ky", first_name="Гүлнара")
    await onboard(coordinator, language="Кыргызча")
    await grant(bot, 321, "all")
    states = ("sufficient", "strained", "contested", "strained", "sufficient")
    async with services_of(bot).db.transaction() as conn:
        repo = AssessmentRepository(conn)
        for i, code in enumerate(TARGETS):
            await repo.create(
                draft_id=f"seed-{code}",
                form_version=1,
                place_code=code,
                assessed_on=date(2026, 3, 1 + i),
                author_id=321,
                population=10_000 + i * 1000,
                villages=3 + i,
                resources={"water": states[i], "pasture": "contested", "arable": "strained"},
                border_km=10 * i,
                border_status="partly",
                mechanisms=["pasture_committee"],
                conflicts=i,
                worst_conflict=None,
                risks=f"Тобокелдик {i}",
                contacts="+996 700 000 00" + str(i),
                now=datetime.now(UTC),
            )
    table = await coordinator.say("/compare")
    assert "<pre>" in table.text
    lines = (table.plain_text or "").splitlines()
    # The columns are headed by the aiyl aimaks' names, not their codes.
    assert lines[1].split() == ["Ак-Сай", "Ак-Татыр", "Кара-Бак", "Самаркандек", "Төрт-Гүл"]
    population = next(line for line in lines if line.startswith("Калкы"))
    assert population.count("000") == 5  # one cell per aiyl aimak, the same row for all
    water = next(line for line in lines if line.startswith("Суу"))
    assert water.split()[1:] == ["+", "~", "!", "~", "+"]
    assert "AKS" not in table.text and "TGL" not in table.text
    files = {
        m.filename: m.document or b""
        for m in (await coordinator.reply(), await coordinator.reply())
    }
    markdown = files["assessments.md"].decode()
    header = markdown.splitlines()[2]
    assert header == "|  | Ак-Сай | Ак-Татыр | Кара-Бак | Самаркандек | Төрт-Гүл |"
    rows = [line for line in markdown.splitlines()[4:] if line.startswith("|")]
    assert len(rows) == len(ROWS) and all(row.count("|") == 7 for row in rows)
    assert "| Суу жана сугат | 🟢 Жетиштүү | 🟡 Тартыш | 🔴 Талаштуу |" in markdown
    assert "+996" not in markdown  # staff contacts stay out of shared documents
    word = Document(io.BytesIO(files["assessments.docx"]))
    (grid,) = word.tables
    assert len(grid.rows) == len(ROWS) + 1 and len(grid.columns) == len(TARGETS) + 1
    assert [c.text for c in grid.rows[0].cells][1:] == [
        "Ак-Сай",
        "Ак-Татыр",
        "Кара-Бак",
        "Самаркандек",
        "Төрт-Гүл",
    ]
    assert not any("+996" in c.text for row in grid.rows for c in row.cells)


async def test_a_coordinator_of_every_region_finds_any_aiyl_aimak_by_oblast_and_rayon(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    coordinator = person(331, "ru", first_name="Айгерим")
    await onboard(coordinator, language="Русский")
    await grant(bot, 331, "all")
    home = await coordinator.say("/assessment")
    # Several oblasts list aiyl aimaks, so the oblast comes first, the programme's own on top.
    oblasts = await coordinator.press("Новая оценка", message=home)
    assert "В какой области этот айылный аймак?" in oblasts.text
    assert coordinator.labels(oblasts)[0] == "Баткенская область"
    rayons = await coordinator.press("Баткенская область", message=oblasts)
    assert "В каком районе?" in rayons.text
    assert coordinator.labels(rayons)[:3] == [
        "Баткенский район",
        "Кадамжайский район",
        "Лейлекский район",
    ]
    aimaks = await coordinator.press("Лейлекский район", message=rayons)
    assert "Катран" in coordinator.labels(aimaks) and "Ак-Сай" not in coordinator.labels(aimaks)
    when = await coordinator.press("Катран", message=aimaks)
    summary = await fill(coordinator, server, when, FIRST)
    receipt = await coordinator.press(RU_SUBMIT, message=summary)
    assert "(Катран) сохранена" in receipt.text
    async with services_of(bot).db.reading() as conn:
        history = await AssessmentRepository(conn).history(place_code="BA-LEI-KAT")
    assert [a.population for a in history] == [12_500]


def test_with_aiyl_aimaks_in_two_oblasts_the_oblast_is_asked_first() -> None:
    def place(code: str, level: str, parent: str | None) -> Place:
        return Place(code, level, parent, {"en": code})

    gazetteer = Gazetteer(
        [
            place("CH", "oblast", None),
            place("CH-ALA", "rayon", "CH"),
            place("CH-ALA-X", "aiyl_aimak", "CH-ALA"),
            place("BA", "oblast", None),
            place("BA-BAT", "rayon", "BA"),
            place("BA-BAT-AKS", "aiyl_aimak", "BA-BAT"),
            place("BA-KAD", "rayon", "BA"),  # no aiyl aimaks listed: not offered
            place("OS", "oblast", None),  # none at all: not offered
        ]
    )
    env = Env(translator("en"), None, gazetteer, date(2026, 3, 1), {"wide": True})
    oblast, rayon, aimak = ASSESSMENT.steps[:3]
    assert oblast.relevant({}, env) and rayon.relevant({}, env)
    assert [o.value for o in oblast.kind.options({}, env)] == ["BA", "CH"]  # Batken first
    assert [o.value for o in rayon.kind.options({"oblast": "CH"}, env)] == ["CH-ALA"]
    assert [o.value for o in rayon.kind.options({"oblast": "BA"}, env)] == ["BA-BAT"]
    assert [o.value for o in aimak.kind.options({"rayon": "CH-ALA"}, env)] == ["CH-ALA-X"]
    scoped = Env(translator("en"), None, gazetteer, date(2026, 3, 1), {"places": ["BA-BAT-AKS"]})
    assert not oblast.relevant({}, scoped) and not rayon.relevant({}, scoped)


async def seed_assessment(app: AyilApp, code: str, day: date, **values: object) -> None:
    """An assessment written directly: the same answers but those given."""
    answers: dict[str, object] = {
        "population": 12_500,
        "villages": 6,
        "resources": {"water": "sufficient", "pasture": "strained", "arable": "sufficient"},
        "border_km": 23,
        "border_status": "not_delimited",
        "mechanisms": ["wua"],
        "conflicts": 2,
        "worst_conflict": "Спор у водозабора",
        "risks": "Нехватка воды",
        "contacts": "+996 555 000 111",
        **values,
    }
    async with services_of(app).db.transaction() as conn:
        await AssessmentRepository(conn).create(
            draft_id=f"seed-{code}-{day}",
            form_version=2,
            place_code=code,
            assessed_on=day,
            author_id=None,  # type: ignore[arg-type]
            now=datetime.now(UTC),
            **answers,  # type: ignore[arg-type]
        )


async def test_one_aiyl_aimak_over_time_and_several_at_one_time(
    bot: AyilApp, person: PersonFactory
) -> None:
    """Ak-Say assessed in June and November: its two assessments side by side, dates as
    columns and the changes marked; the five as they were on a day in between."""
    coordinator = person(341, "ru", first_name="Айгерим")
    await onboard(coordinator, language="Русский")
    await grant(bot, 341, "all")
    await seed_assessment(bot, "BA-BAT-AKS", date(2026, 6, 10))
    await seed_assessment(
        bot,
        "BA-BAT-AKS",
        date(2026, 11, 15),
        resources={"water": "sufficient", "pasture": "contested", "arable": "sufficient"},
        conflicts=5,
        risks="Столкновения на пастбище",
    )
    await seed_assessment(bot, "BA-BAT-KBK", date(2026, 6, 12), population=8_000)

    table = await coordinator.say("/compare")
    lines = (table.plain_text or "").splitlines()
    assert lines[1].split() == ["Ак-Сай", "Ак-Татыр", "Кара-Бак", "Самаркандек", "Терт-Гюль"]
    dates = next(line for line in lines if line.startswith("Дата"))
    assert dates.split()[1:] == ["15.11.26", "—", "12.06.26", "—", "—"]  # the latest of each
    _, last = await coordinator.reply(), await coordinator.reply()  # its two documents
    assert coordinator.labels(last) == ["📈 Ак-Сай: оценки по датам"]  # on the last part

    history = await coordinator.press("📈 Ак-Сай: оценки по датам", message=last)
    lines = (history.plain_text or "").splitlines()
    assert lines[0] == "Ак-Сай: быстрые оценки по датам"
    assert lines[1].split() == ["10.06.26", "15.11.26"]  # oldest first
    pasture = next(line for line in lines if line.startswith("Пастбища"))
    assert pasture.split()[1:] == ["~", "!*"]  # the change is marked where it happened
    conflicts = next(line for line in lines if line.startswith("Конфликты"))
    assert conflicts.split()[1:] == ["2", "5*"]
    water = next(line for line in lines if line.startswith("Вода"))
    assert water.split()[1:] == ["+", "+"]
    assert "* изменилось с предыдущей оценки" in lines
    parts = (await coordinator.reply(), await coordinator.reply())
    files = {m.filename: m.document or b"" for m in parts}
    assert coordinator.labels(parts[1])[-1] == "◀️ Назад"
    markdown = files["assessments-ba-bat-aks.md"].decode()
    assert "|  | 10.06.2026 | 15.11.2026 |" in markdown
    assert "| Пастбища | 🟡 Напряжённо | 🔴 Идут споры \\* |" in markdown
    assert "| Риски и потребности | Нехватка воды | Столкновения на пастбище \\* |" in markdown
    assert "| Население | 12\xa0500 | 12\xa0500 |" in markdown  # unchanged: not marked
    assert "+996" not in markdown
    word = Document(io.BytesIO(files["assessments-ba-bat-aks.docx"]))
    assert word.core_properties.title == "Ак-Сай: быстрые оценки по датам"
    assert word.core_properties.language == "ru"
    (grid,) = word.tables
    assert [c.text for c in grid.rows[0].cells] == ["", "10.06.2026", "15.11.2026"]
    changed = [
        run.text
        for row in grid.rows
        for cell in row.cells
        for p in cell.paragraphs
        for run in p.runs
        if run.bold
    ]
    assert changed == ["🔴 Идут споры *", "5 *", "Столкновения на пастбище *"]

    # Several at one time: each aiyl aimak as it was assessed by the day asked.
    then = await coordinator.say("/compare 30.06.2026")
    assert "По состоянию на 30 июня 2026\u202fг." in then.text
    dates = next(line for line in (then.plain_text or "").splitlines() if line.startswith("Дата"))
    assert dates.split()[1:] == ["10.06.26", "—", "12.06.26", "—", "—"]
    _, last = await coordinator.reply(), await coordinator.reply()
    assert coordinator.labels(last) == []  # by then Ak-Say had one assessment

    # One code: that aiyl aimak over time, as the button shows it.
    alone = await coordinator.say("/compare BA-BAT-AKS")
    assert alone.text == history.text
    await coordinator.reply(), await coordinator.reply()
    home = await coordinator.say("/assessment")
    profile = await coordinator.press("Ак-Сай", message=home)
    assert "📈 Оценки по датам" in coordinator.labels(profile)
