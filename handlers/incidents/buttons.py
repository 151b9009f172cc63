"""Callback data of incident reports and their review: the one codec of the `inc:` prefix.

Reporters' and reviewers' buttons share the prefix, as shipped; review's screens encode with
this codec too. Every format is in people's chats and never changes: `inc:l:<page>`,
`inc:m:<n>`, `inc:u:<n>`, `inc:f:<n>:<r|o|w>`, `inc:a:<question>`, `inc:p:<n>`, `inc:o:<n>`,
`inc:n:<after>`, `inc:v:<n>`, `inc:D:<n>:<original>`, `inc:q:<n>`, `inc:d:<n>`, `inc:r:<n>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from handlers.plumbing.codec import Codec, Press


class Said(StrEnum):
    """The answer to the weekly follow-up question, by its letter in the data."""

    RESOLVED = "r"
    OPEN = "o"
    WORSE = "w"

    @property
    def outcome(self) -> str:
        """The stored outcome code (FOLLOWUP_OUTCOMES)."""
        return {"r": "resolved", "o": "open", "w": "worse"}[self.value]

    @classmethod
    def of(cls, outcome: str) -> Said:
        """The letter of a stored outcome code."""
        return next(s for s in cls if s.outcome == outcome)


# ---------------------------------------------------------------------- the reporter's


@dataclass(frozen=True, slots=True)
class MyReports(Press):
    """The list of one's reports (only the first page exists)."""

    action: ClassVar[str] = "l"
    page: int = 0


@dataclass(frozen=True, slots=True)
class MyReport(Press):
    """One of one's reports."""

    action: ClassVar[str] = "m"
    number: int


@dataclass(frozen=True, slots=True)
class AddNews(Press):
    """Add news to one's report."""

    action: ClassVar[str] = "u"
    number: int


@dataclass(frozen=True, slots=True)
class AnswerFollowup(Press):
    """The answer to the weekly question about a report."""

    action: ClassVar[str] = "f"
    number: int
    said: Said


@dataclass(frozen=True, slots=True)
class ReplyToQuestion(Press):
    """Answer a coordinator's question (the question's id)."""

    action: ClassVar[str] = "a"
    question: int


@dataclass(frozen=True, slots=True)
class ShowMedia(Press):
    """The photos and voice notes of a report."""

    action: ClassVar[str] = "p"
    number: int


# ---------------------------------------------------------------------- the reviewer's


@dataclass(frozen=True, slots=True)
class OpenReport(Press):
    """A report opened for review (from an alert, an answer, a list)."""

    action: ClassVar[str] = "o"
    number: int


@dataclass(frozen=True, slots=True)
class NextReport(Press):
    """The next report waiting after this number."""

    action: ClassVar[str] = "n"
    after: int


@dataclass(frozen=True, slots=True)
class Verify(Press):
    action: ClassVar[str] = "v"
    number: int


@dataclass(frozen=True, slots=True)
class JoinDuplicate(Press):
    """Mark a report a duplicate of the original the bot flagged."""

    action: ClassVar[str] = "D"
    number: int
    original: int


@dataclass(frozen=True, slots=True)
class AskReporter(Press):
    action: ClassVar[str] = "q"
    number: int


@dataclass(frozen=True, slots=True)
class TypeDuplicate(Press):
    """Mark a report a duplicate of a number typed."""

    action: ClassVar[str] = "d"
    number: int


@dataclass(frozen=True, slots=True)
class Reject(Press):
    action: ClassVar[str] = "r"
    number: int


CODEC = Codec(
    "inc",
    MyReports,
    MyReport,
    AddNews,
    AnswerFollowup,
    ReplyToQuestion,
    ShowMedia,
    OpenReport,
    NextReport,
    Verify,
    JoinDuplicate,
    AskReporter,
    TypeDuplicate,
    Reject,
)
