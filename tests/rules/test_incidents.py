"""IncidentRules without HTTP: submitting, alerts and who gets them, the reporter's own, reach."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import NotAllowed, NotRegistered, StaleButton
from bot.core.notices import Delivery
from bot.forms.view import FormView
from bot.rules.incidents import (
    URGENT_RECEIPTS,
    Alerted,
    AlertRerouted,
    FollowupQuestion,
    UncoveredArea,
    UrgentAlert,
)
from storage.incidents import IncidentRepository, IncidentUpdateRepository
from tests.coordinator_steps import AKSAY, T0, add_incident, add_person, grant
from tests.rules.incident_world import ADMIN, World, incident_world

REPORTER, NEIGHBOUR = 101, 102  # village leaders of Ak-Say (Batken rayon, Batken oblast)
BATKEN, OBLAST, LEILEK, CHUI, EVERYWHERE, GROUPS = 201, 202, 203, 204, 205, 206
PLAIN = "Thank you! Your report is saved as {number}. /myreports shows your reports; you can "


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with incident_world(tmp_path) as built:
        yield built


async def people(world: World, *, admin: bool = True) -> None:
    """Two reporters, and coordinators of each kind of scope."""
    db = world.db
    await add_person(db, REPORTER, "Aigul")
    await add_person(db, NEIGHBOUR, "Asel")
    scopes = {
        BATKEN: ("place", "BA-BAT"),  # the rayon: Ak-Say is one of its aiyl aimaks
        OBLAST: ("place", "BA"),
        LEILEK: ("place", "BA-LEI"),  # another rayon of the same oblast
        CHUI: ("place", "CH"),  # another region
        EVERYWHERE: ("all", ""),
        GROUPS: ("group", "1"),  # peer groups only: no reports
    }
    for user_id, (kind, value) in scopes.items():
        await add_person(db, user_id, f"Coordinator {user_id}", kind="coordinator", place=None)
        await grant(db, user_id, kind, value)
    if admin:
        await add_person(db, ADMIN, "Admin", place=None, language="en")


def answers(**changes: Any) -> dict[str, Any]:
    """What the report form stores for a quiet dispute over pasture in Ak-Say."""
    return {
        "resource": "pasture",
        "sub_event_type": "verbal_dispute",
        "event_date": "2026-03-01",
        "place": AKSAY,
        "village": "Kara-Suu",
        "border": "yes",
        "actor1": "farmers",
        "crowd_size": "10_50",
        "injuries": 0,
        "fatalities": 0,
        "description": {"text": "Two groups argued.", "voice": {"type": "voice", "file_id": "V"}},
        "photos": [{"type": "photo", "file_id": "P1"}],
        "response": "none",
        "status": "open",
        "source": "witness",
        "visibility": "named",
        **changes,
    }


CLASH = {"sub_event_type": "physical_clash"}


async def test_a_report_is_stored_with_its_places_files_and_a_possible_duplicate(
    world: World,
) -> None:
    await people(world)
    changed: list[int] = []

    async def hook(number: int) -> None:
        changed.append(number)

    world.incidents.on_incident_changed.append(hook)
    first = await world.submit("incident", REPORTER, answers())
    second = await world.submit("incident", NEIGHBOUR, answers(resource="pasture"))
    assert first.message.startswith(PLAIN) and first.params == {"number": "№ 1"}
    assert second.params == {"number": "№ 2"}
    async with world.db.reading() as conn:
        stored = await IncidentRepository(conn).get(incident_id=2)
    assert stored is not None
    assert (stored.admin1, stored.admin2, stored.admin3) == ("BA", "BA-BAT", AKSAY)
    assert (stored.possible_duplicate_of, stored.urgent, stored.reporter_id) == (1, False, 102)
    assert stored.reporter_pseudonym is None  # only an anonymous report carries one
    assert first.after_commit is not None
    await first.after_commit()
    assert changed == [1]
    shown = await world.incidents.media(await world.actor(REPORTER), 1)
    assert [a.file_id for a in shown.attachments] == ["V", "P1"]  # the voice note first


async def test_an_urgent_report_alerts_every_coordinator_whose_reach_covers_it(
    world: World,
) -> None:
    await people(world)
    submitted = await world.submit("incident", REPORTER, answers(**CLASH))
    assert submitted.message == URGENT_RECEIPTS[Alerted.COORDINATORS]
    assert submitted.after_commit is not None
    await submitted.after_commit()
    # The rayon, its oblast and everywhere; not the other rayon, region or a groups-only scope.
    assert sorted(world.notifier.chats()) == [BATKEN, OBLAST, EVERYWHERE]
    alert = world.notifier.to(BATKEN)[0]
    assert isinstance(alert, UrgentAlert)
    assert (alert.reporter, alert.worse, alert.via_administrators) == ("Aigul", False, False)
    assert [p.code for p in alert.places] == [AKSAY, "BA-BAT", "BA"]


async def test_an_anonymous_reporter_is_named_in_no_alert(world: World) -> None:
    await people(world)
    submitted = await world.submit("incident", REPORTER, answers(visibility="anonymous", **CLASH))
    assert submitted.after_commit is not None
    await submitted.after_commit()
    alerts = [n for _, n in world.notifier.sent]
    assert alerts and all(isinstance(a, UrgentAlert) and a.reporter is None for a in alerts)


async def test_when_no_coordinator_can_be_reached_the_administrators_are(world: World) -> None:
    await add_person(world.db, REPORTER, "Aigul")
    await add_person(world.db, ADMIN, "Admin", place=None)
    await add_person(world.db, BATKEN, "Batken", place=None)
    await grant(world.db, BATKEN, "place", "BA-BAT")
    world.notifier.failing[BATKEN] = Delivery.BLOCKED
    submitted = await world.submit("incident", REPORTER, answers(**CLASH))
    assert submitted.message == URGENT_RECEIPTS[Alerted.COORDINATORS]
    assert submitted.after_commit is not None
    await submitted.after_commit()
    (alert,) = world.notifier.to(ADMIN)
    assert isinstance(alert, UrgentAlert) and alert.via_administrators
    # A coordinator covers it: no uncovered notice; the reporter hears where the alert went.
    assert world.notifier.chats() == [ADMIN, REPORTER]
    (told,) = world.notifier.to(REPORTER)
    assert told == AlertRerouted(alert.incident, Alerted.ADMINISTRATORS)


async def test_with_no_coordinator_the_administrators_get_it_and_hear_of_the_rayon_weekly(
    world: World,
) -> None:
    await add_person(world.db, REPORTER, "Aigul")
    await add_person(world.db, ADMIN, "Admin", place=None)
    urgent = await world.submit("incident", REPORTER, answers(**CLASH))
    assert urgent.message == URGENT_RECEIPTS[Alerted.ADMINISTRATORS]
    assert urgent.after_commit is not None
    await urgent.after_commit()
    quiet = await world.submit("incident", REPORTER, answers(resource="water"))
    assert quiet.after_commit is not None
    await quiet.after_commit()
    alert, notice = world.notifier.to(ADMIN)
    assert isinstance(alert, UrgentAlert) and alert.via_administrators
    assert isinstance(notice, UncoveredArea) and notice.incident.id == 1
    assert notice.region is not None and (notice.region.code, notice.region_code) == (
        "BA-BAT",
        "BA-BAT",
    )
    world.clock.advance(timedelta(days=7))  # a new week: the rayon is named again
    later = await world.submit("incident", REPORTER, answers(resource="forest"))
    assert later.after_commit is not None
    await later.after_commit()
    assert [type(n) for n in world.notifier.to(ADMIN)][-1] is UncoveredArea


async def test_with_nobody_to_alert_the_receipt_says_the_report_waits(world: World) -> None:
    await add_person(world.db, REPORTER, "Aigul")  # the listed admin never started the bot
    submitted = await world.submit("incident", REPORTER, answers(**CLASH))
    assert submitted.message == URGENT_RECEIPTS[Alerted.NOBODY]
    assert submitted.after_commit is not None
    await submitted.after_commit()
    assert world.notifier.sent == []


async def test_reporters_see_their_own_reports_only(world: World) -> None:
    await people(world)
    mine = await add_incident(
        world.db, reporter_id=REPORTER, latitude=39.912345, longitude=70.812345
    )
    theirs = await add_incident(world.db, reporter_id=NEIGHBOUR)
    aigul = await world.actor(REPORTER)
    assert [i.id for i in await world.incidents.my_reports(aigul)] == [mine]
    card = await world.incidents.my_report(aigul, mine)
    # Her own pin, exact; no "Reported by" line on her own report.
    assert (card.coordinates, card.shows_reporter) == ((39.912345, 70.812345), False)
    with pytest.raises(StaleButton):
        await world.incidents.my_report(aigul, theirs)
    with pytest.raises(StaleButton):
        await world.incidents.start_update(aigul, theirs)
    view = await world.incidents.start_update(aigul, mine)
    assert isinstance(view, FormView) and "№ 1" in view.text
    with pytest.raises(NotRegistered):
        await world.incidents.my_reports(await world.actor(999))


async def test_media_go_to_the_reporter_and_reviewers_in_reach_only(world: World) -> None:
    await people(world)
    number = await add_incident(world.db, reporter_id=REPORTER, photos=2, voice=True)
    for allowed in (REPORTER, BATKEN, OBLAST, EVERYWHERE, ADMIN):
        shown = await world.incidents.media(await world.actor(allowed), number)
        assert [a.type for a in shown.attachments] == ["photo", "photo", "voice"]
    for refused in (NEIGHBOUR, LEILEK, CHUI, GROUPS):
        with pytest.raises(StaleButton):
            await world.incidents.media(await world.actor(refused), number)


async def test_a_followup_is_asked_once_and_worse_alerts_the_coordinators(world: World) -> None:
    await people(world)
    quiet = await add_incident(world.db, reporter_id=REPORTER, received_at=T0)
    never_asked = await add_incident(
        world.db, reporter_id=REPORTER, received_at=T0, status="resolved"
    )
    now = T0 + timedelta(days=8)
    assert await world.incidents.send_followups(now) == 1
    assert await world.incidents.send_followups(now) == 0
    (question,) = world.notifier.to(REPORTER)
    assert isinstance(question, FollowupQuestion) and question.incident.id == quiet

    aigul = await world.actor(REPORTER)
    with pytest.raises(StaleButton):
        await world.incidents.answer_followup(await world.actor(NEIGHBOUR), quiet, "worse")
    with pytest.raises(StaleButton):
        await world.incidents.answer_followup(aigul, never_asked, "worse")
    with pytest.raises(StaleButton):
        await world.incidents.answer_followup(aigul, quiet, "forgotten")
    reply = await world.incidents.answer_followup(aigul, quiet, "worse")
    assert (reply.recorded, reply.alerted) == (True, Alerted.COORDINATORS)
    assert reply.then is not None
    await reply.then()
    alert = world.notifier.to(BATKEN)[-1]
    assert isinstance(alert, UrgentAlert) and alert.worse
    again = await world.incidents.answer_followup(aigul, quiet, "resolved")
    assert (again.recorded, again.then) == (False, None)
    async with world.db.reading() as conn:
        updates = await IncidentUpdateRepository(conn).for_incident(incident_id=quiet)
    assert [(u.kind, u.outcome) for u in updates] == [("followup", "worse")]


async def test_resolved_in_a_followup_changes_the_status_with_an_audit(world: World) -> None:
    await people(world)
    number = await add_incident(world.db, reporter_id=REPORTER, followup=True)
    reply = await world.incidents.answer_followup(await world.actor(REPORTER), number, "resolved")
    assert (reply.recorded, reply.alerted, reply.then) == (True, None, None)
    assert await world.audit(number) == [("open", "resolved")]


async def test_export_rows_follow_reach_and_hide_anonymous_reporters(world: World) -> None:
    await people(world)
    aksay = await add_incident(
        world.db,
        reporter_id=REPORTER,
        pseudonym="P-101",
        anonymous=True,
        latitude=39.912345,
        longitude=70.812345,
    )
    chui = await add_incident(world.db, reporter_id=NEIGHBOUR, place="CH")
    rows = await world.incidents.export_rows(await world.actor(BATKEN))
    assert [r["id"] for r in rows] == [aksay]  # its aiyl aimaks, nothing of Chui
    assert "reporter_id" not in rows[0] and rows[0]["reporter_pseudonym"] is None
    assert (rows[0]["latitude"], rows[0]["longitude"]) == (39.91, 70.81)
    everything = await world.incidents.export_rows(await world.actor(ADMIN))
    assert [r["id"] for r in everything] == [chui, aksay]
    assert (everything[1]["reporter_id"], everything[1]["latitude"]) == (REPORTER, 39.912345)
    assert await world.incidents.export_rows(await world.actor(GROUPS)) == []
    assert [r["id"] for r in await world.incidents.export_rows(await world.actor(CHUI))] == [chui]
    with pytest.raises(NotAllowed):
        await world.incidents.export_rows(await world.actor(REPORTER))


async def test_personal_data_is_exported_and_erasure_keeps_the_reports(world: World) -> None:
    await people(world)
    number = await add_incident(world.db, reporter_id=REPORTER, pseudonym="P-101", voice=True)
    async with world.db.reading() as conn:
        exported = await world.incidents.export_personal(conn, REPORTER)
    assert [r["id"] for r in exported["reports"]] == [number]
    assert [a["type"] for a in exported["attachments"]] == ["voice"]
    async with world.db.transaction() as conn:
        await world.incidents.erase_personal(conn, REPORTER, "P-101")
    async with world.db.reading() as conn:
        kept = await IncidentRepository(conn).get(incident_id=number)
        assert (await world.incidents.export_personal(conn, REPORTER))["reports"] == []
    assert kept is not None and (kept.reporter_id, kept.reporter_pseudonym) == (None, "P-101")


async def test_a_report_from_an_aiyl_aimak_the_gazetteer_lost_stays_in_its_rayon(
    world: World,
) -> None:
    """Lists filter by oblast, rayon or aiyl aimak: opening must agree with the list."""
    await people(world)
    number = await add_incident(world.db, reporter_id=REPORTER, place="BA-BAT-GONE")
    batken = await world.actor(BATKEN)
    queue = await world.review.next_waiting(batken)
    assert queue.card is not None and queue.card.report.incident.id == number
    assert (await world.review.card(batken, number)).report.places == ()
    assert (await world.incidents.media(batken, number)).number == number
    with pytest.raises(StaleButton):
        await world.review.card(await world.actor(LEILEK), number)


async def test_start_report_opens_the_form_for_registered_people(world: World) -> None:
    await people(world)
    view = await world.incidents.start_report(await world.actor(REPORTER))
    assert isinstance(view, FormView) and view.rows
    with pytest.raises(NotRegistered):
        await world.incidents.start_report(await world.actor(999))
