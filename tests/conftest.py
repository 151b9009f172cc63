"""Fixtures: compiled catalogs, the local Bot API server, a running bot, people."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import Settings
from bot.i18n import LOCALE_DIR
from bot.localapi import LocalBotApi
from bot.wiring import AyilApp
from tests.harness import Person, make_settings, running_bot

# The headless browser and page fixtures (web surface tests).
pytest_plugins = ["tests.browser"]


def _compile_catalogs() -> None:
    """`make` compiles the catalogs; this keeps a bare `pytest` run working too."""
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        with mo.open("wb") as fh:
            write_mo(fh, catalog)


_compile_catalogs()


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApi]:
    api = LocalBotApi()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


@pytest.fixture
def settings(tmp_path: Path, server: LocalBotApi) -> Settings:
    return make_settings(tmp_path / "ayilbot.db", server, AYILBOT_ADMIN_IDS="9000")


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[AyilApp]:
    async with running_bot(settings) as app:
        yield app


PersonFactory = Callable[..., Person]


@pytest.fixture
def person(server: LocalBotApi) -> PersonFactory:
    """Make a person: person(user_id, language_code="ky", first_name=...)."""

    def make(
        user_id: int,
        language_code: str = "ky",
        first_name: str = "Айгүл",
        username: str | None = None,
    ) -> Person:
        user = server.user(user_id, first_name, language_code=language_code, username=username)
        return Person(server, user)

    return make


Step = Callable[[], Awaitable[None]]
