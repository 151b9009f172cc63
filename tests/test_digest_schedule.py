"""Digest schedules: on time in local time, changed without a restart, missed periods caught up."""

from __future__ import annotations

from datetime import date, timedelta

from bot.clock import FrozenClock
from bot.config import Settings
from bot.localapi import LocalBotApi
from bot.records.digests import Schedule
from bot.rules.digests import (
    MAX_PERIOD,
    DigestRules,
    first_tick_delay,
    latest_slot,
    period_for,
    since_last_delivered,
)
from tests.conftest import PersonFactory
from tests.digest_steps import (
    BISHKEK,
    MONDAY_9,
    add_group,
    add_incident,
    add_person,
    delivered,
    delivery_rows,
    local,
    settled,
    texts,
)
from tests.harness import running_bot, services_of
from tests.practice_steps import button

SUNDAY_EVENING = local(2026, 5, 3, 20)


def test_latest_slot_is_local_wall_time_and_periods_are_keyed_by_their_local_day() -> None:
    monday_nine = Schedule("user", 1)
    assert latest_slot(monday_nine, MONDAY_9, BISHKEK) == MONDAY_9
    assert latest_slot(monday_nine, MONDAY_9 - timedelta(seconds=1), BISHKEK) == MONDAY_9 - (
        timedelta(days=7)
    )
    wednesday = Schedule("user", 1, weekday=2, hour=18)
    slot = latest_slot(wednesday, local(2026, 5, 8, 12), BISHKEK)
    assert slot == local(2026, 5, 6, 18) and slot.hour == 12  # 18:00 in Bishkek is 12:00 UTC
    period = period_for(slot, BISHKEK)
    assert period.start == date(2026, 5, 6) and period.since == slot - timedelta(days=7)
    # A Sunday digest is keyed by its local Sunday (21:00 in Bishkek is 15:00 UTC).
    sunday = latest_slot(Schedule("user", 1, weekday=6, hour=21), MONDAY_9, BISHKEK)
    assert period_for(sunday, BISHKEK).start == date(2026, 5, 3)
    # From the last digest delivered, however long ago, but never more than four weeks back.
    assert since_last_delivered(period, slot - timedelta(days=2)).since == slot - timedelta(days=2)
    assert since_last_delivered(period, slot - timedelta(days=60)).since == slot - MAX_PERIOD
    assert since_last_delivered(period, None) == period
    # The hourly tick starts just after a full hour of local time.
    assert first_tick_delay(local(2026, 5, 4, 8, 59), BISHKEK) == 65


async def test_weekly_digest_arrives_at_nine_local_time_once(
    settings: Settings, server: LocalBotApi
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        await services.get(DigestRules).run_due(clock.now())
        await add_person(services.db, server, 501, "en", scope="BA-BAT")
        await add_incident(services.db, received_at=MONDAY_9 - timedelta(days=1))

        clock.at = MONDAY_9 - timedelta(minutes=1)
        report = await services.get(DigestRules).run_due(clock.now())
        assert report.total == 0 and not texts(server, 501)

        clock.at = MONDAY_9
        await services.get(DigestRules).run_due(clock.now())
        await server.wait_for(lambda: delivered(server)[501] == 1)
        assert "Weekly digest" in texts(server, 501)[0]
        assert "1 new report this week (the week before: 0)." in texts(server, 501)[0]

        clock.at = MONDAY_9 + timedelta(hours=1)
        again = await services.get(DigestRules).run_due(clock.now())
        assert again.total == 0
        assert await delivery_rows(services.db) == [("user", 501, 501, "2026-05-04", "sent", 0)]
    assert delivered(server)[501] == 1


async def test_changed_schedule_applies_without_restart(
    settings: Settings, server: LocalBotApi, person: PersonFactory
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        digests = services.get(DigestRules)
        await digests.run_due(clock.now())
        await add_person(services.db, server, 502, "ru", scope="BA-BAT", first_name="Гульнара")
        gulnara = person(502, "ru", first_name="Гульнара")
        shown = await gulnara.say("/digest settings")
        assert "понедельник" in shown.text and "09:00" in shown.text
        changed = await gulnara.press("ср", message=shown)
        changed = await gulnara.press("18", message=changed)
        assert "среда" in changed.text and "18:00" in changed.text

        clock.at = MONDAY_9
        assert (await digests.run_due(clock.now())).total == 0
        clock.at = local(2026, 5, 6, 17, 59)
        assert (await digests.run_due(clock.now())).total == 0
        clock.at = local(2026, 5, 6, 18)
        assert (await digests.run_due(clock.now())).sent == 1
        assert "Еженедельная сводка" in (await gulnara.reply()).text

        # Turned off: next week brings nothing; turned on again, it comes on Wednesday.
        off = await gulnara.press("🔕 " + button("ru", "Turn off"), message=changed)
        assert "🔕" in off.text
        clock.at = local(2026, 5, 13, 18)
        assert (await digests.run_due(clock.now())).total == 0
        await gulnara.press("🔔 " + button("ru", "Turn on"), message=off)
        clock.at = local(2026, 5, 20, 18)
        assert (await digests.run_due(clock.now())).sent == 1
    digests_seen = [t for t in texts(server, 502) if "<b>Еженедельная сводка</b>" in t]
    assert len(digests_seen) == 2


async def test_missed_period_is_caught_up_once_at_start_up_and_marked_late(
    settings: Settings, server: LocalBotApi
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        await services.get(DigestRules).run_due(clock.now())
        await add_person(services.db, server, 503, "ky", scope="BA")
        await add_incident(services.db, received_at=SUNDAY_EVENING - timedelta(days=2))
    # Down over Monday 09:00 and for a week more: one digest, the latest period, late.
    clock.at = local(2026, 5, 12, 11)
    async with running_bot(settings, clock=clock) as app:
        await settled(services_of(app).db)
        rows = await delivery_rows(services_of(app).db)
        assert rows == [("user", 503, 503, "2026-05-11", "sent", 1)]
        assert "⏰" in texts(server, 503)[0]
        await server.wait_idle()
    clock.at = local(2026, 5, 12, 13)
    async with running_bot(settings, clock=clock) as app:
        await services_of(app).get(DigestRules).run_due(clock.now())  # after the start-up catch-up
        await server.wait_idle()
    assert delivered(server)[503] == 1


async def test_group_schedule_and_language_set_by_its_coordinator(
    settings: Settings, server: LocalBotApi, person: PersonFactory
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    chat = server.group(-100501, "Batken candidates")
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        await services.get(DigestRules).run_due(clock.now())
        await add_person(services.db, server, 504, "en", scope="BA-BAT", first_name="Coordinator")
        await add_person(services.db, server, 505, "ky", first_name="Айгүл")
        await add_person(services.db, server, 506, "ru", first_name="Асель")
        group = await add_group(
            services.db,
            name="Batken <candidates>",
            created_by=504,
            members=[505, 506],
            chat_id=chat.id,
            deliver_to="both",
            joined_at=MONDAY_9 - timedelta(days=30),
        )
        boss = person(504, "en", first_name="Coordinator")
        shown = await boss.say("/digest settings")
        opened = await boss.press("👥 Batken <candidates>", message=shown)
        assert "Batken &lt;candidates&gt;" in opened.text and "Кыргызча" in opened.text
        changed = await boss.press("Tue", message=opened)
        changed = await boss.press("Русский", message=changed)
        assert "Language in the group chat: Русский" in changed.text

        clock.at = MONDAY_9
        await services.get(DigestRules).run_due(clock.now())
        assert not texts(server, chat.id) and not texts(server, 505)
        clock.at = local(2026, 5, 5, 9)
        await services.get(DigestRules).run_due(clock.now())
        await server.wait_for(lambda: delivered(server)[chat.id] == 1)
    # The chat in Russian, each member in her own language; the name escaped.
    assert "Batken &lt;candidates&gt;" in texts(server, chat.id)[0]
    assert "тихая неделя" in texts(server, chat.id)[0]
    assert "тынч апта" in texts(server, 505)[0]
    assert "тихая неделя" in texts(server, 506)[0]
    assert group > 0


async def test_moving_the_digest_day_mid_week_skips_no_report_and_repeats_none(
    settings: Settings, server: LocalBotApi, person: PersonFactory
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        digests = services.get(DigestRules)
        await digests.run_due(clock.now())
        await add_person(services.db, server, 507, "en", scope="BA-BAT", first_name="Nurgul")
        nurgul = person(507, "en", first_name="Nurgul")
        clock.at = MONDAY_9
        assert (await digests.run_due(clock.now())).sent == 1  # the Monday digest, as set
        assert "Weekly digest" in (await nurgul.reply()).text
        for day, hour in ((4, 15), (5, 10)):  # after it: Monday afternoon, Tuesday morning
            await add_incident(services.db, received_at=local(2026, 5, day, hour))

        clock.at = local(2026, 5, 5, 12)  # Tuesday: she moves her digest to Wednesday
        shown = await nurgul.say("/digest settings")
        assert "Wednesday" in (await nurgul.press("Wed", message=shown)).text
        clock.at = local(2026, 5, 6, 9)
        assert (await digests.run_due(clock.now())).sent == 1
        clock.at = local(2026, 5, 6, 10)
        assert (await digests.run_due(clock.now())).total == 0
        await server.wait_for(lambda: delivered(server)[507] >= 2)
        wednesday = [t for t in texts(server, 507) if "<b>Weekly digest</b>" in t][-1]
        assert "2 new reports this week (the week before: 0)." in wednesday
        assert "May 4" in wednesday and "6, 2026" in wednesday  # Monday 09:00 to Wednesday

        await add_incident(services.db, received_at=local(2026, 5, 8, 10))
        clock.at = local(2026, 5, 13, 9)
        assert (await digests.run_due(clock.now())).sent == 1
        await server.wait_idle()
        following = [t for t in texts(server, 507) if "<b>Weekly digest</b>" in t][-1]
        assert "1 new report this week (the week before: 2)." in following
        days = [r[3] for r in await delivery_rows(services.db)]
        assert days == ["2026-05-04", "2026-05-06", "2026-05-13"]
