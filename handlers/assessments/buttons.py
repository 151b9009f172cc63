"""Callback data of rapid assessments (`as:`), exactly as shipped: old buttons keep working."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.core.errors import StaleButton
from handlers.plumbing.codec import Codec, Press


@dataclass(frozen=True, slots=True)
class Home(Press):
    """The assessed aiyl aimaks (`as:h`)."""

    action: ClassVar[str] = "h"


@dataclass(frozen=True, slots=True)
class NewAssessment(Press):
    """A new assessment: of the aiyl aimak named (`as:n:<place>`), or one to choose (`as:n`)."""

    action: ClassVar[str] = "n"
    place: str | None = None


@dataclass(frozen=True, slots=True)
class OpenProfile(Press):
    """An aiyl aimak's latest assessment and what changed (`as:p:<place>`)."""

    action: ClassVar[str] = "p"
    place: str


@dataclass(frozen=True, slots=True)
class OverTime(Press):
    """An aiyl aimak's assessments side by side, dates as columns (`as:t:<place>`)."""

    action: ClassVar[str] = "t"
    place: str


@dataclass(frozen=True, slots=True)
class Compare(Press):
    """The five target aiyl aimaks side by side (`as:c`)."""

    action: ClassVar[str] = "c"


class AssessmentCodec(Codec):
    """The codec, and the one shipped action whose field may be left out.

    `as:n` (choose the aiyl aimak) and `as:n:<place>` are one action; a codec writes an absent
    value as `-`, which these buttons never carried.
    """

    def encode(self, value: Press) -> str:
        """The callback data of a button value."""
        if isinstance(value, NewAssessment) and value.place is None:
            return f"{self.prefix}:{NewAssessment.action}"
        return super().encode(value)

    def decode(self, data: str) -> Press:
        """The button value of `data`; StaleButton for anything never written."""
        if data == f"{self.prefix}:{NewAssessment.action}":
            return NewAssessment()
        value = super().decode(data)
        if isinstance(value, NewAssessment) and value.place is None:  # `as:n:-`
            raise StaleButton
        return value


CODEC = AssessmentCodec("as", Home, NewAssessment, OpenProfile, Compare, OverTime)
