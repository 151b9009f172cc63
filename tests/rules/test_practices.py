"""The practice and recommendation rules without Telegram: reach, seats, review, relays, search."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.errors import NotAllowed, NotRegistered, StaleButton
from bot.core.notices import Recipient
from bot.forms.kinds import Invalid
from bot.forms.view import FormView
from bot.rules.practices import (
    AlreadyAnswered,
    AlreadyReviewed,
    AnswerRelayed,
    Approved,
    AwaitsReview,
    ContactShared,
    EditsAsked,
    Helpful,
    NoWords,
    Order,
    PracticeApproved,
    PracticeDeclined,
    QuestionRelayed,
    SearchPage,
    Seat,
)
from bot.rules.recommendations import Compiled
from storage.audit import AuditRepository
from storage.practices import PracticeRepository
from tests.coordinator_steps import AKSAY, add_group, add_person, add_practice, grant
from tests.rules.practice_world import ADMIN, World, draft, env, world

AUTHOR, PEER, MEMBER = 101, 102, 103  # Ak-Say; the author and MEMBER are in the group
RAYON, CHUI, SCOPED, CREATOR, NATIONAL = 201, 202, 203, 204, 205  # coordinators
STRANGER = 777  # never registered
KADAMJAY = "BA-KAD-AMS"  # another rayon of Batken oblast


@dataclass
class Seeded:
    world: World
    group: int
    public: int
    shared: int  # only with the group, written in Ak-Say
    far: int  # only with another group, written in Kadamjay
    pending: int


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Seeded]:
    async with world(tmp_path) as w:
        db = w.db
        for user_id, name, kind, place, language in (
            (ADMIN, "Admin", "community", None, "en"),
            (AUTHOR, "Бакыт", "leader", AKSAY, "ky"),
            (PEER, "Жылдыз", "leader", AKSAY, "ru"),
            (MEMBER, "Асель", "candidate", AKSAY, "ru"),
            (RAYON, "Rayon", "community", "BA-BAT", "en"),
            (CHUI, "Chui", "community", "CH", "en"),
            (SCOPED, "Scoped", "community", "CH", "en"),
            (CREATOR, "Creator", "community", "CH", "ru"),
            (NATIONAL, "National", "community", "CH", "en"),
        ):
            await add_person(db, user_id, name, kind=kind, place=place, language=language)
        group, _ = await add_group(db, creator=CREATOR, members=(AUTHOR, MEMBER))
        other, _ = await add_group(db, creator=PEER, members=(PEER,))
        await grant(db, RAYON, "place", "BA-BAT")
        await grant(db, CHUI, "place", "CH")
        await grant(db, SCOPED, "group", str(group))
        await grant(db, CREATOR, "place", "CH")
        await grant(db, NATIONAL, "all")
        yield Seeded(
            world=w,
            group=group,
            public=await add_practice(db, author_id=AUTHOR, title="Public canal"),
            shared=await add_practice(
                db, author_id=AUTHOR, title="Group shelter", visible_to_all=False, groups=(group,)
            ),
            far=await add_practice(
                db,
                author_id=PEER,
                place=KADAMJAY,
                title="Kadamjay pasture",
                visible_to_all=False,
                groups=(other,),
            ),
            pending=await add_practice(
                db,
                author_id=AUTHOR,
                title="Pending idea",
                approved=False,
                visible_to_all=False,
                groups=(group,),
            ),
        )


async def titles(w: World, user_id: int) -> set[str]:
    listing = await w.practices.browse(await w.actor(user_id))
    return {line.practice.title for line in listing.lines}


async def test_reach_decides_who_sees_a_practice_shared_with_a_group(seeded: Seeded) -> None:
    w = seeded.world
    everything = {"Public canal", "Group shelter", "Kadamjay pasture"}
    assert await titles(w, ADMIN) == everything
    assert await titles(w, NATIONAL) == everything  # a coordinator of the whole country
    # A rayon's coordinator sees its aiyl aimaks (Ak-Say), not another rayon's group practice.
    assert await titles(w, RAYON) == {"Public canal", "Group shelter"}
    assert await titles(w, CHUI) == {"Public canal"}  # another region: nothing of Batken's
    assert await titles(w, SCOPED) == {"Public canal", "Group shelter"}  # a `group:` scope
    assert await titles(w, MEMBER) == {"Public canal", "Group shelter"}  # a member
    assert await titles(w, PEER) == {"Public canal", "Kadamjay pasture"}  # her own group's
    # The group's creator sees it only while she is a coordinator: the reach holds it then.
    assert await titles(w, CREATOR) == {"Public canal", "Group shelter"}
    await w.revoke(CREATOR)
    assert await titles(w, CREATOR) == {"Public canal"}
    with pytest.raises(NotRegistered):
        await w.practices.browse(await w.actor(STRANGER))


async def test_filters_pages_and_order(seeded: Seeded) -> None:
    w = seeded.world
    admin = await w.actor(ADMIN)
    for n in range(6):
        await add_practice(w.db, author_id=PEER, title=f"Water {n}")
    first = await w.practices.browse(admin)
    assert (first.paging.total, first.paging.pages, len(first.lines)) == (9, 2, 5)
    last = await w.practices.browse(admin, page=7)  # moved back into range
    assert (last.paging.page, last.paging.first, len(last.lines)) == (1, 6, 4)
    kadamjay = await w.practices.browse(admin, region="BA-KAD")
    assert [line.practice.title for line in kadamjay.lines] == ["Kadamjay pasture"]
    assert kadamjay.region_where.name("ru") == "Кадамжайский район"
    assert (await w.practices.browse(admin, topic="pasture")).paging.total == 0
    assert first.waiting == 1 and first.may_export
    reader = await w.practices.browse(await w.actor(PEER), order=Order.MOST_USEFUL)
    assert reader.waiting is None and not reader.may_export
    for bad in ({"topic": "weather"}, {"region": "XX-NOWHERE"}):
        with pytest.raises(StaleButton):
            await w.practices.browse(admin, **bad)  # type: ignore[arg-type]
    regions = await w.practices.region_filter(await w.actor(RAYON), topic=None, order=Order.NEWEST)
    assert [p.code for p in regions.regions] == ["BA-BAT"]  # where what she sees comes from


async def test_the_seat_decides_the_buttons_of_an_opened_practice(seeded: Seeded) -> None:
    w = seeded.world
    peer = await w.practices.open(await w.actor(MEMBER), seeded.shared)
    assert peer.seat is Seat.PEER and peer.may_mark_helpful and peer.may_ask
    assert not (peer.status_shown or peer.may_edit or peer.may_review)
    assert peer.author_name is None  # the author did not agree to be named
    author = await w.practices.open(await w.actor(AUTHOR), seeded.pending)
    assert author.seat is Seat.AUTHOR and author.may_edit and author.status_shown
    assert not (author.may_ask or author.may_mark_helpful or author.may_review)
    assert author.group_names and not author.for_everyone
    reviewer = await w.practices.open(await w.actor(RAYON), seeded.pending)
    assert reviewer.seat is Seat.REVIEWER and reviewer.may_review
    assert reviewer.author_name == "Бакыт"  # a reviewer sees who wrote it
    # Out of reach is answered as missing, for a pending and for a group practice alike.
    for user_id, practice in ((CHUI, seeded.pending), (CHUI, seeded.shared), (PEER, 9999)):
        with pytest.raises(StaleButton):
            await w.practices.open(await w.actor(user_id), practice)


async def test_approval_tells_the_author_once_and_only_reviewers_in_reach_may(
    seeded: Seeded,
) -> None:
    w = seeded.world
    with pytest.raises(NotAllowed):
        await w.practices.approve(await w.actor(PEER), seeded.pending)
    with pytest.raises(StaleButton):
        await w.practices.approve(await w.actor(CHUI), seeded.pending)
    assert w.notifier.sent == []
    waiting = await w.practices.waiting(await w.actor(SCOPED), 0)
    assert [line.practice.id for line in waiting.lines] == [seeded.pending]
    assert (await w.practices.waiting(await w.actor(CHUI), 0)).lines == ()
    done = await w.practices.approve(await w.actor(SCOPED), seeded.pending)
    assert done == Approved(seeded.pending)
    assert w.notifier.sent == [
        (Recipient(AUTHOR, "ky"), PracticeApproved(seeded.pending, "Pending idea"))
    ]
    again = await w.practices.approve(await w.actor(RAYON), seeded.pending)
    assert again == AlreadyReviewed("approved") and len(w.notifier.sent) == 1
    assert await titles(w, MEMBER) >= {"Pending idea"}


async def test_reviewers_are_the_coordinators_whose_reach_covers_the_practice(
    seeded: Seeded,
) -> None:
    w = seeded.world
    async with w.db.reading() as conn:
        pending = await PracticeRepository(conn).get(seeded.pending)
    assert pending is not None
    reviewers = {u.id for u in await w.practices.reviewers(pending)}
    # Ak-Say's rayon, the country, the group's scope and its creator (a coordinator); not Chui.
    assert reviewers == {RAYON, NATIONAL, SCOPED, CREATOR}
    await w.revoke(CREATOR)
    assert CREATOR not in {u.id for u in await w.practices.reviewers(pending)}
    # Nobody's reach covers a practice from Osh: the administrators are told.
    await w.revoke(NATIONAL)
    lonely = await add_practice(w.db, author_id=PEER, place="OS", approved=False)
    async with w.db.reading() as conn:
        far = await PracticeRepository(conn).get(lonely)
    assert far is not None
    assert [u.id for u in await w.practices.reviewers(far)] == [ADMIN]


async def test_submitting_tells_the_reviewers_after_commit(seeded: Seeded) -> None:
    w = seeded.world
    author = await w.actor(PEER)
    answers = {
        "topic": "water",
        "title": "Night watering",
        "situation": "The lower village had no water.",
        "actions": "Watering at night by turns.",
        "result": "Both villages water.",
        "advice": "Agree the turns early.",
        "groups": ["all"],
        "show_author": "no",
        "contact": "yes",
    }
    async with w.db.transaction() as conn:
        done = await w.practices.submit(
            conn, draft("practice", PEER, answers, {}), author, env(w.kernel)
        )
    assert w.notifier.sent == []  # nothing before the commit
    assert done.after_commit is not None
    await done.after_commit()
    told = {(r.chat_id, type(n)) for r, n in w.notifier.sent}
    assert told == {(RAYON, AwaitsReview), (NATIONAL, AwaitsReview)}
    notice = w.notifier.sent[0][1]
    assert isinstance(notice, AwaitsReview) and notice.where.name("ky") == "Ак-Сай"
    # Choosing only a group she is not in is refused with a message.
    answers["groups"] = [str(seeded.group)]
    with pytest.raises(Invalid):
        async with w.db.transaction() as conn:
            await w.practices.submit(
                conn, draft("practice", PEER, answers, {"n": 2}), author, env(w.kernel)
            )


async def test_comments_go_to_the_author_and_she_edits_from_a_prefilled_form(
    seeded: Seeded,
) -> None:
    w = seeded.world
    reviewer = await w.actor(RAYON)
    opened = await w.practices.start_edits_request(reviewer, seeded.pending)
    assert isinstance(opened, FormView)
    comment = draft(
        "practice_edits", RAYON, {"comment": "Name the villages."}, {"practice_id": seeded.pending}
    )
    async with w.db.transaction() as conn:
        done = await w.practices.submit_edits(conn, comment, reviewer, env(w.kernel))
    assert done.after_commit is not None
    await done.after_commit()
    assert w.notifier.to(AUTHOR) == [
        EditsAsked(seeded.pending, "Pending idea", "Name the villages.")
    ]
    edit = await w.practices.start_edit(await w.actor(AUTHOR), seeded.pending)
    assert "Pending idea" in edit.text  # straight to the summary, pre-filled
    with pytest.raises(StaleButton):  # only the author edits
        await w.practices.start_edit(await w.actor(MEMBER), seeded.pending)
    decline = await w.practices.start_decline(reviewer, seeded.pending)
    assert decline == AlreadyReviewed("changes")
    async with w.db.reading() as conn:
        audit = await AuditRepository(conn).for_entity(
            entity="practice", entity_id=str(seeded.pending)
        )
    assert [(a.action, a.actor_id, a.reason) for a in audit] == [
        ("edits_requested", RAYON, "Name the villages.")
    ]
    assert not any(isinstance(n, PracticeDeclined) for _, n in w.notifier.sent)


async def test_helpful_is_counted_once_and_never_for_the_author(seeded: Seeded) -> None:
    w = seeded.world
    member = await w.actor(MEMBER)
    assert await w.practices.mark_helpful(member, seeded.shared) is Helpful.NOTED
    assert await w.practices.mark_helpful(member, seeded.shared) is Helpful.ALREADY
    assert await w.practices.mark_helpful(await w.actor(AUTHOR), seeded.shared) is Helpful.OWN
    with pytest.raises(StaleButton):  # not in her reach: as if missing
        await w.practices.mark_helpful(await w.actor(CHUI), seeded.shared)
    assert (await w.practices.open(member, seeded.shared)).helped


async def test_questions_and_answers_are_relayed_naming_no_one_unless_both_agree(
    seeded: Seeded,
) -> None:
    w = seeded.world
    member, author = await w.actor(MEMBER), await w.actor(AUTHOR)
    with pytest.raises(StaleButton):  # one does not ask oneself
        await w.practices.start_question(author, seeded.shared)
    asked = draft(
        "practice_ask",
        MEMBER,
        {"question": "How many hours?", "share": "yes"},
        {"practice_id": seeded.shared},
    )
    async with w.db.transaction() as conn:
        done = await w.practices.submit_question(conn, asked, member, env(w.kernel))
    assert done.after_commit is not None
    await done.after_commit()
    (relay,) = w.notifier.to(AUTHOR)
    assert isinstance(relay, QuestionRelayed) and relay.question == "How many hours?"
    assert "Асель" not in repr(relay) and str(MEMBER) not in repr(relay)
    answer_form = await w.practices.start_answer(author, relay.question_id)
    assert isinstance(answer_form, FormView)
    with pytest.raises(StaleButton):  # only the author answers
        await w.practices.start_answer(member, relay.question_id)

    async def answer(share: str) -> None:
        given = draft(
            "practice_answer",
            AUTHOR,
            {"answer": "Six.", "share": share},
            {"question_id": relay.question_id},
        )
        async with w.db.transaction() as conn:
            sent = await w.practices.submit_answer(conn, given, author, env(w.kernel))
        assert sent.after_commit is not None
        await sent.after_commit()

    await answer("yes")
    (to_asker,) = w.notifier.to(MEMBER)
    assert isinstance(to_asker, AnswerRelayed) and to_asker.answer == "Six."
    assert to_asker.author is not None and to_asker.author.name == "Бакыт"
    to_author, shared = w.notifier.sent[-1]
    assert to_author == Recipient(AUTHOR, "ky")
    assert isinstance(shared, ContactShared) and shared.asker.name == "Асель"
    assert await w.practices.start_answer(author, relay.question_id) == (AlreadyAnswered())


async def test_search_keeps_its_words_for_their_owner_only(seeded: Seeded) -> None:
    w = seeded.world
    member, peer = await w.actor(MEMBER), await w.actor(PEER)
    assert await w.practices.search(member, "a !") == NoWords()
    found = await w.practices.search(member, "shelter")
    assert isinstance(found, SearchPage)
    assert [line.practice.title for line in found.lines] == ["Group shelter"]
    hidden = await w.practices.search(peer, "shelter")  # not hers to see
    assert isinstance(hidden, SearchPage) and hidden.paging.total == 0
    with pytest.raises(StaleButton):  # another person's saved search
        await w.practices.search_page(peer, found.search_id, 0)


async def test_the_recommendations_document_covers_the_coordinators_reach(
    seeded: Seeded,
) -> None:
    w = seeded.world
    rules = w.recommendations

    def compiled_titles(compiled: Compiled) -> set[str]:
        return {e.practice.title for s in compiled.sections for e in s.entries}

    rayon = await rules.document(await w.actor(RAYON), topic=None, days=0, fmt="docx")
    assert compiled_titles(rayon) == {"Public canal", "Group shelter"}
    chui = await rules.document(await w.actor(CHUI), topic="water", days=365, fmt="md")
    assert compiled_titles(chui) == {"Public canal"}
    with pytest.raises(NotAllowed):
        rules.choices(await w.actor(MEMBER))
    for bad in ({"fmt": "pdf", "days": 0}, {"fmt": "md", "days": 7}):
        with pytest.raises(StaleButton):
            await rules.document(await w.actor(ADMIN), topic=None, **bad)  # type: ignore[arg-type]


async def test_the_search_form_sends_its_first_page_after_the_receipt(seeded: Seeded) -> None:
    w = seeded.world
    member = await w.actor(MEMBER)
    with pytest.raises(Invalid):
        async with w.db.transaction() as conn:
            await w.practices.submit_search(
                conn, draft("practice_search", MEMBER, {"words": "—"}, {}), member, env(w.kernel)
            )
    async with w.db.transaction() as conn:
        done = await w.practices.submit_search(
            conn, draft("practice_search", MEMBER, {"words": "public"}, {}), member, env(w.kernel)
        )
    assert done.params == {"words": "public"} and w.notifier.sent == []
    assert done.after_commit is not None
    await done.after_commit()
    ((to, page),) = w.notifier.sent
    assert to == Recipient(MEMBER, "ru") and isinstance(page, SearchPage)
    assert [line.practice.title for line in page.lines] == ["Public canal"]


async def test_my_practices_are_mine_in_every_status(seeded: Seeded) -> None:
    w = seeded.world
    mine = await w.practices.mine(await w.actor(AUTHOR), 0)
    assert {(p.title, p.status) for p in mine.practices} == {
        ("Public canal", "approved"),
        ("Group shelter", "approved"),
        ("Pending idea", "pending"),
    }
    peer = await w.practices.mine(await w.actor(PEER), 0)
    assert [p.title for p in peer.practices] == ["Kadamjay pasture"]


async def test_a_declined_practice_is_told_with_its_reason_and_cannot_be_edited(
    seeded: Seeded,
) -> None:
    w = seeded.world
    reviewer, author = await w.actor(SCOPED), await w.actor(AUTHOR)
    reason = draft(
        "practice_decline", SCOPED, {"reason": "A repeat."}, {"practice_id": seeded.pending}
    )
    async with w.db.transaction() as conn:
        done = await w.practices.submit_decline(conn, reason, reviewer, env(w.kernel))
    assert done.after_commit is not None
    await done.after_commit()
    assert w.notifier.to(AUTHOR) == [PracticeDeclined("Pending idea", "A repeat.")]
    async with w.db.transaction() as conn:  # a second reviewer's late comment changes nothing
        late = await w.practices.submit_decline(conn, reason, await w.actor(RAYON), env(w.kernel))
    assert late.after_commit is None and len(w.notifier.sent) == 1
    card = await w.practices.open(author, seeded.pending)
    assert card.note == "A repeat." and not card.may_edit
    with pytest.raises(StaleButton):
        await w.practices.start_edit(author, seeded.pending)
