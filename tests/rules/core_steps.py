"""A kernel built by hand for the exports, stats, users, privacy and backups rules.

No Telegram, no HTTP: a real SQLite file, a frozen clock, a recording notifier, and the rules
that hold personal data registered with the privacy rules as the wiring registers them (under
their feature's name). Actors are resolved from stored people, roles and groups, so each test
meets the real `Reach`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor
from bot.core.kernel import Kernel
from bot.forms.engine import FormEngine
from bot.forms.kinds import Env
from bot.gazetteer import Gazetteer
from bot.i18n import Tr
from bot.rules.backups import BackupRules
from bot.rules.exports import ExportRules
from bot.rules.groups import GroupRules
from bot.rules.incidents import IncidentRules
from bot.rules.media import MediaRules
from bot.rules.needs import NeedRules
from bot.rules.practices import PracticeRules
from bot.rules.privacy import HoldsPersonalData, PrivacyRules
from bot.rules.stats import StatsRules
from bot.rules.users import UserRules
from storage.db import Database
from tests.coordinator_steps import T0
from tests.rules.needs_steps import RecordingNotifier

ADMIN = 9100  # an administrator through AYILBOT_ADMIN_IDS
NOW = T0 + timedelta(days=2)  # Wednesday of T0's week, 12:00 in Bishkek
# name in /mydata -> the rules, in the wiring's order
FEATURE_RULES: tuple[tuple[str, type[Any]], ...] = (
    ("incidents", IncidentRules),
    ("needs", NeedRules),
    ("practices", PracticeRules),
    ("groups", GroupRules),
)


@asynccontextmanager
async def core_kernel(tmp_path: Path, **env: Any) -> AsyncIterator[Kernel]:
    """The kernel with these rules and the form engine; settings from `env`, closed after."""
    values: dict[str, Any] = {
        "AYILBOT_DB": tmp_path / "core.db",
        "AYILBOT_ADMIN_IDS": str(ADMIN),
        **env,
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    clock = FrozenClock(NOW)
    kernel = Kernel(settings, db, clock, gazetteer, Access(gazetteer), RecordingNotifier())

    def env_for(tr: Tr, actor: Actor, context: Any) -> Env:
        return Env(tr=tr, user=actor.user, gazetteer=gazetteer, today=NOW.date(), context=context)

    engine = kernel.add(FormEngine(db, {}, env_for=env_for, clock=clock.now))
    privacy = kernel.add(PrivacyRules(kernel))
    users = kernel.add(UserRules(kernel))
    engine.specs.update(users.specs())
    kernel.add(BackupRules(kernel))
    for name, build in FEATURE_RULES:
        part = kernel.add(build(kernel))
        engine.specs.update(part.specs())
        assert isinstance(part, HoldsPersonalData)
        privacy.register(name, export=part.export_personal, erase=part.erase_personal)
    kernel.add(MediaRules(kernel))
    kernel.add(ExportRules(kernel))
    kernel.add(StatsRules(kernel))
    try:
        yield kernel
    finally:
        await db.close()


def clock_of(kernel: Kernel) -> FrozenClock:
    """The kernel's frozen clock."""
    assert isinstance(kernel.clock, FrozenClock)
    return kernel.clock
