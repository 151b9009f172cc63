"""Callback data as typed values: each feature's `buttons.py` declares them, one codec reads them.

A button's value is a small frozen dataclass (`OpenReport(number=7)`); its codec writes it as
`inc:o:7` and reads it back, or raises StaleButton for anything it did not write: an unknown
action, a missing or extra field, a number out of range, a word with characters it never
writes. So a forged, truncated or outdated button is answered as "no longer active" and never
reaches a rule with a value the rule did not expect.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any, ClassVar, Literal, TypeVar, get_args, get_origin, get_type_hints

from bot.core.errors import StaleButton

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data
NONE = "-"  # an absent optional value
# SQLite's integer is 64-bit signed: a larger id could never name a row, and would overflow.
LARGEST_ID = 2**63 - 1
WORD = re.compile(r"[A-Za-z0-9_.-]{1,40}")

P = TypeVar("P", bound="Press")


class Press:
    """Base of every button value: a frozen dataclass with a class-level `action` code."""

    action: ClassVar[str]


class Codec:
    """Writes and reads one feature's button values as `<prefix>:<action>[:<field>...]`.

    A codec of a single kind may give it the action code "": then it is `<prefix>:<field>...`.
    """

    def __init__(self, prefix: str, *kinds: type[Press]) -> None:
        if not WORD.fullmatch(prefix) or ":" in prefix:
            raise ValueError(f"bad callback prefix {prefix!r}")
        self.prefix = prefix
        self.kinds: dict[str, type[Press]] = {}
        for kind in kinds:
            if not is_dataclass(kind):
                raise TypeError(f"{kind.__name__} must be a dataclass")
            if kind.action in self.kinds:
                raise ValueError(f"{prefix}:{kind.action} is declared twice")
            _field_types(kind)  # fails at import time on a field type the codec cannot write
            self.kinds[kind.action] = kind
        if "" in self.kinds and len(self.kinds) > 1:
            raise ValueError(f"{prefix}: a button without an action code must be the only one")

    def encode(self, value: Press) -> str:
        """The callback data of a button value; at most 64 bytes or ValueError."""
        kind = type(value)
        if self.kinds.get(kind.action) is not kind:
            raise ValueError(f"{kind.__name__} is not a {self.prefix}: button")
        parts = [self.prefix, kind.action] if kind.action else [self.prefix]
        for name, hint in _field_types(kind):
            parts.append(_write(getattr(value, name), hint, name))
        data = ":".join(parts)
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        return data

    def decode(self, data: str) -> Press:
        """The button value this codec wrote as `data`; StaleButton for anything else."""
        prefix, _, rest = data.partition(":")
        if "" in self.kinds:  # `<prefix>:<fields>`, the codec's only kind
            action, tail = "", rest
        else:
            action, _, tail = rest.partition(":")
        kind = self.kinds.get(action)
        if prefix != self.prefix or kind is None:
            raise StaleButton
        types_ = _field_types(kind)
        parts = tail.split(":") if tail else []
        if len(parts) != len(types_):
            raise StaleButton
        values = [_read(part, hint) for part, (_, hint) in zip(parts, types_, strict=True)]
        return kind(*values)

    def owns(self, data: str) -> bool:
        """Whether callback data starts with this codec's prefix."""
        return data.startswith(self.prefix + ":")


_FIELD_TYPES: dict[type[Press], tuple[tuple[str, Any], ...]] = {}


def _field_types(kind: type[Press]) -> tuple[tuple[str, Any], ...]:
    """(name, type) of each field of a button value, read once per class."""
    known = _FIELD_TYPES.get(kind)
    if known is not None:
        return known
    hints = get_type_hints(kind)
    found = []
    for field in fields(kind):  # type: ignore[arg-type]
        hint = hints[field.name]
        _check_writable(hint, f"{kind.__name__}.{field.name}")
        found.append((field.name, hint))
    _FIELD_TYPES[kind] = tuple(found)
    return _FIELD_TYPES[kind]


@functools.cache  # hints are few and hashable; typing's introspection is not cheap
def _optional(hint: Any) -> tuple[bool, Any]:
    """(is optional, the inner type) of `X | None`."""
    if get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(get_args(hint)) == 2:
            return True, args[0]
    return False, hint


def _check_writable(hint: Any, where: str) -> None:
    _, inner = _optional(hint)
    if inner in (int, str, bool) or get_origin(inner) is Literal:
        return
    if isinstance(inner, type) and issubclass(inner, Enum):
        return
    raise TypeError(f"{where}: a button field must be int, str, bool, an Enum or a Literal")


def _write(value: Any, hint: Any, name: str) -> str:
    optional, inner = _optional(hint)
    if value is None:
        if not optional:
            raise ValueError(f"{name} may not be None")
        return NONE
    if inner is bool:
        return "1" if value else "0"
    if isinstance(value, Enum):
        text = str(value.value)
    elif inner is int:
        if not isinstance(value, int) or not 0 <= value <= LARGEST_ID:
            raise ValueError(f"{name}={value!r} is not an id")
        return str(value)
    else:
        text = str(value)
    if not WORD.fullmatch(text) or (optional and text == NONE):
        raise ValueError(f"{name}={text!r} cannot be written in callback data")
    return text


def _read(part: str, hint: Any) -> Any:
    optional, inner = _optional(hint)
    if optional and part == NONE:
        return None
    if inner is int:
        if not part.isdigit() or not part.isascii() or int(part) > LARGEST_ID:
            raise StaleButton
        return int(part)
    if inner is bool:
        if part not in ("0", "1"):
            raise StaleButton
        return part == "1"
    if not WORD.fullmatch(part):
        raise StaleButton
    if get_origin(inner) is Literal:
        if part not in get_args(inner):
            raise StaleButton
        return part
    if isinstance(inner, type) and issubclass(inner, Enum):
        try:
            return inner(part)
        except ValueError:
            raise StaleButton from None
    return part
