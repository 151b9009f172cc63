"""Callback data of the dashboard's chat screens: a one-time link for a browser (`db:l`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from handlers.plumbing.codec import Codec, Press


@dataclass(frozen=True, slots=True)
class MakeLoginLink(Press):
    """Give me a link to open the dashboard in a browser (made only when asked)."""

    action: ClassVar[str] = "l"


CODEC = Codec("db", MakeLoginLink)
