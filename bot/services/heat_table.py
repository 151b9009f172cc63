"""The early-warning heat table: aiyl aimak by week, severity as colour, as one PNG."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass

# matplotlib's font cache and text layout are shared state: draw one figure at a time.
_DRAWING = threading.Lock()
COLOURS = "YlOrRd"  # pale yellow (calm) to dark red (severe), readable in greyscale too


@dataclass(frozen=True, slots=True)
class HeatRow:
    """One aiyl aimak: its score and reports per week, oldest first; `label` translated."""

    label: str
    scores: tuple[float, ...]
    reports: tuple[int, ...]


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
    """Draw the table (blocking: call it in a thread); labels arrive translated."""
    # The colour scale reaches at least the rising threshold, so a calm table stays pale.
    top = max([threshold, *(s for row in rows for s in row.scores)])
    with _DRAWING:
        # Imported here: matplotlib costs ~40 MB, and only digest builds draw.
        from matplotlib.figure import Figure

        height = max(3.0, 1.6 + 0.4 * len(rows))
        figure = Figure(figsize=(8, height), dpi=100)
        axes = figure.add_subplot()
        image = axes.imshow(
            [list(row.scores) for row in rows],
            cmap=COLOURS,
            vmin=0,
            vmax=top,
            aspect="auto",
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
        figure.suptitle(title, fontsize=12)
        axes.set_title(note, fontsize=9)
        axes.set_xlabel(x_label)
        colourbar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02)
        colourbar.set_label(colour_label)
        # Fixed margins instead of tight_layout(), which draws the whole figure twice.
        figure.subplots_adjust(left=0.24, right=0.9, bottom=0.9 / height, top=1 - 0.9 / height)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
