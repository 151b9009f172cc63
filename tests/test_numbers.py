"""Counts in messages are grouped as the reader's language writes them (Babel), never str()."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.records.groups import Member, PeerGroup
from bot.records.practices import Practice, PracticeContent
from bot.rules.groups import MemberPage
from bot.rules.needs import ElectionSummary, Funnel, NeedsOverview, RegionCount, TopicCount
from bot.rules.paging import Paging
from bot.rules.practices import Browse, Line, Order, Where
from handlers.groups import screens as group_screens
from handlers.needs import screens
from handlers.practices import screens as practice_screens

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


def a_practice(helpful: int) -> Practice:
    content = PracticeContent(
        topic="water",
        topic_other=None,
        title="Canal schedule",
        situation="Two villages, one canal.",
        actions="A schedule.",
        result="Peace.",
        plan_budget=None,
        amount_som=None,
        advice="Start early.",
        visible_to_all=True,
        allow_contact=False,
        show_author=False,
    )
    at = datetime(2026, 3, 1, tzinfo=UTC)
    return Practice(
        7, "d", 1, 1, "leader", None, content, "approved", None, 1, at, at, at, at, helpful
    )


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_list_positions_pages_and_helpful_counts_are_grouped(language: str) -> None:
    tr = translator(language)
    paging = Paging.of(12_345, 1_233, 10)  # the 1 234th page: items from 12 331
    listing = Browse(
        lines=(Line(a_practice(12_345), Where()),),
        paging=paging,
        topic=None,
        region=None,
        region_where=Where(),
        order=Order.NEWEST,
        waiting=None,
        may_export=False,
    )
    shown = practice_screens.browse(listing, tr)
    first, total, pages = (tr.number(v) for v in (12_331, 12_345, 1_235))
    assert f"{first}. <b>Canal schedule</b>" in shown.text and f"👍 {total}" in shown.text
    assert f"{tr.number(1_234)}" in shown.text and pages in shown.text
    assert first in [button.text for row in shown.buttons for button in row]
    assert "12331" not in shown.text and "12345" not in shown.text

    at = datetime(2026, 3, 1, tzinfo=UTC)
    group = PeerGroup(7, "Баткен", "candidates", None, 1, None, None, "members", None, True, at)
    member = Member(5, "Гүлнара", None, None, at)
    page = group_screens.members(MemberPage(group, (member,), paging), tr)
    assert f"{first}. Гүлнара" in page.text and pages in page.text
    assert f"✖️ {first}. Гүлнара" in [button.text for row in page.buttons for button in row]
    assert "12331" not in page.text
