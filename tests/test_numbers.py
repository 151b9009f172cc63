"""Counts in messages are grouped as the reader's language writes them (Babel), never str()."""

from __future__ import annotations

import pytest

from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.rules.needs import ElectionSummary, Funnel, NeedsOverview, RegionCount, TopicCount
from handlers.needs import screens

GROUPED = {"ky": "12\xa0345", "ru": "12\xa0345", "en": "12,345"}


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_needs_funnel_and_its_topic_buttons_group_large_counts(language: str) -> None:
    funnel = Funnel(
        total=12_345,
        raised=12_345,
        in_plan=12_345,
        budgeted=12_345,
        implemented=12_345,
        declined=12_345,
        som_allocated=1_500_000,
    )
    overview = NeedsOverview(
        by_topic=(TopicCount("water", 12_345, 12_345),),
        by_region=(
            RegionCount("BA-BAT-AKS", 12_345, 12_345, Gazetteer.default().get("BA-BAT-AKS")),
        ),
        funnel=funnel,
        elections=ElectionSummary(elected=0, ran=0, did_not_run=0),
    )
    screen = screens.overview(overview, translator(language))
    assert "12345" not in screen.text
    # two in the heading, two for the topic, one for the aiyl aimak, five along the funnel
    assert screen.text.count(GROUPED[language]) == 10, screen.text
    labels = [button.text for row in screen.buttons for button in row]
    assert any(label.endswith(f"({GROUPED[language]})") for label in labels), labels
