"""Exports as files: CSV, XLSX and GeoJSON of the records bot/rules/exports.py collects.

Labels in the request's language; times ISO 8601; column names are stable keys (the forms'
step keys, named after conflict-event coding), so files from different months and languages
line up. Text a person typed never runs as a formula and never breaks the file: CSV cells
starting like a formula get an apostrophe, XLSX cells are stored as text, and characters XML
forbids (rows stored before text was cleaned) are dropped.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

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
    NeedRow,
    Needs,
    People,
    PersonRow,
    PracticeRow,
    Practices,
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
# A label's leading emoji or symbol is for buttons, not for a spreadsheet cell.
_LEADING_SYMBOLS = re.compile(r"^[^\w(«\"]+")

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
INCIDENT_FILE_COLUMNS = ("incident_id", "update_id", "attachment_id", "type", "duration_s")
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


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet: stable column keys and rows of plain values."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A written export and the number of records in it."""

    filename: str
    data: bytes
    count: int


def render(export: ExportData, tr: Tr) -> ExportFile:
    """The file: CSV holds the first table, XLSX every table, GeoJSON the located reports."""
    request = export.request
    found = tables(export, tr)
    if request.format == ExportFormat.CSV:
        data = _csv(found[0])
    elif request.format == ExportFormat.XLSX:
        data = _xlsx(found)
    else:
        data = _geojson(found[0], request.kind)
    filename = f"ayilbot-{request.kind}-{export.made_on.isoformat()}.{request.format}"
    return ExportFile(filename, data, export.count)


def tables(export: ExportData, tr: Tr) -> list[Table]:
    """The sheets of an export, first the records themselves."""
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


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


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


def _report_row(row: ReportRow, tr: Tr) -> tuple[Any, ...]:
    incident = row.incident
    admin1, admin2, admin3 = (p.name(tr.locale) if p is not None else "" for p in row.admin)
    values: dict[str, Any] = {
        "id": incident.id,
        "received_at": _iso(incident.received_at),
        "event_date": _iso(incident.event_date),
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
        "geo_precision": incident.geo_precision,
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
        "last_update_at": _iso(incident.last_update_at),
        "form_version": incident.form_version,
    }
    return tuple(values[c] for c in INCIDENT_COLUMNS)


def _update_row(update: IncidentUpdate, tr: Tr) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "incident_id": update.incident_id,
        "update_id": update.id,
        "at": _iso(update.at),
        "kind": _option(tr, UPDATE_KINDS, update.kind),
        "author_role": _label(tr, AUTHOR_ROLES.get(update.author_role)),
        "text": update.text,
        "response": _option(tr, RESPONSES, update.response) if update.response else "",
        "outcome": _option(tr, FOLLOWUP_OUTCOMES, update.outcome) if update.outcome else "",
        "status_after": _option(tr, STATUSES, update.status_after) if update.status_after else "",
        "reply_to": update.reply_to,
    }
    return tuple(values[c] for c in UPDATE_COLUMNS)


def _incident_file_row(meta: FileMeta, tr: Tr) -> tuple[Any, ...]:
    return (meta.owner_id, meta.update_id, meta.position, _file_type(meta.type, tr), meta.duration)


def _practice_file_row(meta: FileMeta, tr: Tr) -> tuple[Any, ...]:
    return (meta.owner_id, meta.position, _file_type(meta.type, tr), meta.duration, meta.mime)


def _file_type(kind: str, tr: Tr) -> str:
    return _label(tr, FILE_TYPES.get(kind)) or kind


def _practice_row(row: PracticeRow, tr: Tr) -> tuple[Any, ...]:
    practice = row.practice
    content = practice.content
    values: dict[str, Any] = {
        "id": practice.id,
        "created_at": _iso(practice.created_at),
        "approved_at": _iso(practice.approved_at),
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
        "registered_at": _iso(person.registered_at),
        "active": _yes_no(tr, person.active),
        "groups": "; ".join(person.groups),
        "roles": "; ".join(f"{r.role}:{r.scope_value or r.scope_kind}" for r in person.roles),
    }
    return tuple(values[c] for c in columns)


def _need_tables(needs: Needs, tr: Tr) -> list[Table]:
    return [
        Table("needs", NEED_COLUMNS, [_need_row(n, tr) for n in needs.rows]),
        Table("stages", STAGE_COLUMNS, [_stage_row(s, tr) for s in needs.stages]),
    ]


def _need_row(row: NeedRow, tr: Tr) -> tuple[Any, ...]:
    need = row.need
    values: dict[str, Any] = {
        "id": need.id,
        "created_at": _iso(need.created_at),
        "topic": _label(tr, need_form.TOPICS.get(need.topic)),
        "topic_other": need.topic_other,
        "place": _path(row.place, tr),
        "place_code": need.place_code,
        "village": need.village,
        "heard": _label(tr, need_form.HEARD.get(need.heard)),
        "women": need.women,
        "description": need.description,
        "proposal": need.proposal,
        "stage": _label(tr, need_form.STAGES.get(need.stage)),
        "reached": _label(tr, need_form.STAGES.get(need.reached)),
        "stage_on": _iso(need.stage_on),
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
        "happened_on": _iso(stage.happened_on),
        "from_stage": _label(tr, need_form.STAGES.get(stage.from_stage)),
        "stage": _label(tr, need_form.STAGES.get(stage.stage)),
        "raised_with": _label(tr, need_form.RAISED_WITH.get(stage.raised_with or "")),
        "amount_som": stage.amount_som,
        "reason": stage.reason,
        "evidence_files": len(stage.evidence),
    }
    return tuple(values[c] for c in STAGE_COLUMNS)


# ------------------------------------------------------------------------------ writers


def _csv_cell(value: Any) -> Any:
    """Text as a CSV cell: rows stored before text was cleaned lose what XML forbids, and a
    leading apostrophe keeps spreadsheet programs from running the text as a formula."""
    if not isinstance(value, str):
        return value
    text = xml_safe(value)
    return "'" + text if starts_formula(text) else text


def _csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(_csv_cell(v) for v in row)
    # UTF-8 with a byte-order mark: Excel then reads Cyrillic correctly.
    return out.getvalue().encode("utf-8-sig")


def _xlsx(tables: Sequence[Table]) -> bytes:
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(table.name)
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    """A cell; text typed by a person is always text, never a formula, even once edited."""
    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=value)
    text = xml_safe(value)  # openpyxl refuses rows stored before text was cleaned
    cell = WriteOnlyCell(sheet, value=text)
    if starts_formula(text):
        cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
        cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def _geojson(table: Table, kind: str) -> bytes:
    lat_at, lon_at = table.columns.index("latitude"), table.columns.index("longitude")
    features = []
    for row in table.rows:
        lat, lon = row[lat_at], row[lon_at]
        if lat is None or lon is None:
            continue
        properties = {
            c: v
            for c, v in zip(table.columns, row, strict=True)
            if c not in ("latitude", "longitude")
        }
        features.append(
            {
                "type": "Feature",
                "id": properties["id"],
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": properties,
            }
        )
    collection = {"type": "FeatureCollection", "name": f"ayilbot-{kind}", "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode()
