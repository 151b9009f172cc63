"""Places typed by hand: listing them in a coordinator's reach and attaching them to the list.

A person who found no place on the list answers "Other / not listed" and types its name: a
report keeps it in `place_other`, a person's profile in `place_other`, a need in `village`.
A coordinator (or `ayilbot admin places attach`) attaches such a name to a gazetteer place.

Attaching writes the place's codes into the record's own place columns (a report's admin1-3
and village, a person's or a need's place) and keeps the typed text beside them; the audit
log keeps the codes the record had. So every count, digest, early warning, map and export,
which all read those columns, counts the record under that place from then on, with no query
changed and nothing to join; a mapping table read at query time would have to be joined by
every one of them, and one forgotten join would count the record twice or not at all.

Typed names are grouped by their spelling-blind key (`search_key`: "Кызыл-Байрак" and
"Kyzyl-Bairak" are one name) and by the place they were typed under, so one name in two
oblasts stays two entries. A record is attached only to a place inside what its author chose
before typing (a report typed under Chui oblast is never attached to a place in Osh), and a
coordinator attaches only to places in her reach.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.core.access import Actor, Permission
from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from bot.core.text import N_
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.kinds import Env, Invalid
from bot.forms.places import ATTACH, TARGET_LEVELS
from bot.forms.view import FormView
from bot.gazetteer import Place, search_key
from bot.records.core import Draft
from bot.records.places import Holder, PlaceCodes, TypedPlace
from storage.connection import Connection
from storage.places import TypedPlaceRepository

SHOWN = 10  # typed names listed in the chat at once, most frequent first


class _Counted:
    """How many reports, people and needs among the records holding a typed name."""

    __slots__ = ()
    records: tuple[TypedPlace, ...]

    @property
    def reports(self) -> int:
        return sum(r.holder == "incident" for r in self.records)

    @property
    def people(self) -> int:
        return sum(r.holder == "user" for r in self.records)

    @property
    def needs(self) -> int:
        return sum(r.holder == "need" for r in self.records)


@dataclass(frozen=True, slots=True)
class TypedName(_Counted):
    """One name typed by hand under one place, with the records that hold it."""

    typed: str  # the spelling typed most often
    within: Place | None  # what was chosen before typing; None: nothing
    records: tuple[TypedPlace, ...]

    @property
    def first(self) -> TypedPlace:
        """The record that names the whole entry (a button carries its holder and id)."""
        return self.records[0]


@dataclass(frozen=True, slots=True)
class TypedNames:
    """The typed names in a coordinator's reach, most frequent first."""

    names: tuple[TypedName, ...]
    hidden: int  # names beyond those listed


@dataclass(frozen=True, slots=True)
class Attached(_Counted):
    """What attaching a typed name did."""

    typed: str
    place: Place
    records: tuple[TypedPlace, ...]
    # Records with that name whose own answer rules the place out (typed under another
    # oblast or rayon): left as they are.
    skipped: tuple[TypedPlace, ...] = ()


class PlaceRules:
    """Who may attach typed places, which ones, and to what."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def specs(self) -> dict[str, FormSpec]:
        """The attach form, for the engine."""
        return {ATTACH.id: FormSpec(ATTACH, self.submit_attach)}

    # reading -------------------------------------------------------------------------------

    async def typed_names(
        self, actor: Actor, *, within: str | None = None, limit: int | None = SHOWN
    ) -> TypedNames:
        """The names typed by hand in the actor's reach (under `within` when given), the
        `limit` most frequent (None: all)."""
        self.kernel.access.require(actor, Permission.ATTACH_PLACES)
        names = self._names(await self._unattached(actor))
        if within is not None:
            scope = self._place(within)
            names = [n for n in names if any(self._under(scope, r) for r in n.records)]
        shown = names if limit is None else names[:limit]
        return TypedNames(tuple(shown), len(names) - len(shown))

    async def name_of(self, actor: Actor, holder: Holder, record_id: int) -> TypedName:
        """The typed name a record holds, with every record in reach that shares it."""
        self.kernel.access.require(actor, Permission.ATTACH_PLACES)
        for name in self._names(await self._unattached(actor)):
            if any(r.holder == holder and r.id == record_id for r in name.records):
                return name
        raise StaleButton  # attached meanwhile, out of reach, or never typed

    # attaching in the chat -------------------------------------------------------------------

    async def start_attach(self, actor: Actor, holder: Holder, record_id: int) -> FormView:
        """Open the question "which place is it?" for the name a record holds."""
        name = await self.name_of(actor, holder, record_id)
        context: dict[str, Any] = {
            "holder": holder,
            "id": record_id,
            "typed": name.typed,
            "within": name.within.code if name.within else None,
        }
        if not actor.reach.everything and name.within is None:
            # Found by typing anywhere, a place must still be one she may see.
            context["among"] = sorted(
                code
                for code in actor.reach.places
                if (place := self.kernel.gazetteer.get(code)) and place.level in TARGET_LEVELS
            )
        return await self.kernel.get(FormEngine).start(
            actor, form_id=ATTACH.id, context=context, restart=True
        )

    async def submit_attach(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Attach every record in reach holding the name to the place chosen."""
        self.kernel.access.require(actor, Permission.ATTACH_PLACES)
        context = draft.context
        holder, record_id = context.get("holder"), context.get("id")
        if holder not in ("incident", "user", "need") or not isinstance(record_id, int):
            raise StaleButton
        repo = TypedPlaceRepository(conn)
        names = self._names(await repo.unattached(places=actor.reach.place_codes))
        name = next(
            (n for n in names if any(r.holder == holder and r.id == record_id for r in n.records)),
            None,
        )
        if name is None:
            raise Invalid(N_("These answers were attached meanwhile: nothing is left to do."))
        place = self._target(actor, str(draft.answers.get("place")))
        fitting = [r for r in name.records if self._fits(r, place)]
        if not fitting:
            raise Invalid(N_("That place lies outside what was chosen before typing."))
        await repo.attach(
            fitting, self._codes(place), actor_id=actor.user_id, now=self.kernel.clock.now()
        )
        return Submitted(
            N_(
                "«{typed}» is attached to {place}: these answers now count there in every "
                "count, digest, map and export. /places lists what is left."
            ),
            {
                "typed": name.typed,
                "place": self.kernel.gazetteer.path_name(place.code, env.tr.locale),
            },
        )

    # attaching from the command line ---------------------------------------------------------

    async def attach(
        self, actor: Actor, *, typed: str, code: str, within: str | None = None
    ) -> Attached:
        """Attach every record in reach whose typed place is `typed` (any spelling) to `code`;
        only those typed under `within` when it is given."""
        self.kernel.access.require(actor, Permission.ATTACH_PLACES)
        place = self._target(actor, code)
        scope = self._place(within) if within is not None else None
        key = search_key(typed)
        if not key:
            raise ValueError("the typed name has no letters")
        async with self.kernel.db.transaction() as conn:
            repo = TypedPlaceRepository(conn)
            records = [
                r
                for r in await repo.unattached(places=actor.reach.place_codes)
                if search_key(r.typed) == key and (scope is None or self._under(scope, r))
            ]
            fitting = [r for r in records if self._fits(r, place)]
            done = await repo.attach(
                fitting, self._codes(place), actor_id=None, now=self.kernel.clock.now()
            )
        skipped = tuple(r for r in records if r not in fitting)
        return Attached(typed, place, tuple(done), skipped)

    # helpers -------------------------------------------------------------------------------

    async def _unattached(self, actor: Actor) -> list[TypedPlace]:
        async with self.kernel.db.reading() as conn:
            return await TypedPlaceRepository(conn).unattached(places=actor.reach.place_codes)

    def _names(self, records: list[TypedPlace]) -> list[TypedName]:
        """Records grouped by typed name (spelling-blind) and the place chosen before."""
        gazetteer = self.kernel.gazetteer
        groups: dict[tuple[str, str | None], list[TypedPlace]] = {}
        for record in records:
            key = search_key(record.typed) or record.typed.casefold()
            within = gazetteer.resolve(record.within) if record.within else None
            groups.setdefault((key, within.code if within else None), []).append(record)
        names = [
            TypedName(
                Counter(r.typed for r in group).most_common(1)[0][0],
                gazetteer.resolve(within) if within else None,
                tuple(group),
            )
            for (_, within), group in groups.items()
        ]
        names.sort(key=lambda n: (-len(n.records), n.typed.casefold()))
        return names

    def _under(self, scope: Place, record: TypedPlace) -> bool:
        """Whether the record was typed (or its author lives) under `scope`."""
        where = record.within or record.seen_at
        return where is not None and self.kernel.gazetteer.covers(scope.code, where)

    def _place(self, code: str) -> Place:
        place = self.kernel.gazetteer.resolve(code)
        if place is None:
            raise LookupError(f"unknown place code {code!r}")
        return place

    def _target(self, actor: Actor, code: str) -> Place:
        """The place to attach to: known, of a level records hold, within the actor's reach."""
        place = self.kernel.gazetteer.resolve(code)
        if place is None or place.level not in TARGET_LEVELS:
            raise Invalid(N_("Please choose a rayon, an aiyl aimak or a village."))
        if not actor.reach.covers_place(place.code):
            raise Invalid(N_("That place is outside your area."))
        return place

    def _fits(self, record: TypedPlace, place: Place) -> bool:
        """Whether the place lies inside, and below, what the record's author chose."""
        if record.within is None:
            return True
        chosen = self.kernel.gazetteer.resolve(record.within)
        if chosen is None:
            return True  # a code the gazetteer lost says nothing against the place
        return chosen.code != place.code and self.kernel.gazetteer.covers(chosen.code, place.code)

    def _codes(self, place: Place) -> PlaceCodes:
        chain = {p.level: p.code for p in self.kernel.gazetteer.ancestors(place.code)}
        return PlaceCodes(
            admin1=chain.get("oblast"),
            admin2=chain.get("rayon") or chain.get("city"),
            admin3=chain.get("aiyl_aimak"),
            village=chain.get("village"),
            place=place.code,
        )
