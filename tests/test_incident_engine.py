"""What the incident forms added to the engine: recent days as buttons, refusals at submit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.access import Actor
from bot.forms.engine import Form, FormEngine, FormSpec, Step, Submitted
from bot.forms.kinds import Date, Env, Input, Invalid, Number
from bot.gazetteer import Gazetteer
from bot.i18n import Tr, translator
from bot.records.core import Draft, User
from storage.connection import Connection
from storage.db import Database

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
ACTOR = Actor(
    user_id=1,
    locale="en",
    user=User(1, "A", None, None, "en", "leader", None, None, NOW, "P-1", True, NOW),
)
ONE_NUMBER = Form(
    id="one",
    version=1,
    title="One number",
    confirm=False,
    steps=(Step("n", Number(minimum=1, maximum=100), "Which number?"),),
)


def env(locale: str = "en") -> Env:
    return Env(tr=translator(locale), user=None, gazetteer=Gazetteer.default(), today=TODAY)


def test_recent_days_are_offered_as_buttons_after_today_and_yesterday() -> None:
    options = Date(recent_days=3).options({}, env("ru"))
    assert [o.value for o in options] == [
        "2026-03-10",
        "2026-03-09",
        "2026-03-08",
        "2026-03-07",
        "2026-03-06",
    ]
    assert [o.text(translator("ru")) for o in options[2:]] == [
        "08.03.2026",
        "07.03.2026",
        "06.03.2026",
    ]
    assert len(Date().options({}, env())) == 2


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "engine.db")
    yield database
    await database.close()


async def test_a_refused_submit_without_summary_asks_the_last_question_again(
    db: Database,
) -> None:
    kept: list[Any] = []

    async def submit(conn: Connection, draft: Draft, actor: Actor, _: Env) -> Submitted:
        if draft.answers["n"] == 13:
            raise Invalid("There is no report {n}.", n=13)
        kept.append(draft.answers["n"])
        return Submitted("Kept {n}.", {"n": draft.answers["n"]})

    def env_for(tr: Tr, actor: Actor, context: Any) -> Env:
        return env()

    engine = FormEngine(
        db, {"one": FormSpec(ONE_NUMBER, submit)}, env_for=env_for, clock=lambda: NOW
    )
    await engine.start(ACTOR, form_id="one")
    refused = await engine.on_input(ACTOR, Input("text", text="13"), event_key="m:1")
    assert refused is not None
    assert "There is no report 13." in refused.text and "Which number?" in refused.text
    assert any(o.press.where == "0" and o.press.action == "x" for row in refused.rows for o in row)
    accepted = await engine.on_input(ACTOR, Input("text", text="12"), event_key="m:2")
    assert accepted is not None and accepted.text == "Kept 12." and kept == [12]
