"""Places end to end: candidates of four oblasts, typing a name, villages, typed places attached.

Every dialogue runs through the local Bot API server against the real Application.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.localapi import BotMessage
from bot.wiring import AyilApp
from storage.audit import AuditRepository
from storage.incidents import IncidentRepository
from storage.needs import NeedRepository
from storage.users import UserRepository
from tests.conftest import PersonFactory
from tests.coordinator_steps import add_incident, add_need, grant
from tests.harness import Person, onboard, services_of

LANGUAGE_BUTTON = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
CANDIDATE = 1  # the second "Who are you?" button
PLACE_BUTTONS_AT_MOST = 12


def button(locale: str, msgid: str) -> str:
    return translator(locale).pgettext("button", msgid)


def more(locale: str) -> str:
    return button(locale, "More") + " ➡️"


def place_buttons(who: Person, message: BotMessage) -> list[str]:
    """The buttons naming places: neither navigation nor "other"."""
    gazetteer = Gazetteer.default()
    names = {p.name(locale) for p in gazetteer for locale in ("ky", "ru", "en")}
    return [label for label in who.labels(message) if label in names]


async def choose(who: Person, message: BotMessage, label: str, locale: str) -> BotMessage:
    """Press a place's button, turning pages until it shows; no page shows more than 12."""
    for _ in range(5):
        assert len(place_buttons(who, message)) <= PLACE_BUTTONS_AT_MOST, who.labels(message)
        if label in who.labels(message):
            return await who.press(label, message=message)
        message = await who.press(more(locale), message=message)
    raise AssertionError(f"{label!r} is on no page")


async def stored_place(app: AyilApp, user_id: int) -> tuple[str | None, str | None]:
    async with services_of(app).db.reading() as conn:
        user = await UserRepository(conn).get(user_id)
    assert user is not None and user.onboarded
    return user.place_code, user.place_other


async def start_onboarding(who: Person, locale: str, *, kind: int = CANDIDATE) -> BotMessage:
    """/start, the language and the kind: returns the oblast question."""
    await who.say("/start")
    kinds = await who.press(LANGUAGE_BUTTON[locale])
    await who.server.press_button(who.user, index=kind, message=kinds)
    return await who.reply()


async def accept_privacy(who: Person, privacy: BotMessage) -> BotMessage:
    assert "/deleteme" in privacy.text
    return await who.press(privacy.flat_buttons[0][0], message=privacy)


# ------------------------------------------------------------------ four oblasts, two languages

Names = dict[str, str]  # by locale
Named = str | Names  # a name spelt alike in ky and ru, or by locale
# (oblast, rayon, her aiyl aimak, another aiyl aimak of the rayon for a need) in ky and ru.
OBLASTS: dict[str, tuple[Names, Names, tuple[Named, str], tuple[Named, str]]] = {
    "Osh": (
        {"ky": "Ош облусу", "ru": "Ошская область"},
        {"ky": "Өзгөн району", "ru": "Узгенский район"},  # 19 aiyl aimaks: two pages
        ("Кароол", "OS-UZG-KAO"),
        ({"ky": "Төрт-Көл", "ru": "Терт-Кель"}, "OS-UZG-TOR"),
    ),
    "Issyk-Kul": (
        {"ky": "Ысык-Көл облусу", "ru": "Иссык-Кульская область"},
        {"ky": "Түп району", "ru": "Тюпский район"},  # 13: two pages
        ({"ky": "Түп", "ru": "Тюп"}, "IK-TUP-TUP"),
        ({"ky": "Ак-Булак", "ru": "Ак-Булак"}, "IK-TUP-AKU"),
    ),
    "Chui": (
        {"ky": "Чүй облусу", "ru": "Чуйская область"},
        {"ky": "Жайыл району", "ru": "Жайылский район"},  # 12: shown whole
        ("Талды-Булак", "CH-JAI-TAL"),
        ({"ky": "Сосновка", "ru": "Сосновка"}, "CH-JAI-SOS"),
    ),
    "Jalal-Abad": (
        {"ky": "Жалал-Абад облусу", "ru": "Джалал-Абадская область"},
        {"ky": "Сузак району", "ru": "Сузакский район"},  # 13: two pages
        ("Сузак", "JA-SUZ-SUZ"),
        ({"ky": "Ырыс", "ru": "Ырыс"}, "JA-SUZ-YRY"),
    ),
}


def _name(value: Named, locale: str) -> str:
    return value if isinstance(value, str) else value[locale]


async def record_need(who: Person, locale: str, aimak: str) -> BotMessage:
    """/need up to its receipt, choosing `aimak` (paging if needed) and no village."""
    topic = await who.say("/need")
    place = await who.press(translator(locale).label("💧 Water and sanitation"), message=topic)
    assert len(place_buttons(who, place)) <= PLACE_BUTTONS_AT_MOST
    village = await choose(who, place, aimak, locale)
    heard = await who.press(button(locale, "Skip"), message=village)
    await who.server.press_button(who.user, index=2, message=heard)  # one woman
    await who.reply()
    collected = await who.say("Суу жок")
    proposal = await who.press(button(locale, "Done"), message=collected)
    photo = await who.press(button(locale, "Skip"), message=proposal)
    summary = await who.press(button(locale, "Skip"), message=photo)
    return await who.press(button(locale, "Submit"), message=summary)


@pytest.mark.parametrize("locale", ["ky", "ru"])
@pytest.mark.parametrize("oblast", list(OBLASTS))
async def test_a_candidate_picks_her_aiyl_aimak_in_onboarding_and_in_the_need_form(
    bot: AyilApp, person: PersonFactory, oblast: str, locale: str
) -> None:
    names, rayons, (aimak, code), (other, other_code) = OBLASTS[oblast]
    user_id = 400 + list(OBLASTS).index(oblast) * 2 + (locale == "ru")
    candidate = person(user_id, locale, first_name="Айпери")
    oblasts = await start_onboarding(candidate, locale)
    rayon_question = await candidate.press(names[locale], message=oblasts)
    aimaks = await candidate.press(rayons[locale], message=rayon_question)
    privacy = await choose(candidate, aimaks, _name(aimak, locale), locale)
    await accept_privacy(candidate, privacy)
    assert await stored_place(bot, user_id) == (code, None)

    receipt = await record_need(candidate, locale, _name(other, locale))
    assert "/myneeds" in receipt.text
    async with services_of(bot).db.reading() as conn:
        (need,) = await NeedRepository(conn).by_author(user_id)
    assert need.place_code == other_code


async def test_her_own_aiyl_aimak_comes_first_in_the_need_form(
    bot: AyilApp, person: PersonFactory
) -> None:
    candidate = person(420, "ru", first_name="Айпери")
    oblasts = await start_onboarding(candidate, "ru")
    rayons = await candidate.press("Ошская область", message=oblasts)
    aimaks = await candidate.press("Узгенский район", message=rayons)
    await accept_privacy(candidate, await choose(candidate, aimaks, "Кароол", "ru"))
    topic = await candidate.say("/need")
    place = await candidate.press(translator("ru").label("💧 Water and sanitation"), message=topic)
    assert place_buttons(candidate, place)[0] == "Кароол"  # from page 2 of the rayon, first
    assert more("ru") in candidate.labels(place)


# ------------------------------------------------------------------ finding a place by typing


async def test_a_name_typed_exactly_as_its_button_answers_at_once(
    bot: AyilApp, person: PersonFactory
) -> None:
    leader = person(429, "ru")
    oblasts = await start_onboarding(leader, "ru", kind=0)
    rayons = await leader.press("Баткенская область", message=oblasts)
    await leader.press("Баткенский район", message=rayons)
    await accept_privacy(leader, await leader.say("ак-сай"))
    assert await stored_place(bot, 429) == ("BA-BAT-AKS", None)


@pytest.mark.parametrize("typed", ["ак сай", "Ak-Say", "Aksai", "АКСАЙ", "аксай"])
async def test_typing_a_name_in_any_spelling_finds_the_aiyl_aimak(
    bot: AyilApp, person: PersonFactory, typed: str
) -> None:
    leader = person(430, "ru")
    oblasts = await start_onboarding(leader, "ru", kind=0)
    rayons = await leader.press("Баткенская область", message=oblasts)
    aimaks = await leader.press("Баткенский район", message=rayons)
    found = await leader.say(typed)
    assert "Найдено по «" in found.text
    # One match: one press confirms it.
    assert place_buttons(leader, found) == ["Ак-Сай"]
    await accept_privacy(leader, await leader.press("Ак-Сай", message=found))
    assert await stored_place(bot, 430) == ("BA-BAT-AKS", None)
    assert aimaks.message_id != found.message_id


async def test_typing_at_the_oblast_question_finds_the_aiyl_aimak_across_the_country(
    bot: AyilApp, person: PersonFactory
) -> None:
    leader = person(431, "ky")
    oblasts = await start_onboarding(leader, "ky", kind=0)
    found = await leader.say("ак сай")
    assert "«ак сай» боюнча табылганы" in found.text
    # The whole country: Ak-Say of Batken rayon, named with its rayon.
    privacy = await leader.press("Ак-Сай, Баткен району", message=found)
    await accept_privacy(leader, privacy)
    assert await stored_place(bot, 431) == ("BA-BAT-AKS", None)
    assert oblasts.message_id != privacy.message_id


@pytest.mark.parametrize(("locale", "typed"), [("ky", "Ырдык"), ("ru", "Ырдык"), ("en", "Yrdyk")])
async def test_a_former_name_finds_the_aiyl_aimak_it_joined(
    bot: AyilApp, person: PersonFactory, locale: str, typed: str
) -> None:
    user_id = {"ky": 432, "ru": 433, "en": 434}[locale]
    leader = person(user_id, locale)
    oblasts = await start_onboarding(leader, locale, kind=0)
    issyk_kul = Gazetteer.default()["IK"].name(locale)
    rayons = await leader.press(issyk_kul, message=oblasts)
    await leader.press(Gazetteer.default()["IK-JET"].name(locale), message=rayons)
    found = await leader.say(typed)
    # The place it joined, named with its former name; and the typed name may be kept.
    (label,) = [b for b in leader.labels(found) if typed in b and not b.startswith("✏️")]
    jeti_oguz = Gazetteer.default()["IK-JET-JET"].name(locale)
    assert label == translator(locale).label("{place} (formerly {former})").format(
        place=jeti_oguz, former=typed
    )
    await accept_privacy(leader, await leader.press(label, message=found))
    assert await stored_place(bot, user_id) == ("IK-JET-JET", None)


async def test_no_match_says_so_and_keeps_the_question_then_the_name_is_kept_as_typed(
    bot: AyilApp, person: PersonFactory
) -> None:
    for locale, user_id, said in (
        ("ky", 435, "тизмеде «Qwerty» деп башталган аталыш жок"),
        ("ru", 436, "В списке нет названия, которое начинается с «Qwerty»"),
    ):
        leader = person(user_id, locale)
        oblasts = await start_onboarding(leader, locale, kind=0)
        rayons = await leader.press(Gazetteer.default()["CH"].name(locale), message=oblasts)
        aimaks = await leader.press(Gazetteer.default()["CH-JAI"].name(locale), message=rayons)
        nothing = await leader.say("Qwerty")
        assert said.casefold() in nothing.text.casefold()
        assert "⚠️" in nothing.text
        # The question stays, its list too, with a button that keeps the name as typed.
        assert place_buttons(leader, nothing) == place_buttons(leader, aimaks)
        keep = next(b for b in leader.labels(nothing) if "Qwerty" in b)
        await accept_privacy(leader, await leader.press(keep, message=nothing))
        assert await stored_place(bot, user_id) == ("CH-JAI", "Qwerty")


# ------------------------------------------------------------------ villages


async def report_to_village(who: Person, locale: str) -> BotMessage:
    """/report in Ak-Say up to the village question."""
    tr = translator(locale)
    await who.say("/report")
    await who.press(tr.label("🐑 Pasture"))
    await who.press(tr.label("Verbal dispute"))
    await who.press(tr.label("Today"))
    return await who.press("Ак-Сай")


async def finish_report(who: Person, locale: str, question: BotMessage) -> BotMessage:
    """From the location question to the receipt, with the quickest answers."""
    tr = translator(locale)
    await who.press(button(locale, "Skip"), message=question)  # location
    await who.press(tr.label("Yes"))
    await who.press(tr.label("Farmers"))
    await who.press(button(locale, "Skip"))
    await who.press(tr.label("Under 10"))
    await who.press("0")
    await who.press("0")
    await who.say("Спор.")
    await who.press(button(locale, "Done"))
    await who.press(button(locale, "Skip"))  # photos
    await who.press(tr.label("None yet"))
    await who.press(tr.label("Still going on"))
    await who.press(tr.label("I saw it myself"))
    summary = await who.press(tr.label("Show my name to coordinators"))
    return await who.press(button(locale, "Submit"), message=summary)


async def last_report(app: AyilApp, reporter: int) -> tuple[str | None, str | None, int]:
    async with services_of(app).db.reading() as conn:
        (report, *_) = await IncidentRepository(conn).list_by_reporter(reporter_id=reporter)
    return report.village_code, report.location, report.geo_precision


async def test_a_village_picked_as_a_button_is_stored_with_its_code(
    bot: AyilApp, person: PersonFactory
) -> None:
    leader = person(440, "ru")
    await onboard(leader, language="Русский")
    villages = await report_to_village(leader, "ru")
    assert {"Кек-Таш", "Мин-Булак", "Таш-Тумшук"} <= set(leader.labels(villages))
    assert button("ru", "Skip") in " ".join(leader.labels(villages))
    location = await leader.press("Кек-Таш", message=villages)
    await finish_report(leader, "ru", location)
    assert await last_report(bot, 440) == ("BA-BAT-AKS-KEK", "Кек-Таш", 2)


async def test_a_village_found_by_letters_or_typed_in_full_when_not_listed(
    bot: AyilApp, person: PersonFactory
) -> None:
    leader = person(441, "ky")
    await onboard(leader, language="Кыргызча")
    villages = await report_to_village(leader, "ky")
    found = await leader.say("таш")
    # The first letters of any word of the name: Таш-Тумшук, and Кек-Таш by its second word.
    assert place_buttons(leader, found) == ["Таш-Тумшук", "Көк-Таш"]
    location = await leader.press("Таш-Тумшук", message=found)
    await finish_report(leader, "ky", location)
    assert await last_report(bot, 441) == ("BA-BAT-AKS-TAS", "Таш-Тумшук", 2)
    # A village not on the list is kept as typed, as before villages were listed.
    villages = await report_to_village(leader, "ky")
    location = await leader.say("Жаңы-Айыл <жогорку>")
    assert location.message_id != villages.message_id and "📎" in location.text
    await finish_report(leader, "ky", location)
    assert await last_report(bot, 441) == (None, "Жаңы-Айыл <жогорку>", 2)


async def test_the_need_form_offers_the_villages_of_the_aiyl_aimak(
    bot: AyilApp, person: PersonFactory
) -> None:
    candidate = person(442, "ky")
    await onboard(candidate, language="Кыргызча", kind_index=CANDIDATE)
    topic = await candidate.say("/need")
    place = await candidate.press(translator("ky").label("💧 Water and sanitation"), message=topic)
    villages = await candidate.press("Ак-Сай", message=place)
    heard = await candidate.press("Миң-Булак", message=villages)
    await candidate.server.press_button(candidate.user, index=2, message=heard)  # one woman
    await candidate.reply()
    collected = await candidate.say("Суу жок")
    proposal = await candidate.press(button("ky", "Done"), message=collected)
    photo = await candidate.press(button("ky", "Skip"), message=proposal)
    summary = await candidate.press(button("ky", "Skip"), message=photo)
    assert "Миң-Булак" in summary.text
    await candidate.press(button("ky", "Submit"), message=summary)
    async with services_of(bot).db.reading() as conn:
        (need,) = await NeedRepository(conn).by_author(442)
    assert (need.place_code, need.village_code, need.village) == (
        "BA-BAT-AKS",
        "BA-BAT-AKS-MIN",
        "Миң-Булак",
    )


# ------------------------------------------------------------------ typed places attached

UZGEN, KAROOL = "OS-UZG", "OS-UZG-KAO"
TYPED = "Кара-Шоро"  # a village of Karool's that no list holds


async def typed_world(app: AyilApp, person: PersonFactory) -> tuple[Person, Person, Person]:
    """An administrator, a coordinator of Karool, and a candidate of Uzgen rayon who typed
    her village at the aiyl aimak question; two reports and a need name it in words."""
    admin = person(9000, "ru", first_name="Admin")
    await onboard(admin, language="Русский")
    coordinator = person(451, "ru", first_name="Гульнара")
    await onboard(coordinator, language="Русский")
    await grant(services_of(app).db, 451, "place", KAROOL)
    candidate = person(452, "ky", first_name="Айпери")
    oblasts = await start_onboarding(candidate, "ky")
    rayons = await candidate.press("Ош облусу", message=oblasts)
    await candidate.press("Өзгөн району", message=rayons)
    nothing = await candidate.say(TYPED)
    keep = next(b for b in candidate.labels(nothing) if TYPED in b)
    await accept_privacy(candidate, await candidate.press(keep, message=nothing))
    assert await stored_place(app, 452) == (UZGEN, TYPED)
    db = services_of(app).db
    for typed in (TYPED, "кара шоро"):  # one name, two spellings
        await add_incident(db, reporter_id=None, place=UZGEN, place_other=typed)
    await add_need(db, author_id=452, place=None)
    async with db.transaction() as conn:
        await conn.execute("UPDATE needs SET village = ? WHERE author_id = 452", (TYPED,))
    return admin, coordinator, candidate


async def counts_of(admin: Person, coordinator: Person) -> tuple[str, str]:
    stats = await coordinator.say("/stats")
    needs = await admin.say("/needs")
    return stats.text, needs.text


async def test_a_coordinator_attaches_a_typed_place_in_the_chat_and_the_counts_move(
    bot: AyilApp, person: PersonFactory
) -> None:
    admin, coordinator, candidate = await typed_world(bot, person)
    stats, needs = await counts_of(admin, coordinator)
    assert "Сообщения об инцидентах: 0 · 0" in stats
    assert "Нет в списке — 1 потребность" in needs

    listed = await admin.say("/places")
    assert "«Кара-Шоро» — Узгенский район: 2 сообщения, 1 человек" in listed.text
    assert "«Кара-Шоро» — место не выбрано: 1 потребность" in listed.text
    # The Karool coordinator does not reach the rayon the reports were typed under.
    assert "нет мест, написанных вручную" in (await coordinator.say("/places")).text

    question = await admin.press("📍 Кара-Шоро (3)", message=listed)
    assert "«Кара-Шоро»" in question.text and "Узгенский район" in question.text
    found = await admin.say("каро")
    summary = await admin.press("Кароол", message=found)
    assert "Кароол" in summary.text
    receipt = await admin.press(button("ru", "Submit"), message=summary)
    assert "«Кара-Шоро» привязано к месту: Кароол, Узгенский район" in receipt.text

    listed = await admin.say("/places")
    assert "Узгенский район: 2" not in listed.text
    question = await admin.press("📍 Кара-Шоро (1)", message=listed)
    found = await admin.say("кароол")
    summary = await admin.press("Кароол, Узгенский район", message=found)
    await admin.press(button("ru", "Submit"), message=summary)
    assert "нет мест, написанных вручную" in (await admin.say("/places")).text

    stats, needs = await counts_of(admin, coordinator)
    assert "Сообщения об инцидентах: 0 · 2" in stats
    assert "Кароол — 1 потребность" in needs and "Нет в списке" not in needs
    # The typed text stays beside the codes; the audit log keeps what was there before.
    assert await stored_place(bot, 452) == (KAROOL, TYPED)
    async with services_of(bot).db.reading() as conn:
        reports = await IncidentRepository(conn).in_scope(codes=None, limit=10)
        audit = await AuditRepository(conn).for_entity(entity="user", entity_id="452")
    assert {(r.admin2, r.admin3, r.place_other) for r in reports} == {
        (UZGEN, KAROOL, TYPED),
        (UZGEN, KAROOL, "кара шоро"),
    }
    assert [(a.action, a.from_value, a.to_value, a.actor_id) for a in audit] == [
        ("place_attached", UZGEN, KAROOL, 9000)
    ]
    # Her next need offers Karool first: her profile now names it.
    topic = await candidate.say("/need")
    place = await candidate.press(translator("ky").label("💧 Water and sanitation"), message=topic)
    assert place_buttons(candidate, place)[0] == "Кароол"


async def test_ayilbot_admin_places_lists_and_attaches_and_the_counts_move(
    bot: AyilApp,
    person: PersonFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin, coordinator, _ = await typed_world(bot, person)
    monkeypatch.setenv("AYILBOT_DB", str(services_of(bot).settings.db_path))
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    assert await asyncio.to_thread(main, ["admin", "places"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "2\tКара-Шоро\tOS-UZG (Uzgen District)\treports:2 people:0 needs:0" not in listed
    assert "3\tКара-Шоро\tOS-UZG (Uzgen District)\treports:2 people:1 needs:0" in listed
    assert "1\tКара-Шоро\t-\treports:0 people:0 needs:1" in listed

    # Outside the rayon given, nothing is attached.
    assert (
        await asyncio.to_thread(
            main, ["admin", "places", "attach", "Kara-Shoro", KAROOL, "--within", "CH"]
        )
        == 1
    )
    assert "attached 0 record(s)" in capsys.readouterr().out
    # Any spelling names it; every record in the rayon (the need by its author's place).
    assert (
        await asyncio.to_thread(
            main, ["admin", "places", "attach", "Kara-Shoro", KAROOL, "--within", UZGEN]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "attached 4 record(s) typed 'Kara-Shoro' to OS-UZG-KAO" in out
    assert "2 report(s), 1 person(s), 1 need(s)" in out
    assert await asyncio.to_thread(main, ["admin", "places"]) == 0
    assert capsys.readouterr().out == ""

    stats, needs = await counts_of(admin, coordinator)
    assert "Сообщения об инцидентах: 0 · 2" in stats
    assert "Кароол — 1 потребность" in needs
    async with services_of(bot).db.reading() as conn:
        (need,) = await NeedRepository(conn).by_author(452)
        audit = await AuditRepository(conn).for_entity(entity="need", entity_id=str(need.id))
    assert (need.place_code, need.village) == (KAROOL, TYPED)
    assert [(a.action, a.from_value, a.to_value, a.actor_id) for a in audit] == [
        ("place_attached", "-", KAROOL, None)
    ]


async def test_a_typed_place_is_not_attached_outside_what_was_chosen_before(
    bot: AyilApp,
    person: PersonFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await typed_world(bot, person)
    monkeypatch.setenv("AYILBOT_DB", str(services_of(bot).settings.db_path))
    monkeypatch.chdir(tmp_path)
    # Typed under Uzgen rayon: a place of Chui is refused for those; the need (typed with
    # nothing chosen) may go anywhere.
    code = await asyncio.to_thread(main, ["admin", "places", "attach", TYPED, "CH-JAI-TAL"])
    out = capsys.readouterr().out
    assert code == 0 and "attached 1 record(s)" in out
    assert out.count("left ") == 3 and "typed under OS-UZG" in out
