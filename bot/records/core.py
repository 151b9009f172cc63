"""Typed records the core repositories return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class User:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language: str
    kind: str | None
    place_code: str | None
    place_other: str | None
    privacy_accepted_at: datetime | None
    pseudonym: str
    active: bool  # neither blocked nor deactivated: messages may be sent
    created_at: datetime
    blocked: bool = False  # the person blocked the bot; unblocking clears it
    deactivated_at: datetime | None = None  # by an administrator; only one may undo it

    @property
    def deactivated(self) -> bool:
        """Whether an administrator deactivated the person."""
        return self.deactivated_at is not None

    @property
    def onboarded(self) -> bool:
        """Whether the person finished onboarding (accepted the privacy notice)."""
        return self.privacy_accepted_at is not None

    @property
    def display_name(self) -> str:
        """Name as coordinators see it (never for anonymous reports)."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return f"{name} (@{self.username})" if self.username else name


@dataclass(frozen=True, slots=True)
class Role:
    user_id: int
    role: str
    scope_kind: str
    scope_value: str


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    role: str
    scope_kind: str
    scope_value: str
    created_by: int
    used_by: int | None
    created_at: datetime
    # Set when the link is first used; it stays when the person who used it is erased (her
    # id goes), so an erasure never makes a spent link work again.
    used_at: datetime | None = None

    @property
    def used(self) -> bool:
        """Whether someone has already opened the link."""
        return self.used_at is not None or self.used_by is not None


@dataclass(frozen=True, slots=True)
class Draft:
    id: str
    user_id: int
    chat_id: int
    form_id: str
    form_version: int
    answers: Mapping[str, Any]
    step: str
    context: Mapping[str, Any] = field(default_factory=dict)
    status: str = "open"
    result: Mapping[str, Any] | None = None
    updated_at: datetime | None = None
    revision: int = 0  # bumped by every save


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    entity: str
    entity_id: str
    action: str
    from_value: str | None
    to_value: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Purged:
    """How many photo and voice file ids media retention removed, by table."""

    incident_files: int = 0
    practice_files: int = 0
    need_files: int = 0
    need_evidence: int = 0

    @property
    def total(self) -> int:
        return self.incident_files + self.practice_files + self.need_files + self.need_evidence
