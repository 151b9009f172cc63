"""Records of women's needs: a need, one move of its track, a programme, an election result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Need:
    id: int
    author_id: int
    topic: str
    topic_other: str | None
    place_code: str | None
    village: str | None
    heard: str
    women: int
    description: str | None
    voice: Mapping[str, Any] | None
    photos: tuple[Mapping[str, Any], ...]
    proposal: str | None
    stage: str
    reached: str
    stage_on: date | None
    amount_som: int | None
    joined_to: int | None
    reminded_at: datetime | None
    created_at: datetime
    shared_with: tuple[int, ...] = ()
    village_code: str | None = None  # the village picked from the gazetteer; `village` names it


@dataclass(frozen=True, slots=True)
class NeedStage:
    id: int
    need_id: int
    stage: str
    from_stage: str
    happened_on: date
    raised_with: str | None
    amount_som: int | None
    reason: str | None
    evidence: tuple[Mapping[str, Any], ...]
    recorded_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Programme:
    id: int
    author_id: int
    need_ids: tuple[int, ...]
    intro: str | None
    locale: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ElectionResult:
    id: int
    user_id: int
    outcome: str
    election_on: date | None
    place_code: str | None
    created_at: datetime
