"""The Notifier that services use to reach people outside the current update."""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import BadRequest, Forbidden
from telegram.ext import ExtBot

from bot.ratelimit import NOTIFICATION_RETRIES
from bot.screen import Screen
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
