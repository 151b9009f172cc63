"""A kernel built by hand for the incident and review rules: real SQLite, a recording notifier.

People and reports are seeded with tests/coordinator_steps.py; no HTTP, no Telegram.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.forms.engine import FormEngine, Submitted
from bot.forms.kinds import Env
from bot.gazetteer import Gazetteer
from bot.i18n import Tr, translator
from bot.records.core import Draft
from bot.rules.incidents import IncidentRules
from bot.rules.review import ReviewRules
from storage.audit import AuditRepository
from storage.db import Database
from storage.incidents import IncidentRepository
from tests.coordinator_steps import T0

ADMIN = 9000  # listed in AYILBOT_ADMIN_IDS


@dataclass
class RecordingNotifier:
    """The notifier port: records each notice; a chat listed in `failing` gets that outcome."""

    sent: list[tuple[Recipient, object]] = field(default_factory=list)
    failing: dict[int, Delivery] = field(default_factory=dict)

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        outcome = self.failing.get(recipient.chat_id, Delivery.SENT)
        if outcome is Delivery.SENT:
            self.sent.append((recipient, notice))
        return outcome

    def to(self, chat_id: int) -> list[object]:
        """The notices delivered to one chat, in order."""
        return [notice for recipient, notice in self.sent if recipient.chat_id == chat_id]

    def chats(self) -> list[int]:
        return [recipient.chat_id for recipient, _ in self.sent]


@dataclass
class World:
    kernel: Kernel
    notifier: RecordingNotifier
    clock: FrozenClock
    incidents: IncidentRules
    review: ReviewRules

    @property
    def db(self) -> Database:
        return self.kernel.db

    async def actor(self, user_id: int) -> Actor:
        """The actor for a stored person, as every surface resolves it."""
        return await self.kernel.actors.of_user(user_id)

    async def submit(
        self, form_id: str, user_id: int, answers: Mapping[str, Any], **context: Any
    ) -> Submitted:
        """Run a form's submit function in a committed transaction, as the engine does."""
        actor = await self.actor(user_id)
        spec = self.kernel.get(FormEngine).specs[form_id]
        draft = Draft(
            id=uuid.uuid4().hex,
            user_id=user_id,
            chat_id=user_id,
            form_id=form_id,
            form_version=spec.form.version,
            answers=dict(answers),
            step="",
            context=context,
        )
        async with self.db.transaction() as conn:
            return await spec.submit(conn, draft, actor, env(translator(actor.locale), actor))

    async def review_status(self, number: int) -> str:
        async with self.db.reading() as conn:
            found = await IncidentRepository(conn).get(incident_id=number)
        assert found is not None
        return found.review_status

    async def audit(self, number: int) -> list[tuple[str | None, str | None]]:
        """(from, to) of every audited change of a report."""
        async with self.db.reading() as conn:
            entries = await AuditRepository(conn).for_entity(
                entity="incident", entity_id=str(number)
            )
        return [(e.from_value, e.to_value) for e in entries]


def env(tr: Tr, actor: Actor, context: Mapping[str, Any] | None = None) -> Env:
    return Env(
        tr=tr,
        user=actor.user,
        gazetteer=Gazetteer.default(),
        today=(T0 + timedelta(hours=6)).date(),
        context=context or {},
    )


@asynccontextmanager
async def incident_world(tmp_path: Path) -> AsyncIterator[World]:
    """The kernel with the incident and review rules and their forms, as the wiring builds it."""
    values: dict[str, Any] = {"AYILBOT_DB": tmp_path / "rules.db", "AYILBOT_ADMIN_IDS": str(ADMIN)}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    clock = FrozenClock(T0)
    notifier = RecordingNotifier()
    kernel = Kernel(
        settings=settings,
        db=db,
        clock=clock,
        gazetteer=gazetteer,
        access=Access(gazetteer),
        notifier=notifier,
    )
    engine = kernel.add(FormEngine(db, {}, env_for=env, clock=clock.now))
    incidents = kernel.add(IncidentRules(kernel))
    review = kernel.add(ReviewRules(kernel))
    engine.specs.update(incidents.specs())
    engine.specs.update(review.specs())
    try:
        yield World(kernel, notifier, clock, incidents, review)
    finally:
        await db.close()
