"""Fault injection of the local Bot API server on its own: which call meets which fault."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.localapi.faults import Fault, FaultInjector, fault_error
from bot.localapi.model import FaultKind


def test_an_injected_fault_fires_count_times_on_its_method_only() -> None:
    faults = FaultInjector()
    faults.inject("sendMessage", kind="500", count=2)
    assert faults.take("getMe") is None
    first, second = faults.take("sendMessage"), faults.take("sendMessage")
    assert first is not None and second is not None and first.kind == "500"
    assert faults.take("sendMessage") is None
    assert faults.fired == 2 and faults.by_kind == {"500": 2}


def test_a_fault_for_any_method_spares_get_updates() -> None:
    faults = FaultInjector()
    faults.inject(None, kind="429", retry_after=7)
    assert faults.take("getUpdates") is None
    fault = faults.take("editMessageText")
    assert fault is not None and fault.retry_after == 7
    faults.inject("getUpdates", kind="conflict")
    taken = faults.take("getUpdates")
    assert taken is not None and taken.kind == "conflict"


def test_injected_faults_fire_in_the_order_they_were_injected() -> None:
    faults = FaultInjector()
    faults.inject(None, kind="403")
    faults.inject("sendMessage", kind="timeout")
    taken = [faults.take("sendMessage"), faults.take("sendMessage")]
    assert [fault.kind if fault else None for fault in taken] == ["403", "timeout"]


def _random_kinds(seed: int) -> list[str | None]:
    faults = FaultInjector()
    faults.randomly(0.5, ("429", "500", "403"), seed=seed)
    taken = [faults.take("sendMessage") for _ in range(200)]
    assert faults.take("getUpdates") is None
    return [fault.kind if fault else None for fault in taken]


def test_random_faults_are_seeded_and_hit_about_their_rate() -> None:
    first, again, other = _random_kinds(3), _random_kinds(3), _random_kinds(4)
    assert first == again and first != other
    assert 60 < sum(kind is not None for kind in first) < 140
    assert {"429", "500", "403"} <= set(first)


def test_clear_and_rate_zero_turn_faults_off() -> None:
    faults = FaultInjector()
    faults.randomly(1.0)
    faults.inject("getMe", kind="500")
    faults.clear()
    assert faults.take("getMe") is None and faults.take("sendMessage") is None
    faults.randomly(1.0)
    faults.randomly(0)
    assert faults.take("sendMessage") is None


@pytest.mark.parametrize(
    ("kind", "code", "description"),
    [
        ("429", 429, "Too Many Requests: retry after 5"),
        ("403", 403, "Forbidden: bot was blocked by the user"),
        ("conflict", 409, "Conflict: terminated by other getUpdates request"),
        ("500", 500, "Internal Server Error"),
    ],
)
def test_each_fault_answers_as_telegram(kind: FaultKind, code: int, description: str) -> None:
    error = fault_error(Fault(None, kind, 1, 5, None))
    assert error.code == code and error.description.startswith(description)
    assert error.retry_after == (5 if kind == "429" else None)


async def test_a_timeout_answer_is_held_until_its_time_or_the_server_stops() -> None:
    faults = FaultInjector(hold_s=30.0)
    closing = asyncio.Event()
    started = time.perf_counter()
    await faults.hold(Fault(None, "timeout", 1, 1, 0.05), closing)
    assert time.perf_counter() - started >= 0.04  # the fault's own hold, not the 30 s default
    closing.set()
    await asyncio.wait_for(faults.hold(Fault(None, "timeout", 1, 1, None), closing), 5)
