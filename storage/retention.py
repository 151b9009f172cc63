"""Media retention: forget the Telegram file ids of old photos and voice notes."""

from __future__ import annotations

from datetime import datetime

from bot.records.core import Purged
from storage.base import Repository, to_db_time

MEDIA = ("photo", "voice")
_IS_MEDIA = "json_extract(value, '$.type') IN ('photo', 'voice')"


class RetentionRepository(Repository):
    """Removes photo and voice file ids recorded before a cutoff; records and texts stay."""

    async def purge_before(self, *, cutoff: datetime) -> Purged:
        before = to_db_time(cutoff)
        # An attachment is as old as the update that brought it, else as its report.
        incident_files = await self._run(
            "DELETE FROM incident_attachments WHERE type IN ('photo', 'voice') AND coalesce("
            " (SELECT u.at FROM incident_updates u WHERE u.id = incident_attachments.update_id),"
            " (SELECT i.received_at FROM incidents i"
            "  WHERE i.id = incident_attachments.incident_id)) < ?",
            (before,),
        )
        practice_files = await self._run(
            "DELETE FROM practice_attachments WHERE kind IN ('photo', 'voice') AND practice_id IN"
            " (SELECT id FROM practices WHERE created_at < ?)",
            (before,),
        )
        voices = await self._run(
            "UPDATE needs SET voice = NULL WHERE voice IS NOT NULL AND created_at < ?", (before,)
        )
        need_photos = await self._strip_json("needs", "photos", before)
        evidence = await self._strip_json("need_stages", "evidence", before)
        return Purged(incident_files, practice_files, voices + need_photos, evidence)

    async def _strip_json(self, table: str, column: str, before: str) -> int:
        """Drop photo and voice items from a JSON list column; returns the items dropped."""
        row = await self._one(
            f"SELECT count(*) FROM {table} t, json_each(t.{column})"
            f" WHERE t.created_at < ? AND {_IS_MEDIA}",
            (before,),
        )
        dropped = int(row[0])
        if dropped:
            await self._run(
                f"UPDATE {table} SET {column} = (SELECT json_group_array(json(value))"
                f" FROM json_each({table}.{column}) WHERE NOT {_IS_MEDIA})"
                f" WHERE created_at < ? AND EXISTS"
                f" (SELECT 1 FROM json_each({table}.{column}) WHERE {_IS_MEDIA})",
                (before,),
            )
        return dropped
