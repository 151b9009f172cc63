"""The update queue: what users did, waiting for the bot to fetch it and confirm it.

Telegram keeps an update until getUpdates is called with an offset above its id; a crash between
fetch and confirmation gets it delivered again. `redeliver` models that: the update goes back into
the queue, sticky until it has been fetched once even if its id is below the confirmed offset.
The long poll itself (its wait, its 409 when a newer poll arrives) is a Bot API method and lives
in methods.py; this is only the queue it reads.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from bot.localapi.model import JSON

__all__ = ["UpdateQueue"]


@dataclass(slots=True)
class _Queued:
    update_id: int
    update: JSON
    # A redelivered update below the confirmed offset stays until it has been fetched once.
    sticky: bool = False


class UpdateQueue:
    """Updates in update_id order, each kept until confirmed; `arrived` wakes a long poll."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.delivered: dict[int, JSON] = {}  # every update ever queued, by id
        self._queue: deque[_Queued] = deque()
        self._sticky = 0
        self._next_id = 1

    def __len__(self) -> int:
        return len(self._queue)

    def enqueue(self, update: JSON) -> int:
        """Queue a raw update (update_id assigned if missing); return its update_id."""
        if "update_id" not in update:
            update = {"update_id": self._next_id, **update}
        update_id = int(update["update_id"])
        self._next_id = max(self._next_id, update_id + 1)
        self.delivered[update_id] = update
        if self._queue and self._queue[-1].update_id > update_id:
            self._insert_sorted(_Queued(update_id, update))
        else:
            self._queue.append(_Queued(update_id, update))
        self.arrived.set()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Queue an already queued update again, as Telegram does after a crash."""
        update = self.delivered.get(update_id)
        if update is None:
            raise KeyError(f"unknown update_id {update_id}")
        self._insert_sorted(_Queued(update_id, update, sticky=True))
        self._sticky += 1
        self.arrived.set()

    def confirm(self, offset: int) -> None:
        """Forget updates below `offset`; a negative offset keeps only the last -offset."""
        queue = self._queue
        if offset < 0:
            while len(queue) > -offset:
                if queue.popleft().sticky:
                    self._sticky -= 1
            return
        if self._sticky:
            self._queue = deque(q for q in queue if q.update_id >= offset or q.sticky)
            return
        while queue and queue[0].update_id < offset:
            queue.popleft()

    def batch(self, limit: int) -> list[JSON]:
        """Up to `limit` queued updates, oldest first; a sticky one counts as fetched."""
        batch: list[JSON] = []
        for queued in self._queue:
            if len(batch) >= limit:
                break
            if queued.sticky:
                queued.sticky = False
                self._sticky -= 1
            batch.append(queued.update)
        return batch

    def drop(self) -> None:
        """Forget every pending update (drop_pending_updates)."""
        self._queue.clear()
        self._sticky = 0

    def _insert_sorted(self, item: _Queued) -> None:
        # Rare (redelivery, explicit ids): a linear scan keeps the queue ordered by update_id.
        index = len(self._queue)
        for i, queued in enumerate(self._queue):
            if queued.update_id > item.update_id:
                index = i
                break
        self._queue.insert(index, item)
