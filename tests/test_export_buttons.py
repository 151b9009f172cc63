"""The `exp:` and `del:` codecs write exactly the shipped callback data and read nothing else."""

from __future__ import annotations

import itertools

import pytest

from bot.core.errors import StaleButton
from bot.rules.exports import ExportFormat, ExportKind, ExportPeriod
from handlers.common import buttons as common
from handlers.exports import buttons as export
from handlers.exports.buttons import Format, Kind, Period
from handlers.plumbing.codec import CALLBACK_DATA_LIMIT, Codec, Press

INC, PRA, USR, NDS = Kind.INCIDENTS, Kind.PRACTICES, Kind.USERS, Kind.NEEDS
C, X, G = Format.CSV, Format.XLSX, Format.GEOJSON

# Every kind of button with the data people have in their chats since it shipped.
SHIPPED: list[tuple[Codec, Press, str]] = [
    (export.CODEC, export.PickKind(INC), "exp:k:i"),
    (export.CODEC, export.PickKind(PRA), "exp:k:p"),
    (export.CODEC, export.PickKind(USR), "exp:k:u"),
    (export.CODEC, export.PickKind(NDS), "exp:k:n"),
    (export.CODEC, export.PickFormat(INC, C), "exp:f:i:c"),
    (export.CODEC, export.PickFormat(PRA, X), "exp:f:p:x"),
    (export.CODEC, export.PickFormat(INC, G), "exp:f:i:g"),
    (export.CODEC, export.PickPeriod(INC, X, Period.WEEK), "exp:p:i:x:w"),
    (export.CODEC, export.PickPeriod(USR, C, Period.MONTH), "exp:p:u:c:m"),
    (export.CODEC, export.PickPeriod(NDS, X, Period.YEAR), "exp:p:n:x:y"),
    (export.CODEC, export.PickPeriod(INC, G, Period.ALL), "exp:p:i:g:a"),
    (export.CODEC, export.PickRegion(INC, C, Period.ALL, None), "exp:r:i:c:a:-"),
    (export.CODEC, export.PickRegion(INC, G, Period.WEEK, None), "exp:r:i:g:w:-"),
    (export.CODEC, export.PickRegion(INC, X, Period.ALL, "BA-BAT"), "exp:r:i:x:a:BA-BAT"),
    (export.CODEC, export.PickRegion(USR, C, Period.ALL, "BA-BAT-AKS"), "exp:r:u:c:a:BA-BAT-AKS"),
    # Added with the zips of reports' files: the data written under a sent file.
    (export.CODEC, export.AddMedia(INC, X, Period.ALL, None), "exp:m:i:x:a:-"),
    (export.CODEC, export.AddMedia(INC, C, Period.WEEK, "BA-BAT"), "exp:m:i:c:w:BA-BAT"),
    (common.CODEC, common.EraseMe(), "del:yes"),
    (common.CODEC, common.KeepMe(), "del:no"),
]


def test_every_kind_of_button_is_in_the_shipped_table() -> None:
    for codec in (export.CODEC, common.CODEC):
        listed = {type(value) for c, value, _ in SHIPPED if c is codec}
        assert listed == set(codec.kinds.values())


@pytest.mark.parametrize(("codec", "value", "data"), SHIPPED)
def test_buttons_write_and_read_the_shipped_data(codec: Codec, value: Press, data: str) -> None:
    assert codec.encode(value) == data
    assert codec.decode(data) == value


def test_every_choice_of_the_export_dialogue_fits_and_reads_back() -> None:
    """All kinds, formats and periods with the longest region code a button may carry."""
    for kind, fmt, period in itertools.product(Kind, Format, Period):
        for region in (None, "X" * 40):
            for value in (
                export.PickRegion(kind, fmt, period, region),
                export.AddMedia(kind, fmt, period, region),
            ):
                data = export.CODEC.encode(value)
                assert len(data.encode()) <= CALLBACK_DATA_LIMIT
                assert export.CODEC.decode(data) == value


def test_the_letters_name_each_kind_format_and_period_of_the_rules_once() -> None:
    assert {k.exported for k in Kind} == set(ExportKind)
    assert {f.exported for f in Format} == set(ExportFormat)
    assert {p.exported for p in Period} == set(ExportPeriod)
    assert all(Kind.of(k.exported) is k for k in Kind)
    assert all(Format.of(f.exported) is f for f in Format)
    assert all(Period.of(p.exported) is p for p in Period)


@pytest.mark.parametrize(
    ("codec", "data"),
    [
        (export.CODEC, "exp:k:zz"),  # a kind no button ever named
        (export.CODEC, "exp:k:I"),
        (export.CODEC, "exp:k:"),
        (export.CODEC, "exp:k"),
        (export.CODEC, "exp:k:i:x"),  # one field too many
        (export.CODEC, "exp:f:i"),  # one too few
        (export.CODEC, "exp:f:i:pdf"),
        (export.CODEC, "exp:p:i:x:d"),  # no such period
        (export.CODEC, "exp:r:i:x:a"),  # no region, not even `-`
        (export.CODEC, "exp:r:i:x:a:BA:BAT"),
        (export.CODEC, "exp:r:i:x:a:<b>"),
        (export.CODEC, "exp:r:i:x:a:" + "B" * 41),
        (export.CODEC, "exp:m:i:x:a"),  # the zip's button without its region
        (export.CODEC, "exp:m:i:z:a:-"),  # no such format
        (export.CODEC, "exp:z:i"),
        (export.CODEC, "del:yes"),  # another feature's data
        (common.CODEC, "del:maybe"),
        (common.CODEC, "del:yes:1"),
        (common.CODEC, "del:"),
        (common.CODEC, "exp:k:i"),
    ],
)
def test_forged_or_foreign_data_is_stale(codec: Codec, data: str) -> None:
    with pytest.raises(StaleButton):
        codec.decode(data)


def test_a_region_no_button_may_carry_is_not_written() -> None:
    for region in ("-", "B" * 41, "BA BAT", "Баткен"):
        with pytest.raises(ValueError):
            export.CODEC.encode(export.PickRegion(INC, C, Period.ALL, region))
