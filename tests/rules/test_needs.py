"""NeedRules without Telegram: each use case, and who sees a need by `Reach` for every role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.access import Actor, NotAllowed, NotRegistered
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.forms.kinds import Env, Invalid
from bot.forms.need import PROGRAMME
from bot.forms.view import FormView
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.rules.needs import (
    Back,
    LastStage,
    NeedReminder,
    NeedRules,
    NoProgrammeNeeds,
    ProgrammeReady,
    ShareChoices,
    Shared,
    funnel_of,
)
from storage.drafts import DraftRepository
from storage.needs import ElectionResultRepository, NeedRepository
from storage.users import UserRepository
from tests.coordinator_steps import AKSAY, T0, add_group, add_need, add_person, grant
from tests.rules.needs_steps import ADMIN, deactivate, draft, env, notifier, rules_kernel

KADAMJAY = "BA-KAD-AIR"  # an aiyl aimak of another rayon of Batken
AIGUL, BERMET, ZARINA, LEADER = 1001, 1002, 1003, 1004
RAYON, CHUI, GROUPS, CREATOR, FORMER = 1010, 1011, 1012, 1013, 1014


@dataclass
class World:
    kernel: Kernel
    rules: NeedRules
    group: int  # Aigul's and Bermet's peer group, created by CREATOR
    aksay_need: int  # Aigul's, in Ak-Say
    kadamjay_need: int  # Zarina's, in Kadamjay, in no group

    async def actor(self, user_id: int) -> Actor:
        return await self.kernel.actors.of_user(user_id)

    async def actors(self, *user_ids: int) -> list[Actor]:
        return [await self.actor(i) for i in user_ids]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with rules_kernel(tmp_path) as kernel:
        db = kernel.db
        for user_id, name in ((AIGUL, "Айгүл"), (BERMET, "Бермет")):
            await add_person(db, user_id, name, kind="candidate", language="ky")
        await add_person(db, ZARINA, "Зарина", kind="candidate", place=KADAMJAY)
        await add_person(db, LEADER, "Leader")
        for user_id, name in ((RAYON, "Rayon"), (CHUI, "Chui"), (GROUPS, "Groups")):
            await add_person(db, user_id, name, kind="community", place=None)
        await add_person(db, CREATOR, "Creator", kind="community", place=None)
        await add_person(db, FORMER, "Former", kind="community", place=None)
        await add_person(db, ADMIN, "Admin", kind="community", place=None)
        group, _ = await add_group(db, creator=CREATOR, members=(AIGUL, BERMET))
        await grant(db, RAYON, "place", "BA-BAT")  # a rayon: its aiyl aimaks are in reach
        await grant(db, CHUI, "place", "CH")
        await grant(db, GROUPS, "group", str(group))
        await grant(db, CREATOR, "place", "CH")  # her reach holds the group she created
        await grant(db, FORMER, "place", "BA")
        await deactivate(kernel, FORMER)
        aksay = await add_need(db, author_id=AIGUL, place=AKSAY, photos=1)
        kadamjay = await add_need(db, author_id=ZARINA, place=KADAMJAY)
        yield World(kernel, kernel.get(NeedRules), group, aksay, kadamjay)


# ------------------------------------------------------------------------------- reach


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        (ADMIN, {"aksay", "kadamjay"}),  # everything
        (RAYON, {"aksay"}),  # Batken rayon covers Ak-Say, not Kadamjay
        (CHUI, set()),  # another region: nothing
        (GROUPS, {"aksay"}),  # a group scope: the needs of her group's members
        (CREATOR, {"aksay"}),  # the coordinator who created their group
    ],
)
async def test_coordinators_see_the_needs_their_reach_covers(
    world: World, who: int, sees: set[str]
) -> None:
    names = {world.aksay_need: "aksay", world.kadamjay_need: "kadamjay"}
    found = await world.rules.visible_needs(await world.actor(who))
    assert {names[n.id] for n in found} == sees
    overview = await world.rules.overview(await world.actor(who))
    assert overview.funnel.total == len(sees)


@pytest.mark.parametrize("who", [AIGUL, LEADER, FORMER])
async def test_only_coordinators_list_needs(world: World, who: int) -> None:
    with pytest.raises(NotAllowed):
        await world.rules.visible_needs(await world.actor(who))


async def test_a_need_card_is_for_its_author_her_shared_groups_and_coordinators_in_reach(
    world: World,
) -> None:
    need = world.aksay_need
    mine = await world.rules.card(await world.actor(AIGUL), need)
    assert (mine.mine, mine.author, mine.back, mine.may_move) == (True, None, Back.MINE, True)
    assert mine.item.place is not None and mine.item.place.code == AKSAY
    assert mine.has_files  # the photo
    for outsider in (BERMET, ZARINA, LEADER, CHUI, FORMER):
        with pytest.raises(NotAllowed):
            await world.rules.card(await world.actor(outsider), need)
    seen = await world.rules.card(await world.actor(RAYON), need)
    assert (seen.mine, seen.author, seen.back, seen.may_move) == (
        False,
        "Айгүл",
        Back.OVERVIEW,
        False,
    )
    assert (await world.rules.card(await world.actor(CREATOR), need)).author == "Айгүл"
    with pytest.raises(StaleButton):  # no such need: the same answer as a stale button
        await world.rules.card(await world.actor(ADMIN), 99_999)

    await world.rules.share(await world.actor(AIGUL), need)
    peer = await world.rules.card(await world.actor(BERMET), need)
    assert (peer.author, peer.back, peer.may_join) == ("Айгүл", Back.SHARED, False)
    files = await world.rules.files(await world.actor(BERMET), need)
    assert [f["file_id"] for f in files.files] == ["NPHOTO-0"]
    with pytest.raises(NotAllowed):  # shared with Aigul's group, not with Zarina
        await world.rules.files(await world.actor(ZARINA), need)


async def test_a_deactivated_coordinator_keeps_no_reach_over_her_groups(world: World) -> None:
    async with world.kernel.db.transaction() as conn:
        await UserRepository(conn).deactivate(user_id=CREATOR, now=T0)
    creator = await world.actor(CREATOR)
    assert creator.reach.nothing
    with pytest.raises(NotAllowed):
        await world.rules.card(creator, world.aksay_need)


# ------------------------------------------------------------------------------- lists


async def test_my_needs_and_those_shared_in_my_groups(world: World) -> None:
    aigul, bermet, zarina = await world.actors(AIGUL, BERMET, ZARINA)
    mine = await world.rules.my_needs(aigul)
    assert [i.need.id for i in mine.items] == [world.aksay_need] and mine.in_groups
    assert not (await world.rules.my_needs(zarina)).in_groups
    assert await world.rules.shared_in_groups(bermet) == ()
    await world.rules.share(aigul, world.aksay_need)
    assert [i.need.id for i in await world.rules.shared_in_groups(bermet)] == [world.aksay_need]
    assert await world.rules.shared_in_groups(aigul) == ()  # her own is in /myneeds
    with pytest.raises(NotAllowed):
        await world.rules.my_needs(await world.actor(LEADER))  # a village leader records none


async def test_topic_needs_and_an_unknown_topic(world: World) -> None:
    rayon = await world.actor(RAYON)
    found = await world.rules.topic_needs(rayon, "water")
    assert [i.need.id for i in found.items] == [world.aksay_need]
    assert (await world.rules.topic_needs(rayon, "school")).items == ()
    with pytest.raises(StaleButton):
        await world.rules.topic_needs(rayon, "weather")


# ------------------------------------------------------------------------------- sharing


async def test_sharing_with_her_only_group_at_once_or_choosing_among_several(
    world: World,
) -> None:
    aigul = await world.actor(AIGUL)
    shared = await world.rules.share(aigul, world.aksay_need)
    assert isinstance(shared, Shared) and shared.card.item.need.shared_with == (world.group,)
    unshared = await world.rules.unshare(aigul, world.aksay_need)
    assert unshared.item.need.shared_with == ()

    second, _ = await add_group(world.kernel.db, creator=CREATOR, members=(AIGUL,))
    aigul = await world.actor(AIGUL)
    choices = await world.rules.share(aigul, world.aksay_need)
    assert isinstance(choices, ShareChoices) and set(choices.groups) == {world.group, second}
    both = await world.rules.share(aigul, world.aksay_need, 0)
    assert isinstance(both, Shared) and set(both.card.item.need.shared_with) == {
        world.group,
        second,
    }
    with pytest.raises(StaleButton):  # a group she is not in
        await world.rules.share(aigul, world.aksay_need, 777)
    with pytest.raises(NotAllowed):  # not her need
        await world.rules.share(await world.actor(BERMET), world.aksay_need)
    alone = await world.rules.share(await world.actor(ZARINA), world.kadamjay_need)
    assert isinstance(alone, ShareChoices) and alone.groups == {}


# ------------------------------------------------------------------------------- the track


async def test_joined_needs_move_together_and_budget_counts_once(world: World) -> None:
    db = world.kernel.db
    lead = world.aksay_need
    member = await add_need(db, author_id=AIGUL, description="member")
    other = await add_need(db, author_id=AIGUL, description="other")
    aigul = await world.actor(AIGUL)
    choices = await world.rules.join_choices(aigul, member)
    assert [n.id for n in choices.leads] == [lead, other]
    joined = await world.rules.join(aigul, member, lead)
    assert [n.id for n in joined.joined] == [member] and joined.item.need.id == lead
    with pytest.raises(StaleButton):  # already part of an initiative
        await world.rules.join(aigul, member, other)
    assert (await world.rules.join_choices(aigul, member)).leads == ()
    move = draft(
        "need_stage",
        {"stage": "budgeted", "amount": 90_000, "happened_on": "2026-03-01"},
        user_id=AIGUL,
        need=lead,
        stage="recorded",
    )
    async with db.transaction() as conn:
        receipt = await world.rules.submit_stage(conn, move, aigul, env(aigul, world.kernel))
    assert receipt.params == {"number": lead, "stage": "budget allocated"}
    async with db.reading() as conn:
        needs = {n.id: n for n in await NeedRepository(conn).by_author(AIGUL)}
    assert (needs[member].stage, needs[member].amount_som) == ("budgeted", 90_000)
    assert needs[other].stage == "recorded"
    funnel = funnel_of(list(needs.values()))
    assert (funnel.total, funnel.raised, funnel.budgeted, funnel.implemented) == (3, 2, 2, 0)
    assert funnel.som_allocated == 90_000  # the initiative's budget, not twice


async def test_a_stage_is_refused_when_the_need_moved_on_or_the_date_goes_back(
    world: World,
) -> None:
    db, need = world.kernel.db, world.aksay_need
    aigul = await world.actor(AIGUL)
    form_env = env(aigul, world.kernel)
    raised = draft(
        "need_stage",
        {"stage": "raised", "happened_on": "2026-03-01"},
        user_id=AIGUL,
        need=need,
        stage="recorded",
    )
    async with db.transaction() as conn:
        await world.rules.submit_stage(conn, raised, aigul, form_env)
    async with db.transaction() as conn:
        with pytest.raises(Invalid, match="moved on"):  # opened at "recorded": stale now
            await world.rules.submit_stage(conn, raised, aigul, form_env)
    earlier = draft(
        "need_stage",
        {"stage": "in_plan", "happened_on": "2026-02-01"},
        user_id=AIGUL,
        need=need,
        stage="raised",
    )
    async with db.transaction() as conn:
        with pytest.raises(Invalid, match="cannot be earlier") as refused:
            await world.rules.submit_stage(conn, earlier, aigul, form_env)
    assert refused.value.params == {"date": "01.03.2026"}
    bermet = await world.actor(BERMET)
    async with db.transaction() as conn:
        with pytest.raises(Invalid, match="no longer exists"):  # not hers
            await world.rules.submit_stage(conn, earlier, bermet, env(bermet, world.kernel))


async def test_recording_progress_opens_the_form_until_the_last_stage(world: World) -> None:
    aigul = await world.actor(AIGUL)
    opened = await world.rules.start_move(aigul, world.aksay_need)
    assert isinstance(opened, FormView) and f"№ {world.aksay_need}" in opened.text  # in ky
    async with world.kernel.db.reading() as conn:
        live = await DraftRepository(conn).live_for_form(user_id=AIGUL, form_id="need_stage")
    assert live is not None and live.context["need"] == world.aksay_need
    async with world.kernel.db.transaction() as conn:
        await NeedRepository(conn).set_stage(
            need_ids=[world.aksay_need],
            stage="implemented",
            reached="implemented",
            stage_on=date(2026, 3, 1),
            amount_som=None,
            now=T0,
        )
    assert await world.rules.start_move(aigul, world.aksay_need) == LastStage(world.aksay_need)
    with pytest.raises(NotAllowed):
        await world.rules.start_move(await world.actor(BERMET), world.aksay_need)
    stranger = Actor(user_id=5555, locale="ru", user=None)
    with pytest.raises(NotRegistered):
        await world.rules.start_move(stranger, world.aksay_need)


# ------------------------------------------------------------------------------- reminders


async def test_reminders_are_notices_once_a_month_and_count_only_what_arrived(
    world: World,
) -> None:
    sent = notifier(world.kernel).sent
    now = T0 + timedelta(days=31)
    assert await world.rules.send_reminders(T0) == 0  # nothing is a month old yet
    assert await world.rules.send_reminders(now) == 2  # Aigul's and Zarina's open needs
    recipients = {r for r, _ in sent}
    assert recipients == {Recipient(AIGUL, "ky"), Recipient(ZARINA, "ru")}
    notice = next(n for r, n in sent if r.chat_id == AIGUL)
    assert isinstance(notice, NeedReminder)
    assert [i.need.id for i in notice.items] == [world.aksay_need]
    assert await world.rules.send_reminders(now + timedelta(days=1)) == 0  # claimed: no repeat

    sent.clear()
    notifier(world.kernel).outcome = Delivery.BLOCKED
    assert await world.rules.send_reminders(now + timedelta(days=31)) == 0
    assert len(sent) == 2  # handed over, but nobody was reached


# ------------------------------------------------------------------------------- programme


async def test_the_programme_holds_the_chosen_needs_and_follows_as_a_notice(
    world: World,
) -> None:
    db = world.kernel.db
    aigul, bermet, zarina = await world.actors(AIGUL, BERMET, ZARINA)
    assert await world.rules.start_programme(await world.actor(RAYON)) == NoProgrammeNeeds()
    school = await add_need(db, author_id=AIGUL, description="school")
    async with db.transaction() as conn:
        await NeedRepository(conn).share(need_id=world.aksay_need, group_id=world.group, now=T0)
    opened = await world.rules.start_programme(bermet)  # only what her group shared
    assert isinstance(opened, FormView)
    assert [o.label.split(" · ")[-1] for row in opened.rows[:1] for o in row] == [
        "👥 The school has no water."
    ]
    chosen = draft("programme", {"needs": [str(school), str(world.aksay_need)]}, user_id=AIGUL)
    async with db.transaction() as conn:
        submitted = await world.rules.submit_programme(
            conn, chosen, aigul, env(aigul, world.kernel, "ky")
        )
    assert submitted.after_commit is not None
    await submitted.after_commit()
    ((recipient, notice),) = notifier(world.kernel).sent
    assert recipient == Recipient(AIGUL, "ky") and isinstance(notice, ProgrammeReady)
    assert [i.need.id for i in notice.items] == [school, world.aksay_need]  # as chosen
    assert notice.author == "Айгүл" and notice.place is not None
    foreign = draft("programme", {"needs": [str(world.kadamjay_need)]}, user_id=AIGUL)
    async with db.transaction() as conn:
        with pytest.raises(Invalid):  # Zarina's need is neither hers nor shared with her
            await world.rules.submit_programme(conn, foreign, aigul, env(aigul, world.kernel))
    assert isinstance(await world.rules.start_programme(zarina), FormView)


# ------------------------------------------------------------------------------- elections


@pytest.mark.parametrize(
    ("who", "seen", "elected"),
    [
        (ADMIN, {AIGUL, ZARINA}, 1),
        (RAYON, {AIGUL}, 1),
        (GROUPS, {AIGUL}, 1),
        (CREATOR, {AIGUL}, 1),
        (CHUI, set(), 0),
    ],
)
async def test_election_results_by_reach(
    world: World, who: int, seen: set[int], elected: int
) -> None:
    async with world.kernel.db.transaction() as conn:
        results = ElectionResultRepository(conn)
        for user_id, outcome, place in (
            (AIGUL, "elected", AKSAY),
            (ZARINA, "did_not_run", KADAMJAY),
        ):
            await results.create(
                draft_id=f"e{user_id}",
                user_id=user_id,
                outcome=outcome,
                election_on=date(2026, 4, 11),
                place_code=place,
                now=datetime.now(UTC),
            )
    found = await world.rules.results(await world.actor(who))
    assert {r.result.user_id for r in found.results} == seen
    assert found.summary.elected == elected
    assert (await world.rules.overview(await world.actor(who))).with_elections


async def test_candidates_record_results_but_never_read_them(world: World) -> None:
    aigul = await world.actor(AIGUL)
    vote = draft("election", {"outcome": "elected", "election_on": "2026-04-11"}, user_id=AIGUL)
    async with world.kernel.db.transaction() as conn:
        await world.rules.submit_election(conn, vote, aigul, env(aigul, world.kernel))
    async with world.kernel.db.reading() as conn:
        (stored,) = await ElectionResultRepository(conn).by_user(AIGUL)
    assert (stored.outcome, stored.place_code) == ("elected", AKSAY)
    with pytest.raises(NotAllowed):
        await world.rules.results(aigul)


# ------------------------------------------------------------------------------- others


async def test_export_tracks_leave_out_needs_out_of_reach(world: World) -> None:
    async with world.kernel.db.transaction() as conn:
        repo = NeedRepository(conn)
        for need in (world.aksay_need, world.kadamjay_need):
            await repo.add_stage(
                need_id=need,
                draft_id=f"s{need}",
                stage="raised",
                from_stage="recorded",
                happened_on=date(2026, 3, 1),
                raised_with="okmotu",
                amount_som=None,
                reason=None,
                evidence=[],
                recorded_by=AIGUL,
                now=T0,
            )
        both = [await repo.get(world.aksay_need), await repo.get(world.kadamjay_need)]
    needs = [n for n in both if n is not None]
    rayon = await world.rules.tracks(await world.actor(RAYON), needs)
    assert [s.need_id for s in rayon] == [world.aksay_need]
    everyone = await world.rules.tracks(await world.actor(ADMIN), needs)
    assert [s.need_id for s in everyone] == [world.aksay_need, world.kadamjay_need]


async def test_mydata_lists_her_needs_and_deleteme_erases_them(world: World) -> None:
    async with world.kernel.db.transaction() as conn:
        mine = await world.rules.export_personal(conn, AIGUL)
        assert [n["id"] for n in mine["needs"]] == [world.aksay_need]
        assert mine["needs"][0]["created_at"] == T0.isoformat()
        await world.rules.erase_personal(conn, AIGUL, "P-1")
        assert (await world.rules.export_personal(conn, AIGUL))["needs"] == []
        assert await NeedRepository(conn).get(world.kadamjay_need) is not None


def test_the_programme_form_names_needs_in_the_readers_language() -> None:
    step = PROGRAMME.steps[0]
    choices = [
        {"id": 5, "topic": "school", "text": "Бала бакча жок", "theirs": True},
        {"id": 6, "topic": "water", "text": None, "theirs": False},
        [7, "💧 № 7 · shown before"],  # a draft opened before the form drew its labels
    ]
    ky = Env(translator("ky"), None, Gazetteer.default(), date(2026, 3, 2), {"choices": choices})
    labels = [(o.value, o.label) for o in step.kind.options({}, ky)]
    assert labels == [
        ("5", "🏫 № 5 · 👥 Бала бакча жок"),
        ("6", "💧 № 6 · 🎤"),
        ("7", "💧 № 7 · shown before"),
    ]


async def test_her_username_is_for_coordinators_in_reach_not_for_her_group(world: World) -> None:
    need = world.aksay_need
    async with world.kernel.db.transaction() as conn:
        await UserRepository(conn).update_profile(user_id=AIGUL, now=T0, username="aigul_b")
    await world.rules.share(await world.actor(AIGUL), need)
    assert (await world.rules.card(await world.actor(BERMET), need)).author == "Айгүл"
    assert (await world.rules.card(await world.actor(RAYON), need)).author == "Айгүл (@aigul_b)"
    groups = await world.rules.card(await world.actor(GROUPS), need)  # a group scope
    assert groups.author == "Айгүл (@aigul_b)"


async def test_the_programme_parts_her_record_from_her_proposals(world: World) -> None:
    db = world.kernel.db
    aigul = await world.actor(AIGUL)
    later = await add_need(db, author_id=AIGUL, description="No road.")
    theirs = await add_need(db, author_id=BERMET, description="No light.")
    async with db.transaction() as conn:
        repo = NeedRepository(conn)
        await repo.set_stage(
            need_ids=[world.aksay_need],
            stage="implemented",
            reached="implemented",
            stage_on=date(2026, 9, 1),
            amount_som=150_000,
            now=T0,
        )
        await repo.set_stage(
            need_ids=[theirs],
            stage="in_plan",
            reached="in_plan",
            stage_on=T0.date(),
            amount_som=None,
            now=T0,
        )
        await repo.share(need_id=theirs, group_id=world.group, now=T0)
        # She typed her village: her place is that village, not the rayon left in its code.
        await UserRepository(conn).update_profile(
            user_id=AIGUL, now=T0, place_code="BA-BAT", place_other="Кара-Булак"
        )
    chosen = [str(world.aksay_need), str(later), str(theirs)]
    async with db.transaction() as conn:
        submitted = await world.rules.submit_programme(
            conn,
            draft("programme", {"needs": chosen}, user_id=AIGUL),
            aigul,
            env(aigul, world.kernel),
        )
    assert submitted.after_commit is not None
    await submitted.after_commit()
    ((_, notice),) = notifier(world.kernel).sent
    assert isinstance(notice, ProgrammeReady)
    assert [i.need.id for i in notice.achieved] == [world.aksay_need, theirs]
    assert [i.need.id for i in notice.proposed] == [later]
    assert notice.theirs == frozenset({theirs})
    assert (notice.place, notice.village) == (None, "Кара-Булак")
