"""Sending one message to many chats, each exactly once, through the rate-limited notifier.

Every send is claimed in SQLite first (a row with a unique key per recipient, chat and
period) and marked after. A crash can leave a claim behind whose message may or may not have
left; it is never sent again (no second copies), and the next run sends everything unclaimed.
Sends are paced here, just below Telegram's 30 a second, before they are claimed: a claim
then waits in no queue, so a crash leaves only the few sends on the wire unconfirmed.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.rules.users import UserRules
from bot.screen import Deliverer, Delivery, Screen
from storage.db import Database
from storage.digests import Delivery as DeliveryRow
from storage.digests import DeliveryKey, DeliveryRepository

log = logging.getLogger(__name__)

# Sends in flight at once. This only has to cover the round trip: with 80 ms per call, 8 at
# a time allow 100 a second, so the pace, not the concurrency, sets the rate. It is also the
# most a crash can leave unconfirmed.
FANOUT_CONCURRENCY = 8
# Messages a second, and the burst, under Telegram's ~30/s for bulk notifications; the
# AIORateLimiter behind the notifier still enforces the limits and waits out any 429.
FANOUT_RATE = 28.5
FANOUT_BURST = 1  # smooth: any one-second window holds at most 29 sends
TEXT_LIMIT = 4096
MAX_ATTEMPTS = 3
# A delivery's status and reason for each way a send can end.
_OUTCOMES: dict[Delivery, tuple[str, str | None]] = {
    Delivery.SENT: ("sent", None),
    Delivery.BLOCKED: ("skipped", "blocked"),
    Delivery.REJECTED: ("failed", "rejected"),
    Delivery.FAILED: ("failed", "error"),  # the only reason retried
    Delivery.UNKNOWN: ("failed", "unknown"),
}

Progress = Callable[[int, int], None]


class Pacer:
    """A token bucket: `rate` messages a second on average, at most `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self, messages: int) -> None:
        """Wait until `messages` may go out."""
        async with self._lock:
            need = min(messages, self.burst)
            while True:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
                self._at = now
                if self._tokens >= need:
                    self._tokens -= messages
                    return
                await asyncio.sleep((need - self._tokens) / self.rate)


def messages_in(screen: Screen) -> int:
    """How many Telegram messages a screen becomes: its text parts and its files."""
    return max(1, math.ceil(len(screen.text) / TEXT_LIMIT)) + len(screen.attachments)


@dataclass(frozen=True, slots=True)
class Target:
    """One message to deliver: where, for which period, and how to build it (lazily)."""

    key: DeliveryKey  # recipient kind, recipient id, chat id, period start
    due_at: datetime
    build: Callable[[], Awaitable[Screen]]
    late: bool = False
    person: int | None = None  # the person to mark inactive if they blocked the bot
    allow_new: bool = True  # False: only retry a failed row, never start a new one

    @property
    def chat_id(self) -> int:
        return self.key[2]


@dataclass
class FanOutReport:
    """What a fan-out did: counts by result ("sent", "skipped", "failed", "already")."""

    total: int
    results: Counter[str] = field(default_factory=Counter)

    @property
    def done(self) -> int:
        return sum(self.results.values())

    @property
    def sent(self) -> int:
        return self.results["sent"]


class FanOut:
    """Delivers targets concurrently, each claimed before and marked after its send."""

    def __init__(
        self,
        db: Database,
        notifier: Deliverer,
        users: UserRules,
        clock: Clock,
        *,
        concurrency: int = FANOUT_CONCURRENCY,
        rate: float = FANOUT_RATE,
    ) -> None:
        self.db = db
        self.notifier = notifier
        self.users = users
        self.clock = clock
        self.concurrency = concurrency
        # One pace for every fan-out of this process (the scheduled one and a manual one).
        self.pacer = Pacer(rate, FANOUT_BURST)

    async def deliver(
        self, targets: Iterable[Target], *, progress: Progress | None = None
    ) -> FanOutReport:
        """Send every target; one failure never holds up the others."""
        queue = list(targets)
        report = FanOutReport(total=len(queue))
        async with self.db.reading() as conn:
            rows = await DeliveryRepository(conn).existing(period_starts={t.key[3] for t in queue})
        # Targets already sent, skipped or in flight are not even built (a resumed run).
        open_ = [t for t in queue if _open(t, rows.get(t.key))]
        if len(open_) < len(queue):
            report.results["already"] = len(queue) - len(open_)
        pending: Iterator[Target] = iter(open_)

        async def worker() -> None:
            # Workers share one iterator: taking the next target never awaits.
            for target in pending:
                result = await self._one(target)
                report.results[result] += 1
                if progress is not None:
                    progress(report.done, report.total)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(self.concurrency, len(open_))):
                group.create_task(worker())
        return report

    async def _one(self, target: Target) -> str:
        screen: Screen | None = None
        try:
            screen = await target.build()
        except Exception as exc:  # a bug in one digest must not stop the others
            log.exception("digest for chat %s not built: %s", target.chat_id, type(exc).__name__)
        else:
            await self.pacer.take(messages_in(screen))
        async with self.db.transaction() as conn:
            claimed = await DeliveryRepository(conn).claim(
                key=target.key,
                due_at=target.due_at,
                late=target.late,
                now=self.clock.now(),
                max_attempts=MAX_ATTEMPTS,
                allow_new=target.allow_new,
            )
        if not claimed:
            return "already"
        if screen is None:
            outcome = Delivery.FAILED  # nothing left: safe to try again at the next tick
        else:
            try:
                outcome = await self.notifier.deliver(target.chat_id, screen)
            except Exception as exc:  # it may have sent part: never again, but go on
                log.exception("digest to chat %s failed: %s", target.chat_id, type(exc).__name__)
                outcome = Delivery.UNKNOWN
        status, reason = _OUTCOMES[outcome]
        async with self.db.transaction() as conn:
            await DeliveryRepository(conn).finish(
                key=target.key, status=status, reason=reason, now=self.clock.now()
            )
        if outcome is Delivery.BLOCKED and target.person is not None:
            # Skipped from now on: recipients are active people only.
            await self.users.set_blocked(user_id=target.person, blocked=True)
        return status


def _open(target: Target, row: DeliveryRow | None) -> bool:
    """Whether a target still needs sending, given its delivery row (if any)."""
    if row is None:
        return target.allow_new
    return row.status == "failed" and row.reason == "error" and row.attempts < MAX_ATTEMPTS
