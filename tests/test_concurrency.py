"""Different people concurrently, each person's updates strictly in order (issue #9)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.localapi import LocalBotApi
from bot.wiring import AyilApp
from handlers.plumbing.context import AppContext
from tests.conftest import PersonFactory
from tests.harness import make_settings, running_bot
from tests.incident_steps import Report, button, count_reports, fill_report, reporter


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApi]:
    """Here every call takes a modelled round trip, as on Telegram (scaled down to 20 ms)."""
    api = LocalBotApi(latency_ms=20)
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


async def test_each_persons_updates_apply_in_order_while_people_interleave(
    tmp_path: Path, person: PersonFactory, server: LocalBotApi
) -> None:
    seen: dict[int, list[str]] = {}
    rng = random.Random(7)

    async def record(update: Update, context: AppContext) -> None:
        assert update.effective_user is not None and update.effective_message is not None
        await asyncio.sleep(rng.uniform(0, 0.02))  # handlers finish out of arrival order
        seen.setdefault(update.effective_user.id, []).append(update.effective_message.text or "")

    async with running_bot(make_settings(tmp_path / "c.db", server)) as app:
        app.add_handler(MessageHandler(filters.TEXT, record), group=-3)
        people = [server.user(700 + i, f"P{i}", language_code="ru") for i in range(5)]
        for n in range(20):
            for who in people:  # back to back, interleaved across people
                await server.send_text(who, f"{n}")
        await server.wait_for(lambda: sum(len(v) for v in seen.values()) == 100, 20)
    assert all(seen[700 + i] == [str(n) for n in range(20)] for i in range(5))


async def test_a_slow_person_does_not_hold_up_another(
    tmp_path: Path, person: PersonFactory, server: LocalBotApi
) -> None:
    release = asyncio.Event()

    async def hold(update: Update, context: AppContext) -> None:
        if update.effective_user is not None and update.effective_user.id == 801:
            await release.wait()

    async with running_bot(make_settings(tmp_path / "s.db", server)) as app:
        app.add_handler(MessageHandler(filters.ALL, hold), group=-3)
        slow, quick = person(801, "ru"), person(802, "ru")
        await server.send_text(slow.user, "/help")
        answer = await quick.say("/help")  # answered while 801 is still held
        assert "/menu" in answer.text
        assert server.messages(slow.user) == []
        release.set()
        assert "/menu" in (await slow.reply()).text


async def test_double_tap_on_the_last_button_registers_once(
    bot: object, person: PersonFactory, server: LocalBotApi
) -> None:
    aigul = person(803, "ru")
    await aigul.say("/start")
    await aigul.press("Русский")
    await server.press_button(aigul.user, index=0)
    await aigul.reply()
    await aigul.press("Баткенская область")
    await aigul.press("Баткенский район")
    privacy = await aigul.press("Ак-Сай")
    label = privacy.flat_buttons[0][0]
    await server.press_button(aigul.user, label, message=privacy)
    await server.press_button(aigul.user, label, message=privacy)
    first, second = await aigul.reply(), await aigul.reply()
    assert first.text == second.text and "Добро пожаловать" in first.text


async def test_double_tap_on_submit_makes_one_report(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    aigul = await reporter(person, 804, "ru")
    summary = await fill_report(aigul, "ru", Report(event="Verbal dispute", actor2=None))
    submit = button("ru", "Submit")
    first = await server.press_button(aigul.user, submit, message=summary)
    second = await server.press_button(aigul.user, submit, message=summary)
    receipts = [await aigul.reply(), await aigul.reply()]
    await server.wait_callback_answer(first)
    await server.wait_callback_answer(second)
    assert await count_reports(bot) == 1
    assert receipts[0].text == receipts[1].text and "№" in receipts[0].text
