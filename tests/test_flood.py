"""Flood control: one notice, then silence for a while; the open form is kept."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.core.actors import Person as Contact
from bot.core.flood import FloodGuard, Verdict
from bot.forms.engine import FormEngine
from bot.localapi import LocalBotApi
from bot.rules.users import UserRules
from tests.conftest import PersonFactory
from tests.harness import make_settings, running_bot, services_of


def test_guard_counts_a_sliding_minute() -> None:
    guard = FloodGuard(limit_per_minute=3, mute_s=100)
    assert [guard.check(1, t) for t in (0, 1, 2)] == [Verdict.ALLOW] * 3
    assert guard.check(1, 3) is Verdict.NOTIFY
    assert guard.check(1, 50) is Verdict.IGNORE
    assert guard.check(2, 50) is Verdict.ALLOW  # others are not affected
    assert guard.check(1, 104) is Verdict.ALLOW  # the mute has passed


async def test_flooding_person_gets_one_notice_and_keeps_the_form(
    tmp_path: Path, server: LocalBotApi, person: PersonFactory
) -> None:
    settings: Settings = make_settings(tmp_path / "f.db", server, AYILBOT_FLOOD_LIMIT="8")
    async with running_bot(settings) as app:
        aigul = person(301, "ru")
        await aigul.say("/start")
        await aigul.press("Русский")
        server.drain(aigul.user)
        for _ in range(12):
            await server.send_text(aigul.user, "привет")
        await server.wait_idle()
        notices = [m for m in server.drain(aigul.user) if "слишком" in m.text]
        assert len(notices) == 1
        services = services_of(app)
        actor = await services.get(UserRules).resolve(Contact(id=301, first_name="Айгүл"))
        draft = await services.get(FormEngine).active(actor)
        assert draft is not None and draft.answers == {"language": "ru"}


async def test_the_notice_comes_before_the_replies_still_queued(tmp_path: Path) -> None:
    """At 30 ms a call, 8 earlier replies take a while: the notice does not wait behind them."""
    async with LocalBotApi(latency_ms=30) as slow:
        settings = make_settings(tmp_path / "g.db", slow, AYILBOT_FLOOD_LIMIT="8")
        async with running_bot(settings):
            someone = slow.user(302, "Бакыт", language_code="ru")
            for _ in range(12):
                await slow.send_text(someone, "привет")
            await slow.wait_idle(timeout=10)
            texts = [m.text for m in slow.drain(someone)]
    notice = next(i for i, text in enumerate(texts) if "слишком" in text)
    assert len(texts) == 9  # 8 answers and the notice; the rest are dropped
    assert notice < 4, texts
