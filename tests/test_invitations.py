"""An invited coordinator's onboarding, end to end: the invitation decides who she is and where.

She is asked her language and shown the privacy notice; her kind, place and role come from the
invitation, and the welcome says what she can now do for her area. A link that is not valid,
already used or expired says so above the first question, and onboarding goes on as for
anyone.
"""

from __future__ import annotations

import json
from datetime import timedelta

from bot.clock import Clock
from bot.localapi import BotMessage, LocalBotApi
from bot.wiring import AyilApp
from storage.users import InviteRepository, RoleRepository, UserRepository
from tests.conftest import PersonFactory
from tests.harness import Person, onboard, services_of

ADMIN = 9000  # AYILBOT_ADMIN_IDS in the test settings

KY_WELCOME_RAYON = (
    "Кош келиңиз! Сиз Баткен району боюнча координатор катары катталдыңыз. Ал жактан келген "
    "шашылыш билдирүүлөр Сизге ошол замат жетет, ал эми баяндама ар аптада келет. /review — "
    "текшерүүнү күтүп жаткан билдирүүлөр, /stats — сандар, /export — маалыматтарды "
    "экспорттоо; эмне кыла аларыңыздын баарын /help көрсөтөт."
)
RU_WELCOME_RAYON = (
    "Добро пожаловать! Вы зарегистрированы как координатор, ваша территория — Баткенский "
    "район. Срочные сообщения оттуда будут приходить вам сразу, а сводка — каждую неделю. "
    "/review — сообщения, ждущие проверки, /stats — цифры, /export — выгрузка данных; /help "
    "покажет всё, что вам доступно."
)


async def invitation(who: Person, role: str, scope: str) -> str:
    """The code of the link an administrator makes with /invite ROLE SCOPE."""
    answer = await who.say(f"/invite {role} {scope}")
    assert "?start=" in answer.text, answer.text
    return answer.text.split("?start=")[1].split()[0]


async def an_administrator(person: PersonFactory) -> Person:
    admin = person(ADMIN, "en", first_name="Admin")
    await onboard(admin, language="English")
    return admin


async def profile(app: AyilApp, user_id: int) -> tuple[str | None, str | None, str | None]:
    """The stored kind, place and typed place of a person who finished onboarding."""
    async with services_of(app).db.reading() as conn:
        user = await UserRepository(conn).get(user_id)
    assert user is not None and user.onboarded
    return user.kind, user.place_code, user.place_other


async def roles(app: AyilApp, user_id: int) -> list[tuple[str, str, str]]:
    async with services_of(app).db.reading() as conn:
        held = await RoleRepository(conn).for_user(user_id)
    return [(r.role, r.scope_kind, r.scope_value) for r in held]


def seen(server: LocalBotApi, who: Person) -> list[BotMessage]:
    """Every message and edit the person got, in order."""
    return server.events(who.user)


async def test_a_rayon_coordinator_invited_in_kyrgyz_is_asked_only_her_language_and_privacy(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    code = await invitation(await an_administrator(person), "coordinator", "BA-BAT")
    gulnara = person(201, "ky", first_name="Гүлнара")
    first = await gulnara.say(f"/start {code}")
    assert gulnara.labels(first)[:3] == ["Кыргызча", "Русский", "English"]
    assert "⚠️" not in first.text
    privacy = await gulnara.press("Кыргызча")
    # Straight from the language to the privacy notice: no "who are you", no place.
    assert "/deleteme" in privacy.text and "/mydata" in privacy.text
    assert gulnara.labels(privacy) == ["Макулмун", "◀️ Артка", "✖️ Жокко чыгаруу"]
    done = await gulnara.press("Макулмун")
    assert done.text == KY_WELCOME_RAYON
    texts = [m.text for m in seen(server, gulnara)]
    assert len(texts) == 3
    assert not any("Сиз кимсиз" in t or "облусун" in t or "Айыл аймагын" in t for t in texts)
    assert await profile(bot, 201) == ("coordinator", "BA-BAT", None)
    assert await roles(bot, 201) == [("coordinator", "place", "BA-BAT")]
    # /mydata shows the kind; the role already gives her the coordinator's commands.
    mydata = await gulnara.say("/mydata")
    assert json.loads(mydata.document or b"{}")["profile"]["kind"] == "coordinator"
    shown = (await gulnara.say("/help")).text
    assert "/review" in shown and "/export" in shown and "/invite" not in shown


async def test_a_rayon_coordinator_invited_in_russian_goes_back_to_the_language_only(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    code = await invitation(await an_administrator(person), "coordinator", "BA-BAT")
    gulnara = person(202, "ru", first_name="Гульнара")
    first = await gulnara.say(f"/start {code}")
    assert first.text.endswith("Выберите язык.")
    privacy = await gulnara.press("Русский")
    assert "<b>Конфиденциальность</b>" in privacy.text
    again = await gulnara.press("◀️ Назад")  # Back leads to the language, not to a place
    assert again.text.endswith("Выберите язык.") and "Русский" in gulnara.labels(again)
    privacy = await gulnara.press("Русский")
    done = await gulnara.press("Принимаю")
    assert done.text == RU_WELCOME_RAYON
    assert not any("Кто вы" in m.text or "область" in m.text for m in seen(server, gulnara))
    assert await profile(bot, 202) == ("coordinator", "BA-BAT", None)
    assert await roles(bot, 202) == [("coordinator", "place", "BA-BAT")]
    assert "/review" in (await gulnara.say("/help")).text


async def test_an_oblast_scope_settles_the_oblast_and_all_settles_no_place(
    bot: AyilApp, person: PersonFactory
) -> None:
    admin = await an_administrator(person)
    oblast = await invitation(admin, "coordinator", "BA")
    everywhere = await invitation(admin, "coordinator", "all")
    boss = await invitation(admin, "admin", "all")

    aida = person(203, "en", first_name="Aida")
    done = await onboard(aida, language="English", start_arg=oblast)
    assert done.text.startswith(
        "Welcome! You are registered as a coordinator for Batken Region. Urgent reports"
    )
    assert await profile(bot, 203) == ("coordinator", "BA", None)
    assert await roles(bot, 203) == [("coordinator", "place", "BA")]

    bakyt = person(204, "ru", first_name="Бакыт")
    done = await onboard(bakyt, language="Русский", start_arg=everywhere)
    assert done.text.startswith(
        "Добро пожаловать! Вы зарегистрированы как координатор по всей стране."
    )
    assert await profile(bot, 204) == ("coordinator", None, None)
    assert await roles(bot, 204) == [("coordinator", "all", "")]

    nurlan = person(205, "ky", first_name="Нурлан")
    done = await onboard(nurlan, language="Кыргызча", start_arg=boss)
    assert done.text.startswith("Кош келиңиз! Сиз администратор катары катталдыңыз")
    assert await profile(bot, 205) == ("coordinator", None, None)
    assert await roles(bot, 205) == [("admin", "all", "")]
    assert "?start=" in (await nurlan.say("/invite coordinator all")).text


async def test_a_used_link_says_so_and_onboarding_goes_on_as_for_anyone(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    code = await invitation(await an_administrator(person), "coordinator", "BA-BAT")
    await onboard(person(206, "ru", first_name="Гульнара"), language="Русский", start_arg=code)
    oleg = person(207, "ru", first_name="Олег")
    first = await oleg.say(f"/start {code}")
    assert first.text.startswith(
        "⚠️ Эта ссылка-приглашение уже использована: каждая ссылка действует один раз и только "
        "для одного человека. Попросите новую у того, кто её прислал."
    )
    assert oleg.labels(first)[:3] == ["Кыргызча", "Русский", "English"]
    kinds = await oleg.press("Русский")
    assert "Кто вы?" in kinds.text
    await oleg.press("Глава села или сотрудник айыл окмоту")
    await oleg.press("Баткенская область")
    await oleg.press("Баткенский район")
    privacy = await oleg.press("Ак-Сай")
    done = await oleg.press("Принимаю", message=privacy)
    assert (
        done.text == "Добро пожаловать! Вы зарегистрированы. Что можно сделать — смотрите в /menu."
    )
    assert await profile(bot, 207) == ("leader", "BA-BAT-AKS", None)
    assert await roles(bot, 207) == []
    # Someone registered who opens it is told the same, then sees her menu.
    said = await oleg.say(f"/start {code}")
    assert said.text.startswith("⚠️ Эта ссылка-приглашение уже использована")
    assert "Что вы хотите сделать?" in (await oleg.reply()).text


async def test_a_link_not_valid_or_expired_says_so_in_the_persons_language(
    bot: AyilApp, person: PersonFactory
) -> None:
    stranger = person(208, "ky", first_name="Айпери")
    first = await stranger.say("/start Xy12-not-a-code")
    assert first.text.startswith(
        "⚠️ Бул чакыруу шилтемеси жараксыз; балким, көчүрүп жатканда анын бир бөлүгү түшүп "
        "калгандыр."
    )
    kinds = await stranger.press("Кыргызча")
    assert "Сиз кимсиз?" in kinds.text

    # A link made 15 days ago: AYILBOT_INVITE_DAYS is 14 by default.
    made = Clock().now() - timedelta(days=15)
    async with services_of(bot).db.transaction() as conn:
        await InviteRepository(conn).create(
            code="old-link-15-days",
            role="coordinator",
            scope_kind="place",
            scope_value="BA-BAT",
            created_by=ADMIN,
            now=made,
        )
    late = person(209, "ru", first_name="Жылдыз")
    first = await late.say("/start old-link-15-days")
    assert first.text.startswith(
        "⚠️ Срок действия этой ссылки-приглашения истёк: ссылка действует 14 дней. Попросите "
        "новую у того, кто её прислал."
    )
    done = await onboard_rest_as_leader(late)
    assert "Добро пожаловать! Вы зарегистрированы." in done.text
    assert await roles(bot, 209) == []
    assert (await profile(bot, 209))[0] == "leader"


async def onboard_rest_as_leader(who: Person) -> BotMessage:
    """From the language question on, as a village leader in Ak-Say (Russian)."""
    await who.press("Русский")
    await who.press("Глава села или сотрудник айыл окмоту")
    await who.press("Баткенская область")
    await who.press("Баткенский район")
    privacy = await who.press("Ак-Сай")
    return await who.press("Принимаю", message=privacy)
