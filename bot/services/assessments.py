"""Rapid assessments of ayil okmotu: the profile with its history, and side-by-side comparison."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from docx import Document

from bot.clock import Clock
from bot.core.access import Access, Actor, Permission
from bot.core.errors import StaleButton
from bot.forms.assessment import ASSESSMENT, BORDER, MECHANISMS, RESOURCES, STATES, TARGETS
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.kinds import Env, Invalid
from bot.forms.view import FormView
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Tr, escape, translator
from bot.records.core import Draft
from bot.screen import Attachment, Button, Screen
from bot.typed_text import xml_safe
from storage.assessments import Assessment, AssessmentRepository
from storage.connection import Connection
from storage.db import Database
from storage.drafts import DraftRepository

# The menu entry and command descriptions (bot/menu.py lists them).
MENU_ASSESSMENT = N_("🏞 Assessments of ayil okmotu")
COMMAND_ASSESSMENT = N_("Rapid assessments of ayil okmotu")
COMMAND_COMPARE = N_("Compare aiyl aimaks side by side")

PLACES_LIMIT = 60  # buttons on the "which aiyl aimak" question
LABEL_WIDTH = 14  # characters of a row label in the table shown in the bot
CELL_WIDTH = 8
TEXT_FIELDS = ("worst_conflict", "risks")

# In the bot's monospaced table a state is one character; the legend explains them.
STATE_MARKS = {"sufficient": "+", "strained": "~", "contested": "!"}
BORDER_MARKS = {"delimited": "+", "partly": "~", "not_delimited": "-", "unknown": "?"}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the profile and of the comparison: the same rows for every aiyl aimak."""

    key: str
    label: str  # msgid


ROWS: tuple[Row, ...] = (
    Row("assessed_on", N_("Date of assessment")),
    Row("population", N_("Population")),
    Row("villages", N_("Villages")),
    *(Row(key, label) for key, (label, _prompt) in RESOURCES.items()),
    Row("border_km", N_("Border, km")),
    Row("border_status", N_("Border status")),
    Row("mechanisms", N_("Mechanisms")),
    Row("conflicts", N_("Conflicts in 12 months")),
    Row("worst_conflict", N_("Most serious conflict")),
    Row("risks", N_("Risks and needs")),
)


@dataclass(frozen=True, slots=True)
class Profile:
    """An aiyl aimak's latest assessment and the one before it."""

    place_code: str
    latest: Assessment | None
    previous: Assessment | None
    count: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """The latest assessment of each compared aiyl aimak (None where there is none)."""

    places: tuple[str, ...]
    latest: Mapping[str, Assessment | None]


def value(assessment: Assessment, key: str, tr: Tr) -> str:
    """A row's value in full words, in the reader's language (plain text, not HTML)."""
    raw = getattr(assessment, key)
    if raw is None or raw == ():
        return "—"
    if key == "assessed_on":
        return tr.short_date(raw)
    if key in RESOURCES:
        return tr.label(STATES.get(raw, raw))
    if key == "border_status":
        return tr.label(BORDER.get(raw, raw))
    if key == "mechanisms":
        return ", ".join(tr.label(MECHANISMS.get(m, m)) for m in raw)
    if isinstance(raw, int):
        return tr.number(raw)
    return str(raw)


def _short(assessment: Assessment | None, key: str, tr: Tr) -> str:
    """A cell of the table in the bot: a few characters."""
    if assessment is None:
        return "—"
    raw = getattr(assessment, key)
    if raw is None:
        return "—"
    if key == "assessed_on":
        return f"{raw:%d.%m.%y}"
    if key in RESOURCES:
        return STATE_MARKS.get(raw, "?")
    if key == "border_status":
        return BORDER_MARKS.get(raw, "?")
    if key == "mechanisms":
        return str(len([m for m in raw if m != "none"]))
    return tr.number(raw) if isinstance(raw, int) else "…"


def _short_labels(tr: Tr) -> dict[str, str]:
    """Row names that fit the narrow table in the bot."""
    return {
        "assessed_on": tr.pgettext("table", "Date"),
        "population": tr.pgettext("table", "Population"),
        "villages": tr.pgettext("table", "Villages"),
        "water": tr.pgettext("table", "Water"),
        "pasture": tr.pgettext("table", "Pasture"),
        "arable": tr.pgettext("table", "Arable land"),
        "forest": tr.pgettext("table", "Forest"),
        "non_timber": tr.pgettext("table", "Non-timber"),
        "border_km": tr.pgettext("table", "Border, km"),
        "border_status": tr.pgettext("table", "Border"),
        "mechanisms": tr.pgettext("table", "Mechanisms"),
        "conflicts": tr.pgettext("table", "Conflicts"),
    }


class AssessmentService:
    """Who may assess where, the history of each aiyl aimak, and the comparison."""

    def __init__(
        self, db: Database, clock: Clock, access: Access, gazetteer: Gazetteer, forms: FormEngine
    ) -> None:
        self.db = db
        self.clock = clock
        self.access = access
        self.gazetteer = gazetteer
        self.forms = forms

    def specs(self) -> dict[str, FormSpec]:
        """The assessment form, for the engine."""
        return {ASSESSMENT.id: FormSpec(ASSESSMENT, self.submit)}

    @staticmethod
    def wide(actor: Actor) -> bool:
        """Whether the actor may assess anywhere (then the form asks oblast and rayon first)."""
        return actor.is_admin or any(s.kind == "all" for s in actor.coordinator_scopes)

    def assessable(self, actor: Actor) -> list[str]:
        """Aiyl aimaks within a scoped actor's reach, the five targets first."""
        aimaks = [p.code for p in self.gazetteer.by_level("aiyl_aimak")]
        found = [c for c in aimaks if self.access.covers(actor, place=c)]
        found.sort(key=lambda c: (TARGETS.index(c) if c in TARGETS else len(TARGETS), c))
        return found[:PLACES_LIMIT]

    # recording ---------------------------------------------------------------------------

    async def start(self, actor: Actor, place: str | None = None) -> Screen | FormView:
        """/assessment: fill in a new assessment, for a given aiyl aimak or one to choose."""
        self.access.require(actor, Permission.ASSESS, place=place)
        tr = translator(actor.locale)
        if place is not None:
            if self.gazetteer.get(place) is None:
                raise StaleButton
            context: dict[str, Any] = {"place": place}
        elif self.wide(actor):
            context = {"wide": True}
        else:
            places = self.assessable(actor)
            if not places:
                return Screen(tr.gettext(N_("No aiyl aimak is within your scope to assess.")))
            context = {"places": places}
        async with self.db.reading() as conn:
            live = await DraftRepository(conn).live_for_form(
                user_id=actor.user_id, form_id=ASSESSMENT.id
            )
        # A half-filled assessment of another aiyl aimak is not resumed for this one.
        restart = live is not None and dict(live.context) != context
        return await self.forms.start(
            actor, chat_id=actor.user_id, form_id=ASSESSMENT.id, context=context, restart=restart
        )

    async def submit(self, conn: Connection, draft: Draft, actor: Actor, env: Env) -> Submitted:
        """Add the assessment to the aiyl aimak's history; earlier ones stay as they were."""
        answers = draft.answers
        place = str(draft.context.get("place") or answers["aiyl_aimak"])
        if self.gazetteer.get(place) is None or not self.access.allows(
            actor, Permission.ASSESS, place=place
        ):
            raise Invalid(N_("You may not assess this aiyl aimak."))
        mechanisms = list(answers.get("mechanisms") or [])
        if len(mechanisms) > 1 and "none" in mechanisms:
            mechanisms.remove("none")  # "none" alongside others is a slip of the finger
        number = await AssessmentRepository(conn).create(
            draft_id=draft.id,
            form_version=draft.form_version,
            place_code=place,
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
            now=self.clock.now(),
        )
        return Submitted(
            N_(
                "Assessment No. {number} of {place} is saved. /assessment opens its profile "
                "with what changed."
            ),
            {"number": number, "place": self._name(place, env.tr)},
        )

    # reading -----------------------------------------------------------------------------

    async def profile(self, actor: Actor, place: str) -> Profile:
        """The latest assessment of an aiyl aimak and the one before it."""
        if self.gazetteer.get(place) is None:
            raise StaleButton
        self.access.require(actor, Permission.ASSESS, place=place)
        async with self.db.reading() as conn:
            history = await AssessmentRepository(conn).history(place_code=place)
        return Profile(
            place,
            history[0] if history else None,
            history[1] if len(history) > 1 else None,
            len(history),
        )

    async def compare(self, actor: Actor, places: Sequence[str] | None = None) -> Comparison:
        """The latest assessments of several aiyl aimaks (the five targets by default)."""
        self.access.require(actor, Permission.ASSESS)
        wanted = [p for p in (places or TARGETS) if self.gazetteer.get(p) is not None]
        allowed = tuple(
            dict.fromkeys(
                p for p in wanted if self.access.allows(actor, Permission.ASSESS, place=p)
            )
        )
        async with self.db.reading() as conn:
            latest = await AssessmentRepository(conn).latest_for(allowed)
        return Comparison(allowed, {p: latest.get(p) for p in allowed})

    # screens -----------------------------------------------------------------------------

    async def home(self, actor: Actor) -> Screen:
        """/assessment: the assessed aiyl aimaks in scope, a new assessment, the comparison."""
        self.access.require(actor, Permission.ASSESS)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            repo = AssessmentRepository(conn)
            places = [
                p
                for p in await repo.assessed_places()
                if self.access.allows(actor, Permission.ASSESS, place=p)
            ]
            latest = await repo.latest_for(places)
        places.sort(key=lambda c: (TARGETS.index(c) if c in TARGETS else len(TARGETS), c))
        lines: list[str] = [tr.gettext(N_("<b>Rapid assessments of ayil okmotu</b>"))]
        if not places:
            lines.append(tr.gettext(N_("No aiyl aimak has been assessed yet.")))
        lines += [
            f"{escape(self._name(p, tr))} — {tr.short_date(latest[p].assessed_on)}"
            for p in places
            if p in latest
        ]
        buttons = [(Button(self._name(p, tr), f"as:p:{p}"),) for p in places]
        buttons.append((Button(tr.label(N_("➕ New assessment")), "as:n"),))
        buttons.append((Button(tr.label(N_("📊 Compare the five target aiyl aimaks")), "as:c"),))
        return Screen("\n".join(lines), tuple(buttons))

    async def profile_screen(self, actor: Actor, place: str) -> Screen:
        """An aiyl aimak's latest assessment and what changed since the previous one."""
        profile = await self.profile(actor, place)
        tr = translator(actor.locale)
        name = escape(self._name(place, tr))
        buttons = (
            (Button(tr.label(N_("➕ New assessment")), f"as:n:{place}"),),
            (Button(tr.label(N_("📊 Compare the five target aiyl aimaks")), "as:c"),),
            (Button(tr.label(N_("◀️ Back")), "as:h"),),
        )
        latest = profile.latest
        if latest is None:
            text = tr.gettext(N_("{place} has not been assessed yet."), place=name)
            return Screen(text, buttons)
        lines = [
            f"<b>{name}</b>",
            tr.gettext(
                N_("Rapid assessment No. {number} of {date}"),
                number=latest.id,
                date=tr.short_date(latest.assessed_on),
            ),
            "",
        ]
        lines += [
            f"<b>{escape(tr.label(row.label))}</b>: {escape(value(latest, row.key, tr))}"
            for row in ROWS[1:]
        ]
        # The viewer holds ASSESS for this place, so she is a coordinator: contacts are hers.
        if latest.contacts:
            lines.append(tr.gettext(N_("<b>Contacts</b>: {contacts}"), contacts=latest.contacts))
        lines.append("")
        lines += self._changes(profile, tr)
        return Screen("\n".join(lines), buttons)

    async def compare_screen(self, actor: Actor, places: Sequence[str] | None = None) -> Screen:
        """The comparison as one table in the bot, and as Word and Markdown documents."""
        comparison = await self.compare(actor, places)
        tr = translator(actor.locale)
        if not comparison.places:
            return Screen(tr.gettext(N_("None of these aiyl aimaks is within your scope.")))
        title = tr.gettext(N_("Rapid assessments side by side"))
        files = (
            Attachment("assessments.docx", self._word(comparison, tr)),
            Attachment("assessments.md", self._markdown(comparison, tr)),
        )
        text = f"<b>{title}</b>\n<pre>{escape(self._table(comparison, tr))}</pre>"
        return Screen(text, attachments=files)

    async def on_button(self, actor: Actor, data: str) -> Screen | FormView:
        """An `as:` button; each action checks access itself, unknown data is stale."""
        parts = data.split(":")
        match parts[1:]:
            case ["h"]:
                return await self.home(actor)
            case ["n"]:
                return await self.start(actor)
            case ["n", place]:
                return await self.start(actor, place)
            case ["p", place]:
                return await self.profile_screen(actor, place)
            case ["c"]:
                return await self.compare_screen(actor)
        raise StaleButton

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

    def _name(self, code: str, tr: Tr) -> str:
        place = self.gazetteer.get(code)
        return place.name(tr.locale) if place else code

    def _changes(self, profile: Profile, tr: Tr) -> list[str]:
        latest, previous = profile.latest, profile.previous
        assert latest is not None
        if previous is None:
            return [tr.gettext(N_("This is the first assessment of this aiyl aimak."))]
        when = tr.short_date(previous.assessed_on)
        changed = []
        for row in ROWS[1:]:
            old, new = value(previous, row.key, tr), value(latest, row.key, tr)
            if old == new:
                continue
            label = escape(tr.label(row.label))
            if row.key in TEXT_FIELDS:
                changed.append(f"• {label}: {escape(new)}")
            else:
                changed.append(f"• {label}: {escape(old)} → {escape(new)}")
        if not changed:
            return [tr.gettext(N_("Nothing changed since the assessment of {date}."), date=when)]
        head = tr.gettext(N_("<b>Changed since the assessment of {date}:</b>"), date=when)
        return [head, *changed]

    def _table(self, comparison: Comparison, tr: Tr) -> str:
        labels = _short_labels(tr)
        heads = [p.rsplit("-", 1)[-1] for p in comparison.places]
        width = min(LABEL_WIDTH, max(len(v) for v in labels.values()))

        def fit(text: str, size: int) -> str:
            return text if len(text) <= size else text[: size - 1] + "…"

        lines = [" " * width + "".join(f" {h:>{CELL_WIDTH}}" for h in heads)]
        for key, label in labels.items():
            cells = [
                _short(comparison.latest.get(p), key, tr).rjust(CELL_WIDTH)
                for p in comparison.places
            ]
            lines.append(fit(label, width).ljust(width) + "".join(f" {c}" for c in cells))
        lines.append("")
        lines += [
            f"{h} — {self._name(p, tr)}" for h, p in zip(heads, comparison.places, strict=True)
        ]
        lines.append(tr.label(N_("+ sufficient · ~ strained · ! contested")))
        lines.append(
            tr.label(N_("Border: + delimited · ~ partly · - not delimited · ? not known"))
        )
        return "\n".join(lines)

    def _grid(self, comparison: Comparison, tr: Tr) -> list[list[str]]:
        """Header and rows in full words, for the documents."""
        grid = [["", *(self._name(p, tr) for p in comparison.places)]]
        for row in ROWS:
            cells = []
            for p in comparison.places:
                found = comparison.latest.get(p)
                cells.append(value(found, row.key, tr) if found else "—")
            grid.append([tr.label(row.label), *cells])
        return grid

    def _markdown(self, comparison: Comparison, tr: Tr) -> bytes:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        grid = self._grid(comparison, tr)
        lines = ["# " + tr.label(N_("Rapid assessments side by side")), ""]
        lines.append("| " + " | ".join(cell(c) for c in grid[0]) + " |")
        lines.append("|" + "---|" * len(grid[0]))
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in grid[1:]]
        return ("\n".join(lines) + "\n").encode()

    def _word(self, comparison: Comparison, tr: Tr) -> bytes:
        grid = self._grid(comparison, tr)
        document = Document()
        document.add_heading(tr.label(N_("Rapid assessments side by side")), level=1)
        table = document.add_table(rows=len(grid), cols=len(grid[0]))
        table.style = "Table Grid"
        for r, row in enumerate(grid):
            for c, text in enumerate(row):
                table.cell(r, c).text = xml_safe(text)  # rows stored before text was cleaned
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
