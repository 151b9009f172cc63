"""Callback data of women's needs (`nd:`), exactly as shipped: old buttons keep working."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from handlers.plumbing.codec import Codec, Press


@dataclass(frozen=True, slots=True)
class OpenMyNeeds(Press):
    """Her own needs (`nd:l`)."""

    action: ClassVar[str] = "l"


@dataclass(frozen=True, slots=True)
class OpenShared(Press):
    """Needs the members of her groups shared (`nd:g`)."""

    action: ClassVar[str] = "g"


@dataclass(frozen=True, slots=True)
class OpenOverview(Press):
    """A coordinator's overview of needs (`nd:o`)."""

    action: ClassVar[str] = "o"


@dataclass(frozen=True, slots=True)
class OpenResults(Press):
    """Candidates' election results (`nd:r`)."""

    action: ClassVar[str] = "r"


@dataclass(frozen=True, slots=True)
class NoChangeYet(Press):
    """The answer to the monthly reminder: nothing moved (`nd:k`)."""

    action: ClassVar[str] = "k"


@dataclass(frozen=True, slots=True)
class OpenTopic(Press):
    """The needs of one topic, for a coordinator (`nd:t:<topic>`)."""

    action: ClassVar[str] = "t"
    topic: str


@dataclass(frozen=True, slots=True)
class OpenNeed(Press):
    """A need's card (`nd:v:<need>`)."""

    action: ClassVar[str] = "v"
    need: int


@dataclass(frozen=True, slots=True)
class ShowFiles(Press):
    """A need's photos and documents (`nd:f:<need>`)."""

    action: ClassVar[str] = "f"
    need: int


@dataclass(frozen=True, slots=True)
class RecordProgress(Press):
    """Open the stage form of a need (`nd:m:<need>`)."""

    action: ClassVar[str] = "m"
    need: int


@dataclass(frozen=True, slots=True)
class Share(Press):
    """Share a need: with her only group, or ask which (`nd:s:<need>`)."""

    action: ClassVar[str] = "s"
    need: int


@dataclass(frozen=True, slots=True)
class ShareWith(Press):
    """Share a need with one of her groups; group 0 is all of them (`nd:sg:<need>:<group>`)."""

    action: ClassVar[str] = "sg"
    need: int
    group: int


@dataclass(frozen=True, slots=True)
class Unshare(Press):
    """Make a need private again (`nd:u:<need>`)."""

    action: ClassVar[str] = "u"
    need: int


@dataclass(frozen=True, slots=True)
class ChooseJoin(Press):
    """Which need this one may join (`nd:j:<need>`)."""

    action: ClassVar[str] = "j"
    need: int


@dataclass(frozen=True, slots=True)
class Join(Press):
    """Join a need into another's initiative (`nd:jn:<need>:<into>`)."""

    action: ClassVar[str] = "jn"
    need: int
    into: int


CODEC = Codec(
    "nd",
    OpenMyNeeds,
    OpenShared,
    OpenOverview,
    OpenResults,
    NoChangeYet,
    OpenTopic,
    OpenNeed,
    ShowFiles,
    RecordProgress,
    Share,
    ShareWith,
    Unshare,
    ChooseJoin,
    Join,
)
