"""The notifier port in the chat: draws a rule's notice with its feature's screen and sends it.

Every notice is a bulk notification under Telegram's ~30 messages a second, so all of them
share one pace here, counted in messages (a long text is several, each picture one more);
the AIORateLimiter behind the bot still enforces the limits and waits out any 429.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.core.notices import Delivery, Recipient
from bot.i18n import translator
from handlers.plumbing.feature import Surface
from handlers.plumbing.ratelimit import NOTIFICATION_RETRIES
from handlers.plumbing.render import send_screen, split_text
from handlers.plumbing.screen import Screen

log = logging.getLogger(__name__)

# Messages a second, and the burst, under Telegram's ~30/s for bulk notifications: smooth, so
# any one-second window holds at most 29 sends, also when a digest fan-out overlaps its sends.
NOTIFICATION_RATE = 28.5
NOTIFICATION_BURST = 1


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
    return len(split_text(screen.text)) + len(screen.attachments)


class TelegramNotifier:
    """Draws a notice in the recipient's language with its feature's screen, paces, sends."""

    def __init__(
        self,
        bot: ExtBot[Any],
        surface: Surface,
        *,
        rate: float = NOTIFICATION_RATE,
        burst: int = NOTIFICATION_BURST,
    ) -> None:
        self.bot = bot
        self.surface = surface
        # One pace for every notification of this process (digests, alerts, relays).
        self.pacer = Pacer(rate, burst)

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        """Draw the notice in the recipient's language, then send it; how the send ended."""
        draw = self.surface.notices.get(type(notice))
        if draw is None:
            raise LookupError(f"no feature draws {type(notice).__name__}")
        tr = translator(recipient.locale)
        try:
            # Off the event loop: a digest draws its charts (matplotlib, up to half a second).
            screen = await asyncio.to_thread(draw, notice, tr)
        except Exception as exc:  # nothing was sent: safe to try again
            log.exception("%s not drawn: %s", type(notice).__name__, type(exc).__name__)
            return Delivery.FAILED
        await self.pacer.take(messages_in(screen))
        return await self.deliver(recipient.chat_id, screen)

    async def deliver(self, chat_id: int, screen: Screen) -> Delivery:
        """Send and say how it ended; the digest fan-out records each outcome."""
        try:
            await send_screen(self.bot, chat_id, screen, rate_limit_args=NOTIFICATION_RETRIES)
        except Forbidden:
            log.info("chat %s blocked the bot", chat_id)
            return Delivery.BLOCKED
        except BadRequest as exc:  # before NetworkError: PTB derives it from NetworkError
            log.warning("could not send to chat %s: %s", chat_id, exc.message)
            return Delivery.REJECTED
        except TimedOut as exc:
            # Only a pool timeout means the request never left; any other may have arrived.
            log.warning("sending to chat %s timed out: %s", chat_id, exc.message)
            return Delivery.FAILED if "Pool timeout" in exc.message else Delivery.UNKNOWN
        except (RetryAfter, NetworkError) as exc:
            log.warning("could not send to chat %s: %s", chat_id, type(exc).__name__)
            return Delivery.FAILED
        return Delivery.SENT
