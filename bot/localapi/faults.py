"""Faults a test orders from the local Bot API server: injected, random, and the late answer.

An injected fault fails the next `count` calls of one method (or of any method but getUpdates,
so polling goes on); random faults fail a seeded share of calls. "timeout" is the dangerous one:
the call takes effect and only its answer comes late, as after a real network timeout, so a bot
that retries a send blindly delivers it twice. The listener asks `take()` before running a
method and `hold()` after it; nothing here knows the methods or the chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.localapi.model import ApiError, FaultKind

__all__ = ["Fault", "FaultInjector", "fault_error"]


@dataclass(slots=True)
class Fault:
    """A fault waiting to fire: which method (None = any but getUpdates), how, how many times."""

    method: str | None
    kind: FaultKind
    count: int
    retry_after: int
    hold_s: float | None


def fault_error(fault: Fault) -> ApiError:
    """The error answer Telegram gives for this kind of fault."""
    if fault.kind == "429":
        return ApiError(
            429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
        )
    if fault.kind == "403":
        return ApiError(403, "Forbidden: bot was blocked by the user")
    if fault.kind == "conflict":
        return ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    return ApiError(500, "Internal Server Error")


class FaultInjector:
    """Pending injected faults, the random-fault setting, and counts of what fired."""

    def __init__(self, *, hold_s: float = 6.0) -> None:
        self.hold_s = hold_s  # how late a "timeout" answer comes, unless the fault says
        self.fired = 0
        self.by_kind: Counter[str] = Counter()
        self._pending: list[Fault] = []
        self._random: tuple[float, tuple[FaultKind, ...], random.Random] | None = None

    def inject(
        self,
        method: str | None,
        *,
        kind: FaultKind,
        count: int = 1,
        retry_after: int = 1,
        hold_s: float | None = None,
    ) -> None:
        """Make the next `count` calls of `method` fail (None = any method but getUpdates)."""
        self._pending.append(Fault(method, kind, count, retry_after, hold_s))

    def randomly(
        self, rate: float, kinds: Sequence[FaultKind] = ("429", "500"), seed: int = 0
    ) -> None:
        """Fail a `rate` share of calls (not getUpdates) with a random kind; rate 0 turns off."""
        self._random = (rate, tuple(kinds), random.Random(seed)) if rate > 0 else None

    def clear(self) -> None:
        """Drop pending injected and random faults."""
        self._pending.clear()
        self._random = None

    def take(self, method: str) -> Fault | None:
        """The fault this call of `method` meets, counted as fired; None for a normal call."""
        for fault in self._pending:
            if fault.method == method or (fault.method is None and method != "getUpdates"):
                fault.count -= 1
                if fault.count <= 0:
                    self._pending.remove(fault)
                self._count(fault.kind)
                return fault
        if self._random is not None and method != "getUpdates":
            rate, kinds, rng = self._random
            if rng.random() < rate:
                kind = rng.choice(kinds)
                self._count(kind)
                return Fault(None, kind, 1, 1, None)
        return None

    async def hold(self, fault: Fault, closing: asyncio.Event) -> None:
        """Delay a "timeout" answer after the call took effect; the server's stop cuts it short."""
        hold = fault.hold_s if fault.hold_s is not None else self.hold_s
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closing.wait(), hold)

    def _count(self, kind: FaultKind) -> None:
        self.fired += 1
        self.by_kind[kind] += 1
