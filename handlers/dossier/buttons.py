"""Callback data of incident dossiers (`dos:`): one report, or a set chosen step by step.

`dos:r:<n>` (a report's dossier, from its review card), `dos:h` (the period question, from
/export), then `dos:a:<days>`, `dos:s:<days>:<place>`, `dos:t:<days>:<place>:<resource>` and
`dos:g:<days>:<place>:<resource>:<status>`, where `-` is "any".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from handlers.plumbing.codec import Codec, Press


@dataclass(frozen=True, slots=True)
class ReportDossier(Press):
    """The dossier of one report (`dos:r:<n>`)."""

    action: ClassVar[str] = "r"
    number: int


@dataclass(frozen=True, slots=True)
class ChoosePeriod(Press):
    """A dossier of several reports: which period (`dos:h`)."""

    action: ClassVar[str] = "h"


@dataclass(frozen=True, slots=True)
class ChooseArea(Press):
    """Then which place (`dos:a:<days>`)."""

    action: ClassVar[str] = "a"
    days: int


@dataclass(frozen=True, slots=True)
class ChooseResource(Press):
    """Then which resource (`dos:s:<days>:<place>`)."""

    action: ClassVar[str] = "s"
    days: int
    place: str | None


@dataclass(frozen=True, slots=True)
class ChooseStatus(Press):
    """Then which reports (`dos:t:<days>:<place>:<resource>`)."""

    action: ClassVar[str] = "t"
    days: int
    place: str | None
    resource: str | None


@dataclass(frozen=True, slots=True)
class MakeDossier(Press):
    """The dossier of the chosen reports (`dos:g:<days>:<place>:<resource>:<status>`)."""

    action: ClassVar[str] = "g"
    days: int
    place: str | None
    resource: str | None
    status: str | None


CODEC = Codec(
    "dos", ReportDossier, ChoosePeriod, ChooseArea, ChooseResource, ChooseStatus, MakeDossier
)
