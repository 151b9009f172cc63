"""The peer-group rules without Telegram: who manages by reach, joining, removing, linking."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.errors import NotAllowed, NotRegistered, StaleButton
from bot.core.notices import Delivery, Recipient
from bot.forms.engine import Submitted
from bot.records.core import Draft
from bot.rules.groups import (
    AlreadyMember,
    ChatLinked,
    Invitation,
    Joined,
    LinkAsked,
    LinkQuestion,
    NoInvitation,
    RemovedFromGroup,
)
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.db import Database, apply_migrations
from storage.groups import GroupRepository
from tests.coordinator_steps import add_group, add_person, grant
from tests.rules.practice_world import ADMIN, World, draft, env, world

CREATOR, SCOPED, CHUI, NATIONAL = 301, 302, 303, 304  # coordinators
MEMBER, NEWCOMER = 311, 312
STRANGER = 777  # never registered
CHAT = -100_500


@dataclass
class Seeded:
    world: World
    group: int
    code: str
    other: int


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Seeded]:
    async with world(tmp_path) as w:
        db = w.db
        for user_id, name, language in (
            (ADMIN, "Admin", "en"),
            (CREATOR, "Creator", "ru"),
            (SCOPED, "Scoped", "en"),
            (CHUI, "Chui", "en"),
            (NATIONAL, "National", "en"),
            (MEMBER, "Гульмира", "ky"),
            (NEWCOMER, "Асель", "ru"),
        ):
            await add_person(
                db, user_id, name, kind="community", place="BA-BAT", language=language
            )
        # The creator reads Russian; the group speaks Kyrgyz.
        group, code = await add_group(db, creator=CREATOR, members=(MEMBER,), language="ky")
        other, _ = await add_group(db, creator=CHUI, members=())
        await grant(db, CREATOR, "place", "BA-BAT")
        await grant(db, SCOPED, "group", str(group))
        await grant(db, CHUI, "place", "CH")
        await grant(db, NATIONAL, "all")
        yield Seeded(w, group, code, other)


async def managed_ids(w: World, user_id: int) -> set[int]:
    return {g.id for g in await w.groups.managed(await w.actor(user_id))}


async def test_who_manages_a_group_is_decided_by_reach(seeded: Seeded) -> None:
    w, group, other = seeded.world, seeded.group, seeded.other
    assert await managed_ids(w, ADMIN) == {group, other}
    assert await managed_ids(w, NATIONAL) == {group, other}  # the whole country
    assert await managed_ids(w, CREATOR) == {group}  # she created it, as a coordinator
    assert await managed_ids(w, SCOPED) == {group}  # a `group:` scope
    assert await managed_ids(w, CHUI) == {other}  # her own; not Batken's
    assert await managed_ids(w, MEMBER) == set()
    with pytest.raises(StaleButton):  # out of her reach: as if missing
        await w.groups.manage(await w.actor(CHUI), group)
    with pytest.raises(NotAllowed):  # no coordinator role
        await w.groups.manage(await w.actor(MEMBER), group)
    shown = await w.groups.manage(await w.actor(SCOPED), group)
    assert shown.members == 1 and shown.link.endswith(f"?start=g_{seeded.code}")
    # Without the coordinator role, the groups she created are no longer hers to manage.
    await w.revoke(CREATOR)
    creator = await w.actor(CREATOR)
    assert await w.groups.managed(creator) == ()
    with pytest.raises(NotAllowed):
        await w.groups.manage(creator, group)
    async with w.db.reading() as conn:
        stored = await GroupRepository(conn).get(group)
    assert stored is not None and not w.groups.manages(creator, stored)


async def test_joining_by_the_code_and_seeing_ones_own_group(seeded: Seeded) -> None:
    w = seeded.world
    newcomer = await w.actor(NEWCOMER)
    shown = await w.groups.invitation(newcomer, f"g_{seeded.code}")
    assert isinstance(shown, Invitation) and shown.card.region is not None
    assert shown.card.region.name("ky") == "Баткен облусу"
    assert await w.groups.invitation(newcomer, "g_nothing") == NoInvitation()
    assert await w.groups.join(newcomer, "made-up") == NoInvitation()
    name = shown.card.group.name
    assert await w.groups.join(newcomer, seeded.code) == Joined(name)
    assert await w.groups.join(newcomer, seeded.code) == AlreadyMember(name)
    assert await w.groups.invitation(newcomer, f"g_{seeded.code}") == AlreadyMember(name)
    overview = await w.groups.overview(await w.actor(NEWCOMER))
    assert [c.group.id for c in overview.mine] == [seeded.group] and not overview.may_manage
    assert (await w.groups.member_view(await w.actor(NEWCOMER), seeded.group)).members == 2
    with pytest.raises(StaleButton):  # not hers: as if missing
        await w.groups.member_view(await w.actor(CHUI), seeded.group)
    with pytest.raises(NotRegistered):
        await w.groups.join(await w.actor(STRANGER), seeded.code)
    left = await w.groups.leave(await w.actor(NEWCOMER), seeded.group)
    assert left.id == seeded.group
    with pytest.raises(StaleButton):
        await w.groups.leave(await w.actor(NEWCOMER), seeded.group)


async def test_a_removed_member_is_told_in_her_language(seeded: Seeded) -> None:
    w = seeded.world
    with pytest.raises(StaleButton):
        await w.groups.remove(await w.actor(CHUI), seeded.group, MEMBER)
    assert w.notifier.sent == []
    question = await w.groups.confirm_remove(await w.actor(CREATOR), seeded.group, MEMBER)
    assert question.name == "Гульмира"
    page = await w.groups.remove(await w.actor(CREATOR), seeded.group, MEMBER)
    assert page.members == () and page.paging.total == 0
    group_name = page.group.name
    assert w.notifier.sent == [(Recipient(MEMBER, "ky"), RemovedFromGroup(group_name))]
    with pytest.raises(StaleButton):  # removed already
        await w.groups.confirm_remove(await w.actor(CREATOR), seeded.group, MEMBER)
    async with w.db.reading() as conn:
        audit = await AuditRepository(conn).for_entity(
            entity="peer_group", entity_id=str(seeded.group)
        )
    assert [(a.action, a.actor_id) for a in audit] == [("member_removed", CREATOR)]


async def test_linking_a_chat_is_asked_in_private_and_confirmed_by_the_asker(
    seeded: Seeded,
) -> None:
    w = seeded.world
    creator = await w.actor(CREATOR)
    assert (
        await w.groups.request_link(await w.actor(ADMIN), chat_id=CHAT, chat_title=None)
        == LinkAsked.SENT
    )
    assert await w.groups.request_link(creator, chat_id=CHAT, chat_title="Чат") == LinkAsked.SENT
    (question,) = w.notifier.to(CREATOR)
    assert isinstance(question, LinkQuestion) and question.chat_title == "Чат"
    assert [g.id for g in question.groups] == [seeded.group]
    with pytest.raises(NotAllowed):
        await w.groups.request_link(await w.actor(MEMBER), chat_id=CHAT, chat_title="x")
    # Someone else pressing the coordinator's button links nothing.
    with pytest.raises(StaleButton):
        await w.groups.link_chat(await w.actor(SCOPED), question.request_id, seeded.group)
    linked = await w.groups.link_chat(creator, question.request_id, seeded.group)
    assert linked.card.group.chat_id == CHAT
    # Said in the chat in the group's language, not in the Russian of who linked it.
    assert w.notifier.sent[-1] == (Recipient(CHAT, "ky"), ChatLinked(linked.card.group.name))
    with pytest.raises(StaleButton):  # the request is used up
        await w.groups.link_chat(creator, question.request_id, seeded.group)
    both = await w.groups.set_delivery(creator, seeded.group, "both")
    assert both.card.group.deliver_to == "both"
    with pytest.raises(StaleButton):
        await w.groups.set_delivery(creator, seeded.group, "pigeon")
    unlinked = await w.groups.unlink(creator, seeded.group)
    assert unlinked.card.group.chat_id is None and unlinked.card.group.deliver_to == "members"
    with pytest.raises(StaleButton):  # no chat to deliver to
        await w.groups.set_delivery(creator, seeded.group, "chat")
    # A coordinator who never started a private chat is told so; one without groups too.
    w.notifier.answer = Delivery.BLOCKED
    assert await w.groups.request_link(creator, chat_id=CHAT, chat_title="x") == (
        LinkAsked.UNREACHABLE
    )
    await w.revoke(SCOPED)
    await grant(w.db, SCOPED, "place", "TA")
    assert (
        await w.groups.request_link(await w.actor(SCOPED), chat_id=CHAT, chat_title="x")
        == LinkAsked.NO_GROUPS
    )


async def test_a_newcomer_by_a_groups_link_is_offered_to_join_after_onboarding(
    seeded: Seeded,
) -> None:
    w = seeded.world
    onboarded: list[str] = []

    async def onboarding(conn: object, given: Draft, actor: object, env: object) -> Submitted:
        async def welcome() -> None:
            onboarded.append(given.id)

        return Submitted("Welcome", after_commit=welcome)

    wrapped = w.groups.join_after_onboarding(onboarding)
    newcomer = await w.actor(NEWCOMER)
    by_link = draft("onboarding", NEWCOMER, {"language": "ky"}, {"invite": f"g_{seeded.code}"})
    async with w.db.transaction() as conn:
        done = await wrapped(conn, by_link, newcomer, env(w.kernel))
    assert done.message == "Welcome" and done.after_commit is not None
    await done.after_commit()
    assert onboarded == [by_link.id]  # onboarding's own work still runs, first
    ((to, offer),) = w.notifier.sent
    assert to == Recipient(NEWCOMER, "ky")  # the language just chosen, not the guessed one
    assert isinstance(offer, Invitation) and offer.card.group.id == seeded.group
    # A role invite, or a group's dead link, offers nothing.
    for context in ({"invite": "coordinator-code"}, {"invite": "g_nothing"}, {}):
        plain = draft("onboarding", NEWCOMER, {"language": "ru"}, context)
        async with w.db.transaction() as conn:
            done = await wrapped(conn, plain, newcomer, env(w.kernel))
        assert done.after_commit is not None
        await done.after_commit()
    assert len(w.notifier.sent) == 1


async def test_a_coordinator_creates_renames_and_closes_a_group(seeded: Seeded) -> None:
    w = seeded.world
    chui = await w.actor(CHUI)
    with pytest.raises(NotAllowed):
        await w.groups.start_new(await w.actor(MEMBER))
    answers = {"name": "Chui circle", "kind": "candidates", "oblast": "CH", "rayon": "whole"}
    async with w.db.transaction() as conn:
        done = await w.groups.submit_new_group(
            conn, draft("new_group", CHUI, answers, {}), chui, env(w.kernel)
        )
    assert done.params["name"] == "Chui circle"
    assert str(done.params["link"]).startswith("https://t.me/ayil_test_bot?start=g_")
    async with w.db.reading() as conn:
        (created,) = [g for g in await GroupRepository(conn).created_by(CHUI) if g.region == "CH"]
    chui = await w.actor(CHUI)  # the next update's reach holds the new group
    rename = draft("group_rename", CHUI, {"name": "Chui women"}, {"group_id": created.id})
    async with w.db.transaction() as conn:
        await w.groups.submit_rename(conn, rename, chui, env(w.kernel))
    other = draft("group_rename", CHUI, {"name": "Mine now"}, {"group_id": seeded.group})
    async with w.db.transaction() as conn:
        with pytest.raises(StaleButton):  # not hers
            await w.groups.submit_rename(conn, other, chui, env(w.kernel))
    assert (await w.groups.confirm_close(chui, created.id)).name == "Chui women"
    closed = await w.groups.close(chui, created.id)
    assert closed.name == "Chui women"
    with pytest.raises(StaleButton):  # a closed group is managed no more
        await w.groups.manage(chui, created.id)
    assert created.invite_code is not None
    assert await w.groups.invitation(chui, f"g_{created.invite_code}") == NoInvitation()


async def test_a_groups_language_is_asked_else_its_creators(seeded: Seeded) -> None:
    w = seeded.world
    chui = await w.actor(CHUI)  # reads English
    asked = {"name": "Чүй тобу", "kind": "candidates", "oblast": "none", "language": "ky"}
    unasked = {"name": "Chui circle", "kind": "candidates", "oblast": "none"}  # an older draft
    async with w.db.transaction() as conn:
        for answers in (asked, unasked):
            await w.groups.submit_new_group(
                conn, draft("new_group", CHUI, answers, {}), chui, env(w.kernel)
            )
        made = {g.name: g.language for g in await GroupRepository(conn).created_by(CHUI)}
    assert (made["Чүй тобу"], made["Chui circle"]) == ("ky", "en")
    chui = await w.actor(CHUI)
    group = next(g for g in await w.groups.managed(chui) if g.name == "Чүй тобу")
    assert (await w.groups.manage(chui, group.id)).card.language == "ky"
    changed = await w.groups.set_language(chui, group.id, "ru")
    assert changed.language == "ru"
    with pytest.raises(StaleButton):
        await w.groups.set_language(chui, group.id, "fr")
    with pytest.raises(StaleButton):  # not her group
        await w.groups.set_language(chui, seeded.group, "ru")


async def test_a_chat_moved_to_another_group_leaves_the_first_sending_to_members(
    seeded: Seeded,
) -> None:
    """A group whose digests went to the chat alone would send them to no one after it."""
    w = seeded.world
    admin = await w.actor(ADMIN)
    for group in (seeded.group, seeded.other):
        await w.groups.request_link(admin, chat_id=CHAT, chat_title="Чат")
        question = w.notifier.sent[-1][1]
        assert isinstance(question, LinkQuestion)
        await w.groups.link_chat(admin, question.request_id, group)
        if group == seeded.group:
            assert (await w.groups.set_delivery(admin, group, "chat")).card.group.deliver_to == (
                "chat"
            )
    first = (await w.groups.manage(admin, seeded.group)).card.group
    second = (await w.groups.manage(admin, seeded.other)).card.group
    assert (first.chat_id, first.deliver_to) == (None, "members")
    assert (second.chat_id, second.deliver_to) == (CHAT, "members")


async def test_existing_groups_take_their_chosen_language_else_their_creators(
    tmp_path: Path,
) -> None:
    """Migration 0014: a chat language chosen in the digest settings is kept, else the
    creator's; a group whose creator is gone has none (the bot's default)."""
    path = tmp_path / "old.db"
    conn = await Connection.open(path, name="test", timeout=5)
    try:
        await apply_migrations(conn, up_to=12)
        at = "'2026-03-01T00:00:00+00:00'"
        await conn.executescript(
            "BEGIN; INSERT INTO users (id, first_name, language, pseudonym, created_at,"
            f" updated_at) VALUES (1, 'A', 'ru', 'P-1', {at}, {at}), (2, 'B', 'en', 'P-2', {at},"
            f" {at}); INSERT INTO peer_groups (id, name, kind, created_by, created_at) VALUES"
            f" (1, 'chosen', 'candidates', 1, {at}), (2, 'creator', 'candidates', 2, {at}),"
            f" (3, 'orphan', 'candidates', NULL, {at}); INSERT INTO digest_schedules"
            " (recipient_kind, recipient_id, language, updated_at) VALUES"
            f" ('group', 1, 'ky', {at}), ('group', 2, NULL, {at}); COMMIT;"
        )
    finally:
        await conn.close()
    db = await Database.open(path)
    try:
        async with db.reading() as reading:
            groups = GroupRepository(reading)
            found = {g.name: g.language for g in await groups.with_ids([1, 2, 3])}
    finally:
        await db.close()
    assert found == {"chosen": "ky", "creator": "en", "orphan": None}
