"""The digest's charts in ky, ru and en: no text leaves the figure, no two tick labels overlap."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from babel.dates import format_skeleton

from bot.forms.incident import RESOURCES
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.outputs.charts import ChartSeries, incidents_figure
from bot.outputs.heat_table import HeatRow, heat_table_figure
from bot.outputs.layout import collisions, overflow, renderer_of

LANGUAGES = ("ky", "ru", "en")
WEEKS = [date(2026, 10, 12) + timedelta(days=7 * n) for n in range(8)]


def _weeks(locale: str) -> tuple[str, ...]:
    """Week labels as the digest writes them: the longest CLDR month abbreviations."""
    return tuple(format_skeleton("MMMd", day, locale=locale) for day in WEEKS)


def _series(locale: str) -> tuple[ChartSeries, ...]:
    tr = translator(locale)
    return tuple(
        ChartSeries(tr.label(option.label), tuple((i * 3 + w) % 5 for w in range(8)), i)
        for i, option in enumerate(RESOURCES)
    )


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_incidents_chart_fits_in_every_language(locale: str) -> None:
    tr = translator(locale)
    title = tr.ngettext(
        "Incident reports by resource, last {n} week",
        "Incident reports by resource, last {n} weeks",
        8,
    )
    figure = incidents_figure(title, tr.gettext("Reports"), _weeks(locale), _series(locale))
    figure.draw_without_rendering()
    assert overflow(figure) == []
    assert collisions(figure.axes[0].get_xticklabels(), figure) == []
    legend = figure.legends[0]
    # The legend sits below the plot, not beside it: the bars keep the figure's width.
    renderer = renderer_of(figure)
    plot = figure.axes[0].get_window_extent(renderer)
    assert legend.get_window_extent(renderer).y1 <= plot.y0
    assert plot.width > 0.75 * figure.bbox.width


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_heat_table_fits_in_every_language(locale: str) -> None:
    tr = translator(locale)
    gazetteer = Gazetteer.default()
    places = list(gazetteer.children("BA-BAT"))[:10]
    rows = [
        HeatRow(
            gazetteer.path_name(p.code, locale), tuple(float(i % 7) for i in range(8)), (1,) * 8
        )
        for p in places
    ]
    figure = heat_table_figure(
        rows,
        _weeks(locale),
        title=tr.ngettext(
            "Tension by aiyl aimak, last {n} week", "Tension by aiyl aimak, last {n} weeks", 8
        ),
        x_label=tr.gettext("Week starting"),
        colour_label=tr.gettext("Severity score"),
        note=tr.gettext("Numbers in the cells: reports that week"),
        threshold=10,
    )
    figure.draw_without_rendering()
    assert overflow(figure) == []
    assert collisions(figure.axes[0].get_xticklabels(), figure) == []
    assert collisions(figure.axes[0].get_yticklabels(), figure) == []


def test_the_checks_see_a_clipped_title_and_crowded_labels() -> None:
    """The measures themselves can fail: a title past the edge and labels on top of each other."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 2), dpi=100)
    axes = figure.add_subplot()
    axes.set_title("A very long title that cannot possibly fit in three inches of width")
    axes.set_xticks(range(8), ["2 нояб."] * 8)
    figure.draw_without_rendering()
    assert overflow(figure)
    assert collisions(axes.get_xticklabels(), figure)
