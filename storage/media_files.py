"""The media folder: photos and voice notes as files, written whole or not at all.

Files are named by their row (`2026/12/17-photo.jpg`) and never change once written, so a
backup can hard-link an unchanged file to the copy made the day before instead of copying it
again. Blocking file work: callers run it in a thread.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")
DEFAULT_SUFFIX = {"photo": ".jpg", "voice": ".ogg"}


class DiskFull(OSError):
    """No room for a file (or less than the space kept free for the database)."""


@dataclass(frozen=True, slots=True)
class Written:
    """A file now in the folder."""

    path: str  # relative, with forward slashes
    size: int
    sha256: str


def relative_path(media_id: int, kind: str, received: datetime, source_name: str | None) -> str:
    """Where a file goes: its month, its row and kind, the extension Telegram gave it."""
    suffix = PurePosixPath(source_name or "").suffix.lower()
    if not _SUFFIX.fullmatch(suffix):
        suffix = DEFAULT_SUFFIX.get(kind, ".bin")
    return f"{received:%Y}/{received:%m}/{media_id}-{kind}{suffix}"


class MediaFolder:
    """The folder that holds the bytes; paths given to it are relative to it."""

    def __init__(self, root: Path, *, keep_free_bytes: int = 0) -> None:
        self.root = root
        # The database lives on the same disk: media never takes the room it needs to write.
        self.keep_free_bytes = keep_free_bytes

    def absolute(self, path: str) -> Path:
        """The file's place on disk; a path that climbs out of the folder is refused."""
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise ValueError(f"{path!r} is outside the media folder")
        return target

    def write(self, path: str, data: bytes) -> Written:
        """Write the bytes whole (a temporary file renamed into place) and fsync them."""
        target = self.absolute(path)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        free = shutil.disk_usage(target.parent).free
        if free - len(data) < self.keep_free_bytes:
            raise DiskFull(errno.ENOSPC, f"{free // 2**20} MB free in {self.root}")
        partial = target.with_name(target.name + ".part")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(partial, target)
            _sync_folder(target.parent)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFull(exc.errno, str(exc)) from exc
            raise
        return Written(path, len(data), hashlib.sha256(data).hexdigest())

    def read(self, path: str, *, sha256: str | None = None) -> bytes | None:
        """The file's bytes; None when it is missing or does not match its checksum."""
        try:
            data = self.absolute(path).read_bytes()
        except (OSError, ValueError):
            return None
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            return None
        return data

    def delete(self, path: str) -> None:
        """Remove a file (already gone is fine) and the month folders it leaves empty."""
        try:
            target = self.absolute(path)
        except ValueError:
            return
        target.unlink(missing_ok=True)
        for folder in (target.parent, target.parent.parent):
            if folder == self.root.resolve():
                break
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty

    def snapshot(self, target: Path, *, previous: Path | None = None) -> int:
        """Copy the folder to `target` (new); files unchanged since `previous` are hard links.

        Returns the number of files. Files never change once written, so a file of the same
        name and size in the previous snapshot is the same file.
        """
        count = 0
        partial = target.with_name(target.name + ".part")
        shutil.rmtree(partial, ignore_errors=True)
        for source in sorted(self.root.rglob("*")):
            if not source.is_file() or source.name.endswith(".part"):
                continue
            relative = source.relative_to(self.root)
            copy = partial / relative
            copy.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            earlier = previous / relative if previous is not None else None
            linked = False
            same = earlier is not None and earlier.is_file()
            if earlier is not None and same and earlier.stat().st_size == source.stat().st_size:
                try:
                    os.link(earlier, copy)
                    linked = True
                except OSError:  # another file system, or no hard links: a plain copy
                    linked = False
            if not linked:
                shutil.copy2(source, copy)
            count += 1
        partial.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.rmtree(target, ignore_errors=True)  # a second backup within the same second
        os.replace(partial, target)
        return count


def _sync_folder(folder: Path) -> None:
    """Make a rename durable: fsync the folder that holds the file (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        # Some file systems cannot fsync a folder; the rename stands, only less durably.
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
