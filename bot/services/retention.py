"""Media retention: after N days, forget the Telegram file ids of photos and voice notes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from storage.audit import AuditRepository
from storage.db import Database
from storage.retention import Purged, RetentionRepository

log = logging.getLogger(__name__)


async def purge_old_media(db: Database, *, now: datetime, days: int) -> Purged:
    """Remove photo and voice file ids older than `days` (0: keep them); texts stay."""
    if days <= 0:
        return Purged()
    cutoff = now - timedelta(days=days)
    async with db.transaction() as conn:
        purged = await RetentionRepository(conn).purge_before(cutoff=cutoff)
        if purged.total:
            await AuditRepository(conn).record(
                actor_id=None,
                entity="media",
                entity_id="retention",
                action="purge",
                from_value=None,
                to_value=str(purged.total),
                reason=f"older than {days} days",
                now=now,
            )
    log.info("media retention: %d file ids older than %d days removed", purged.total, days)
    return purged
