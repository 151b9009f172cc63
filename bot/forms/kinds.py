"""Input kinds a form step may ask for; each parses, validates and renders its answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.gazetteer import Gazetteer, Place
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


class Kind:
    """Base of all kinds: no typed input accepted, no options."""

    accepts: frozenset[str] = frozenset()
    collects = False
    columns = 1
    wrong_type = N_("Please use the buttons below.")

    def options(self, answers: Answers, env: Env) -> Sequence[Option]:
        return ()

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        raise Invalid(self.wrong_type)

    def render(self, value: Any, answers: Answers, env: Env) -> str:
        return escape(value)


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
