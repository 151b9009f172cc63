"""Onboarding, language, invites, refusals, groups, resume and erasure, end to end."""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from bot.localapi import LocalBotApi
from bot.wiring import AyilApp
from storage.users import RoleRepository, UserRepository
from tests.conftest import PersonFactory
from tests.harness import Person, onboard, running_bot, services_of


async def stored_user(app: AyilApp, user_id: int) -> tuple[str, str | None, str | None] | None:
    async with services_of(app).db.reading() as conn:
        user = await UserRepository(conn).get(user_id)
    if user is None or not user.onboarded:
        return None
    return user.language, user.kind, user.place_code


async def test_onboarding_in_kyrgyz(bot: AyilApp, person: PersonFactory) -> None:
    aigul = person(101, "ky")
    first = await aigul.say("/start")
    assert aigul.labels(first)[:3] == ["Кыргызча", "Русский", "English"]
    kinds = await aigul.press("Кыргызча")
    assert "Сиз ким" in kinds.text or "ким" in kinds.text.lower()
    await onboard_rest(aigul, kinds, ("Баткен облусу", "Баткен району", "Ак-Сай"))
    assert await stored_user(bot, 101) == ("ky", "leader", "BA-BAT-AKS")


async def onboard_rest(who: Person, kinds_message: object, places: tuple[str, str, str]) -> str:
    """Press the first kind, then the three places and the privacy button."""
    await who.server.press_button(who.user, index=0)
    await who.reply()
    await who.press(places[0])
    await who.press(places[1])
    privacy = await who.press(places[2])
    assert "/deleteme" in privacy.text and "/mydata" in privacy.text
    done = await who.press(privacy.flat_buttons[0][0], message=privacy)
    return done.text


async def test_onboarding_in_russian_guessed_from_telegram(
    bot: AyilApp, person: PersonFactory
) -> None:
    oleg = person(102, "ru-RU")
    first = await oleg.say("/start")
    assert "Выберите" in first.text  # the first question is already in Russian
    kinds = await oleg.press("Русский")
    done = await onboard_rest(oleg, kinds, ("Баткенская область", "Баткенский район", "Ак-Сай"))
    assert "/menu" in done and "Добро пожаловать" in done
    assert await stored_user(bot, 102) == ("ru", "leader", "BA-BAT-AKS")


async def test_onboarding_in_english_with_a_place_not_listed(
    bot: AyilApp, person: PersonFactory
) -> None:
    donor = person(103, "en", first_name="Jane")
    await donor.say("/start")
    kinds = await donor.press("English")
    assert "Who are you?" in kinds.text
    await donor.server.press_button(donor.user, index=2)
    await donor.reply()
    await donor.press("Chui Region")
    typed = await donor.press("Other / not listed")
    assert "Type the name" in typed.text
    privacy = await donor.say("Kyzyl-Bairak <village>")
    done = await donor.press(privacy.flat_buttons[0][0], message=privacy)
    assert "registered" in done.text
    async with services_of(bot).db.reading() as conn:
        user = await UserRepository(conn).get(103)
    assert user is not None
    assert (user.kind, user.place_code, user.place_other) == (
        "community",
        "CH",
        "Kyzyl-Bairak <village>",
    )


async def test_language_change_applies_to_every_later_message(
    bot: AyilApp, person: PersonFactory
) -> None:
    aigul = person(104, "ky")
    await onboard(aigul, language="Кыргызча")
    choose = await aigul.say("/language")
    confirmed = await aigul.press("Русский", message=choose)
    assert "языке" in confirmed.text
    menu = await aigul.say("/menu")
    assert "Что вы хотите сделать?" in menu.text
    assert await stored_user(bot, 104) == ("ru", "leader", "BA-BAT-AKS")


async def test_invite_link_grants_coordinator_role(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    admin = person(9000, "en", first_name="Admin")
    await onboard(admin, language="English")
    link = await admin.say("/invite coordinator BA-BAT")
    code = link.text.split("?start=")[1].split()[0]
    assert f"t.me/{server.bot_username}?start=" in link.text
    coordinator = person(105, "ru", first_name="Гульнара")
    await onboard(coordinator, language="Русский", start_arg=code)
    async with services_of(bot).db.reading() as conn:
        roles = await RoleRepository(conn).for_user(105)
    assert [(r.role, r.scope_kind, r.scope_value) for r in roles] == [
        ("coordinator", "place", "BA-BAT")
    ]
    # The code is one-time: a second person gets no role from it.
    other = person(106, "ru")
    await onboard(other, language="Русский", start_arg=code)
    async with services_of(bot).db.reading() as conn:
        assert await RoleRepository(conn).for_user(106) == []


async def test_privileged_command_is_refused_in_the_users_language(
    bot: AyilApp, person: PersonFactory
) -> None:
    reporter = person(107, "ru")
    await onboard(reporter, language="Русский")
    refused = await reporter.say("/invite coordinator all")
    assert "нет прав" in refused.text
    async with services_of(bot).db.reading() as conn:
        assert await RoleRepository(conn).for_user(107) == []


async def test_unregistered_person_is_asked_to_start(bot: AyilApp, person: PersonFactory) -> None:
    stranger = person(108, "ru")
    answer = await stranger.say("/invite coordinator all")
    assert "/start" in answer.text


async def test_form_resumes_after_restart(
    settings: Settings, server: LocalBotApi, person: PersonFactory
) -> None:
    aigul = person(109, "ru")
    async with running_bot(settings):
        await aigul.say("/start")
        await aigul.press("Русский")
        await server.press_button(aigul.user, index=0)
        oblasts = await aigul.reply()
        await aigul.press("Баткенская область", message=oblasts)
    # A new process on the same database file: the old rayon buttons still work.
    async with running_bot(settings) as app:
        rayons = server.last_message(aigul.user)
        assert rayons is not None
        villages = await aigul.press("Баткенский район", message=rayons)
        assert "Ак-Сай" in aigul.labels(villages)
        privacy = await aigul.press("Ак-Сай", message=villages)
        await aigul.press(privacy.flat_buttons[0][0], message=privacy)
        assert await stored_user(app, 109) == ("ru", "leader", "BA-BAT-AKS")


async def test_deleteme_erases_personal_data(
    bot: AyilApp, person: PersonFactory, settings: Settings
) -> None:
    aigul = person(110, "ru", first_name="Жылдыз", username="jyldyz_b")
    await onboard(aigul, language="Русский")
    ask = await aigul.say("/deleteme")
    assert "остаются" in ask.text or "останутся" in ask.text
    bye = await aigul.press(ask.flat_buttons[0][0], message=ask)
    assert "/start" in bye.text
    leaks = scan_database(settings, ("Жылдыз", "jyldyz_b", "110"))
    assert leaks == []


def scan_database(settings: Settings, needles: tuple[str, ...]) -> list[str]:
    """Every text cell (and integer id) in any table that contains one of the needles."""
    found = []
    with sqlite3.connect(settings.db_path) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'"
                " AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):
                for cell in row:
                    if cell is not None and any(
                        n == str(cell) or (isinstance(cell, str) and n in cell) for n in needles
                    ):
                        found.append(f"{table}: {cell!r}")
    return found


async def test_group_chat_start_points_to_private_chat(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    group = server.group(-1001, "Ак-Сай айыл өкмөтү")
    aigul = person(111, "ky")
    await server.send_text(aigul.user, "/start", chat=group)
    answer = await server.next_message(group)
    # A URL button that opens the private chat, not a form button.
    assert answer.flat_buttons == [("Жеке чатты ачуу", f"https://t.me/{server.bot_username}")]
    async with services_of(bot).db.reading() as conn:
        assert await UserRepository(conn).get(111) is None  # no form was started there


async def test_command_menu_is_translated(bot: AyilApp, server: LocalBotApi) -> None:
    described = {
        key: {c["command"]: c["description"] for c in value}
        for key, value in server.commands.items()
    }
    ru = next(v for k, v in described.items() if "ru" in k)
    ky = next(v for k, v in described.items() if "ky" in k)
    assert ru["language"] == "Сменить язык" and ky["language"] == "Тилди өзгөртүү"


async def test_invite_explains_bad_arguments(bot: AyilApp, person: PersonFactory) -> None:
    admin = person(9000, "ru", first_name="Admin")
    await onboard(admin, language="Русский")
    assert "/invite coordinator" in (await admin.say("/invite")).text
    assert "NOWHERE" in (await admin.say("/invite coordinator NOWHERE")).text
    assert "wizard" in (await admin.say("/invite wizard all")).text


async def test_blocking_and_unblocking_the_bot_turns_sending_off_and_on(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    aigul = person(112, "ru")
    await onboard(aigul, language="Русский")

    def member_update(old: str, new: str) -> dict[str, object]:
        bot_user = {"id": 1, "is_bot": True, "first_name": "bot"}

        def member(status: str) -> dict[str, object]:
            # Telegram always sends until_date for a banned ("kicked") member.
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"status": status, "user": bot_user, **extra}

        return {
            "my_chat_member": {
                "chat": {"id": 112, "type": "private"},
                "from": aigul.user.to_dict(),
                "date": 0,
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        }

    async def active() -> bool:
        async with services_of(bot).db.reading() as conn:
            user = await UserRepository(conn).get(112)
        assert user is not None
        return user.active

    server.enqueue(member_update("member", "kicked"))
    await server.wait_idle()
    assert not await active()
    server.enqueue(member_update("kicked", "member"))
    await server.wait_idle()
    assert await active()


async def test_help_lists_the_commands_of_the_persons_role(
    bot: AyilApp, person: PersonFactory
) -> None:
    reporter = person(113, "ru")
    await onboard(reporter, language="Русский")
    shown = (await reporter.say("/help")).text
    assert "/report" in shown and "/review" not in shown and "/export" not in shown
    admin = person(9000, "ru", first_name="Admin")
    await onboard(admin, language="Русский")
    shown = (await admin.say("/help")).text
    assert "/review" in shown and "/export" in shown and "/compare" in shown


async def test_unknown_command_is_explained(bot: AyilApp, person: PersonFactory) -> None:
    aigul = person(114, "ru")
    await onboard(aigul, language="Русский")
    for command in ("/frobnicate", "/linkgroup"):
        answer = await aigul.say(command)
        assert "/help" in answer.text and "команды" in answer.text
