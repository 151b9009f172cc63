"""Callback data of the typed places: the list (`pl:l`) and one typed name (`pl:o:i:7`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from handlers.plumbing.codec import Codec, Press

# Where the typed name is kept: a report, a person's profile, a need.
HOLDERS = {"i": "incident", "u": "user", "n": "need"}
HOLDER_LETTERS = {holder: letter for letter, holder in HOLDERS.items()}


@dataclass(frozen=True, slots=True)
class ListTyped(Press):
    """The typed places in one's reach."""

    action: ClassVar[str] = "l"


@dataclass(frozen=True, slots=True)
class OpenTyped(Press):
    """Attach the name one record holds (and every record sharing it) to a listed place."""

    action: ClassVar[str] = "o"
    holder: Literal["i", "u", "n"]
    id: int


CODEC = Codec("pl", ListTyped, OpenTyped)
