"""The local Bot API server's update queue on its own: ids, confirmation, redelivery."""

from __future__ import annotations

from bot.localapi.updates import UpdateQueue


def _ids(queue: UpdateQueue, limit: int = 100) -> list[int]:
    return [update["update_id"] for update in queue.batch(limit)]


def test_ids_are_assigned_in_order_and_an_offset_confirms_below_it() -> None:
    queue = UpdateQueue()
    ids = [queue.enqueue({"message": {"n": n}}) for n in range(3)]
    assert ids == [1, 2, 3] and queue.arrived.is_set()
    assert _ids(queue, limit=2) == [1, 2]
    queue.confirm(3)
    assert _ids(queue) == [3] and len(queue) == 1
    assert queue.enqueue({"message": {}}) == 4


def test_an_explicit_lower_id_is_queued_in_order() -> None:
    queue = UpdateQueue()
    queue.enqueue({"update_id": 10})
    queue.enqueue({"update_id": 5})
    assert _ids(queue) == [5, 10]
    assert queue.enqueue({}) == 11


def test_a_negative_offset_keeps_the_last_updates() -> None:
    queue = UpdateQueue()
    for _ in range(5):
        queue.enqueue({})
    queue.confirm(-2)
    assert _ids(queue) == [4, 5]


def test_a_redelivered_update_survives_a_higher_offset_until_fetched_once() -> None:
    queue = UpdateQueue()
    first = queue.enqueue({"message": {"text": "once"}})
    queue.enqueue({})
    queue.confirm(3)
    assert len(queue) == 0
    queue.redeliver(first)
    queue.confirm(3)  # the bot's offset is past it, yet Telegram sends it again
    assert _ids(queue) == [first]
    queue.confirm(3)  # fetched once: now the offset confirms it
    assert len(queue) == 0
    assert queue.delivered[first]["message"]["text"] == "once"


def test_drop_forgets_pending_updates() -> None:
    queue = UpdateQueue()
    queue.enqueue({})
    queue.redeliver(1)
    queue.drop()
    assert len(queue) == 0 and _ids(queue) == []
