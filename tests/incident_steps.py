"""Shared steps for the incident tests: people with roles, the report dialogue, seeded reports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.core.access import Actor
from bot.core.actors import Person as PersonRef
from bot.forms.incident import INCIDENT
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.localapi import BotMessage, LocalBotApi
from bot.records.core import AuditEntry
from bot.records.incidents import Incident, NewIncident
from bot.rules.users import UserRules
from bot.wiring import AyilApp
from storage.audit import AuditRepository
from storage.incidents import IncidentRepository
from tests.conftest import PersonFactory
from tests.harness import Person, onboard, services_of

LANGUAGE_BUTTON = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}


def label(locale: str, msgid: str) -> str:
    """A button label as the person sees it in their language."""
    return translator(locale).label(msgid)


def question(locale: str, key: str) -> str:
    """The prompt of a step of the report form, as the person reads it (without the warning
    the anonymity question adds for the only registered person of a place)."""
    return translator(locale).gettext(INCIDENT.steps[INCIDENT.index(key)].prompt, warning="")


def button(locale: str, msgid: str) -> str:
    """A navigation button label ("Skip", "Done", ...) in the person's language."""
    return translator(locale).pgettext("button", msgid)


async def reporter(
    person: PersonFactory,
    user_id: int,
    locale: str,
    *,
    first_name: str = "Айгүл",
    username: str | None = None,
) -> Person:
    """A village leader of Ak-Say (Batken rayon), registered in `locale`."""
    someone = person(user_id, locale, first_name=first_name, username=username)
    await onboard(someone, language=LANGUAGE_BUTTON[locale])
    return someone


async def coordinator(
    bot: AyilApp,
    person: PersonFactory,
    user_id: int,
    locale: str,
    scope: str,
    *,
    first_name: str = "Coordinator",
) -> Person:
    """A registered person with the coordinator role for `scope` (a place code or "all")."""
    someone = person(user_id, locale, first_name=first_name)
    await onboard(someone, language=LANGUAGE_BUTTON[locale])
    services = services_of(bot)
    await services.get(UserRules).grant(
        user_id=user_id,
        role="coordinator",
        scope=services.get(UserRules).parse_scope(scope),
        by=None,
    )
    return someone


@dataclass
class Report:
    """What a test reporter answers; None skips an optional step."""

    resource: str = "🐑 Pasture"
    event: str = "Physical clash"
    day: str = "Today"  # a button msgid, or a date typed as dd.mm.yyyy
    precision: str | None = None
    place: str | None = None  # None: the own aiyl aimak button
    village: str | None = "Kara-Suu"
    location: tuple[float, float] | None = None
    border: str = "Yes"
    actor1: str = "Farmers"
    actor2: str | None = "Community across the border"
    crowd: str = "10 to 50"
    injured: str = "0"
    dead: str = "0"
    description: str = "Two groups argued over the pasture."
    voice: bool = False
    photos: int = 0
    response: str = "Ayil okmotu mediation"
    status: str = "Still going on"
    source: str = "I saw it myself"
    visibility: str = "Show my name to coordinators"


async def fill_report(someone: Person, locale: str, report: Report) -> BotMessage:
    """Walk /report to the summary; returns the summary message."""
    await walk_to_description(someone, locale, report)
    return await finish_report(someone, locale, report)


async def walk_to_description(someone: Person, locale: str, report: Report) -> BotMessage:
    """Walk /report to its description question; returns that question."""
    server = someone.server
    user = someone.user
    await someone.say("/report")
    await someone.press(label(locale, report.resource))
    await someone.press(label(locale, report.event))
    if report.day in ("Today", "Yesterday"):
        await someone.press(label(locale, report.day))
    else:
        await someone.say(report.day)
    if report.precision is not None:
        await someone.press(label(locale, report.precision))
    if report.place is None:
        await someone.press(Gazetteer.default()["BA-BAT-AKS"].name(locale))
    else:
        await someone.press(report.place)
    if report.village is None:
        await someone.press(button(locale, "Skip"))
    else:
        await someone.say(report.village)
    if report.location is None:
        await someone.press(button(locale, "Skip"))
    else:
        await server.send_location(user, *report.location)
        await someone.reply()
    await someone.press(label(locale, report.border))
    await someone.press(label(locale, report.actor1))
    if report.actor2 is None:
        await someone.press(button(locale, "Skip"))
    else:
        await someone.press(label(locale, report.actor2))
    await someone.press(label(locale, report.crowd))
    await someone.press(report.injured)
    return await someone.press(report.dead)


async def finish_report(someone: Person, locale: str, report: Report) -> BotMessage:
    """From the description question to the summary; returns the summary message."""
    server = someone.server
    user = someone.user
    await someone.say(report.description)
    if report.voice:
        await server.send_voice(user)
        await someone.reply()
    await someone.press(button(locale, "Done"))
    for _ in range(report.photos):
        await server.send_photo(user)
        await someone.reply()
    await someone.press(button(locale, "Done") if report.photos else button(locale, "Skip"))
    await someone.press(label(locale, report.response))
    await someone.press(label(locale, report.status))
    await someone.press(label(locale, report.source))
    return await someone.press(label(locale, report.visibility))


async def unread(someone: Person) -> list[BotMessage]:
    """Everything sent into the person's chat and not read yet, once the bot is idle."""
    await someone.server.wait_idle()
    return someone.server.drain(someone.user)


async def actor_of(bot: AyilApp, user_id: int) -> Actor:
    """The actor the services see for a registered person."""
    return await services_of(bot).get(UserRules).resolve(PersonRef(id=user_id, first_name=""))


async def submit(someone: Person, locale: str) -> BotMessage:
    """Press Submit on the summary; returns the receipt."""
    return await someone.press(button(locale, "Submit"))


async def stored(bot: AyilApp, number: int) -> Incident:
    """A stored report, which must exist."""
    async with services_of(bot).db.reading() as conn:
        incident = await IncidentRepository(conn).get(incident_id=number)
    assert incident is not None
    return incident


async def count_reports(bot: AyilApp) -> int:
    async with services_of(bot).db.reading() as conn:
        (row,) = await conn.execute_fetchall("SELECT count(*) FROM incidents")
    return int(row[0])


async def audit_of(bot: AyilApp, number: int) -> list[AuditEntry]:
    async with services_of(bot).db.reading() as conn:
        return await AuditRepository(conn).for_entity(entity="incident", entity_id=str(number))


def update_id_of_press(server: LocalBotApi, query_id: str) -> int:
    """The update that carried a button press, to redeliver it."""
    delivered: dict[int, dict[str, Any]] = server._delivered
    return next(
        update_id
        for update_id, update in delivered.items()
        if update.get("callback_query", {}).get("id") == query_id
    )


SEED = NewIncident(
    draft_id="seed",
    form_id="incident",
    form_version=1,
    reporter_id=0,
    reporter_pseudonym="P-SEED",
    reporter_role="leader",
    anonymous=False,
    received_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
    event_date=date(2026, 3, 1),
    date_precision=1,
    resource="water",
    resource_other=None,
    event_type="strategic_developments",
    sub_event_type="verbal_dispute",
    actor1="Farmers",
    actor1_type="farmers",
    actor2=None,
    actor2_type=None,
    crowd_size="under_10",
    fatalities=0,
    injuries=0,
    admin1="BA",
    admin2="BA-BAT",
    admin3="BA-BAT-AKS",
    place_other=None,
    location=None,
    latitude=None,
    longitude=None,
    geo_precision=3,
    border="no",
    notes="A quarrel at the canal.",
    response="none",
    source="witness",
    source_scale="local",
    urgent=False,
    status="open",
    possible_duplicate_of=None,
)


async def seed(bot: AyilApp, *, reporter_id: int, **changes: Any) -> int:
    """Store a report directly (review tests need reports, not the dialogue again)."""
    services = services_of(bot)
    values: dict[str, Any] = {
        "draft_id": uuid.uuid4().hex,
        "reporter_id": reporter_id,
        "received_at": services.clock.now() - timedelta(hours=1),
        **changes,
    }
    async with services.db.transaction() as conn:
        number, _ = await IncidentRepository(conn).add(incident=replace(SEED, **values))
    return number
