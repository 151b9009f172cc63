"""Places typed by hand where the gazetteer's list had none ("Other / not listed")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Where a typed place is kept: a report's `place_other`, a person's `place_other`, or the
# `village` of a need whose aiyl aimak was not listed.
Holder = Literal["incident", "user", "need"]


@dataclass(frozen=True, slots=True)
class TypedPlace:
    """One record's place as typed, not attached to the gazetteer yet.

    `within` is the place the person chose before typing (the oblast or rayon of the list
    she left), so the place she meant lies inside it; None when she chose none. `seen_at` is
    the place that decides whose reach holds the record: `within`, or for a need (typed with
    no list before it) its author's place.
    """

    holder: Holder
    id: int
    typed: str
    within: str | None
    seen_at: str | None


@dataclass(frozen=True, slots=True)
class PlaceCodes:
    """The gazetteer codes a record gets when its typed place is attached."""

    admin1: str | None  # oblast
    admin2: str | None  # rayon or city
    admin3: str | None  # aiyl aimak
    village: str | None
    place: str  # the place attached (the most precise of them)
