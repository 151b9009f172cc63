"""PrivacyRules without Telegram: /mydata gathers every feature's part, /deleteme erases it.

The features register their parts as the wiring registers them (tests/rules/core_steps.py);
erasure runs in one transaction and empties the WAL, so nothing of her is left in the files.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.access import Actor, NotRegistered
from bot.core.kernel import Kernel
from bot.rules.privacy import PrivacyRules
from handlers.common.screens import mydata_file
from storage.incidents import IncidentRepository
from storage.needs import NeedRepository
from storage.users import RoleRepository, UserRepository
from tests.coordinator_steps import add_group, add_incident, add_need, add_person, grant
from tests.rules.core_steps import core_kernel

NAZGUL, OTHER, CREATOR = 1301, 1302, 1303
NAME = "Назгүлбүбү"  # distinctive enough to find in the database's bytes


@dataclass
class World:
    kernel: Kernel
    privacy: PrivacyRules
    report: int
    other_report: int
    group: int

    async def actor(self, user_id: int) -> Actor:
        return await self.kernel.actors.of_user(user_id)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with core_kernel(tmp_path) as kernel:
        db = kernel.db
        pseudonym = await add_person(db, NAZGUL, NAME, kind="candidate", username="nazgul_b")
        await add_person(db, OTHER, "Other")
        await add_person(db, CREATOR, "Creator", kind="community", place=None)
        await grant(db, NAZGUL, "group", "99")
        group, _ = await add_group(db, creator=CREATOR, members=(NAZGUL, OTHER))
        report = await add_incident(
            db, reporter_id=NAZGUL, pseudonym=pseudonym, anonymous=True, photos=1
        )
        other_report = await add_incident(db, reporter_id=OTHER)
        await add_need(db, author_id=NAZGUL, description="Нет воды у школы")
        await add_need(db, author_id=OTHER)
        yield World(kernel, kernel.get(PrivacyRules), report, other_report, group)


async def test_mydata_holds_the_profile_roles_and_each_features_part_by_name(
    world: World,
) -> None:
    data = await world.privacy.export_for(await world.actor(NAZGUL))
    assert list(data) == ["profile", "roles", "incidents", "needs", "practices", "groups"]
    assert data["profile"]["first_name"] == NAME
    assert isinstance(data["profile"]["created_at"], str)  # JSON-ready: times as ISO text
    assert [r["scope_value"] for r in data["roles"]] == ["99"]
    assert [r["id"] for r in data["incidents"]["reports"]] == [world.report]
    assert [n["description"] for n in data["needs"]["needs"]] == ["Нет воды у школы"]
    assert data["groups"]["member_of"] and data["groups"]["created"] == []
    # The file a person gets is that data, in her own script.
    assert json.loads(mydata_file(data)) == data and NAME.encode() in mydata_file(data)


async def test_only_a_stored_person_has_data_to_export_or_erase(world: World) -> None:
    stranger = Actor(user_id=5555, locale="ru", user=None)
    with pytest.raises(NotRegistered):
        await world.privacy.export_for(stranger)
    with pytest.raises(NotRegistered):
        await world.privacy.erase(stranger)


async def test_erasure_removes_her_keeps_the_communitys_record_and_touches_nobody_else(
    world: World,
) -> None:
    await world.privacy.erase(await world.actor(NAZGUL))
    async with world.kernel.db.reading() as conn:
        assert await UserRepository(conn).get(NAZGUL) is None
        assert await RoleRepository(conn).for_user(NAZGUL) == []
        assert await NeedRepository(conn).by_author(NAZGUL) == []
        kept = await IncidentRepository(conn).get(incident_id=world.report)
        other = await IncidentRepository(conn).get(incident_id=world.other_report)
        assert await UserRepository(conn).get(OTHER) is not None
        assert len(await NeedRepository(conn).by_author(OTHER)) == 1
    # Her anonymous report stays for the community's record, tied to nobody: its label is
    # the one coordinators saw before, which no named report of hers ever carried.
    assert kept is not None and kept.reporter_id is None
    assert kept.reporter_pseudonym is not None and kept.reporter_pseudonym.startswith("P-")
    assert other is not None and other.reporter_id == OTHER
    gone = await world.actor(NAZGUL)
    assert gone.user is None and not gone.group_ids


async def test_nothing_of_her_is_left_in_the_database_or_its_wal_after_erasure(
    world: World,
) -> None:
    path = world.kernel.settings.db_path
    wal = path.with_name(path.name + "-wal")
    assert NAME.encode() in path.read_bytes() + wal.read_bytes()  # she is there before
    await world.privacy.erase(await world.actor(NAZGUL))
    # secure_delete zeroes her rows in the file; the checkpoint empties the WAL, whose old
    # frames still held the pages with her name.
    assert wal.stat().st_size == 0
    for needle in (NAME, "nazgul_b", "Нет воды у школы"):
        assert needle.encode() not in path.read_bytes(), needle
