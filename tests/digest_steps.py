"""Shared steps for the digest tests: people, incidents, groups and practices by plain SQL."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.localapi import LocalBotApi
from bot.wiring import AyilApp
from storage.base import to_db_time
from storage.db import Database
from tests.harness import services_of

BISHKEK = ZoneInfo("Asia/Bishkek")
_pseudonyms = itertools.count(1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Bishkek wall-clock time as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=BISHKEK).astimezone(UTC)


# Monday 4 May 2026, 09:00 in Bishkek: the default digest time.
MONDAY_9 = local(2026, 5, 4, 9)


async def add_person(
    db: Database,
    server: LocalBotApi,
    user_id: int,
    language: str = "en",
    *,
    scope: str | None = None,
    admin: bool = False,
    place: str = "BA-BAT-AKS",
    first_name: str = "Aigul",
    now: datetime = MONDAY_9,
) -> None:
    """A registered person (and their chat on the server); a coordinator when `scope` is set.

    `scope` is `all`, a gazetteer code, or `group:<id>`.
    """
    server.user(user_id, first_name, language_code=language)
    at = to_db_time(now)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO users (id, first_name, language, kind, place_code, privacy_accepted_at,"
            " pseudonym, created_at, updated_at) VALUES (?, ?, ?, 'leader', ?, ?, ?, ?, ?)",
            (user_id, first_name, language, place, at, f"P-{next(_pseudonyms)}", at, at),
        )
        roles = []
        if scope is not None:
            kind, _, value = scope.partition(":") if scope.startswith("group:") else ("", "", "")
            if kind == "group":
                roles.append(("coordinator", "group", value))
            elif scope == "all":
                roles.append(("coordinator", "all", ""))
            else:
                roles.append(("coordinator", "place", scope))
        if admin:
            roles.append(("admin", "all", ""))
        for role, kind, value in roles:
            await conn.execute(
                "INSERT INTO roles (user_id, role, scope_kind, scope_value, granted_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, role, kind, value, at),
            )


async def add_incident(
    db: Database,
    *,
    received_at: datetime,
    resource: str = "water",
    sub_event_type: str = "tension",
    aimak: str | None = "BA-BAT-AKS",
    rayon: str | None = "BA-BAT",
    oblast: str | None = "BA",
    status: str = "open",
    review_status: str = "pending",
    urgent: bool = False,
    last_update_at: datetime | None = None,
    reporter_id: int | None = None,
    anonymous: bool = False,
    location: str | None = None,
) -> int:
    """A report as the incident form stores it (the columns a digest reads, and the required)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO incidents (draft_id, form_id, form_version, reporter_id, anonymous,"
            " received_at, event_date, date_precision, resource, event_type, sub_event_type,"
            " actor1_type, crowd_size, admin1, admin2, admin3, location, geo_precision, border,"
            " source, source_scale, urgent, status, review_status, last_update_at)"
            " VALUES (?, 'incident', 1, ?, ?, ?, ?, 1, ?, 'strategic_developments', ?,"
            " 'farmers', 'under_10', ?, ?, ?, ?, 3, 'no', 'witness', 'local', ?, ?, ?, ?)",
            (
                str(uuid.uuid4()),
                reporter_id,
                int(anonymous),
                to_db_time(received_at),
                received_at.date().isoformat(),
                resource,
                sub_event_type,
                oblast,
                rayon,
                aimak,
                location,
                int(urgent),
                status,
                review_status,
                to_db_time(last_update_at or received_at),
            ),
        )
        return int(cursor.lastrowid or 0)


async def add_group(
    db: Database,
    *,
    name: str,
    created_by: int,
    members: list[int],
    chat_id: int | None = None,
    deliver_to: str = "members",
    joined_at: datetime = MONDAY_9,
) -> int:
    """An active peer group with its members."""
    at = to_db_time(joined_at)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO peer_groups (name, kind, created_by, chat_id, deliver_to, invite_code,"
            " created_at) VALUES (?, 'candidates', ?, ?, ?, ?, ?)",
            (name, created_by, chat_id, deliver_to, uuid.uuid4().hex, at),
        )
        group_id = int(cursor.lastrowid or 0)
        await conn.executemany(
            "INSERT INTO group_members (group_id, user_id, joined_at) VALUES (?, ?, ?)",
            [(group_id, m, at) for m in members],
        )
    return group_id


async def add_practice(
    db: Database,
    *,
    author_id: int,
    title: str,
    approved_at: datetime | None,
    created_at: datetime = MONDAY_9,
    topic: str = "water",
    place: str = "BA-BAT-AKS",
    groups: tuple[int, ...] = (),
    visible_to_all: bool = False,
    helpful_by: tuple[tuple[int, datetime], ...] = (),
) -> int:
    """A practice, approved at `approved_at` (None: waiting), shared with `groups`."""
    status = "pending" if approved_at is None else "approved"
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO practices (draft_id, form_version, author_id, author_kind, place_code,"
            " topic, title, situation, actions, result, advice, visible_to_all, status,"
            " approved_at, created_at, updated_at) VALUES (?, 1, ?, 'leader', ?, ?, ?, 's', 'a',"
            " 'r', 'adv', ?, ?, ?, ?, ?)",
            (
                str(uuid.uuid4()),
                author_id,
                place,
                topic,
                title,
                int(visible_to_all),
                status,
                to_db_time(approved_at) if approved_at else None,
                to_db_time(created_at),
                to_db_time(created_at),
            ),
        )
        practice_id = int(cursor.lastrowid or 0)
        for group_id in groups:
            await conn.execute(
                "INSERT INTO practice_visibility (practice_id, group_id) VALUES (?, ?)",
                (practice_id, group_id),
            )
        for user_id, at in helpful_by:
            await conn.execute(
                "INSERT INTO practice_helpful (practice_id, user_id, at) VALUES (?, ?, ?)",
                (practice_id, user_id, to_db_time(at)),
            )
    return practice_id


def delivered(server: LocalBotApi, method: str = "sendMessage") -> Counter[int]:
    """Successful calls of `method` per chat id."""
    return Counter(int(c.params["chat_id"]) for c in server.calls_of(method) if c.status == 200)


def texts(server: LocalBotApi, chat: int) -> list[str]:
    """The text of every bot message in a chat, oldest first."""
    return [m.text for m in server.messages(chat) if m.text]


def clock_of(app: AyilApp) -> FrozenClock:
    clock = services_of(app).clock
    assert isinstance(clock, FrozenClock)
    return clock


async def delivery_rows(db: Database) -> list[tuple[str, int, int, str, str, int]]:
    """(kind, recipient, chat, period, status, late) of every delivery row."""
    async with db.reading() as conn:
        rows = await conn.execute_fetchall(
            "SELECT recipient_kind, recipient_id, chat_id, period_start, status, late"
            " FROM digest_deliveries ORDER BY id"
        )
    return [tuple(r) for r in rows]


async def settled(
    db: Database, *, rows: int = 1, claimed: set[int] | None = None, timeout: float = 10.0
) -> list[tuple[str, int, int, str, str, int]]:
    """Wait until `rows` deliveries exist and none is being sent (but the `claimed` chats)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await delivery_rows(db)
        busy = {r[2] for r in found if r[4] == "claimed"}
        if len(found) >= rows and busy == (claimed or set()):
            return found
        if loop.time() > deadline:
            raise AssertionError(f"deliveries not settled: {found}")
        await asyncio.sleep(0.02)
