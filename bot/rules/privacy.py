"""What the bot stores about a person (/mydata) and erasing it (/deleteme).

Each feature that holds personal data exports and erases its own part (`HoldsPersonalData`,
registered by the wiring under the feature's name, which is its key in /mydata); the core
tables (profile, roles, drafts, memberships) are handled here. Erasure runs in one
transaction, then the WAL is checkpointed so the erased pages leave it too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.core.access import Actor
from bot.core.errors import NotRegistered
from bot.core.kernel import Kernel
from storage.connection import Connection
from storage.privacy import PrivacyRepository
from storage.users import RoleRepository, UserRepository

log = logging.getLogger(__name__)

Exporter = Callable[[Connection, int], Awaitable[Any]]
Eraser = Callable[[Connection, int, str], Awaitable[None]]


@runtime_checkable
class HoldsPersonalData(Protocol):
    """Rules that store personal data: they export it (/mydata) and erase it (/deleteme)."""

    async def export_personal(self, conn: Connection, user_id: int) -> Any: ...

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None: ...


class PrivacyRules:
    """Each feature registers how to export and erase its part; the core owns the rest."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self._exporters: dict[str, Exporter] = {}
        self._erasers: list[Eraser] = []
        # Run after the erasure commits: work outside the database (the media folder's files).
        self.after_erase: list[Callable[[], Awaitable[None]]] = []

    def register(self, name: str, *, export: Exporter, erase: Eraser) -> None:
        """Add a feature's part (reports, practices, ...) under its name."""
        self._exporters[name] = export
        self._erasers.append(erase)

    async def export_for(self, actor: Actor) -> dict[str, Any]:
        """Everything stored about the person, as JSON-ready data."""
        async with self.kernel.db.reading() as conn:
            user = await UserRepository(conn).get(actor.user_id)
            if user is None:
                raise NotRegistered
            roles = await RoleRepository(conn).for_user(actor.user_id)
            data: dict[str, Any] = {
                "profile": _jsonable(asdict(user)),
                "roles": [_jsonable(asdict(r)) for r in roles],
            }
            for name, export in self._exporters.items():
                data[name] = _jsonable(await export(conn, actor.user_id))
        return data

    async def erase(self, actor: Actor) -> None:
        """Erase the person; features anonymise what the community's record must keep."""
        db = self.kernel.db
        async with db.transaction() as conn:
            user = await UserRepository(conn).get(actor.user_id)
            if user is None:
                raise NotRegistered
            for erase in self._erasers:
                await erase(conn, actor.user_id, user.pseudonym)
            await PrivacyRepository(conn).erase_core(actor.user_id)
        for work in self.after_erase:
            try:
                await work()
            except Exception:  # the erasure is committed; the work is retried by its job
                log.exception("work after an erasure failed")
        # With secure_delete the file holds zeros where her rows were; the WAL still holds
        # the pages as they were before, until it is copied back and emptied.
        if not await db.checkpoint():
            log.warning("a reader kept the WAL from being emptied after an erasure")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
