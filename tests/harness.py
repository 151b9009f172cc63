"""Run the real Application against the local Bot API server and play people in dialogues."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.core.kernel import Kernel
from bot.localapi import BotMessage, FakeUser, LocalBotApi
from bot.wiring import (
    AyilApp,
    build_application,
    initialize_application,
    shutdown_application,
)

TOKEN = "123456:TEST-TOKEN"


def make_settings(db_path: Path, server: LocalBotApi, **overrides: Any) -> Settings:
    """Settings for a test: the local server, a temporary database, no .env file."""
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "AYILBOT_DB": db_path,
        "AYILBOT_ADMIN_IDS": "",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running_bot(settings: Settings, *, clock: Clock | None = None) -> AsyncIterator[AyilApp]:
    """Start the Application with long polling against the local server; stop it after."""
    app = build_application(settings, clock=clock)
    await initialize_application(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, drop_pending_updates=False)
    try:
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await shutdown_application(app)


def services_of(app: AyilApp) -> Kernel:
    """The kernel the running application built (its rules: `services_of(app).get(Cls)`)."""
    return app.bot_data.kernel


@dataclass
class Person:
    """One simulated person talking to the bot in their private chat."""

    server: LocalBotApi
    user: FakeUser

    async def say(self, text: str) -> BotMessage:
        """Send text (or a /command) and return the bot's next message."""
        await self.server.send_text(self.user, text)
        return await self.reply()

    async def press(self, label: str, *, message: BotMessage | None = None) -> BotMessage:
        """Press a button by its label and return the bot's next message."""
        await self.server.press_button(self.user, label, message=message)
        return await self.reply()

    async def reply(self, timeout: float = 5.0) -> BotMessage:
        """The next unread message (or edit) from the bot in this chat."""
        return await self.server.next_message(self.user, timeout=timeout)

    def labels(self, message: BotMessage) -> list[str]:
        """The button labels of a message."""
        return [text for text, _ in message.flat_buttons]


async def onboard(
    person: Person,
    *,
    language: str = "Кыргызча",
    kind_index: int = 0,
    oblast: str | None = None,
    rayon: str | None = None,
    aiyl_aimak: str | None = None,
    start_arg: str | None = None,
) -> BotMessage:
    """Walk /start to the end; place labels default to Batken > Batken rayon > Ak-Say."""
    names = {
        "Кыргызча": ("Баткен облусу", "Баткен району", "Ак-Сай"),
        "Русский": ("Баткенская область", "Баткенский район", "Ак-Сай"),
        "English": ("Batken Region", "Batken District", "Ak-Say"),
    }[language]
    first = await person.say("/start" + (f" {start_arg}" if start_arg else ""))
    assert first.flat_buttons, first.text
    kinds = await person.press(language)
    if start_arg and "/deleteme" in kinds.text:
        # An invitation answered who she is and where: the privacy notice comes next.
        return await person.press(kinds.flat_buttons[0][0], message=kinds)
    await person.server.press_button(person.user, index=kind_index, message=kinds)
    await person.reply()
    await person.press(oblast or names[0])
    await person.press(rayon or names[1])
    privacy = await person.press(aiyl_aimak or names[2])
    return await person.press(privacy.flat_buttons[0][0], message=privacy)
