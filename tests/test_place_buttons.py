"""The `pl:` codec and the form presses of the place kind: under 64 bytes, read back exactly."""

from __future__ import annotations

import pytest

from bot.core.errors import StaleButton
from bot.forms.kinds import _typed_mark
from bot.gazetteer import Gazetteer
from handlers.places.buttons import CODEC, ListTyped, OpenTyped
from handlers.plumbing.codec import CALLBACK_DATA_LIMIT, LARGEST_ID, Press
from handlers.plumbing.forms import FORM_CODEC, FormButton, form_data


@pytest.mark.parametrize(
    ("value", "data"),
    [
        (ListTyped(), "pl:l"),
        (OpenTyped("i", 7), "pl:o:i:7"),
        (OpenTyped("u", 42), "pl:o:u:42"),
        (OpenTyped("n", 3), "pl:o:n:3"),
        (OpenTyped("n", LARGEST_ID), f"pl:o:n:{LARGEST_ID}"),
    ],
)
def test_typed_place_buttons_round_trip(value: Press, data: str) -> None:
    assert CODEC.encode(value) == data
    assert CODEC.decode(data) == value
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT


def test_every_kind_of_typed_place_button_is_tested() -> None:
    assert set(CODEC.kinds.values()) == {ListTyped, OpenTyped}


@pytest.mark.parametrize(
    "data",
    ["pl:o:x:7", "pl:o:i", "pl:o:i:-1", "pl:o:i:" + "9" * 30, "pl:l:1", "pl:zz", "nd:l"],
)
def test_forged_or_foreign_typed_place_data_is_stale(data: str) -> None:
    with pytest.raises(StaleButton):
        CODEC.decode(data)


def test_every_place_press_of_a_form_fits_in_callback_data() -> None:
    """`p<code>` names any gazetteer place; `k<mark>` and `n<page>` are short."""
    longest = max((p.code for p in Gazetteer.default()), key=len)
    for action in ("p" + longest, "k" + _typed_mark("x" * 120), "n99"):
        data = form_data(FormButton("0123abcd", "12", action).press)
        assert len(data.encode()) <= CALLBACK_DATA_LIMIT
        assert FORM_CODEC.decode(data) == FormButton("0123abcd", "12", action)
