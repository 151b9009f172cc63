"""The digest's chart: incidents by resource over the last weeks, as one PNG."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.outputs.layout import DRAWING, fit_legend, fit_x_labels, png, wrapped

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Colour-blind-safe (Okabe-Ito); one colour per resource, in the form's order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999")


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """One resource's counts per week, oldest first; `label` already translated."""

    label: str
    counts: tuple[int, ...]
    colour: int = 0  # index in the palette: a resource keeps its colour from week to week


def plain_label(text: str) -> str:
    """A label without emoji and pictographs, which the chart's font cannot draw."""
    kept = "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in ("So", "Sk", "Cs", "Co", "Mn")
        and ch not in ("\u200d", "\ufe0f")
    )
    return " ".join(kept.split())


def incidents_figure(
    title: str, y_label: str, weeks: tuple[str, ...], series: tuple[ChartSeries, ...]
) -> Figure:
    """The stacked bar chart as a laid-out figure (tests measure it through its renderer)."""
    # Imported here: matplotlib costs ~40 MB of memory, and only digest builds draw.
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # Constrained layout keeps the wrapped title, the axis labels and the legend below the
    # plot inside the figure whatever their length in Kyrgyz or Russian.
    figure = Figure(figsize=(8, 5), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    bottoms = [0] * len(weeks)
    positions = list(range(len(weeks)))
    for item in series:
        axes.bar(
            positions,
            item.counts,
            bottom=bottoms,
            label=plain_label(item.label),
            color=PALETTE[item.colour % len(PALETTE)],
            width=0.7,
        )
        bottoms = [b + c for b, c in zip(bottoms, item.counts, strict=True)]
    figure.suptitle(wrapped(title), fontsize=13)
    axes.set_ylabel(y_label)
    axes.set_xticks(positions, weeks, fontsize=9)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    if series:
        # Below the plot, so the bars keep the whole width however long the labels are.
        handles, labels = axes.get_legend_handles_labels()
        fit_legend(figure, handles, labels)
    fit_x_labels(axes, figure)
    return figure


def _draw(
    title: str, y_label: str, weeks: tuple[str, ...], series: tuple[ChartSeries, ...]
) -> bytes:
    with DRAWING:
        return png(incidents_figure(title, y_label, weeks, series))


@lru_cache(maxsize=64)
def _cached(
    title: str, y_label: str, weeks: tuple[str, ...], series: tuple[ChartSeries, ...]
) -> bytes:
    # Coordinators with the same scope and language get the same bytes: drawn once.
    return _draw(title, y_label, weeks, series)


def incidents_chart(
    *, title: str, y_label: str, weeks: Sequence[str], series: Sequence[ChartSeries]
) -> bytes:
    """A stacked bar chart (PNG) of reports per week by resource (blocking: draw off the loop)."""
    return _cached(title, y_label, tuple(weeks), tuple(series))
