"""A kernel built by hand for the needs and assessments rules, on a real SQLite file.

No Telegram, no HTTP: the notifier records what the rules hand it, and actors are resolved
from the stored people, roles and groups, so each test meets the real `Reach`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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
from bot.rules.assessments import AssessmentRules
from bot.rules.needs import NeedRules
from storage.db import Database
from storage.users import UserRepository
from tests.coordinator_steps import T0

ADMIN = 9100  # an administrator through AYILBOT_ADMIN_IDS


class RecordingNotifier:
    """Keeps every notice instead of sending it; answers with `outcome`."""

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, object]] = []
        self.outcome = Delivery.SENT

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        self.sent.append((recipient, notice))
        return self.outcome


@asynccontextmanager
async def rules_kernel(tmp_path: Path) -> AsyncIterator[Kernel]:
    """The kernel with the form engine, NeedRules and AssessmentRules, closed after."""
    values: dict[str, Any] = {"AYILBOT_DB": tmp_path / "rules.db", "AYILBOT_ADMIN_IDS": str(ADMIN)}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    clock = FrozenClock(T0)
    kernel = Kernel(settings, db, clock, gazetteer, Access(gazetteer), RecordingNotifier())

    def env_for(tr: Tr, actor: Actor, context: Any) -> Env:
        return Env(tr=tr, user=actor.user, gazetteer=gazetteer, today=T0.date(), context=context)

    engine = kernel.add(FormEngine(db, {}, env_for=env_for, clock=clock.now))
    for rules in (NeedRules(kernel), AssessmentRules(kernel)):
        kernel.add(rules)
        engine.specs.update(rules.specs())
    try:
        yield kernel
    finally:
        await db.close()


def notifier(kernel: Kernel) -> RecordingNotifier:
    """The kernel's recording notifier."""
    assert isinstance(kernel.notifier, RecordingNotifier)
    return kernel.notifier


def env(actor: Actor, kernel: Kernel, locale: str = "en") -> Env:
    """What a form's submit sees, in a locale."""
    return Env(translator(locale), actor.user, kernel.gazetteer, date(2026, 3, 2))


def draft(form_id: str, answers: dict[str, Any], *, user_id: int, **context: Any) -> Draft:
    """A draft as the engine hands it to a submit function."""
    return Draft(
        id=f"{form_id}-{user_id}-{len(answers)}",
        user_id=user_id,
        chat_id=user_id,
        form_id=form_id,
        form_version=1,
        answers=answers,
        step="",
        context=context,
    )


async def deactivate(kernel: Kernel, user_id: int) -> None:
    """As `ayilbot admin deactivate` leaves a person: no reach, whatever roles remain."""
    async with kernel.db.transaction() as conn:
        await UserRepository(conn).deactivate(user_id=user_id, now=T0)
