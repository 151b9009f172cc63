"""Rapid assessments of ayil okmotu: who may assess where, each history, the comparison.

A coordinator assesses and reads the aiyl aimaks her reach covers; a reach of everything
(administrators, an `all` scope) finds any aiyl aimak through its oblast and rayon.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from bot.core.access import Actor, NotAllowed, Permission
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.core.text import N_
from bot.forms.assessment import ASSESSMENT, RESOURCES, TARGETS
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.kinds import Env, Invalid
from bot.forms.view import FormView
from bot.gazetteer import Place
from bot.records.assessments import Assessment
from bot.records.core import Draft
from bot.records.documents import DocumentSetup
from storage.assessments import AssessmentRepository
from storage.connection import Connection
from storage.drafts import DraftRepository

PLACES_LIMIT = 60  # aiyl aimaks offered on the "which aiyl aimak" question
HISTORY_COLUMNS = 6  # assessments of one aiyl aimak side by side: a phone's width of dates
# The rows of a profile and of the comparison, in order: the same for every aiyl aimak.
ROW_KEYS: tuple[str, ...] = (
    "assessed_on",
    "population",
    "villages",
    *RESOURCES,
    "border_km",
    "border_status",
    "mechanisms",
    "conflicts",
    "worst_conflict",
    "risks",
)


@dataclass(frozen=True, slots=True)
class AssessedPlace:
    """An aiyl aimak assessed at least once, with its latest assessment."""

    code: str
    place: Place | None  # None: no longer in the gazetteer
    latest: Assessment | None


@dataclass(frozen=True, slots=True)
class AssessmentHome:
    """/assessment: the assessed aiyl aimaks in reach, the five targets first."""

    places: tuple[AssessedPlace, ...]


@dataclass(frozen=True, slots=True)
class NothingToAssess:
    """No aiyl aimak lies within the person's reach."""


@dataclass(frozen=True, slots=True)
class Profile:
    """An aiyl aimak's latest assessment, the one before it, and which rows changed."""

    place: Place
    latest: Assessment | None
    previous: Assessment | None
    count: int
    changed: tuple[str, ...]  # row keys (but the date) whose value differs from the previous


@dataclass(frozen=True, slots=True)
class Comparison:
    """Several aiyl aimaks at one time: each one's latest assessment on or before `as_of`.

    `latest` is None for an aiyl aimak not assessed by then; `as_of` None means today.
    `with_history` names the compared aiyl aimaks assessed more than once (by then), whose
    assessments can be set side by side over time.
    """

    places: tuple[Place, ...]
    latest: Mapping[str, Assessment | None]
    as_of: date | None = None
    with_history: tuple[Place, ...] = ()
    setup: DocumentSetup = field(default_factory=DocumentSetup)  # organisation, letterhead


@dataclass(frozen=True, slots=True)
class History:
    """One aiyl aimak over time: its assessments, oldest first, and what changed in each.

    `changed[i]` holds the rows (but the date) of `assessments[i]` that differ from the one
    before it; the first shown is compared with the assessment before it when there is one.
    `total` counts every assessment of the aiyl aimak; only the latest HISTORY_COLUMNS show.
    """

    place: Place
    assessments: tuple[Assessment, ...]
    changed: tuple[tuple[str, ...], ...]
    total: int
    setup: DocumentSetup = field(default_factory=DocumentSetup)


def changed_rows(previous: Assessment | None, latest: Assessment | None) -> tuple[str, ...]:
    """The rows (but the date) whose value differs between two assessments."""
    if previous is None or latest is None:
        return ()
    return tuple(k for k in ROW_KEYS[1:] if getattr(previous, k) != getattr(latest, k))


def _target_order(code: str) -> tuple[int, str]:
    return (TARGETS.index(code) if code in TARGETS else len(TARGETS), code)


class AssessmentRules:
    """Who may assess where, the history of each aiyl aimak, and the comparison."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def specs(self) -> dict[str, FormSpec]:
        """The assessment form, for the engine."""
        return {ASSESSMENT.id: FormSpec(ASSESSMENT, self.submit)}

    def assessable(self, actor: Actor) -> list[str]:
        """Aiyl aimaks within a scoped actor's reach, the five targets first."""
        aimaks = [p.code for p in self.kernel.gazetteer.by_level("aiyl_aimak")]
        found = sorted((c for c in aimaks if actor.reach.covers_place(c)), key=_target_order)
        return found[:PLACES_LIMIT]

    # recording ---------------------------------------------------------------------------

    async def start(self, actor: Actor, place: str | None = None) -> FormView | NothingToAssess:
        """/assessment: fill in a new assessment, for a given aiyl aimak or one to choose."""
        self._require(actor, place)
        if place is not None:
            if self.kernel.gazetteer.resolve(place) is None:
                raise StaleButton
            context: dict[str, Any] = {"place": place}
        elif actor.reach.everything:
            context = {"wide": True}
        else:
            places = self.assessable(actor)
            if not places:
                return NothingToAssess()
            context = {"places": places}
        async with self.kernel.db.reading() as conn:
            live = await DraftRepository(conn).live_for_form(
                user_id=actor.user_id, form_id=ASSESSMENT.id
            )
        # A half-filled assessment of another aiyl aimak is not resumed for this one.
        restart = live is not None and dict(live.context) != context
        return await self.kernel.get(FormEngine).start(
            actor, form_id=ASSESSMENT.id, context=context, restart=restart
        )

    async def submit(self, conn: Connection, draft: Draft, actor: Actor, env: Env) -> Submitted:
        """Add the assessment to the aiyl aimak's history; earlier ones stay as they were."""
        answers = draft.answers
        code = str(draft.context.get("place") or answers["aiyl_aimak"])
        place = self.kernel.gazetteer.resolve(code)
        if (
            place is None
            or not self.kernel.access.allows(actor, Permission.ASSESS)
            or not actor.reach.covers_place(code)
        ):
            raise Invalid(N_("You may not assess this aiyl aimak."))
        mechanisms = list(answers.get("mechanisms") or [])
        if len(mechanisms) > 1 and "none" in mechanisms:
            mechanisms.remove("none")  # "none" alongside others is a slip of the finger
        number = await AssessmentRepository(conn).create(
            draft_id=draft.id,
            form_version=draft.form_version,
            place_code=code,
            assessed_on=date.fromisoformat(str(answers["assessed_on"])),
            author_id=actor.user_id,
            population=answers.get("population"),
            villages=answers.get("villages"),
            resources={key: answers.get(f"res_{key}") for key in RESOURCES},
            border_km=answers.get("border_km"),
            border_status=answers.get("border_status"),
            mechanisms=mechanisms,
            conflicts=answers.get("conflicts"),
            worst_conflict=answers.get("worst_conflict"),
            risks=answers.get("risks"),
            contacts=answers.get("contacts"),
            now=self.kernel.clock.now(),
        )
        # The receipt is stored with the draft: the place is named in the form's language.
        return Submitted(
            N_(
                "Assessment No. {number} of {place} is saved. /assessment opens its profile "
                "with what changed."
            ),
            {"number": number, "place": place.name(env.tr.locale)},
        )

    # reading -----------------------------------------------------------------------------

    async def home(self, actor: Actor) -> AssessmentHome:
        """The assessed aiyl aimaks in reach, the five targets first."""
        self.kernel.access.require(actor, Permission.ASSESS)
        async with self.kernel.db.reading() as conn:
            repo = AssessmentRepository(conn)
            codes = [p for p in await repo.assessed_places() if actor.reach.covers_place(p)]
            latest = await repo.latest_for(codes)
        codes.sort(key=_target_order)
        gazetteer = self.kernel.gazetteer
        return AssessmentHome(
            tuple(AssessedPlace(c, gazetteer.resolve(c), latest.get(c)) for c in codes)
        )

    async def profile(self, actor: Actor, code: str) -> Profile:
        """The latest assessment of an aiyl aimak, the one before it, and what changed."""
        place = self.kernel.gazetteer.resolve(code)
        if place is None:
            raise StaleButton
        self._require(actor, code)
        async with self.kernel.db.reading() as conn:
            history = await AssessmentRepository(conn).history(place_code=code)
        latest = history[0] if history else None
        previous = history[1] if len(history) > 1 else None
        return Profile(place, latest, previous, len(history), changed_rows(previous, latest))

    async def compare(
        self, actor: Actor, codes: Sequence[str] | None = None, as_of: date | None = None
    ) -> Comparison:
        """Several aiyl aimaks at one time (the five targets by default), as of a day."""
        self.kernel.access.require(actor, Permission.ASSESS)
        gazetteer = self.kernel.gazetteer
        wanted = (gazetteer.resolve(c) for c in dict.fromkeys(codes or TARGETS))
        places = tuple(p for p in wanted if p is not None and actor.reach.covers_place(p.code))
        async with self.kernel.db.reading() as conn:
            repo = AssessmentRepository(conn)
            histories = {p.code: await repo.history(place_code=p.code) for p in places}
        known = {
            code: [a for a in found if as_of is None or a.assessed_on <= as_of]
            for code, found in histories.items()
        }
        return Comparison(
            places,
            {p.code: known[p.code][0] if known[p.code] else None for p in places},
            as_of,
            tuple(p for p in places if len(known[p.code]) > 1),
            self.kernel.documents,
        )

    async def over_time(self, actor: Actor, code: str) -> History:
        """One aiyl aimak's assessments side by side, oldest first, with what changed."""
        place = self.kernel.gazetteer.get(code)
        if place is None:
            raise StaleButton
        self._require(actor, code)
        async with self.kernel.db.reading() as conn:
            newest_first = await AssessmentRepository(conn).history(place_code=code)
        oldest_first = newest_first[::-1]
        shown = oldest_first[-HISTORY_COLUMNS:]
        before = oldest_first[-HISTORY_COLUMNS - 1] if len(oldest_first) > len(shown) else None
        changed = tuple(
            changed_rows(earlier, later)
            for earlier, later in zip((before, *shown[:-1]), shown, strict=True)
        )
        return History(place, tuple(shown), changed, len(newest_first), self.kernel.documents)

    async def compare_asked(
        self, actor: Actor, codes: Sequence[str], as_of: date | None = None
    ) -> Comparison | History:
        """/compare with arguments: one aiyl aimak alone is followed over time."""
        alone = set(codes)
        if len(alone) == 1 and as_of is None:
            code = alone.pop()
            if self.kernel.gazetteer.get(code) is not None and actor.reach.covers_place(code):
                return await self.over_time(actor, code)
        return await self.compare(actor, codes or None, as_of)

    # personal data -----------------------------------------------------------------------

    async def export_personal(self, conn: Connection, user_id: int) -> list[dict[str, Any]]:
        """The assessments the person filled in (/mydata)."""
        found = await AssessmentRepository(conn).by_author(user_id)
        return [
            {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(a).items()}
            for a in found
        ]

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """The aiyl aimak's profile stays; only its author is forgotten."""
        await AssessmentRepository(conn).forget_author(user_id=user_id)

    # helpers -----------------------------------------------------------------------------

    def _require(self, actor: Actor, code: str | None) -> None:
        """The right to assess, and the aiyl aimak (when named) within reach."""
        self.kernel.access.require(actor, Permission.ASSESS)
        if code is not None and not actor.reach.covers_place(code):
            raise NotAllowed(Permission.ASSESS)
