"""The dashboard's photos and voice notes the media store does not hold yet, from Telegram.

`telegram_media(bot)` is a `web.media.MediaReader`: getFile, then the download, through the
bot's own Bot API server (Telegram's, or a local one). The wiring asks the media store first.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.records.incidents import IncidentAttachment
from web.media import MediaFile, MediaReader, content_type

log = logging.getLogger(__name__)


def telegram_media(bot: Bot) -> MediaReader:
    """Read an attachment's bytes with getFile; None when Telegram cannot give them."""

    async def read(attachment: IncidentAttachment) -> MediaFile | None:
        try:
            found = await bot.get_file(attachment.file_id)
            data = await found.download_as_bytearray()
        except TelegramError as exc:
            log.warning("media for the dashboard unavailable: %s", type(exc).__name__)
            return None
        return MediaFile(bytes(data), content_type(attachment, found.file_path))

    return read
