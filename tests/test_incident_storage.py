"""Incident repositories on a real SQLite file, and the rules the service applies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.rules.incidents import DUPLICATE_WINDOW, FOLLOWUP_AFTER, is_urgent
from storage.db import Database
from storage.incidents import IncidentRepository, IncidentUpdateRepository
from tests.incident_steps import SEED

NOW = SEED.received_at


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "incidents.db")
    yield database
    await database.close()


async def add(db: Database, draft_id: str, **changes: object) -> int:
    async with db.transaction() as conn:
        number, created = await IncidentRepository(conn).add(
            incident=replace(SEED, draft_id=draft_id, **changes)  # type: ignore[arg-type]
        )
    assert created
    return number


async def test_a_repeated_draft_is_one_report(db: Database) -> None:
    first = await add(db, "d1")
    async with db.transaction() as conn:
        again, created = await IncidentRepository(conn).add(incident=replace(SEED, draft_id="d1"))
    assert (again, created) == (first, False)


async def test_similar_reports_are_those_of_the_same_aimak_and_resource_within_72_hours(
    db: Database,
) -> None:
    inside = await add(db, "a", received_at=NOW - DUPLICATE_WINDOW + timedelta(minutes=1))
    await add(
        db, "b", received_at=NOW - DUPLICATE_WINDOW - timedelta(minutes=1), resource="forest"
    )
    await add(db, "c", admin3="BA-BAT-DAR")
    async with db.reading() as conn:
        repo = IncidentRepository(conn)
        since = NOW - DUPLICATE_WINDOW
        assert await repo.latest_similar(admin3="BA-BAT-AKS", resource="water", since=since) == (
            inside
        )
        assert await repo.latest_similar(admin3="BA-BAT-AKS", resource="forest", since=since) is (
            None
        )
        assert await repo.latest_similar(admin3="BA-LEI-KAT", resource="water", since=since) is (
            None
        )


async def test_the_review_queue_follows_the_coordinators_places(db: Database) -> None:
    batken = await add(db, "a")
    leilek = await add(db, "b", admin2="BA-LEI", admin3="BA-LEI-KAT")
    nowhere = await add(db, "c", admin1=None, admin2=None, admin3=None)
    async with db.reading() as conn:
        repo = IncidentRepository(conn)
        found = await repo.next_pending(codes=["BA-LEI"])
        assert found is not None and found.id == leilek
        found = await repo.next_pending(codes=["BA-BAT-AKS"])
        assert found is not None and found.id == batken
        assert await repo.count_pending(codes=["BA"]) == 2
        assert await repo.count_pending(codes=None) == 3
        assert await repo.count_pending(codes=[]) == 0
        found = await repo.next_pending(codes=None, after_id=leilek)
        assert found is not None and found.id == nowhere


async def test_review_status_changes_only_from_the_expected_state(db: Database) -> None:
    number = await add(db, "a")
    async with db.transaction() as conn:
        repo = IncidentRepository(conn)
        expected = ("pending", "question")
        assert await repo.set_review_status(incident_id=number, expected=expected, to="verified")
        assert not await repo.set_review_status(
            incident_id=number, expected=expected, to="rejected"
        )
        incident = await repo.get(incident_id=number)
    assert incident is not None and incident.review_status == "verified"


async def test_follow_ups_are_due_after_seven_quiet_days_and_claimed_once(db: Database) -> None:
    quiet = await add(db, "a")
    await add(db, "b", status="resolved")
    talked = await add(db, "c")
    async with db.transaction() as conn:
        await IncidentRepository(conn).touch(incident_id=talked, now=NOW + timedelta(days=3))
    later = NOW + FOLLOWUP_AFTER + timedelta(hours=1)
    async with db.transaction() as conn:
        repo = IncidentRepository(conn)
        soon = NOW + timedelta(days=6)
        assert await repo.due_followups(quiet_since=soon - FOLLOWUP_AFTER, limit=10) == []
        due = await repo.due_followups(quiet_since=later - FOLLOWUP_AFTER, limit=10)
        assert [i.id for i in due] == [quiet]
        assert await repo.mark_followup_sent(incident_id=quiet, now=later)
        assert not await repo.mark_followup_sent(incident_id=quiet, now=later)
        # Claimed reports are never due again; resolved ones never were.
        much_later = NOW + timedelta(days=11)
        due = await repo.due_followups(quiet_since=much_later - FOLLOWUP_AFTER, limit=10)
        assert [i.id for i in due] == [talked]


async def test_updates_are_appended_and_a_repeated_draft_adds_nothing(db: Database) -> None:
    number = await add(db, "a")
    async with db.transaction() as conn:
        updates = IncidentUpdateRepository(conn)
        first = await updates.add(
            incident_id=number,
            at=NOW,
            author_id=1,
            author_role="reporter",
            kind="info",
            text="one",
            draft_id="u1",
        )
        again = await updates.add(
            incident_id=number,
            at=NOW,
            author_id=1,
            author_role="reporter",
            kind="info",
            text="changed",
            draft_id="u1",
        )
        await updates.add(
            incident_id=number,
            at=NOW,
            author_id=1,
            author_role="reporter",
            kind="followup",
            outcome="open",
        )
        history = await updates.for_incident(incident_id=number)
    assert first == again
    assert [(u.kind, u.text) for u in history] == [("info", "one"), ("followup", None)]


@pytest.mark.parametrize(
    ("event", "injured", "dead", "urgent"),
    [
        ("physical_clash", 0, 0, True),
        ("property_damage", 0, 0, True),
        ("blockade", 0, 0, True),
        ("verbal_dispute", 1, 0, True),
        ("agreement", 0, 2, True),
        ("tension", 0, 0, False),
        ("protest", 0, 0, False),
    ],
)
def test_what_is_urgent(event: str, injured: int, dead: int, urgent: bool) -> None:
    assert is_urgent(event, injured, dead) is urgent
