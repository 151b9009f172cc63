"""A page of a long list: which page is shown, of how many, and the number of its first item."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Paging:
    """Where a shown page sits in a list of `total` items, `per_page` to a page."""

    page: int  # from 0
    pages: int  # at least 1, even for an empty list
    total: int
    per_page: int

    @classmethod
    def of(cls, total: int, page: int, per_page: int) -> Paging:
        """The page asked for, moved into range (a list may have shrunk since its button)."""
        pages = max(1, math.ceil(total / per_page))
        return cls(min(max(page, 0), pages - 1), pages, total, per_page)

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return self.page * self.per_page

    @property
    def first(self) -> int:
        """The number (from 1) of the page's first item."""
        return self.offset + 1

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page < self.pages - 1
