"""Digests: schedules, deliveries, and the read-only counts a digest is made of.

The counts read the incident, practice and group tables (owned by their features) with
aggregate SQL only: a digest over a million reports must not pull rows into Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from bot.records.digests import (
    Count,
    DeliveryKey,
    DigestDelivery,
    GroupActivity,
    GroupRecipient,
    MemberRecipient,
    OpenIncidents,
    Schedule,
    UrgentIncident,
    UserRecipient,
    WeekCount,
)
from bot.records.practices import PracticeLine
from storage.base import Repository, from_db_time, to_db_time
from storage.practices import HELPFUL, practice_line, practice_reach

# Reports that are not counted: the same event told twice, or not accepted.
_NOT_COUNTED = "review_status NOT IN ('duplicate', 'rejected')"


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _schedule(kind: str, recipient_id: int, row: Any, offset: int) -> Schedule:
    """A schedule from LEFT JOINed columns (weekday, hour, enabled) at `offset`."""
    weekday, hour, enabled = tuple(row)[offset : offset + 3]
    if weekday is None:
        return Schedule(kind, recipient_id)
    return Schedule(kind, recipient_id, int(weekday), int(hour), bool(enabled))


def _delivery(row: Any) -> DigestDelivery:
    return DigestDelivery(
        recipient_kind=row["recipient_kind"],
        recipient_id=row["recipient_id"],
        chat_id=row["chat_id"],
        period_start=date.fromisoformat(row["period_start"]),
        due_at=from_db_time(row["due_at"]) or datetime.min,
        status=row["status"],
        reason=row["reason"],
        late=bool(row["late"]),
        attempts=row["attempts"],
        claimed_at=from_db_time(row["claimed_at"]),
        sent_at=from_db_time(row["sent_at"]),
    )


_SCHEDULE_JOIN = (
    " LEFT JOIN digest_schedules s ON s.recipient_kind = '{kind}' AND s.recipient_id = {column}"
)


class ScheduleRepository(Repository):
    """The `digest_schedules` table and who is due a digest."""

    async def get(self, *, recipient_kind: str, recipient_id: int) -> Schedule:
        """The stored schedule, or the default one."""
        row = await self._one(
            "SELECT weekday, hour, enabled FROM digest_schedules"
            " WHERE recipient_kind = ? AND recipient_id = ?",
            (recipient_kind, recipient_id),
        )
        if row is None:
            return Schedule(recipient_kind, recipient_id)
        return _schedule(recipient_kind, recipient_id, row, 0)

    async def save(self, *, schedule: Schedule, by: int | None, now: datetime) -> None:
        await self._run(
            # A group's language is the group's own (peer_groups.language, migration 0015).
            "INSERT INTO digest_schedules (recipient_kind, recipient_id, weekday, hour, enabled,"
            " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (recipient_kind, recipient_id) DO UPDATE SET weekday = excluded.weekday,"
            " hour = excluded.hour, enabled = excluded.enabled,"
            " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (
                schedule.recipient_kind,
                schedule.recipient_id,
                schedule.weekday,
                schedule.hour,
                int(schedule.enabled),
                by,
                to_db_time(now),
            ),
        )

    async def user_recipients(
        self, *, admin_ids: Iterable[int], only: int | None = None
    ) -> list[UserRecipient]:
        """Active, registered coordinators and administrators, with their schedules."""
        admins = sorted(admin_ids)
        params: list[Any] = [*admins]
        only_sql = ""
        if only is not None:
            only_sql = " AND u.id = ?"
            params.append(only)
        rows = await self._all(
            "SELECT u.id, u.language, s.weekday, s.hour, s.enabled FROM users u"
            + _SCHEDULE_JOIN.format(kind="user", column="u.id")
            + " WHERE u.active = 1 AND u.privacy_accepted_at IS NOT NULL AND (EXISTS (SELECT 1"
            " FROM roles r WHERE r.user_id = u.id AND r.role IN ('coordinator', 'admin'))"
            + (f" OR u.id IN ({_marks(admins)})" if admins else "")
            + f"){only_sql} ORDER BY u.id",
            tuple(params),
        )
        return [UserRecipient(r[0], r[1], _schedule("user", r[0], r, 2)) for r in rows]

    async def group_recipients(self, *, only: int | None = None) -> list[GroupRecipient]:
        """Active peer groups with their schedules."""
        rows = await self._all(
            "SELECT g.id, g.name, g.chat_id, g.deliver_to, g.language, s.weekday, s.hour,"
            " s.enabled FROM peer_groups g"
            + _SCHEDULE_JOIN.format(kind="group", column="g.id")
            + " WHERE g.active = 1"
            + (" AND g.id = ?" if only is not None else "")
            + " ORDER BY g.id",
            (only,) if only is not None else (),
        )
        return [
            GroupRecipient(r[0], r[1], r[2], r[3], r[4], _schedule("group", r[0], r, 5))
            for r in rows
        ]

    async def members(self, *, group_ids: Sequence[int]) -> list[MemberRecipient]:
        """Active, registered members who did not turn their private digests off."""
        if not group_ids:
            return []
        rows = await self._all(
            "SELECT m.group_id, u.id, u.language FROM group_members m"
            " JOIN users u ON u.id = m.user_id"
            + _SCHEDULE_JOIN.format(kind="user", column="u.id")
            + f" WHERE m.group_id IN ({_marks(group_ids)}) AND u.active = 1"
            " AND u.privacy_accepted_at IS NOT NULL AND coalesce(s.enabled, 1) = 1"
            " ORDER BY m.group_id, u.id",
            tuple(group_ids),
        )
        return [MemberRecipient(r[0], r[1], r[2]) for r in rows]

    async def of_user(self, user_id: int) -> Schedule | None:
        """The person's own stored schedule, for /mydata."""
        row = await self._one(
            "SELECT weekday, hour, enabled FROM digest_schedules"
            " WHERE recipient_kind = 'user' AND recipient_id = ?",
            (user_id,),
        )
        return _schedule("user", user_id, row, 0) if row else None

    async def erase_user(self, user_id: int) -> None:
        """Forget the person's schedule and that they changed a group's."""
        await self._run(
            "DELETE FROM digest_schedules WHERE recipient_kind = 'user' AND recipient_id = ?",
            (user_id,),
        )
        await self._run(
            "UPDATE digest_schedules SET updated_by = NULL WHERE updated_by = ?", (user_id,)
        )


class DeliveryRepository(Repository):
    """The `digest_deliveries` table: a row is claimed before its digest is sent."""

    async def existing(
        self, *, period_starts: Iterable[date]
    ) -> dict[DeliveryKey, DigestDelivery]:
        """Every delivery row of these periods, by key."""
        periods = sorted({p.isoformat() for p in period_starts})
        if not periods:
            return {}
        rows = await self._all(
            f"SELECT * FROM digest_deliveries WHERE period_start IN ({_marks(periods)})",
            tuple(periods),
        )
        found = [_delivery(r) for r in rows]
        return {d.key: d for d in found}

    async def claim(
        self,
        *,
        key: DeliveryKey,
        due_at: datetime,
        late: bool,
        now: datetime,
        max_attempts: int,
        allow_new: bool,
    ) -> bool:
        """Claim the row for sending: new, or failed with attempts left. False: not ours."""
        kind, recipient, chat, period = key
        params = (to_db_time(now), int(late), kind, recipient, chat, period.isoformat())
        retry = (
            "UPDATE digest_deliveries SET status = 'claimed', reason = NULL,"
            " attempts = attempts + 1, claimed_at = ?, late = ? WHERE recipient_kind = ?"
            " AND recipient_id = ? AND chat_id = ? AND period_start = ? AND status = 'failed'"
            " AND reason = 'error' AND attempts < ?"
        )
        if await self._run(retry, (*params, max_attempts)) == 1:
            return True
        if not allow_new:
            return False
        created = await self._run(
            "INSERT INTO digest_deliveries (recipient_kind, recipient_id, chat_id, period_start,"
            " due_at, status, late, attempts, claimed_at) VALUES (?, ?, ?, ?, ?, 'claimed', ?,"
            " 1, ?) ON CONFLICT DO NOTHING",
            (kind, recipient, chat, period.isoformat(), to_db_time(due_at), int(late), params[0]),
        )
        return created == 1

    async def finish(
        self, *, key: DeliveryKey, status: str, reason: str | None, now: datetime
    ) -> None:
        """Record how a claimed delivery ended: sent, failed or skipped."""
        kind, recipient, chat, period = key
        await self._run(
            "UPDATE digest_deliveries SET status = ?, reason = ?,"
            " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
            " WHERE recipient_kind = ? AND recipient_id = ? AND chat_id = ? AND period_start = ?"
            " AND status = 'claimed'",
            (status, reason, status, to_db_time(now), kind, recipient, chat, period.isoformat()),
        )

    async def mark_interrupted(self, *, claimed_before: datetime) -> int:
        """Claims a crash left behind: maybe sent, so never sent again; recorded as failed."""
        return await self._run(
            "UPDATE digest_deliveries SET status = 'failed', reason = 'interrupted'"
            " WHERE status = 'claimed' AND claimed_at < ?",
            (to_db_time(claimed_before),),
        )

    async def retryable(self, *, due_since: datetime, max_attempts: int) -> list[DigestDelivery]:
        """Failed deliveries with attempts left, due since `due_since`."""
        rows = await self._all(
            "SELECT * FROM digest_deliveries WHERE status = 'failed' AND reason = 'error'"
            " AND attempts < ? AND due_at >= ? ORDER BY id",
            (max_attempts, to_db_time(due_since)),
        )
        return [_delivery(r) for r in rows]

    async def last_sent(
        self, *, recipient_kind: str, recipient_id: int, chat_id: int, before: datetime
    ) -> datetime | None:
        """When the last digest sent to this recipient and chat was due, before `before`."""
        row = await self._one(
            "SELECT max(due_at) FROM digest_deliveries WHERE recipient_kind = ?"
            " AND recipient_id = ? AND chat_id = ? AND status = 'sent' AND due_at < ?",
            (recipient_kind, recipient_id, chat_id, to_db_time(before)),
        )
        return from_db_time(row[0]) if row else None

    async def get(self, key: DeliveryKey) -> DigestDelivery | None:
        kind, recipient, chat, period = key
        row = await self._one(
            "SELECT * FROM digest_deliveries WHERE recipient_kind = ? AND recipient_id = ?"
            " AND chat_id = ? AND period_start = ?",
            (kind, recipient, chat, period.isoformat()),
        )
        return _delivery(row) if row else None

    async def for_chat(self, chat_id: int) -> list[DigestDelivery]:
        rows = await self._all(
            "SELECT * FROM digest_deliveries WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        return [_delivery(r) for r in rows]

    async def erase_user(self, user_id: int) -> None:
        """Forget what was sent to the person, and their own digest's rows."""
        await self._run(
            "DELETE FROM digest_deliveries WHERE chat_id = ?"
            " OR (recipient_kind = 'user' AND recipient_id = ?)",
            (user_id, user_id),
        )

    async def get_state(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM digest_state WHERE key = ?", (key,))
        return str(row[0]) if row else None

    async def set_state(self, key: str, value: str) -> None:
        await self._run(
            "INSERT INTO digest_state (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def _incident_scope(places: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
    """Reports whose oblast, rayon or aiyl aimak is one of `places` (None: everywhere)."""
    if places is None:
        return "1", ()
    if not places:
        return "0", ()
    marks = _marks(places)
    # Unary + keeps SQLite off the per-place indexes (a multi-index OR with row lookups):
    # the digest's covering indexes on time, status or review answer from the index alone.
    sql = f"(+admin1 IN ({marks}) OR +admin2 IN ({marks}) OR +admin3 IN ({marks}))"
    return sql, (*places, *places, *places)


_GROUP_AUDIENCE = (
    "(EXISTS (SELECT 1 FROM practice_visibility v WHERE v.practice_id = p.id"
    " AND v.group_id = :group))"
)


class DigestDataRepository(Repository):
    """Aggregates for the digests: read-only SQL over incidents, practices and groups.

    `places` are the places a coordinator's reach covers (None: everywhere), as
    `Reach.place_codes` gives them; `groups` likewise the groups (`Reach.group_ids`).
    """

    async def incident_counts(
        self,
        *,
        places: Sequence[str] | None,
        column: str,
        since: datetime,
        split: datetime,
        until: datetime,
    ) -> list[Count]:
        """Reports by `column` (resource, sub_event_type or admin2): [split, until) and before."""
        if column not in ("resource", "sub_event_type", "admin2"):
            raise ValueError(f"cannot count by {column}")
        where, params = _incident_scope(places)
        rows = await self._all(
            f"SELECT {column}, coalesce(sum(received_at >= ?), 0) AS this,"
            f" coalesce(sum(received_at < ?), 0) AS last FROM incidents"
            f" WHERE received_at >= ? AND received_at < ? AND {_NOT_COUNTED} AND {where}"
            f" GROUP BY {column} ORDER BY this DESC, last DESC, {column}",
            (
                to_db_time(split),
                to_db_time(split),
                to_db_time(since),
                to_db_time(until),
                *params,
            ),
        )
        return [Count(r[0], int(r[1]), int(r[2])) for r in rows]

    async def urgent(
        self, *, places: Sequence[str] | None, since: datetime, until: datetime, limit: int
    ) -> tuple[list[UrgentIncident], int]:
        """Urgent reports received in [since, until), oldest first, and how many in all."""
        where, params = _incident_scope(places)
        clause = (
            f"FROM incidents WHERE urgent = 1 AND received_at >= ? AND received_at < ?"
            f" AND {_NOT_COUNTED} AND {where}"
        )
        window = (to_db_time(since), to_db_time(until), *params)
        rows = await self._all(
            "SELECT id, resource, resource_other, sub_event_type,"
            f" coalesce(admin3, admin2, admin1), status {clause} ORDER BY id LIMIT ?",
            (*window, limit),
        )
        total = await self._one(f"SELECT count(*) {clause}", window)
        return [UrgentIncident(*tuple(r)) for r in rows], int(total[0])

    async def open_incidents(
        self,
        *,
        places: Sequence[str] | None,
        until: datetime,
        week_ago: datetime,
        month_ago: datetime,
    ) -> OpenIncidents:
        """Reports still open (received before `until`), by age."""
        where, params = _incident_scope(places)
        clause = f"FROM incidents WHERE status = 'open' AND {_NOT_COUNTED} AND {where}"
        clause += " AND received_at < ?"
        scoped = (*params, to_db_time(until))
        row = await self._one(
            "SELECT count(*), coalesce(sum(received_at >= ?), 0),"
            " coalesce(sum(received_at < ? AND received_at >= ?), 0),"
            f" coalesce(sum(received_at < ?), 0) {clause}",
            (
                to_db_time(week_ago),
                to_db_time(week_ago),
                to_db_time(month_ago),
                to_db_time(month_ago),
                *scoped,
            ),
        )
        oldest = await self._one(
            f"SELECT id, received_at {clause} ORDER BY received_at LIMIT 1", scoped
        )
        return OpenIncidents(
            total=int(row[0]),
            under_week=int(row[1]),
            weeks=int(row[2]),
            older=int(row[3]),
            oldest_id=int(oldest[0]) if oldest else None,
            oldest_at=from_db_time(oldest[1]) if oldest else None,
        )

    async def resolved(
        self, *, places: Sequence[str] | None, since: datetime, until: datetime
    ) -> int:
        """Reports resolved now whose last news came in [since, until): resolved that week."""
        where, params = _incident_scope(places)
        row = await self._one(
            "SELECT count(*) FROM incidents WHERE status = 'resolved' AND last_update_at >= ?"
            f" AND last_update_at < ? AND {_NOT_COUNTED} AND {where}",
            (to_db_time(since), to_db_time(until), *params),
        )
        return int(row[0])

    async def pending_review(
        self, *, places: Sequence[str] | None, until: datetime
    ) -> tuple[int, datetime | None]:
        """Reports received before `until` waiting for review, and when the oldest came."""
        where, params = _incident_scope(places)
        row = await self._one(
            "SELECT count(*), min(received_at) FROM incidents WHERE review_status = 'pending'"
            f" AND received_at < ? AND {where}",
            (to_db_time(until), *params),
        )
        return int(row[0]), from_db_time(row[1])

    async def weekly_by_resource(
        self, *, places: Sequence[str] | None, starts: Sequence[datetime], until: datetime
    ) -> list[WeekCount]:
        """Reports per resource in each week; `starts` are the weeks' starts, oldest first."""
        where, params = _incident_scope(places)
        cases = " ".join(f"WHEN received_at >= ? THEN {i}" for i in reversed(range(len(starts))))
        rows = await self._all(
            f"SELECT resource, CASE {cases} END AS week, count(*) FROM incidents"
            f" WHERE received_at >= ? AND received_at < ? AND {_NOT_COUNTED} AND {where}"
            " GROUP BY resource, week ORDER BY resource, week",
            (
                *(to_db_time(s) for s in reversed(starts)),
                to_db_time(starts[0]),
                to_db_time(until),
                *params,
            ),
        )
        return [WeekCount(r[0], int(r[1]), int(r[2])) for r in rows]

    async def practices_pending(
        self, *, places: Sequence[str] | None, groups: Sequence[int], user_id: int
    ) -> int:
        """Practices waiting for this coordinator's approval (not her own: others review it)."""
        where, params = practice_reach(places, groups)
        own = "" if places is None else " AND coalesce(p.author_id, 0) != ?"
        row = await self._one(
            f"SELECT count(*) FROM practices p WHERE p.status = 'pending' AND {where}{own}",
            (*params, user_id) if own else params,
        )
        return int(row[0])

    async def group_approved(
        self, *, group_id: int, since: datetime, until: datetime, limit: int
    ) -> tuple[list[PracticeLine], int]:
        """Practices shared with the group and approved in [since, until), and how many."""
        clause = (
            "FROM practices p WHERE p.status = 'approved' AND p.approved_at >= :since"
            f" AND p.approved_at < :until AND {_GROUP_AUDIENCE}"
        )
        params = {"since": to_db_time(since), "until": to_db_time(until), "group": group_id}
        rows = await self._all(
            f"SELECT p.id, p.title, p.topic, p.topic_other, {HELPFUL} {clause}"
            " ORDER BY p.approved_at DESC, p.id DESC LIMIT :limit",
            {**params, "limit": limit},
        )
        total = await self._one(f"SELECT count(*) {clause}", params)
        return [practice_line(r) for r in rows], int(total[0])

    async def group_most_helpful(
        self, *, group_id: int, since: datetime, until: datetime, limit: int
    ) -> list[PracticeLine]:
        """Practices every member may see (shared with all or with the group), by marks."""
        rows = await self._all(
            "SELECT p.id, p.title, p.topic, p.topic_other, count(*) AS marks"
            " FROM practice_helpful h JOIN practices p ON p.id = h.practice_id"
            " WHERE h.at >= :since AND h.at < :until AND p.status = 'approved'"
            f" AND (p.visible_to_all = 1 OR {_GROUP_AUDIENCE})"
            " GROUP BY p.id ORDER BY marks DESC, p.id LIMIT :limit",
            {
                "since": to_db_time(since),
                "until": to_db_time(until),
                "group": group_id,
                "limit": limit,
            },
        )
        return [practice_line(r) for r in rows]

    async def group_activity(
        self, *, group_id: int, since: datetime, until: datetime
    ) -> GroupActivity:
        """New members, practices the members shared, and the marks they gave, in the week."""
        row = await self._one(
            "SELECT"
            " (SELECT count(*) FROM group_members WHERE group_id = :group"
            "  AND joined_at >= :since AND joined_at < :until),"
            " (SELECT count(*) FROM practices p JOIN group_members m"
            "  ON m.user_id = p.author_id AND m.group_id = :group"
            "  WHERE p.created_at >= :since AND p.created_at < :until),"
            " (SELECT count(*) FROM practice_helpful h JOIN group_members m"
            "  ON m.user_id = h.user_id AND m.group_id = :group"
            "  WHERE h.at >= :since AND h.at < :until)",
            {"group": group_id, "since": to_db_time(since), "until": to_db_time(until)},
        )
        return GroupActivity(int(row[0]), int(row[1]), int(row[2]))
