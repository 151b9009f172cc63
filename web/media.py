"""How the dashboard reads a report's photo or voice note: one small port, two sources.

The rules decide whether the reader may see the file (`IncidentRules.report_file`); this
only fetches its bytes. Until the media store (issue #19, branch f-outputs) keeps the files
beside the database, the bot fetches them from Telegram with getFile
(`handlers/dashboard/media.py`, `telegram_media`); the media store will be another
`MediaReader`, given to `web.app.dashboard_app` by the wiring instead: one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.records.incidents import IncidentAttachment

# What a browser is told a file is, when the source does not say (Telegram sends photos as
# JPEG and voice notes as Ogg Opus).
CONTENT_TYPES = {"photo": "image/jpeg", "voice": "audio/ogg"}


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A file's bytes and their type."""

    data: bytes
    content_type: str


class MediaReader(Protocol):
    """Reads an attachment's bytes; None when they cannot be had (gone, too large)."""

    async def __call__(self, attachment: IncidentAttachment) -> MediaFile | None: ...


def content_type(attachment: IncidentAttachment, path: str | None = None) -> str:
    """The type to serve an attachment as: from its file name when known, else its kind."""
    suffix = (path or "").rsplit(".", 1)[-1].lower() if path and "." in path else ""
    by_suffix = {
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
        "webp": "image/webp",
        "ogg": "audio/ogg",
        "oga": "audio/ogg",
        "mp3": "audio/mpeg",
        "m4a": "audio/mp4",
    }
    return by_suffix.get(suffix) or CONTENT_TYPES.get(attachment.type, "application/octet-stream")
