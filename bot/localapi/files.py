"""Files the local Bot API server holds, from the bot or from users, by file_id and by path.

A user's photo arrives in three sizes, each its own file_id, as Telegram sends it; getFile gives
the path the listener serves under /file/bot<token>/<path>.
"""

from __future__ import annotations

import itertools

from bot.localapi.model import JSON, StoredFile

__all__ = ["FileStore", "document_dict", "voice_dict"]

_PHOTO_SIZES = ((90, 68), (320, 240), (1280, 960))


class FileStore:
    """Stored files by file_id and by download path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._seq = itertools.count(1)

    def store(
        self, kind: str, data: bytes, filename: str | None, mime_type: str | None
    ) -> StoredFile:
        """Keep bytes under a new file_id of this kind (photo, document, voice, ...)."""
        n = next(self._seq)
        ext = ""
        if filename and "." in filename:
            ext = filename.rsplit(".", 1)[1]
        path = f"{kind}s/file_{n}{'.' + ext if ext else ''}"
        stored = StoredFile(f"{kind}-{n}", f"u{kind}{n}", data, filename, mime_type, path)
        self._by_id[stored.file_id] = stored
        self._by_path[path] = stored
        return stored

    def get(self, file_id: str | None) -> StoredFile | None:
        """The file under a file_id, or None."""
        return self._by_id.get(file_id) if file_id else None

    def at_path(self, path: str) -> StoredFile | None:
        """The file getFile gave this download path, or None."""
        return self._by_path.get(path)

    def photo_sizes(self, data: bytes, filename: str | None, mime: str | None) -> list[JSON]:
        """Store a photo in Telegram's three sizes; return its PhotoSize list."""
        sizes = []
        for width, height in _PHOTO_SIZES:
            stored = self.store("photo", data, filename or "photo.jpg", mime)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(data),
                }
            )
        return sizes


def document_dict(stored: StoredFile) -> JSON:
    """Telegram Document object for a stored file."""
    data: JSON = {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.data),
    }
    if stored.filename:
        data["file_name"] = stored.filename
    if stored.mime_type:
        data["mime_type"] = stored.mime_type
    return data


def voice_dict(stored: StoredFile, duration: int) -> JSON:
    """Telegram Voice object for a stored file."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "duration": duration,
        "mime_type": stored.mime_type or "audio/ogg",
        "file_size": len(stored.data),
    }
