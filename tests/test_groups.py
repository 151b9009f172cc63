"""Peer groups end to end: create, join by link, manage, link a group chat."""

from __future__ import annotations

from bot.localapi import LocalBotApi
from bot.rules.digests import DigestRules
from bot.wiring import AyilApp
from storage.audit import AuditRepository
from storage.groups import GroupRepository
from tests.conftest import PersonFactory
from tests.harness import onboard, services_of
from tests.practice_steps import CANDIDATE, button, coordinator, label, member, press_data


async def test_coordinator_creates_a_group_and_people_join_by_its_link(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    boss = await coordinator(bot, person, 401, "ru")
    await boss.say("/newgroup")
    await boss.say("Кандидатки Баткена")
    await boss.press(label("ru", "Women candidates"))
    await boss.press("Баткенская область")
    language = await boss.press("Баткенский район")
    assert "На каком языке говорит группа?" in language.text
    summary = await boss.press("Русский")
    assert "Кандидатки Баткена" in summary.text
    created = await boss.press(button("ru", "Submit"), message=summary)
    link_prefix = f"https://t.me/{server.bot_username}?start=g_"
    assert link_prefix in created.text and "создана" in created.text
    code = created.text.split("?start=")[1].split()[0]
    assert code.startswith("g_") and len(code.encode()) <= 64

    # A registered person opens the link, sees the group and joins after confirming.
    peer = await member(person, 402, "ky", kind=CANDIDATE)
    invitation = await peer.say(f"/start {code}")
    assert "Кандидатки Баткена" in invitation.text and "чакырылдыңыз" in invitation.text
    joined = await peer.press("✅ " + button("ky", "Join"), message=invitation)
    assert "Кандидатки Баткена" in joined.text and "кошулдуңуз" in joined.text
    # A newcomer registers first, then is offered to join.
    newcomer = person(403, "ru", first_name="Асель")
    await onboard(newcomer, language="Русский", kind_index=CANDIDATE, start_arg=code)
    offer = await newcomer.reply()
    assert "Кандидатки Баткена" in offer.text and "приглашают" in offer.text
    await newcomer.press("✅ " + button("ru", "Join"), message=offer)
    async with services_of(bot).db.reading() as conn:
        repo = GroupRepository(conn)
        (group,) = await repo.created_by(401)
        assert await repo.member_ids(group.id) == [402, 403]
        assert (group.region, group.kind, group.language) == ("BA-BAT", "candidates", "ru")
    # A second press of Join adds nothing; /groups lists the group for the member.
    again = await peer.say(f"/start {code}")
    assert "Кандидатки Баткена" in again.text and not again.flat_buttons
    mine = await peer.say("/groups")
    assert "Кандидатки Баткена" in mine.text
    # A made-up code joins nothing.
    query = await press_data(server, peer, "grp:j:not-a-real-code")
    await server.wait_callback_answer(query)
    stranger = await member(person, 404, "ru")
    bogus = await stranger.say("/start g_nothing")
    assert not bogus.flat_buttons


async def test_a_coordinator_manages_only_their_own_groups(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    owner = await coordinator(bot, person, 411, "en")
    other = await coordinator(bot, person, 412, "en")
    peer = await member(person, 413, "ru", first_name="Гульмира")
    await owner.say("/newgroup")
    await owner.say("Border ayil okmotu")
    await owner.press(label("en", "Ayil okmotu peers"))
    await owner.press(label("en", "All of Kyrgyzstan"))
    summary = await owner.press("English")
    created = await owner.press(button("en", "Submit"), message=summary)
    code = created.text.split("?start=")[1].split()[0]
    invitation = await peer.say(f"/start {code}")
    await peer.press(invitation.flat_buttons[0][0], message=invitation)
    async with services_of(bot).db.reading() as conn:
        (group,) = await GroupRepository(conn).created_by(411)

    # The other coordinator neither sees nor can open it, even with forged buttons.
    listing = await other.say("/groups")
    assert "Border ayil okmotu" not in listing.text
    for data in (f"grp:m:{group.id}", f"grp:rmy:{group.id}:413", f"grp:cly:{group.id}"):
        query = await press_data(server, other, data)
        assert (await server.wait_callback_answer(query)).get("text")
    # A plain member cannot either: a refusal, and nothing of the group.
    await press_data(server, peer, f"grp:m:{group.id}")
    refused = await peer.reply()
    assert "Border ayil okmotu" not in refused.text and code not in refused.text

    # The owner renames, removes the member (who is told), and closes the group.
    overview = await owner.say("/groups")
    manage = await owner.press("⚙️ Border ayil okmotu", message=overview)
    assert "1 member" in manage.text and code in manage.text
    await owner.press("✏️ " + button("en", "Rename"), message=manage)
    renamed = await owner.say("Batken border AO")
    assert "Batken border AO" in renamed.text
    manage = await owner.press("⚙️ Batken border AO", message=await owner.say("/groups"))
    members = await owner.press("👥 " + button("en", "Members"), message=manage)
    assert "Гульмира" in members.text
    confirm = await owner.press("✖️ 1. Гульмира", message=members)
    after = await owner.press(button("en", "Yes, remove"), message=confirm)
    assert "0 members" in after.text
    told = await peer.reply()
    assert "Batken border AO" in told.text
    close = await owner.press("🗑 " + button("en", "Close the group"), message=manage)
    closed = await owner.press(button("en", "Yes, close it"), message=close)
    assert "Batken border AO" in closed.text
    late = await member(person, 414, "ru")
    dead = await late.say(f"/start {code}")
    assert not dead.flat_buttons
    async with services_of(bot).db.reading() as conn:
        audit = await AuditRepository(conn).for_entity(
            entity="peer_group", entity_id=str(group.id)
        )
    assert [a.action for a in audit] == ["created", "renamed", "member_removed", "closed"]
    assert [a.actor_id for a in audit] == [411] * 4


async def test_linking_a_group_chat_is_confirmed_in_private(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    boss = await coordinator(bot, person, 421, "ky")
    await boss.say("/newgroup")
    await boss.say("Аялдар тармагы")
    await boss.press(label("ky", "Women candidates"))
    await boss.press(label("ky", "All of Kyrgyzstan"))
    summary = await boss.press("Кыргызча")
    await boss.press(button("ky", "Submit"), message=summary)
    chat = server.group(-100421, "Аялдар чаты")

    # Someone without the coordinator role cannot link the chat.
    peer = await member(person, 422, "ky")
    await server.send_text(peer.user, "/linkgroup", chat=chat)
    refused = await server.next_message(chat)
    assert refused.text

    await server.send_text(boss.user, "/linkgroup@" + server.bot_username, chat=chat)
    in_chat = await server.next_message(chat)
    assert in_chat.text
    question = await boss.reply()
    assert "Аялдар чаты" in question.text
    manage = await boss.press("Аялдар тармагы", message=question)
    assert "Аялдар чаты" in manage.text
    announced = await server.next_message(chat)
    assert "Аялдар тармагы" in announced.text
    both = await boss.press(label("ky", "to members and the chat"), message=manage)
    assert "✅ " + label("ky", "to members and the chat") in boss.labels(both)
    async with services_of(bot).db.reading() as conn:
        (group,) = await GroupRepository(conn).created_by(421)
    assert (group.chat_id, group.chat_title, group.deliver_to) == (-100421, "Аялдар чаты", "both")
    # The link request is used up: pressing its button again changes nothing.
    query = await server.press_button(boss.user, "Аялдар тармагы", message=question)
    assert (await server.wait_callback_answer(query)).get("text")


async def test_a_russian_groups_chat_is_asked_where_digests_go_and_gets_them_in_russian(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    """Issue #17: the group's language is asked and shown; linking asks where digests go, and
    the chat's digest comes in the group's language, not the bot's default (Kyrgyz)."""
    boss = await coordinator(bot, person, 431, "ru")
    await boss.say("/newgroup")
    await boss.say("Кандидатки Лейлека")
    await boss.press(label("ru", "Women candidates"))
    await boss.press(label("ru", "All of Kyrgyzstan"))
    summary = await boss.press("Русский")
    assert "<b>Язык</b>: Русский" in summary.text
    await boss.press(button("ru", "Submit"), message=summary)
    page = await boss.press("⚙️ Кандидатки Лейлека", message=await boss.say("/groups"))
    assert "Язык группы: Русский" in page.text

    chat = server.group(-100431, "Чат кандидаток")
    await server.send_text(boss.user, "/linkgroup", chat=chat)
    await server.next_message(chat)  # "I sent you a private message"
    question = await boss.reply()
    asked = await boss.press("Кандидатки Лейлека", message=question)
    assert asked.text == (
        "Чат «Чат кандидаток» теперь привязан к группе «Кандидатки Лейлека». "
        "Куда отправлять еженедельные сводки группы?"
    )
    choices = [label("ru", m) for m in ("to members privately", "to the linked chat")]
    choices.append(label("ru", "to members and the chat"))
    assert boss.labels(asked) == ["✅ " + choices[0], choices[1], choices[2]]
    linked = await server.next_message(chat)
    assert "Кандидатки Лейлека" in linked.text and "привязан" in linked.text
    chosen = await boss.press(choices[1], message=asked)
    assert "✅ " + choices[1] in boss.labels(chosen)
    assert "Сводки отправляются: в привязанный чат" in chosen.text

    services = services_of(bot)
    async with services.db.reading() as conn:
        (group,) = await GroupRepository(conn).created_by(431)
    assert services.settings.default_language == "ky"
    await services.get(DigestRules).run_now(services.clock.now(), group=group.id)
    digest = await server.next_message(chat)
    assert "Кандидатки Лейлека" in digest.text and "тихая неделя" in digest.text
