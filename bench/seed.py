"""Generated data for benchmarks: registered people."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from storage.db import Database
from storage.users import UserRepository

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def seed_people(path: Path, ids: Iterable[int], language: str = "ru") -> None:
    """Onboarded village leaders of Ak-Say, one transaction."""
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            users = UserRepository(conn)
            for user_id in ids:
                await users.create(
                    user_id=user_id,
                    first_name=f"R{user_id}",
                    last_name=None,
                    username=None,
                    language=language,
                    pseudonym=f"P-{user_id}",
                    now=NOW,
                )
                await users.update_profile(
                    user_id=user_id, now=NOW, kind="leader", place_code="BA-BAT-AKS"
                )
                await users.accept_privacy(user_id=user_id, now=NOW)
    finally:
        await db.close()


async def seed_group(path: Path, members: Iterable[int]) -> int:
    """A women candidates' peer group with these members, digests to members privately."""
    from storage.groups import GroupRepository

    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            groups = GroupRepository(conn)
            group_id = await groups.create(
                name="Ош облусу",
                kind="candidates",
                region="OS",
                created_by=min(members),
                invite_code="bench",
                now=NOW,
            )
            for member in members:
                await groups.add_member(group_id=group_id, user_id=member, now=NOW)
    finally:
        await db.close()
    return group_id
