"""Callback data of /export (`exp:`), exactly as shipped: old buttons keep working.

Each step adds one letter: `exp:k:<kind>`, `exp:f:<kind>:<format>`, `exp:p:<kind>:<format>:
<period>`, `exp:r:<kind>:<format>:<period>:<region>` (`-` for the whole area). Under the file,
`exp:m:<kind>:<format>:<period>:<region>` asks for the same export as a zip with the reports'
photos and voice notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from bot.rules.exports import ExportFormat, ExportKind, ExportPeriod
from handlers.plumbing.codec import Codec, Press


class Kind(StrEnum):
    """What to export, as its letter (never renamed once shipped)."""

    INCIDENTS = "i"
    PRACTICES = "p"
    USERS = "u"
    NEEDS = "n"

    @property
    def exported(self) -> ExportKind:
        """What the rules call it."""
        return ExportKind[self.name]

    @classmethod
    def of(cls, kind: ExportKind) -> Kind:
        """The letter of a kind."""
        return cls[kind.name]


class Format(StrEnum):
    """The file's format, as its letter."""

    CSV = "c"
    XLSX = "x"
    GEOJSON = "g"

    @property
    def exported(self) -> ExportFormat:
        """What the rules call it."""
        return ExportFormat[self.name]

    @classmethod
    def of(cls, fmt: ExportFormat) -> Format:
        """The letter of a format."""
        return cls[fmt.name]


class Period(StrEnum):
    """The period, as its letter."""

    WEEK = "w"
    MONTH = "m"
    YEAR = "y"
    ALL = "a"

    @property
    def exported(self) -> ExportPeriod:
        """What the rules call it."""
        return ExportPeriod[self.name]

    @classmethod
    def of(cls, period: ExportPeriod) -> Period:
        """The letter of a period."""
        return cls[period.name]


@dataclass(frozen=True, slots=True)
class PickKind(Press):
    """A kind of records was chosen: ask for the format (`exp:k:<kind>`)."""

    action: ClassVar[str] = "k"
    kind: Kind


@dataclass(frozen=True, slots=True)
class PickFormat(Press):
    """A format was chosen: ask for the period (`exp:f:<kind>:<format>`)."""

    action: ClassVar[str] = "f"
    kind: Kind
    format: Format


@dataclass(frozen=True, slots=True)
class PickPeriod(Press):
    """A period was chosen: ask for the region (`exp:p:<kind>:<format>:<period>`)."""

    action: ClassVar[str] = "p"
    kind: Kind
    format: Format
    period: Period


@dataclass(frozen=True, slots=True)
class PickRegion(Press):
    """A region (None: the whole area) was chosen: send the file (`exp:r:...:<region>`)."""

    action: ClassVar[str] = "r"
    kind: Kind
    format: Format
    period: Period
    region: str | None


@dataclass(frozen=True, slots=True)
class AddMedia(Press):
    """The export just sent, again, with its reports' files in a zip (`exp:m:...:<region>`)."""

    action: ClassVar[str] = "m"
    kind: Kind
    format: Format
    period: Period
    region: str | None


CODEC = Codec("exp", PickKind, PickFormat, PickPeriod, PickRegion, AddMedia)
