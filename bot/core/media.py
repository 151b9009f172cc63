"""How rules get a file's bytes from where people sent it: a port the surface implements.

The media store asks for a file by the id a form recorded; the Telegram surface answers with
`bot.get_file` and a download (through the configured Bot API server, a local one included).
The domain never sees Telegram: it sees bytes, or one of the two failures below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Fetched:
    """A downloaded file: its bytes and the name the platform gave it (for the extension)."""

    data: bytes
    name: str | None = None


class MediaTooLarge(Exception):
    """The file is larger than the limit: downloading it again will not help."""


class MediaUnavailable(Exception):
    """The download failed this time (network, server, an unknown id): try again later."""


class MediaFetcher(Protocol):
    """Downloads a file a person sent, up to `limit` bytes."""

    async def fetch(self, file_id: str, *, limit: int) -> Fetched: ...


class NoMediaFetcher:
    """For a kernel with no chat behind it (the command line, unit tests): nothing to fetch."""

    async def fetch(self, file_id: str, *, limit: int) -> Fetched:
        """Always unavailable: the file stays pending for the bot to fetch."""
        raise MediaUnavailable("no chat surface to download files from")
