"""Exports as files: CSV, XLSX, GeoJSON and zips of the records bot/rules/exports.py collects.

They follow the exports coordinators know from KoboToolbox and ODK Central:
- XLSX: one sheet per table (reports, then its repeats: updates and attachments, joined by
  the report number), headers and sheet names in the reader's language, and a last sheet
  giving each column's stable code (KoboToolbox's "labels" and "XML values"); `codes` headers
  give the codes in the sheets themselves. Times are real date cells in AYILBOT_TIMEZONE, so a
  report shows its local day; numbers are numbers; columns are fitted, the header row frozen,
  a filter on it.
- CSV: UTF-8 with a byte-order mark; `;` for Kyrgyz and Russian (their Excel's list separator,
  with `,` as the decimal mark, as R's write.csv2), `,` for English; times in ISO 8601 with
  the local offset. It holds the first table; a zip holds each table as a file (ODK's layout).
- GeoJSON: every record with coordinates (a pin, or its place's), properties by code,
  `geo_precision` in words ("gps", "village", "aiyl aimak centre", "aiyl aimak villages",
  "rayon centre").
- A zip "with media": the spreadsheet, the reports' photos and voice notes named by report
  number (`media/0012-photo-1.jpg`) and linked from the attachments sheet, `manifest.csv`
  naming every file and what became of those not carried, and `SHA256SUMS`. Where the pins
  are rounded for the reader, a photo with metadata (EXIF, XMP, IPTC) is re-encoded without
  it, as the dossier does: a phone's GPS tag would undo the rounding.

Labels come in the request's language; column codes are stable keys (the forms' step keys,
named after conflict-event coding), so files from different months and languages line up. Text
a person typed never runs as a formula and never breaks a file: CSV cells starting like a
formula get an apostrophe, XLSX cells are stored as text, and characters XML forbids (rows
stored before text was cleaned) are dropped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from PIL import Image, ImageOps, UnidentifiedImageError

from bot.forms import need as need_form
from bot.forms import practice as practice_form
from bot.forms.incident import (
    ACTORS,
    BORDER,
    CROWD_SIZES,
    EVENTS,
    FOLLOWUP_OUTCOMES,
    OTHER,
    RESOURCES,
    RESPONSES,
    SOURCES,
    STATUSES,
)
from bot.forms.incident_labels import REVIEW_STATUSES, UPDATE_KINDS
from bot.forms.kinds import Option
from bot.forms.onboarding import KINDS, LANGUAGE_OPTIONS
from bot.forms.practice import STATUS_LABELS as PRACTICE_STATUSES
from bot.i18n import N_, Tr
from bot.records.exports import FileMeta
from bot.records.incidents import IncidentUpdate
from bot.records.needs import NeedStage
from bot.rules.exports import (
    ExportData,
    ExportFormat,
    GeoPrecision,
    Headers,
    MediaState,
    NeedRow,
    Needs,
    People,
    PersonRow,
    PracticeRow,
    Practices,
    ReportFile,
    ReportRow,
    Reports,
)
from bot.rules.practices import Where
from bot.typed_text import starts_formula, xml_safe

EVENT_TYPE_LABELS: Mapping[str, str] = {
    "strategic_developments": N_("Strategic developments"),
    "protests": N_("Protests"),
    "riots": N_("Riots"),
}
AUTHOR_ROLES: Mapping[str, str] = {"reporter": N_("reporter"), "coordinator": N_("coordinator")}
FILE_TYPES: Mapping[str, str] = {
    "photo": N_("photo"),
    "voice": N_("voice note"),
    "document": N_("document"),
}
GEO_PRECISION_LABELS: Mapping[GeoPrecision, str] = {
    GeoPrecision.GPS: N_("GPS pin"),
    GeoPrecision.VILLAGE: N_("village"),
    GeoPrecision.AIYL_AIMAK: N_("aiyl aimak centre"),
    GeoPrecision.AIYL_AIMAK_VILLAGES: N_("aiyl aimak (middle of its villages)"),
    GeoPrecision.RAYON: N_("rayon centre"),
    GeoPrecision.CITY: N_("city centre"),
    GeoPrecision.OBLAST: N_("oblast centre"),
}
MEDIA_STATE_LABELS: Mapping[MediaState, str] = {
    MediaState.STORED: N_("kept in the media store"),
    MediaState.INCLUDED: N_("in the zip"),
    MediaState.PENDING: N_("not downloaded yet"),
    MediaState.TOO_LARGE: N_("too large to keep: only in Telegram"),
    MediaState.LOST: N_("could not be downloaded"),
    MediaState.NOT_KEPT: N_(
        "not kept (sent before the media store, or removed after the retention period)"
    ),
    MediaState.LEFT_OUT: N_("left out: the zip would be too large to send in Telegram"),
    MediaState.UNREADABLE: N_("missing from the media folder"),
    MediaState.DAMAGED: N_("damaged: its checksum no longer matches"),
    MediaState.CLEANED: N_("in the zip, without its metadata (EXIF)"),
    MediaState.UNOPENED: N_("left out: it could not be opened to remove its metadata"),
}
# What a photo may carry besides its pixels, as Pillow names it: EXIF (with a GPS tag),
# XMP, Photoshop's IPTC block, comments. (A colour profile says nothing of anyone: kept.)
PHOTO_METADATA = ("exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment")
# A label's leading emoji or symbol is for buttons, not for a spreadsheet cell.
_LEADING_SYMBOLS = re.compile(r"^[^\w(«\"]+")
# Excel refuses these in a sheet's name, and names longer than 31 characters.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
WIDEST_COLUMN = 60  # characters; longer text stays in the cell, past the column's edge
HEADER_FONT = Font(name="Calibri", size=11, bold=True)  # the workbook's own font, bold
HEADER_FILL = PatternFill("solid", start_color="DDE4EE", end_color="DDE4EE")
# dd.mm.yyyy in Kyrgyz and Russian (the CLDR ky numeric date reads as month-day), ISO in English.
DATE_FORMATS = {"en": "YYYY-MM-DD"}
DATETIME_FORMATS = {"en": "YYYY-MM-DD HH:MM"}
LOCAL_DATE, LOCAL_DATETIME = "DD.MM.YYYY", "DD.MM.YYYY HH:MM"
MEDIA_FOLDER = "media"

INCIDENT_COLUMNS = (
    "id",
    "received_at",
    "event_date",
    "date_precision",
    "resource",
    "resource_other",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor1_type",
    "actor2",
    "actor2_type",
    "crowd_size",
    "fatalities",
    "injuries",
    "admin1",
    "admin2",
    "admin3",
    "place_code",
    "place_other",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "border",
    "notes",
    "response",
    "source",
    "source_scale",
    "urgent",
    "status",
    "review_status",
    "duplicate_of",
    "possible_duplicate_of",
    "reporter",
    "reporter_role",
    "anonymous",
    "last_update_at",
    "form_version",
)
UPDATE_COLUMNS = (
    "incident_id",
    "update_id",
    "at",
    "kind",
    "author_role",
    "text",
    "response",
    "outcome",
    "status_after",
    "reply_to",
)
INCIDENT_FILE_COLUMNS = (
    "incident_id",
    "update_id",
    "attachment_id",
    "type",
    "duration_s",
    "media",
    "file",
    "bytes",
    "sha256",
)
PRACTICE_COLUMNS = (
    "id",
    "created_at",
    "approved_at",
    "status",
    "topic",
    "topic_other",
    "title",
    "situation",
    "actions",
    "result",
    "plan_budget",
    "amount_som",
    "advice",
    "place",
    "place_code",
    "author",
    "author_kind",
    "groups",
    "visible_to_all",
    "helpful",
    "review_note",
)
PRACTICE_FILE_COLUMNS = ("practice_id", "position", "type", "duration_s", "mime")
USER_COLUMNS = (
    "name",
    "username",
    "language",
    "kind",
    "place",
    "place_code",
    "place_other",
    "registered_at",
    "active",
    "groups",
    "roles",
)
# What a coordinator's work needs of the people in her area: who they are and in which rayon.
# The aiyl aimak (or a typed village) and the username stay with administrators: where only
# one person is registered in an aiyl aimak, a list that says so names the sender of every
# anonymous report from there.
COORDINATOR_USER_COLUMNS = (
    "name",
    "language",
    "kind",
    "rayon",
    "rayon_code",
    "registered_at",
    "active",
    "groups",
    "roles",
)
NEED_COLUMNS = (
    "id",
    "created_at",
    "topic",
    "topic_other",
    "place",
    "place_code",
    "village",
    "latitude",
    "longitude",
    "geo_precision",
    "heard",
    "women",
    "description",
    "proposal",
    "stage",
    "reached",
    "stage_on",
    "amount_som",
    "joined_to",
    "shared_with_groups",
    "voice_notes",
    "photos",
)
# A need's files: those of a report's but the update they came with (a need has none).
NEED_FILE_COLUMNS = ("need_id", *INCIDENT_FILE_COLUMNS[2:])
STAGE_COLUMNS = (
    "need_id",
    "stage_id",
    "happened_on",
    "from_stage",
    "stage",
    "raised_with",
    "amount_som",
    "reason",
    "evidence_files",
)
# The zip's list of the reports' (or needs') files: those carried and what became of the others.
MANIFEST_COLUMNS = ("file", "incident_id", "update_id", "type", "media", "bytes", "sha256")
NEED_MANIFEST_COLUMNS = ("file", "need_id", "type", "media", "bytes", "sha256")
CODES_COLUMNS = ("sheet", "sheet_code", "column", "column_code", "note")
# Moments (stored in UTC), written in AYILBOT_TIMEZONE; the other dates are calendar days.
TIME_COLUMNS = frozenset(
    {"received_at", "last_update_at", "at", "created_at", "approved_at", "registered_at"}
)


def sheet_labels(tr: Tr) -> dict[str, str]:
    """Each table's name in the reader's language, by its code."""
    return {
        "reports": tr.pgettext("sheet", "Reports"),
        "updates": tr.pgettext("sheet", "Updates"),
        "attachments": tr.pgettext("sheet", "Attachments"),
        "practices": tr.pgettext("sheet", "Practices"),
        "users": tr.pgettext("sheet", "People"),
        "needs": tr.pgettext("sheet", "Needs"),
        "stages": tr.pgettext("sheet", "Stages"),
        "columns": tr.pgettext("sheet", "Column codes"),
    }


def column_labels(table: str, tr: Tr) -> dict[str, str]:
    """Each column's header in the reader's language, by its code, for one table."""
    shared = {
        "place": tr.pgettext("column", "Place"),
        "place_code": tr.pgettext("column", "Place code"),
        "latitude": tr.pgettext("column", "Latitude"),
        "longitude": tr.pgettext("column", "Longitude"),
        "geo_precision": tr.pgettext("column", "Coordinates from"),
        "status": tr.pgettext("column", "Status"),
        "topic": tr.pgettext("column", "Topic"),
        "topic_other": tr.pgettext("column", "Topic (typed)"),
        "amount_som": tr.pgettext("column", "Amount, som"),
        "groups": tr.pgettext("column", "Groups"),
        "incident_id": tr.pgettext("column", "Report no."),
        "need_id": tr.pgettext("column", "Need no."),
        "update_id": tr.pgettext("column", "Update no."),
        "type": tr.pgettext("column", "Type"),
        "duration_s": tr.pgettext("column", "Length, seconds"),
        "media": tr.pgettext("column", "Media store"),
        "file": tr.pgettext("column", "File"),
        "bytes": tr.pgettext("column", "Size, bytes"),
        "sha256": tr.pgettext("column", "SHA-256 checksum"),
        "sheet": tr.pgettext("column", "Sheet"),
        "sheet_code": tr.pgettext("column", "Sheet code"),
        "column": tr.pgettext("column", "Column"),
        "column_code": tr.pgettext("column", "Column code"),
        "note": tr.pgettext("column", "Note"),
    }
    own: dict[str, dict[str, str]] = {
        "reports": {
            "id": tr.pgettext("column", "Report no."),
            "received_at": tr.pgettext("column", "Received"),
            "event_date": tr.pgettext("column", "Date of the event"),
            "date_precision": tr.pgettext("column", "Date precision"),
            "resource": tr.pgettext("column", "Resource"),
            "resource_other": tr.pgettext("column", "Resource (typed)"),
            "event_type": tr.pgettext("column", "Event type"),
            "sub_event_type": tr.pgettext("column", "What happened"),
            "actor1": tr.pgettext("column", "First side"),
            "actor1_type": tr.pgettext("column", "First side: kind"),
            "actor2": tr.pgettext("column", "Second side"),
            "actor2_type": tr.pgettext("column", "Second side: kind"),
            "crowd_size": tr.pgettext("column", "People involved"),
            "fatalities": tr.pgettext("column", "Deaths"),
            "injuries": tr.pgettext("column", "Injured"),
            "admin1": tr.pgettext("column", "Oblast"),
            "admin2": tr.pgettext("column", "Rayon"),
            "admin3": tr.pgettext("column", "Aiyl aimak"),
            "place_other": tr.pgettext("column", "Place (typed)"),
            "location": tr.pgettext("column", "Village"),
            "border": tr.pgettext("column", "Border"),
            "notes": tr.pgettext("column", "Description"),
            "response": tr.pgettext("column", "Response"),
            "source": tr.pgettext("column", "Source"),
            "source_scale": tr.pgettext("column", "Source scale"),
            "urgent": tr.pgettext("column", "Urgent"),
            "review_status": tr.pgettext("column", "Review"),
            "duplicate_of": tr.pgettext("column", "Duplicate of report no."),
            "possible_duplicate_of": tr.pgettext("column", "Possible duplicate of report no."),
            "reporter": tr.pgettext("column", "Reporter"),
            "reporter_role": tr.pgettext("column", "Reporter's role"),
            "anonymous": tr.pgettext("column", "Anonymous report"),
            "last_update_at": tr.pgettext("column", "Last update"),
            "form_version": tr.pgettext("column", "Form version"),
        },
        "updates": {
            "at": tr.pgettext("column", "Time"),
            "kind": tr.pgettext("column", "Kind of update"),
            "author_role": tr.pgettext("column", "From"),
            "text": tr.pgettext("column", "Text"),
            "response": tr.pgettext("column", "Response"),
            "outcome": tr.pgettext("column", "Outcome"),
            "status_after": tr.pgettext("column", "Status after it"),
            "reply_to": tr.pgettext("column", "Answers update no."),
        },
        "attachments": {
            "attachment_id": tr.pgettext("column", "Attachment no."),
            "practice_id": tr.pgettext("column", "Practice no."),
            "position": tr.pgettext("column", "Attachment no."),
            "mime": tr.pgettext("column", "File format"),
        },
        "practices": {
            "id": tr.pgettext("column", "Practice no."),
            "created_at": tr.pgettext("column", "Sent"),
            "approved_at": tr.pgettext("column", "Published"),
            "title": tr.pgettext("column", "Title"),
            "situation": tr.pgettext("column", "Situation"),
            "actions": tr.pgettext("column", "What was done"),
            "result": tr.pgettext("column", "Result"),
            "plan_budget": tr.pgettext("column", "In the local plan or budget"),
            "advice": tr.pgettext("column", "Advice"),
            "author": tr.pgettext("column", "Author"),
            "author_kind": tr.pgettext("column", "Author's role"),
            "visible_to_all": tr.pgettext("column", "Visible to all"),
            "helpful": tr.pgettext("column", "Found it helpful"),
            "review_note": tr.pgettext("column", "Review note"),
        },
        "users": {
            "id": tr.pgettext("column", "Telegram id"),
            "name": tr.pgettext("column", "Full name"),
            "username": tr.pgettext("column", "Telegram username"),
            "language": tr.pgettext("column", "Language"),
            "kind": tr.pgettext("column", "Registered as"),
            "place_other": tr.pgettext("column", "Place (typed)"),
            "rayon": tr.pgettext("column", "Rayon"),
            "rayon_code": tr.pgettext("column", "Rayon code"),
            "registered_at": tr.pgettext("column", "Registration date"),
            "active": tr.pgettext("column", "Account active"),
            "roles": tr.pgettext("column", "Roles"),
        },
        "needs": {
            "id": tr.pgettext("column", "Need no."),
            "created_at": tr.pgettext("column", "Recorded"),
            "village": tr.pgettext("column", "Village"),
            "heard": tr.pgettext("column", "Heard at"),
            "women": tr.pgettext("column", "Women who raised it"),
            "description": tr.pgettext("column", "Description"),
            "proposal": tr.pgettext("column", "Proposal"),
            "stage": tr.pgettext("column", "Stage"),
            "reached": tr.pgettext("column", "Furthest stage"),
            "stage_on": tr.pgettext("column", "Stage date"),
            "joined_to": tr.pgettext("column", "Joined to need no."),
            "shared_with_groups": tr.pgettext("column", "Shared with groups"),
            "voice_notes": tr.pgettext("column", "Voice notes"),
            "photos": tr.pgettext("column", "Photos"),
        },
        "stages": {
            "need_id": tr.pgettext("column", "Need no."),
            "stage_id": tr.pgettext("column", "Step no."),
            "happened_on": tr.pgettext("column", "Date"),
            "from_stage": tr.pgettext("column", "From stage"),
            "stage": tr.pgettext("column", "Stage"),
            "raised_with": tr.pgettext("column", "Raised with"),
            "reason": tr.pgettext("column", "Reason"),
            "evidence_files": tr.pgettext("column", "Evidence files"),
        },
    }
    return shared | own.get(table, {})


@dataclass(frozen=True, slots=True)
class Link:
    """A cell naming a file beside the export: a relative hyperlink in XLSX, its path in CSV."""

    target: str


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet (or CSV file): its code, its columns by code, and rows of plain values."""

    code: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def header(self, headers: str, tr: Tr) -> list[str]:
        """The header row: labels in the reader's language, or the codes."""
        if headers == Headers.CODES:
            return list(self.columns)
        labels = column_labels(self.code, tr)
        return [labels.get(c, c) for c in self.columns]

    def title(self, headers: str, tr: Tr) -> str:
        """The sheet's name: its label, or its code."""
        return self.code if headers == Headers.CODES else sheet_labels(tr)[self.code]


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A written export, the records in it and, for a zip, the media it carries or not."""

    filename: str
    data: bytes
    count: int
    carried: int = 0  # media files in the zip
    not_carried: int = 0  # media files of its reports left out (each named in manifest.csv)


@dataclass(frozen=True, slots=True)
class ZipWritten:
    """What a zip holds, once written."""

    filename: str
    count: int
    carried: int
    not_carried: int


def render(export: ExportData, tr: Tr) -> ExportFile:
    """The file: CSV holds the first table, XLSX every table, GeoJSON the located records;
    an export with media is a zip (`write_zip`)."""
    request = export.request
    if request.with_media:
        out = io.BytesIO()
        written = write_zip(export, tr, out)
        return ExportFile(
            written.filename, out.getvalue(), written.count, written.carried, written.not_carried
        )
    found = tables(export, tr)
    if request.format == ExportFormat.CSV:
        data = _csv(found[0], export, tr)
    elif request.format == ExportFormat.XLSX:
        data = _xlsx(found, export, tr)
    else:
        data = _geojson(found[0], export)
    return ExportFile(file_name(export, request.format), data, export.count)


def write_zip(export: ExportData, tr: Tr, out: IO[bytes]) -> ZipWritten:
    """The export with its reports' photos and voice notes, into `out` (a file or a buffer).

    The media go first, each checked against the checksum taken when it was stored, so the
    spreadsheet written after them links only the files really in the zip.
    """
    records = export.records
    if not isinstance(records, Reports | Needs):
        raise ValueError("only reports and needs carry media")
    sums: list[tuple[str, str]] = []
    files: list[ReportFile] = []
    # Who gets rounded pins gets no photo's GPS tag either.
    clean = export.rounded_to is not None
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in records.files:
            files.append(_carry(archive, item, sums, clean=clean))
        carried = replace(records, files=tuple(files))
        found = tables(replace(export, records=carried), tr)
        if export.request.format == ExportFormat.XLSX:
            members = [(file_name(export, "xlsx"), _xlsx(found, export, tr))]
        else:  # each table a CSV file, named as ODK names a form's repeats
            members = [
                (file_name(export, "csv", "" if i == 0 else f"-{t.code}"), _csv(t, export, tr))
                for i, t in enumerate(found)
            ]
        manifest = _manifest(files, tr, needs=isinstance(records, Needs))
        members.append(("manifest.csv", _csv(manifest, export, tr)))
        for name, data in members:
            archive.writestr(name, data)
            sums.append((hashlib.sha256(data).hexdigest(), name))
        archive.writestr("SHA256SUMS", "".join(f"{h}  {n}\n" for h, n in sums))
    included = sum(1 for f in files if f.state.carried)
    return ZipWritten(file_name(export, "zip"), export.count, included, len(files) - included)


def media_name(item: ReportFile) -> str:
    """Where a report's file goes in the zip: `media/0012-photo-1.jpg`; a need's
    `media/need-0012-photo-1.jpg`."""
    number = f"{item.prefix}{item.report:04d}"
    return f"{MEDIA_FOLDER}/{number}-{item.kind}-{item.ordinal}{item.suffix}"


def _carry(
    archive: zipfile.ZipFile, item: ReportFile, sums: list[tuple[str, str]], *, clean: bool
) -> ReportFile:
    """Put one file in the zip if it is to be carried and is whole; its state after.

    `clean`: a photo's metadata is removed first (the bytes then differ from the store's;
    the sheet and SHA256SUMS give the checksum of what is in the zip).
    """
    if item.state is not MediaState.INCLUDED or item.path is None:
        return item
    if clean and item.kind == "photo":
        return _carry_photo(archive, item, sums)
    digest = _sha256_of(item.path)
    if digest is None:
        return replace(item, state=MediaState.UNREADABLE, path=None)
    if item.sha256 is not None and digest != item.sha256:
        return replace(item, state=MediaState.DAMAGED, path=None)
    name = media_name(item)
    try:
        # Photos and voice notes are compressed already: stored as they are.
        archive.write(item.path, name, compress_type=zipfile.ZIP_STORED)
    except OSError:  # removed since it was read: nothing was written for it
        return replace(item, state=MediaState.UNREADABLE, path=None)
    sums.append((digest, name))
    return replace(item, sha256=digest)


def _carry_photo(
    archive: zipfile.ZipFile, item: ReportFile, sums: list[tuple[str, str]]
) -> ReportFile:
    """A photo checked against the store's checksum, without its metadata if it has any."""
    assert item.path is not None
    try:
        data = item.path.read_bytes()  # a photo: a few megabytes at most
    except OSError:
        return replace(item, state=MediaState.UNREADABLE, path=None)
    if item.sha256 is not None and hashlib.sha256(data).hexdigest() != item.sha256:
        return replace(item, state=MediaState.DAMAGED, path=None)
    cleaned = without_metadata(data)
    if cleaned is None:
        return replace(item, state=MediaState.UNOPENED, path=None)
    name = media_name(item)
    archive.writestr(name, cleaned, compress_type=zipfile.ZIP_STORED)
    digest = hashlib.sha256(cleaned).hexdigest()
    sums.append((digest, name))
    state = MediaState.INCLUDED if cleaned == data else MediaState.CLEANED
    return replace(item, state=state, sha256=digest, size=len(cleaned))


def without_metadata(data: bytes) -> bytes | None:
    """The photo as it is when it carries no metadata (Telegram strips it from photos), else
    re-encoded in its format, upright, without it; None when it cannot be opened."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if not any(key in opened.info for key in PHOTO_METADATA) and not opened.getexif():
                return data
            kind = opened.format or "JPEG"
            image = ImageOps.exif_transpose(opened) or opened
            if kind == "JPEG":
                image = image.convert("RGB")
            options: dict[str, Any] = {"quality": 92} if kind == "JPEG" else {}
            if "icc_profile" in opened.info:
                options["icc_profile"] = opened.info["icc_profile"]
            out = io.BytesIO()
            image.save(out, kind, **options)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None


def _sha256_of(path: Path) -> str | None:
    """The file's SHA-256, read in pieces (a voice note can be 20 MB); None if unreadable."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for piece in iter(lambda: fh.read(1 << 20), b""):
                digest.update(piece)
    except OSError:
        return None
    return digest.hexdigest()


def file_name(export: ExportData, extension: str, suffix: str = "") -> str:
    """`ayilbot-incidents-2026-03-04.xlsx`: the kind and the day it was made."""
    made = export.made_on.isoformat()
    return f"ayilbot-{export.request.kind}-{made}{suffix}.{extension}"


def tables(export: ExportData, tr: Tr) -> list[Table]:
    """The sheets of an export, first the records themselves, then their repeats."""
    records = export.records
    if isinstance(records, Reports):
        return [
            Table("reports", INCIDENT_COLUMNS, [_report_row(r, tr) for r in records.rows]),
            Table("updates", UPDATE_COLUMNS, [_update_row(u, tr) for u in records.updates]),
            Table(
                "attachments",
                INCIDENT_FILE_COLUMNS,
                [_incident_file_row(f, tr) for f in records.files],
            ),
        ]
    if isinstance(records, Practices):
        return [
            Table("practices", PRACTICE_COLUMNS, [_practice_row(p, tr) for p in records.rows]),
            Table(
                "attachments",
                PRACTICE_FILE_COLUMNS,
                [_practice_file_row(f, tr) for f in records.files],
            ),
        ]
    if isinstance(records, People):
        columns = ("id", *USER_COLUMNS) if records.detailed else COORDINATOR_USER_COLUMNS
        return [Table("users", columns, [_person_row(p, tr, columns) for p in records.rows])]
    return _need_tables(records, tr)


def clean_label(text: str) -> str:
    """A translated label without its leading emoji."""
    return _LEADING_SYMBOLS.sub("", text).strip()


def _label(tr: Tr, msgid: str | None) -> str:
    return clean_label(tr.label(msgid)) if msgid else ""


def _option(tr: Tr, options: Iterable[Option], value: str | None) -> str:
    for option in options:
        if option.value == value:
            return clean_label(option.text(tr))
    return value or ""


def _yes_no(tr: Tr, value: bool) -> str:
    return tr.pgettext("export", "yes") if value else tr.pgettext("export", "no")


def _path(where: Where, tr: Tr) -> str:
    return where.path(tr.locale) or ""


def _side(tr: Tr, kind: str | None, typed: str | None) -> str:
    if kind is None:
        return ""
    if kind == OTHER:
        return typed or ""
    return _option(tr, ACTORS, kind)


def _precision(tr: Tr, precision: GeoPrecision | None) -> str:
    return _label(tr, GEO_PRECISION_LABELS[precision]) if precision is not None else ""


def _report_row(row: ReportRow, tr: Tr) -> tuple[Any, ...]:
    incident = row.incident
    admin1, admin2, admin3 = (p.name(tr.locale) if p is not None else "" for p in row.admin)
    values: dict[str, Any] = {
        "id": incident.id,
        "received_at": incident.received_at,
        "event_date": incident.event_date,
        "date_precision": incident.date_precision,
        "resource": _option(tr, RESOURCES, incident.resource),
        "resource_other": incident.resource_other,
        "event_type": _label(tr, EVENT_TYPE_LABELS.get(incident.event_type)),
        "sub_event_type": _option(tr, EVENTS, incident.sub_event_type),
        "actor1": _side(tr, incident.actor1_type, incident.actor1),
        "actor1_type": _option(tr, ACTORS, incident.actor1_type),
        "actor2": _side(tr, incident.actor2_type, incident.actor2),
        "actor2_type": _option(tr, ACTORS, incident.actor2_type),
        "crowd_size": _option(tr, CROWD_SIZES, incident.crowd_size),
        "fatalities": incident.fatalities,
        "injuries": incident.injuries,
        "admin1": admin1,
        "admin2": admin2,
        "admin3": admin3,
        "place_code": incident.place_code,
        "place_other": incident.place_other,
        "location": incident.location,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "geo_precision": _precision(tr, row.geo_precision),
        "border": _option(tr, BORDER, incident.border),
        "notes": incident.notes,
        "response": _option(tr, RESPONSES, incident.response),
        "source": _option(tr, SOURCES, incident.source),
        "source_scale": incident.source_scale,
        "urgent": _yes_no(tr, incident.urgent),
        "status": _option(tr, STATUSES, incident.status),
        "review_status": _option(tr, REVIEW_STATUSES, incident.review_status),
        "duplicate_of": incident.duplicate_of,
        "possible_duplicate_of": incident.possible_duplicate_of,
        "reporter": row.reporter,
        "reporter_role": _option(tr, KINDS, row.reporter_role),
        "anonymous": _yes_no(tr, incident.anonymous),
        "last_update_at": incident.last_update_at,
        "form_version": incident.form_version,
    }
    return tuple(values[c] for c in INCIDENT_COLUMNS)


def _update_row(update: IncidentUpdate, tr: Tr) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "incident_id": update.incident_id,
        "update_id": update.id,
        "at": update.at,
        "kind": _option(tr, UPDATE_KINDS, update.kind),
        "author_role": _label(tr, AUTHOR_ROLES.get(update.author_role)),
        "text": update.text,
        "response": _option(tr, RESPONSES, update.response) if update.response else "",
        "outcome": _option(tr, FOLLOWUP_OUTCOMES, update.outcome) if update.outcome else "",
        "status_after": _option(tr, STATUSES, update.status_after) if update.status_after else "",
        "reply_to": update.reply_to,
    }
    return tuple(values[c] for c in UPDATE_COLUMNS)


def _incident_file_row(item: ReportFile, tr: Tr) -> tuple[Any, ...]:
    carried = item.state.carried
    values: dict[str, Any] = {
        "incident_id": item.report,
        "update_id": item.update_id,
        "attachment_id": item.attachment_id,
        "type": _file_type(item.kind, tr),
        "duration_s": item.duration,
        "media": _label(tr, MEDIA_STATE_LABELS[item.state]),
        "file": Link(media_name(item)) if carried else None,
        "bytes": item.size,
        "sha256": item.sha256,
    }
    return tuple(values[c] for c in INCIDENT_FILE_COLUMNS)


def _manifest(files: Sequence[ReportFile], tr: Tr, *, needs: bool = False) -> Table:
    columns = NEED_MANIFEST_COLUMNS if needs else MANIFEST_COLUMNS
    rows = []
    for f in files:
        values: dict[str, Any] = {
            "file": media_name(f) if f.state.carried else None,
            "incident_id": f.report,
            "need_id": f.report,
            "update_id": f.update_id,
            "type": _file_type(f.kind, tr),
            "media": _label(tr, MEDIA_STATE_LABELS[f.state]),
            "bytes": f.size if f.state.carried else None,
            "sha256": f.sha256 if f.state.carried else None,
        }
        rows.append(tuple(values[c] for c in columns))
    return Table("manifest", columns, rows)


def _practice_file_row(meta: FileMeta, tr: Tr) -> tuple[Any, ...]:
    return (meta.owner_id, meta.position, _file_type(meta.type, tr), meta.duration, meta.mime)


def _file_type(kind: str, tr: Tr) -> str:
    return _label(tr, FILE_TYPES.get(kind)) or kind


def _practice_row(row: PracticeRow, tr: Tr) -> tuple[Any, ...]:
    practice = row.practice
    content = practice.content
    values: dict[str, Any] = {
        "id": practice.id,
        "created_at": practice.created_at,
        "approved_at": practice.approved_at,
        "status": _label(tr, PRACTICE_STATUSES.get(practice.status)),
        "topic": _label(tr, practice_form.TOPIC_LABELS.get(content.topic, content.topic)),
        "topic_other": content.topic_other,
        "title": content.title,
        "situation": content.situation,
        "actions": content.actions,
        "result": content.result,
        "plan_budget": _label(tr, practice_form.PLAN_BUDGET_LABELS.get(content.plan_budget))
        if content.plan_budget
        else "",
        "amount_som": content.amount_som,
        "advice": content.advice,
        "place": _path(row.place, tr),
        "place_code": practice.place_code,
        "author": row.author,
        "author_kind": _option(tr, KINDS, practice.author_kind),
        "groups": "; ".join(row.groups),
        "visible_to_all": _yes_no(tr, content.visible_to_all),
        "helpful": practice.helpful,
        "review_note": practice.review_note,
    }
    return tuple(values[c] for c in PRACTICE_COLUMNS)


def _person_row(person: PersonRow, tr: Tr, columns: Sequence[str]) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "id": person.id,
        "name": person.name,
        "username": person.username,
        "language": _option(tr, LANGUAGE_OPTIONS, person.language),
        "kind": _option(tr, KINDS, person.kind),
        "place": _path(person.place, tr),
        "place_code": person.place_code,
        "place_other": person.place_other,
        "rayon": _path(person.rayon, tr),
        "rayon_code": person.rayon_code,
        "registered_at": person.registered_at,
        "active": _yes_no(tr, person.active),
        "groups": "; ".join(person.groups),
        "roles": "; ".join(f"{r.role}:{r.scope_value or r.scope_kind}" for r in person.roles),
    }
    return tuple(values[c] for c in columns)


def _need_tables(needs: Needs, tr: Tr) -> list[Table]:
    return [
        Table("needs", NEED_COLUMNS, [_need_row(n, tr) for n in needs.rows]),
        Table("stages", STAGE_COLUMNS, [_stage_row(s, tr) for s in needs.stages]),
        Table("attachments", NEED_FILE_COLUMNS, [_need_file_row(f, tr) for f in needs.files]),
    ]


def _need_file_row(item: ReportFile, tr: Tr) -> tuple[Any, ...]:
    values = dict(zip(INCIDENT_FILE_COLUMNS, _incident_file_row(item, tr), strict=True))
    return (item.report, *(values[c] for c in NEED_FILE_COLUMNS[1:]))


def _need_row(row: NeedRow, tr: Tr) -> tuple[Any, ...]:
    need = row.need
    values: dict[str, Any] = {
        "id": need.id,
        "created_at": need.created_at,
        "topic": _label(tr, need_form.TOPICS.get(need.topic)),
        "topic_other": need.topic_other,
        "place": _path(row.place, tr),
        "place_code": need.place_code,
        "village": need.village,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "geo_precision": _precision(tr, row.geo_precision),
        "heard": _label(tr, need_form.HEARD.get(need.heard)),
        "women": need.women,
        "description": need.description,
        "proposal": need.proposal,
        "stage": _label(tr, need_form.STAGES.get(need.stage)),
        "reached": _label(tr, need_form.STAGES.get(need.reached)),
        "stage_on": need.stage_on,
        "amount_som": need.amount_som,
        "joined_to": need.joined_to,
        "shared_with_groups": "; ".join(row.groups),
        "voice_notes": 1 if need.voice else 0,
        "photos": sum(1 for p in need.photos if p.get("type") == "photo"),
    }
    return tuple(values[c] for c in NEED_COLUMNS)


def _stage_row(stage: NeedStage, tr: Tr) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "need_id": stage.need_id,
        "stage_id": stage.id,
        "happened_on": stage.happened_on,
        "from_stage": _label(tr, need_form.STAGES.get(stage.from_stage)),
        "stage": _label(tr, need_form.STAGES.get(stage.stage)),
        "raised_with": _label(tr, need_form.RAISED_WITH.get(stage.raised_with or "")),
        "amount_som": stage.amount_som,
        "reason": stage.reason,
        "evidence_files": len(stage.evidence),
    }
    return tuple(values[c] for c in STAGE_COLUMNS)


def _codes_table(found: Sequence[Table], export: ExportData, tr: Tr) -> Table:
    """Every sheet's columns with their stable codes, and how times and pins are written."""
    zone = getattr(export.zone, "key", str(export.zone))
    local = tr.label(N_("local time, {zone}")).format(zone=zone)
    rounded = (
        tr.label(N_("rounded to {digits} decimal places")).format(digits=export.rounded_to)
        if export.rounded_to is not None
        else ""
    )
    sheets = sheet_labels(tr)
    rows = []
    for table in found:
        labels = column_labels(table.code, tr)
        for code in table.columns:
            note = local if code in TIME_COLUMNS else ""
            if code in ("latitude", "longitude"):
                note = rounded
            rows.append((sheets[table.code], table.code, labels.get(code, code), code, note))
    return Table("columns", CODES_COLUMNS, rows)


# ------------------------------------------------------------------------------ writers


def _local(value: datetime, zone: tzinfo) -> datetime:
    """A stored time in the bot's zone (stored times are UTC; naive ones are taken as UTC)."""
    return value.astimezone(zone) if value.tzinfo is not None else value


def _csv_cell(value: Any, zone: tzinfo, decimal_comma: bool) -> Any:
    """A value as CSV text. Text a person typed loses what XML forbids (rows stored before
    text was cleaned) and, starting like a formula, gets an apostrophe, so spreadsheet
    programs never run it."""
    if value is None:
        return ""
    if isinstance(value, Link):
        return value.target
    if isinstance(value, datetime):
        return _local(value, zone).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(value).replace(".", ",") if decimal_comma else str(value)
    if not isinstance(value, str):
        return value
    text = xml_safe(value)
    return "'" + text if starts_formula(text) else text


def _csv(table: Table, export: ExportData, tr: Tr) -> bytes:
    request = export.request
    separator = request.separator
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator)
    writer.writerow(table.header(request.headers, tr))
    # With `;` between cells, `,` is the decimal mark (Excel's in Russian; R's read.csv2).
    comma = separator == ";"
    for row in table.rows:
        writer.writerow(_csv_cell(v, export.zone, comma) for v in row)
    # UTF-8 with a byte-order mark: Excel then reads Cyrillic correctly.
    return out.getvalue().encode("utf-8-sig")


def _xlsx(found: Sequence[Table], export: ExportData, tr: Tr) -> bytes:
    request = export.request
    book = Workbook()
    book.remove(book.active)
    book.properties.creator = "ayilbot"
    book.properties.title = file_name(export, "xlsx")
    book.properties.language = request.locale
    taken: set[str] = set()
    for table in (*found, _codes_table(found, export, tr)):
        sheet = book.create_sheet(_sheet_name(table.title(request.headers, tr), taken))
        _fill_sheet(sheet, table, export, tr)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(wanted: str, taken: set[str]) -> str:
    """A name Excel accepts, unique in the workbook."""
    name = _SHEET_FORBIDDEN.sub(" ", xml_safe(wanted)).strip()[:SHEET_NAME_MAX] or "sheet"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" {n}"
        name, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _fill_sheet(sheet: Any, table: Table, export: ExportData, tr: Tr) -> None:
    """Header (bold, frozen, with a filter), typed cells, columns as wide as their text."""
    locale = export.request.locale
    formats = (DATE_FORMATS.get(locale, LOCAL_DATE), DATETIME_FORMATS.get(locale, LOCAL_DATETIME))
    header = table.header(export.request.headers, tr)
    # The filter's button takes about two characters of the header cell.
    widths = [len(text) + 3 for text in header]
    for column, text in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=column, value=xml_safe(text))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="top")
    for number, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            shown = _xlsx_cell(sheet.cell(row=number, column=column), value, export.zone, formats)
            widths[column - 1] = max(widths[column - 1], shown)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 1, WIDEST_COLUMN)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(table.rows) + 1}"
    # Printed for an official: A4 across, the header on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_title_rows = "1:1"


def _xlsx_cell(cell: Cell, value: Any, zone: tzinfo, formats: tuple[str, str]) -> int:
    """Fill one cell with a typed value; how many characters it shows.

    Times are date cells in the bot's zone (Excel has no time zones); text typed by a person
    is always text, never a formula, even once someone edits the cell.
    """
    if value is None:
        return 0
    if isinstance(value, datetime):
        cell.value = _local(value, zone).replace(tzinfo=None)
        cell.number_format = formats[1]
        return len(formats[1])
    if isinstance(value, date):
        cell.value = value
        cell.number_format = formats[0]
        return len(formats[0])
    if isinstance(value, Link):
        cell.value = value.target
        cell.hyperlink = value.target  # relative: it opens once the zip is unpacked
        cell.style = "Hyperlink"
        return len(value.target)
    if not isinstance(value, str):
        cell.value = value
        return len(str(value))
    text = xml_safe(value)  # openpyxl refuses rows stored before text was cleaned
    cell.value = text
    if starts_formula(text):
        cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
        cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return max((len(line) for line in text.splitlines()), default=0)


def _json_value(value: Any, zone: tzinfo) -> Any:
    if isinstance(value, datetime):
        return _local(value, zone).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Link):
        return value.target
    return value


def _geojson(table: Table, export: ExportData) -> bytes:
    """Every record with coordinates as a point; `geo_precision` in words, not labels."""
    records = export.records
    assert isinstance(records, Reports | Needs)
    located: Sequence[ReportRow | NeedRow] = records.rows
    lat_at, lon_at = table.columns.index("latitude"), table.columns.index("longitude")
    features = []
    for record, row in zip(located, table.rows, strict=True):
        lat, lon = row[lat_at], row[lon_at]
        if lat is None or lon is None:
            continue
        properties = {
            c: _json_value(v, export.zone)
            for c, v in zip(table.columns, row, strict=True)
            if c not in ("latitude", "longitude")
        }
        precision = record.geo_precision
        properties["geo_precision"] = precision.value if precision is not None else None
        features.append(
            {
                "type": "Feature",
                "id": properties["id"],
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": properties,
            }
        )
    kind = export.request.kind
    collection = {"type": "FeatureCollection", "name": f"ayilbot-{kind}", "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode()
