"""Photos and voice notes the project keeps: one row per file, as stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

KINDS = ("photo", "voice")


@dataclass(frozen=True, slots=True)
class NewMedia:
    """A file a submission carried, to download after its record is committed."""

    # Telegram's file_unique_id (the same file whichever message carried it), else the file
    # id: the key records name the file by.
    file_key: str
    file_id: str  # what getFile takes
    kind: str  # photo | voice
    owner_id: int | None  # who sent it
    form_id: str | None  # the form it came with
    received_at: datetime


@dataclass(frozen=True, slots=True)
class MediaFile(NewMedia):
    """A file as stored: where it is in the media folder and how its downloads went."""

    id: int
    state: str  # pending | stored | too_large | lost
    path: str | None  # under the media folder, once stored
    size: int | None  # bytes
    sha256: str | None  # hex digest of the stored bytes
    stored_at: datetime | None
    attempts: int  # failed downloads so far
    next_attempt_at: datetime | None
    last_error: str | None

    @property
    def stored(self) -> bool:
        """Whether the bytes are in the media folder."""
        return self.state == "stored" and self.path is not None


@dataclass(frozen=True, slots=True)
class MediaCounts:
    """The media folder's state, for `ayilbot health` and /stats."""

    stored: int = 0
    stored_bytes: int = 0
    waiting: int = 0  # not downloaded yet, never failed
    retrying: int = 0  # failed at least once (or waits for room on the disk), tried again
    too_large: int = 0  # over the size limit: only the Telegram id is kept
    lost: int = 0  # given up after every retry
    oldest_retrying: datetime | None = None  # when the longest-failing file was received
    last_error: str | None = None
