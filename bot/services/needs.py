"""Women's needs: recorded, shared, moved towards the local plan and budget, made a programme."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.core.access import Access, Actor, NotAllowed, Permission
from bot.core.errors import StaleButton
from bot.forms.engine import FormEngine, FormSpec, Submitted
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
from bot.gazetteer import Gazetteer
from bot.i18n import N_, translator
from bot.records.core import Draft, User
from bot.screen import Attachment, Notifier, Screen
from bot.services import need_documents
from bot.services.need_views import NeedViews
from storage.connection import Connection
from storage.db import Database
from storage.drafts import DraftRepository
from storage.needs import (
    ElectionResult,
    ElectionResultRepository,
    MemberGroups,
    Need,
    NeedRepository,
    ProgrammeRepository,
)
from storage.users import UserRepository

log = logging.getLogger(__name__)

REMIND_EVERY = timedelta(days=30)  # "once a month at most"
RAN = ("elected", "not_elected")


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
    """What a coordinator sees for her scope (the digest and the exports use it too)."""

    by_topic: tuple[TopicCount, ...]
    by_region: tuple[RegionCount, ...]
    funnel: Funnel
    elections: ElectionSummary


@dataclass(frozen=True, slots=True)
class CandidateResult:
    """A candidate's latest result with her name, for coordinators only."""

    result: ElectionResult
    name: str


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


class NeedService:
    """Every rule about needs, programmes and election results; no Telegram types."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        access: Access,
        gazetteer: Gazetteer,
        forms: FormEngine,
        notifier: Notifier,
    ) -> None:
        self.db = db
        self.clock = clock
        self.access = access
        self.gazetteer = gazetteer
        self.forms = forms
        self.notifier = notifier
        self.views = NeedViews(gazetteer)

    def specs(self) -> dict[str, FormSpec]:
        """The forms of this feature, for the engine."""
        return {
            NEED.id: FormSpec(NEED, self.submit_need),
            NEED_STAGE.id: FormSpec(NEED_STAGE, self.submit_stage),
            PROGRAMME.id: FormSpec(PROGRAMME, self.submit_programme),
            ELECTION.id: FormSpec(ELECTION, self.submit_election),
        }

    # recording ---------------------------------------------------------------------------

    async def start_need(self, actor: Actor) -> Screen | FormView:
        """/need: open the need form."""
        self.access.require(actor, Permission.RECORD_NEED)
        return await self.forms.start(actor, chat_id=actor.user_id, form_id=NEED.id)

    async def submit_need(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store a need; it stays private until its author shares it."""
        self.access.require(actor, Permission.RECORD_NEED)
        answers = draft.answers
        place = answers.get("aiyl_aimak")
        note = answers.get("description") or {}
        need_id = await NeedRepository(conn).create(
            draft_id=draft.id,
            form_version=draft.form_version,
            author_id=actor.user_id,
            topic=str(answers["topic"]),
            topic_other=answers.get("topic_other"),
            place_code=None if place in (None, OTHER) else str(place),
            village=answers.get("village") or answers.get("village_other"),
            heard=str(answers["heard"]),
            women=int(answers.get("women") or 1),
            description=note.get("text"),
            voice=note.get("voice"),
            photos=answers.get("photo") or [],
            proposal=answers.get("proposal"),
            now=self.clock.now(),
        )
        return Submitted(
            N_(
                "Need No. {number} is saved. Only you and the coordinators of your groups see "
                "it until you share it with your group in /myneeds."
            ),
            {"number": need_id},
        )

    # reading -----------------------------------------------------------------------------

    async def my_needs(self, actor: Actor) -> Screen:
        """/myneeds: the person's needs with their stage."""
        self.access.require(actor, Permission.RECORD_NEED)
        async with self.db.reading() as conn:
            needs = await NeedRepository(conn).by_author(actor.user_id)
        return self.views.my_needs(
            needs, translator(actor.locale), in_groups=bool(actor.group_ids)
        )

    async def group_shared(self, actor: Actor) -> Screen:
        """Needs the members of the person's groups shared with them."""
        self.access.require(actor, Permission.RECORD_NEED)
        async with self.db.reading() as conn:
            shared = await NeedRepository(conn).shared_with_groups(actor.group_ids)
        others = [n for n in shared if n.author_id != actor.user_id]
        return self.views.shared(others, translator(actor.locale))

    async def card(self, actor: Actor, need_id: int, *, toast: str | None = None) -> Screen:
        """One need with its track, for whoever may see it."""
        async with self.db.reading() as conn:
            repo = NeedRepository(conn)
            need = await self._visible(conn, actor, need_id)
            history = await repo.history(need.joined_to or need.id)
            joined = await repo.joined_into(need.id)
            groups = await repo.group_names(need.shared_with)
            mine = need.author_id == actor.user_id
            author = None if mine else await UserRepository(conn).get(need.author_id)
        screen = self.views.card(
            need,
            history=history,
            joined=joined,
            group_names=groups,
            author=author,
            mine=mine,
            coordinator=self.access.allows(actor, Permission.VIEW_NEEDS),
            tr=translator(actor.locale),
        )
        return replace(screen, toast=toast)

    async def files(self, actor: Actor, need_id: int) -> Screen:
        """The need's photos, voice note and evidence, sent again from Telegram's copies."""
        async with self.db.reading() as conn:
            need = await self._visible(conn, actor, need_id)
            history = await NeedRepository(conn).history(need.joined_to or need.id)
        return self.views.files(need, history, translator(actor.locale))

    # the advocacy track ------------------------------------------------------------------

    async def start_move(self, actor: Actor, need_id: int) -> Screen | FormView:
        """Open the stage form for a need (or the initiative it belongs to)."""
        self.access.require(actor, Permission.RECORD_NEED)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            need = await self._own(conn, actor, need_id)
            if need.joined_to is not None:
                need = await self._own(conn, actor, need.joined_to)
            live = await DraftRepository(conn).live_for_form(
                user_id=actor.user_id, form_id=NEED_STAGE.id
            )
        if need.stage in FINAL:
            return Screen(
                tr.gettext(N_("Need No. {number} has reached its last stage."), number=need.id)
            )
        context = {
            "need": need.id,
            "stage": need.stage,
            "topic": need.topic,
            "since": need.stage_on.isoformat() if need.stage_on else None,
        }
        # A half-filled move of another need (or of an older stage) must not be resumed.
        restart = live is not None and dict(live.context) != context
        return await self.forms.start(
            actor,
            chat_id=actor.user_id,
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
        now = self.clock.now()
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
        return Submitted(
            N_("Saved: need No. {number} is now at the stage “{stage}”. /myneeds shows it."),
            {"number": need.id, "stage": env.tr.label(STAGES[stage])},
        )

    async def join_choices(self, actor: Actor, need_id: int) -> Screen:
        """Which of her other open needs this one may join as one initiative."""
        async with self.db.reading() as conn:
            need = await self._own(conn, actor, need_id)
            mine = await NeedRepository(conn).by_author(actor.user_id)
        leads = [
            n for n in mine if n.id != need.id and n.joined_to is None and n.stage not in FINAL
        ]
        if need.joined_to is not None or need.stage in FINAL:
            leads = []
        return self.views.join_choices(need, leads, translator(actor.locale))

    async def join(self, actor: Actor, need_id: int, into_id: int) -> Screen:
        """Make a need (and any joined to it) part of another need's initiative."""
        tr = translator(actor.locale)
        async with self.db.transaction() as conn:
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
            await NeedRepository(conn).join(need_id=need.id, into=into, now=self.clock.now())
        toast = tr.gettext(N_("Joined to need No. {number}."), number=into.id)
        return await self.card(actor, into.id, toast=toast)

    # sharing -----------------------------------------------------------------------------

    async def share(self, actor: Actor, need_id: int, group_id: int | None = None) -> Screen:
        """Share a need with one of her groups, or all of them (group 0)."""
        tr = translator(actor.locale)
        async with self.db.transaction() as conn:
            need = await self._own(conn, actor, need_id)
            repo = NeedRepository(conn)
            groups = await repo.group_names(actor.group_ids)
            if not groups or (group_id is None and len(groups) > 1):
                return self.views.share_choices(need, groups, tr)
            if group_id not in (None, 0) and group_id not in groups:
                raise StaleButton
            targets = list(groups) if group_id in (None, 0) else [int(group_id or 0)]
            for gid in targets:
                await repo.share(need_id=need.id, group_id=gid, now=self.clock.now())
        names = ", ".join(groups[g] for g in targets)
        toast = tr.gettext(N_("Shared with {groups}."), groups=names)
        return await self.card(actor, need.id, toast=toast)

    async def unshare(self, actor: Actor, need_id: int) -> Screen:
        """Make a need private again."""
        tr = translator(actor.locale)
        async with self.db.transaction() as conn:
            need = await self._own(conn, actor, need_id)
            await NeedRepository(conn).unshare(need_id=need.id)
        return await self.card(actor, need.id, toast=tr.gettext(N_("It is private again.")))

    # reminders ---------------------------------------------------------------------------

    async def send_reminders(self, now: datetime) -> int:
        """Ask each author about her open needs untouched for a month; returns people asked."""
        before = now - REMIND_EVERY
        async with self.db.transaction() as conn:
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
        sent = 0
        for author_id, needs in due.items():
            screen = self.views.reminder(needs, translator(people[author_id].language))
            if await self.notifier.send(author_id, screen):
                sent += 1
        log.info(
            "need reminders: %d people asked about %d needs", sent, sum(map(len, due.values()))
        )
        return sent

    def reminder_ack(self, actor: Actor) -> Screen:
        """The answer to "no change yet"."""
        tr = translator(actor.locale)
        return Screen(tr.gettext(N_("Thank you. I will ask again in a month.")))

    # programme ---------------------------------------------------------------------------

    async def start_programme(self, actor: Actor) -> Screen | FormView:
        """/programme: choose the needs that go into the draft programme."""
        self.access.require(actor, Permission.RECORD_NEED)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            needs = await self._programme_needs(conn, actor)
        if not needs:
            return Screen(
                tr.gettext(
                    N_(
                        "There are no needs to build a programme from yet. Record one with "
                        "/need, or ask your group to share theirs."
                    )
                )
            )
        choices = [[n.id, self.views.button_label(n, tr, viewer=actor.user_id)] for n in needs]
        # Always fresh: the list of needs may have changed since a form was put aside.
        return await self.forms.start(
            actor,
            chat_id=actor.user_id,
            form_id=PROGRAMME.id,
            context={"choices": choices},
            restart=True,
        )

    async def submit_programme(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the choice and send the programme as Word and Markdown files after commit."""
        available = {n.id: n for n in await self._programme_needs(conn, actor)}
        chosen = [available[int(v)] for v in draft.answers["needs"] if int(v) in available]
        if not chosen:
            raise Invalid(
                N_("None of the chosen needs can be used any more. Open /programme again.")
            )
        intro = draft.answers.get("intro")
        await ProgrammeRepository(conn).create(
            draft_id=draft.id,
            author_id=actor.user_id,
            need_ids=[n.id for n in chosen],
            intro=intro,
            locale=env.tr.locale,
            now=self.clock.now(),
        )
        user = await UserRepository(conn).get(actor.user_id)
        tr = env.tr
        place = self.gazetteer.get(user.place_code) if user and user.place_code else None
        text = need_documents.programme_text(
            chosen,
            tr=tr,
            gazetteer=self.gazetteer,
            author=" ".join(p for p in (user.first_name, user.last_name) if p) if user else "",
            place=place.name(tr.locale) if place else None,
            intro=intro,
        )
        files = (
            Attachment("programme.docx", need_documents.word(text)),
            Attachment("programme.md", need_documents.markdown(text)),
        )
        caption = tr.ngettext(
            "Your draft programme with {n} need, grouped by topic. Edit it as you like.",
            "Your draft programme with {n} needs, grouped by topic. Edit it as you like.",
            len(chosen),
        )

        async def send() -> None:
            await self.notifier.send(actor.user_id, Screen(caption, attachments=files))

        return Submitted(N_("Your programme is ready; the files follow."), after_commit=send)

    # election results --------------------------------------------------------------------

    async def start_election(self, actor: Actor) -> Screen | FormView:
        """/election: record whether she ran and was elected."""
        self.access.require(actor, Permission.RECORD_NEED)
        return await self.forms.start(actor, chat_id=actor.user_id, form_id=ELECTION.id)

    async def submit_election(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the result under the candidate's aiyl aimak."""
        self.access.require(actor, Permission.RECORD_NEED)
        await ElectionResultRepository(conn).create(
            draft_id=draft.id,
            user_id=actor.user_id,
            outcome=str(draft.answers["outcome"]),
            election_on=date.fromisoformat(str(draft.answers["election_on"])),
            place_code=actor.user.place_code if actor.user else None,
            now=self.clock.now(),
        )
        return Submitted(N_("Thank you. Your result is saved; only coordinators see it."))

    async def visible_results(self, actor: Actor) -> list[CandidateResult]:
        """Each candidate's latest result within the coordinator's scope."""
        self.access.require(actor, Permission.VIEW_ELECTION_RESULTS)
        async with self.db.reading() as conn:
            results = await ElectionResultRepository(conn).latest_per_candidate()
            groups = await NeedRepository(conn).groups_of(r.user_id for r in results)
            users = UserRepository(conn)
            found = []
            for result in results:
                hers = groups.get(result.user_id, MemberGroups())
                if not self.access.sees_private(
                    actor,
                    owner_id=result.user_id,
                    place=result.place_code,
                    owner_groups=hers.group_ids,
                    group_creators=hers.creators,
                ):
                    continue
                user = await users.get(result.user_id)
                found.append(CandidateResult(result, user.display_name if user else ""))
        return found

    async def election_summary(self, actor: Actor) -> ElectionSummary:
        """The count "N of M candidates elected" in the coordinator's scope."""
        return _summary(r.result for r in await self.visible_results(actor))

    async def results_screen(self, actor: Actor) -> Screen:
        """/results: candidates' results for a coordinator."""
        results = await self.visible_results(actor)
        summary = _summary(r.result for r in results)
        return self.views.results(results, summary, translator(actor.locale))

    # coordinators ------------------------------------------------------------------------

    async def visible_needs(self, actor: Actor) -> list[Need]:
        """Every need a coordinator may see: by place or group scope, or shared with her."""
        self.access.require(actor, Permission.VIEW_NEEDS)
        async with self.db.reading() as conn:
            repo = NeedRepository(conn)
            needs = await repo.list_all()
            groups = await repo.groups_of(n.author_id for n in needs)
        return [n for n in needs if self._sees(actor, n, groups.get(n.author_id, MemberGroups()))]

    async def overview(self, actor: Actor) -> NeedsOverview:
        """Needs by topic and region, the funnel with som, and elections, for her scope."""
        needs = await self.visible_needs(actor)
        elections = (
            await self.election_summary(actor)
            if self.access.allows(actor, Permission.VIEW_ELECTION_RESULTS)
            else ElectionSummary(0, 0, 0)
        )
        by_topic = [
            TopicCount(t, len(ns), sum(n.women for n in ns))
            for t in TOPICS
            if (ns := [n for n in needs if n.topic == t])
        ]
        regions: dict[str | None, list[Need]] = defaultdict(list)
        for need in needs:
            regions[need.place_code].append(need)
        by_region = sorted(
            (RegionCount(p, len(ns), sum(n.women for n in ns)) for p, ns in regions.items()),
            key=lambda r: (-r.needs, r.place_code or "~"),
        )
        return NeedsOverview(tuple(by_topic), tuple(by_region), funnel_of(needs), elections)

    async def overview_screen(self, actor: Actor) -> Screen:
        """/needs: the coordinator's view of needs and the advocacy funnel."""
        data = await self.overview(actor)
        elections = self.access.allows(actor, Permission.VIEW_ELECTION_RESULTS)
        return self.views.overview(data, translator(actor.locale), elections=elections)

    async def topic_list(self, actor: Actor, topic: str) -> Screen:
        """The needs of one topic in the coordinator's scope."""
        if topic not in TOPICS:
            raise StaleButton
        needs = [n for n in await self.visible_needs(actor) if n.topic == topic]
        return self.views.topic(topic, needs, translator(actor.locale))

    # buttons -----------------------------------------------------------------------------

    async def on_button(self, actor: Actor, data: str) -> Screen | FormView:
        """A `nd:` button; every action checks access itself, unknown data is stale."""
        _prefix, _, rest = data.partition(":")
        action, _, tail = rest.partition(":")
        if action == "t":
            return await self.topic_list(actor, tail)
        try:
            ids = [int(x) for x in tail.split(":")] if tail else []
        except ValueError:
            raise StaleButton from None
        match action, ids:
            case "l", []:
                return await self.my_needs(actor)
            case "g", []:
                return await self.group_shared(actor)
            case "o", []:
                return await self.overview_screen(actor)
            case "r", []:
                return await self.results_screen(actor)
            case "k", []:
                return self.reminder_ack(actor)
            case "v", [need_id]:
                return await self.card(actor, need_id)
            case "f", [need_id]:
                return await self.files(actor, need_id)
            case "m", [need_id]:
                return await self.start_move(actor, need_id)
            case "s", [need_id]:
                return await self.share(actor, need_id)
            case "sg", [need_id, group_id]:
                return await self.share(actor, need_id, group_id)
            case "u", [need_id]:
                return await self.unshare(actor, need_id)
            case "j", [need_id]:
                return await self.join_choices(actor, need_id)
            case "jn", [need_id, into_id]:
                return await self.join(actor, need_id, into_id)
        raise StaleButton

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

    def _sees(self, actor: Actor, need: Need, author: MemberGroups) -> bool:
        return self.access.sees_private(
            actor,
            owner_id=need.author_id,
            place=need.place_code,
            owner_groups=author.group_ids,
            shared_with=need.shared_with,
            group_creators=author.creators,
        )

    async def _visible(self, conn: Connection, actor: Actor, need_id: int) -> Need:
        repo = NeedRepository(conn)
        need = await repo.get(need_id)
        if need is None:
            raise StaleButton
        groups = await repo.groups_of([need.author_id])
        if not self._sees(actor, need, groups.get(need.author_id, MemberGroups())):
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
        order = list(TOPICS)
        return sorted(found, key=lambda n: (order.index(n.topic), n.id))


def _summary(results: Iterable[ElectionResult]) -> ElectionSummary:
    items = list(results)
    return ElectionSummary(
        elected=sum(r.outcome == "elected" for r in items),
        ran=sum(r.outcome in RAN for r in items),
        did_not_run=sum(r.outcome == "did_not_run" for r in items),
    )


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, tuples and mappings as lists and dicts."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
