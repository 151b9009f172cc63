"""ReviewRules without HTTP: the queue within reach, decisions, relays, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.errors import NotAllowed, StaleButton
from bot.forms.kinds import Invalid
from bot.forms.view import FormView
from bot.rules.review import AnswerToCoordinator, QuestionToReporter, ReviewOutcome
from storage.users import RoleRepository, UserRepository
from tests.coordinator_steps import T0, add_incident, add_person, grant
from tests.rules.incident_world import ADMIN, World, incident_world

REPORTER = 101
BATKEN, LEILEK, CHUI, GROUPS, FORMER = 201, 203, 204, 206, 207


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with incident_world(tmp_path) as built:
        yield built


async def people(world: World) -> None:
    db = world.db
    await add_person(db, REPORTER, "Aigul")
    await add_person(db, ADMIN, "Admin", place=None, language="en")
    scopes = {
        BATKEN: ("place", "BA-BAT"),
        LEILEK: ("place", "BA-LEI"),
        CHUI: ("place", "CH"),
        GROUPS: ("group", "1"),
        FORMER: ("place", "BA-BAT"),  # deactivated below
    }
    for user_id, (kind, value) in scopes.items():
        await add_person(db, user_id, f"Coordinator {user_id}", kind="coordinator", place=None)
        await grant(db, user_id, kind, value)
    async with db.transaction() as conn:
        await UserRepository(conn).deactivate(user_id=FORMER, now=T0)


async def test_the_queue_counts_and_wraps_within_reach(world: World) -> None:
    await people(world)
    first = await add_incident(world.db, reporter_id=REPORTER)
    await add_incident(world.db, reporter_id=REPORTER, place="CH")
    second = await add_incident(world.db, reporter_id=REPORTER, place="BA-BAT-DAR")
    batken = await world.actor(BATKEN)
    queue = await world.review.next_waiting(batken)
    assert queue.waiting == 2 and queue.card is not None
    assert queue.card.report.incident.id == first and queue.card.may_decide
    after = await world.review.next_waiting(batken, after=first)
    assert after.card is not None and after.card.report.incident.id == second
    wrapped = await world.review.next_waiting(batken, after=second)
    assert wrapped.card is not None and wrapped.card.report.incident.id == first
    admin = await world.review.next_waiting(await world.actor(ADMIN))
    assert admin.waiting == 3
    for nobody in (LEILEK, GROUPS):
        empty = await world.review.next_waiting(await world.actor(nobody))
        assert (empty.card, empty.waiting) == (None, 0)
    for refused in (REPORTER, FORMER):
        with pytest.raises(NotAllowed):
            await world.review.next_waiting(await world.actor(refused))


async def test_the_card_hides_anonymous_names_and_exact_pins_but_from_admins(
    world: World,
) -> None:
    await people(world)
    number = await add_incident(
        world.db, reporter_id=REPORTER, anonymous=True, latitude=39.912345, longitude=70.8123
    )
    coordinator = (await world.review.card(await world.actor(BATKEN), number)).report
    assert (coordinator.shows_reporter, coordinator.reporter) == (True, None)
    assert coordinator.coordinates == (39.91, 70.81)
    admin = (await world.review.card(await world.actor(ADMIN), number)).report
    assert (admin.reporter, admin.coordinates) == ("Aigul", (39.912345, 70.8123))


async def test_verify_is_audited_and_told_to_the_reporter_once(world: World) -> None:
    await people(world)
    number = await add_incident(world.db, reporter_id=REPORTER)
    batken = await world.actor(BATKEN)
    decided = await world.review.verify(batken, number)
    assert (decided.done, decided.incident.review_status) == (True, "verified")
    assert decided.then is not None
    await decided.then()
    assert world.notifier.to(REPORTER) == [ReviewOutcome(number, "verified")]
    again = await world.review.verify(batken, number)
    assert (again.done, again.then, again.incident.review_status) == (False, None, "verified")
    assert await world.audit(number) == [("pending", "verified")]
    # Decided: only the question is still offered.
    assert not (await world.review.card(batken, number)).may_decide
    with pytest.raises(StaleButton):
        await world.review.type_duplicate(batken, number)
    assert isinstance(await world.review.ask_reporter(batken, number), FormView)


async def test_a_flagged_duplicate_joins_only_an_original_in_reach(world: World) -> None:
    await people(world)
    original = await add_incident(world.db, reporter_id=REPORTER)
    elsewhere = await add_incident(world.db, reporter_id=REPORTER, place="CH")
    number = await add_incident(world.db, reporter_id=REPORTER, possible_duplicate_of=original)
    batken = await world.actor(BATKEN)
    assert (await world.review.card(batken, number)).report.flagged_duplicate == original
    for forged in (elsewhere, 9999, number):
        with pytest.raises(StaleButton):
            await world.review.join_duplicate(batken, number, forged)
    assert await world.audit(number) == []
    decided = await world.review.join_duplicate(batken, number, original)
    assert (decided.incident.review_status, decided.incident.duplicate_of) == (
        "duplicate",
        original,
    )
    assert decided.then is not None
    await decided.then()
    assert world.notifier.to(REPORTER) == [ReviewOutcome(number, "duplicate", original=original)]


async def test_a_report_out_of_reach_is_refused_as_a_missing_one(world: World) -> None:
    await people(world)
    number = await add_incident(world.db, reporter_id=REPORTER)
    for outsider in (LEILEK, CHUI, GROUPS):
        actor = await world.actor(outsider)
        for n in (number, 9999):
            for attempt in (
                world.review.card(actor, n),
                world.review.verify(actor, n),
                world.review.join_duplicate(actor, n, 1),
                world.review.ask_reporter(actor, n),
                world.review.type_duplicate(actor, n),
                world.review.reject(actor, n),
            ):
                with pytest.raises(StaleButton):
                    await attempt
    for refused in (REPORTER, FORMER):
        with pytest.raises(NotAllowed):
            await world.review.card(await world.actor(refused), number)
    assert await world.review_status(number) == "pending" and await world.audit(number) == []


async def test_a_question_goes_to_the_reporter_and_her_answer_back(world: World) -> None:
    await people(world)
    number = await add_incident(world.db, reporter_id=REPORTER)
    asked = await world.submit(
        "incident_question", BATKEN, {"question": "How many?"}, incident=number
    )
    assert "{number}" in asked.message and asked.params == {"number": f"№ {number}"}
    assert await world.review_status(number) == "question"
    assert asked.after_commit is not None
    await asked.after_commit()
    (question,) = world.notifier.to(REPORTER)
    assert isinstance(question, QuestionToReporter) and question.question == "How many?"

    with pytest.raises(StaleButton):  # not her report
        await world.review.start_answer(await world.actor(BATKEN), question.question_id)
    aigul = await world.actor(REPORTER)
    assert isinstance(await world.review.start_answer(aigul, question.question_id), FormView)
    answered = await world.submit(
        "incident_answer",
        REPORTER,
        {"answer": "Twenty."},
        incident=number,
        question_id=question.question_id,
        question="How many?",
    )
    assert await world.review_status(number) == "pending"
    assert answered.after_commit is not None
    await answered.after_commit()
    assert world.notifier.to(BATKEN) == [AnswerToCoordinator(number, "How many?", "Twenty.")]
    with pytest.raises(StaleButton):  # answered already
        await world.review.start_answer(aigul, question.question_id)
    assert await world.audit(number) == [("pending", "question"), ("question", "pending")]


async def test_an_answer_is_not_relayed_to_a_coordinator_who_lost_the_report(
    world: World,
) -> None:
    await people(world)
    number = await add_incident(world.db, reporter_id=REPORTER)
    asked = await world.submit("incident_question", BATKEN, {"question": "Who?"}, incident=number)
    assert asked.after_commit is not None
    await asked.after_commit()
    (question,) = world.notifier.to(REPORTER)
    assert isinstance(question, QuestionToReporter)
    async with world.db.transaction() as conn:
        await RoleRepository(conn).revoke_all(user_id=BATKEN)
    answered = await world.submit(
        "incident_answer",
        REPORTER,
        {"answer": "Herders."},
        incident=number,
        question_id=question.question_id,
        question="Who?",
    )
    assert answered.after_commit is not None
    await answered.after_commit()
    assert world.notifier.to(BATKEN) == []


async def test_a_typed_duplicate_refuses_itself_and_other_regions_alike(world: World) -> None:
    await people(world)
    original = await add_incident(world.db, reporter_id=REPORTER)
    elsewhere = await add_incident(world.db, reporter_id=REPORTER, place="CH")
    number = await add_incident(world.db, reporter_id=REPORTER)
    refusals = []
    for typed in (number, elsewhere, 9999):
        with pytest.raises(Invalid) as refused:
            await world.submit("incident_duplicate", BATKEN, {"original": typed}, incident=number)
        refusals.append((refused.value.message, refused.value.params))
    assert refusals[0][0].startswith("A report cannot repeat itself")
    assert refusals[1] == (refusals[2][0], {"original": f"№ {elsewhere}"})
    assert refusals[2][1] == {"original": "№ 9999"}
    done = await world.submit(
        "incident_duplicate", BATKEN, {"original": original}, incident=number
    )
    assert done.after_commit is not None
    await done.after_commit()
    assert world.notifier.to(REPORTER) == [ReviewOutcome(number, "duplicate", original=original)]
    # The same form again: already reviewed, nothing more is told.
    again = await world.submit(
        "incident_duplicate", BATKEN, {"original": original}, incident=number
    )
    assert (again.message, again.after_commit) == ("Report {number} was already reviewed.", None)


async def test_a_rejection_tells_the_reporter_the_reason_typed(world: World) -> None:
    await people(world)
    number = await add_incident(world.db, reporter_id=REPORTER)
    assert isinstance(await world.review.reject(await world.actor(BATKEN), number), FormView)
    rejected = await world.submit(
        "incident_reject",
        BATKEN,
        {"reason": "other", "reason_text": "It was in 2019"},
        incident=number,
    )
    assert rejected.after_commit is not None
    await rejected.after_commit()
    assert world.notifier.to(REPORTER) == [
        ReviewOutcome(number, "rejected", reason="other", reason_text="It was in 2019")
    ]
    # A coordinator of another region cannot decide it through the form either.
    other = await add_incident(world.db, reporter_id=REPORTER)
    with pytest.raises(NotAllowed):
        await world.submit("incident_reject", CHUI, {"reason": "unclear"}, incident=other)
    assert await world.review_status(other) == "pending"
