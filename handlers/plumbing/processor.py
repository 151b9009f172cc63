"""Different people's updates run concurrently; each person's run strictly in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's `process_update` takes its semaphore before `do_process_update`, so one person's
# backlog would hold slots while waiting for their own lock. The outer bound is set high
# and the real bound is applied here, after the per-person lock.
OUTER_LIMIT = 100_000


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Serialises updates per (chat, user) key; runs at most `concurrency` at once overall."""

    __slots__ = ("_locks", "_running", "_waiting", "gate")

    def __init__(self, concurrency: int) -> None:
        super().__init__(OUTER_LIMIT)
        self._running = asyncio.Semaphore(concurrency)
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: dict[Hashable, int] = {}
        # Checked as an update arrives, before it waits behind the person's earlier ones:
        # False drops it. The flood guard stands here, so its notice goes out at once
        # instead of after the replies to everything the person sent before it.
        self.gate: Callable[[object], Coroutine[Any, Any, bool]] | None = None

    @staticmethod
    def key(update: object) -> Hashable:
        """Updates of one person in one chat share a key; anything else runs on its own."""
        if isinstance(update, Update):
            chat = update.effective_chat
            user = update.effective_user
            if chat is not None or user is not None:
                return (chat.id if chat else None, user.id if user else None)
        return id(update)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.gate is not None and not await self.gate(update):
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # dropped: never processed, and no "never awaited" warning
            return
        key = self.key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            # asyncio.Lock is FIFO, and PTB starts the tasks in arrival order.
            async with lock, self._running:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""
