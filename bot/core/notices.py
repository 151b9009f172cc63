"""How rules reach people outside the current conversation: a port the surface implements.

A rule hands over a notice (a frozen record: an urgent alert, a digest, a relayed answer) and
the person it is for; it never builds a chat message. The Telegram surface draws each kind of
notice with the screen its feature declares and says how the send ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Delivery(StrEnum):
    """How a send ended, for fan-outs that must tell a block from a retryable failure."""

    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot, or the bot left the group chat
    REJECTED = "rejected"  # Telegram refused this message or chat: resending will not help
    FAILED = "failed"  # not sent (flood limit after retries, network): safe to send again
    UNKNOWN = "unknown"  # timed out: it may have arrived, so it is never sent again


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a notice goes and in which language it is drawn."""

    chat_id: int
    locale: str


class Notifier(Protocol):
    """Delivers a notice to a person or a linked group chat."""

    async def notify(self, recipient: Recipient, notice: object) -> Delivery: ...


class Silent:
    """A notifier for the command line, tools and benchmarks: nobody is messaged from there."""

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        return Delivery.FAILED
