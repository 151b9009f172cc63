"""Callback data of the digest settings (`dg:`), exactly as shipped: old buttons keep working.

`dg:s` opens the settings; one's own digest: `dg:u:x` off, `dg:u:o` on, `dg:u:w:<day>` and
`dg:u:h:<hour>` (coordinators); a managed group's: `dg:g:<group>` opens it, then
`dg:g:<group>:w:<day>`, `:h:<hour>`, `:x`, `:o` and `:l:<language>`. Every rule checks the
person again when pressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.core.errors import StaleButton
from handlers.plumbing.codec import CALLBACK_DATA_LIMIT, Codec, Press

Language = Literal["ky", "ru", "en"]
LANGUAGE_CODES: tuple[Language, ...] = ("ky", "ru", "en")  # as bot.config.LANGUAGES


@dataclass(frozen=True, slots=True)
class OpenSettings(Press):
    """/digest settings (`dg:s`)."""

    action: ClassVar[str] = "s"


@dataclass(frozen=True, slots=True)
class MineOff(Press):
    """Turn my digest off (`dg:u:x`)."""

    action: ClassVar[str] = "ux"


@dataclass(frozen=True, slots=True)
class MineOn(Press):
    """Turn my digest on (`dg:u:o`)."""

    action: ClassVar[str] = "uo"


@dataclass(frozen=True, slots=True)
class MyDay(Press):
    """My digest's day, 0 = Monday (`dg:u:w:<day>`)."""

    action: ClassVar[str] = "uw"
    day: int


@dataclass(frozen=True, slots=True)
class MyHour(Press):
    """My digest's hour, local time (`dg:u:h:<hour>`)."""

    action: ClassVar[str] = "uh"
    hour: int


@dataclass(frozen=True, slots=True)
class OpenGroup(Press):
    """A managed group's digest settings (`dg:g:<group>`)."""

    action: ClassVar[str] = "g"
    group: int


@dataclass(frozen=True, slots=True)
class GroupDay(Press):
    """The group digest's day (`dg:g:<group>:w:<day>`)."""

    action: ClassVar[str] = "gw"
    group: int
    day: int


@dataclass(frozen=True, slots=True)
class GroupHour(Press):
    """The group digest's hour (`dg:g:<group>:h:<hour>`)."""

    action: ClassVar[str] = "gh"
    group: int
    hour: int


@dataclass(frozen=True, slots=True)
class GroupOff(Press):
    """Turn the group's digest off (`dg:g:<group>:x`)."""

    action: ClassVar[str] = "gx"
    group: int


@dataclass(frozen=True, slots=True)
class GroupOn(Press):
    """Turn the group's digest on (`dg:g:<group>:o`)."""

    action: ClassVar[str] = "go"
    group: int


@dataclass(frozen=True, slots=True)
class GroupLanguage(Press):
    """The language of the digest in the group's chat (`dg:g:<group>:l:<language>`)."""

    action: ClassVar[str] = "gl"
    group: int
    language: Language


class DigestCodec(Codec):
    """The codec, reading the shipped shapes whose action is split around the group number.

    A kind's action code is the shipped path without its colons (`uw` for `u:w`, `gw` for
    `g:<group>:w`); the base codec writes `dg:gw:5:3`, which is turned into `dg:g:5:w:3` and
    back. Anything the shipped buttons never carried is a stale button.
    """

    def encode(self, value: Press) -> str:
        """The callback data of a button value, as shipped."""
        prefix, action, *fields = super().encode(value).split(":")
        if len(action) == 2 and action[0] == "u":
            parts = [prefix, "u", action[1], *fields]
        elif len(action) == 2 and action[0] == "g":
            group, *rest = fields
            parts = [prefix, "g", group, action[1], *rest]
        else:
            parts = [prefix, action, *fields]
        data = ":".join(parts)
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        return data

    def decode(self, data: str) -> Press:
        """The button value of shipped data; StaleButton for anything else."""
        prefix, _, rest = data.partition(":")
        match rest.split(":"):
            case ["s"]:
                canonical = [prefix, "s"]
            case ["u", op, *values] if len(op) == 1:
                canonical = [prefix, "u" + op, *values]
            case ["g", group]:
                canonical = [prefix, "g", group]
            case ["g", group, op, *values] if len(op) == 1:
                canonical = [prefix, "g" + op, group, *values]
            case _:
                raise StaleButton
        return super().decode(":".join(canonical))


CODEC = DigestCodec(
    "dg",
    OpenSettings,
    MineOff,
    MineOn,
    MyDay,
    MyHour,
    OpenGroup,
    GroupDay,
    GroupHour,
    GroupOff,
    GroupOn,
    GroupLanguage,
)
