"""Rapid assessments side by side as documents (Word and Markdown), in the reader's language.

Side by side is several aiyl aimaks at one time (places as columns) or one aiyl aimak over
time (dates as columns, each changed value marked).

Staff contacts never appear here: the documents are shared beyond the coordinators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.forms.assessment import BORDER, MECHANISMS, RESOURCES, STATES
from bot.i18n import N_, Tr
from bot.outputs import documents
from bot.records.assessments import Assessment
from bot.rules.assessments import ROW_KEYS, Comparison, History


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the profile and of the comparison: the same rows for every aiyl aimak."""

    key: str
    label: str  # msgid


ROW_LABELS: Mapping[str, str] = {
    "assessed_on": N_("Date of assessment"),
    "population": N_("Population"),
    "villages": N_("Villages"),
    **{key: label for key, (label, _prompt) in RESOURCES.items()},
    "border_km": N_("Border, km"),
    "border_status": N_("Border status"),
    "mechanisms": N_("Mechanisms"),
    "conflicts": N_("Conflicts in 12 months"),
    "worst_conflict": N_("Most serious conflict"),
    "risks": N_("Risks and needs"),
}
ROWS: tuple[Row, ...] = tuple(Row(key, ROW_LABELS[key]) for key in ROW_KEYS)


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


@dataclass(frozen=True, slots=True)
class Cell:
    """A value in full words; `changed` when it differs from the assessment before it."""

    text: str
    changed: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A comparison in full words: its title, column heads, labelled rows and notes below."""

    title: str
    heads: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]
    notes: tuple[str, ...] = ()

    @property
    def marked(self) -> bool:
        """Whether a value carries the mark of a change (the legend is then needed)."""
        return any(cell.changed for _label, cells in self.rows for cell in cells)


CHANGED_MARK = "*"


def changed_note(tr: Tr) -> str:
    """The legend of the mark a changed value carries."""
    return tr.label(N_("* changed since the previous assessment"))


def table(found: Comparison | History, tr: Tr) -> Table:
    """Several aiyl aimaks at one time (places as columns), or one over time (dates)."""
    if isinstance(found, History):
        return _over_time(found, tr)
    title = tr.label(N_("Rapid assessments side by side"))
    notes = []
    if found.as_of is not None:
        notes.append(tr.label(N_("As of {date}")).format(date=tr.date(found.as_of)))
    rows = tuple(
        (
            tr.label(row.label),
            tuple(
                Cell(value(latest, row.key, tr) if latest else "—")
                for latest in (found.latest.get(p.code) for p in found.places)
            ),
        )
        for row in ROWS
    )
    return Table(title, tuple(p.name(tr.locale) for p in found.places), rows, tuple(notes))


def _over_time(found: History, tr: Tr) -> Table:
    """Dates as columns, oldest first; the date row is the heads."""
    title = tr.label(N_("{place}: rapid assessments over time")).format(
        place=found.place.name(tr.locale)
    )
    rows = tuple(
        (
            tr.label(row.label),
            tuple(
                Cell(value(a, row.key, tr), row.key in changed)
                for a, changed in zip(found.assessments, found.changed, strict=True)
            ),
        )
        for row in ROWS[1:]
    )
    notes = []
    if found.total > len(found.assessments):
        notes.append(
            tr.ngettext(
                "The latest {shown} of {n} assessment.",
                "The latest {shown} of {n} assessments.",
                found.total,
                shown=tr.number(len(found.assessments)),
            )
        )
    heads = tuple(tr.short_date(a.assessed_on) for a in found.assessments)
    return Table(title, heads, rows, tuple(notes))


def markdown(found: Comparison | History, tr: Tr) -> bytes:
    """The comparison as a Markdown table."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("*", "\\*").replace("\n", " ")

    shown = table(found, tr)
    lines = ["# " + cell(shown.title), ""]
    lines.append("|  | " + " | ".join(cell(h) for h in shown.heads) + " |")
    lines.append("|" + "---|" * (len(shown.heads) + 1))
    for label, cells in shown.rows:
        texts = [cell(c.text) + (" \\" + CHANGED_MARK if c.changed else "") for c in cells]
        lines.append(f"| {cell(label)} | " + " | ".join(texts) + " |")
    notes = (changed_note(tr),) if shown.marked else ()
    lines += ["", *(cell(note) + "  " for note in (*notes, *shown.notes))]
    return ("\n".join(lines).rstrip() + "\n").encode()


def word(found: Comparison | History, tr: Tr) -> bytes:
    """The comparison as a Word document with one table; a changed value is bold and marked."""
    shown = table(found, tr)
    heads = ", ".join(shown.heads)
    document = documents.new_document(found.setup, tr, title=shown.title, subject=heads)
    documents.heading(document, shown.title, 1)
    grid = document.add_table(rows=len(shown.rows) + 1, cols=len(shown.heads) + 1)
    grid.style = "Table Grid"
    for c, head in enumerate(shown.heads, start=1):
        grid.cell(0, c).text = documents.text(head)
    for r, (label, cells) in enumerate(shown.rows, start=1):
        grid.cell(r, 0).text = documents.text(label)
        for c, found_cell in enumerate(cells, start=1):
            # Rows stored before text was cleaned may hold characters XML forbids.
            text = documents.text(found_cell.text)
            if found_cell.changed:
                run = grid.cell(r, c).paragraphs[0].add_run(f"{text} {CHANGED_MARK}")
                run.bold = True
            else:
                grid.cell(r, c).text = text
    if shown.marked:
        document.add_paragraph(documents.text(changed_note(tr)))
    for note in shown.notes:
        document.add_paragraph(documents.text(note))
    return documents.to_bytes(document)
