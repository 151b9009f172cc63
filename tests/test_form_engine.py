"""The form engine on a toy form: steps, Back, Skip, change, stale buttons, drafts, submit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.access import Actor
from bot.core.errors import StaleButton
from bot.forms.engine import (
    AlreadySubmitted,
    Form,
    FormEngine,
    FormSpec,
    Step,
    Submitted,
    press,
)
from bot.forms.kinds import (
    Choice,
    Date,
    Env,
    Input,
    Media,
    MultiChoice,
    Note,
    Number,
    Option,
    Text,
)
from bot.forms.view import FormPress, FormView
from bot.gazetteer import Gazetteer
from bot.i18n import Tr, translator
from bot.records.core import Draft, User
from handlers.plumbing.forms import form_data
from storage.connection import Connection
from storage.db import Database
from storage.drafts import DraftRepository

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)

TOY = Form(
    id="toy",
    version=1,
    title="Toy form",
    steps=(
        Step("fruit", Choice((Option("apple", "Apple"), Option("other", "Other"))), "Fruit?"),
        Step(
            "other_fruit",
            Text(max_len=10),
            "Which?",
            when=lambda a, env: a.get("fruit") == "other",
        ),
        Step("count", Number(minimum=0, maximum=50, quick=(0, 1)), "How many?"),
        Step("when", Date(), "When?"),
        Step("tags", MultiChoice((Option("a", "A"), Option("b", "B"))), "Tags?", optional=True),
        Step("photos", Media(("photo",), max_items=2), "Photos?", optional=True),
        Step("note", Note(max_len=20), "Note?"),
    ),
)


class Recorder:
    """A submit function that records what it was given."""

    def __init__(self) -> None:
        self.submitted: list[Mapping[str, Any]] = []

    async def __call__(self, conn: Connection, draft: Draft, actor: Actor, env: Env) -> Submitted:
        self.submitted.append(dict(draft.answers))
        return Submitted("Thanks, number {n}", {"n": len(self.submitted)})


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "engine.db")
    yield database
    await database.close()


def make_engine(db: Database, recorder: Recorder) -> FormEngine:
    gazetteer = Gazetteer.default()

    def env_for(tr: Tr, actor: Actor, context: Any) -> Env:
        return Env(tr=tr, user=None, gazetteer=gazetteer, today=date(2026, 3, 10), context=context)

    return FormEngine(db, {"toy": FormSpec(TOY, recorder)}, env_for=env_for, clock=lambda: NOW)


ACTOR = Actor(
    user_id=1,
    locale="en",
    user=User(1, "A", None, None, "en", "leader", None, None, NOW, "P-1", True, NOW),
)


class Driver:
    """Presses buttons by label and types input, with fresh update keys."""

    def __init__(self, engine: FormEngine) -> None:
        self.engine = engine
        self.seq = 0
        self.screen: FormView | None = None

    def key(self) -> str:
        self.seq += 1
        return f"k{self.seq}"

    async def start(self) -> FormView:
        self.screen = await self.engine.start(ACTOR, form_id="toy")
        return self.screen

    def data(self, label: str) -> FormPress:
        assert self.screen is not None
        for row in self.screen.rows:
            for offer in row:
                if label in offer.label:
                    return offer.press
        raise AssertionError(f"no {label!r} in {self.screen.rows}")

    async def press(self, label: str) -> FormView:
        self.screen = await self.engine.on_button(ACTOR, self.data(label), event_key=self.key())
        return self.screen

    async def send(self, given: Input) -> FormView:
        screen = await self.engine.on_input(ACTOR, given, event_key=self.key())
        assert screen is not None
        self.screen = screen
        return screen

    async def type(self, text: str) -> FormView:
        return await self.send(Input("text", text=text))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def driver(db: Database, recorder: Recorder) -> Driver:
    return Driver(make_engine(db, recorder))


async def fill_to_summary(d: Driver) -> FormView:
    await d.start()
    await d.press("Apple")
    await d.type("3")
    await d.press("Yesterday")
    await d.press("A")
    await d.press("Done")
    await d.send(Input("photo", file_id="p1", file_unique_id="u1"))
    await d.press("Done")
    await d.type("all calm")
    return await d.press("Done")


async def test_full_walk_submits_relevant_answers_once(driver: Driver, recorder: Recorder) -> None:
    summary = await fill_to_summary(driver)
    assert "Please check your answers" in summary.text
    receipt = await driver.press("Submit")
    assert receipt.finished and "number 1" in receipt.text
    assert recorder.submitted == [
        {
            "fruit": "apple",
            "count": 3,
            "when": "2026-03-09",
            "tags": ["a"],
            "photos": [{"type": "photo", "file_id": "p1", "unique_id": "u1"}],
            "note": {"text": "all calm"},
        }
    ]
    # A second press of the same Submit button: the receipt again, no second record.
    with pytest.raises(AlreadySubmitted) as repeat:
        await driver.engine.on_button(
            ACTOR,
            summary.rows[-2][0].press,
            event_key="again",
        )
    assert "number 1" in repeat.value.view.text
    assert len(recorder.submitted) == 1


async def test_conditional_step_and_wrong_input(driver: Driver) -> None:
    await driver.start()
    wrong = await driver.send(Input("other"))  # a sticker where a button is expected
    assert "Please use the buttons" in wrong.text and "Fruit?" in wrong.text
    asked = await driver.press("Other")
    assert "Which?" in asked.text
    too_long = await driver.type("x" * 11)
    assert "11 characters" in too_long.text and "Which?" in too_long.text
    after = await driver.type("quince")
    assert "How many?" in after.text
    assert "out of range" not in (await driver.type("51")).text
    assert "from 0 to 50" in driver.screen.text if driver.screen else False


async def test_dates_are_validated(driver: Driver) -> None:
    await driver.start()
    await driver.press("Apple")
    await driver.press("1")
    assert "no such date" in (await driver.type("31.02.2026")).text
    assert "in the future" in (await driver.type("11.03.2026")).text
    assert "dd.mm.yyyy" in (await driver.send(Input("other"))).text
    assert "Tags?" in (await driver.type("01.03.2026")).text


async def test_back_skip_and_change_from_summary(driver: Driver, recorder: Recorder) -> None:
    await driver.start()
    await driver.press("Apple")
    back = await driver.press("Back")
    assert "Fruit?" in back.text
    await driver.press("Apple")
    await driver.press("0")
    await driver.press("Today")
    await driver.press("Skip")  # tags
    await driver.press("Skip")  # no photos
    await driver.send(Input("voice", file_id="v1", file_unique_id="vu"))
    summary = await driver.press("Done")
    assert "skipped" in summary.text
    changed = await driver.press("✏️ How many?")
    assert "How many?" in changed.text
    summary = await driver.type("7")
    assert "Please check your answers" in summary.text  # straight back to the summary
    await driver.press("Submit")
    assert recorder.submitted[0]["count"] == 7 and recorder.submitted[0]["tags"] is None
    assert recorder.submitted[0]["note"] == {
        "voice": {"type": "voice", "file_id": "v1", "unique_id": "vu"}
    }


async def test_sixth_photo_and_overlong_note_are_refused(driver: Driver) -> None:
    await driver.start()
    await driver.press("Apple")
    await driver.press("0")
    await driver.press("Today")
    await driver.press("Skip")
    for n in range(2):
        await driver.send(Input("photo", file_id=f"p{n}", file_unique_id=f"u{n}"))
    refused = await driver.send(Input("photo", file_id="p9", file_unique_id="u9"))
    assert "at most 2" in refused.text.lower() or "2" in refused.text
    await driver.press("Done")
    assert "20" in (await driver.type("y" * 21)).text


async def test_stale_and_forged_buttons_change_nothing(driver: Driver) -> None:
    first = await driver.start()
    await driver.press("Apple")
    old = next(o.press for row in first.rows for o in row if o.label == "Apple")
    with pytest.raises(StaleButton):
        await driver.engine.on_button(ACTOR, old, event_key="stale")
    forgeries = (
        FormPress("zzzzzzzz", "0", "o0"),
        FormPress(old.draft, "1", "o99"),
        FormPress(old.draft, "S", "e99"),
    )
    for forged in forgeries:
        with pytest.raises(StaleButton):
            await driver.engine.on_button(ACTOR, forged, event_key=f"forged{forged}")
    draft = await driver.engine.active(ACTOR)
    assert draft is not None and dict(draft.answers) == {"fruit": "apple"}


async def test_redelivered_update_is_applied_once(driver: Driver) -> None:
    await driver.start()
    await driver.press("Apple")
    await driver.engine.on_input(ACTOR, Input("text", text="5"), event_key="same")
    again = await driver.engine.on_input(ACTOR, Input("text", text="5"), event_key="same")
    assert again is not None and "When?" in again.text
    draft = await driver.engine.active(ACTOR)
    assert draft is not None and draft.answers["count"] == 5 and "when" not in draft.answers


async def test_drafts_survive_a_new_engine(db: Database, recorder: Recorder) -> None:
    first = Driver(make_engine(db, recorder))
    await first.start()
    await first.press("Apple")
    second = make_engine(db, recorder)
    screen = await second.current(ACTOR)
    assert screen is not None and "How many?" in screen.text
    restarted = await second.start(ACTOR, form_id="toy")
    assert "unfinished" in restarted.text and "How many?" in restarted.text


async def test_cancel_keep_and_discard(driver: Driver) -> None:
    await driver.start()
    await driver.press("Apple")
    ask = await driver.press("Cancel")
    assert "Leave this form?" in ask.text
    kept = await driver.press("Keep for later")
    assert kept.finished
    assert await driver.engine.active(ACTOR) is None
    paused = await driver.engine.unfinished(ACTOR)
    assert [title for title, _ in paused] == ["Toy form"]
    resumed = await driver.engine.on_button(ACTOR, paused[0][1], event_key="resume")
    assert "How many?" in resumed.text
    assert await driver.engine.cancel(ACTOR)
    assert await driver.engine.active(ACTOR) is None


def test_callback_data_stays_within_64_bytes() -> None:
    assert len(form_data(press("f" * 32, "99", "e99")).encode()) <= 64


def test_every_translation_matches_english_for_toy(driver: Driver) -> None:
    assert translator("en").label("Fruit?") == "Fruit?"


async def test_open_form_is_offered_again_when_its_question_was_lost(driver: Driver) -> None:
    await driver.start()
    await driver.press("Apple")
    unfinished = await driver.engine.unfinished(ACTOR)
    assert [title for title, _ in unfinished] == ["Toy form"]
    again = await driver.engine.on_button(ACTOR, unfinished[0][1], event_key="menu-resume")
    assert "How many?" in again.text


async def test_a_step_decided_on_an_outdated_draft_is_decided_again(
    driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between reading the draft and writing the step, the draft moves on: nothing is lost."""
    await driver.start()
    await driver.press("Other")
    db = driver.engine.db
    write = db.write
    attempts = 0

    async def moved_on_first(work: Any) -> Any:
        nonlocal attempts
        attempts += 1
        if attempts == 1:  # as if another update went back and answered differently
            async with db.transaction() as conn:
                drafts = DraftRepository(conn)
                draft = await drafts.latest_open(user_id=ACTOR.user_id)
                assert draft is not None
                changed = replace(draft, answers={"fruit": "apple"}, step="count")
                await drafts.save(changed, now=NOW)
        return await write(work)

    monkeypatch.setattr(db, "write", moved_on_first)
    screen = await driver.type("7")  # typed for "Which?", applied to "How many?"
    assert attempts == 2
    assert "When?" in screen.text
    draft = await driver.engine.active(ACTOR)
    assert draft is not None and dict(draft.answers) == {"fruit": "apple", "count": 7}
