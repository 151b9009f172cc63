"""Callback data of practices and the recommendations (`pr:`), as shipped.

`pr:l:<topic|->:<region|->:<n|u>:<page>` lists, `pr:t:` and `pr:r:` ask for a filter,
`pr:o:<practice>` opens one, `pr:h:` "this helped me", `pr:q:` asks its author, `pr:an:<question>`
answers, `pr:my:<page>` my practices, `pr:sf` the search form, `pr:s:<search>:<page>` matches,
`pr:e:<practice>` edits, `pr:w:<page>` the approval queue, `pr:ok:`, `pr:ed:`, `pr:dc:` review,
`pr:x`, `pr:xt:<topic|->`, `pr:xp:<topic|->:<days>`, `pr:xf:<topic|->:<days>:<format>` the
recommendations document. Buttons carry ids only: every rule checks the person again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from bot.rules.practices import Order
from handlers.plumbing.codec import Codec, Press


class Sort(StrEnum):
    """The list's order as written in buttons."""

    NEWEST = "n"
    MOST_USEFUL = "u"

    @property
    def order(self) -> Order:
        return Order.MOST_USEFUL if self is Sort.MOST_USEFUL else Order.NEWEST

    @classmethod
    def of(cls, order: Order) -> Sort:
        """The button code of an order."""
        return cls.MOST_USEFUL if order is Order.MOST_USEFUL else cls.NEWEST


@dataclass(frozen=True, slots=True)
class ListPractices(Press):
    """A page of practices, filtered by topic and region (None: all), in an order."""

    action: ClassVar[str] = "l"
    topic: str | None
    region: str | None
    sort: Sort
    page: int


@dataclass(frozen=True, slots=True)
class ChooseTopic(Press):
    """Ask for the topic filter, keeping the region and order."""

    action: ClassVar[str] = "t"
    region: str | None
    sort: Sort


@dataclass(frozen=True, slots=True)
class ChooseRegion(Press):
    """Ask for the region filter, keeping the topic and order."""

    action: ClassVar[str] = "r"
    topic: str | None
    sort: Sort


@dataclass(frozen=True, slots=True)
class OpenPractice(Press):
    """A practice in full."""

    action: ClassVar[str] = "o"
    practice: int


@dataclass(frozen=True, slots=True)
class MarkHelpful(Press):
    """This helped me."""

    action: ClassVar[str] = "h"
    practice: int


@dataclass(frozen=True, slots=True)
class AskAuthor(Press):
    """Ask the author a question through the bot."""

    action: ClassVar[str] = "q"
    practice: int


@dataclass(frozen=True, slots=True)
class AnswerQuestion(Press):
    """The author answers a relayed question."""

    action: ClassVar[str] = "an"
    question: int


@dataclass(frozen=True, slots=True)
class MyPractices(Press):
    """A page of my own practices."""

    action: ClassVar[str] = "my"
    page: int


@dataclass(frozen=True, slots=True)
class SearchForm(Press):
    """Ask for a word to search for."""

    action: ClassVar[str] = "sf"


@dataclass(frozen=True, slots=True)
class SearchResults(Press):
    """A page of a saved search's matches."""

    action: ClassVar[str] = "s"
    search: int
    page: int


@dataclass(frozen=True, slots=True)
class EditPractice(Press):
    """The author edits a practice not yet published."""

    action: ClassVar[str] = "e"
    practice: int


@dataclass(frozen=True, slots=True)
class WaitingPractices(Press):
    """A page of the practices waiting for my approval."""

    action: ClassVar[str] = "w"
    page: int


@dataclass(frozen=True, slots=True)
class Approve(Press):
    """Publish a practice."""

    action: ClassVar[str] = "ok"
    practice: int


@dataclass(frozen=True, slots=True)
class AskForEdits(Press):
    """Send a practice back to its author with a comment."""

    action: ClassVar[str] = "ed"
    practice: int


@dataclass(frozen=True, slots=True)
class Decline(Press):
    """Decline a practice with a reason."""

    action: ClassVar[str] = "dc"
    practice: int


@dataclass(frozen=True, slots=True)
class Recommendations(Press):
    """The recommendations document: first, which topic."""

    action: ClassVar[str] = "x"


@dataclass(frozen=True, slots=True)
class DocumentTopic(Press):
    """The document's topic is chosen (None: all): which period."""

    action: ClassVar[str] = "xt"
    topic: str | None


@dataclass(frozen=True, slots=True)
class DocumentPeriod(Press):
    """Topic and period chosen: which file format."""

    action: ClassVar[str] = "xp"
    topic: str | None
    days: int


@dataclass(frozen=True, slots=True)
class DocumentFile(Press):
    """Everything chosen: the document as a file."""

    action: ClassVar[str] = "xf"
    topic: str | None
    days: int
    format: str


CODEC = Codec(
    "pr",
    ListPractices,
    ChooseTopic,
    ChooseRegion,
    OpenPractice,
    MarkHelpful,
    AskAuthor,
    AnswerQuestion,
    MyPractices,
    SearchForm,
    SearchResults,
    EditPractice,
    WaitingPractices,
    Approve,
    AskForEdits,
    Decline,
    Recommendations,
    DocumentTopic,
    DocumentPeriod,
    DocumentFile,
)
