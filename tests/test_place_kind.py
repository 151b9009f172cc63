"""The place kind in the form engine: pages, letters typed, places settling later questions.

A toy form walks the gazetteer as the report form does (oblast, rayon, aiyl aimak, the
village), built with the forms' own builders, on a real SQLite file and no Telegram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.access import Actor
from bot.core.errors import StaleButton
from bot.forms.engine import Form, FormEngine, FormSpec, Step, Submitted
from bot.forms.incident import REPORT_LEVELS, REPORT_WALK, village_steps
from bot.forms.kinds import PAGE, SHORT_LIST, Env, Input, Text
from bot.forms.onboarding import NOT_LISTED, walk_step
from bot.forms.view import FormPress, FormView
from bot.gazetteer import Gazetteer, Place
from bot.i18n import Tr
from bot.records.core import Draft, User
from storage.connection import Connection
from storage.db import Database
from storage.drafts import DraftRepository

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
ACTOR = Actor(
    user_id=1,
    locale="ru",
    user=User(1, "A", None, None, "ru", "leader", None, None, NOW, "P-1", True, NOW),
)


def _aimak(answers: Mapping[str, Any], env: Env) -> Place | None:
    aimak = answers.get("aiyl_aimak")
    return env.gazetteer.resolve(str(aimak)) if aimak not in (None, NOT_LISTED) else None


def _typed_anywhere(answers: Mapping[str, Any], env: Env) -> bool:
    return NOT_LISTED in (answers.get("oblast"), answers.get("rayon"), answers.get("aiyl_aimak"))


WALK = Form(
    id="walk",
    version=1,
    title="Walk",
    steps=(
        Step(
            "oblast",
            walk_step(None, rank=0, levels=REPORT_LEVELS, fills=REPORT_WALK),
            "Oblast?",
            clears=("rayon", "aiyl_aimak", "place_other", "village_code", "village"),
        ),
        Step(
            "rayon",
            walk_step("oblast", rank=1, levels=REPORT_LEVELS[1:], fills=REPORT_WALK),
            "Rayon?",
            when=lambda a, env: a.get("oblast") != NOT_LISTED,
            clears=("aiyl_aimak", "place_other", "village_code", "village"),
        ),
        Step(
            "aiyl_aimak",
            walk_step("rayon", rank=2, levels=REPORT_LEVELS[3:], fills=REPORT_WALK),
            "Aiyl aimak?",
            when=lambda a, env: a.get("rayon") not in (None, NOT_LISTED),
            clears=("place_other", "village_code", "village"),
        ),
        Step(
            "place_other",
            Text(max_len=120),
            "Type the place.",
            when=_typed_anywhere,
        ),
        *village_steps(_aimak, typed_max=120, typed_needs_aimak=True),
    ),
)


class Recorder:
    def __init__(self) -> None:
        self.submitted: list[Mapping[str, Any]] = []

    async def __call__(self, conn: Connection, draft: Draft, actor: Actor, env: Env) -> Submitted:
        self.submitted.append(dict(draft.answers))
        return Submitted("Thanks")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "places.db")
    yield database
    await database.close()


class Driver:
    """Presses by label or by action, types, and reads the draft."""

    def __init__(self, db: Database, recorder: Recorder) -> None:
        gazetteer = Gazetteer.default()

        def env_for(tr: Tr, actor: Actor, context: Any) -> Env:
            return Env(
                tr=tr,
                user=actor.user,
                gazetteer=gazetteer,
                today=date(2026, 3, 10),
                context=context,
            )

        self.db = db
        self.engine = FormEngine(
            db, {"walk": FormSpec(WALK, recorder)}, env_for=env_for, clock=lambda: NOW
        )
        self.seq = 0
        self.screen: FormView | None = None

    def key(self) -> str:
        self.seq += 1
        return f"k{self.seq}"

    async def start(self, answers: Mapping[str, Any] | None = None) -> FormView:
        self.screen = await self.engine.start(ACTOR, form_id="walk", answers=answers)
        return self.screen

    def labels(self) -> list[str]:
        assert self.screen is not None
        return [o.label for row in self.screen.rows for o in row]

    def offer(self, label: str, screen: FormView | None = None) -> FormPress:
        shown = screen or self.screen
        assert shown is not None
        found = [o.press for row in shown.rows for o in row if o.label == label]
        assert len(found) == 1, (label, [o.label for row in shown.rows for o in row])
        return found[0]

    async def press(self, label: str, screen: FormView | None = None) -> FormView:
        return await self.send_press(self.offer(label, screen))

    async def send_press(self, pressed: FormPress) -> FormView:
        self.screen = await self.engine.on_button(ACTOR, pressed, event_key=self.key())
        return self.screen

    async def type(self, text: str) -> FormView:
        screen = await self.engine.on_input(ACTOR, Input("text", text=text), event_key=self.key())
        assert screen is not None
        self.screen = screen
        return screen

    async def draft(self) -> Draft:
        async with self.db.reading() as conn:
            found = await DraftRepository(conn).latest_open(user_id=ACTOR.user_id)
        assert found is not None
        return found


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def driver(db: Database, recorder: Recorder) -> Driver:
    return Driver(db, recorder)


def place_labels(labels: list[str]) -> list[str]:
    names = {p.name("ru") for p in Gazetteer.default()}
    return [label for label in labels if label in names]


async def test_a_long_list_is_paged_and_a_button_keeps_its_meaning_on_any_page(
    driver: Driver,
) -> None:
    await driver.start()
    await driver.press("Ошская область")
    first = await driver.press("Узгенский район")
    uzgen = Gazetteer.default().children("OS-UZG")
    assert len(uzgen) > SHORT_LIST
    assert place_labels(driver.labels()) == [p.name("ru") for p in uzgen[:PAGE]]
    assert "Страница 1 из 2." in first.text
    second = await driver.press("Ещё ➡️")
    assert place_labels(driver.labels()) == [p.name("ru") for p in uzgen[PAGE:]]
    # Buttons name the option by its place in the whole list: "Кароол" is the 11th.
    assert driver.offer("Кароол").action == f"o{uzgen.index(Gazetteer.default()['OS-UZG-KAO'])}"
    # A button of the first page, pressed after turning the page, means what it said.
    await driver.press("Ак-Джар", first)
    assert (await driver.draft()).answers["aiyl_aimak"] == "OS-UZG-AKJ"
    assert second.text != first.text


async def test_letters_typed_find_places_within_the_question_only(driver: Driver) -> None:
    await driver.start()
    await driver.press("Баткенская область")
    await driver.press("Баткенский район")
    found = await driver.type("кара")
    assert "Найдено по «кара»" in found.text
    # Batken rayon's Kara-Bak and Kara-Bulak; not Kara-Tash of Uzgen rayon, Osh oblast.
    assert place_labels(driver.labels()) == ["Кара-Бак", "Кара-Булак"]
    back = await driver.press("📋 Весь список")
    assert len(place_labels(driver.labels())) == len(Gazetteer.default().children("BA-BAT"))
    assert "Найдено" not in back.text


async def test_a_place_found_at_the_first_question_settles_the_questions_below(
    driver: Driver, recorder: Recorder
) -> None:
    await driver.start()
    found = await driver.type("таш-тумшук")
    summary = await driver.press("Таш-Тумшук, Ак-Сай", found)
    assert "Таш-Тумшук" in summary.text and "Ак-Сай" in summary.text
    await driver.press("✅ Отправить")
    assert recorder.submitted == [
        {
            "oblast": "BA",
            "rayon": "BA-BAT",
            "aiyl_aimak": "BA-BAT-AKS",
            "village_code": "BA-BAT-AKS-TAS",
        }
    ]


async def test_a_forged_place_outside_the_question_is_a_stale_button(driver: Driver) -> None:
    await driver.start()
    await driver.press("Баткенская область")
    await driver.press("Баткенский район")
    asked = driver.offer("Ак-Сай")
    for code in ("OS-UZG-KAO", "BA-BAT", "NOWHERE", ""):
        with pytest.raises(StaleButton):
            await driver.engine.on_button(
                ACTOR, FormPress(asked.draft, asked.where, "p" + code), event_key=driver.key()
            )
    assert "aiyl_aimak" not in (await driver.draft()).answers
    # Inside the rayon, a found place is taken even from an older message.
    await driver.send_press(FormPress(asked.draft, asked.where, "pBA-BAT-KBK"))
    assert (await driver.draft()).answers["aiyl_aimak"] == "BA-BAT-KBK"


async def test_a_retired_code_answers_as_the_place_it_joined(driver: Driver) -> None:
    await driver.start()
    await driver.press("Иссык-Кульская область")
    asked = (await driver.press("Джети-Огузский район")).rows[0][0].press
    await driver.send_press(FormPress(asked.draft, asked.where, "pIK-JET-YRD"))
    assert (await driver.draft()).answers["aiyl_aimak"] == "IK-JET-JET"


async def test_keeping_the_letters_typed_needs_the_button_shown_with_them(
    driver: Driver, recorder: Recorder
) -> None:
    await driver.start()
    await driver.press("Чуйская область")
    await driver.press("Жайылский район")
    nothing = await driver.type("Qwerty")
    assert "⚠️" in nothing.text and "«Qwerty»" in nothing.text
    old_keep = driver.offer("✏️ Нет в списке: оставить «Qwerty»")
    await driver.type("Asdfgh")
    with pytest.raises(StaleButton):  # it kept "Qwerty"; the letters are "Asdfgh" now
        await driver.engine.on_button(ACTOR, old_keep, event_key=driver.key())
    summary = await driver.press("✏️ Нет в списке: оставить «Asdfgh»")
    assert "Asdfgh" in summary.text
    await driver.press("✅ Отправить")
    assert recorder.submitted == [
        {"oblast": "CH", "rayon": "CH-JAI", "aiyl_aimak": NOT_LISTED, "place_other": "Asdfgh"}
    ]


async def test_a_village_typed_that_no_village_starts_with_is_kept_as_typed(
    driver: Driver, recorder: Recorder
) -> None:
    await driver.start()
    await driver.press("Баткенская область")
    await driver.press("Баткенский район")
    villages = await driver.press("Ак-Сай")
    assert "Кек-Таш" in driver.labels() and "✏️ Нет в списке" in driver.labels()
    assert "Можно и написать первые буквы названия." in villages.text
    await driver.type("Жаңы-Айыл")
    await driver.press("✅ Отправить")
    assert recorder.submitted[-1]["village_code"] == NOT_LISTED
    assert recorder.submitted[-1]["village"] == "Жаңы-Айыл"


async def test_a_draft_with_the_village_typed_before_lists_existed_is_not_asked_again(
    driver: Driver,
) -> None:
    old = {"oblast": "BA", "rayon": "BA-BAT", "aiyl_aimak": "BA-BAT-AKS", "village": "Кек"}
    summary = await driver.start(answers=old)
    assert "Please check" in summary.text or "Проверьте" in summary.text
    assert (await driver.draft()).step == ""


async def test_what_a_question_showed_is_forgotten_once_it_is_answered(driver: Driver) -> None:
    await driver.start()
    await driver.press("Ошская область")
    await driver.press("Узгенский район")
    await driver.press("Ещё ➡️")
    await driver.type("кар")
    assert (await driver.draft()).context["browse"] == {"aiyl_aimak": {"typed": "кар"}}
    await driver.press("Кароол")
    assert (await driver.draft()).context.get("browse") == {}
    # Back to the question: it shows its first page again.
    again = await driver.press("◀️ Назад")
    assert "Страница 1 из 2." in again.text
