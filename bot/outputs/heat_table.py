"""The early-warning heat table: aiyl aimak by week, severity as colour, as one PNG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.outputs.layout import DRAWING, fit_x_labels, png, wrapped

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = "YlOrRd"  # pale yellow (calm) to dark red (severe), readable in greyscale too


@dataclass(frozen=True, slots=True)
class HeatRow:
    """One aiyl aimak: its score and reports per week, oldest first; `label` translated."""

    label: str
    scores: tuple[float, ...]
    reports: tuple[int, ...]


def heat_table_figure(
    rows: Sequence[HeatRow],
    weeks: Sequence[str],
    *,
    title: str,
    x_label: str,
    colour_label: str,
    note: str,
    threshold: float,
) -> Figure:
    """The table as a laid-out figure; labels arrive translated."""
    # Imported here: matplotlib costs ~40 MB, and only digest builds draw.
    from matplotlib.figure import Figure

    # The colour scale reaches at least the rising threshold, so a calm table stays pale.
    top = max([threshold, *(s for row in rows for s in row.scores)])
    height = max(3.4, 2.0 + 0.4 * len(rows))
    # Constrained layout fits the aiyl aimak names (long in Russian), the wrapped title and
    # the colour bar's label inside the figure.
    figure = Figure(figsize=(8, height), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(
        [list(row.scores) for row in rows], cmap=COLOURS, vmin=0, vmax=top, aspect="auto"
    )
    axes.set_xticks(range(len(weeks)), list(weeks), fontsize=9)
    axes.set_yticks(range(len(rows)), [row.label for row in rows], fontsize=9)
    for y, row in enumerate(rows):
        for x, count in enumerate(row.reports):
            if count:
                dark = row.scores[x] > 0.6 * top
                axes.text(
                    x,
                    y,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else "black",
                )
    figure.suptitle(wrapped(title), fontsize=12)
    axes.set_title(wrapped(note, 80), fontsize=9)
    axes.set_xlabel(x_label)
    colourbar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02)
    colourbar.set_label(colour_label)
    fit_x_labels(axes, figure)
    return figure


def heat_table_png(
    rows: Sequence[HeatRow],
    weeks: Sequence[str],
    *,
    title: str,
    x_label: str,
    colour_label: str,
    note: str,
    threshold: float,
) -> bytes:
    """Draw the table as PNG (blocking: call it in a thread)."""
    with DRAWING:
        figure = heat_table_figure(
            rows,
            weeks,
            title=title,
            x_label=x_label,
            colour_label=colour_label,
            note=note,
            threshold=threshold,
        )
        return png(figure)
