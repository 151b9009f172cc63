"""The Notifier that services use to reach people outside the current update."""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.core.kernel import Kernel
from bot.core.notices import Recipient
from bot.i18n import translator
from bot.screen import Delivery, Screen
from handlers.plumbing.feature import Surface
from handlers.plumbing.ratelimit import NOTIFICATION_RETRIES
from handlers.plumbing.render import send_screen

log = logging.getLogger(__name__)


class TelegramNotifier:
    """The notifier port in the chat: draws a notice with its feature's screen and sends it."""

    def __init__(self, bot: ExtBot[Any], surface: Surface) -> None:
        self.bot = bot
        self.surface = surface

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        """Draw the notice in the recipient's language and send it."""
        draw = self.surface.notices.get(type(notice))
        if draw is None:
            raise LookupError(f"no feature draws {type(notice).__name__}")
        screen = draw(notice, translator(recipient.locale))
        return await self.deliver(recipient.chat_id, screen)

    async def send(self, chat_id: int, screen: Screen) -> bool:
        try:
            await send_screen(self.bot, chat_id, screen, rate_limit_args=NOTIFICATION_RETRIES)
        except Forbidden:
            log.info("chat %s blocked the bot", chat_id)
            return False
        except BadRequest as exc:
            log.warning("could not send to chat %s: %s", chat_id, exc.message)
            return False
        return True

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


def chat_notifier(kernel: Kernel) -> TelegramNotifier:
    """The kernel's notifier as the chat's, for rules that still send screens themselves."""
    assert isinstance(kernel.notifier, TelegramNotifier)
    return kernel.notifier
