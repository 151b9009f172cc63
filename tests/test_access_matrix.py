"""The access matrix: every privileged entry point walked as six people, through the server.

Each feature declares its rows in its `feature.py` (`access=`), assembled from the wiring's
features (`matrix(FEATURES)`); the README's table is generated from them, and this test plays
each row: a command is sent, or a button's callback data is pressed with ids of Batken records
made fresh for the row. The outcome must be exactly the row's: the refusal in the person's
language, the polite stale answer, or the real answer; and a refusal must leave every table
unchanged.
"""

from __future__ import annotations

import re
import string
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.config import Settings
from bot.core.access import GRANTS, Permission, RoleName
from bot.i18n import Tr as Translator
from bot.i18n import translator
from bot.localapi import FakeChat, LocalBotApi
from bot.rules.users import UserRules
from bot.wiring import FEATURES, AyilApp
from handlers.plumbing.access_matrix import (
    PERSONAS,
    REFUSALS,
    Entry,
    Outcome,
    Persona,
    matrix,
    matrix_markdown,
)
from storage.groups import GroupRepository
from storage.needs import ElectionResultRepository
from storage.practices import PracticeRepository
from tests.conftest import PersonFactory
from tests.coordinator_steps import (
    AKSAY,
    T0,
    add_group,
    add_incident,
    add_need,
    add_person,
    add_practice,
    add_update,
    grant,
    snapshot,
)
from tests.harness import Person, make_settings, onboard, running_bot, services_of

README = Path(__file__).resolve().parents[1] / "README.md"
MATRIX = matrix(FEATURES)
LANGUAGE = {
    Persona.STRANGER: "ru",
    Persona.REPORTER: "ky",
    Persona.CANDIDATE: "ru",
    Persona.OUTSIDER: "en",
    Persona.ADMIN: "ky",
    Persona.DEACTIVATED: "ru",
}
BUTTON = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
IDS = {
    Persona.STRANGER: 701,
    Persona.REPORTER: 702,
    Persona.CANDIDATE: 703,
    Persona.OUTSIDER: 704,
    Persona.ADMIN: 9000,
    Persona.DEACTIVATED: 705,
}
BATKEN_COORDINATOR = IDS[Persona.DEACTIVATED]  # made the groups and asked the questions
GROUP_CHAT = -100_777
SENTINEL = "zz:done"  # pressed after each action: answered "stale", so its answer marks the end
NO_PERMISSION = "Sorry, you do not have permission for this."
REGISTER = "Please register first: send /start."
STALE = "This button is no longer active."


@dataclass
class Observed:
    outcome: Outcome | None
    texts: list[str]
    toast: str | None


class World:
    """The six personas (one of them the Batken coordinator) and fresh records for each row."""

    def __init__(self, app: AyilApp, server: LocalBotApi, people: dict[Persona, Person]) -> None:
        self.app = app
        self.server = server
        self.people = people
        self.services = services_of(app)
        self.group_chat: FakeChat = server.group(GROUP_CHAT, "Batken coordinators")

    @classmethod
    async def create(cls, app: AyilApp, server: LocalBotApi, person: PersonFactory) -> World:
        people: dict[Persona, Person] = {}
        for persona in PERSONAS:
            locale = LANGUAGE[persona]
            someone = person(IDS[persona], locale, first_name=f"Persona{IDS[persona]}")
            people[persona] = someone
            if persona in (Persona.STRANGER, Persona.DEACTIVATED):
                await someone.say("/help")  # a message to press forged buttons on
                continue
            kind = 1 if persona is Persona.CANDIDATE else 0
            await onboard(someone, language=BUTTON[locale], kind_index=kind)
        world = cls(app, server, people)
        db = world.services.db
        # A coordinator of Chui: her own aiyl aimaks are hers to assess; Batken's are not.
        await grant(db, IDS[Persona.OUTSIDER], "place", "CH")
        await add_person(db, BATKEN_COORDINATOR, "Batken", kind="community", place="BA-BAT")
        await grant(db, BATKEN_COORDINATOR, "place", "BA")
        # She created the rows' groups as a coordinator; `ayilbot admin deactivate` follows.
        await world.services.get(UserRules).deactivate(user_id=BATKEN_COORDINATOR, by=None)
        async with db.transaction() as conn:
            await ElectionResultRepository(conn).create(
                draft_id="election",
                user_id=IDS[Persona.CANDIDATE],
                outcome="elected",
                election_on=T0.date(),
                place_code=AKSAY,
                now=T0,
            )
        await add_need(db, author_id=IDS[Persona.CANDIDATE])
        # A Batken report whose aiyl aimak was typed by hand: /places has one to show.
        await add_incident(db, reporter_id=IDS[Persona.REPORTER], place="BA-BAT", place_other="X")
        for persona in PERSONAS:
            await server.send_text(people[persona].user, "/help", chat=world.group_chat)
        await server.wait_idle()
        server.drain(world.group_chat)
        for someone in people.values():
            server.drain(someone.user)
        return world

    async def reset(self) -> None:
        """Forms opened by the last row are dropped; the stranger is a stranger again."""
        async with self.services.db.transaction() as conn:
            await conn.execute("DELETE FROM drafts")
            await conn.execute("DELETE FROM users WHERE id = ?", (IDS[Persona.STRANGER],))

    async def values(self, entry: Entry) -> dict[str, str]:
        """Fresh records for the placeholders the row uses."""
        fields = {f for _, f, _, _ in string.Formatter().parse(entry.text) if f}
        db = self.services.db
        reporter, candidate = IDS[Persona.REPORTER], IDS[Persona.CANDIDATE]
        found: dict[str, str] = {"place": AKSAY, "region": "BA-BAT", "member": str(candidate)}
        if "typed" in fields:
            typed = await add_incident(
                db, reporter_id=reporter, place="BA-BAT", place_other="Kyzyl-Bairak"
            )
            found["typed"] = str(typed)
        if fields & {"incident", "incident2", "question"}:
            original = await add_incident(db, reporter_id=reporter, pseudonym="P-R")
            number = await add_incident(
                db,
                reporter_id=reporter,
                pseudonym="P-R",
                followup=True,
                possible_duplicate_of=original,
                latitude=39.912345,
                longitude=70.812345,
                geo_precision=1,
            )
            question = await add_update(
                db, number, author_id=BATKEN_COORDINATOR, kind="question", role="coordinator"
            )
            found |= {"incident": str(number), "incident2": str(original)}
            found["question"] = str(question)
        if fields & {"group", "code", "need", "need2", "linkreq", "practice", "pending"}:
            group, code = await add_group(db, creator=BATKEN_COORDINATOR, members=(candidate,))
            found |= {"group": str(group), "code": code}
            async with db.transaction() as conn:
                request = await GroupRepository(conn).create_link_request(
                    chat_id=GROUP_CHAT, chat_title="x", requested_by=BATKEN_COORDINATOR, now=T0
                )
            found["linkreq"] = str(request)
            async with db.transaction() as conn:
                await GroupRepository(conn).link_chat(
                    group_id=group, chat_id=GROUP_CHAT - group, chat_title="x", now=T0
                )
        if fields & {"need", "need2"}:
            found["need"] = str(await add_need(db, author_id=candidate))
            found["need2"] = str(await add_need(db, author_id=candidate))
        if fields & {"practice", "pquestion", "pending"}:
            practice = await add_practice(db, author_id=candidate)
            pending = await add_practice(db, author_id=candidate, approved=False)
            async with db.transaction() as conn:
                asked = await PracticeRepository(conn).add_question(
                    draft_id=f"q{practice}",
                    practice_id=practice,
                    asker_id=reporter,
                    question="How did you start?",
                    asker_shares=False,
                    now=T0,
                )
            found |= {"practice": str(practice), "pending": str(pending)}
            found["pquestion"] = str(asked)
        return found

    async def walk(self, persona: Persona, entry: Entry, values: dict[str, str]) -> Observed:
        """Play one row as one persona; the outcome as the person saw it."""
        who = self.people[persona]
        chat = self.group_chat if entry.in_group else None
        shown = who.user if chat is None else chat
        start = len(self.server.events(shown))
        text = entry.text.format(**values)
        query = None
        if entry.is_command:
            await self.server.send_text(who.user, text, chat=chat)
        else:
            message = self.server.last_message(who.user)
            assert message is not None
            query = await self.server.press(who.user, message.message_id, text)
        # Each person's updates run in order: once the sentinel is answered, the action is done.
        if chat is None:
            last = self.server.last_message(who.user)
            assert last is not None
            done = await self.server.press(who.user, last.message_id, SENTINEL)
        else:
            last = self.server.last_message(chat)
            assert last is not None
            done = await self.server.press(who.user, last.message_id, SENTINEL, chat=chat)
        await self.server.wait_callback_answer(done)
        texts = [e.text or "" for e in self.server.events(shown)[start:]]
        toast = self.server.callback_answers.get(query, {}).get("text") if query else None
        return Observed(classify(LANGUAGE[persona], entry, texts, toast), texts, toast)


def classify(locale: str, entry: Entry, texts: list[str], toast: str | None) -> Outcome | None:
    """The outcome a person saw, or None when the bot said nothing at all."""
    tr = translator(locale)
    if tr.gettext(REGISTER) in texts:
        return Outcome.REGISTER
    if tr.gettext(NO_PERMISSION) in texts:
        return Outcome.NO
    if not texts:
        return Outcome.STALE if toast == tr.gettext(STALE) else Outcome.OK if toast else None
    if entry.empty is not None and any(zero_pattern(tr, entry.empty).search(t) for t in texts):
        return Outcome.NONE
    return Outcome.OK


def zero_pattern(tr: Translator, empty: str | tuple[str, str]) -> re.Pattern[str]:
    """The "nothing here" message with every count 0, not part of a larger number."""
    template = (
        tr.catalog.gettext(empty) if isinstance(empty, str) else tr.catalog.ngettext(*empty, 0)
    )
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    text = template.format(**dict.fromkeys(fields, tr.number(0)))
    return re.compile(r"(?<!\d)" + re.escape(text) + r"(?!\d)")


@pytest.fixture
def matrix_settings(tmp_path: Path, server: LocalBotApi) -> Settings:
    # Hundreds of updates a minute per person here: the flood guard is set out of the way.
    return make_settings(
        tmp_path / "matrix.db", server, AYILBOT_ADMIN_IDS="9000", AYILBOT_FLOOD_LIMIT="100000"
    )


@pytest.fixture
async def matrix_bot(matrix_settings: Settings) -> AsyncIterator[AyilApp]:
    async with running_bot(matrix_settings) as app:
        yield app


async def test_every_entry_point_gives_each_person_exactly_their_outcome(
    matrix_bot: AyilApp, server: LocalBotApi, person: PersonFactory, matrix_settings: Settings
) -> None:
    world = await World.create(matrix_bot, server, person)
    failures = []
    for entry in MATRIX:
        await world.reset()
        values = await world.values(entry)
        for persona, expected in zip(PERSONAS, entry.outcomes, strict=True):
            before = snapshot(matrix_settings.db_path)
            seen = await world.walk(persona, entry, values)
            if seen.outcome is not expected:
                failures.append(
                    f"{entry.point} as {persona.name}: expected {expected.name}, got "
                    f"{seen.outcome.name if seen.outcome else 'silence'}: "
                    f"{[t[:60] for t in seen.texts]} {seen.toast!r}"
                )
            elif expected in REFUSALS and snapshot(matrix_settings.db_path) != before:
                failures.append(f"{entry.point} as {persona.name}: refused but rows changed")
    assert not failures, "\n".join(failures)


# Stand-ins for the placeholders, to match rows against the registered callback patterns.
EXAMPLE_VALUES = {
    "incident": "1",
    "incident2": "2",
    "question": "3",
    "need": "4",
    "need2": "5",
    "group": "6",
    "member": "7",
    "linkreq": "8",
    "practice": "9",
    "pending": "10",
    "pquestion": "11",
    "code": "abcdef",
    "place": AKSAY,
    "region": "BA-BAT",
    "typed": "12",
}


def registered_entry_points(app: AyilApp) -> tuple[set[str], list[re.Pattern[str]]]:
    """Every command and every callback pattern registered in `add_handlers`."""
    commands: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for handlers in app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                commands.update(handler.commands)
            elif isinstance(handler, CallbackQueryHandler) and isinstance(
                handler.pattern, re.Pattern
            ):
                patterns.append(handler.pattern)
    return commands, patterns


async def test_the_matrix_covers_every_command_and_button_registered(bot: AyilApp) -> None:
    commands, patterns = registered_entry_points(bot)
    assert {"review", "export", "stats", "invite", "linkgroup"} <= commands
    listed = {e.text.split()[0].removeprefix("/") for e in MATRIX if e.is_command}
    assert sorted(commands - listed) == [], "commands without a row in MATRIX"
    pressed = [e.text.format(**EXAMPLE_VALUES) for e in MATRIX if not e.is_command]
    unmatched = [p.pattern for p in patterns if not any(p.match(d) for d in pressed)]
    assert unmatched == [], "callback patterns without a row in MATRIX"
    assert all(len(d.encode()) <= 64 for d in pressed)


def test_the_readme_shows_the_matrix_generated_from_the_same_rows() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = "<!-- access-matrix -->\n", "<!-- /access-matrix -->"
    assert start in text and end in text, (
        "README.md needs the table between <!-- access-matrix --> and <!-- /access-matrix -->:"
        " python -m handlers.plumbing.access_matrix"
    )
    shown = text.split(start, 1)[1].split(end, 1)[0]
    assert shown.strip() == matrix_markdown(MATRIX).strip()


def test_rows_agree_with_the_grants() -> None:
    """A staff-only row refuses the stranger, reporter, candidate and deactivated coordinator."""
    assert all(len(e.outcomes) == len(PERSONAS) for e in MATRIX)
    assert len({e.point for e in MATRIX}) == len(MATRIX)
    assert matrix_markdown(MATRIX).count("\n|") == len(MATRIX) + 1
    staff = {RoleName.COORDINATOR, RoleName.ADMIN}
    checked = 0
    for entry in MATRIX:
        for permission in Permission:
            # The rule's first word names the permission an entry requires, if any.
            first = re.split(r"[ ,;:]", entry.rule)[0]
            if first == permission.value and GRANTS[permission] <= staff:
                checked += 1
                outcome = dict(zip(PERSONAS, entry.outcomes, strict=True))
                lay = [outcome[p] for p in (*PERSONAS[:3], Persona.DEACTIVATED)]
                assert all(o in REFUSALS for o in lay), (entry.point, permission)
                if GRANTS[permission] == {RoleName.ADMIN}:
                    assert outcome[Persona.OUTSIDER] in REFUSALS, entry.point
    assert checked > 40


async def test_a_forged_id_of_another_regions_record_is_refused(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory, settings: Settings
) -> None:
    services = services_of(bot)
    chui = person(730, "en", first_name="Chui")
    await onboard(chui, language="English")
    await grant(services.db, 730, "place", "CH")
    own = await add_incident(services.db, reporter_id=None, pseudonym="P-C", place="CH")
    batken = await add_incident(services.db, reporter_id=None, pseudonym="P-B")
    review = await chui.say("/review")
    assert f"inc:v:{own}" in [data for _, data in review.flat_buttons]
    # The same button with another region's number: the id is checked again, not the button,
    # and the answer is the one a number that names no report gets.
    before = snapshot(settings.db_path)
    answers = []
    for number in (batken, batken + 1):
        pressed = await server.press(chui.user, review.message_id, f"inc:v:{number}")
        answer = await server.wait_callback_answer(pressed)
        answers.append({k: v for k, v in answer.items() if k != "callback_query_id"})
    assert answers == [{"text": STALE}] * 2
    await server.press(chui.user, review.message_id, "exp:r:i:x:a:BA-BAT")
    assert (await chui.reply()).text == NO_PERMISSION
    assert snapshot(settings.db_path) == before
    verified = await chui.press("✅ Verify", message=review)
    assert "Verified" in verified.text or "verified" in verified.text
    async with services.db.reading() as conn:
        statuses = {
            r[0]: r[1]
            for r in await conn.execute_fetchall("SELECT id, review_status FROM incidents")
        }
    assert statuses == {own: "verified", batken: "pending"}
