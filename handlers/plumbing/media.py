"""The media port in the chat: a person's file downloaded with getFile from the Bot API.

Telegram serves bots files up to 20 MB (a local Bot API server more); a larger one is refused
as "file is too big", which retrying never changes. Anything else (a network error, a server
error, a flood limit) may pass: the media store tries again later.
"""

from __future__ import annotations

import io
from typing import Any

from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from bot.core.media import Fetched, MediaTooLarge, MediaUnavailable


class TelegramMediaFetcher:
    """Downloads files by id through the bot's own Bot API server (`base_file_url`)."""

    def __init__(self, bot: ExtBot[Any]) -> None:
        self.bot = bot

    async def fetch(self, file_id: str, *, limit: int) -> Fetched:
        """The file's bytes, at most `limit`; MediaTooLarge or MediaUnavailable otherwise."""
        try:
            found = await self.bot.get_file(file_id)
            if found.file_size is not None and found.file_size > limit:
                raise MediaTooLarge(f"{found.file_size} bytes")
            buffer = io.BytesIO()
            await found.download_to_memory(buffer)
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise MediaTooLarge(exc.message) from exc
            raise MediaUnavailable(exc.message) from exc
        except TelegramError as exc:
            raise MediaUnavailable(f"{type(exc).__name__}: {exc.message}") from exc
        return Fetched(buffer.getvalue(), found.file_path)
