"""Shared steps for the practice, group and recommendation tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core.access import Actor
from bot.i18n import translator
from bot.localapi import BotMessage, LocalBotApi
from bot.records.practices import PracticeContent
from bot.rules.users import UserRules
from bot.wiring import AyilApp
from storage.db import Database
from storage.groups import GroupRepository
from storage.practices import PracticeRepository
from tests.conftest import PersonFactory
from tests.harness import Person, onboard, services_of

LANGUAGE_BUTTON = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
LEADER, CANDIDATE = 0, 1  # onboarding's kind buttons, by position


def label(locale: str, msgid: str) -> str:
    """An option label as the person sees it."""
    return translator(locale).label(msgid)


def button(locale: str, msgid: str, **params: Any) -> str:
    """A button label ("Skip", "Done", ...) as the person sees it."""
    return translator(locale).pgettext("button", msgid, **params)


async def member(
    person: PersonFactory,
    user_id: int,
    locale: str,
    *,
    kind: int = LEADER,
    first_name: str = "Айгүл",
    username: str | None = None,
) -> Person:
    """A registered person of Ak-Say (Batken rayon)."""
    someone = person(user_id, locale, first_name=first_name, username=username)
    await onboard(someone, language=LANGUAGE_BUTTON[locale], kind_index=kind)
    return someone


async def coordinator(
    bot: AyilApp, person: PersonFactory, user_id: int, locale: str, scope: str = "BA-BAT"
) -> Person:
    """A registered person with the coordinator role for `scope`."""
    someone = await member(person, user_id, locale, first_name="Coordinator")
    users = services_of(bot).get(UserRules)
    await users.grant(user_id=user_id, role="coordinator", scope=users.parse_scope(scope), by=None)
    return someone


async def press_data(server: LocalBotApi, someone: Person, data: str) -> str:
    """Press a button with forged callback data on any bot message; returns the query id."""
    message = server.last_message(someone.user)
    assert message is not None
    return await server.press(someone.user, message.message_id, data)


@dataclass
class Share:
    """What a test author answers in the practice form."""

    topic: int = 0  # position of the topic button
    title: str = "Water schedule agreed with the neighbours"
    situation: str = "Two villages argued every spring over the canal water."
    actions: str = "The ayil okmotu and the aksakals met both sides and agreed a schedule."
    result: str = "No quarrel over water this summer."
    plan: str | None = None  # a PLAN_BUDGET msgid, for candidates
    amount: str | None = None  # typed som, or None to skip
    advice: str = "Invite the neighbours' elders from the start."
    photos: int = 0
    voice: bool = False
    groups: list[str] = field(default_factory=list)  # group names to toggle; empty: everyone
    show_author: bool = True
    contact: bool = True


async def fill_practice(someone: Person, locale: str, share: Share) -> BotMessage:
    """Walk /practice to its summary; returns the summary message."""
    server, user = someone.server, someone.user
    topics = await someone.say("/practice")
    await server.press_button(user, index=share.topic, message=topics)
    await someone.reply()
    for text in (share.title, share.situation, share.actions, share.result):
        await someone.say(text)
    if share.plan is not None:
        await someone.press(label(locale, share.plan))
        if share.amount is not None:
            await someone.say(share.amount)
        elif share.plan in ("Into the local budget", "Into the plan and the budget"):
            await someone.press(button(locale, "Skip"))
    await someone.say(share.advice)
    for _ in range(share.photos):
        await server.send_photo(user)
        await someone.reply()
    if share.voice:
        await server.send_voice(user)
        await someone.reply()
    after_files = await someone.press(
        button(locale, "Done" if share.photos or share.voice else "Skip")
    )
    for name in share.groups or [label(locale, "Everyone registered")]:
        after_files = await someone.press(name, message=after_files)
    await someone.press(button(locale, "Done"), message=after_files)
    await someone.press(label(locale, "Yes" if share.show_author else "No"))
    return await someone.press(label(locale, "Yes" if share.contact else "No"))


async def seed_group(bot: AyilApp, *, name: str, created_by: int, members: list[int]) -> int:
    """A peer group with members, written straight to the database."""
    services = services_of(bot)
    async with services.db.transaction() as conn:
        repo = GroupRepository(conn)
        group_id = await repo.create(
            name=name,
            kind="candidates",
            region="BA",
            created_by=created_by,
            invite_code=uuid.uuid4().hex[:12],
            now=services.clock.now(),
        )
        for user_id in members:
            await repo.add_member(group_id=group_id, user_id=user_id, now=services.clock.now())
    return group_id


async def seed_practice(
    db: Database,
    *,
    author_id: int,
    title: str,
    status: str = "approved",
    topic: str = "water",
    groups: tuple[int, ...] = (),
    text: str = "The canal was shared by a schedule.",
    place_code: str | None = "BA-BAT-AKS",
    show_author: bool = False,
    plan_budget: str | None = None,
    amount_som: int | None = None,
    at: datetime | None = None,
    reviewer: int = 1,
    advice: str = "Start early.",
) -> int:
    """A practice in any status, written straight to the database."""
    now = at or datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    async with db.transaction() as conn:
        repo = PracticeRepository(conn)
        practice_id = await repo.insert(
            draft_id=uuid.uuid4().hex,
            form_version=1,
            author_id=author_id,
            author_kind="leader",
            place_code=place_code,
            content=PracticeContent(
                topic=topic,
                topic_other=None,
                title=title,
                situation=text,
                actions="The ayil okmotu met both sides.",
                result="Peace this summer.",
                plan_budget=plan_budget,
                amount_som=amount_som,
                advice=advice,
                visible_to_all=not groups,
                allow_contact=True,
                show_author=show_author,
            ),
            now=now,
        )
        await repo.set_groups(practice_id=practice_id, group_ids=groups)
        if status != "pending":
            await repo.set_status(
                practice_id=practice_id,
                from_status="pending",
                to_status=status,
                note=None,
                reviewed_by=reviewer,
                now=now,
            )
    return practice_id


def system_actor(user_id: int = 0) -> Actor:
    """An administrator without a profile, for calling services directly."""
    return Actor(user_id=user_id, locale="en", user=None, is_admin=True)
