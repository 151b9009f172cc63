"""Digest fan-out: exactly once through a crash, a 429 storm, blocked people, failures, the CLI."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
from datetime import timedelta
from pathlib import Path

from bench.seed import seed_group, seed_people
from bot.__main__ import _parser
from bot.cli_digest import ProgressBar, parse_recipient, run_digest
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.notices import Delivery, Notifier, Recipient
from bot.localapi import ApiCall, LocalBotApi
from bot.rules.digests import DigestRules
from bot.rules.fanout import FANOUT_CONCURRENCY
from storage.users import UserRepository
from tests.digest_steps import (
    MONDAY_9,
    add_group,
    add_person,
    delivered,
    delivery_rows,
    local,
    settled,
    texts,
)
from tests.harness import make_settings, running_bot, services_of

SUNDAY_EVENING = local(2026, 5, 3, 20)


async def test_crash_half_way_through_200_recipients_resumes_without_duplicates(
    settings: Settings, server: LocalBotApi
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    people = list(range(1001, 1201))
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        await services.get(DigestRules).run_due(clock.now())
        for user_id in people:
            await add_person(services.db, server, user_id, "ky", scope="BA-BAT")
        clock.at = MONDAY_9
        fanout = asyncio.create_task(services.get(DigestRules).run_due(clock.now()))
        await server.wait_for(lambda: sum(delivered(server).values()) >= 100, timeout=20)
        fanout.cancel()  # the crash: the process dies half-way
        with contextlib.suppress(asyncio.CancelledError):
            await fanout
        left = {r[2] for r in await delivery_rows(services.db) if r[4] == "claimed"}
    before = delivered(server)
    assert 100 <= sum(before.values()) < 200

    # The restart's catch-up sends the rest; nobody gets a second copy.
    async with running_bot(settings, clock=clock) as app:
        rows = await settled(services_of(app).db, rows=200, claimed=left, timeout=20)
        await server.wait_idle()
    after = delivered(server)
    assert max(after.values()) == 1
    assert all(len(server.messages(p)) <= 1 for p in people)
    statuses = {row[1]: row[4] for row in rows}
    assert len(statuses) == 200
    # Sent to everyone but the few whose send was in flight at the crash: maybe delivered,
    # so never sent again.
    unsure = [p for p, status in statuses.items() if status == "claimed"]
    assert len(unsure) <= FANOUT_CONCURRENCY
    assert {p for p in people if after[p] == 1} >= {p for p, s in statuses.items() if s == "sent"}
    assert sum(after.values()) >= 200 - len(unsure)

    # An hour later the unconfirmed claims are closed, not resent.
    clock.at = MONDAY_9 + timedelta(hours=2)
    async with running_bot(settings, clock=clock) as app:
        await services_of(app).get(DigestRules).run_due(clock.now())
        rows = await delivery_rows(services_of(app).db)
        await server.wait_idle()
    assert not [r for r in rows if r[4] == "claimed"]
    assert delivered(server) == after


async def test_429_storm_is_weathered_and_every_digest_delivered(
    settings: Settings, server: LocalBotApi
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    people = list(range(2001, 2031))
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        await services.get(DigestRules).run_due(clock.now())
        for user_id in people:
            await add_person(services.db, server, user_id, "ru", scope="BA")
        server.inject_fault(None, kind="429", count=12, retry_after=1)
        clock.at = MONDAY_9
        report = await services.get(DigestRules).run_due(clock.now())
    assert server.faults_fired == 12
    assert report.sent == 30
    assert all(delivered(server)[p] == 1 for p in people)


def calls_to(server: LocalBotApi, chat: int) -> list[ApiCall]:
    """Every sendMessage the bot tried in a chat, answered or refused."""
    return [c for c in server.calls_of("sendMessage") if int(c.params["chat_id"]) == chat]


class Failing:
    """A notifier that fails for some chats (a network error, or a bug), else sends."""

    def __init__(self, real: Notifier, *, network: set[int], bug: set[int]) -> None:
        self.real = real
        self.network = network
        self.bug = bug

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        if recipient.chat_id in self.network:
            return Delivery.FAILED
        if recipient.chat_id in self.bug:
            raise RuntimeError("a bug while sending")
        return await self.real.notify(recipient, notice)


async def test_blocked_recipient_is_marked_inactive_and_a_failure_holds_up_nobody(
    settings: Settings, server: LocalBotApi
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        digests = services.get(DigestRules)
        await digests.run_due(clock.now())
        for user_id in (3001, 3002, 3003, 3005):
            await add_person(services.db, server, user_id, "en", scope="all")
        await add_person(services.db, server, 3004, "en")
        await add_group(services.db, name="Peers", created_by=3001, members=[3002, 3004])
        server.block(3002)
        real = services.notifier
        services.notifier = Failing(real, network={3003}, bug={3005})

        clock.at = MONDAY_9
        report = await digests.run_due(clock.now())
        assert report.results == {"sent": 2, "skipped": 2, "failed": 2}
        async with services.db.reading() as conn:
            blocked = await UserRepository(conn).get(3002)
        assert blocked is not None and not blocked.active
        assert delivered(server)[3001] == 1 and delivered(server)[3004] == 1
        rows = {(r[0], r[2]): r[4] for r in await delivery_rows(services.db)}
        assert rows[("user", 3002)] == "skipped" and rows[("group", 3002)] == "skipped"
        assert rows[("user", 3003)] == "failed" and rows[("user", 3005)] == "failed"

        # The next tick retries the network failure, not the send that may have gone out;
        # the blocked person is not tried again.
        services.notifier = real
        calls_to_blocked = len(calls_to(server, 3002))
        clock.at = MONDAY_9 + timedelta(hours=1)
        retried = await digests.run_due(clock.now())
        assert retried.results == {"sent": 1}
        assert delivered(server)[3003] == 1 and delivered(server)[3005] == 0
        clock.at = MONDAY_9 + timedelta(days=7)
        await digests.run_due(clock.now())
    assert len(calls_to(server, 3002)) == calls_to_blocked
    assert delivered(server)[3001] == 2 and delivered(server)[3003] == 2


def test_command_line_parses_digest_now() -> None:
    args = _parser().parse_args(["digest", "--now", "--recipient", "group:7"])
    assert args.command == "digest" and args.now and parse_recipient(args.recipient) == (None, 7)
    assert parse_recipient("12345") == (12345, None)
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    bar.update(5, 10)
    bar.update(10, 10)
    bar.close()
    assert stream.getvalue() == "\r[#####.....] 5/10\r[##########] 10/10\n"


async def test_digest_now_sends_this_week_once_with_a_progress_bar(
    settings: Settings, server: LocalBotApi
) -> None:
    async with running_bot(settings) as app:
        services = services_of(app)
        for user_id in (4001, 4002, 4003):
            await add_person(services.db, server, user_id, "en", scope="BA-BAT")
    out = io.StringIO()
    args = argparse.Namespace(now=True, recipient=None)
    assert await run_digest(settings, args, stream=out) == 0
    assert "\r[" in out.getvalue() and "3/3" in out.getvalue() and "sent: 3" in out.getvalue()
    assert all(delivered(server)[p] == 1 for p in (4001, 4002, 4003))
    # Again, or for one person: this week's digest was already sent.
    again = io.StringIO()
    one = argparse.Namespace(now=True, recipient="4002")
    assert await run_digest(settings, one, stream=again) == 0
    assert "already: 1" in again.getvalue()
    assert sum(delivered(server).values()) == 3
    assert "Weekly digest" in texts(server, 4001)[0]
    bad = argparse.Namespace(now=True, recipient="someone")
    assert await run_digest(settings, bad, stream=io.StringIO()) == 2


async def test_a_concurrent_fan_out_at_80_ms_keeps_telegrams_limits(tmp_path: Path) -> None:
    """Issue #9: sends overlap (so a round trip does not pace them), yet no 429 is earned."""
    server = LocalBotApi(latency_ms=80, strict_limits=True)  # 429 beyond Telegram's limits
    await server.start()
    db_path = tmp_path / "strict.db"
    members = range(61_000, 61_060)
    await seed_people(db_path, members)
    group_id = await seed_group(db_path, members)
    for member in members:
        server.user(member, f"M{member}", language_code="ru")
    clock = FrozenClock(SUNDAY_EVENING)
    try:
        async with running_bot(make_settings(db_path, server), clock=clock) as app:
            report = await services_of(app).get(DigestRules).run_now(clock.now(), group=group_id)
            await server.wait_idle()
    finally:
        await server.stop()
    assert report.total == len(members)
    assert server.too_many_requests == 0
    assert all(len(server.messages(m)) == 1 for m in members)
    assert server.peak_inflight > 1  # the sends overlapped
