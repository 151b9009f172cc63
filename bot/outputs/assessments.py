"""Rapid assessments side by side as documents (Word and Markdown), in the reader's language.

Staff contacts never appear here: the documents are shared beyond the coordinators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.forms.assessment import BORDER, MECHANISMS, RESOURCES, STATES
from bot.i18n import N_, Tr
from bot.outputs import documents
from bot.records.assessments import Assessment
from bot.rules.assessments import ROW_KEYS, Comparison


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


def grid(comparison: Comparison, tr: Tr) -> list[list[str]]:
    """Header and rows in full words."""
    found = [["", *(p.name(tr.locale) for p in comparison.places)]]
    for row in ROWS:
        cells = []
        for place in comparison.places:
            latest = comparison.latest.get(place.code)
            cells.append(value(latest, row.key, tr) if latest else "—")
        found.append([tr.label(row.label), *cells])
    return found


def markdown(comparison: Comparison, tr: Tr) -> bytes:
    """The comparison as a Markdown table."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    table = grid(comparison, tr)
    lines = ["# " + tr.label(N_("Rapid assessments side by side")), ""]
    lines.append("| " + " | ".join(cell(c) for c in table[0]) + " |")
    lines.append("|" + "---|" * len(table[0]))
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table[1:]]
    return ("\n".join(lines) + "\n").encode()


def word(comparison: Comparison, tr: Tr) -> bytes:
    """The comparison as a Word document with one table, a column per aiyl aimak as chosen."""
    title = tr.label(N_("Rapid assessments side by side"))
    places = ", ".join(p.name(tr.locale) for p in comparison.places)
    document = documents.new_document(comparison.setup, tr, title=title, subject=places)
    documents.heading(document, title, 1)
    # Rows stored before typed text was cleaned may hold what XML forbids: `table` drops it.
    documents.table(document, grid(comparison, tr))
    return documents.to_bytes(document)
