"""How the dashboard reads a report's photo or voice note: one small port, two sources.

The rules decide whether the reader may see the file (`IncidentRules.report_file`); this
only fetches its bytes: from the media store beside the database (issue #19: downloaded at
submit time, checked against its SHA-256), and, for a file the store does not hold yet (its
download is waiting) from Telegram with getFile (`handlers/dashboard/media.py`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from bot.core.kernel import Kernel
from bot.records.incidents import IncidentAttachment
from bot.rules.media import MediaRules

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


def stored_media(kernel: Kernel) -> MediaReader:
    """Read an attachment from the media store; None when it holds no bytes for it."""

    async def read(attachment: IncidentAttachment) -> MediaFile | None:
        rules = kernel.get(MediaRules)
        key = attachment.unique_id or attachment.file_id
        found = (await rules.files([key])).get(key)
        path = rules.path_of(found) if found is not None else None
        if path is None:
            return None
        data = await asyncio.to_thread(path.read_bytes)
        return MediaFile(data, content_type(attachment, path.name))

    return read


def first_of(*readers: MediaReader) -> MediaReader:
    """Ask each reader in turn; the first that has the bytes answers."""

    async def read(attachment: IncidentAttachment) -> MediaFile | None:
        for reader in readers:
            found = await reader(attachment)
            if found is not None:
                return found
        return None

    return read
