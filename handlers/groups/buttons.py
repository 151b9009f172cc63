"""Callback data of peer groups (`grp:`), as shipped.

`grp:j:<code>` joins by an invitation's code, `grp:n` declines it, `grp:ls` lists my groups,
`grp:new` creates one; a member's `grp:g:`, `grp:lv:`, `grp:lvy:<group>`; a manager's
`grp:m:<group>`, `grp:mb:<group>:<page>`, `grp:rm:` and `grp:rmy:<group>:<member>`, `grp:rn:`,
`grp:cl:`, `grp:cly:<group>`, `grp:d:<group>:<m|c|b>`, `grp:ul:<group>`, and the private
confirmation of /linkgroup, `grp:lk:<request>:<group>`. Every rule checks the person again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from handlers.plumbing.codec import Codec, Press

DeliveryCode = Literal["m", "c", "b"]
DELIVERY_MODES: dict[DeliveryCode, str] = {"m": "members", "c": "chat", "b": "both"}


@dataclass(frozen=True, slots=True)
class Join(Press):
    """Join the group of this invitation code."""

    action: ClassVar[str] = "j"
    code: str


@dataclass(frozen=True, slots=True)
class NoThanks(Press):
    """Decline an invitation."""

    action: ClassVar[str] = "n"


@dataclass(frozen=True, slots=True)
class AllGroups(Press):
    """My groups, and the ones I manage."""

    action: ClassVar[str] = "ls"


@dataclass(frozen=True, slots=True)
class NewGroup(Press):
    """Create a group."""

    action: ClassVar[str] = "new"


@dataclass(frozen=True, slots=True)
class MyGroup(Press):
    """One of my groups, as a member."""

    action: ClassVar[str] = "g"
    group: int


@dataclass(frozen=True, slots=True)
class Leave(Press):
    """Ask before leaving a group."""

    action: ClassVar[str] = "lv"
    group: int


@dataclass(frozen=True, slots=True)
class LeaveConfirmed(Press):
    """Yes, leave."""

    action: ClassVar[str] = "lvy"
    group: int


@dataclass(frozen=True, slots=True)
class Manage(Press):
    """A group I manage."""

    action: ClassVar[str] = "m"
    group: int


@dataclass(frozen=True, slots=True)
class Members(Press):
    """A page of a managed group's members."""

    action: ClassVar[str] = "mb"
    group: int
    page: int


@dataclass(frozen=True, slots=True)
class Remove(Press):
    """Ask before removing a member."""

    action: ClassVar[str] = "rm"
    group: int
    member: int


@dataclass(frozen=True, slots=True)
class RemoveConfirmed(Press):
    """Yes, remove."""

    action: ClassVar[str] = "rmy"
    group: int
    member: int


@dataclass(frozen=True, slots=True)
class Rename(Press):
    """Rename a managed group."""

    action: ClassVar[str] = "rn"
    group: int


@dataclass(frozen=True, slots=True)
class Close(Press):
    """Ask before closing a managed group."""

    action: ClassVar[str] = "cl"
    group: int


@dataclass(frozen=True, slots=True)
class CloseConfirmed(Press):
    """Yes, close it."""

    action: ClassVar[str] = "cly"
    group: int


@dataclass(frozen=True, slots=True)
class Deliver(Press):
    """Where the group's digests go: members, the linked chat, or both."""

    action: ClassVar[str] = "d"
    group: int
    to: DeliveryCode

    @property
    def mode(self) -> str:
        """The delivery mode as stored."""
        return DELIVERY_MODES[self.to]


@dataclass(frozen=True, slots=True)
class Unlink(Press):
    """Unlink the group's chat."""

    action: ClassVar[str] = "ul"
    group: int


@dataclass(frozen=True, slots=True)
class LinkChat(Press):
    """The chat of this /linkgroup request is for this group."""

    action: ClassVar[str] = "lk"
    request: int
    group: int


def deliver(group: int, mode: str) -> Deliver:
    """The button that sends a group's digests to `mode` (members, chat or both)."""
    code = next(c for c, m in DELIVERY_MODES.items() if m == mode)
    return Deliver(group, code)


CODEC = Codec(
    "grp",
    Join,
    NoThanks,
    AllGroups,
    NewGroup,
    MyGroup,
    Leave,
    LeaveConfirmed,
    Manage,
    Members,
    Remove,
    RemoveConfirmed,
    Rename,
    Close,
    CloseConfirmed,
    Deliver,
    Unlink,
    LinkChat,
)
