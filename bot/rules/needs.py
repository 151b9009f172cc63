"""Women's needs: recorded, shared, moved towards the local plan and budget, made a programme.

Who sees a need: its author; the members of the groups she shared it with; and coordinators
whose reach covers its aiyl aimak or one of her peer groups (a group she created counts while
she is a coordinator: `Reach` holds it). Everyone else is refused as before.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.core.access import Actor, NotAllowed, Permission
from bot.core.errors import StaleButton, UnknownValue
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.core.text import N_
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.incident import picked_village
from bot.forms.kinds import Env, Invalid
from bot.forms.need import (
    ELECTION,
    FINAL,
    FORWARD,
    NEED,
    NEED_STAGE,
    OTHER,
    PROGRAMME,
    STAGES,
    TOPICS,
)
from bot.forms.view import FormView
from bot.gazetteer import Place
from bot.records.core import Draft, User
from bot.records.dashboard import ReportFilter
from bot.records.digests import Period
from bot.records.documents import DocumentSetup
from bot.records.needs import ElectionResult, Need, NeedStage
from storage.connection import Connection
from storage.drafts import DraftRepository
from storage.needs import ElectionResultRepository, NeedRepository, ProgrammeRepository
from storage.users import UserRepository

log = logging.getLogger(__name__)

REMIND_EVERY = timedelta(days=30)  # "once a month at most"
RAN = ("elected", "not_elected")
ACHIEVED = ("in_plan", "budgeted", "implemented")  # a candidate's record, not a proposal
TOPIC_ORDER = tuple(TOPICS)  # as the need form lists them


# ------------------------------------------------------------------------------ records


@dataclass(frozen=True, slots=True)
class NeedItem:
    """A need as lists, cards and documents show it: with its aiyl aimak from the gazetteer."""

    need: Need
    place: Place | None


class Back(StrEnum):
    """Where a need's card leads back to: the reader's own list, her groups', or the overview."""

    MINE = "mine"
    SHARED = "shared"
    OVERVIEW = "overview"


@dataclass(frozen=True, slots=True)
class MyNeeds:
    """/myneeds: her needs, oldest first, and whether she is in a peer group."""

    items: tuple[NeedItem, ...]
    in_groups: bool


@dataclass(frozen=True, slots=True)
class TopicNeeds:
    """The needs of one topic in a coordinator's reach, oldest first."""

    topic: str
    items: tuple[NeedItem, ...]


@dataclass(frozen=True, slots=True)
class NeedCard:
    """One need with its track, and what the reader may do with it."""

    item: NeedItem
    history: tuple[NeedStage, ...]
    joined: tuple[Need, ...]  # the needs joined into this one's initiative
    group_names: Mapping[int, str]  # of the groups it is shared with
    author: str | None  # her display name, for everyone but herself
    mine: bool
    may_move: bool  # her own open need that leads its track
    may_join: bool
    has_files: bool
    back: Back


@dataclass(frozen=True, slots=True)
class NeedFiles:
    """A need's photos, voice note and evidence, as Telegram's stored copies."""

    need_id: int
    files: tuple[Mapping[str, Any], ...]  # each with "type", "file_id" and maybe "name"


@dataclass(frozen=True, slots=True)
class LastStage:
    """The need's track is complete: there is no progress left to record."""

    need_id: int


@dataclass(frozen=True, slots=True)
class JoinChoices:
    """Which of her other open needs this one may join (none: nothing to join)."""

    need: Need
    leads: tuple[Need, ...]


@dataclass(frozen=True, slots=True)
class ShareChoices:
    """Her peer groups to choose from (none: she is in no group)."""

    need: Need
    groups: Mapping[int, str]


@dataclass(frozen=True, slots=True)
class Shared:
    """The need is now shared with these groups."""

    card: NeedCard
    group_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NeedReminder:
    """A notice: the monthly question about her open needs untouched for a month."""

    items: tuple[NeedItem, ...]


@dataclass(frozen=True, slots=True)
class NoProgrammeNeeds:
    """/programme with no need of hers or of her groups to build one from."""


@dataclass(frozen=True, slots=True)
class ProgrammeReady:
    """A notice: the chosen needs, grouped by topic, to be sent as the programme's documents.

    `achieved` are the chosen needs already in the local plan, budgeted or implemented: the
    candidate's record; `proposed` are the others: her proposals.
    """

    achieved: tuple[NeedItem, ...]  # in the order of the need form's topics
    proposed: tuple[NeedItem, ...]
    author: str
    place: Place | None  # her place as she chose it (None when she typed her village)
    intro: str | None
    village: str | None = None  # the village she typed when hers was not listed
    theirs: frozenset[int] = frozenset()  # needs recorded by other members of her groups

    @property
    def items(self) -> tuple[NeedItem, ...]:
        """Every chosen need."""
        return (*self.achieved, *self.proposed)

    setup: DocumentSetup = field(default_factory=DocumentSetup)  # organisation, letterhead


@dataclass(frozen=True, slots=True)
class TopicCount:
    """Needs of one topic and how many women raised them."""

    topic: str
    needs: int
    women: int


@dataclass(frozen=True, slots=True)
class RegionCount:
    """Needs of one aiyl aimak and how many women raised them."""

    place_code: str | None  # aiyl aimak; None when not listed
    needs: int
    women: int
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class Funnel:
    """How far needs got: each count includes the needs that went further."""

    total: int
    raised: int
    in_plan: int
    budgeted: int
    implemented: int
    declined: int
    som_allocated: int


@dataclass(frozen=True, slots=True)
class ElectionSummary:
    """The count "N of M candidates elected"; M counts the candidates who ran."""

    elected: int
    ran: int
    did_not_run: int


@dataclass(frozen=True, slots=True)
class NeedsOverview:
    """What a coordinator sees for her reach (the digest and the exports use it too)."""

    by_topic: tuple[TopicCount, ...]
    by_region: tuple[RegionCount, ...]
    funnel: Funnel
    elections: ElectionSummary  # zeros when she may not see election results
    with_elections: bool = False  # whether she may see election results


@dataclass(frozen=True, slots=True)
class NeedsDigest:
    """The coordinator digest's needs: how far those in reach got, and elections."""

    funnel: Funnel
    elections: ElectionSummary

    @property
    def news(self) -> bool:
        # Background, not news: the funnel alone does not make a quiet week worth a message.
        return False


@dataclass(frozen=True, slots=True)
class CandidateResult:
    """A candidate's latest result with her name, for coordinators only."""

    result: ElectionResult
    name: str
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class ElectionResults:
    """/results: each candidate's latest result in reach, and the count of those elected."""

    results: tuple[CandidateResult, ...]
    summary: ElectionSummary


@dataclass(frozen=True, slots=True)
class TrackRow:
    """How far the needs of one place or one topic got (the dashboard's track table)."""

    key: str | None  # the aiyl aimak's code or the topic; None: needs without a place
    place: Place | None
    funnel: Funnel


@dataclass(frozen=True, slots=True)
class NeedPoint:
    """A need on the dashboard's map, at its aiyl aimak's centre: counts, never its author."""

    id: int
    lat: float
    lon: float
    topic: str
    stage: str
    women: int
    place: Place | None


@dataclass(frozen=True, slots=True)
class NeedsTrack:
    """The track raised -> in the plan -> budgeted -> implemented, by place and by topic."""

    funnel: Funnel
    by_place: tuple[TrackRow, ...]  # most needs first
    by_topic: tuple[TrackRow, ...]  # in the need form's order
    points: tuple[NeedPoint, ...]
    unplaced: int  # needs whose place has no coordinates


# ------------------------------------------------------------------------------ the funnel


def _rank(stage: str) -> int:
    return FORWARD.index(stage) + 1 if stage in FORWARD else 0


def _stage_options(current: str) -> tuple[str, ...]:
    after = FORWARD[FORWARD.index(current) + 1 :] if current in FORWARD else FORWARD
    return (*after, "declined")


def funnel_of(needs: Sequence[Need]) -> Funnel:
    """The funnel of a set of needs; an initiative's budget is counted once."""
    reached = [_rank(n.reached) for n in needs]
    som = sum(
        n.amount_som or 0
        for n in needs
        if n.joined_to is None and n.stage != "declined" and _rank(n.reached) >= 3
    )
    return Funnel(
        total=len(needs),
        raised=sum(r >= 1 for r in reached),
        in_plan=sum(r >= 2 for r in reached),
        budgeted=sum(r >= 3 for r in reached),
        implemented=sum(r >= 4 for r in reached),
        declined=sum(n.stage == "declined" for n in needs),
        som_allocated=som,
    )


def summary_of(results: Iterable[ElectionResult]) -> ElectionSummary:
    """The count "N of M candidates elected" over a set of results."""
    items = list(results)
    return ElectionSummary(
        elected=sum(r.outcome == "elected" for r in items),
        ran=sum(r.outcome in RAN for r in items),
        did_not_run=sum(r.outcome == "did_not_run" for r in items),
    )


def sees(actor: Actor, need: Need, author_groups: Iterable[int]) -> bool:
    """Whether the actor may see a need (see the module's docstring)."""
    if actor.user_id == need.author_id:
        return True
    if actor.reach.covers(place=need.place_code, groups=author_groups):
        return True
    return actor.registered and bool(actor.group_ids & set(need.shared_with))


# ------------------------------------------------------------------------------ the rules


class NeedRules:
    """Every rule about needs, programmes and election results."""

    digest_position = 50  # in the coordinator digest: its last section

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def specs(self) -> dict[str, FormSpec]:
        """The forms of this feature, for the engine."""
        return {
            NEED.id: FormSpec(NEED, self.submit_need),
            NEED_STAGE.id: FormSpec(NEED_STAGE, self.submit_stage),
            PROGRAMME.id: FormSpec(PROGRAMME, self.submit_programme),
            ELECTION.id: FormSpec(ELECTION, self.submit_election),
        }

    # recording ---------------------------------------------------------------------------

    async def start_need(self, actor: Actor) -> FormView:
        """/need: open the need form."""
        self.kernel.access.require(actor, Permission.RECORD_NEED)
        return await self._forms.start(actor, form_id=NEED.id)

    async def submit_need(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store a need; it stays private until its author shares it."""
        self.kernel.access.require(actor, Permission.RECORD_NEED)
        answers = draft.answers
        place = answers.get("aiyl_aimak")
        note = answers.get("description") or {}
        village = picked_village(answers, env)
        need_id = await NeedRepository(conn).create(
            draft_id=draft.id,
            form_version=draft.form_version,
            author_id=actor.user_id,
            topic=str(answers["topic"]),
            topic_other=answers.get("topic_other"),
            place_code=None if place in (None, OTHER) else str(place),
            # A village picked from the list is stored by code, and named as she reads it.
            village=(
                village.name(env.tr.locale)
                if village
                else answers.get("village") or answers.get("village_other")
            ),
            village_code=village.code if village else None,
            heard=str(answers["heard"]),
            women=int(answers.get("women") or 1),
            description=note.get("text"),
            voice=note.get("voice"),
            photos=answers.get("photo") or [],
            proposal=answers.get("proposal"),
            now=self.kernel.clock.now(),
        )
        return Submitted(
            N_(
                "Need No. {number} is saved. Only you and the coordinators of its aiyl aimak "
                "and of your groups see it. If you share it with your group in /myneeds, its "
                "members will see it with your name, but not your Telegram username."
            ),
            {"number": need_id},
        )

    # reading -----------------------------------------------------------------------------

    async def my_needs(self, actor: Actor) -> MyNeeds:
        """/myneeds: the person's needs with their stage."""
        self.kernel.access.require(actor, Permission.RECORD_NEED)
        async with self.kernel.db.reading() as conn:
            needs = await NeedRepository(conn).by_author(actor.user_id)
        return MyNeeds(self._items(needs), in_groups=bool(actor.group_ids))

    async def shared_in_groups(self, actor: Actor) -> tuple[NeedItem, ...]:
        """Needs the members of the person's groups shared with them."""
        self.kernel.access.require(actor, Permission.RECORD_NEED)
        async with self.kernel.db.reading() as conn:
            shared = await NeedRepository(conn).shared_with_groups(actor.group_ids)
        return self._items(n for n in shared if n.author_id != actor.user_id)

    async def card(self, actor: Actor, need_id: int) -> NeedCard:
        """One need with its track, for whoever may see it."""
        async with self.kernel.db.reading() as conn:
            need = await self._visible(conn, actor, need_id)
            return await self._card(conn, actor, need)

    async def files(self, actor: Actor, need_id: int) -> NeedFiles:
        """The need's photos, voice note and evidence, sent again from Telegram's copies."""
        async with self.kernel.db.reading() as conn:
            need = await self._visible(conn, actor, need_id)
            history = await NeedRepository(conn).history(need.joined_to or need.id)
        stored = [*need.photos, *([need.voice] if need.voice else [])]
        stored += [item for stage in history for item in stage.evidence]
        return NeedFiles(need.id, tuple(item for item in stored if item.get("file_id")))

    # the advocacy track ------------------------------------------------------------------

    async def start_move(self, actor: Actor, need_id: int) -> FormView | LastStage:
        """Open the stage form for a need (or the initiative it belongs to)."""
        self.kernel.access.require(actor, Permission.RECORD_NEED)
        async with self.kernel.db.reading() as conn:
            need = await self._own(conn, actor, need_id)
            if need.joined_to is not None:
                need = await self._own(conn, actor, need.joined_to)
            live = await DraftRepository(conn).live_for_form(
                user_id=actor.user_id, form_id=NEED_STAGE.id
            )
        if need.stage in FINAL:
            return LastStage(need.id)
        context = {
            "need": need.id,
            "stage": need.stage,
            "topic": need.topic,
            "since": need.stage_on.isoformat() if need.stage_on else None,
        }
        # A half-filled move of another need (or of an older stage) must not be resumed.
        restart = live is not None and dict(live.context) != context
        return await self._forms.start(
            actor,
            form_id=NEED_STAGE.id,
            context=context,
            restart=restart,
        )

    async def submit_stage(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Record one move of a need's track with its date, amount, reason and evidence."""
        answers = draft.answers
        repo = NeedRepository(conn)
        need = await repo.get(int(draft.context["need"]))
        if need is None or need.author_id != actor.user_id:
            raise Invalid(N_("This need no longer exists."))
        stage = str(answers["stage"])
        if (
            need.stage != draft.context.get("stage")
            or need.joined_to is not None
            or stage not in _stage_options(need.stage)
        ):
            raise Invalid(
                N_("This need has moved on since you opened the form. Please open it again.")
            )
        happened = date.fromisoformat(str(answers["happened_on"]))
        if need.stage_on is not None and happened < need.stage_on:
            raise Invalid(
                N_("The previous stage was on {date}; this one cannot be earlier."),
                date=env.tr.short_date(need.stage_on),
            )
        amount = int(answers["amount"]) if stage == "budgeted" else need.amount_som
        reached = stage if _rank(stage) > _rank(need.reached) else need.reached
        now = self.kernel.clock.now()
        await repo.add_stage(
            need_id=need.id,
            draft_id=draft.id,
            stage=stage,
            from_stage=need.stage,
            happened_on=happened,
            raised_with=answers.get("raised_with"),
            amount_som=int(answers["amount"]) if stage == "budgeted" else None,
            reason=answers.get("reason"),
            evidence=answers.get("evidence") or [],
            recorded_by=actor.user_id,
            now=now,
        )
        joined = await repo.joined_into(need.id)
        await repo.set_stage(
            need_ids=[need.id, *(j.id for j in joined)],
            stage=stage,
            reached=reached,
            stage_on=happened,
            amount_som=amount,
            now=now,
        )
        # The receipt is stored with the draft, so its words are the form's reader's.
        return Submitted(
            N_("Saved: need No. {number} is now at the stage “{stage}”. /myneeds shows it."),
            {"number": need.id, "stage": env.tr.label(STAGES[stage])},
        )

    async def join_choices(self, actor: Actor, need_id: int) -> JoinChoices:
        """Which of her other open needs this one may join as one initiative."""
        async with self.kernel.db.reading() as conn:
            need = await self._own(conn, actor, need_id)
            mine = await NeedRepository(conn).by_author(actor.user_id)
        leads = [
            n for n in mine if n.id != need.id and n.joined_to is None and n.stage not in FINAL
        ]
        if need.joined_to is not None or need.stage in FINAL:
            leads = []
        return JoinChoices(need, tuple(leads))

    async def join(self, actor: Actor, need_id: int, into_id: int) -> NeedCard:
        """Make a need (and any joined to it) part of another's initiative; the lead's card."""
        async with self.kernel.db.transaction() as conn:
            need = await self._own(conn, actor, need_id)
            into = await self._own(conn, actor, into_id)
            if (
                need.id == into.id
                or need.joined_to is not None
                or into.joined_to is not None
                or need.stage in FINAL
                or into.stage in FINAL
            ):
                raise StaleButton
            await NeedRepository(conn).join(need_id=need.id, into=into, now=self._now())
        return await self.card(actor, into.id)

    # sharing -----------------------------------------------------------------------------

    async def share(
        self, actor: Actor, need_id: int, group_id: int | None = None
    ) -> ShareChoices | Shared:
        """Share a need with one of her groups, or all of them (group 0 or her only one)."""
        async with self.kernel.db.transaction() as conn:
            need = await self._own(conn, actor, need_id)
            repo = NeedRepository(conn)
            groups = await repo.group_names(actor.group_ids)
            if not groups or (group_id is None and len(groups) > 1):
                return ShareChoices(need, groups)
            if group_id not in (None, 0) and group_id not in groups:
                raise StaleButton
            targets = list(groups) if group_id in (None, 0) else [int(group_id or 0)]
            for gid in targets:
                await repo.share(need_id=need.id, group_id=gid, now=self._now())
        return Shared(await self.card(actor, need.id), tuple(groups[g] for g in targets))

    async def unshare(self, actor: Actor, need_id: int) -> NeedCard:
        """Make a need private again."""
        async with self.kernel.db.transaction() as conn:
            need = await self._own(conn, actor, need_id)
            await NeedRepository(conn).unshare(need_id=need.id)
        return await self.card(actor, need.id)

    # reminders ---------------------------------------------------------------------------

    async def send_reminders(self, now: datetime) -> int:
        """Ask each author about her open needs untouched for a month; returns people reached."""
        before = now - REMIND_EVERY
        async with self.kernel.db.transaction() as conn:
            repo = NeedRepository(conn)
            due: dict[int, list[Need]] = defaultdict(list)
            people: dict[int, User] = {}
            for need in await repo.due_reminders(before=before):
                user = people.get(need.author_id) or await UserRepository(conn).get(need.author_id)
                if user is None or not user.active:
                    continue
                people[user.id] = user
                # Claimed before sending: a crash after this may skip one month, never repeat.
                if await repo.claim_reminder(need_id=need.id, before=before, now=now):
                    due[need.author_id].append(need)
        reached = 0
        for author_id, needs in due.items():
            recipient = Recipient(chat_id=author_id, locale=people[author_id].language)
            delivery = await self.kernel.notifier.notify(
                recipient, NeedReminder(self._items(needs))
            )
            reached += delivery is Delivery.SENT
        log.info(
            "need reminders: %d people asked about %d needs", reached, sum(map(len, due.values()))
        )
        return reached

    # programme ---------------------------------------------------------------------------

    async def start_programme(self, actor: Actor) -> FormView | NoProgrammeNeeds:
        """/programme: choose the needs that go into the draft programme."""
        self.kernel.access.require(actor, Permission.RECORD_NEED)
        async with self.kernel.db.reading() as conn:
            needs = await self._programme_needs(conn, actor)
        if not needs:
            return NoProgrammeNeeds()
        # The form names each need in the reader's language when it shows the choice.
        choices = [
            {
                "id": n.id,
                "topic": n.topic,
                "text": n.description or n.topic_other,
                "theirs": n.author_id != actor.user_id,
            }
            for n in needs
        ]
        # Always fresh: the list of needs may have changed since a form was put aside.
        return await self._forms.start(
            actor,
            form_id=PROGRAMME.id,
            context={"choices": choices},
            restart=True,
        )

    async def submit_programme(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the choice; the programme's documents follow after commit, as a notice."""
        available = {n.id: n for n in await self._programme_needs(conn, actor)}
        chosen = [available[int(v)] for v in draft.answers["needs"] if int(v) in available]
        if not chosen:
            raise Invalid(
                N_("None of the chosen needs can be used any more. Open /programme again.")
            )
        intro = draft.answers.get("intro")
        locale = env.tr.locale
        await ProgrammeRepository(conn).create(
            draft_id=draft.id,
            author_id=actor.user_id,
            need_ids=[n.id for n in chosen],
            intro=intro,
            locale=locale,
            now=self._now(),
        )
        user = await UserRepository(conn).get(actor.user_id)
        village = user.place_other if user else None
        notice = ProgrammeReady(
            achieved=self._items(n for n in chosen if n.stage in ACHIEVED),
            proposed=self._items(n for n in chosen if n.stage not in ACHIEVED),
            author=_name_only(user) if user else "",
            # The village she typed is where she lives; the code then is only its rayon.
            place=None if village or user is None else self._place(user.place_code),
            intro=intro,
            village=village,
            theirs=frozenset(n.id for n in chosen if n.author_id != actor.user_id),
            setup=self.kernel.documents,
        )

        async def send() -> None:
            await self.kernel.notifier.notify(Recipient(actor.user_id, locale), notice)

        return Submitted(N_("Your programme is ready; the files follow."), after_commit=send)

    # election results --------------------------------------------------------------------

    async def start_election(self, actor: Actor) -> FormView:
        """/election: record whether she ran and was elected."""
        self.kernel.access.require(actor, Permission.RECORD_NEED)
        return await self._forms.start(actor, form_id=ELECTION.id)

    async def submit_election(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the result under the candidate's aiyl aimak."""
        self.kernel.access.require(actor, Permission.RECORD_NEED)
        await ElectionResultRepository(conn).create(
            draft_id=draft.id,
            user_id=actor.user_id,
            outcome=str(draft.answers["outcome"]),
            election_on=date.fromisoformat(str(draft.answers["election_on"])),
            place_code=actor.user.place_code if actor.user else None,
            now=self._now(),
        )
        return Submitted(N_("Thank you. Your result is saved; only coordinators see it."))

    async def visible_results(self, actor: Actor) -> list[CandidateResult]:
        """Each candidate's latest result within the coordinator's reach."""
        self.kernel.access.require(actor, Permission.VIEW_ELECTION_RESULTS)
        async with self.kernel.db.reading() as conn:
            results = await ElectionResultRepository(conn).latest_per_candidate()
            groups = await NeedRepository(conn).groups_of(r.user_id for r in results)
            users = UserRepository(conn)
            found = []
            for result in results:
                if not (
                    actor.user_id == result.user_id
                    or actor.reach.covers(
                        place=result.place_code, groups=groups.get(result.user_id, ())
                    )
                ):
                    continue
                user = await users.get(result.user_id)
                name = user.display_name if user else ""
                found.append(CandidateResult(result, name, self._place(result.place_code)))
        return found

    async def election_summary(self, actor: Actor) -> ElectionSummary:
        """The count "N of M candidates elected" in the coordinator's reach."""
        return summary_of(r.result for r in await self.visible_results(actor))

    async def results(self, actor: Actor) -> ElectionResults:
        """/results: candidates' results for a coordinator."""
        found = await self.visible_results(actor)
        return ElectionResults(tuple(found), summary_of(r.result for r in found))

    # coordinators ------------------------------------------------------------------------

    async def visible_needs(self, actor: Actor) -> list[Need]:
        """Every need a coordinator may see: in her reach, or shared with her groups."""
        self.kernel.access.require(actor, Permission.VIEW_NEEDS)
        async with self.kernel.db.reading() as conn:
            repo = NeedRepository(conn)
            needs = await repo.list_all()
            groups = await repo.groups_of(n.author_id for n in needs)
        return [n for n in needs if sees(actor, n, groups.get(n.author_id, ()))]

    async def tracks(self, actor: Actor, needs: Iterable[Need]) -> list[NeedStage]:
        """The tracks of those of these needs the actor may see, need by need (exports)."""
        needs = list(needs)
        async with self.kernel.db.reading() as conn:
            repo = NeedRepository(conn)
            groups = await repo.groups_of(n.author_id for n in needs)
            seen = [n.id for n in needs if sees(actor, n, groups.get(n.author_id, ()))]
            return await repo.histories(seen)

    async def overview(self, actor: Actor) -> NeedsOverview:
        """Needs by topic and region, the funnel with som, and elections, for her reach."""
        needs = await self.visible_needs(actor)
        with_elections = self.kernel.access.allows(actor, Permission.VIEW_ELECTION_RESULTS)
        elections = (
            await self.election_summary(actor) if with_elections else ElectionSummary(0, 0, 0)
        )
        by_topic = [
            TopicCount(t, len(ns), sum(n.women for n in ns))
            for t in TOPIC_ORDER
            if (ns := [n for n in needs if n.topic == t])
        ]
        regions: dict[str | None, list[Need]] = defaultdict(list)
        for need in needs:
            regions[need.place_code].append(need)
        by_region = sorted(
            (
                RegionCount(p, len(ns), sum(n.women for n in ns), self._place(p))
                for p, ns in regions.items()
            ),
            key=lambda r: (-r.needs, r.place_code or "~"),
        )
        return NeedsOverview(
            tuple(by_topic), tuple(by_region), funnel_of(needs), elections, with_elections
        )

    async def digest_section(self, reader: Actor, period: Period) -> NeedsDigest | None:
        """The needs part of a coordinator's digest (all time, in reach), or None if empty."""
        if not self.kernel.access.allows(reader, Permission.VIEW_NEEDS):
            return None
        overview = await self.overview(reader)
        funnel, elections = overview.funnel, overview.elections
        if not (funnel.total or elections.ran or elections.did_not_run):
            return None
        return NeedsDigest(funnel, elections)

    async def topic_needs(self, actor: Actor, topic: str) -> TopicNeeds:
        """The needs of one topic in the coordinator's reach."""
        if topic not in TOPIC_ORDER:
            raise StaleButton
        needs = [n for n in await self.visible_needs(actor) if n.topic == topic]
        return TopicNeeds(topic, self._items(needs))

    async def track(self, actor: Actor, where: ReportFilter | None = None) -> NeedsTrack:
        """The dashboard's needs page and map: the track with som, by place and topic.

        On the map the filter bar's period (the day a need was raised) and place apply; its
        other fields describe reports and leave needs as they are.
        """
        needs = [n for n in await self.visible_needs(actor) if n.joined_to is None]
        if where is not None:
            needs = [n for n in needs if self._passes(n, where)]
        by_place: dict[str | None, list[Need]] = defaultdict(list)
        for need in needs:
            by_place[need.place_code].append(need)
        places = sorted(
            (
                TrackRow(code, self._place(code), funnel_of(group))
                for code, group in by_place.items()
            ),
            key=lambda row: (-row.funnel.total, row.key or "~"),
        )
        topics = [
            TrackRow(topic, None, funnel_of(group))
            for topic in TOPIC_ORDER
            if (group := [n for n in needs if n.topic == topic])
        ]
        points, unplaced = [], 0
        gazetteer = self.kernel.gazetteer
        for need in needs:
            found = gazetteer.locate(need.place_code) if need.place_code else None
            if found is None:
                unplaced += 1
                continue
            points.append(
                NeedPoint(
                    need.id,
                    found.lat,
                    found.lon,
                    need.topic,
                    need.stage,
                    need.women,
                    self._place(need.place_code),
                )
            )
        return NeedsTrack(funnel_of(needs), tuple(places), tuple(topics), tuple(points), unplaced)

    def _passes(self, need: Need, where: ReportFilter) -> bool:
        gazetteer = self.kernel.gazetteer
        if where.place is not None:
            place = gazetteer.resolve(where.place)
            if place is None or place.level == "village":
                raise UnknownValue("place")
            if need.place_code is None or not gazetteer.covers(place.code, need.place_code):
                return False
        raised = need.created_at.astimezone(self.kernel.settings.zone).date()
        return (where.since is None or raised >= where.since) and (
            where.until is None or raised <= where.until
        )

    # personal data -----------------------------------------------------------------------

    async def export_personal(self, conn: Connection, user_id: int) -> dict[str, Any]:
        """A person's needs with their tracks, programmes and election results (/mydata)."""
        repo = NeedRepository(conn)
        needs = []
        for need in await repo.by_author(user_id):
            item = _plain(asdict(need))
            item["track"] = [_plain(asdict(s)) for s in await repo.history(need.id)]
            needs.append(item)
        programmes = await ProgrammeRepository(conn).by_author(user_id)
        results = await ElectionResultRepository(conn).by_user(user_id)
        return {
            "needs": needs,
            "programmes": [_plain(asdict(p)) for p in programmes],
            "election_results": [_plain(asdict(r)) for r in results],
        }

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """Delete her needs, programmes and results: they are hers, not the community's."""
        await NeedRepository(conn).erase_author(user_id=user_id)
        await ProgrammeRepository(conn).erase_author(user_id=user_id)
        await ElectionResultRepository(conn).erase_user(user_id=user_id)

    # helpers -----------------------------------------------------------------------------

    @property
    def _forms(self) -> FormEngine:
        return self.kernel.get(FormEngine)

    def _now(self) -> datetime:
        return self.kernel.clock.now()

    def _place(self, code: str | None) -> Place | None:
        return self.kernel.gazetteer.resolve(code) if code else None

    def _items(self, needs: Iterable[Need]) -> tuple[NeedItem, ...]:
        return tuple(NeedItem(n, self._place(n.place_code)) for n in needs)

    async def _card(self, conn: Connection, actor: Actor, need: Need) -> NeedCard:
        repo = NeedRepository(conn)
        history = await repo.history(need.joined_to or need.id)
        mine = need.author_id == actor.user_id
        author = None if mine else await UserRepository(conn).get(need.author_id)
        open_lead = mine and need.joined_to is None and need.stage not in FINAL
        coordinator = self.kernel.access.allows(actor, Permission.VIEW_NEEDS)
        # Her Telegram username is for the coordinators who cover the need; the members she
        # shared it with see her name only.
        name = None
        if author is not None:
            groups = await repo.groups_of([need.author_id]) if coordinator else {}
            covered = coordinator and actor.reach.covers(
                place=need.place_code, groups=groups.get(need.author_id, ())
            )
            name = author.display_name if covered else _name_only(author)
        return NeedCard(
            item=NeedItem(need, self._place(need.place_code)),
            history=tuple(history),
            joined=tuple(await repo.joined_into(need.id)),
            group_names=await repo.group_names(need.shared_with),
            author=name,
            mine=mine,
            may_move=open_lead,
            may_join=open_lead,
            has_files=bool(need.photos or need.voice or any(h.evidence for h in history)),
            back=Back.MINE if mine else Back.OVERVIEW if coordinator else Back.SHARED,
        )

    async def _visible(self, conn: Connection, actor: Actor, need_id: int) -> Need:
        repo = NeedRepository(conn)
        need = await repo.get(need_id)
        if need is None:
            raise StaleButton
        groups = await repo.groups_of([need.author_id])
        if not sees(actor, need, groups.get(need.author_id, ())):
            raise NotAllowed(Permission.VIEW_NEEDS)
        return need

    async def _own(self, conn: Connection, actor: Actor, need_id: int) -> Need:
        need = await NeedRepository(conn).get(need_id)
        if need is None:
            raise StaleButton
        if need.author_id != actor.user_id:
            raise NotAllowed(Permission.RECORD_NEED)
        return need

    async def _programme_needs(self, conn: Connection, actor: Actor) -> list[Need]:
        """Her needs and those her groups shared, except declined ones, by topic."""
        repo = NeedRepository(conn)
        own = await repo.by_author(actor.user_id)
        shared = await repo.shared_with_groups(actor.group_ids)
        seen: set[int] = set()
        found = []
        for need in (*own, *shared):
            if need.id in seen or need.stage == "declined":
                continue
            seen.add(need.id)
            found.append(need)
        return sorted(found, key=lambda n: (TOPIC_ORDER.index(n.topic), n.id))


def _name_only(user: User) -> str:
    """First and last name, without the Telegram username."""
    return " ".join(p for p in (user.first_name, user.last_name) if p)


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, tuples and mappings as lists and dicts."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
