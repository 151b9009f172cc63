"""Input kinds a form step may ask for; each parses, validates and renders its answer."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.gazetteer import Gazetteer, Match, Place
from bot.i18n import N_, Tr, escape
from bot.records.core import User
from bot.typed_text import clean_label, clean_text

Answers = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Input:
    """What a person sent, stripped of Telegram types."""

    kind: str  # text | location | photo | voice | document | other
    text: str | None = None
    lat: float | None = None
    lon: float | None = None
    file_id: str | None = None
    file_unique_id: str | None = None
    mime_type: str | None = None
    file_name: str | None = None
    duration: int | None = None
    sent_at: datetime | None = None  # when the person sent it (Telegram's message date)

    def __post_init__(self) -> None:
        # Every typed answer enters here: cleaned once, so no control character (which breaks
        # XLSX and DOCX files) or bidi control reaches a draft, a record or a screen.
        if self.text is not None:
            object.__setattr__(self, "text", clean_text(self.text))

    def as_file(self) -> dict[str, Any]:
        """The stored form of an attachment: Telegram ids and type, never the bytes."""
        data: dict[str, Any] = {
            "type": self.kind,
            "file_id": self.file_id,
            "unique_id": self.file_unique_id,
        }
        data.update(
            {
                k: v
                for k, v in (
                    ("mime", self.mime_type),
                    ("name", self.file_name),
                    ("duration", self.duration),
                )
                if v is not None
            }
        )
        return data


class Invalid(Exception):
    """An answer was refused; the message is a msgid shown with the question again."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    translate: bool = True  # False: already in the reader's language (a place name)

    def text(self, tr: Tr) -> str:
        return tr.label(self.label) if self.translate else self.label


@dataclass(frozen=True)
class Env:
    """What options and validators may look at: the reader, the gazetteer, today, context."""

    tr: Tr
    user: User | None
    gazetteer: Gazetteer
    today: date
    context: Mapping[str, Any] = field(default_factory=dict)
    # Places where the reader is the only registered person: an anonymous report from one of
    # them still points to her (bot.rules.users.sole_reporter_places decides).
    alone_in: frozenset[str] = frozenset()
    # How many days a scheduled backup keeps what a person erased (AYILBOT_BACKUP_KEEP).
    backup_days: int = 0


def place_options(places: Iterable[Place], env: Env) -> tuple[Option, ...]:
    """Gazetteer places as options, named in the reader's language."""
    return tuple(Option(p.code, p.name(env.tr.locale), translate=False) for p in places)


@dataclass(frozen=True, slots=True)
class Pick:
    """An answer, with the answers of later steps it settles (a village found by typing
    settles the oblast, the rayon and the aiyl aimak)."""

    value: Any
    more: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Browse:
    """Letters typed or a page turned: what the question shows changes, not its answer.

    `state` is kept in the draft for this question until it is answered; `message` (a msgid)
    is said above the question, as a refused answer is.
    """

    state: Mapping[str, Any]
    message: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Shown:
    """What a kind shows itself under the prompt: a note, and rows of (label, action)."""

    note: str
    rows: tuple[tuple[tuple[str, str], ...], ...]


class Kind:
    """Base of all kinds: no typed input accepted, no options."""

    accepts: frozenset[str] = frozenset()
    collects = False
    columns = 1
    wrong_type = N_("Please use the buttons below.")

    def options(self, answers: Answers, env: Env) -> Sequence[Option]:
        return ()

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        """The answer typed, or a `Pick` or `Browse`; raises Invalid when refused."""
        raise Invalid(self.wrong_type)

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        return escape(value)

    def shown(self, answers: Answers, env: Env, state: Mapping[str, Any]) -> Shown | None:
        """Buttons of the kind's own (None: one button per option, `o<index>`)."""
        return None

    def press(
        self, action: str, answers: Answers, env: Env, state: Mapping[str, Any]
    ) -> Pick | Browse | None:
        """A press of one of the kind's own buttons; None when it is not one of them."""
        return None


class Choice(Kind):
    """One option from buttons; typing an option's exact label also counts."""

    accepts = frozenset({"text"})

    def __init__(
        self,
        options: Sequence[Option] = (),
        *,
        options_for: Callable[[Answers, Env], Sequence[Option]] | None = None,
        columns: int = 1,
    ) -> None:
        self._options = tuple(options)
        self._options_for = options_for
        self.columns = columns

    def options(self, answers: Answers, env: Env) -> Sequence[Option]:
        return self._options_for(answers, env) if self._options_for else self._options

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        typed = (given.text or "").strip().casefold()
        for option in self.options(answers, env):
            if option.text(env.tr).casefold() == typed:
                return option.value
        raise Invalid(self.wrong_type)

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        for option in self.options(answers, env):
            if option.value == value:
                return escape(option.text(env.tr))
        return escape(value)


def yes_no() -> Choice:
    """A yes/no question as two buttons."""
    return Choice((Option("yes", N_("Yes")), Option("no", N_("No"))), columns=2)


class MultiChoice(Choice):
    """Several options, toggled on and off, then Done."""

    collects = True

    def __init__(
        self,
        options: Sequence[Option] = (),
        *,
        options_for: Callable[[Answers, Env], Sequence[Option]] | None = None,
        max_items: int | None = None,
        columns: int = 1,
    ) -> None:
        super().__init__(options, options_for=options_for, columns=columns)
        self.max_items = max_items

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        raise Invalid(self.wrong_type)

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        return ", ".join(Choice.render(self, v, answers, env) for v in value or ())


class Text(Kind):
    """Free text with a length limit."""

    accepts = frozenset({"text"})
    wrong_type = N_("Please type your answer as a text message.")

    def __init__(self, max_len: int, *, min_len: int = 1) -> None:
        self.max_len = max_len
        self.min_len = min_len

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        if given.kind != "text":
            raise Invalid(self.wrong_type)
        # Answers here are names and short labels others read (a place, a side, a group name):
        # no invisible character may make one look like another.
        text = clean_label(given.text or "").strip()
        if len(text) < self.min_len:
            raise Invalid(N_("The answer is too short."))
        if len(text) > self.max_len:
            raise Invalid(
                N_("That is {length} characters; at most {limit} fit here. Please shorten it."),
                length=len(text),
                limit=self.max_len,
            )
        return text


class Number(Kind):
    """A whole number in a range; the quick values are offered as buttons."""

    accepts = frozenset({"text"})
    wrong_type = N_("Please type a number, for example 3.")
    columns = 4

    def __init__(
        self, *, minimum: int = 0, maximum: int = 100_000, quick: Sequence[int] = ()
    ) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.quick = tuple(quick)

    def options(self, answers: Answers, env: Env) -> Sequence[Option]:
        return tuple(Option(str(n), str(n), translate=False) for n in self.quick)

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        text = (given.text or "").strip().replace(" ", "")
        if given.kind != "text" or not re.fullmatch(r"-?\d{1,9}", text):
            raise Invalid(self.wrong_type)
        value = int(text)
        if not self.minimum <= value <= self.maximum:
            raise Invalid(
                N_("Please type a number from {low} to {high}."),
                low=self.minimum,
                high=self.maximum,
            )
        return value

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        return env.tr.number(int(value))


class Date(Kind):
    """A date: Today, Yesterday, `recent_days` more days as buttons, or typed; never future."""

    accepts = frozenset({"text"})
    wrong_type = N_("Please press a button or type the date as dd.mm.yyyy, e.g. 07.03.2026.")
    columns = 2

    def __init__(self, *, recent_days: int = 0) -> None:
        self.recent_days = recent_days

    def options(self, answers: Answers, env: Env) -> Sequence[Option]:
        earlier = (env.today - timedelta(days=n) for n in range(2, 2 + self.recent_days))
        return (
            Option(env.today.isoformat(), N_("Today")),
            Option((env.today - timedelta(days=1)).isoformat(), N_("Yesterday")),
            *(Option(d.isoformat(), env.tr.short_date(d), translate=False) for d in earlier),
        )

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        match = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", (given.text or "").strip())
        if given.kind != "text" or not match:
            raise Invalid(self.wrong_type)
        day, month, year = (int(g) for g in match.groups())
        try:
            value = date(year, month, day)
        except ValueError:
            raise Invalid(N_("There is no such date. Please check the day and month.")) from None
        if value > env.today:
            raise Invalid(N_("That date is in the future. Please give the day it happened."))
        if value.year < 2000:
            raise Invalid(N_("Please give a date after the year 2000."))
        return value.isoformat()

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        return env.tr.date(date.fromisoformat(value))


class Location(Kind):
    """A location pin shared from the phone."""

    accepts = frozenset({"location"})
    wrong_type = N_("Please share a location: 📎 → Location. Or press Skip.")

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        if given.kind != "location" or given.lat is None or given.lon is None:
            raise Invalid(self.wrong_type)
        return {"lat": given.lat, "lon": given.lon}

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        return f"📍 {value['lat']:.5f}, {value['lon']:.5f}"


class Media(Kind):
    """Photos, voice notes or documents, collected until Done."""

    collects = True

    def __init__(self, types: Sequence[str] = ("photo",), *, max_items: int = 5) -> None:
        self.accepts = frozenset(types)
        self.max_items = max_items
        self.wrong_type = (
            N_("Please send a photo, or press Done.")
            if tuple(types) == ("photo",)
            else N_("Please send a photo, a voice note or a document, or press Done.")
        )

    def add(self, pending: Any, given: Input) -> Any:
        items = list(pending or [])
        if given.kind not in self.accepts:
            raise Invalid(self.wrong_type)
        if len(items) >= self.max_items:
            raise Invalid(
                N_("That is more than {limit} files; the extra one was not added."),
                limit=self.max_items,
            )
        return [*items, given.as_file()]

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        return env.tr.ngettext("{n} file", "{n} files", len(value or ()))


class Note(Kind):
    """A description as text, a voice note, or both, then Done."""

    accepts = frozenset({"text", "voice"})
    collects = True
    wrong_type = N_("Please type the text or record a voice note.")

    def __init__(self, max_len: int) -> None:
        self.max_len = max_len

    def add(self, pending: Any, given: Input) -> Any:
        note = dict(pending or {})
        if given.kind == "voice":
            note["voice"] = given.as_file()
        elif given.kind == "text":
            text = "\n".join(t for t in (note.get("text"), (given.text or "").strip()) if t)
            text = text.replace("\x00", "")
            if len(text) > self.max_len:
                raise Invalid(
                    N_(
                        "That is {length} characters; at most {limit} fit here. Please shorten it."
                    ),
                    length=len(text),
                    limit=self.max_len,
                )
            note["text"] = text
        else:
            raise Invalid(self.wrong_type)
        return note

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        parts = []
        if value.get("text"):
            text = value["text"]
            if len(text) <= 300:
                parts.append(escape(text))
            else:
                size = env.tr.ngettext("{n} character", "{n} characters", len(text))
                parts.append(f"{escape(text[:300])}… ({size})")
        if value.get("voice"):
            parts.append("🎤 " + env.tr.gettext("voice note"))
        return " + ".join(parts)


# ---------------------------------------------------------------------- places

# A list this long is shown whole; a longer one goes on pages of PAGE places, so a question
# never shows more than about a dozen place buttons on a small phone.
SHORT_LIST = 12
PAGE = 10
FOUND = 10  # places shown for typed letters


@dataclass(frozen=True, slots=True)
class PlaceScope:
    """Where typed letters look: under `within` (None: the whole country), at `levels`,
    and, when `among` is given, only at those places (a coordinator's own)."""

    within: str | None = None
    levels: frozenset[str] = frozenset({"aiyl_aimak"})
    among: frozenset[str] | None = None
    strict: bool = False  # below `within` only, not `within` itself
    near: str | None = None  # places under this one come first (the person's own rayon)


def _typed_mark(text: str) -> str:
    """A short mark of typed text for a button that keeps it: an older message's button
    names its own text, so it cannot keep letters typed after it."""
    return hashlib.blake2s(text.encode(), digest_size=4).hexdigest()


class PlaceChoice(Choice):
    """A place from the gazetteer: its list as buttons, on pages when long, or found by typing.

    The list answers like a `Choice`: `o<i>` is the index in the whole list (extras before,
    places, extras after), so a button keeps its meaning on any page and in messages shown
    before paging existed. Typed letters (any spelling: Kyrgyz, Russian or Latin letters, a
    former name) are looked up in `search`'s scope; each place found is a `p<code>` button.
    A place found below this step's level answers this step with the unit above it at the
    step's `rank` and settles the steps below (`fills`: rank -> answer key): a village found
    at the oblast question answers the oblast, the rayon, the aiyl aimak and the village.
    With `rank` None the place found is the answer, whatever its level.
    `typed` names the step that keeps a name as typed when it is not listed (answering this
    one `unlisted`); with `keep_unmatched`, letters that find nothing are kept at once, as a
    village typed before the list existed was.
    """

    wrong_type = N_("Please press a button, or type the first letters of the name.")

    def __init__(
        self,
        listed: Callable[[Answers, Env], Sequence[Place]],
        *,
        rank: int | None,
        search: Callable[[Answers, Env], PlaceScope | None] | None = None,
        before: Sequence[Option] = (),
        after: Sequence[Option] = (),
        fills: Mapping[int, str] | None = None,
        typed: str | None = None,
        unlisted: str = "other",
        typed_max: int = 120,
        keep_unmatched: bool = False,
        columns: int = 2,
    ) -> None:
        super().__init__(options_for=self._all_options, columns=columns)
        self._listed = listed
        self.rank = rank
        self._search = search
        self._before = tuple(before)
        self._after = tuple(after)
        self.fills = dict(fills or {})
        self.typed = typed
        self.unlisted = unlisted
        self.typed_max = typed_max
        self.keep_unmatched = keep_unmatched

    # answers ------------------------------------------------------------------------------

    def _all_options(self, answers: Answers, env: Env) -> Sequence[Option]:
        return (*self._before, *place_options(self._listed(answers, env), env), *self._after)

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        text = clean_label(given.text or "").strip() if given.kind == "text" else ""
        if not text:
            raise Invalid(self.wrong_type)
        folded = text.casefold()
        for option in self.options(answers, env):
            if option.text(env.tr).casefold() == folded:
                return option.value
        if self.found(text, answers, env):
            return Browse({"typed": text})
        if self.typed is not None and self.keep_unmatched:
            return self._keep(text)
        message = (
            N_(
                "Nothing on the list starts with «{typed}». Check the spelling, choose from "
                "the buttons, or keep the name as you typed it."
            )
            if self._keepable(text)
            else N_(
                "Nothing on the list starts with «{typed}». Check the spelling or choose from "
                "the buttons."
            )
        )
        return Browse({"typed": text}, message=message, params={"typed": text})

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        for option in (*self._before, *self._after):
            if option.value == value:
                return escape(option.text(env.tr))
        place = env.gazetteer.resolve(str(value)) if value is not None else None
        return escape(place.name(env.tr.locale)) if place is not None else escape(value)

    def press(
        self, action: str, answers: Answers, env: Env, state: Mapping[str, Any]
    ) -> Pick | Browse | None:
        if action.startswith("p"):
            place = env.gazetteer.resolve(action[1:])
            scope = self._scope(answers, env)
            if place is None or scope is None or not self._fits(place, scope, env):
                return None
            return self._pick(place, env)
        if action.startswith("n") and action[1:].isdigit():
            return Browse({"page": int(action[1:])})
        typed = state.get("typed")
        if (
            action.startswith("k")
            and isinstance(typed, str)
            and self._keepable(typed)
            and action[1:] == _typed_mark(typed)
        ):
            return self._keep(typed)
        return None

    def found(self, text: str, answers: Answers, env: Env) -> list[Match]:
        """The places typed letters name within the step's scope, best first."""
        scope = self._scope(answers, env)
        if scope is None:
            return []
        matches = env.gazetteer.find(text, within=scope.within, limit=50, levels=scope.levels)
        fitting = [m for m in matches if self._fits(m.place, scope, env)]
        if scope.near is not None:
            near = scope.near
            fitting.sort(key=lambda m: not env.gazetteer.covers(near, m.place.code))
        return fitting[: FOUND + 1]

    def _scope(self, answers: Answers, env: Env) -> PlaceScope | None:
        return self._search(answers, env) if self._search is not None else None

    def _fits(self, place: Place, scope: PlaceScope, env: Env) -> bool:
        return (
            place.level in scope.levels
            and (scope.among is None or place.code in scope.among)
            and (scope.within is None or env.gazetteer.covers(scope.within, place.code))
            and not (scope.strict and env.gazetteer.covers(place.code, scope.within or ""))
            and self._answer_of(place, env) is not None
        )

    def _answer_of(self, place: Place, env: Env) -> Place | None:
        """The unit at this step's rank holding the place (the highest below it, for a city
        that stands alone); None when the place lies above this step. With no rank, the
        place itself."""
        if self.rank is None:
            return place
        rank = self.rank
        chain = reversed(env.gazetteer.ancestors(place.code))
        return next((p for p in chain if p.rank >= rank), None)

    def _pick(self, place: Place, env: Env) -> Pick:
        answer = self._answer_of(place, env)
        assert answer is not None
        below = env.gazetteer.ancestors(place.code)
        below = below[: below.index(answer) + 1]
        more = {
            self.fills[p.rank]: p.code
            for p in below
            if self.rank is not None and p.rank > self.rank and p.rank in self.fills
        }
        return Pick(answer.code, more)

    def _keepable(self, text: str) -> bool:
        return self.typed is not None and len(text) <= self.typed_max

    def _keep(self, text: str) -> Pick:
        if len(text) > self.typed_max:
            raise Invalid(
                N_("That is {length} characters; at most {limit} fit here. Please shorten it."),
                length=len(text),
                limit=self.typed_max,
            )
        assert self.typed is not None
        return Pick(self.unlisted, {self.typed: text})

    # what is shown ------------------------------------------------------------------------

    def shown(self, answers: Answers, env: Env, state: Mapping[str, Any]) -> Shown:
        tr = env.tr
        searchable = self._scope(answers, env) is not None
        typed = state.get("typed")
        if isinstance(typed, str):
            found = self.found(typed, answers, env)
            if found:
                return self._found(typed, found, answers, env)
        options = self.options(answers, env)
        first_place = len(self._before)
        places = len(options) - first_place - len(self._after)
        pages = 1 if places <= SHORT_LIST else -(-places // PAGE)
        page = min(max(int(state.get("page", 0)), 0), pages - 1)
        on_page: Sequence[int]
        if pages == 1:
            on_page = range(len(options))
        else:
            start = first_place + page * PAGE
            on_page = (
                *range(first_place),
                *range(start, min(start + PAGE, first_place + places)),
                *range(first_place + places, len(options)),
            )
        buttons = [(options[i].text(tr), f"o{i}") for i in on_page]
        rows = self._grid(buttons)
        if isinstance(typed, str) and self._keepable(typed):
            rows.append(self._keep_row(typed, tr))
        if pages > 1:
            nav = []
            if page > 0:
                nav.append(("⬅️ " + tr.pgettext("button", "Previous"), f"n{page - 1}"))
            if page < pages - 1:
                nav.append((tr.pgettext("button", "More") + " ➡️", f"n{page + 1}"))
            rows.append(tuple(nav))
        notes = []
        if pages > 1:
            notes.append(tr.gettext(N_("Page {page} of {pages}."), page=page + 1, pages=pages))
        if searchable:
            notes.append(
                tr.gettext(N_("You can also type the first letters of the name."))
                if places
                else tr.gettext(N_("Type the first letters of the name."))
            )
        return Shown(f"<i>{' '.join(notes)}</i>" if notes else "", tuple(rows))

    def _found(self, typed: str, found: list[Match], answers: Answers, env: Env) -> Shown:
        tr = env.tr
        scope = self._scope(answers, env)
        within = scope.within if scope is not None else None
        buttons = [(self._label(m, env, within), "p" + m.place.code) for m in found[:FOUND]]
        rows = self._grid(buttons)
        keeps = self._keepable(typed)
        # Keeping the letters typed says "not listed" already: that option would repeat it.
        extras = [
            (option.text(tr), f"o{i}")
            for i, option in enumerate(self.options(answers, env))
            if (option in self._before or option in self._after)
            and not (keeps and option.value == self.unlisted)
        ]
        rows.extend(self._grid(extras))
        if keeps:
            rows.append(self._keep_row(typed, tr))
        if self._listed(answers, env):
            rows.append((("📋 " + tr.pgettext("button", "The whole list"), "n0"),))
        note: str = tr.gettext(N_("Found for «{typed}»:"), typed=typed)
        if len(found) > FOUND:
            note += " " + tr.gettext(N_("Not all are shown: type more letters."))
        return Shown(f"<i>{note}</i>", tuple(rows))

    def _label(self, match: Match, env: Env, within: str | None) -> str:
        locale = env.tr.locale
        place = match.place
        label = place.name(locale)
        if match.former is not None:
            label = env.tr.label(N_("{place} (formerly {former})")).format(
                place=label, former=match.former.name(locale)
            )
        parent = env.gazetteer.get(place.parent) if place.parent else None
        if parent is not None and parent.code != within and place.rank > 1:
            label += ", " + parent.name(locale)
        return label

    def _keep_row(self, typed: str, tr: Tr) -> tuple[tuple[str, str], ...]:
        shown = typed if len(typed) <= 30 else typed[:29] + "…"
        label = "✏️ " + tr.label(N_("Not listed: keep “{typed}”")).format(typed=shown)
        return ((label, "k" + _typed_mark(typed)),)

    def _grid(self, buttons: Sequence[tuple[str, str]]) -> list[tuple[tuple[str, str], ...]]:
        return [tuple(buttons[i : i + self.columns]) for i in range(0, len(buttons), self.columns)]
