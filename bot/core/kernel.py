"""The kernel: what every rule may use, built once at start-up and handed to each feature."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from bot.clock import Clock
from bot.config import Settings
from bot.core.access import Access
from bot.core.actors import Actors
from bot.core.media import MediaFetcher, NoMediaFetcher
from bot.core.notices import Notifier
from bot.gazetteer import Gazetteer
from bot.records.documents import DocumentSetup
from storage.db import Database

T = TypeVar("T")


@dataclass(eq=False)
class Kernel:
    """Settings, storage, time, places, access, the notifier and media ports; the rules.

    Rules objects are registered by their class as the features are installed, so a rule that
    needs another asks `kernel.get(GroupRules)` instead of taking it as one more argument.
    """

    settings: Settings
    db: Database
    clock: Clock
    gazetteer: Gazetteer
    access: Access
    notifier: Notifier
    bot_username: str = ""  # for links that open the bot (peer-group invitations)
    media: MediaFetcher = field(default_factory=NoMediaFetcher)  # downloads people's files
    _parts: dict[type, object] = field(default_factory=dict)

    @cached_property
    def actors(self) -> Actors:
        """Resolves who is behind a request."""
        return Actors(self.db, self.settings, self.gazetteer)

    @cached_property
    def documents(self) -> DocumentSetup:
        """The organisation's name and letterhead, for every Word document."""
        return DocumentSetup(
            organisation=self.settings.organisation, letterhead=self.settings.letterhead_path
        )

    def add(self, part: T) -> T:
        """Register a feature's rules object under its class."""
        kind = type(part)
        if kind in self._parts:
            raise ValueError(f"{kind.__name__} is registered twice")
        self._parts[kind] = part
        return part

    def get(self, kind: type[T]) -> T:
        """The registered rules object of this class."""
        try:
            part = self._parts[kind]
        except KeyError:
            raise LookupError(f"no {kind.__name__}: is its feature installed?") from None
        assert isinstance(part, kind)
        return part

    def parts(self) -> Iterator[object]:
        """Every registered rules object, in the order the features were installed."""
        return iter(self._parts.values())
