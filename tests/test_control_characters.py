"""One typed character must not break a file: control characters and U+FFFF in free text.

openpyxl and python-docx refuse text XML forbids ("All strings must be XML compatible"), so
one such character in one report broke every XLSX export of its region; a leading one also
hid a formula from the CSV/XLSX neutralisation. New text is cleaned where it is typed; rows
stored before that are cleaned by the writers.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from docx import Document
from openpyxl import load_workbook

from bot.core.access import Actor
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.outputs import assessments as assessment_documents
from bot.outputs import programme as programme_documents
from bot.outputs.recommendations import render
from bot.records.practices import Viewer
from bot.rules.assessments import AssessmentRules
from bot.rules.exports import ExportRequest
from bot.rules.needs import NeedItem, ProgrammeReady
from bot.rules.recommendations import RecommendationRules
from bot.wiring import AyilApp
from storage.assessments import AssessmentRepository
from storage.incidents import IncidentRepository
from storage.needs import NeedRepository
from tests.conftest import PersonFactory
from tests.coordinator_steps import (
    T0,
    add_incident,
    add_need,
    add_person,
    add_practice,
    add_update,
    export_file,
)
from tests.harness import services_of
from tests.incident_steps import Report, button, coordinator, label, reporter, submit
from tests.test_safety import download

# A formula behind a control character, and the non-character U+FFFF.
DIRTY = '\x01=HYPERLINK("http://evil.example","open")\x0b\uffff'
CLEAN = '=HYPERLINK("http://evil.example","open")'
FORBIDDEN = ("\x01", "\x0b", "\uffff")
FORMULA = ("=", "+", "-", "@")
ADMIN = Actor(user_id=0, locale="ru", user=None, is_admin=True)


def check_csv(data: bytes) -> str:
    """Parse the file; no cell may start a formula or hold a forbidden character."""
    text = data.decode("utf-8-sig")
    # `;` in Russian and Kyrgyz, as their Excel splits a CSV; `,` in English.
    header = text.partition("\n")[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    cells = [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]
    for cell in cells:
        assert not cell.startswith(FORMULA), cell
        assert not any(c in cell for c in FORBIDDEN), cell
    return "\n".join(cells)


def check_xlsx(data: bytes) -> str:
    """Open the workbook; no cell is a formula, text that looks like one is marked as text."""
    book = load_workbook(io.BytesIO(data))
    seen = []
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str):
                    assert not any(c in cell.value for c in FORBIDDEN), cell.value
                    if cell.value.startswith(FORMULA):
                        assert cell.data_type == "s" and cell.quotePrefix, cell.value
                    seen.append(cell.value)
    return "\n".join(seen)


def check_docx(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    text = "\n".join(
        [p.text for p in document.paragraphs]
        + [c.text for t in document.tables for row in t.rows for c in row.cells]
    )
    assert not any(c in text for c in FORBIDDEN)
    return text


async def test_rows_stored_before_the_cleaning_still_export_and_open(bot: AyilApp) -> None:
    services = services_of(bot)
    db = services.db
    await add_person(db, 850, "Ай\x0bгүл\uffff")
    number = await add_incident(
        db,
        reporter_id=850,
        notes=DIRTY,
        resource="other",
        resource_other=DIRTY,
        location=DIRTY,
        latitude=39.9,
        longitude=70.8,
    )
    await add_update(db, number, author_id=850, text=DIRTY)
    await add_practice(db, author_id=850, title=DIRTY, situation=DIRTY)
    await add_need(db, author_id=850, description=DIRTY)
    async with db.transaction() as conn:
        await AssessmentRepository(conn).create(
            draft_id="old",
            form_version=1,
            place_code="BA-BAT-AKS",
            assessed_on=date(2026, 3, 1),
            author_id=850,
            population=None,
            villages=None,
            resources={},
            border_km=None,
            border_status=None,
            mechanisms=(),
            conflicts=1,
            worst_conflict=DIRTY,
            risks=DIRTY,
            contacts=None,
            now=T0,
        )
    for kind in ("incidents", "practices", "users", "needs"):
        for fmt in ("csv", "xlsx"):
            made = await export_file(services, ADMIN, ExportRequest(kind, fmt, locale="ru"))
            text = check_csv(made.data) if fmt == "csv" else check_xlsx(made.data)
            assert CLEAN in text or kind == "users", (kind, fmt)
    geo = await export_file(services, ADMIN, ExportRequest("incidents", "geojson"))
    (feature,) = json.loads(geo.data)["features"]
    assert feature["properties"]["notes"] == DIRTY  # JSON holds any character, as stored
    # The Word documents: recommendations, a candidate's programme, assessments compared.
    compiled = await services.get(RecommendationRules).compile(viewer=Viewer(0, sees_all=True))
    assert CLEAN in check_docx(render(compiled, "docx", translator("ru")))
    async with db.reading() as conn:
        needs = await NeedRepository(conn).by_author(850)
    ready = ProgrammeReady(
        achieved=(),
        proposed=tuple(NeedItem(need, None) for need in needs),
        author="Айгүл",
        place=None,
        intro=DIRTY,
    )
    programme = programme_documents.programme_text(ready, translator("ru"))
    assert CLEAN in check_docx(programme_documents.word(programme))
    compared = await services.get(AssessmentRules).compare(ADMIN)
    assert CLEAN in check_docx(assessment_documents.word(compared, translator("ru")))


async def test_text_typed_through_the_bot_is_stored_clean_and_exports_open(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    boss = await coordinator(bot, person, 860, "ru", "BA")
    leader = await reporter(person, 861, "ru")
    # "Something else" as the resource: a short label, typed; the description, a long text.
    await leader.say("/report")
    await leader.press(label("ru", "✏️ Something else"))
    await leader.say(DIRTY)
    summary = await fill_rest(leader)
    assert "HYPERLINK" in summary.text
    await submit(leader, "ru")
    async with services_of(bot).db.reading() as conn:
        (stored,) = await IncidentRepository(conn).list_by_reporter(reporter_id=861)
    assert (stored.resource_other, stored.notes) == (CLEAN, CLEAN)
    await server.wait_idle()
    server.drain(boss.user)
    tr = translator("ru")
    for fmt, check in (("XLSX (Excel)", check_xlsx), ("CSV", check_csv)):
        await boss.say("/export")
        await boss.press(tr.label("📝 Incident reports"))
        await boss.press(tr.label(fmt))
        await boss.press(tr.label("All time"))
        await boss.press("🗺 " + tr.label("Whole area"))
        _, data = await download(server, boss)
        assert CLEAN in check(data), fmt


async def fill_rest(someone: Any) -> Any:
    """The report after its resource, with a dirty description; returns the summary."""
    await someone.press(label("ru", "Verbal dispute"))
    await someone.press(label("ru", "Today"))
    await someone.press("Ак-Сай")
    await someone.press(button("ru", "Skip"))
    await someone.press(button("ru", "Skip"))
    await someone.press(label("ru", "Yes"))
    await someone.press(label("ru", "Farmers"))
    await someone.press(button("ru", "Skip"))
    await someone.press(label("ru", "Under 10"))
    await someone.press("0")
    await someone.press("0")
    await someone.say(DIRTY)
    await someone.press(button("ru", "Done"))
    await someone.press(button("ru", "Skip"))
    await someone.press(label("ru", "None yet"))
    await someone.press(label("ru", "Still going on"))
    await someone.press(label("ru", "I saw it myself"))
    return await someone.press(label("ru", Report().visibility))
