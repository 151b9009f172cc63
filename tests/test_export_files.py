"""Export files opened as a coordinator's tools open them: openpyxl, csv, json and zipfile.

XLSX in the reader's language with a sheet of the stable codes, local-time date cells, numbers,
fitted columns, a frozen header with a filter, repeat sheets joined by the report number; CSV
with a byte-order mark, the separator of the language's Excel and either kind of header;
GeoJSON with every report that has a place, saying where its coordinates come from; the zip
with the reports' photos and voice notes, their checksums and the links to them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from PIL import ExifTags, Image

from bot.__main__ import main
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor
from bot.core.actors import Person as PersonRef
from bot.core.kernel import Kernel
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.outputs.exports import (
    INCIDENT_COLUMNS,
    INCIDENT_FILE_COLUMNS,
    NEED_COLUMNS,
    ExportFile,
    render,
)
from bot.records.media import NewMedia
from bot.rules.exports import (
    ExportData,
    ExportError,
    ExportPeriod,
    ExportRequest,
    ExportRules,
    MediaState,
    Reports,
)
from bot.rules.media import MediaRules
from bot.rules.needs import NeedRules
from bot.wiring import AyilApp
from handlers.exports import screens as export_screens
from storage.db import Database
from storage.media import MediaRepository
from storage.media_files import relative_path
from storage.needs import NeedRepository
from tests.conftest import PersonFactory
from tests.coordinator_steps import (
    AKSAY,
    T0,
    add_incident,
    add_need,
    add_person,
    add_update,
    grant,
)
from tests.harness import onboard, services_of
from tests.rules.test_media import FakeFetcher
from tests.test_exports import Quiet

NAMED, ANON, COORD = 901, 902, 903
ANON_NAME, ANON_USERNAME = "Гүлнара", "gulnara_secret"
# 23:30 UTC on 1 March is 05:30 on 2 March in Bishkek (UTC+6): the report's local day is the 2nd.
LATE = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
PIN = (39.912345, 70.812345)
LONG_NOTE = "Суу бөлүштүрүү боюнча талаш: канал жабылды"


def jpeg(colour: str, exif: Image.Exif | None = None) -> bytes:
    """A small photo as a phone sends it (Telegram's have no EXIF; some files may)."""
    out = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new("RGB", (64, 48), colour).save(out, "JPEG", **extra)
    return out.getvalue()


def with_gps() -> Image.Exif:
    """EXIF with the camera's GPS position (Ak-Say, to the metre) and a serial number."""
    exif = Image.Exif()
    exif[ExifTags.Base.BodySerialNumber] = "SN-4471"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 52.0, 27.77),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (70.0, 31.0, 19.6),
    }
    return exif


PHOTO_A, PHOTO_B, PHOTO_C = jpeg("#9cc3e6"), jpeg("#7a8f5a"), jpeg("#a7b86b")
PHOTO_GPS = jpeg("#f4f1e8", with_gps())


@dataclass
class World:
    db: Database
    settings: Settings
    kernel: Kernel
    exports: ExportRules
    numbers: dict[str, int]
    media: MediaRules

    async def actor(self, user_id: int | None) -> Actor:
        if user_id is None:  # the command line: an administrator
            return Actor(user_id=0, locale="en", user=None, is_admin=True)
        return await self.kernel.actors.resolve(PersonRef(id=user_id, first_name=""))

    async def data(self, user_id: int | None, **request: Any) -> ExportData:
        values: dict[str, Any] = {"kind": "incidents", "format": "xlsx", "locale": "ru"}
        wanted = ExportRequest(**(values | request))
        return await self.exports.export(await self.actor(user_id), wanted)

    async def file(self, user_id: int | None, **request: Any) -> ExportFile:
        export = await self.data(user_id, **request)
        return render(export, translator(export.request.locale))

    async def book(self, user_id: int | None, **request: Any) -> Any:
        return load_workbook(io.BytesIO((await self.file(user_id, **request)).data))


async def keep(world: World, key: str, data: bytes, kind: str = "photo") -> None:
    """A file as the media store downloads it after a submit."""
    async with world.db.transaction() as conn:
        await MediaRepository(conn).add(
            [NewMedia(key, key, kind, NAMED, "incident", T0)], not_before=T0
        )
    world.kernel.media.files[key] = data  # type: ignore[attr-defined]
    assert await world.media.fetch_due() == 1


async def wait(world: World, key: str) -> None:
    """A file recorded, not downloaded yet."""
    async with world.db.transaction() as conn:
        await MediaRepository(conn).add(
            [NewMedia(key, key, "voice", NAMED, "incident", T0)],
            not_before=T0 + timedelta(days=30),
        )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = Settings(_env_file=None, AYILBOT_DB=tmp_path / "x.db")  # type: ignore[call-arg]
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    kernel = Kernel(
        settings,
        db,
        FrozenClock(T0 + timedelta(days=2)),
        gazetteer,
        Access(gazetteer),
        Quiet(),
        media=FakeFetcher(),
    )
    kernel.add(NeedRules(kernel))
    media = kernel.add(MediaRules(kernel))
    exports = kernel.add(ExportRules(kernel))
    await add_person(db, NAMED, "Айгүл")
    anon = await add_person(db, ANON, ANON_NAME, username=ANON_USERNAME)
    await add_person(db, COORD, "Batken", kind="community", place="BA")
    await grant(db, COORD, "place", "BA")
    numbers = {
        # A pin, two photos and a voice note, received late in the evening (UTC).
        "late": await add_incident(
            db,
            reporter_id=NAMED,
            received_at=LATE,
            latitude=PIN[0],
            longitude=PIN[1],
            geo_precision=1,
            photos=2,
            voice=True,
            fatalities=1,
            injuries=3,
            notes=LONG_NOTE,
        ),
        # Anonymous, in a village picked from the list: no pin.
        "village": await add_incident(
            db,
            reporter_id=ANON,
            pseudonym=anon,
            anonymous=True,
            village_code="BA-BAT-AKS-KEK",
            location="Кек-Таш",
            photos=1,
            notes='=HYPERLINK("http://x")',
        ),
        "aimak": await add_incident(db, reporter_id=NAMED, place="BA-BAT-AKT", photos=1),
        "rayon": await add_incident(db, reporter_id=NAMED, place="BA-KAD"),
        # Tort-Gul's centre has no coordinates in the sources read; one of its villages has.
        "villages": await add_incident(db, reporter_id=NAMED, place="BA-BAT-TGL"),
        # Only a place typed by hand: nothing to put on a map.
        "typed": await add_incident(
            db,
            reporter_id=NAMED,
            admin1=None,
            admin2=None,
            admin3=None,
            place_other="у старого моста",
            notes="Очень длинное описание. " * 10,
        ),
    }
    await add_update(db, numbers["late"], author_id=NAMED, text="Канал кайра ачылды.")
    await add_update(db, numbers["village"], author_id=COORD, text="Сколько людей?")
    numbers["need"] = await add_need(db, author_id=NAMED, place=AKSAY)
    world = World(db, settings, kernel, exports, numbers, media)
    late, village, aimak = numbers["late"], numbers["village"], numbers["aimak"]
    await keep(world, f"PHOTO-{late}-0", PHOTO_A)
    await keep(world, f"PHOTO-{late}-1", PHOTO_B)
    await wait(world, f"VOICE-{late}")
    await keep(world, f"PHOTO-{village}-0", PHOTO_C)
    await keep(world, f"PHOTO-{aimak}-0", b"\xff\xd8aimak")
    try:
        yield world
    finally:
        await db.close()


def rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def by_number(sheet: Worksheet) -> dict[int, dict[str, Any]]:
    """Rows by their first column, keyed by the header of the sheet."""
    header, *body = rows(sheet)
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def csv_rows(data: bytes, delimiter: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


# ------------------------------------------------------------------------------ XLSX

SHEETS = {
    "ru": ["Сообщения", "Обновления", "Вложения", "Коды столбцов"],
    "ky": ["Билдирүүлөр", "Жаңылоолор", "Тиркемелер", "Мамычалардын коддору"],
}
FIRST_HEADERS = {
    "ru": ("№ сообщения", "Получено", "Дата события"),
    "ky": ("Билдирүүнүн №", "Кабыл алынды", "Окуянын күнү"),
}


@pytest.mark.parametrize("locale", ["ru", "ky"])
async def test_xlsx_names_sheets_and_headers_in_the_language_and_lists_the_codes(
    world: World, locale: str
) -> None:
    book = await world.book(COORD, locale=locale)
    assert book.sheetnames == SHEETS[locale]
    reports, updates, attachments, codes = (book[name] for name in SHEETS[locale])
    header = rows(reports)[0]
    assert header[:3] == FIRST_HEADERS[locale]
    assert not any(h in INCIDENT_COLUMNS for h in header)  # no code left untranslated
    assert rows(updates)[0][0] == rows(attachments)[0][0] == header[0]
    # The last sheet names each column's stable code, for analysts and scripts.
    legend = rows(codes)[1:]
    assert [
        code for sheet, sheet_code, label, code, note in legend if sheet_code == "reports"
    ] == (list(INCIDENT_COLUMNS))
    found = {(sheet, label): code for sheet, _, label, code, _ in legend}
    assert found[(SHEETS[locale][0], header[1])] == "received_at"
    assert found[(SHEETS[locale][2], rows(attachments)[0][6])] == "file"
    notes = {code: note for _, sheet_code, _, code, note in legend if sheet_code == "reports"}
    assert "Asia/Bishkek" in notes["received_at"] and "2" in notes["latitude"]
    assert not notes["notes"] and not notes["event_date"]  # a calendar day, not a moment
    times = {code: note for _, sheet_code, _, code, note in legend if sheet_code == "updates"}
    assert "Asia/Bishkek" in times["at"]


async def test_codes_as_headers_name_the_sheets_and_columns_by_their_keys(world: World) -> None:
    book = await world.book(COORD, headers="codes")
    assert book.sheetnames == ["reports", "updates", "attachments", "columns"]
    assert rows(book["reports"])[0] == INCIDENT_COLUMNS
    assert rows(book["attachments"])[0] == INCIDENT_FILE_COLUMNS


async def test_a_report_received_late_in_the_evening_shows_its_local_day(world: World) -> None:
    book = await world.book(COORD, headers="codes")
    sheet = book["reports"]
    header = rows(sheet)[0]
    line = 2 + [r[0] for r in rows(sheet)[1:]].index(world.numbers["late"])
    received = sheet.cell(row=line, column=header.index("received_at") + 1)
    assert received.is_date and received.value == datetime(2026, 3, 2, 5, 30)
    assert received.number_format == "DD.MM.YYYY HH:MM"
    event = sheet.cell(row=line, column=header.index("event_date") + 1)
    assert event.is_date and event.number_format == "DD.MM.YYYY"
    updated = by_number(book["updates"])
    assert all(isinstance(u["at"], datetime) for u in updated.values())
    english = await world.book(COORD, headers="codes", locale="en")
    cell = english["reports"].cell(row=line, column=header.index("received_at") + 1)
    assert cell.value == datetime(2026, 3, 2, 5, 30) and cell.number_format == "YYYY-MM-DD HH:MM"


async def test_numbers_are_number_cells(world: World) -> None:
    book = await world.book(None, headers="codes")
    sheet = book["reports"]
    header = rows(sheet)[0]
    line = 2 + [r[0] for r in rows(sheet)[1:]].index(world.numbers["late"])
    for column, value in (
        ("id", world.numbers["late"]),
        ("fatalities", 1),
        ("injuries", 3),
        ("latitude", PIN[0]),
        ("longitude", PIN[1]),
    ):
        cell = sheet.cell(row=line, column=header.index(column) + 1)
        assert (cell.data_type, cell.value) == ("n", value), column


async def test_columns_are_fitted_and_the_header_frozen_with_a_filter(world: World) -> None:
    book = await world.book(COORD)
    for sheet in book.worksheets:
        table = rows(sheet)
        last = sheet.cell(row=1, column=len(table[0])).column_letter
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{last}{len(table)}", sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title
        # Printed for an official: A4 across, the header row on every page.
        assert (sheet.page_setup.orientation, sheet.print_title_rows) == ("landscape", "$1:$1")
    reports = book.worksheets[0]
    header = rows(reports)[0]

    def width(code: str) -> float:
        letter = reports.cell(row=1, column=INCIDENT_COLUMNS.index(code) + 1).column_letter
        return float(reports.column_dimensions[letter].width)

    assert width("notes") >= len(LONG_NOTE)  # the longest text fits
    assert width("received_at") >= len("02.03.2026 05:30")
    assert width("id") >= len(header[0])  # a short value under a long header
    assert width("id") < width("notes") < 60
    # A longer text than a screen is wide (the administrator sees one) stops at 60.
    admin = (await world.book(None)).worksheets[0]
    letter = admin.cell(row=1, column=INCIDENT_COLUMNS.index("notes") + 1).column_letter
    assert admin.column_dimensions[letter].width == 60


async def test_repeat_sheets_are_joined_to_reports_by_the_report_number(world: World) -> None:
    book = await world.book(COORD, headers="codes")
    reports = by_number(book["reports"])
    updates = rows(book["updates"])[1:]
    files = rows(book["attachments"])[1:]
    assert {u[0] for u in updates} == {world.numbers["late"], world.numbers["village"]}
    assert {f[0] for f in files} <= set(reports)
    late = [f for f in files if f[0] == world.numbers["late"]]
    assert sorted(f[3] for f in late) == ["голосовое сообщение", "фото", "фото"]


# ------------------------------------------------------------------------------ CSV


async def test_csv_separator_follows_the_language_unless_chosen(world: World) -> None:
    ru = (await world.file(COORD, format="csv")).data
    header = csv_rows(ru, ";")[0]
    assert header[:2] == ["№ сообщения", "Получено"]
    en = (await world.file(COORD, format="csv", locale="en")).data
    assert csv_rows(en, ",")[0][:2] == ["Report no.", "Received"]
    chosen = (await world.file(COORD, format="csv", delimiter=",")).data
    assert csv_rows(chosen, ",")[0] == header
    codes = (await world.file(COORD, format="csv", locale="ky", headers="codes")).data
    assert tuple(csv_rows(codes, ";")[0]) == INCIDENT_COLUMNS
    with pytest.raises(ExportError):
        await world.file(COORD, format="csv", delimiter="|")
    with pytest.raises(ExportError):
        await world.file(COORD, format="csv", headers="xml")


async def test_csv_writes_local_times_and_decimals_as_the_separator_expects(
    world: World,
) -> None:
    semicolon = csv_rows((await world.file(None, format="csv", headers="codes")).data, ";")
    comma = csv_rows(
        (await world.file(None, format="csv", headers="codes", delimiter=",")).data, ","
    )
    for table, mark in ((semicolon, ","), (comma, ".")):
        found = {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
        late = found[str(world.numbers["late"])]
        # ISO 8601 with the offset: the local day, and still the exact moment.
        assert late["received_at"] == "2026-03-02T05:30:00+06:00"
        assert late["latitude"] == f"39{mark}912345"
        assert late["fatalities"] == "1"
        village = found[str(world.numbers["village"])]
        assert village["notes"].startswith("'=")  # a formula never runs


# ------------------------------------------------------------------------------ GeoJSON


async def test_geojson_holds_every_report_with_a_place_and_says_where_its_point_is(
    world: World,
) -> None:
    export = await world.data(None, format="geojson")
    collection = json.loads(render(export, translator("ru")).data)
    features = {f["id"]: f for f in collection["features"]}
    numbers = world.numbers
    precision = {n: features[n]["properties"]["geo_precision"] for n in features}
    assert precision == {
        numbers["late"]: "gps",
        numbers["village"]: "village",
        numbers["aimak"]: "aiyl aimak centre",
        numbers["rayon"]: "rayon centre",
        numbers["villages"]: "aiyl aimak villages",
    }
    # Every report with any place: all but the one whose place was only typed.
    assert isinstance(export.records, Reports)
    with_place = [r for r in export.records.rows if r.incident.place_code or r.geo_precision]
    assert export.count == len(features) == len(with_place) == 5
    assert features[numbers["late"]]["geometry"]["coordinates"] == [PIN[1], PIN[0]]
    assert features[numbers["village"]]["geometry"]["coordinates"] == [70.53583, 39.94972]
    # Times in the local zone, as in the other formats.
    assert features[numbers["late"]]["properties"]["received_at"] == "2026-03-02T05:30:00+06:00"
    shared = json.loads((await world.file(COORD, format="geojson")).data)
    points = {f["id"]: f["geometry"]["coordinates"] for f in shared["features"]}
    assert points[numbers["late"]] == [70.81, 39.91]  # rounded for coordinators
    assert points[numbers["village"]] == [70.54, 39.95]  # a place's centre as well
    labels = by_number((await world.book(COORD, headers="codes"))["reports"])
    assert labels[numbers["aimak"]]["geo_precision"] == "центр айылного аймака"
    assert labels[numbers["late"]]["geo_precision"] == "GPS-метка"
    assert labels[numbers["villages"]]["geo_precision"] == "айылный аймак (середина его сёл)"
    zar_tash = world.kernel.gazetteer["BA-BAT-TGL-ZAR"].coords
    assert zar_tash is not None
    assert features[numbers["villages"]]["geometry"]["coordinates"] == [zar_tash[1], zar_tash[0]]


async def test_needs_are_placed_at_their_place_in_every_format(world: World) -> None:
    collection = json.loads((await world.file(COORD, kind="needs", format="geojson")).data)
    (feature,) = collection["features"]
    assert feature["id"] == world.numbers["need"]
    assert feature["properties"]["geo_precision"] == "aiyl aimak centre"
    assert feature["geometry"]["coordinates"] == [70.52, 39.87]  # Ak-Say's centre, rounded
    book = await world.book(None, kind="needs", headers="codes")
    header = rows(book["needs"])[0]
    assert header == NEED_COLUMNS
    need = by_number(book["needs"])[world.numbers["need"]]
    assert (need["latitude"], need["longitude"]) == (39.87438, 70.52211)  # exact: an admin
    # The chat says how needs are placed; the reporters' line is for reports.
    tr = translator("ru")
    for kind, said, unsaid in (
        ("needs", "Каждая потребность отмечена", "псевдоним"),
        ("incidents", "псевдоним", "Каждая потребность"),
    ):
        export = await world.data(COORD, kind=kind, format="geojson")
        text = export_screens.sent(export, ExportPeriod.ALL, render(export, tr), tr).text
        assert said in text and unsaid not in text and "1,1 км" in text, kind


# ------------------------------------------------------------------------------ the zip


def unpack(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def test_a_zip_with_media_carries_the_files_linked_and_checksummed(world: World) -> None:
    late, village, aimak = (world.numbers[k] for k in ("late", "village", "aimak"))
    # One file's bytes were lost from the folder, another's changed on disk.
    async with world.db.reading() as conn:
        stored = await MediaRepository(conn).for_keys([f"PHOTO-{late}-1", f"PHOTO-{aimak}-0"])
    world.media.folder.absolute(stored[f"PHOTO-{late}-1"].path or "").unlink()
    world.media.folder.absolute(stored[f"PHOTO-{aimak}-0"].path or "").write_bytes(b"changed")
    made = await world.file(None, with_media=True, locale="en")
    assert made.filename == "ayilbot-incidents-2026-03-04.zip"
    files = unpack(made.data)
    media = {n for n in files if n.startswith("media/")}
    assert media == {f"media/{late:04d}-photo-1.jpg", f"media/{village:04d}-photo-1.jpg"}
    assert files[f"media/{late:04d}-photo-1.jpg"] == PHOTO_A
    assert files[f"media/{village:04d}-photo-1.jpg"] == PHOTO_C
    assert (made.carried, made.not_carried) == (2, 3)
    # SHA256SUMS checks every other file of the zip, as `sha256sum -c` would.
    lines = [line.split("  ", 1) for line in files["SHA256SUMS"].decode().splitlines()]
    sums = {name: digest for digest, name in lines}
    assert set(sums) == set(files) - {"SHA256SUMS"}
    assert all(hashlib.sha256(files[n]).hexdigest() == h for n, h in sums.items())
    # The attachments sheet links each carried file by a path relative to the workbook.
    book = load_workbook(io.BytesIO(files["ayilbot-incidents-2026-03-04.xlsx"]))
    sheet = book["Attachments"]
    header = rows(sheet)[0]
    links = {
        cell.hyperlink.target
        for cell in sheet[book["Attachments"].cell(row=1, column=7).column_letter]
        if cell.hyperlink is not None
    }
    assert header[6] == "File" and links == media
    states = {(r[0], r[3], r[5]) for r in rows(sheet)[1:]}
    assert (late, "voice note", "not downloaded yet") in states
    assert (late, "photo", "missing from the media folder") in states
    assert (aimak, "photo", "damaged: its checksum no longer matches") in states
    # The manifest names every file, those carried with their checksum, the others why not.
    manifest = csv_rows(files["manifest.csv"], ",")
    assert manifest[0][0] == "File"
    carried = {r[0]: r[6] for r in manifest[1:] if r[0]}
    assert carried == {n: hashlib.sha256(files[n]).hexdigest() for n in media}
    assert sorted(r[4] for r in manifest[1:] if not r[0]) == [
        "damaged: its checksum no longer matches",
        "missing from the media folder",
        "not downloaded yet",
    ]


async def test_a_zip_never_names_an_anonymous_reporter(world: World) -> None:
    for user_id in (COORD, None):
        for fmt in ("xlsx", "csv"):
            made = await world.file(user_id, format=fmt, with_media=True)
            cells: list[str] = []
            for name, data in unpack(made.data).items():
                cells.append(name)
                if name.endswith(".xlsx"):  # its text is compressed: read it
                    book = load_workbook(io.BytesIO(data))
                    cells += [str(v) for s in book for row in rows(s) for v in row]
                elif name.endswith(".csv"):
                    cells += [c for row in csv_rows(data, ";") for c in row]
                elif not name.startswith("media/"):
                    cells += data.decode().split()
            text = "\n".join(cells)
            assert f"P-{ANON:08X}" in text  # her report is there, under her pseudonym only
            for secret in (ANON_NAME, ANON_USERNAME, "PHOTO-", "VOICE-"):
                assert secret not in text, (user_id, fmt, secret)
            assert str(ANON) not in cells, (user_id, fmt)


async def test_a_photos_gps_tag_leaves_with_the_rounding(world: World) -> None:
    """Coordinators get rounded pins: a photo's EXIF position would undo that."""
    number = await add_incident(world.db, reporter_id=NAMED, photos=1)
    await keep(world, f"PHOTO-{number}-0", PHOTO_GPS)
    name = f"media/{number:04d}-photo-1.jpg"
    shared = unpack((await world.file(COORD, with_media=True, locale="en")).data)
    with Image.open(io.BytesIO(shared[name])) as photo:
        assert not photo.getexif() and "exif" not in photo.info
        assert photo.size == (64, 48)  # the same picture, re-encoded
    sums = {
        n: h
        for h, n in (
            line.split("  ") for line in shared["SHA256SUMS"].decode().split("\n") if line
        )
    }
    assert sums[name] == hashlib.sha256(shared[name]).hexdigest()
    book = load_workbook(io.BytesIO(shared["ayilbot-incidents-2026-03-04.xlsx"]))
    row = next(r for r in rows(book["Attachments"])[1:] if r[0] == number)
    assert row[5] == "in the zip, without its metadata (EXIF)" and row[8] == sums[name]
    # A photo without metadata is carried as it is kept, byte for byte.
    assert shared[f"media/{world.numbers['village']:04d}-photo-1.jpg"] == PHOTO_C
    # Administrators see exact pins: they get the file exactly as the store keeps it.
    exact = unpack((await world.file(None, with_media=True, locale="en")).data)
    assert exact[name] == PHOTO_GPS
    with Image.open(io.BytesIO(exact[name])) as photo:
        assert photo.getexif().get(ExifTags.Base.BodySerialNumber) == "SN-4471"


async def test_a_csv_zip_holds_each_table_as_odk_does(world: World) -> None:
    made = await world.file(COORD, format="csv", with_media=True)
    names = set(unpack(made.data))
    assert {
        "ayilbot-incidents-2026-03-04.csv",
        "ayilbot-incidents-2026-03-04-updates.csv",
        "ayilbot-incidents-2026-03-04-attachments.csv",
        "manifest.csv",
        "SHA256SUMS",
    } <= names
    files = unpack(made.data)
    attachments = csv_rows(files["ayilbot-incidents-2026-03-04-attachments.csv"], ";")
    linked = {r[6] for r in attachments[1:] if r[6]}
    assert linked and linked <= names  # each path names a file of the zip


async def test_the_chats_zip_keeps_within_what_telegram_sends(world: World) -> None:
    actor = await world.actor(COORD)
    request = ExportRequest("incidents", "xlsx", locale="ru", with_media=True)
    budget = len(PHOTO_A) + len(PHOTO_B)  # room for the first two photos only
    export = await world.exports.export(actor, request, media_budget=budget)
    assert isinstance(export.records, Reports)
    states = [(f.report, f.kind, f.ordinal, f.state) for f in export.records.files]
    late, village, aimak = (world.numbers[k] for k in ("late", "village", "aimak"))
    assert states == [
        (late, "photo", 1, MediaState.INCLUDED),
        (late, "photo", 2, MediaState.INCLUDED),
        (late, "voice", 1, MediaState.PENDING),
        (village, "photo", 1, MediaState.LEFT_OUT),
        (aimak, "photo", 1, MediaState.LEFT_OUT),
    ]
    assert export.media is not None and export.media.included == 2
    # Without media nothing is carried, yet the sheet says where each file is.
    plain = await world.data(COORD)
    assert isinstance(plain.records, Reports)
    assert {f.state for f in plain.records.files} == {MediaState.STORED, MediaState.PENDING}
    assert all(f.path is None for f in plain.records.files) and plain.offers_media
    with pytest.raises(ExportError):  # a map has no attachments sheet to link from
        await world.data(COORD, format="geojson", with_media=True)
    with pytest.raises(ExportError):
        await world.data(COORD, kind="needs", format="geojson", with_media=True)


async def test_a_needs_zip_carries_the_needs_photos_and_voice_notes(world: World) -> None:
    """A candidate's photo of the school's broken tap goes to the ayil kenesh with the need:
    named by the need's number, linked from the needs' attachments sheet, in the manifest."""
    need = await add_need(world.db, author_id=NAMED, place=AKSAY, photos=2, voice=True)
    async with world.db.reading() as conn:
        voice = (await NeedRepository(conn).get(need)).voice  # type: ignore[union-attr]
    assert voice is not None
    await keep(world, "NPHOTO-0", PHOTO_A)
    await keep(world, str(voice["file_id"]), b"OggS voice", kind="voice")
    offered = await world.data(COORD, kind="needs")
    assert offered.offers_media and offered.media is not None and offered.media.files == 3
    made = await world.file(COORD, kind="needs", with_media=True, locale="ru")
    assert made.filename == "ayilbot-needs-2026-03-04.zip"
    files = unpack(made.data)
    media = {n for n in files if n.startswith("media/")}
    # (The suffix is the stored file's; the test's fetcher names every file .jpg.)
    assert {n.rsplit(".", 1)[0] for n in media} == {
        f"media/need-{need:04d}-photo-1",
        f"media/need-{need:04d}-voice-1",
    }
    assert files[f"media/need-{need:04d}-photo-1.jpg"] == PHOTO_A
    assert (made.carried, made.not_carried) == (2, 1)  # NPHOTO-1 was never downloaded
    book = load_workbook(io.BytesIO(files["ayilbot-needs-2026-03-04.xlsx"]))
    assert book.sheetnames == ["Потребности", "Этапы", "Вложения", "Коды столбцов"]
    sheet = book["Вложения"]
    assert rows(sheet)[0][:3] == ("№ потребности", "№ вложения", "Тип")
    links = {c.hyperlink.target for c in sheet["F"] if c.hyperlink is not None}
    assert links == media
    manifest = csv_rows(files["manifest.csv"], ";")
    assert manifest[0][:2] == ["Файл", "№ потребности"]
    assert {r[0] for r in manifest[1:] if r[0]} == media


def test_the_command_line_writes_the_zip_and_each_csv_choice(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AYILBOT_DB", str(world.settings.db_path))
    out = tmp_path / "reports.zip"
    assert main(["export", "incidents", "--format", "xlsx", "--with-media", "-o", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
    late = world.numbers["late"]
    assert f"media/{late:04d}-photo-2.jpg" in names and "SHA256SUMS" in names
    told = capsys.readouterr().err
    assert "4 media files written" in told and "1 not included" in told  # the voice note
    args = ["export", "incidents", "--lang", "ru", "-o", "-"]
    assert main([*args, "--delimiter", "comma", "--headers", "codes"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("\ufeffid,received_at,")
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("\ufeff№ сообщения;Получено;")
    assert main(["export", "users", "--with-media"]) == 2


def test_media_names_are_by_report_number() -> None:
    from bot.outputs.exports import media_name
    from bot.rules.exports import ReportFile

    item = ReportFile(12, None, 40, "voice", 1, 7, MediaState.INCLUDED, 9, "ab", ".ogg", None)
    assert media_name(item) == "media/0012-voice-1.ogg"
    other = ReportFile(12345, 3, 41, "photo", 2, None, MediaState.INCLUDED, 1, "c", ".jpg", None)
    assert media_name(other) == "media/12345-photo-2.jpg"


# ------------------------------------------------------------------------------ the chat


async def put_in_store(kernel: Kernel, key: str, data: bytes) -> None:
    """A photo the media store already holds, its bytes in the folder."""
    media = kernel.get(MediaRules)
    async with kernel.db.transaction() as conn:
        (media_id,) = await MediaRepository(conn).add(
            [NewMedia(key, key, "photo", None, "incident", T0)],
            not_before=T0 + timedelta(days=365),  # never the download job's
        )
    written = media.folder.write(relative_path(media_id, "photo", T0, "p.jpg"), data)
    async with kernel.db.transaction() as conn:
        assert await MediaRepository(conn).stored(
            media_id=media_id,
            path=written.path,
            size=written.size,
            sha256=written.sha256,
            now=T0,
        )


async def test_the_chat_sends_the_readers_csv_then_the_zip_and_offers_the_dossier(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    services = services_of(bot)
    boss = person(950, "ru", first_name="Гульнара")
    await onboard(boss, language="Русский")
    await grant(services.db, 950, "place", "BA-BAT")
    number = await add_incident(
        services.db,
        reporter_id=None,
        pseudonym="P-X",
        received_at=services.clock.now(),
        photos=2,
    )
    await put_in_store(services, f"PHOTO-{number}-0", PHOTO_A)  # the second one is not kept
    tr = translator("ru")
    kinds = await boss.say("/export")
    assert kinds.flat_buttons[-1] == (tr.label("📁 Incident dossier (Word)"), "dos:h")
    dossier = await boss.press(tr.label("📁 Incident dossier (Word)"), message=kinds)
    assert {d for _, d in dossier.flat_buttons} >= {"dos:a:7", "dos:a:0"}  # its first question
    kinds = await boss.say("/export")
    formats = await boss.press(tr.label("📝 Incident reports"), message=kinds)
    periods = await boss.press("CSV", message=formats)
    regions = await boss.press(tr.label("This week"), message=periods)
    sent = await boss.press("Баткенский район", message=regions)
    assert "1 запись" in sent.text and "📎 У этих сообщений 2 фото" in sent.text
    document = await boss.reply()
    assert document.raw["document"]["file_name"].endswith(".csv")
    data = server.file_bytes(document.raw["document"]["file_id"])
    header, row = csv_rows(data, ";")  # her language's separator, her language's headers
    assert header[:2] == ["№ сообщения", "Получено"] and row[0] == str(number)
    offered = document.flat_buttons
    assert offered == [
        (tr.label("📎 With the photos and voice notes (zip)"), "exp:m:i:c:w:BA-BAT")
    ]
    zipped = await boss.press(offered[0][0], message=document)
    assert "В архиве 1 фото" in zipped.text and "1 файл не вошёл в архив" in zipped.text
    archive = await boss.reply()
    assert archive.raw["document"]["file_name"].endswith(".zip")
    assert archive.flat_buttons == []  # nothing more to add
    files = unpack(server.file_bytes(archive.raw["document"]["file_id"]))
    assert files[f"media/{number:04d}-photo-1.jpg"] == PHOTO_A
    assert f"media/{number:04d}-photo-2.jpg" not in files
    manifest = csv_rows(files["manifest.csv"], ";")
    not_kept = tr.label(
        "not kept (sent before the media store, or removed after the retention period)"
    )
    assert [r[4] for r in manifest[1:]] == ["в архиве", not_kept]


async def test_stats_show_the_media_store_to_administrators_only(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    services = services_of(bot)
    admin = person(9000, "ru", first_name="Админ")
    await onboard(admin, language="Русский")
    boss = person(951, "ru", first_name="Гульнара")
    await onboard(boss, language="Русский")
    await grant(services.db, 951, "place", "BA-BAT")
    await put_in_store(services, "PHOTO-kept", PHOTO_A)
    async with services.db.transaction() as conn:
        await MediaRepository(conn).add(
            [NewMedia("PHOTO-waiting", "PHOTO-waiting", "photo", None, "incident", T0)],
            not_before=T0 + timedelta(days=365),
        )
    shown = await admin.say("/stats")
    assert "🗂 Хранилище медиафайлов: сохранено фото и голосовых сообщений — 1 (0 МБ)" in shown.text
    assert "ждут скачивания: 1; не скачались, повторяем: 0" in shown.text
    assert "потеряны после всех попыток: 0" in shown.text
    coordinator = await boss.say("/stats")
    assert "Баткенский район" in coordinator.text and "🗂" not in coordinator.text
