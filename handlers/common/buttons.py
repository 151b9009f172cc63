"""Callback data of the common screens: the /deleteme confirmation (`del:yes`, `del:no`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from handlers.plumbing.codec import Codec, Press


@dataclass(frozen=True, slots=True)
class EraseMe(Press):
    """Yes, erase my account and personal data."""

    action: ClassVar[str] = "yes"


@dataclass(frozen=True, slots=True)
class KeepMe(Press):
    """No, keep everything."""

    action: ClassVar[str] = "no"


CODEC = Codec("del", EraseMe, KeepMe)
