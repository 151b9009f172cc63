"""Practices: sharing, approval, browsing, search, "this helped me" and asking the author.

Who sees a practice is one rule: approved, and shared with everyone registered, or written by
the viewer, or shared with a group she is in; a coordinator also sees what her reach covers
(`actor.reach`: the places of her scopes with their sub-places, the groups of her scopes and
the ones she created while she is a coordinator). Out of reach is answered as missing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from bot.core.access import Actor, Permission, Reach, codes_within, scopes_from_roles
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.core.notices import Recipient
from bot.core.text import N_
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.kinds import Env, Invalid
from bot.forms.practice import (
    ANSWER_QUESTION,
    ASK_AUTHOR,
    ASK_FOR_EDITS,
    DECLINE,
    EVERYONE,
    PRACTICE,
    PRACTICE_EDIT,
    SEARCH,
    TOPIC_LABELS,
)
from bot.forms.view import FormView
from bot.gazetteer import Gazetteer, Place
from bot.records.core import Draft, Role, User
from bot.records.digests import Period
from bot.records.practices import (
    Filter,
    Practice,
    PracticeContent,
    PracticeFile,
    PracticeLine,
    Viewer,
)
from bot.rules.paging import Paging
from bot.typed_text import clean_text
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.groups import GroupRepository
from storage.practices import PracticeRepository, match_expression
from storage.users import RoleRepository, UserRepository

PER_PAGE = 5  # one screen on a small phone
DIGEST_APPROVED = 5  # practices approved in the week, named in the coordinator digest
DIGEST_HELPFUL = 3
SHELF = 20  # practices per topic on the dashboard
SEARCHES_KEPT = timedelta(days=2)
EDITABLE = ("pending", "changes")


class Order(StrEnum):
    """How the list of practices is sorted."""

    NEWEST = "new"
    MOST_USEFUL = "useful"


class Seat(StrEnum):
    """Why a person may open a practice: as a peer, as its author, or as its reviewer."""

    PEER = "peer"
    AUTHOR = "author"
    REVIEWER = "reviewer"


class Helpful(StrEnum):
    """What "this helped me" did."""

    NOTED = "noted"
    ALREADY = "already"  # the person had marked it before
    OWN = "own"  # one's own practice is not counted


@dataclass(frozen=True, slots=True)
class Where:
    """A place and its ancestors up to the oblast, named by a screen in its reader's language.

    Empty when no place was given or its code is no longer in the gazetteer.
    """

    chain: tuple[Place, ...] = ()

    def name(self, locale: str) -> str | None:
        """The place's own name, or None."""
        return self.chain[0].name(locale) if self.chain else None

    def path(self, locale: str) -> str | None:
        """The place with its rayon and oblast, or None."""
        return ", ".join(p.name(locale) for p in self.chain) if self.chain else None


@dataclass(frozen=True, slots=True)
class Line:
    """A practice in a list."""

    practice: Practice
    where: Where


@dataclass(frozen=True, slots=True)
class Browse:
    """/practices: a page of what the person may see, with the filters and her extra buttons."""

    lines: tuple[Line, ...]
    paging: Paging
    topic: str | None
    region: str | None
    region_where: Where
    order: Order
    waiting: int | None  # practices she may approve; None when she reviews none
    may_export: bool


@dataclass(frozen=True, slots=True)
class TopicFilter:
    """The topic question of /practices, keeping the other filters."""

    region: str | None
    order: Order


@dataclass(frozen=True, slots=True)
class RegionFilter:
    """The region question: the rayons practices the person may see come from."""

    topic: str | None
    order: Order
    regions: tuple[Place, ...]


@dataclass(frozen=True, slots=True)
class Mine:
    """A page of the person's own practices, with their status."""

    practices: tuple[Practice, ...]
    paging: Paging


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A page of matches of a saved search, best first; also sent after the search form."""

    search_id: int
    words: str
    lines: tuple[Line, ...]
    paging: Paging


@dataclass(frozen=True, slots=True)
class NoWords:
    """/search with nothing searchable (no word of two letters or more)."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """A page of the practices waiting for this coordinator's approval, oldest first."""

    lines: tuple[Line, ...]
    paging: Paging


@dataclass(frozen=True, slots=True)
class Card:
    """A practice opened in full, with what the person may do with it."""

    practice: Practice
    where: Where
    shown_on: date  # approved (or written) on, in the bot's time zone
    seat: Seat
    author_name: str | None  # only where the author agreed, or to her reviewer
    files: tuple[PracticeFile, ...]
    status_shown: bool  # to its author and its reviewer
    for_everyone: bool
    group_names: tuple[str, ...]
    note: str | None  # the coordinator's comment, shown with the status
    helped: bool
    may_mark_helpful: bool
    may_ask: bool
    may_edit: bool
    may_review: bool


@dataclass(frozen=True, slots=True)
class AlreadyAnswered:
    """The author pressed Answer on a question she has answered."""


@dataclass(frozen=True, slots=True)
class AlreadyReviewed:
    """Another coordinator (or an earlier press) reviewed the practice first."""

    status: str


@dataclass(frozen=True, slots=True)
class Approved:
    """The practice is published; its author is told."""

    practice_id: int


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach a person; only exchanged when both sides agreed."""

    user_id: int
    name: str
    username: str | None


# Notices: drawn by the practices feature's screens, sent through the kernel's notifier.


@dataclass(frozen=True, slots=True)
class AwaitsReview:
    """To a coordinator: a practice waits for her approval."""

    practice: Practice
    where: Where


@dataclass(frozen=True, slots=True)
class PracticeApproved:
    """To the author: her practice is published."""

    practice_id: int
    title: str


@dataclass(frozen=True, slots=True)
class EditsAsked:
    """To the author: a coordinator asks for edits."""

    practice_id: int
    title: str
    comment: str


@dataclass(frozen=True, slots=True)
class PracticeDeclined:
    """To the author: her practice is not published, and why."""

    title: str
    reason: str


@dataclass(frozen=True, slots=True)
class QuestionRelayed:
    """To the author: a peer's question, naming nobody."""

    question_id: int
    title: str
    question: str


@dataclass(frozen=True, slots=True)
class AnswerRelayed:
    """To the peer who asked: the author's answer; her contact if both agreed."""

    title: str
    answer: str
    author: Contact | None


@dataclass(frozen=True, slots=True)
class ContactShared:
    """To the author, when both agreed: how to reach the person who asked."""

    asker: Contact


@dataclass(frozen=True, slots=True)
class Shelf:
    """The approved practices of one topic a person may see, most "helped me" first."""

    topic: str
    lines: tuple[Line, ...]
    total: int  # of the topic; `lines` holds at most SHELF of them


def viewer_of(actor: Actor) -> Viewer:
    """Whose eyes a practice query is for: the person, and her reach as a coordinator."""
    reach = actor.reach
    if reach.everything:
        return Viewer(actor.user_id, sees_all=True)
    return Viewer(actor.user_id, places=reach.place_codes or (), groups=reach.group_ids or ())


def where_of(gazetteer: Gazetteer, code: str | None) -> Where:
    """A stored place code as a place to name (empty when none or unknown)."""
    if code is None or gazetteer.resolve(code) is None:
        return Where()
    return Where(tuple(gazetteer.ancestors(code)))


def display_name(user: User) -> str:
    """First and last name, never the username or id."""
    return " ".join(p for p in (user.first_name, user.last_name) if p)


def contact_of(user: User) -> Contact:
    """A person's contact, for an exchange both agreed to."""
    return Contact(user.id, display_name(user), user.username)


def _files(value: Any) -> list[PracticeFile]:
    return [
        PracticeFile(
            kind=str(f["type"]),
            file_id=str(f["file_id"]),
            unique_id=f.get("unique_id"),
            mime=f.get("mime"),
            name=f.get("name"),
            duration=f.get("duration"),
        )
        for f in value or ()
    ]


def _file_answers(files: Sequence[PracticeFile]) -> list[dict[str, Any]]:
    found = []
    for f in files:
        data: dict[str, Any] = {"type": f.kind, "file_id": f.file_id, "unique_id": f.unique_id}
        data.update(
            {
                k: v
                for k, v in (("mime", f.mime), ("name", f.name), ("duration", f.duration))
                if v is not None
            }
        )
        found.append(data)
    return found


@dataclass(frozen=True, slots=True)
class PracticesDigest:
    """The coordinator digest's practices: approved in her reach this week, the most helpful."""

    approved: tuple[PracticeLine, ...]  # the newest DIGEST_APPROVED
    approved_total: int
    most_helpful: tuple[PracticeLine, ...]

    @property
    def news(self) -> bool:
        return True


class PracticeRules:
    """Every rule about practices."""

    digest_position = 40  # in the coordinator digest: after what waits for review

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    @property
    def forms(self) -> FormEngine:
        return self.kernel.get(FormEngine)

    # who sees and who reviews ----------------------------------------------------------------

    def viewer(self, actor: Actor) -> Viewer:
        """The visibility rule's input for this actor; the person must be registered."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        return viewer_of(actor)

    def where(self, code: str | None) -> Where:
        """A stored place code as a place to name (empty when unknown)."""
        return where_of(self.kernel.gazetteer, code)

    async def may_review(self, conn: Connection, actor: Actor, practice: Practice) -> bool:
        """Coordinators whose reach covers the author's place or a chosen group; not authors."""
        if not self.kernel.access.allows(actor, Permission.REVIEW_PRACTICES):
            return False
        if actor.is_admin:
            return True
        if practice.author_id == actor.user_id:
            return False
        groups = await PracticeRepository(conn).group_ids(practice.id)
        return actor.reach.covers(place=practice.place_code, groups=groups)

    async def reviewers(self, practice: Practice) -> list[User]:
        """Who is told about a practice to approve: each coordinator whose reach covers it.

        The reach is the one every coordinator has when she opens it (her scopes, and the
        groups she created); when nobody's covers it, the administrators are told.
        """
        kernel = self.kernel
        async with kernel.db.reading() as conn:
            group_ids = await PracticeRepository(conn).group_ids(practice.id)
            groups = await GroupRepository(conn).with_ids(group_ids)
            roles: dict[int, list[Role]] = {}
            for role in await RoleRepository(conn).holders("coordinator"):
                roles.setdefault(role.user_id, []).append(role)
            found = [
                user_id
                for user_id, held in roles.items()
                if Reach.of(
                    scopes_from_roles(held),
                    kernel.gazetteer,
                    created_groups=[g.id for g in groups if g.created_by == user_id],
                ).covers(place=practice.place_code, groups=group_ids)
            ]
            if not found:
                found = sorted(kernel.settings.admin_ids)
            users = UserRepository(conn)
            people = []
            for user_id in dict.fromkeys(found):
                user = await users.get(user_id)
                if user is not None and user.active and user_id != practice.author_id:
                    people.append(user)
        return people

    async def _audit(
        self,
        conn: Connection,
        actor: Actor,
        practice_id: int,
        action: str,
        *,
        from_value: str | None,
        to_value: str | None,
        reason: str | None = None,
    ) -> None:
        await AuditRepository(conn).record(
            actor_id=actor.user_id,
            entity="practice",
            entity_id=str(practice_id),
            action=action,
            from_value=from_value,
            to_value=to_value,
            reason=reason,
            now=self.kernel.clock.now(),
        )

    async def _tell(self, user: User, notice: object) -> None:
        await self.kernel.notifier.notify(Recipient(user.id, user.language), notice)

    # sharing -------------------------------------------------------------------------------

    async def _group_choices(self, actor: Actor) -> list[list[Any]]:
        async with self.kernel.db.reading() as conn:
            groups = await GroupRepository(conn).of_member(actor.user_id)
        return [[g.id, g.name] for g in groups]

    async def start_sharing(self, actor: Actor) -> FormView:
        """/practice: open the form; the author's groups become the visibility options."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        groups = await self._group_choices(actor)
        return await self.forms.start(actor, form_id="practice", context={"groups": groups})

    async def _content(
        self, conn: Connection, answers: Mapping[str, Any], actor: Actor
    ) -> tuple[PracticeContent, list[int]]:
        chosen = [str(v) for v in answers.get("groups") or ()]
        everyone = EVERYONE in chosen
        group_ids: list[int] = []
        if not everyone:
            mine = set(await GroupRepository(conn).group_ids_of(actor.user_id))
            group_ids = [int(v) for v in chosen if v.isdigit() and int(v) in mine]
            if not group_ids:
                raise Invalid(
                    N_("You are no longer in the groups you chose. Please choose again.")
                )
        amount = answers.get("amount")
        content = PracticeContent(
            topic=str(answers["topic"]),
            topic_other=answers.get("topic_other"),
            title=str(answers["title"]),
            situation=str(answers["situation"]),
            actions=str(answers["actions"]),
            result=str(answers["result"]),
            plan_budget=answers.get("plan_budget"),
            amount_som=int(amount) if amount is not None else None,
            advice=str(answers["advice"]),
            visible_to_all=everyone,
            allow_contact=answers.get("contact") == "yes",
            show_author=answers.get("show_author") == "yes",
        )
        return content, group_ids

    async def submit(self, conn: Connection, draft: Draft, actor: Actor, env: Env) -> Submitted:
        """Store a new practice, waiting for a coordinator; reviewers are told after commit."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        content, group_ids = await self._content(conn, draft.answers, actor)
        repo = PracticeRepository(conn)
        user = actor.user
        practice_id = await repo.insert(
            draft_id=draft.id,
            form_version=draft.form_version,
            author_id=actor.user_id,
            author_kind=user.kind if user else None,
            place_code=user.place_code if user else None,
            content=content,
            now=self.kernel.clock.now(),
        )
        await repo.set_groups(practice_id=practice_id, group_ids=group_ids)
        await repo.set_attachments(
            practice_id=practice_id, files=_files(draft.answers.get("files"))
        )
        await self._audit(
            conn, actor, practice_id, "submitted", from_value=None, to_value="pending"
        )
        practice = await repo.get(practice_id)
        assert practice is not None
        return Submitted(
            N_(
                "Thank you! Your practice «{title}» (No. {number}) is sent to a coordinator. "
                "You will be told when it is approved."
            ),
            {"title": content.title, "number": practice_id},
            after_commit=self._tell_reviewers(practice),
        )

    def _tell_reviewers(self, practice: Practice) -> Callable[[], Awaitable[None]]:
        async def tell() -> None:
            notice = AwaitsReview(practice, self.where(practice.place_code))
            for reviewer in await self.reviewers(practice):
                await self._tell(reviewer, notice)

        return tell

    async def start_edit(self, actor: Actor, practice_id: int) -> FormView:
        """The author edits a practice not yet published: the summary, pre-filled."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        async with self.kernel.db.reading() as conn:
            repo = PracticeRepository(conn)
            practice = await repo.get(practice_id)
            if (
                practice is None
                or practice.author_id != actor.user_id
                or practice.status not in EDITABLE
            ):
                raise StaleButton
            files = await repo.attachments(practice_id)
            shared = await repo.group_ids(practice_id)
        groups = await self._group_choices(actor)
        c = practice.content
        answers: dict[str, Any] = {
            "topic": c.topic,
            "title": c.title,
            "situation": c.situation,
            "actions": c.actions,
            "result": c.result,
            "advice": c.advice,
            "files": _file_answers(files) or None,
            "show_author": "yes" if c.show_author else "no",
            "contact": "yes" if c.allow_contact else "no",
        }
        if c.topic_other:
            answers["topic_other"] = c.topic_other
        if c.plan_budget is not None:
            answers["plan_budget"] = c.plan_budget
            answers["amount"] = c.amount_som
        # Groups the author has left are dropped; if none is left, the author chooses again.
        mine = {gid for gid, _ in groups}
        chosen = [EVERYONE] if c.visible_to_all else [str(g) for g in shared if g in mine]
        if chosen:
            answers["groups"] = chosen
        return await self.forms.start(
            actor,
            form_id="practice_edit",
            context={"groups": groups, "practice_id": practice_id},
            answers=answers,
            restart=True,
        )

    async def submit_edit(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the author's changes; the practice waits for approval again."""
        repo = PracticeRepository(conn)
        practice = await repo.get(int(draft.context["practice_id"]))
        if (
            practice is None
            or practice.author_id != actor.user_id
            or practice.status not in EDITABLE
        ):
            raise Invalid(N_("This practice can no longer be edited."))
        content, group_ids = await self._content(conn, draft.answers, actor)
        await repo.revise(practice_id=practice.id, content=content, now=self.kernel.clock.now())
        await repo.set_groups(practice_id=practice.id, group_ids=group_ids)
        await repo.set_attachments(
            practice_id=practice.id, files=_files(draft.answers.get("files"))
        )
        await self._audit(
            conn, actor, practice.id, "revised", from_value=practice.status, to_value="pending"
        )
        return Submitted(
            N_("Thank you! The changed practice «{title}» is sent for approval again."),
            {"title": content.title},
            after_commit=self._tell_reviewers(replace(practice, content=content)),
        )

    # reading -------------------------------------------------------------------------------

    def _lines(self, found: Sequence[Practice]) -> tuple[Line, ...]:
        return tuple(Line(p, self.where(p.place_code)) for p in found)

    async def _waiting_count(self, conn: Connection, actor: Actor) -> int | None:
        if not self.kernel.access.allows(actor, Permission.REVIEW_PRACTICES):
            return None
        waiting = await PracticeRepository(conn).waiting()
        return sum([await self.may_review(conn, actor, p) for p in waiting])

    async def browse(
        self,
        actor: Actor,
        *,
        topic: str | None = None,
        region: str | None = None,
        order: Order = Order.NEWEST,
        page: int = 0,
    ) -> Browse:
        """/practices: approved practices I may see, filtered, newest or most useful first."""
        viewer = self.viewer(actor)
        gazetteer = self.kernel.gazetteer
        if topic is not None and topic not in TOPIC_LABELS:
            raise StaleButton
        if region is not None and gazetteer.resolve(region) is None:
            raise StaleButton
        places = tuple(sorted(codes_within(gazetteer, region))) if region else None
        where = Filter(topic=topic, places=places)
        async with self.kernel.db.reading() as conn:
            repo = PracticeRepository(conn)
            paging = Paging.of(await repo.count_visible(viewer, where), page, PER_PAGE)
            found = await repo.visible(
                viewer, where, sort=order.value, limit=PER_PAGE, offset=paging.offset
            )
            waiting = await self._waiting_count(conn, actor)
        return Browse(
            lines=self._lines(found),
            paging=paging,
            topic=topic,
            region=region,
            region_where=self.where(region),
            order=order,
            waiting=waiting,
            may_export=self.kernel.access.allows(actor, Permission.EXPORT),
        )

    async def shelves(self, actor: Actor) -> tuple[Shelf, ...]:
        """The dashboard's practices: what the person may see, by topic, most useful first."""
        viewer = self.viewer(actor)
        shelves = []
        async with self.kernel.db.reading() as conn:
            repo = PracticeRepository(conn)
            for topic in TOPIC_LABELS:
                where = Filter(topic=topic)
                total = await repo.count_visible(viewer, where)
                if total:
                    found = await repo.visible(viewer, where, sort="useful", limit=SHELF)
                    shelves.append(Shelf(topic, self._lines(found), total))
        return tuple(shelves)

    def topic_filter(self, actor: Actor, *, region: str | None, order: Order) -> TopicFilter:
        """The topic filter's question."""
        self.viewer(actor)
        return TopicFilter(region, order)

    async def region_filter(
        self, actor: Actor, *, topic: str | None, order: Order
    ) -> RegionFilter:
        """The region filter's question: rayons where practices I may see come from."""
        viewer = self.viewer(actor)
        gazetteer = self.kernel.gazetteer
        async with self.kernel.db.reading() as conn:
            codes = await PracticeRepository(conn).visible_places(viewer)
        regions: dict[str, Place] = {}
        for code in codes:
            if gazetteer.resolve(code) is None:
                continue
            rayon = gazetteer.rayon_of(code) or gazetteer[code]
            regions[rayon.code] = rayon
        return RegionFilter(topic, order, tuple(regions.values()))

    async def mine(self, actor: Actor, page: int) -> Mine:
        """My practices with their status."""
        self.viewer(actor)
        async with self.kernel.db.reading() as conn:
            repo = PracticeRepository(conn)
            paging = Paging.of(await repo.count_by_author(actor.user_id), page, PER_PAGE)
            found = await repo.by_author(actor.user_id, limit=PER_PAGE, offset=paging.offset)
        return Mine(tuple(found), paging)

    async def open(self, actor: Actor, practice_id: int) -> Card:
        """A practice in full with its files: for peers who may see it, its author, a reviewer."""
        viewer = self.viewer(actor)
        async with self.kernel.db.reading() as conn:
            repo = PracticeRepository(conn)
            practice = await repo.visible_one(viewer, practice_id)
            seat = Seat.PEER
            if practice is None:
                practice = await repo.get(practice_id)
                if practice is None:
                    raise StaleButton
                if practice.author_id == actor.user_id:
                    seat = Seat.AUTHOR
                elif await self.may_review(conn, actor, practice):
                    seat = Seat.REVIEWER
                else:
                    raise StaleButton
            elif practice.author_id == actor.user_id:
                seat = Seat.AUTHOR
            files = await repo.attachments(practice_id)
            author = (
                await UserRepository(conn).get(practice.author_id)
                if practice.author_id is not None
                else None
            )
            groups = await GroupRepository(conn).with_ids(await repo.group_ids(practice_id))
            helped = await repo.helped(practice_id=practice_id, user_id=actor.user_id)
        return self._card(practice, seat, author, files, [g.name for g in groups], helped)

    def _card(
        self,
        practice: Practice,
        seat: Seat,
        author: User | None,
        files: Sequence[PracticeFile],
        group_names: Sequence[str],
        helped: bool,
    ) -> Card:
        """The decisions of an opened practice, for the seat the person opened it from."""
        c = practice.content
        status_shown = seat is not Seat.PEER
        shown_author = author is not None and (c.show_author or seat is Seat.REVIEWER)
        when = practice.approved_at or practice.created_at
        return Card(
            practice=practice,
            where=self.where(practice.place_code),
            shown_on=when.astimezone(self.kernel.settings.zone).date(),
            seat=seat,
            author_name=display_name(author) if shown_author and author else None,
            files=tuple(files),
            status_shown=status_shown,
            for_everyone=c.visible_to_all,
            group_names=tuple(group_names),
            note=practice.review_note
            if status_shown and practice.status in ("changes", "declined")
            else None,
            helped=helped,
            may_mark_helpful=seat is Seat.PEER,
            may_ask=seat is Seat.PEER and c.allow_contact and practice.author_id is not None,
            may_edit=seat is Seat.AUTHOR and practice.status in EDITABLE,
            may_review=seat is Seat.REVIEWER and practice.status == "pending",
        )

    # "This helped me" and asking the author -----------------------------------------------

    async def mark_helpful(self, actor: Actor, practice_id: int) -> Helpful:
        """Count the person once."""
        viewer = self.viewer(actor)
        async with self.kernel.db.transaction() as conn:
            repo = PracticeRepository(conn)
            practice = await repo.visible_one(viewer, practice_id)
            if practice is None:
                raise StaleButton
            if practice.author_id == actor.user_id:
                return Helpful.OWN
            added = await repo.mark_helpful(
                practice_id=practice_id, user_id=actor.user_id, now=self.kernel.clock.now()
            )
        return Helpful.NOTED if added else Helpful.ALREADY

    async def start_question(self, actor: Actor, practice_id: int) -> FormView:
        """The "Ask the author" button: a short form whose answer the bot relays."""
        viewer = self.viewer(actor)
        async with self.kernel.db.reading() as conn:
            practice = await PracticeRepository(conn).visible_one(viewer, practice_id)
        if (
            practice is None
            or not practice.content.allow_contact
            or practice.author_id in (None, actor.user_id)
        ):
            raise StaleButton
        return await self.forms.start(
            actor,
            form_id="practice_ask",
            context={"practice_id": practice_id},
            restart=True,
        )

    async def submit_question(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the question and relay it to the author, naming no one."""
        repo = PracticeRepository(conn)
        practice = await repo.visible_one(self.viewer(actor), int(draft.context["practice_id"]))
        if practice is None or not practice.content.allow_contact or practice.author_id is None:
            raise Invalid(N_("This practice no longer takes questions. Press Cancel."))
        text = str(draft.answers["question"])
        question_id = await repo.add_question(
            draft_id=draft.id,
            practice_id=practice.id,
            asker_id=actor.user_id,
            question=text,
            asker_shares=draft.answers.get("share") == "yes",
            now=self.kernel.clock.now(),
        )
        await self._audit(
            conn, actor, practice.id, "question", from_value=None, to_value=str(question_id)
        )
        author = await UserRepository(conn).get(practice.author_id)
        if author is None:
            raise Invalid(N_("This practice no longer takes questions. Press Cancel."))
        relay = QuestionRelayed(question_id, practice.title, text)

        async def send() -> None:
            await self._tell(author, relay)

        return Submitted(
            N_("Your question is sent to the author. Their answer will come here."),
            after_commit=send,
        )

    async def start_answer(self, actor: Actor, question_id: int) -> FormView | AlreadyAnswered:
        """The author's Answer button."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        async with self.kernel.db.reading() as conn:
            repo = PracticeRepository(conn)
            question = await repo.question(question_id)
            practice = await repo.get(question.practice_id) if question else None
        if question is None or practice is None or practice.author_id != actor.user_id:
            raise StaleButton
        if question.answer is not None:
            return AlreadyAnswered()
        return await self.forms.start(
            actor,
            form_id="practice_answer",
            context={"question_id": question_id},
            restart=True,
        )

    async def submit_answer(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the answer and relay it; contacts are exchanged only if both agreed."""
        repo = PracticeRepository(conn)
        question = await repo.question(int(draft.context["question_id"]))
        practice = await repo.get(question.practice_id) if question else None
        if question is None or practice is None or practice.author_id != actor.user_id:
            raise Invalid(N_("This question is no longer open. Press Cancel."))
        answer = str(draft.answers["answer"])
        shares = draft.answers.get("share") == "yes"
        if not await repo.answer(
            question_id=question.id,
            draft_id=draft.id,
            answer=answer,
            author_shares=shares,
            now=self.kernel.clock.now(),
        ):
            raise Invalid(N_("You have already answered this question. Press Cancel."))
        users = UserRepository(conn)
        asker = await users.get(question.asker_id)
        author = await users.get(actor.user_id)
        if asker is None or author is None:
            return Submitted(N_("Your answer is saved, but the person who asked has left."))
        both = question.asker_shares and shares
        to_asker = AnswerRelayed(practice.title, answer, contact_of(author) if both else None)

        async def send() -> None:
            await self._tell(asker, to_asker)
            if both:
                await self._tell(author, ContactShared(contact_of(asker)))

        return Submitted(N_("Your answer is sent."), after_commit=send)

    # search --------------------------------------------------------------------------------

    async def start_search(self, actor: Actor) -> FormView:
        """The Search button: ask for a word."""
        self.viewer(actor)
        return await self.forms.start(actor, form_id="practice_search", restart=True)

    async def _save_search(self, conn: Connection, actor: Actor, words: str) -> int:
        repo = PracticeRepository(conn)
        now = self.kernel.clock.now()
        await repo.forget_searches_before(before=now - SEARCHES_KEPT)
        return await repo.save_search(user_id=actor.user_id, query=words, now=now)

    async def search(self, actor: Actor, words: str) -> SearchPage | NoWords:
        """/search word: the first page of matches."""
        self.viewer(actor)
        if match_expression(words) is None:
            return NoWords()
        async with self.kernel.db.transaction() as conn:
            # /search words arrive as command arguments, not through a form's Input.
            search_id = await self._save_search(conn, actor, clean_text(words).strip()[:100])
        return await self.search_page(actor, search_id, 0)

    async def submit_search(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """The search form: keep the words, then send the first page of matches."""
        words = str(draft.answers["words"])
        if match_expression(words) is None:
            raise Invalid(N_("Please type a word of two letters or more."))
        search_id = await self._save_search(conn, actor, words)

        async def results() -> None:
            page = await self.search_page(actor, search_id, 0)
            await self.kernel.notifier.notify(Recipient(actor.user_id, actor.locale), page)

        return Submitted(N_("Searching for «{words}»…"), {"words": words}, after_commit=results)

    async def search_page(self, actor: Actor, search_id: int, page: int) -> SearchPage:
        """A page of matches among the practices I may see, best match first."""
        viewer = self.viewer(actor)
        async with self.kernel.db.reading() as conn:
            repo = PracticeRepository(conn)
            words = await repo.search_query(search_id=search_id, user_id=actor.user_id)
            if words is None:
                raise StaleButton
            where = Filter(match=match_expression(words))
            paging = Paging.of(await repo.count_visible(viewer, where), page, PER_PAGE)
            found = await repo.visible(viewer, where, limit=PER_PAGE, offset=paging.offset)
        return SearchPage(search_id, words, self._lines(found), paging)

    # review --------------------------------------------------------------------------------

    async def waiting(self, actor: Actor, page: int) -> Waiting:
        """Practices waiting for this coordinator's approval, oldest first."""
        self.kernel.access.require(actor, Permission.REVIEW_PRACTICES)
        async with self.kernel.db.reading() as conn:
            found = [
                p
                for p in await PracticeRepository(conn).waiting()
                if await self.may_review(conn, actor, p)
            ]
        paging = Paging.of(len(found), page, PER_PAGE)
        shown = found[paging.offset : paging.offset + PER_PAGE]
        return Waiting(self._lines(shown), paging)

    async def _reviewable(self, conn: Connection, actor: Actor, practice_id: int) -> Practice:
        self.kernel.access.require(actor, Permission.REVIEW_PRACTICES)
        practice = await PracticeRepository(conn).get(practice_id)
        # Out of reach is answered as missing: practice numbers cannot be probed from here.
        if practice is None or not await self.may_review(conn, actor, practice):
            raise StaleButton
        return practice

    async def approve(self, actor: Actor, practice_id: int) -> Approved | AlreadyReviewed:
        """Publish the practice to the audience its author chose; the author is told."""
        async with self.kernel.db.transaction() as conn:
            practice = await self._reviewable(conn, actor, practice_id)
            if not await PracticeRepository(conn).set_status(
                practice_id=practice_id,
                from_status="pending",
                to_status="approved",
                note=None,
                reviewed_by=actor.user_id,
                now=self.kernel.clock.now(),
            ):
                return AlreadyReviewed(practice.status)
            await self._audit(
                conn, actor, practice_id, "approved", from_value="pending", to_value="approved"
            )
            author = await self._author(conn, practice)
        if author is not None:
            await self._tell(author, PracticeApproved(practice_id, practice.title))
        return Approved(practice_id)

    async def _author(self, conn: Connection, practice: Practice) -> User | None:
        if practice.author_id is None:
            return None
        return await UserRepository(conn).get(practice.author_id)

    async def start_edits_request(
        self, actor: Actor, practice_id: int
    ) -> FormView | AlreadyReviewed:
        """Ask for edits: a one-question form for the comment the author gets."""
        return await self._start_review_comment(actor, practice_id, "practice_edits")

    async def start_decline(self, actor: Actor, practice_id: int) -> FormView | AlreadyReviewed:
        """Decline: a one-question form for the reason the author gets."""
        return await self._start_review_comment(actor, practice_id, "practice_decline")

    async def _start_review_comment(
        self, actor: Actor, practice_id: int, form_id: str
    ) -> FormView | AlreadyReviewed:
        async with self.kernel.db.reading() as conn:
            practice = await self._reviewable(conn, actor, practice_id)
        if practice.status != "pending":
            return AlreadyReviewed(practice.status)
        return await self.forms.start(
            actor,
            form_id=form_id,
            context={"practice_id": practice_id},
            restart=True,
        )

    async def _review_with_note(
        self,
        conn: Connection,
        draft: Draft,
        actor: Actor,
        *,
        to_status: str,
        note: str,
        notice: Callable[[Practice], object],
        done: str,
    ) -> Submitted:
        practice = await self._reviewable(conn, actor, int(draft.context["practice_id"]))
        if not await PracticeRepository(conn).set_status(
            practice_id=practice.id,
            from_status="pending",
            to_status=to_status,
            note=note,
            reviewed_by=actor.user_id,
            now=self.kernel.clock.now(),
        ):
            return Submitted(N_("This practice was already reviewed; nothing was changed."))
        await self._audit(
            conn,
            actor,
            practice.id,
            "edits_requested" if to_status == "changes" else "declined",
            from_value="pending",
            to_value=to_status,
            reason=note,
        )
        author = await self._author(conn, practice)
        if author is None:
            return Submitted(done)
        told = notice(practice)

        async def tell() -> None:
            await self._tell(author, told)

        return Submitted(done, after_commit=tell)

    async def submit_edits(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Send the practice back to its author with the coordinator's comment."""
        comment = str(draft.answers["comment"])
        return await self._review_with_note(
            conn,
            draft,
            actor,
            to_status="changes",
            note=comment,
            notice=lambda p: EditsAsked(p.id, p.title, comment),
            done=N_("Sent back to the author with your comment."),
        )

    async def submit_decline(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Decline the practice with a reason the author is told."""
        reason = str(draft.answers["reason"])
        return await self._review_with_note(
            conn,
            draft,
            actor,
            to_status="declined",
            note=reason,
            notice=lambda p: PracticeDeclined(p.title, reason),
            done=N_("Declined. The author is told."),
        )

    # the weekly digest ----------------------------------------------------------------------

    async def digest_section(self, reader: Actor, period: Period) -> PracticesDigest | None:
        """Practices of the reader's reach approved and marked helpful in the period, or None."""
        if not self.kernel.access.allows(reader, Permission.VIEW_STATS):
            return None
        places, groups = reader.reach.place_codes, reader.reach.group_ids or ()
        since, until = period.since, period.until
        async with self.kernel.db.reading() as conn:
            repo = PracticeRepository(conn)
            approved, total = await repo.approved_between(
                places=places, groups=groups, since=since, until=until, limit=DIGEST_APPROVED
            )
            helpful = await repo.most_helpful_between(
                places=places, groups=groups, since=since, until=until, limit=DIGEST_HELPFUL
            )
        if not (total or helpful):
            return None
        return PracticesDigest(tuple(approved), total, tuple(helpful))

    # wiring --------------------------------------------------------------------------------

    def specs(self) -> dict[str, FormSpec]:
        """This feature's forms with their submit functions, for the engine."""
        return {
            "practice": FormSpec(PRACTICE, self.submit),
            "practice_edit": FormSpec(PRACTICE_EDIT, self.submit_edit),
            "practice_ask": FormSpec(ASK_AUTHOR, self.submit_question),
            "practice_answer": FormSpec(ANSWER_QUESTION, self.submit_answer),
            "practice_edits": FormSpec(ASK_FOR_EDITS, self.submit_edits),
            "practice_decline": FormSpec(DECLINE, self.submit_decline),
            "practice_search": FormSpec(SEARCH, self.submit_search),
        }

    # privacy -------------------------------------------------------------------------------

    async def export_personal(self, conn: Connection, user_id: int) -> Any:
        """Everything of the person's in the practice tables, for /mydata."""
        return await PracticeRepository(conn).export_of(user_id)

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """/deleteme: unpublished practices go; published ones stay without the author."""
        await PracticeRepository(conn).erase_user(user_id)
