"""Women's needs with their advocacy stages and shares, programmes and election results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot.records.needs import ElectionResult, Need, NeedStage, Programme
from storage.base import Repository, dumps, from_db_time, loads, to_db_time


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: str) -> datetime:
    parsed = from_db_time(value)
    assert parsed is not None
    return parsed


def _need(row: Any) -> Need:
    shared = row["shared"] or ""
    return Need(
        id=row["id"],
        author_id=row["author_id"],
        topic=row["topic"],
        topic_other=row["topic_other"],
        place_code=row["place_code"],
        village=row["village"],
        heard=row["heard"],
        women=row["women"],
        description=row["description"],
        voice=loads(row["voice"]),
        photos=tuple(loads(row["photos"]) or ()),
        proposal=row["proposal"],
        stage=row["stage"],
        reached=row["reached"],
        stage_on=_date(row["stage_on"]),
        amount_som=row["amount_som"],
        joined_to=row["joined_to"],
        reminded_at=from_db_time(row["reminded_at"]),
        created_at=_time(row["created_at"]),
        shared_with=tuple(sorted(int(g) for g in shared.split(",") if g)),
        village_code=row["village_code"],
    )


def _stage(row: Any) -> NeedStage:
    return NeedStage(
        id=row["id"],
        need_id=row["need_id"],
        stage=row["stage"],
        from_stage=row["from_stage"],
        happened_on=date.fromisoformat(row["happened_on"]),
        raised_with=row["raised_with"],
        amount_som=row["amount_som"],
        reason=row["reason"],
        evidence=tuple(loads(row["evidence"]) or ()),
        recorded_by=row["recorded_by"],
        created_at=_time(row["created_at"]),
    )


_SELECT_NEED = (
    "SELECT n.*, (SELECT group_concat(s.group_id) FROM need_shares s WHERE s.need_id = n.id)"
    " AS shared FROM needs n"
)


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class NeedRepository(Repository):
    """The `needs`, `need_stages` and `need_shares` tables: one need and its track."""

    async def create(
        self,
        *,
        draft_id: str,
        form_version: int,
        author_id: int,
        topic: str,
        topic_other: str | None,
        place_code: str | None,
        village: str | None,
        heard: str,
        women: int,
        description: str | None,
        voice: Mapping[str, Any] | None,
        photos: Sequence[Mapping[str, Any]],
        proposal: str | None,
        now: datetime,
        village_code: str | None = None,
    ) -> int:
        return await self._insert(
            "INSERT INTO needs (draft_id, form_version, author_id, topic, topic_other,"
            " place_code, village, village_code, heard, women, description, voice, photos,"
            " proposal, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft_id,
                form_version,
                author_id,
                topic,
                topic_other,
                place_code,
                village,
                village_code,
                heard,
                women,
                description,
                dumps(voice) if voice else None,
                dumps(list(photos)),
                proposal,
                to_db_time(now),
                to_db_time(now),
            ),
        )

    async def get(self, need_id: int) -> Need | None:
        row = await self._one(f"{_SELECT_NEED} WHERE n.id = ?", (need_id,))
        return _need(row) if row else None

    async def by_author(self, author_id: int) -> list[Need]:
        rows = await self._all(f"{_SELECT_NEED} WHERE n.author_id = ? ORDER BY n.id", (author_id,))
        return [_need(r) for r in rows]

    async def joined_into(self, need_id: int) -> list[Need]:
        """The needs that joined this one's initiative."""
        rows = await self._all(f"{_SELECT_NEED} WHERE n.joined_to = ? ORDER BY n.id", (need_id,))
        return [_need(r) for r in rows]

    async def shared_with_groups(self, group_ids: Iterable[int]) -> list[Need]:
        """Needs shared with any of these groups."""
        ids = sorted(set(group_ids))
        if not ids:
            return []
        rows = await self._all(
            f"{_SELECT_NEED} WHERE n.id IN (SELECT need_id FROM need_shares"
            f" WHERE group_id IN ({_marks(ids)})) ORDER BY n.id",
            tuple(ids),
        )
        return [_need(r) for r in rows]

    async def list_all(self) -> list[Need]:
        """Every need; the service filters by who may see each."""
        rows = await self._all(f"{_SELECT_NEED} ORDER BY n.id")
        return [_need(r) for r in rows]

    async def history(self, need_id: int) -> list[NeedStage]:
        rows = await self._all(
            "SELECT * FROM need_stages WHERE need_id = ? ORDER BY happened_on, id", (need_id,)
        )
        return [_stage(r) for r in rows]

    async def add_stage(
        self,
        *,
        need_id: int,
        draft_id: str,
        stage: str,
        from_stage: str,
        happened_on: date,
        raised_with: str | None,
        amount_som: int | None,
        reason: str | None,
        evidence: Sequence[Mapping[str, Any]],
        recorded_by: int,
        now: datetime,
    ) -> int:
        return await self._insert(
            "INSERT INTO need_stages (need_id, draft_id, stage, from_stage, happened_on,"
            " raised_with, amount_som, reason, evidence, recorded_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                need_id,
                draft_id,
                stage,
                from_stage,
                happened_on.isoformat(),
                raised_with,
                amount_som,
                reason,
                dumps(list(evidence)),
                recorded_by,
                to_db_time(now),
            ),
        )

    async def set_stage(
        self,
        *,
        need_ids: Sequence[int],
        stage: str,
        reached: str,
        stage_on: date,
        amount_som: int | None,
        now: datetime,
    ) -> None:
        """Move a need and every need joined to it (they share one track)."""
        await self._run(
            f"UPDATE needs SET stage = ?, reached = ?, stage_on = ?, amount_som = ?,"
            f" updated_at = ? WHERE id IN ({_marks(need_ids)})",
            (stage, reached, stage_on.isoformat(), amount_som, to_db_time(now), *need_ids),
        )

    async def join(self, *, need_id: int, into: Need, now: datetime) -> None:
        """Make a need part of another's initiative; it takes on that track's stage."""
        await self._run(
            "UPDATE needs SET joined_to = ?, stage = ?, reached = ?, stage_on = ?,"
            " amount_som = ?, updated_at = ? WHERE id = ? OR joined_to = ?",
            (
                into.id,
                into.stage,
                into.reached,
                into.stage_on.isoformat() if into.stage_on else None,
                into.amount_som,
                to_db_time(now),
                need_id,
                need_id,
            ),
        )

    async def share(self, *, need_id: int, group_id: int, now: datetime) -> bool:
        changed = await self._run(
            "INSERT OR IGNORE INTO need_shares (need_id, group_id, shared_at) VALUES (?, ?, ?)",
            (need_id, group_id, to_db_time(now)),
        )
        return changed > 0

    async def unshare(self, *, need_id: int) -> int:
        return await self._run("DELETE FROM need_shares WHERE need_id = ?", (need_id,))

    async def due_reminders(self, *, before: datetime) -> list[Need]:
        """Open needs leading their track, untouched and unreminded since `before`."""
        rows = await self._all(
            f"{_SELECT_NEED} WHERE n.joined_to IS NULL"
            " AND n.stage NOT IN ('implemented', 'declined')"
            " AND n.updated_at <= ? AND (n.reminded_at IS NULL OR n.reminded_at <= ?)"
            " ORDER BY n.author_id, n.id",
            (to_db_time(before), to_db_time(before)),
        )
        return [_need(r) for r in rows]

    async def claim_reminder(self, *, need_id: int, before: datetime, now: datetime) -> bool:
        """Mark the reminder as sent unless another run already did (once a month at most)."""
        changed = await self._run(
            "UPDATE needs SET reminded_at = ? WHERE id = ?"
            " AND (reminded_at IS NULL OR reminded_at <= ?)",
            (to_db_time(now), need_id, to_db_time(before)),
        )
        return changed > 0

    async def snooze(self, *, need_id: int, now: datetime) -> None:
        """The author answered "no change yet": the next reminder comes a month from now."""
        await self._run(
            "UPDATE needs SET reminded_at = ? WHERE id = ?", (to_db_time(now), need_id)
        )

    async def group_names(self, group_ids: Iterable[int]) -> dict[int, str]:
        """Names of active peer groups (read from the groups' table)."""
        ids = sorted(set(group_ids))
        if not ids:
            return {}
        rows = await self._all(
            f"SELECT id, name FROM peer_groups WHERE active = 1 AND id IN ({_marks(ids)})",
            tuple(ids),
        )
        return {int(r["id"]): str(r["name"]) for r in rows}

    async def groups_of(self, user_ids: Iterable[int]) -> dict[int, frozenset[int]]:
        """Each person's active peer groups (whose coordinators see her needs)."""
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        groups: dict[int, set[int]] = {i: set() for i in ids}
        rows = await self._all(
            "SELECT m.user_id, m.group_id FROM group_members m"
            " JOIN peer_groups g ON g.id = m.group_id"
            f" WHERE g.active = 1 AND m.user_id IN ({_marks(ids)})",
            tuple(ids),
        )
        for row in rows:
            groups[int(row["user_id"])].add(int(row["group_id"]))
        return {i: frozenset(groups[i]) for i in ids}

    async def histories(self, need_ids: Iterable[int]) -> list[NeedStage]:
        """The tracks of several needs, need by need, each in order."""
        ids = sorted(set(need_ids))
        if not ids:
            return []
        rows = await self._all(
            f"SELECT * FROM need_stages WHERE need_id IN ({_marks(ids)})"
            " ORDER BY need_id, happened_on, id",
            tuple(ids),
        )
        return [_stage(r) for r in rows]

    async def erase_author(self, *, user_id: int) -> None:
        """Delete a person's needs with their tracks and shares (/deleteme)."""
        await self._run(
            "UPDATE needs SET joined_to = NULL WHERE joined_to IN"
            " (SELECT id FROM needs WHERE author_id = ?)",
            (user_id,),
        )
        await self._run("DELETE FROM needs WHERE author_id = ?", (user_id,))
        await self._run(
            "UPDATE need_stages SET recorded_by = NULL WHERE recorded_by = ?", (user_id,)
        )


class ProgrammeRepository(Repository):
    """The `programmes` table: each compiled programme and the needs chosen for it."""

    async def create(
        self,
        *,
        draft_id: str,
        author_id: int,
        need_ids: Sequence[int],
        intro: str | None,
        locale: str,
        now: datetime,
    ) -> int:
        return await self._insert(
            "INSERT INTO programmes (draft_id, author_id, need_ids, intro, locale, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (draft_id, author_id, dumps(list(need_ids)), intro, locale, to_db_time(now)),
        )

    async def by_author(self, author_id: int) -> list[Programme]:
        rows = await self._all(
            "SELECT * FROM programmes WHERE author_id = ? ORDER BY id", (author_id,)
        )
        return [
            Programme(
                id=r["id"],
                author_id=r["author_id"],
                need_ids=tuple(loads(r["need_ids"]) or ()),
                intro=r["intro"],
                locale=r["locale"],
                created_at=_time(r["created_at"]),
            )
            for r in rows
        ]

    async def erase_author(self, *, user_id: int) -> None:
        await self._run("DELETE FROM programmes WHERE author_id = ?", (user_id,))


def _result(row: Any) -> ElectionResult:
    return ElectionResult(
        id=row["id"],
        user_id=row["user_id"],
        outcome=row["outcome"],
        election_on=_date(row["election_on"]),
        place_code=row["place_code"],
        created_at=_time(row["created_at"]),
    )


class ElectionResultRepository(Repository):
    """The `election_results` table; a candidate's latest row is her result."""

    async def create(
        self,
        *,
        draft_id: str,
        user_id: int,
        outcome: str,
        election_on: date | None,
        place_code: str | None,
        now: datetime,
    ) -> int:
        return await self._insert(
            "INSERT INTO election_results (draft_id, user_id, outcome, election_on, place_code,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                draft_id,
                user_id,
                outcome,
                election_on.isoformat() if election_on else None,
                place_code,
                to_db_time(now),
            ),
        )

    async def latest_per_candidate(self) -> list[ElectionResult]:
        """Each candidate's most recent result."""
        rows = await self._all(
            "SELECT * FROM election_results r WHERE r.id ="
            " (SELECT max(id) FROM election_results WHERE user_id = r.user_id) ORDER BY r.id"
        )
        return [_result(r) for r in rows]

    async def by_user(self, user_id: int) -> list[ElectionResult]:
        rows = await self._all(
            "SELECT * FROM election_results WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_result(r) for r in rows]

    async def erase_user(self, *, user_id: int) -> None:
        await self._run("DELETE FROM election_results WHERE user_id = ?", (user_id,))
