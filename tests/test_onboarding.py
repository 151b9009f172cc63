"""Onboarding, language, invites, refusals, groups, resume and erasure, end to end."""

from __future__ import annotations

from bot.app import AyilApp
from bot.config import Settings
from bot.localapi import LocalBotApi
from storage.users import RoleRepository, UserRepository
from tests.conftest import PersonFactory
from tests.harness import onboard, running_bot, services_of


async def test_onboarding_in_kyrgyz(bot: AyilApp, person: PersonFactory) -> None:
    aigul = person(101, "ky")
    first = await aigul.say("/start")
    assert "Кыргызча" in aigul.labels(first)
    done = await onboard(aigul, language="Кыргызча")
    assert "/menu" in done.text
    async with services_of(bot).db.reading() as conn:
        user = await UserRepository(conn).get(101)
    assert user is not None and user.onboarded
    assert (user.language, user.kind, user.place_code) == ("ky", "leader", "BA-BAT-AKS")
