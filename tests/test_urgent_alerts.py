"""Urgent alerts always reach someone, the receipt says who; admins hear of uncovered places."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Scope
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.rules.incidents import URGENT_RECEIPTS, IncidentRules
from bot.rules.users import UserRules
from bot.wiring import AyilApp
from handlers.incidents.screens import WORSE_RECEIPTS
from tests.conftest import PersonFactory
from tests.harness import onboard, running_bot, services_of
from tests.incident_steps import (
    Report,
    coordinator,
    fill_report,
    reporter,
    submit,
    unread,
)

VIA_ADMINS = "No coordinator covering this place could be reached, so this alert comes to the"
QUIET = Report(event="Verbal dispute")  # not urgent
REROUTED_TO_ADMINS = (
    "About report {number}: the coordinators of this area could not be reached, so the "
    "administrators were alerted instead."
)
REROUTED_TO_NOBODY = (
    "About report {number}: nobody could be alerted right now, neither the coordinators nor "
    "the administrators. The report is kept and will be reviewed."
)


def receipt(locale: str, kind: str, number: int) -> str:
    return translator(locale).gettext(URGENT_RECEIPTS[kind], number=f"№ {number}")


async def test_with_no_coordinator_the_administrators_get_the_alert_and_the_reporter_is_told(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    listed = person(9000, "ru", first_name="Admin")  # AYILBOT_ADMIN_IDS
    await onboard(listed, language="Русский")
    holder = person(9100, "en", first_name="Holder")
    await onboard(holder, language="English")
    users = services_of(bot).get(UserRules)
    await users.grant(user_id=9100, role="admin", scope=Scope("all"), by=None)
    leilek = await coordinator(bot, person, 431, "ru", "BA-LEI")  # another rayon: not hers
    aigul = await reporter(person, 331, "ky")

    await fill_report(aigul, "ky", Report())
    assert (await submit(aigul, "ky")).text == receipt("ky", "administrators", 1)
    for admin, locale in ((listed, "ru"), (holder, "en")):
        alert, notice = await unread(admin)
        tr = translator(locale)
        assert tr.gettext("Urgent: report {number}", number="№ 1") in alert.text
        assert tr.gettext(VIA_ADMINS + " administrators.") in alert.text
        assert alert.flat_buttons == [("🔎 " + tr.pgettext("button", "Open report"), "inc:o:1")]
        # And, once a week for the rayon, that nobody covers it.
        assert "/invite coordinator BA-BAT" in notice.text and "№ 1" in notice.text
    assert await unread(leilek) == []

    # With a coordinator of the place, the alert is hers alone.
    batken = await coordinator(bot, person, 432, "en", "BA-BAT")
    await fill_report(aigul, "ky", Report())
    assert (await submit(aigul, "ky")).text == receipt("ky", "coordinators", 2)
    # (Two clashes in a week may also raise an early-warning alert: that one is not counted.)
    (alert,) = [m for m in await unread(batken) if "Urgent" in m.text]
    assert "Urgent: report № 2" in alert.text and VIA_ADMINS not in alert.text
    assert await unread(listed) == [] and await unread(holder) == []


async def test_with_nobody_to_alert_the_receipt_says_the_report_waits_for_review(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    asel = await reporter(person, 332, "ru")  # admin 9000 never started the bot
    await fill_report(asel, "ru", Report())
    assert (await submit(asel, "ru")).text == receipt("ru", "nobody", 1)
    assert "будет рассмотрено" in receipt("ru", "nobody", 1)
    # A week on she says it got worse: again told that nobody can be reached.
    incidents = services_of(bot).get(IncidentRules)
    assert await incidents.send_followups(services_of(bot).clock.now() + timedelta(days=8)) == 1
    asked = await asel.reply()
    worse = await asel.press(translator("ru").label("⚠️ Got worse"), message=asked)
    tr = translator("ru")
    assert worse.text == tr.gettext(WORSE_RECEIPTS["nobody"], number="№ 1")


async def test_when_no_coordinator_can_be_reached_the_administrators_are(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    admin = person(9000, "ru", first_name="Admin")
    await onboard(admin, language="Русский")
    batken = await coordinator(bot, person, 433, "ky", "BA-BAT")
    server.block(batken.user)  # still active as far as the bot knows: the send fails
    aigul = await reporter(person, 333, "ky")
    await fill_report(aigul, "ky", Report())
    assert (await submit(aigul, "ky")).text == receipt("ky", "coordinators", 1)
    (alert,) = await unread(admin)
    assert "№ 1" in alert.text
    assert translator("ru").gettext(VIA_ADMINS + " administrators.") in alert.text
    # Her receipt named the coordinators: she is told where the alert really went.
    (told,) = await unread(aigul)
    assert told.text == "ℹ️ " + translator("ky").gettext(REROUTED_TO_ADMINS, number="№ 1")


async def test_when_nobody_can_be_reached_the_reporter_is_told_after_her_receipt(
    bot: AyilApp, person: PersonFactory, server: LocalBotApi
) -> None:
    batken = await coordinator(bot, person, 434, "ky", "BA-BAT")  # admin 9000 never started
    server.block(batken.user)
    asel = await reporter(person, 335, "ru")
    await fill_report(asel, "ru", Report())
    assert (await submit(asel, "ru")).text == receipt("ru", "coordinators", 1)
    (told,) = await unread(asel)
    assert told.text == "ℹ️ " + translator("ru").gettext(REROUTED_TO_NOBODY, number="№ 1")
    assert "будет рассмотрено" in told.text


async def test_admins_hear_of_an_uncovered_rayon_once_a_week_even_across_restarts(
    settings: Settings, person: PersonFactory, server: LocalBotApi
) -> None:
    clock = FrozenClock(datetime(2026, 5, 4, 6, tzinfo=UTC))  # Monday noon in Bishkek
    admin = person(9000, "en", first_name="Admin")
    aigul = person(334, "ky")
    async with running_bot(settings, clock=clock):
        await onboard(admin, language="English")
        await onboard(aigul)
        for _ in range(2):
            await fill_report(aigul, "ky", QUIET)
            await submit(aigul, "ky")
        (notice,) = await unread(admin)
        assert "Report № 1 came from" in notice.text and "for each rayon" in notice.text
    clock.at += timedelta(days=6)  # Sunday: the same week
    async with running_bot(settings, clock=clock):
        await fill_report(aigul, "ky", QUIET)
        await submit(aigul, "ky")
        assert await unread(admin) == []
        clock.at += timedelta(days=1)  # Monday: a new week
        await fill_report(aigul, "ky", QUIET)
        await submit(aigul, "ky")
        (notice,) = await unread(admin)
        assert "Report № 4 came from" in notice.text
