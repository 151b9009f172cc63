"""Chart layout that holds in every language: wrapped titles, tick labels that never collide.

Kyrgyz and Russian labels run longer than English ones ("нояб." dates, "Инцидент билдирүүлөрү"),
so nothing here is sized for one language: titles wrap to the figure's width, x tick labels
turn and then thin out until no two overlap, and `overflow` and `collisions` measure the drawn
figure through matplotlib's own renderer, for the layout and for the tests that hold it.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

# Figures share matplotlib's font cache and text layout state: draw one at a time.
DRAWING = threading.Lock()
# About the characters a 13-point title holds across an 8-inch figure.
TITLE_WIDTH = 62


def wrapped(text: str, width: int = TITLE_WIDTH) -> str:
    """Break a title into lines of at most `width` characters, at spaces."""
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def renderer_of(figure: Figure) -> Any:
    """The figure's Agg renderer (attaching an Agg canvas to a bare Figure first)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(figure)
    return canvas.get_renderer()  # type: ignore[no-untyped-call]


def visible_texts(figure: Figure) -> Iterator[Text]:
    """Every text artist of the figure that is drawn and holds text.

    Tick labels of ticks outside an axis's view are skipped: the locator makes them, but
    matplotlib never draws them.
    """
    from matplotlib.text import Text

    undrawn: set[int] = set()
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            margin = (high - low) * 1e-9
            for tick in (*axis.get_major_ticks(), *axis.get_minor_ticks()):
                if not low - margin <= tick.get_loc() <= high + margin:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    for artist in figure.findobj(Text):
        if id(artist) in undrawn:
            continue
        if artist.get_visible() and artist.get_text().strip():
            yield artist


def overflow(figure: Figure) -> list[str]:
    """The texts that reach outside the figure (clipped in the PNG), for layout and tests."""
    renderer = renderer_of(figure)
    width, height = figure.bbox.width, figure.bbox.height
    outside = []
    for text in visible_texts(figure):
        box = text.get_window_extent(renderer)
        if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5:
            outside.append(text.get_text())
    return outside


def collisions(labels: Sequence[Text], figure: Figure) -> list[tuple[str, str]]:
    """Pairs of visible labels whose drawn boxes overlap."""
    renderer = renderer_of(figure)
    shown = [t for t in labels if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent(renderer) for t in shown]
    found = []
    for i in range(len(shown)):
        for j in range(i + 1, len(shown)):
            if boxes[i].overlaps(boxes[j]):
                found.append((shown[i].get_text(), shown[j].get_text()))
    return found


def fit_legend(figure: Figure, handles: Sequence[Any], labels: Sequence[str]) -> None:
    """A legend below the plot, in as many columns as fit the figure's width (3 at most)."""
    texts = [wrapped(label, 28) for label in labels]
    for columns in range(min(3, len(texts)), 0, -1):
        legend = figure.legend(
            handles, texts, loc="outside lower center", ncols=columns, frameon=False, fontsize=9
        )
        figure.draw_without_rendering()
        if legend.get_window_extent(renderer_of(figure)).width <= 0.98 * figure.bbox.width:
            return
        legend.remove()
    figure.legend(handles, texts, loc="outside lower center", ncols=1, frameon=False, fontsize=9)


def fit_x_labels(axes: Axes, figure: Figure) -> None:
    """Turn the x tick labels, then show every 2nd, 3rd... until none overlap."""
    labels = axes.get_xticklabels()
    figure.draw_without_rendering()
    if not collisions(labels, figure):
        return
    for label in labels:
        label.set_rotation(35)
        label.set_horizontalalignment("right")
        label.set_rotation_mode("anchor")
    step = 1
    while True:
        for index, label in enumerate(labels):
            label.set_visible(index % step == 0)
        figure.draw_without_rendering()
        if not collisions(labels, figure) or step >= len(labels):
            return
        step += 1


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
