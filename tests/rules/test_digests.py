"""DigestRules without Telegram: what a digest counts by `Reach`, its sections, the settings,
and delivering each digest once through a recording notifier.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor, NotAllowed, NotRegistered
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.core.notices import Delivery
from bot.gazetteer import Gazetteer
from bot.records.digests import Period
from bot.rules.digests import (
    CoordinatorDigest,
    DigestRules,
    GroupDigest,
    IncidentsSection,
    ReviewSection,
    period_for,
)
from bot.rules.early_warning import EarlyWarningRules, WatchSection
from bot.rules.groups import GroupRules
from bot.rules.needs import NeedRules, NeedsDigest
from bot.rules.practices import PracticeRules, PracticesDigest
from storage.db import Database
from storage.digests import ScheduleRepository
from storage.groups import GroupRepository
from storage.users import UserRepository
from tests.coordinator_steps import (
    AKSAY,
    T0,
    add_group,
    add_incident,
    add_need,
    add_person,
    add_practice,
    grant,
)
from tests.rules.incident_world import RecordingNotifier
from tests.rules.needs_steps import deactivate

T = TypeVar("T")
ADMIN = 9300  # an administrator through AYILBOT_ADMIN_IDS
RAYON, OBLAST, CHUI, GROUPS, LEADER, MEMBER, FORMER = 3001, 3002, 3003, 3004, 3005, 3006, 3007
KATRAN = "BA-LEI-KAT"  # Leilek rayon, Batken oblast: outside Batken rayon
CHUI_PLACE = "CH-ALA-ALA"  # an aiyl aimak of Chui oblast
PERIOD_END = T0  # a Monday, 12:00 in Bishkek
NEXT_MONDAY_9 = T0 + timedelta(days=7, hours=-3)  # the default digest time, a week later


@dataclass
class World:
    kernel: Kernel
    rules: DigestRules
    notifier: RecordingNotifier
    clock: FrozenClock
    group: int  # MEMBER's peer group, the GROUPS coordinator's scope

    async def actor(self, user_id: int) -> Actor:
        return await self.kernel.actors.of_user(user_id)

    async def digest(self, user_id: int) -> CoordinatorDigest:
        period = period_for(PERIOD_END, self.kernel.settings.zone)
        return await self.rules.coordinator_digest(await self.actor(user_id), period)


def section(digest: CoordinatorDigest, kind: type[T]) -> T | None:
    """The digest's section of a kind, if it has one."""
    found = [s for s in digest.sections if isinstance(s, kind)]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    values: dict[str, Any] = {"AYILBOT_DB": tmp_path / "rules.db", "AYILBOT_ADMIN_IDS": str(ADMIN)}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    clock = FrozenClock(PERIOD_END)
    notifier = RecordingNotifier()
    kernel = Kernel(settings, db, clock, gazetteer, Access(gazetteer), notifier)
    # The features whose rules add sections, as the wiring installs them; digests last.
    for build in (GroupRules, EarlyWarningRules, NeedRules, PracticeRules, DigestRules):
        kernel.add(build(kernel))
    try:
        people = {
            ADMIN: "ru",
            RAYON: "ky",
            OBLAST: "ru",
            CHUI: "en",
            GROUPS: "en",
            LEADER: "ky",
            MEMBER: "ru",
            FORMER: "en",
        }
        for user_id, language in people.items():
            kind = "candidate" if user_id == MEMBER else "leader"
            await add_person(db, user_id, f"P{user_id}", kind=kind, language=language)
        group, _ = await add_group(db, creator=ADMIN, members=(MEMBER,))
        await grant(db, RAYON, "place", "BA-BAT")
        await grant(db, OBLAST, "place", "BA")
        await grant(db, CHUI, "place", "CH")
        await grant(db, GROUPS, "group", str(group))
        await grant(db, FORMER, "place", "BA")
        await deactivate(kernel, FORMER)
        yield World(kernel, kernel.get(DigestRules), notifier, clock, group)
    finally:
        await db.close()


async def seed_week(world: World) -> None:
    """Reports in Ak-Say (urgent) and Katran, practices of three reaches, a need, this week."""
    db = world.kernel.db
    week = PERIOD_END - timedelta(days=2)
    await add_incident(
        db, reporter_id=LEADER, place=AKSAY, received_at=week, urgent=True, injuries=1
    )
    await add_incident(db, reporter_id=LEADER, place=KATRAN, received_at=week)
    await add_practice(db, author_id=LEADER, title="Ak-Say canal", now=week)
    await add_practice(db, author_id=LEADER, title="Chui pasture", place=CHUI_PLACE, now=week)
    await add_practice(
        db,
        author_id=MEMBER,
        title="Group budget",
        place=None,
        groups=(world.group,),
        visible_to_all=False,
        now=week,
    )
    await add_need(db, author_id=MEMBER, now=week)


# ------------------------------------------------------------------------------- reach


@pytest.mark.parametrize(
    ("who", "new", "area", "everywhere", "practices"),
    [
        # An administrator: everything.
        (ADMIN, 2, (), True, {"Ak-Say canal", "Chui pasture", "Group budget"}),
        # An oblast coordinator: both rayons' reports (sub-places are in reach).
        (OBLAST, 2, ("BA",), False, {"Ak-Say canal"}),
        # A rayon coordinator: her rayon's aiyl aimaks, not Leilek's.
        (RAYON, 1, ("BA-BAT",), False, {"Ak-Say canal"}),
        # Another region: nothing of Batken.
        (CHUI, None, ("CH",), False, {"Chui pasture"}),
        # A group scope: no place, the practices shared with her group.
        (GROUPS, None, (), False, {"Group budget"}),
    ],
)
async def test_a_coordinator_digest_counts_what_her_reach_covers(
    world: World,
    who: int,
    new: int | None,
    area: tuple[str, ...],
    everywhere: bool,
    practices: set[str],
) -> None:
    await seed_week(world)
    digest = await world.digest(who)
    assert [p.code for p in digest.area] == list(area)
    assert digest.everywhere is everywhere
    incidents = section(digest, IncidentsSection)
    if new is None:
        assert incidents is None
    else:
        assert incidents is not None and incidents.new_this_week == new
    shared = section(digest, PracticesDigest)
    assert shared is not None
    assert {p.title for p in shared.approved} == practices
    assert not digest.quiet


@pytest.mark.parametrize("who", [LEADER, MEMBER, FORMER])
async def test_reporters_members_and_the_deactivated_get_no_coordinator_digest(
    world: World, who: int
) -> None:
    with pytest.raises(NotAllowed):
        await world.digest(who)


async def test_an_unregistered_person_gets_no_preview(world: World) -> None:
    with pytest.raises(NotRegistered):
        await world.rules.preview(await world.actor(4242))


async def test_the_rayons_digest_names_its_urgent_report_and_what_waits(world: World) -> None:
    await seed_week(world)
    digest = await world.digest(RAYON)
    incidents = section(digest, IncidentsSection)
    assert incidents is not None
    assert incidents.urgent_total == 1
    (urgent,) = incidents.urgent
    assert urgent.place is not None and urgent.place.code == AKSAY
    assert [(r.count.key, r.count.this_week) for r in incidents.by_rayon] == [("BA-BAT", 1)]
    assert incidents.charted and incidents.week_starts[-1] == (T0 - timedelta(days=7)).date()
    review = section(digest, ReviewSection)
    assert review is not None and review.pending_review == 1
    # The needs' funnel and the watch list are her reach's too.
    needs = section(digest, NeedsDigest)
    assert needs is not None and needs.funnel.total == 1 and not needs.news
    assert section(digest, WatchSection) is not None


async def test_sections_come_in_their_positions_and_a_broken_one_is_left_out(
    world: World,
) -> None:
    await seed_week(world)

    class Broken:
        digest_position = 15

        async def digest_section(self, reader: Actor, period: Period) -> object:
            raise RuntimeError("a bug in another feature")

    world.kernel.add(Broken())
    digest = await world.digest(ADMIN)
    kinds = [type(s) for s in digest.sections]
    assert kinds == [
        IncidentsSection,
        WatchSection,
        ReviewSection,
        PracticesDigest,
        NeedsDigest,
    ]


async def test_a_week_with_nothing_new_is_quiet(world: World) -> None:
    digest = await world.digest(CHUI)
    assert digest.sections == () and digest.quiet


# ------------------------------------------------------------------------------- /digest


async def test_the_preview_holds_the_coordinator_digest_and_her_groups(world: World) -> None:
    await seed_week(world)
    coordinator = await world.rules.preview(await world.actor(RAYON))
    assert coordinator.coordinator is not None and coordinator.coordinator.period.preview
    assert coordinator.groups == ()
    member = await world.rules.preview(await world.actor(MEMBER))
    assert member.coordinator is None
    (group,) = member.groups
    assert group.group_id == world.group and group.period.preview
    assert not group.empty and group.activity.practices_shared == 1


async def test_only_coordinators_choose_their_digest_time(world: World) -> None:
    leader = await world.actor(LEADER)
    shown = await world.rules.settings(leader)
    assert not shown.chooses_time and shown.schedule.enabled and shown.managed == ()
    with pytest.raises(NotAllowed):
        await world.rules.change_mine(leader, weekday=2)
    off = await world.rules.change_mine(leader, enabled=False)
    assert off.saved and not off.schedule.enabled
    rayon = await world.actor(RAYON)
    moved = await world.rules.change_mine(rayon, weekday=2)
    moved = await world.rules.change_mine(rayon, hour=18)
    assert (moved.schedule.weekday, moved.schedule.hour, moved.schedule.enabled) == (2, 18, True)
    with pytest.raises(StaleButton):
        await world.rules.change_mine(rayon, weekday=7)
    with pytest.raises(StaleButton):
        await world.rules.change_mine(rayon, hour=24)


async def test_a_groups_digest_is_set_by_those_whose_reach_holds_it(world: World) -> None:
    manager = await world.actor(GROUPS)
    assert [g.id for g in (await world.rules.settings(manager)).managed] == [world.group]
    changed = await world.rules.change_group(manager, world.group, weekday=1, language="ky")
    assert (changed.schedule.weekday, changed.language, changed.saved) == (1, "ky", True)
    with pytest.raises(StaleButton):
        await world.rules.change_group(manager, world.group, language="xx")
    for outsider in (RAYON, CHUI, MEMBER):
        with pytest.raises(NotAllowed):
            await world.rules.group_settings(await world.actor(outsider), world.group)
    with pytest.raises(StaleButton):  # no such group: the same answer as an old button
        await world.rules.group_settings(await world.actor(ADMIN), 99_999)
    async with world.kernel.db.reading() as conn:
        stored = await ScheduleRepository(conn).get(
            recipient_kind="group", recipient_id=world.group
        )
        group = await GroupRepository(conn).get(world.group)
    # The language is the group's own, one value: what the group page shows and its chat gets.
    assert group is not None
    assert (stored.weekday, group.language) == (1, "ky")
    page = await world.kernel.get(GroupRules).manage(await world.actor(ADMIN), world.group)
    assert page.card.language == "ky"
    russian = await world.rules.change_group(manager, world.group, language="ru")
    assert (russian.language, russian.schedule.weekday) == ("ru", 1)


# ------------------------------------------------------------------------------- delivery


async def test_each_digest_goes_once_at_its_time_as_a_notice(world: World) -> None:
    await world.rules.run_due(world.clock.now())  # the first run: nothing from the past
    await seed_week(world)
    world.clock.at = NEXT_MONDAY_9 - timedelta(minutes=1)
    assert (await world.rules.run_due(world.clock.now())).total == 0
    world.clock.at = NEXT_MONDAY_9
    report = await world.rules.run_due(world.clock.now())
    # Coordinators and administrators (not the deactivated one), and the group's member.
    coordinators = {ADMIN, RAYON, OBLAST, CHUI, GROUPS}
    assert report.sent == len(coordinators) + 1
    sent = {r.chat_id: (r.locale, type(n)) for r, n in world.notifier.sent}
    assert {c for c, (_, kind) in sent.items() if kind is CoordinatorDigest} == coordinators
    assert sent[MEMBER] == ("ru", GroupDigest)
    assert sent[RAYON][0] == "ky"
    again = await world.rules.run_due(world.clock.now() + timedelta(hours=1))
    assert again.total == 0 and len(world.notifier.sent) == len(coordinators) + 1


async def test_a_linked_chat_gets_the_group_digest_in_the_groups_language(world: World) -> None:
    """The chat in the group's language (set by the digest settings' button), not the bot's
    default nor its creator's; each member privately in her own."""
    chat = -100_300
    async with world.kernel.db.transaction() as conn:
        groups = GroupRepository(conn)
        await groups.link_chat(group_id=world.group, chat_id=chat, chat_title="Чат", now=T0)
        await groups.set_delivery(group_id=world.group, deliver_to="both", now=T0)
    manager = await world.actor(GROUPS)
    await world.rules.change_group(manager, world.group, language="en")
    assert world.kernel.settings.default_language == "ky"
    report = await world.rules.run_now(world.clock.now(), group=world.group)
    assert report.sent == 2
    sent = {r.chat_id: (r.locale, type(n)) for r, n in world.notifier.sent}
    assert sent == {chat: ("en", GroupDigest), MEMBER: ("ru", GroupDigest)}


async def test_blocked_failed_and_unknown_sends_are_handled_as_the_table_says(
    world: World,
) -> None:
    await world.rules.run_due(world.clock.now())
    world.notifier.failing = {
        RAYON: Delivery.BLOCKED,
        OBLAST: Delivery.FAILED,
        CHUI: Delivery.UNKNOWN,
    }
    world.clock.at = NEXT_MONDAY_9
    report = await world.rules.run_due(world.clock.now())
    assert report.results == {"sent": 3, "skipped": 1, "failed": 2}
    async with world.kernel.db.reading() as conn:
        blocked = await UserRepository(conn).get(RAYON)
    assert blocked is not None and not blocked.active  # no digest until she comes back
    # The next tick retries only the failure that surely did not leave.
    world.notifier.failing = {}
    world.clock.at = NEXT_MONDAY_9 + timedelta(hours=1)
    retried = await world.rules.run_due(world.clock.now())
    assert retried.results == {"sent": 1}
    assert world.notifier.chats().count(OBLAST) == 1 and CHUI not in world.notifier.chats()


async def test_what_a_person_was_sent_is_exported_and_erased(world: World) -> None:
    await world.rules.run_due(world.clock.now())
    rayon = await world.actor(RAYON)
    await world.rules.change_mine(rayon, hour=8)
    world.clock.at = NEXT_MONDAY_9 - timedelta(hours=1)
    await world.rules.run_due(world.clock.now())
    async with world.kernel.db.reading() as conn:
        exported = await world.rules.export_personal(conn, RAYON)
    assert exported["schedule"]["hour"] == 8
    assert [d["status"] for d in exported["deliveries"]] == ["sent"]
    async with world.kernel.db.transaction() as conn:
        await world.rules.erase_personal(conn, RAYON, "P-RAYON")
    async with world.kernel.db.reading() as conn:
        assert await world.rules.export_personal(conn, RAYON) == {
            "schedule": None,
            "deliveries": [],
        }
