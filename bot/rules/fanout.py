"""Sending one notice to many people, each exactly once: claimed before, recorded after.

A fan-out builds each target's notice when its turn comes and hands it to the notifier port
(`kernel.notifier.notify`), a few at a time; the surface paces the sends under Telegram's
limits. A ledger (the digests' delivery table) claims every send in SQLite before it goes out
and records how it ended. A crash can leave a claim whose message may or may not have left:
it is never sent again (no second copies), and the next run sends everything unclaimed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from storage.users import UserRepository

log = logging.getLogger(__name__)

# Sends at once. This only has to cover the round trip and the pace: with 80 ms per call and
# ~28 messages a second, 8 keep the pace, not the concurrency, setting the rate. It is also
# the most claims a crash can leave unconfirmed.
FANOUT_CONCURRENCY = 8

T = TypeVar("T", bound=Hashable)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Target(Generic[T]):
    """One notice to deliver: its ledger ticket, to whom, and how to build it (lazily)."""

    ticket: T  # what the ledger claims: for a digest, recipient, chat and period
    recipient: Recipient
    build: Callable[[], Awaitable[object]]
    person: int | None = None  # the person to mark inactive if they blocked the bot


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


class Ledger(Protocol[T]):
    """Where a fan-out claims each send before it goes out and records how it ended."""

    async def pending(self, targets: Sequence[Target[T]]) -> list[Target[T]]:
        """The targets still to send: not sent, skipped or in flight already."""

    async def claim(self, target: Target[T]) -> bool:
        """Claim the send; False when it is not ours (sent, or claimed by another run)."""

    async def finish(self, target: Target[T], outcome: Delivery) -> str:
        """Record how the claimed send ended; the result the report counts."""


class FanOut(Generic[T]):
    """Delivers targets concurrently, each claimed before and recorded after its send."""

    def __init__(
        self, kernel: Kernel, ledger: Ledger[T], *, concurrency: int = FANOUT_CONCURRENCY
    ) -> None:
        self.kernel = kernel
        self.ledger = ledger
        self.concurrency = concurrency

    async def deliver(
        self, targets: Iterable[Target[T]], *, progress: Progress | None = None
    ) -> FanOutReport:
        """Send every target; one failure never holds up the others."""
        queue = list(targets)
        report = FanOutReport(total=len(queue))
        # Targets already sent, skipped or in flight are not even built (a resumed run).
        open_ = await self.ledger.pending(queue)
        if len(open_) < len(queue):
            report.results["already"] = len(queue) - len(open_)
        waiting: Iterator[Target[T]] = iter(open_)

        async def worker() -> None:
            # Workers share one iterator: taking the next target never awaits.
            for target in waiting:
                result = await self._one(target)
                report.results[result] += 1
                if progress is not None:
                    progress(report.done, report.total)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(self.concurrency, len(open_))):
                group.create_task(worker())
        return report

    async def _one(self, target: Target[T]) -> str:
        notice: object | None = None
        try:
            notice = await target.build()
        except Exception as exc:  # a bug in one notice must not stop the others
            chat = target.recipient.chat_id
            log.exception("notice for chat %s not built: %s", chat, type(exc).__name__)
        if not await self.ledger.claim(target):
            return "already"
        if notice is None:
            outcome = Delivery.FAILED  # nothing left: safe to try again at the next run
        else:
            try:
                outcome = await self.kernel.notifier.notify(target.recipient, notice)
            except Exception as exc:  # it may have sent part: never again, but go on
                chat = target.recipient.chat_id
                log.exception("notice to chat %s failed: %s", chat, type(exc).__name__)
                outcome = Delivery.UNKNOWN
        result = await self.ledger.finish(target, outcome)
        if outcome is Delivery.BLOCKED and target.person is not None:
            # Skipped from now on: recipients are active people only.
            async with self.kernel.db.transaction() as conn:
                await UserRepository(conn).set_blocked(
                    user_id=target.person, blocked=True, now=self.kernel.clock.now()
                )
        return result
