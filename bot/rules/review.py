"""Review of incident reports: the next one waiting, verify, duplicate, ask, reject.

A coordinator reviews the reports within her reach (`IncidentRules.may_review`); a report out
of reach is answered exactly as a missing one, so numbers cannot be probed. Every decision is
audited and told to the reporter; a question goes to the reporter and her answer comes back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from bot.core.access import Actor, Permission
from bot.core.errors import NotAllowed, StaleButton
from bot.core.kernel import Kernel
from bot.core.text import N_
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.incident import REPORTER_ANSWER, REVIEW_DUPLICATE, REVIEW_QUESTION, REVIEW_REJECT
from bot.forms.incident_labels import report_number
from bot.forms.kinds import Env, Invalid
from bot.forms.view import FormView
from bot.records.core import Draft
from bot.records.incidents import Incident
from bot.rules.incidents import (
    ENTITY,
    NO_LONGER_AVAILABLE,
    REVIEWABLE,
    IncidentRules,
    Loaded,
    ReportCard,
)
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.incidents import IncidentRepository, IncidentUpdateRepository

# ---------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """A report for a reviewer, and which review buttons it takes."""

    report: ReportCard
    may_decide: bool  # still waiting: verify, duplicate and reject are offered
    may_export: bool = False  # a dossier of it may be made (bot/rules/dossier.py)


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    """The next report waiting in the reviewer's reach, and how many wait."""

    card: ReviewCard | None  # None: nothing waits
    waiting: int


@dataclass(frozen=True, slots=True)
class Decision:
    """A verify or duplicate button's outcome."""

    incident: Incident  # as decided now, or as someone had already decided it
    done: bool  # False: it was already reviewed and nothing changed
    then: Callable[[], Awaitable[None]] | None = None  # tells the reporter, after the reply


@dataclass(frozen=True, slots=True)
class QuestionToReporter:
    """Notice to a reporter: a coordinator asks about her report."""

    question_id: int
    number: int
    question: str


@dataclass(frozen=True, slots=True)
class AnswerToCoordinator:
    """Notice to the coordinator who asked: the reporter's answer."""

    number: int
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """Notice to a reporter: what the review decided about her report."""

    number: int
    review_status: str  # verified | duplicate | rejected
    original: int | None = None  # for a duplicate
    reason: str | None = None  # for a rejection: a REJECT_REASONS code
    reason_text: str | None = None  # typed by the coordinator for "another reason"


# ---------------------------------------------------------------------- rules


class ReviewRules:
    """What coordinators do with the reports in their reach."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    @property
    def incidents(self) -> IncidentRules:
        return self.kernel.get(IncidentRules)

    def specs(self) -> dict[str, FormSpec]:
        """The question, the reporter's answer, duplicate-of-a-number and reject forms."""
        return {
            "incident_question": FormSpec(REVIEW_QUESTION, self.submit_question),
            "incident_answer": FormSpec(REPORTER_ANSWER, self.submit_answer),
            "incident_duplicate": FormSpec(REVIEW_DUPLICATE, self.submit_duplicate),
            "incident_reject": FormSpec(REVIEW_REJECT, self.submit_reject),
        }

    # ------------------------------------------------------------------ reading

    async def next_waiting(self, actor: Actor, *, after: int = 0) -> ReviewQueue:
        """The next report in the reviewer's reach waiting for review (from the start again)."""
        self.kernel.access.require(actor, Permission.REVIEW_INCIDENTS)
        codes = actor.reach.place_codes
        async with self.kernel.db.reading() as conn:
            incidents = IncidentRepository(conn)
            incident = await incidents.next_pending(codes=codes, after_id=after)
            if incident is None and after:
                incident = await incidents.next_pending(codes=codes)
            waiting = await incidents.count_pending(codes=codes)
        if incident is None:
            return ReviewQueue(None, waiting)
        return ReviewQueue(await self.card(actor, incident.id), waiting)

    async def card(self, actor: Actor, number: int) -> ReviewCard:
        """A report in the reviewer's reach, with what may be decided about it."""
        loaded = await self._reviewable(actor, number)
        report = await self.incidents.card(loaded, actor, reviewer=True)
        return ReviewCard(
            report,
            may_decide=loaded.incident.review_status in REVIEWABLE,
            may_export=self.kernel.access.allows(actor, Permission.EXPORT),
        )

    async def _reviewable(self, actor: Actor, number: int) -> Loaded:
        """A report in reach; one out of reach is answered as a missing one."""
        self.kernel.access.require(actor, Permission.REVIEW_INCIDENTS)
        loaded = await self.incidents.read(
            number, visible=partial(self.incidents.may_review, actor)
        )
        if loaded is None:
            raise StaleButton
        return loaded

    # ------------------------------------------------------------------ button decisions

    async def verify(self, actor: Actor, number: int) -> Decision:
        """Mark a report verified."""
        return await self._decide(actor, number, "verified")

    async def join_duplicate(self, actor: Actor, number: int, original: int) -> Decision:
        """Mark a report a duplicate of the one flagged as its possible original."""
        return await self._decide(actor, number, "duplicate", duplicate_of=original)

    async def _decide(
        self, actor: Actor, number: int, to: str, *, duplicate_of: int | None = None
    ) -> Decision:
        self.kernel.access.require(actor, Permission.REVIEW_INCIDENTS)
        async with self.kernel.db.transaction() as conn:
            incident = await IncidentRepository(conn).get(incident_id=number)
            if incident is None or not self.incidents.may_review(actor, incident):
                raise StaleButton
            # The button names an original the bot flagged; any other is forged or gone.
            if duplicate_of is not None and not await self._original_in_reach(
                conn, actor, incident, duplicate_of
            ):
                raise StaleButton
            done = await self._review(
                conn, actor, incident, to, duplicate_of=duplicate_of, reason=None
            )
        if not done:
            return Decision(incident, done=False)
        return Decision(
            replace(incident, review_status=to, duplicate_of=duplicate_of),
            done=True,
            then=partial(self._tell_decision, number),
        )

    async def _original_in_reach(
        self, conn: Connection, actor: Actor, incident: Incident, original: int
    ) -> bool:
        """Whether `original` is another report this coordinator reviews.

        A report out of reach is answered exactly as a missing one (one read either way), so
        that neither another region's counts nor its report numbers can be reached from here.
        """
        found = await IncidentRepository(conn).get(incident_id=original)
        return (
            found is not None
            and found.id != incident.id
            and self.incidents.may_review(actor, found)
        )

    async def _review(
        self,
        conn: Connection,
        actor: Actor,
        incident: Incident,
        to: str,
        *,
        duplicate_of: int | None,
        reason: str | None,
        allowed_from: Sequence[str] = REVIEWABLE,
    ) -> bool:
        """Change the review status (reach checked) and audit it; False when already changed."""
        self._require_reach(actor, incident)
        changed = await IncidentRepository(conn).set_review_status(
            incident_id=incident.id, expected=allowed_from, to=to, duplicate_of=duplicate_of
        )
        if changed:
            await AuditRepository(conn).record(
                actor_id=actor.user_id,
                entity=ENTITY,
                entity_id=str(incident.id),
                action="review",
                from_value=incident.review_status,
                to_value=to,
                reason=reason if reason is not None else _duplicate_reason(duplicate_of),
                now=self.kernel.clock.now(),
            )
        return changed

    def _require_reach(self, actor: Actor, incident: Incident) -> None:
        """NotAllowed unless the actor reviews this report (its reach may have changed)."""
        self.kernel.access.require(actor, Permission.REVIEW_INCIDENTS)
        if not self.incidents.may_review(actor, incident):
            raise NotAllowed(Permission.REVIEW_INCIDENTS.value)

    async def _tell_decision(self, number: int, reason: str | None = None) -> None:
        """Tell the reporter, in their language, what the review decided."""
        loaded = await self.incidents.read(number)
        incident = loaded.incident if loaded is not None else None
        if incident is None or incident.reporter_id is None:
            return
        if incident.review_status not in ("verified", "duplicate", "rejected"):
            return
        code, _, typed = (reason or "").partition(":")
        notice = ReviewOutcome(
            number,
            incident.review_status,
            original=incident.duplicate_of,
            reason=code or None,
            reason_text=typed or None,
        )
        for user in await self.incidents.people([incident.reporter_id]):
            await self.incidents.tell(user, notice)

    # ------------------------------------------------------------------ review forms

    async def ask_reporter(self, actor: Actor, number: int) -> FormView:
        """The form for a question to the reporter (also about a report already decided)."""
        return await self._start(actor, number, "incident_question")

    async def type_duplicate(self, actor: Actor, number: int) -> FormView:
        """The form that marks a report a duplicate of a number typed."""
        return await self._start(actor, number, "incident_duplicate")

    async def reject(self, actor: Actor, number: int) -> FormView:
        """The form that rejects a report with a reason."""
        return await self._start(actor, number, "incident_reject")

    async def _start(self, actor: Actor, number: int, form_id: str) -> FormView:
        loaded = await self._reviewable(actor, number)
        if form_id != "incident_question" and loaded.incident.review_status not in REVIEWABLE:
            raise StaleButton
        return await self.kernel.get(FormEngine).start(
            actor,
            form_id=form_id,
            context={"incident": number},
            restart=True,
        )

    async def _incident_in(self, conn: Connection, draft: Draft) -> Incident:
        incident = await IncidentRepository(conn).get(incident_id=int(draft.context["incident"]))
        if incident is None:
            raise Invalid(NO_LONGER_AVAILABLE)
        return incident

    async def submit_question(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store a coordinator's question and relay it to the reporter after commit."""
        incident = await self._incident_in(conn, draft)
        self._require_reach(actor, incident)
        now = self.kernel.clock.now()
        question = str(draft.answers["question"])
        question_id = await IncidentUpdateRepository(conn).add(
            incident_id=incident.id,
            at=now,
            author_id=actor.user_id,
            author_role="coordinator",
            kind="question",
            text=question,
            draft_id=draft.id,
        )
        await IncidentRepository(conn).touch(incident_id=incident.id, now=now)
        await self._review(
            conn,
            actor,
            incident,
            "question",
            duplicate_of=None,
            reason=question,
            allowed_from=("pending",),
        )
        return Submitted(
            N_("Your question is sent to the reporter of {number}. I will bring you the answer."),
            {"number": report_number(incident.id)},
            after_commit=partial(self._relay_question, question_id),
        )

    async def _relay_question(self, question_id: int) -> None:
        async with self.kernel.db.reading() as conn:
            question = await IncidentUpdateRepository(conn).get(update_id=question_id)
            incident = (
                await IncidentRepository(conn).get(incident_id=question.incident_id)
                if question
                else None
            )
        if question is None or incident is None or incident.reporter_id is None:
            return
        notice = QuestionToReporter(question_id, incident.id, question.text or "")
        for user in await self.incidents.people([incident.reporter_id]):
            await self.incidents.tell(user, notice)

    async def start_answer(self, actor: Actor, question_id: int) -> FormView:
        """The one-step answer form for a question about the person's own report."""
        self.kernel.access.require(actor, Permission.USE_FORMS)
        async with self.kernel.db.reading() as conn:
            updates = IncidentUpdateRepository(conn)
            question = await updates.get(update_id=question_id)
            if question is None or question.kind != "question":
                raise StaleButton
            incident = await IncidentRepository(conn).get(incident_id=question.incident_id)
            answered = await updates.answer_to(question_id=question_id)
        if incident is None or incident.reporter_id != actor.user_id or answered is not None:
            raise StaleButton
        return await self.kernel.get(FormEngine).start(
            actor,
            form_id="incident_answer",
            context={
                "incident": incident.id,
                "question_id": question_id,
                "question": question.text,
            },
            restart=True,
        )

    async def submit_answer(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the reporter's answer and relay it to the coordinator who asked."""
        incident = await self._incident_in(conn, draft)
        if incident.reporter_id != actor.user_id:
            raise Invalid(NO_LONGER_AVAILABLE)
        now = self.kernel.clock.now()
        answer_id = await IncidentUpdateRepository(conn).add(
            incident_id=incident.id,
            at=now,
            author_id=actor.user_id,
            author_role="reporter",
            kind="answer",
            text=str(draft.answers["answer"]),
            reply_to=int(draft.context["question_id"]),
            draft_id=draft.id,
        )
        await IncidentRepository(conn).touch(incident_id=incident.id, now=now)
        if await IncidentRepository(conn).set_review_status(
            incident_id=incident.id, expected=("question",), to="pending"
        ):
            await AuditRepository(conn).record(
                actor_id=actor.user_id,
                entity=ENTITY,
                entity_id=str(incident.id),
                action="review",
                from_value="question",
                to_value="pending",
                reason="answered",
                now=now,
            )
        return Submitted(
            N_("Thank you! Your answer is sent to the coordinator."),
            after_commit=partial(self._relay_answer, answer_id),
        )

    async def _relay_answer(self, answer_id: int) -> None:
        async with self.kernel.db.reading() as conn:
            updates = IncidentUpdateRepository(conn)
            answer = await updates.get(update_id=answer_id)
            question = (
                await updates.get(update_id=answer.reply_to)
                if answer and answer.reply_to
                else None
            )
            incident = (
                await IncidentRepository(conn).get(incident_id=answer.incident_id)
                if answer
                else None
            )
        if answer is None or question is None or incident is None or question.author_id is None:
            return
        # Only someone who may still review the report gets the answer.
        asker = await self.kernel.actors.of_user(question.author_id)
        if not self.incidents.may_review(asker, incident):
            return
        notice = AnswerToCoordinator(incident.id, question.text or "", answer.text or "")
        for user in await self.incidents.people([question.author_id]):
            await self.incidents.tell(user, notice)

    async def submit_duplicate(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Mark a report as a duplicate of the number typed."""
        incident = await self._incident_in(conn, draft)
        self._require_reach(actor, incident)
        original = int(draft.answers["original"])
        if original == incident.id:
            raise Invalid(N_("A report cannot repeat itself. Please type another number."))
        if not await self._original_in_reach(conn, actor, incident, original):
            raise Invalid(
                N_("There is no report {original}. Please type another number."),
                original=report_number(original),
            )
        return await self._submitted_decision(
            conn, actor, incident, "duplicate", duplicate_of=original, reason=None
        )

    async def submit_reject(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Reject a report with a reason the reporter is told."""
        incident = await self._incident_in(conn, draft)
        code = str(draft.answers["reason"])
        typed = draft.answers.get("reason_text")
        reason = f"{code}:{typed}" if typed else code
        return await self._submitted_decision(
            conn, actor, incident, "rejected", duplicate_of=None, reason=reason
        )

    async def _submitted_decision(
        self,
        conn: Connection,
        actor: Actor,
        incident: Incident,
        to: str,
        *,
        duplicate_of: int | None,
        reason: str | None,
    ) -> Submitted:
        done = await self._review(
            conn, actor, incident, to, duplicate_of=duplicate_of, reason=reason
        )
        number = report_number(incident.id)
        if not done:
            return Submitted(N_("Report {number} was already reviewed."), {"number": number})
        return Submitted(
            N_("Report {number} is marked. The reporter is told. /review shows the next one."),
            {"number": number},
            after_commit=partial(self._tell_decision, incident.id, reason),
        )


def _duplicate_reason(original: int | None) -> str | None:
    return f"duplicate_of:{original}" if original is not None else None
