"""Practices as storage returns them, and the questions a query about them asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STATUSES = ("pending", "changes", "approved", "declined")


@dataclass(frozen=True, slots=True)
class PracticeFile:
    kind: str  # photo | document | voice
    file_id: str
    unique_id: str | None = None
    mime: str | None = None
    name: str | None = None
    duration: int | None = None


@dataclass(frozen=True, slots=True)
class PracticeContent:
    """What the author wrote; the form's answers in stored form."""

    topic: str
    topic_other: str | None
    title: str
    situation: str
    actions: str
    result: str
    plan_budget: str | None
    amount_som: int | None
    advice: str
    visible_to_all: bool
    allow_contact: bool
    show_author: bool


@dataclass(frozen=True, slots=True)
class Practice:
    id: int
    draft_id: str
    form_version: int
    author_id: int | None
    author_kind: str | None
    place_code: str | None
    content: PracticeContent
    status: str
    review_note: str | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    approved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    helpful: int = 0

    @property
    def title(self) -> str:
        return self.content.title

    @property
    def topic(self) -> str:
        return self.content.topic


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    practice_id: int
    asker_id: int
    question: str
    asker_shares: bool
    answer: str | None
    author_shares: bool
    asked_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Viewer:
    """Whose eyes a query is for: their memberships are read in SQL, their reach given here."""

    user_id: int
    sees_all: bool = False  # an administrator, or a coordinator for the whole country
    places: tuple[str, ...] = ()  # the places a coordinator's reach covers
    groups: tuple[int, ...] = ()  # the groups a coordinator's reach covers


@dataclass(frozen=True, slots=True)
class Filter:
    topic: str | None = None
    places: tuple[str, ...] | None = None  # None: anywhere
    match: str | None = None  # an FTS5 expression from `match_expression`
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class PracticeLine:
    """A practice as a digest lists it: its title, topic and "helped me" marks."""

    id: int
    title: str
    topic: str
    topic_other: str | None
    helpful: int  # "helped me" marks: in the week for the most helpful, else in all
