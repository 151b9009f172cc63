"""The `dg:` and `ew:` codecs write exactly the shipped callback data and read nothing else."""

from __future__ import annotations

import pytest

from bot.config import LANGUAGES
from bot.core.errors import StaleButton
from handlers.digests import buttons as dg
from handlers.early_warning import buttons as ew
from handlers.plumbing.codec import CALLBACK_DATA_LIMIT, LARGEST_ID, Codec, Press

# Every kind of button with the data people have in their chats since it shipped.
SHIPPED: list[tuple[Codec, Press, str]] = [
    (dg.CODEC, dg.OpenSettings(), "dg:s"),
    (dg.CODEC, dg.MineOff(), "dg:u:x"),
    (dg.CODEC, dg.MineOn(), "dg:u:o"),
    (dg.CODEC, dg.MyDay(3), "dg:u:w:3"),
    (dg.CODEC, dg.MyDay(0), "dg:u:w:0"),
    (dg.CODEC, dg.MyHour(18), "dg:u:h:18"),
    (dg.CODEC, dg.OpenGroup(12), "dg:g:12"),
    (dg.CODEC, dg.GroupDay(12, 1), "dg:g:12:w:1"),
    (dg.CODEC, dg.GroupHour(12, 7), "dg:g:12:h:7"),
    (dg.CODEC, dg.GroupOff(12), "dg:g:12:x"),
    (dg.CODEC, dg.GroupOn(12), "dg:g:12:o"),
    (dg.CODEC, dg.GroupLanguage(12, "ru"), "dg:g:12:l:ru"),
    (ew.CODEC, ew.OpenWatch(), "ew:w"),
    (ew.CODEC, ew.OpenWeeks("BA-BAT-AKS"), "ew:p:BA-BAT-AKS"),
    (ew.CODEC, ew.OpenReports("BA-BAT-AKS"), "ew:r:BA-BAT-AKS"),
]

# The largest values a button may carry: still under Telegram's 64 bytes.
LARGEST: list[tuple[Codec, Press]] = [
    (dg.CODEC, dg.GroupDay(LARGEST_ID, 6)),
    (dg.CODEC, dg.GroupHour(LARGEST_ID, 23)),
    (dg.CODEC, dg.GroupLanguage(LARGEST_ID, "en")),
    (dg.CODEC, dg.MyHour(LARGEST_ID)),
    (ew.CODEC, ew.OpenWeeks("X" * 40)),
    (ew.CODEC, ew.OpenReports("X" * 40)),
]


def test_every_kind_of_button_is_in_the_shipped_table() -> None:
    for codec in (dg.CODEC, ew.CODEC):
        listed = {type(value) for c, value, _ in SHIPPED if c is codec}
        assert listed == set(codec.kinds.values())


def test_the_group_languages_are_the_bots() -> None:
    assert dg.LANGUAGE_CODES == LANGUAGES


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
        (dg.CODEC, "dg:zz"),
        (dg.CODEC, "dg:s:1"),
        (dg.CODEC, "dg:u"),
        (dg.CODEC, "dg:u:"),
        (dg.CODEC, "dg:u:w"),
        (dg.CODEC, "dg:u:w:x"),
        (dg.CODEC, "dg:u:w:-1"),
        (dg.CODEC, "dg:u:x:1"),
        (dg.CODEC, "dg:u:ww:1"),
        (dg.CODEC, "dg:uw:3"),  # the codec's inner form: never on a button
        (dg.CODEC, "dg:gw:5:3"),
        (dg.CODEC, "dg:g"),
        (dg.CODEC, "dg:g:"),
        (dg.CODEC, "dg:g:abc"),
        (dg.CODEC, "dg:g:5:"),  # not the group itself: a cut-off action
        (dg.CODEC, "dg:g:5:w"),
        (dg.CODEC, "dg:g:5:z:1"),
        (dg.CODEC, "dg:g:5:l:xx"),
        (dg.CODEC, "dg:g:5:l:RU"),
        (dg.CODEC, "dg:g::w:3"),
        (dg.CODEC, "dg:g:" + "9" * 30),  # beyond any SQLite id
        (dg.CODEC, "ew:w"),  # another feature's data
        (ew.CODEC, "ew:w:1"),
        (ew.CODEC, "ew:p"),
        (ew.CODEC, "ew:p:"),
        (ew.CODEC, "ew:p:BA:BAT"),
        (ew.CODEC, "ew:r:BA BAT"),
        (ew.CODEC, "ew:r:<b>"),
        (ew.CODEC, "ew:p:" + "X" * 41),
        (ew.CODEC, "ew:x:BA"),
        (ew.CODEC, "dg:s"),
    ],
)
def test_forged_or_outdated_data_is_a_stale_button(codec: Codec, data: str) -> None:
    with pytest.raises(StaleButton):
        codec.decode(data)


def test_a_value_too_large_to_write_is_refused_before_sending() -> None:
    with pytest.raises(ValueError):
        dg.CODEC.encode(dg.GroupDay(LARGEST_ID + 1, 1))
    with pytest.raises(ValueError):
        ew.CODEC.encode(ew.OpenWeeks("X" * 41))
    with pytest.raises(ValueError):
        ew.CODEC.encode(ew.OpenReports("BA BAT"))
