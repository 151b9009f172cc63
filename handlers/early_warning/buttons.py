"""Callback data of early warning (`ew:`), as shipped: `ew:w` the watch list, `ew:p:<place>`
a place's last 8 weeks, `ew:r:<place>` its reports. The place is checked again when pressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from handlers.plumbing.codec import Codec, Press


@dataclass(frozen=True, slots=True)
class OpenWatch(Press):
    """The places rising or calming in the coordinator's reach (`ew:w`)."""

    action: ClassVar[str] = "w"


@dataclass(frozen=True, slots=True)
class OpenWeeks(Press):
    """An aiyl aimak's last 8 weeks (`ew:p:<place>`)."""

    action: ClassVar[str] = "p"
    place: str


@dataclass(frozen=True, slots=True)
class OpenReports(Press):
    """An aiyl aimak's reports of the signal's weeks (`ew:r:<place>`)."""

    action: ClassVar[str] = "r"
    place: str


CODEC = Codec("ew", OpenWatch, OpenWeeks, OpenReports)
