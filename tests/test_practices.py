"""Practices end to end: share, approve, browse, search, "helped me", ask, visibility."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import Settings
from bot.core.access import Actor
from bot.forms.engine import Form, FormEngine, FormSpec, Step, Submitted
from bot.forms.kinds import Env, Input, MultiChoice, Option, Text
from bot.gazetteer import Gazetteer
from bot.localapi import LocalBotApi
from bot.records.core import Draft
from bot.records.practices import Filter, Viewer
from bot.wiring import AyilApp
from storage.audit import AuditRepository
from storage.db import Database
from storage.practices import PracticeRepository, fold, match_expression
from tests.conftest import PersonFactory
from tests.harness import running_bot, services_of
from tests.practice_steps import (
    CANDIDATE,
    Share,
    button,
    coordinator,
    fill_practice,
    label,
    member,
    press_data,
    seed_group,
    seed_practice,
)


async def practice_rows(settings: Settings) -> list[tuple[object, ...]]:
    with sqlite3.connect(settings.db_path) as conn:
        return list(conn.execute("SELECT id, title, status, author_id FROM practices"))


async def test_shared_approved_found_helpful_and_asked_without_revealing_anyone(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory, settings: Settings
) -> None:
    boss = await coordinator(bot, person, 301, "ru")
    author = await member(person, 302, "ky", first_name="Бакыт", username="bakyt_ao")
    peer = await member(person, 303, "ru", first_name="Жылдыз", username="jyldyz_k")

    summary = await fill_practice(author, "ky", Share(photos=1, voice=True))
    assert "Water schedule" in summary.text
    receipt = await author.press(button("ky", "Submit"), message=summary)
    assert "Рахмат" in receipt.text and "№ 1" in receipt.text
    assert [r[1:] for r in await practice_rows(settings)] == [
        ("Water schedule agreed with the neighbours", "pending", 302)
    ]

    # Not visible to peers before approval.
    before = await peer.say("/practices")
    assert "Water schedule" not in before.text

    alert = await boss.reply()
    assert "Water schedule" in alert.text and "ждёт одобрения" in alert.text
    review = await boss.press(alert.flat_buttons[0][0], message=alert)
    # The review shows the text, then the photo and the voice note with the buttons.
    assert "canal water" in review.text
    photo = await boss.reply()
    voice = await boss.reply()
    assert (photo.kind, voice.kind) == ("photo", "voice")
    approved = await boss.press("✅ " + button("ru", "Approve"), message=voice)
    assert "Одобрено" in approved.text
    told = await author.reply()
    assert "Water schedule" in told.text and "бекитилди" in told.text

    listing = await peer.say("/practices")
    assert "Water schedule" in listing.text
    opened = await peer.press("1", message=listing)
    assert "Бакыт" in opened.text  # the author agreed to be named
    assert "bakyt_ao" not in opened.text
    await peer.reply()
    with_buttons = await peer.reply()
    query = await server.press_button(
        peer.user, "👍 " + button("ru", "This helped me"), message=with_buttons
    )
    first = await server.wait_callback_answer(query)
    query = await server.press_button(
        peer.user, "👍 " + button("ru", "This helped me"), message=with_buttons
    )
    second = await server.wait_callback_answer(query)
    assert first["text"] != second["text"]
    async with services_of(bot).db.reading() as conn:
        stored = await PracticeRepository(conn).get(1)
    assert stored is not None and stored.helpful == 1

    found = await peer.say("/search соглашение")
    assert "Water schedule" not in found.text  # the practice is in English: no false match
    found = await peer.say("/search neighbour")
    assert "Water schedule" in found.text

    # Ask the author: the relay names neither side.
    asking = await peer.press("❓ " + button("ru", "Ask the author"), message=with_buttons)
    assert asking.text
    share = await peer.say("How did you agree on the hours?")
    sent = await peer.press(label("ru", "No"), message=share)
    assert sent.text
    relay = await author.reply()
    assert "How did you agree on the hours?" in relay.text and "Кесиптешиңиз" in relay.text
    for secret in ("Жылдыз", "jyldyz_k", "303"):
        assert secret not in relay.text
        assert all(secret not in (data or "") for _, data in relay.flat_buttons)
    await author.press(relay.flat_buttons[0][0], message=relay)
    share = await author.say("We counted hours per household.")
    await author.press(label("ky", "Yes"), message=share)
    answer = await peer.reply()
    assert "We counted hours per household." in answer.text and "Ответ автора" in answer.text
    for secret in ("Бакыт", "bakyt_ao", "302"):
        assert secret not in answer.text
    async with services_of(bot).db.reading() as conn:
        audit = await AuditRepository(conn).for_entity(entity="practice", entity_id="1")
    assert [a.action for a in audit] == ["submitted", "approved", "question"]


async def test_declined_and_other_groups_practices_are_invisible_everywhere(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    db = services_of(bot).db
    boss = await coordinator(bot, person, 311, "en")
    in_a = await member(person, 312, "ru", kind=CANDIDATE)
    in_b = await member(person, 313, "ky", kind=CANDIDATE)
    group_a = await seed_group(bot, name="Group A", created_by=311, members=[312])
    await seed_group(bot, name="Group B", created_by=311, members=[313])
    declined = await seed_practice(
        db, author_id=311, title="Declined pasture deal", status="declined", text="пастбище ёлки"
    )
    only_a = await seed_practice(
        db,
        author_id=311,
        title="Budget line for shelters",
        groups=(group_a,),
        text="пастбище ёлки",
    )
    public = await seed_practice(db, author_id=311, title="Open to everyone", text="пастбище ёлки")
    assert boss.user.id == 311

    # Group B's member: browse, search and a forged open show only the public practice.
    listing = await in_b.say("/practices")
    assert "Open to everyone" in listing.text
    assert "Declined pasture" not in listing.text and "Budget line" not in listing.text
    found = await in_b.say("/search пастбища елки")
    assert "Open to everyone" in found.text
    assert "Declined pasture" not in found.text and "Budget line" not in found.text
    for hidden in (declined, only_a):
        for action in ("o", "h", "q"):
            query = await press_data(server, in_b, f"pr:{action}:{hidden}")
            answer = await server.wait_callback_answer(query)
            assert answer.get("text"), (action, hidden)
    await server.wait_idle()
    assert all(
        "Budget line" not in (m.text or "") and "Declined" not in (m.text or "")
        for m in server.messages(in_b.user)
    )

    # Group A's member sees the group's practice (the rule can fail), never the declined one.
    listing = await in_a.say("/practices")
    assert "Budget line for shelters" in listing.text
    assert "Declined pasture" not in listing.text
    listing_search = await in_a.press("🔍 " + button("ru", "Search"), message=listing)
    assert listing_search.text
    searching = await in_a.say("shelters")
    assert "Ищу «shelters»" in searching.text
    found = await in_a.reply()
    assert "Budget line for shelters" in found.text
    opened = await in_a.press("1", message=found)
    assert "Budget line for shelters" in opened.text
    assert public


async def test_coordinator_asks_for_edits_then_declines_with_reasons(
    bot: AyilApp, person: PersonFactory, settings: Settings
) -> None:
    boss = await coordinator(bot, person, 321, "ru")
    author = await member(person, 322, "ru")
    summary = await fill_practice(author, "ru", Share(title="First title of mine"))
    await author.press(button("ru", "Submit"), message=summary)
    alert = await boss.reply()
    review = await boss.press(alert.flat_buttons[0][0], message=alert)
    ask = await boss.press("✏️ " + button("ru", "Ask for edits"), message=review)
    await boss.say("Please say which villages.")
    note = await author.reply()
    assert "Please say which villages." in note.text
    # The author edits from a pre-filled summary and changes only the title.
    edit = await author.press(note.flat_buttons[0][0], message=note)
    assert "First title of mine" in edit.text
    retitle = await author.press("✏️ " + label("ru", "Title"), message=edit)
    summary = await author.say("Better title with villages")
    await author.press(button("ru", "Submit"), message=summary)
    again = await boss.reply()
    assert "Better title with villages" in again.text
    review = await boss.press(again.flat_buttons[0][0], message=again)
    await boss.press("⛔ " + button("ru", "Decline"), message=review)
    await boss.say("It repeats practice No. 3.")
    told = await author.reply()
    assert "It repeats practice No. 3." in told.text
    assert ask.text and retitle.text
    assert [r[1:] for r in await practice_rows(settings)] == [
        ("Better title with villages", "declined", 322)
    ]
    async with services_of(bot).db.reading() as conn:
        audit = await AuditRepository(conn).for_entity(entity="practice", entity_id="1")
    assert [(a.action, a.from_value, a.to_value, a.reason) for a in audit] == [
        ("submitted", None, "pending", None),
        ("edits_requested", "pending", "changes", "Please say which villages."),
        ("revised", "changes", "pending", None),
        ("declined", "pending", "declined", "It repeats practice No. 3."),
    ]
    # The declined practice is invisible to peers, and its buttons are dead for them.
    peer = await member(person, 323, "ru")
    listing = await peer.say("/practices")
    assert "Better title" not in listing.text


async def test_candidate_topics_and_budget_amount(bot: AyilApp, person: PersonFactory) -> None:
    candidate = await member(person, 331, "ky", kind=CANDIDATE)
    topics = await candidate.say("/practice")
    labels = candidate.labels(topics)
    assert label("ky", "Campaign strategy") in labels
    assert label("ky", "Disputes over water") not in labels
    assert label("ky", "Other") in labels
    await candidate.say("/cancel")
    summary = await fill_practice(
        candidate,
        "ky",
        Share(
            topic=3,
            title="Shelter line in the budget",
            plan="Into the local budget",
            amount="150000",
        ),
    )
    assert "150" in summary.text
    await candidate.press(button("ky", "Submit"), message=summary)
    async with services_of(bot).db.reading() as conn:
        stored = await PracticeRepository(conn).get(1)
    assert stored is not None
    assert (stored.topic, stored.content.plan_budget, stored.content.amount_som) == (
        "plan",
        "budget",
        150000,
    )
    leader = await member(person, 332, "ru")
    topics = await leader.say("/practice")
    assert label("ru", "Disputes over water") in leader.labels(topics)
    assert label("ru", "Campaign strategy") not in leader.labels(topics)


async def test_a_redelivered_submit_makes_one_practice(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory, settings: Settings
) -> None:
    author = await member(person, 341, "ru")
    summary = await fill_practice(author, "ru", Share())
    query = await server.press_button(author.user, button("ru", "Submit"), message=summary)
    await author.reply()
    delivered = server._delivered
    update_id = next(
        u for u, upd in delivered.items() if upd.get("callback_query", {}).get("id") == query
    )
    server.redeliver(update_id)
    await server.wait_idle()
    assert len(await practice_rows(settings)) == 1


async def test_group_restricted_choice_and_mydata_and_deleteme(
    bot: AyilApp, person: PersonFactory, settings: Settings
) -> None:
    author = await member(
        person, 351, "ru", kind=CANDIDATE, first_name="Нургуль", username="nurgul_b"
    )
    group = await seed_group(bot, name="Batken candidates", created_by=1, members=[351])
    summary = await fill_practice(
        author, "ru", Share(topic=0, groups=["Batken candidates"], plan="No")
    )
    await author.press(button("ru", "Submit"), message=summary)
    async with services_of(bot).db.reading() as conn:
        repo = PracticeRepository(conn)
        stored = await repo.get(1)
        shared_with = await repo.group_ids(1)
    assert stored is not None and not stored.content.visible_to_all
    assert shared_with == [group]
    mydata = await author.say("/mydata")
    assert mydata.document is not None and b"Water schedule" in mydata.document
    ask = await author.say("/deleteme")
    await author.press(ask.flat_buttons[0][0], message=ask)
    with sqlite3.connect(settings.db_path) as conn:
        assert list(conn.execute("SELECT count(*) FROM practices")) == [(0,)]
        leaks = [
            cell
            for table in (
                "practices",
                "practice_questions",
                "practice_helpful",
                "practice_searches",
                "group_link_requests",
            )
            for row in conn.execute(f"SELECT * FROM {table}")
            for cell in row
            if cell in (351, "Нургуль", "nurgul_b")
        ]
    assert leaks == []


# Search and visibility in the repository, on a real SQLite file -----------------------------


async def test_search_folds_case_yo_and_kyrgyz_letters_and_cuts_endings(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "search.db")
    try:
        with sqlite3.connect(tmp_path / "search.db") as raw:
            raw.execute(
                "INSERT INTO users (id, language, pseudonym, created_at, updated_at)"
                " VALUES (1, 'ru', 'P-1', 'x', 'x')"
            )
        texts = {
            "ru": "Договорились о графике полива; пастбища поделили, ёлки не рубим",
            "ky": "Сууну бөлүштүрүү боюнча өрөөндөгү кеңеш",
            "en": "The Water Users' Association met in the café",
        }
        ids = {
            key: await seed_practice(db, author_id=1, title=f"Practice {key}", text=text)
            for key, text in texts.items()
        }
        everyone = Viewer(user_id=99)

        async def hits(words: str) -> set[str]:
            expression = match_expression(words)
            assert expression is not None
            async with db.reading() as conn:
                found = await PracticeRepository(conn).visible(
                    everyone, Filter(match=expression), limit=10
                )
            return {key for key, pid in ids.items() if pid in {p.id for p in found}}

        assert await hits("ПАСТБИЩЕ") == {"ru"}  # case, and an inflected ending
        assert await hits("елки") == {"ru"}  # ё and е meet
        assert await hits("ёлки") == {"ru"}
        assert await hits("полив график") == {"ru"}  # every word must match
        assert await hits("полив water") == set()
        assert await hits("суу") == {"ky"}  # a Kyrgyz stem finds its suffixed form
        assert await hits("кенеш") == {"ky"}  # ң typed as н on a Russian keyboard
        assert await hits("болуштуруу") == {"ky"}  # ө ү typed as о у
        assert await hits("water") == {"en"}
        assert await hits("cafe") == {"en"}  # Latin diacritics removed
        assert await hits('"water*(') == {"en"}  # typed FTS5 syntax is only a word
        assert await hits('water" OR "полив') == set()  # no OR smuggled in: all words needed
        assert match_expression("и — !") is None
        assert fold("Ёлка Өрөөн Үй Кеңеш") == "елка ороон уй кенеш"
    finally:
        await db.close()


async def test_visibility_rule_for_members_owners_scopes_and_statuses(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "v.db")
    try:
        with sqlite3.connect(tmp_path / "v.db") as raw:
            for uid in (1, 2, 3, 4):
                raw.execute(
                    "INSERT INTO users (id, language, pseudonym, created_at, updated_at)"
                    " VALUES (?, 'ru', ?, 'x', 'x')",
                    (uid, f"P-{uid}"),
                )
            raw.execute(
                "INSERT INTO peer_groups (id, name, kind, created_by, created_at)"
                " VALUES (10, 'A', 'candidates', 4, 'x')"
            )
            raw.execute(
                "INSERT INTO group_members (group_id, user_id, joined_at) VALUES (10, 2, 'x')"
            )
        restricted = await seed_practice(
            db, author_id=1, title="A only", groups=(10,), place_code="BA-KAD-AMS"
        )
        pending = await seed_practice(db, author_id=1, title="Pending", status="pending")
        async with db.reading() as conn:
            repo = PracticeRepository(conn)

            async def sees(viewer: Viewer) -> set[int]:
                found = await repo.visible(viewer, Filter(), limit=50)
                return {p.id for p in found}

            assert await sees(Viewer(2)) == {restricted}  # member of A
            assert await sees(Viewer(3)) == set()  # not a member
            # The group's creator: through her reach (it holds the group while she is a
            # coordinator), never by having created it.
            assert await sees(Viewer(4)) == set()
            assert await sees(Viewer(4, groups=(10,))) == {restricted}
            assert await sees(Viewer(1)) == {restricted}  # the author
            assert await sees(Viewer(3, places=("BA-KAD-AMS",))) == {restricted}
            assert await sees(Viewer(3, groups=(10,))) == {restricted}
            assert await sees(Viewer(3, sees_all=True)) == {restricted}
            assert await repo.visible_one(Viewer(3), restricted) is None
            assert await repo.visible_one(Viewer(2), pending) is None
        with sqlite3.connect(tmp_path / "v.db") as raw:
            raw.execute("UPDATE peer_groups SET active = 0 WHERE id = 10")
        async with db.reading() as conn:
            assert await PracticeRepository(conn).visible_one(Viewer(2), restricted) is None
    finally:
        await db.close()


async def test_contacts_are_exchanged_only_when_both_agree(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    author = await member(person, 361, "ru", first_name="Бакыт", username="bakyt_ao")
    peer = await member(person, 362, "ky", first_name="Жылдыз", username="jyldyz_k")
    practice = await seed_practice(services_of(bot).db, author_id=361, title="Shared canal")
    await press_data(server, peer, f"pr:q:{practice}")
    await peer.reply()
    share = await peer.say("May I call you?")
    await peer.press(label("ky", "Yes"), message=share)
    relay = await author.reply()
    assert "Жылдыз" not in relay.text and "jyldyz_k" not in relay.text
    await author.press(relay.flat_buttons[0][0], message=relay)
    share = await author.say("Yes, call me.")
    sent = await author.press(label("ru", "Yes"), message=share)
    assert "отправлен" in sent.text
    answer = await peer.reply()
    assert "Yes, call me." in answer.text and "@bakyt_ao" in answer.text
    contact = await author.reply()
    assert "@jyldyz_k" in contact.text
    # The question is answered once; its button is then only a notice.
    again = await author.press(relay.flat_buttons[0][0], message=relay)
    assert "уже ответили" in again.text


async def test_browse_pages_and_filters_by_topic_and_region(
    bot: AyilApp, person: PersonFactory
) -> None:
    db = services_of(bot).db
    reader = await member(person, 371, "ru")
    for n in range(6):
        await seed_practice(db, author_id=371, title=f"Water practice {n}")
    await seed_practice(
        db, author_id=371, title="Pasture practice", topic="pasture", place_code="BA-KAD-AMS"
    )
    first = await reader.say("/practices")
    assert "7" in first.text
    titles = [f"Water practice {n}" for n in range(6)] + ["Pasture practice"]
    assert sum(t in first.text for t in titles) == 5  # never more than one screen
    assert reader.labels(first)[:5] == ["1", "2", "3", "4", "5"] and "▶️" in reader.labels(first)
    second = await reader.press("▶️", message=first)
    assert reader.labels(second)[:2] == ["6", "7"] and "◀️" in reader.labels(second)
    assert sum(t in second.text for t in titles) == 2
    assert "▶️" not in reader.labels(second)
    topics = await reader.press("🏷 " + button("ru", "Topic"), message=first)
    pasture = await reader.press(label("ru", "Disputes over pasture"), message=topics)
    assert "Pasture practice" in pasture.text and "Water practice" not in pasture.text
    regions = await reader.press("📍 " + button("ru", "Region"), message=first)
    assert set(reader.labels(regions)) >= {"Баткенский район", "Кадамжайский район"}
    kadamjay = await reader.press("Кадамжайский район", message=regions)
    assert "Pasture practice" in kadamjay.text and "Water practice" not in kadamjay.text
    useful = await reader.press("⇅ " + button("ru", "Most useful first"), message=first)
    assert "сначала самые полезные" in useful.text


# The engine additions this feature needs, on a toy form ------------------------------------


async def test_engine_prefills_answers_and_computes_multichoice_options(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "engine.db")
    submitted: list[dict[str, object]] = []

    async def submit(conn: object, draft: Draft, actor: Actor, env: Env) -> Submitted:
        submitted.append(dict(draft.answers))
        return Submitted("Thanks")

    form = Form(
        id="toy",
        version=1,
        title="Toy",
        steps=(
            Step("name", Text(max_len=20), "Name?"),
            Step(
                "groups",
                MultiChoice(
                    options_for=lambda a, env: [
                        Option(str(g), str(n), translate=False) for g, n in env.context["groups"]
                    ]
                ),
                "Groups?",
            ),
        ),
    )
    gazetteer = Gazetteer.default()
    engine = FormEngine(
        db,
        {"toy": FormSpec(form, submit)},
        env_for=lambda tr, actor, context: Env(tr, None, gazetteer, date(2026, 3, 1), context),
        clock=lambda: datetime(2026, 3, 1, tzinfo=UTC),
    )
    actor = Actor(user_id=1, locale="en", user=None)
    try:
        # Pre-filled: straight to the summary, where one answer is changed.
        screen = await engine.start(
            actor,
            form_id="toy",
            context={"groups": [[7, "Seven"], [8, "Eight"]]},
            answers={"name": "Old", "groups": ["7"]},
        )
        assert "Old" in screen.text and "Seven" in screen.text
        change = next(o.press for row in screen.rows for o in row if "Name?" in o.label)
        await engine.on_button(actor, change, event_key="k1")
        screen = await engine.on_input(actor, Input("text", text="New"), event_key="k2") or screen
        submit_press = next(o.press for row in screen.rows for o in row if "Submit" in o.label)
        await engine.on_button(actor, submit_press, event_key="k3")
        assert submitted == [{"name": "New", "groups": ["7"]}]
        # The options come from the draft's context: toggling the second one picks group 8.
        screen = await engine.start(
            actor, form_id="toy", context={"groups": [[7, "Seven"], [8, "Eight"]]}
        )
        screen = (
            await engine.on_input(actor, Input("text", text="Third"), event_key="k4") or screen
        )
        assert [o.label for o in screen.rows[0]] == ["Seven"]
        await engine.on_button(actor, screen.rows[1][0].press, event_key="k5")
        summary = await engine.on_button(actor, screen.rows[2][0].press, event_key="k6")
        assert "Eight" in summary.text and "Seven" not in summary.text
    finally:
        await db.close()


async def test_bad_input_is_explained_and_a_restart_resumes_the_practice_form(
    settings: Settings, server: LocalBotApi, person: PersonFactory
) -> None:
    async with running_bot(settings):
        author = await member(person, 381, "ru")
        topics = await author.say("/practice")
        await server.press_button(author.user, index=0, message=topics)
        await author.reply()
        await server.send_sticker(author.user)
        explained = await author.reply()
        assert "⚠️" in explained.text and "Дайте практике короткое название" in explained.text
        too_short = await author.say("Ой")
        assert "⚠️" in too_short.text
        await author.say("Canal schedule")
    async with running_bot(settings):
        # A new process: the draft continues at the situation question, Back still works.
        situation = await author.say("The canal dried up in July.")
        assert "Что было сделано" in situation.text
        back = await author.press("◀️ " + button("ru", "Back"), message=situation)
        assert "ситуация" in back.text
