"""A kernel on a real SQLite file, without Telegram, for the practice and group rules' tests.

The notifier records each notice instead of drawing it; the form engine holds the features'
forms, so rules that open a form can be called as the chat calls them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.forms.engine import FormEngine
from bot.forms.kinds import Env
from bot.gazetteer import Gazetteer
from bot.i18n import Tr, translator
from bot.records.core import Draft
from bot.rules.groups import GroupRules
from bot.rules.practices import PracticeRules
from bot.rules.recommendations import RecommendationRules
from storage.db import Database
from storage.users import RoleRepository
from tests.coordinator_steps import T0

ADMIN = 9000  # in AYILBOT_ADMIN_IDS


@dataclass
class RecordingNotifier:
    """Keeps every notice with its recipient; answers each send with `answer`."""

    sent: list[tuple[Recipient, object]] = field(default_factory=list)
    answer: Delivery = Delivery.SENT

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        self.sent.append((recipient, notice))
        return self.answer

    def to(self, chat_id: int) -> list[object]:
        """The notices sent to one chat, in order."""
        return [notice for recipient, notice in self.sent if recipient.chat_id == chat_id]


@dataclass
class World:
    """The kernel, its notifier and the three rules objects under test."""

    kernel: Kernel
    notifier: RecordingNotifier
    practices: PracticeRules
    groups: GroupRules
    recommendations: RecommendationRules

    @property
    def db(self) -> Database:
        return self.kernel.db

    async def actor(self, user_id: int) -> Actor:
        """The actor of a stored person, resolved as every update resolves it."""
        return await self.kernel.actors.of_user(user_id)

    async def revoke(self, user_id: int) -> None:
        """Take the coordinator role away (every scope)."""
        async with self.db.transaction() as conn:
            await RoleRepository(conn).revoke(user_id=user_id, role="coordinator")


def draft(
    form_id: str, user_id: int, answers: Mapping[str, Any], context: Mapping[str, Any]
) -> Draft:
    """A filled draft, as the engine hands it to a submit function."""
    return Draft(
        id=f"{form_id}-{user_id}-{len(answers)}",
        user_id=user_id,
        chat_id=user_id,
        form_id=form_id,
        form_version=1,
        answers=dict(answers),
        step="",
        context=dict(context),
    )


def env(kernel: Kernel, tr: Tr | None = None) -> Env:
    """What a submit function is given besides the draft."""
    return Env(tr or translator("en"), None, kernel.gazetteer, T0.date(), {})


@asynccontextmanager
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """A fresh database and kernel with the practices, recommendations and groups rules."""
    db = await Database.open(tmp_path / "rules.db")
    gazetteer = Gazetteer.default()
    values: dict[str, Any] = {"AYILBOT_DB": tmp_path / "rules.db", "AYILBOT_ADMIN_IDS": str(ADMIN)}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    notifier = RecordingNotifier()
    kernel = Kernel(
        settings=settings,
        db=db,
        clock=FrozenClock(T0),
        gazetteer=gazetteer,
        access=Access(gazetteer),
        notifier=notifier,
        bot_username="ayil_test_bot",
    )

    def env_for(tr: Tr, actor: Actor, context: Any) -> Env:
        return Env(tr, actor.user, gazetteer, date(2026, 3, 2), context)

    engine = kernel.add(FormEngine(db, {}, env_for=env_for, clock=kernel.clock.now))
    practices = kernel.add(PracticeRules(kernel))
    recommendations = kernel.add(RecommendationRules(kernel))
    groups = kernel.add(GroupRules(kernel))
    engine.specs.update(practices.specs())
    engine.specs.update(groups.specs())
    try:
        yield World(kernel, notifier, practices, groups, recommendations)
    finally:
        await db.close()
