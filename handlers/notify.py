"""The Notifier that services use to reach people outside the current update."""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.ratelimit import NOTIFICATION_RETRIES
from bot.screen import Delivery, Screen
from handlers.render import send_screen

log = logging.getLogger(__name__)


class TelegramNotifier:
    """Sends screens through the bot; False when the person blocked it or the chat is gone."""

    def __init__(self, bot: ExtBot[Any]) -> None:
        self.bot = bot

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
