"""The `nd:` and `as:` codecs write exactly the shipped callback data and read nothing else."""

from __future__ import annotations

import pytest

from bot.core.errors import StaleButton
from handlers.assessments import buttons as assessment
from handlers.needs import buttons as need
from handlers.plumbing.codec import CALLBACK_DATA_LIMIT, LARGEST_ID, Codec, Press

# Every kind of button with the data people have in their chats since it shipped.
SHIPPED: list[tuple[Codec, Press, str]] = [
    (need.CODEC, need.OpenMyNeeds(), "nd:l"),
    (need.CODEC, need.OpenShared(), "nd:g"),
    (need.CODEC, need.OpenOverview(), "nd:o"),
    (need.CODEC, need.OpenResults(), "nd:r"),
    (need.CODEC, need.NoChangeYet(), "nd:k"),
    (need.CODEC, need.OpenTopic("water"), "nd:t:water"),
    (need.CODEC, need.OpenNeed(7), "nd:v:7"),
    (need.CODEC, need.ShowFiles(7), "nd:f:7"),
    (need.CODEC, need.RecordProgress(7), "nd:m:7"),
    (need.CODEC, need.Share(7), "nd:s:7"),
    (need.CODEC, need.ShareWith(7, 3), "nd:sg:7:3"),
    (need.CODEC, need.ShareWith(7, 0), "nd:sg:7:0"),
    (need.CODEC, need.Unshare(7), "nd:u:7"),
    (need.CODEC, need.ChooseJoin(7), "nd:j:7"),
    (need.CODEC, need.Join(7, 5), "nd:jn:7:5"),
    (assessment.CODEC, assessment.Home(), "as:h"),
    (assessment.CODEC, assessment.NewAssessment(), "as:n"),
    (assessment.CODEC, assessment.NewAssessment("BA-BAT-AKS"), "as:n:BA-BAT-AKS"),
    (assessment.CODEC, assessment.OpenProfile("BA-BAT-AKS"), "as:p:BA-BAT-AKS"),
    (assessment.CODEC, assessment.Compare(), "as:c"),
    (assessment.CODEC, assessment.OverTime("BA-BAT-AKS"), "as:t:BA-BAT-AKS"),
]

# The largest values a button may carry: still under Telegram's 64 bytes.
LARGEST: list[tuple[Codec, Press]] = [
    (need.CODEC, need.OpenTopic("t" * 40)),
    (need.CODEC, need.ShareWith(LARGEST_ID, LARGEST_ID)),
    (need.CODEC, need.Join(LARGEST_ID, LARGEST_ID)),
    (assessment.CODEC, assessment.NewAssessment("X" * 40)),
    (assessment.CODEC, assessment.OpenProfile("X" * 40)),
    (assessment.CODEC, assessment.OverTime("X" * 40)),
]


def test_every_kind_of_button_is_in_the_shipped_table() -> None:
    for codec in (need.CODEC, assessment.CODEC):
        listed = {type(value) for c, value, _ in SHIPPED if c is codec}
        assert listed == set(codec.kinds.values())


@pytest.mark.parametrize(("codec", "value", "data"), SHIPPED)
def test_buttons_write_and_read_the_shipped_data(codec: Codec, value: Press, data: str) -> None:
    assert codec.encode(value) == data
    assert codec.decode(data) == value


@pytest.mark.parametrize(("codec", "value"), LARGEST)
def test_the_largest_values_fit_in_callback_data(codec: Codec, value: Press) -> None:
    data = codec.encode(value)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert codec.decode(data) == value


@pytest.mark.parametrize(
    ("codec", "data"),
    [
        (need.CODEC, "nd:v:abc"),
        (need.CODEC, "nd:v:-5"),
        (need.CODEC, "nd:v:"),
        (need.CODEC, "nd:v:1:2"),
        (need.CODEC, "nd:l:5"),
        (need.CODEC, "nd:sg:7"),
        (need.CODEC, "nd:jn:7:x"),
        (need.CODEC, "nd:zz:1"),
        (need.CODEC, "nd:v:" + "9" * 30),  # beyond any SQLite id
        (need.CODEC, "nd:t:<b>"),
        (need.CODEC, "nd:t:" + "w" * 41),
        (need.CODEC, "as:h"),  # another feature's data
        (assessment.CODEC, "as:n:-"),  # never written: the short `as:n` is
        (assessment.CODEC, "as:n:BA:BAT"),
        (assessment.CODEC, "as:p:"),
        (assessment.CODEC, "as:p"),
        (assessment.CODEC, "as:c:1"),
        (assessment.CODEC, "as:x"),
        (assessment.CODEC, "as:p:BA BAT"),
    ],
)
def test_forged_or_outdated_data_is_a_stale_button(codec: Codec, data: str) -> None:
    with pytest.raises(StaleButton):
        codec.decode(data)


def test_a_value_too_large_to_write_is_refused_before_sending() -> None:
    with pytest.raises(ValueError):
        need.CODEC.encode(need.OpenNeed(LARGEST_ID + 1))
    with pytest.raises(ValueError):
        assessment.CODEC.encode(assessment.OpenProfile("X" * 41))
