"""Exports (CSV, XLSX, GeoJSON), their filters and scope, /stats, and the command line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.__main__ import main
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access, Actor, NotAllowed
from bot.core.actors import Person as PersonRef
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.outputs.exports import COORDINATOR_USER_COLUMNS, INCIDENT_FILE_COLUMNS, render
from bot.rules.exports import (
    ExportError,
    ExportFormat,
    ExportKind,
    ExportPeriod,
    ExportRequest,
    ExportRules,
)
from bot.rules.media import MediaRules
from bot.rules.needs import NeedRules
from bot.rules.stats import StatsRules
from bot.wiring import AyilApp
from handlers.exports import screens as export_screens
from handlers.stats import screens as stats_screens
from storage.audit import AuditRepository
from storage.db import Database
from storage.needs import ElectionResultRepository
from tests.conftest import PersonFactory
from tests.coordinator_steps import (
    AKSAY,
    T0,
    add_group,
    add_incident,
    add_need,
    add_person,
    add_practice,
    add_update,
    days_ago,
    grant,
)
from tests.harness import onboard, services_of

PIN = (39.912345, 70.812345)
NAMED, ANON, COORD_BA, COORD_CH, CANDIDATE, COORD_GROUP = 801, 802, 803, 804, 805, 806
ANON_NAME, ANON_USERNAME = "Гүлнара", "gulnara_ao"


class Quiet:
    """A notifier that sends nothing: these tests read files, not messages."""

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        return Delivery.FAILED


@dataclass
class World:
    db: Database
    settings: Settings
    kernel: Kernel
    exports: ExportRules
    stats: StatsRules
    numbers: dict[str, int]
    anon_pseudonym: str

    async def actor(self, user_id: int) -> Actor:
        return await self.kernel.actors.resolve(PersonRef(id=user_id, first_name=""))

    async def export(self, user_id: int | None, **request: Any) -> bytes:
        who = (
            await self.actor(user_id)
            if user_id is not None
            else Actor(user_id=0, locale="en", user=None, is_admin=True)
        )
        # Codes as headers: these tests read columns by their stable keys.
        values: dict[str, Any] = {
            "kind": "incidents",
            "format": "csv",
            "locale": "en",
            "headers": "codes",
        }
        wanted = ExportRequest(**(values | request))
        return render(await self.exports.export(who, wanted), translator(wanted.locale)).data


def rows_of(data: bytes) -> list[dict[str, str]]:
    """A CSV's rows by header; `;` or `,` as the file's language chose."""
    text = data.decode("utf-8-sig")
    header = text.partition("\n")[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = Settings(_env_file=None, AYILBOT_DB=tmp_path / "x.db")  # type: ignore[call-arg]
    db = await Database.open(settings.db_path)
    clock = FrozenClock(T0 + timedelta(days=2))  # Wednesday of T0's week
    gazetteer = Gazetteer.default()
    kernel = Kernel(settings, db, clock, gazetteer, Access(gazetteer), Quiet())
    kernel.add(NeedRules(kernel))
    kernel.add(MediaRules(kernel))
    exports = kernel.add(ExportRules(kernel))
    stats = kernel.add(StatsRules(kernel))
    await add_person(db, NAMED, "Айгүл", username="aigul_ao")
    anon = await add_person(db, ANON, ANON_NAME, username=ANON_USERNAME)
    await add_person(db, COORD_BA, "Batken", kind="community", place="BA")
    await add_person(db, COORD_CH, "Chui", kind="community", place="CH")
    await add_person(db, CANDIDATE, "Жылдыз", kind="candidate")
    await add_person(db, COORD_GROUP, "Groups", kind="community", place=None)
    await add_person(db, 807, "Chui leader", place="CH", now=T0 + timedelta(days=1))
    await grant(db, COORD_BA, "place", "BA")
    await grant(db, COORD_CH, "place", "CH")
    numbers = {
        "named": await add_incident(
            db,
            reporter_id=NAMED,
            pseudonym="P-NAMED",
            photos=2,
            voice=True,
            latitude=PIN[0],
            longitude=PIN[1],
            geo_precision=1,
        ),
        "anon": await add_incident(
            db,
            reporter_id=ANON,
            pseudonym=anon,
            anonymous=True,
            latitude=PIN[0] + 0.1,
            longitude=PIN[1],
            geo_precision=1,
            notes='=HYPERLINK("http://x")',
            reporter_role="leader",
        ),
        "old": await add_incident(
            db,
            reporter_id=NAMED,
            pseudonym="P-NAMED",
            received_at=days_ago(40),
            status="resolved",
            resource="pasture",
        ),
        "chui": await add_incident(
            db,
            reporter_id=807,
            pseudonym="P-CHUI",
            place="CH",
            latitude=42.87,
            longitude=74.59,
            geo_precision=1,
        ),
    }
    await add_update(db, numbers["named"], author_id=NAMED, text="The canal is open again.")
    await add_update(
        db,
        numbers["anon"],
        author_id=COORD_BA,
        kind="question",
        role="coordinator",
        text="How many people?",
    )
    group, _ = await add_group(db, creator=COORD_BA, members=(CANDIDATE,))
    await grant(db, COORD_GROUP, "group", str(group))
    numbers["group"] = group
    numbers["practice"] = await add_practice(db, author_id=CANDIDATE, photos=1)
    numbers["shown"] = await add_practice(
        db,
        author_id=CANDIDATE,
        approved=False,
        show_author=True,
        title="Budget hearing",
        place=None,
        groups=(group,),
    )
    numbers["need"] = await add_need(db, author_id=CANDIDATE, photos=2, voice=True)
    async with db.transaction() as conn:
        for user_id, outcome in ((CANDIDATE, "elected"), (NAMED, "not_elected")):
            await ElectionResultRepository(conn).create(
                draft_id=f"e{user_id}",
                user_id=user_id,
                outcome=outcome,
                election_on=T0.date(),
                place_code=AKSAY,
                now=T0,
            )
    try:
        yield World(db, settings, kernel, exports, stats, numbers, anon)
    finally:
        await db.close()


async def test_xlsx_holds_reports_updates_and_attachments_of_the_scope(world: World) -> None:
    data = await world.export(COORD_BA, format="xlsx", locale="ru")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["reports", "updates", "attachments", "columns"]
    reports = list(book["reports"].iter_rows(values_only=True))
    header, body = reports[0], reports[1:]
    assert header[:3] == ("id", "received_at", "event_date")
    ids = {row[0] for row in body}
    assert ids == {world.numbers["named"], world.numbers["anon"], world.numbers["old"]}
    row = dict(zip(header, next(r for r in body if r[0] == world.numbers["named"]), strict=True))
    assert row["received_at"] == datetime(2026, 3, 2, 12, 0)  # 06:00 UTC, in Bishkek
    assert row["resource"] == "Вода, орошение" and row["admin3"] == "Ак-Сай"
    assert row["event_type"] == "Стратегические события" and row["urgent"] == "нет"
    assert row["reporter"] == "Айгүл"
    updates = list(book["updates"].iter_rows(values_only=True))[1:]
    assert len(updates) == 2 and {u[0] for u in updates} == {
        world.numbers["named"],
        world.numbers["anon"],
    }
    files = list(book["attachments"].iter_rows(values_only=True))
    assert files[0] == INCIDENT_FILE_COLUMNS
    assert sorted(f[3] for f in files[1:]) == ["голосовое сообщение", "фото", "фото"]
    assert "PHOTO-" not in data.decode("latin-1")  # metadata only, never a file id
    # Text a person typed stays text: it never runs as a formula.
    anon_row = next(r for r in body if r[0] == world.numbers["anon"])
    cell = book["reports"].cell(row=body.index(anon_row) + 2, column=header.index("notes") + 1)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


async def test_an_anonymous_reporter_is_only_a_pseudonym_in_every_format(world: World) -> None:
    for user_id in (COORD_BA, None):  # a coordinator, and the command line as administrator
        for fmt in ("csv", "xlsx", "geojson"):
            data = await world.export(user_id, format=fmt)
            if fmt == "xlsx":
                sheets = load_workbook(io.BytesIO(data))
                text = repr([list(s.iter_rows(values_only=True)) for s in sheets])
            else:
                text = data.decode("utf-8-sig")
            assert world.anon_pseudonym in text, (user_id, fmt)
            for secret in (ANON_NAME, ANON_USERNAME, str(ANON)):
                assert secret not in text, (user_id, fmt, secret)
    rows = rows_of(await world.export(COORD_BA))
    anon = next(r for r in rows if r["id"] == str(world.numbers["anon"]))
    assert anon["reporter"] == world.anon_pseudonym and anon["anonymous"] == "yes"
    assert anon["reporter_role"] == ""  # one leader per village would name her
    assert anon["notes"].startswith("'=")  # CSV: a formula is neutralised
    # The people export lists names but no pseudonym, so nothing links the two files.
    people = (await world.export(COORD_BA, kind="users")).decode("utf-8-sig")
    assert ANON_NAME in people and world.anon_pseudonym not in people and "P-" not in people


async def test_geojson_points_are_rounded_except_for_administrators(world: World) -> None:
    shared = json.loads(await world.export(COORD_BA, format="geojson"))
    assert shared["type"] == "FeatureCollection"
    # Reports with a pin or a place are features; the Chui report is out of the Batken scope.
    by_id = {f["id"]: f for f in shared["features"]}
    assert set(by_id) == {world.numbers["named"], world.numbers["anon"], world.numbers["old"]}
    named = by_id[world.numbers["named"]]
    assert named["geometry"] == {"type": "Point", "coordinates": [70.81, 39.91]}
    assert "latitude" not in named["properties"] and named["properties"]["reporter"] == "Айгүл"
    exact = json.loads(await world.export(None, format="geojson"))
    assert len(exact["features"]) == 4
    admin_named = next(f for f in exact["features"] if f["id"] == world.numbers["named"])
    assert admin_named["geometry"]["coordinates"] == [PIN[1], PIN[0]]
    rows = rows_of(await world.export(COORD_BA))
    # The report without a pin is placed at Ak-Say's centre, rounded as well.
    assert {r["latitude"] for r in rows} == {"39.91", "40.01", "39.87"}


async def test_filters_narrow_by_date_region_status_and_language(world: World) -> None:
    recent = rows_of(await world.export(COORD_BA, since=T0.date()))
    assert {int(r["id"]) for r in recent} == {world.numbers["named"], world.numbers["anon"]}
    older = rows_of(await world.export(COORD_BA, until=T0.date() - timedelta(days=1)))
    assert [int(r["id"]) for r in older] == [world.numbers["old"]]
    resolved = rows_of(await world.export(COORD_BA, status="resolved"))
    assert [int(r["id"]) for r in resolved] == [world.numbers["old"]]
    pending = rows_of(await world.export(None, status="pending", region="CH"))
    assert [int(r["id"]) for r in pending] == [world.numbers["chui"]]
    aksay = rows_of(await world.export(COORD_BA, region=AKSAY))
    assert len(aksay) == 3
    ky = rows_of(await world.export(COORD_BA, locale="ky", status="resolved"))
    assert ky[0]["resource"] == translator("ky").label("🐑 Pasture").removeprefix("🐑 ")
    assert ky[0]["status"] == translator("ky").label("Resolved")
    # A region outside the scope is refused, not emptied; nonsense is a usage error.
    with pytest.raises(NotAllowed):
        await world.export(COORD_CH, region="BA-BAT")
    for bad in (
        {"region": "XX-NOWHERE"},
        {"status": "lost"},
        {"format": "pdf"},
        {"kind": "practices", "format": "geojson"},
        {"since": date(2026, 3, 5), "until": date(2026, 3, 1)},
    ):
        with pytest.raises(ExportError):
            await world.export(COORD_BA, **bad)


async def test_each_coordinator_gets_their_own_scope(world: World) -> None:
    chui = rows_of(await world.export(COORD_CH))
    assert [int(r["id"]) for r in chui] == [world.numbers["chui"]]
    # A coordinator of one peer group: its practices and members, no reports.
    assert rows_of(await world.export(COORD_GROUP)) == []
    practices = rows_of(await world.export(COORD_GROUP, kind="practices"))
    assert [int(r["id"]) for r in practices] == [world.numbers["shown"]]
    members = rows_of(await world.export(COORD_GROUP, kind="users"))
    assert [r["name"] for r in members] == ["Жылдыз"]
    with pytest.raises(NotAllowed):
        await world.export(CANDIDATE)


async def test_practices_name_an_author_only_by_choice(world: World) -> None:
    data = await world.export(COORD_BA, kind="practices", format="xlsx")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["practices", "attachments", "columns"]
    header, *body = list(book["practices"].iter_rows(values_only=True))
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    assert rows[world.numbers["practice"]]["author"] is None  # chose not to be named
    assert rows[world.numbers["shown"]]["author"] == "Жылдыз"
    assert rows[world.numbers["practice"]]["status"] == "published"
    assert rows[world.numbers["shown"]]["groups"].startswith("Candidates")
    assert len(list(book["attachments"].iter_rows())) == 2
    assert "P-" not in repr(body)
    approved = rows_of(await world.export(COORD_BA, kind="practices", status="approved"))
    assert [int(r["id"]) for r in approved] == [world.numbers["practice"]]


async def test_people_and_needs_exports(world: World) -> None:
    people = rows_of(await world.export(COORD_BA, kind="users", locale="ru"))
    assert "id" not in people[0] and "Chui leader" not in {p["name"] for p in people}
    assert {p["name"] for p in people} >= {"Айгүл", ANON_NAME, "Жылдыз"}
    admin = rows_of(await world.export(None, kind="users", status="active"))
    assert {p["id"] for p in admin} >= {str(NAMED), "807"}
    assert rows_of(await world.export(None, kind="users", status="inactive")) == []
    book = load_workbook(io.BytesIO(await world.export(COORD_BA, kind="needs", format="xlsx")))
    assert book.sheetnames == ["needs", "stages", "attachments", "columns"]
    header, need = list(book["needs"].iter_rows(values_only=True))
    row = dict(zip(header, need, strict=True))
    assert (row["photos"], row["voice_notes"], row["women"]) == (2, 1, 12)
    assert row["stage"] == "recorded" and "author" not in row
    assert rows_of(await world.export(COORD_CH, kind="needs")) == []


async def test_a_coordinators_people_list_shows_the_rayon_not_the_aiyl_aimak(
    world: World,
) -> None:
    data = await world.export(COORD_BA, kind="users", locale="ru")
    people = rows_of(data)
    assert tuple(people[0]) == COORDINATOR_USER_COLUMNS
    aigul = next(p for p in people if p["name"] == "Айгүл")
    assert (aigul["rayon"], aigul["rayon_code"]) == (
        "Баткенский район, Баткенская область",
        "BA-BAT",
    )
    # Where one leader is registered in Ak-Say, a list saying so would name the sender of
    # every anonymous report from Ak-Say.
    text = data.decode("utf-8-sig")
    assert "Ак-Сай" not in text and AKSAY not in text and "aigul_ao" not in text
    admin = next(p for p in rows_of(await world.export(None, kind="users")) if p["id"] == "801")
    assert (admin["place_code"], admin["username"]) == (AKSAY, "aigul_ao")
    # Nor one aiyl aimak's list: refused to coordinators, and not offered as a button.
    with pytest.raises(ExportError):
        await world.export(COORD_BA, kind="users", region=AKSAY)
    assert len(rows_of(await world.export(None, kind="users", region=AKSAY))) == 3
    await add_person(world.db, 820, "Rayon coordinator", kind="community", place="BA-BAT")
    await grant(world.db, 820, "place", "BA-BAT")  # offered the rayon and its aiyl aimaks
    actor = await world.actor(820)
    csv_, all_time = ExportFormat.CSV, ExportPeriod.ALL
    tr = translator(actor.locale)
    choice = world.exports.regions(actor, ExportKind.USERS, csv_, all_time)
    offered = {b.data for row in export_screens.regions(choice, tr).buttons for b in row}
    assert "exp:r:u:c:a:BA-BAT" in offered and f"exp:r:u:c:a:{AKSAY}" not in offered
    choice = world.exports.regions(actor, ExportKind.INCIDENTS, csv_, all_time)
    report_regions = export_screens.regions(choice, tr)
    assert f"exp:r:i:c:a:{AKSAY}" in {b.data for row in report_regions.buttons for b in row}


async def test_every_export_is_audited_without_personal_data(world: World) -> None:
    await world.export(COORD_BA, format="xlsx", region="BA-BAT", since=T0.date())
    async with world.db.reading() as conn:
        (entry,) = await AuditRepository(conn).for_entity(entity="export", entity_id="incidents")
    assert (entry.actor_id, entry.action, entry.to_value) == (COORD_BA, "xlsx", "2")
    assert entry.reason == "since=2026-03-02;region=BA-BAT;lang=en"


async def test_stats_count_this_week_and_all_time_in_scope(world: World) -> None:
    found = await world.stats.stats(await world.actor(COORD_BA))
    assert (found.week.reports.received, found.total.reports.received) == (2, 3)
    assert found.total.reports.resolved == 1 and found.total.reports.pending_review == 3
    assert (found.week.practices.approved, found.total.practices.waiting) == (1, 1)
    assert (found.week.needs, found.total.women) == (1, 12)
    assert found.elections is not None
    assert (found.elections.elected, found.elections.ran) == (1, 2)
    chui = await world.stats.stats(await world.actor(COORD_CH))
    assert (chui.total.reports.received, chui.total.people, chui.total.needs) == (1, 2, 0)
    boss = await world.actor(COORD_BA)
    screen = stats_screens.stats(await world.stats.stats(boss), translator(boss.locale))
    assert "Баткенская область" in screen.text and "Избрано 1 из 2 кандидаток" in screen.text
    assert "Сообщения об инцидентах: 2 · 3" in screen.text
    with pytest.raises(NotAllowed):
        await world.stats.stats(await world.actor(CANDIDATE))


def test_command_line_exports_as_administrator(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AYILBOT_DB", str(world.settings.db_path))
    out = tmp_path / "reports.xlsx"
    args = ["export", "incidents", "--format", "xlsx", "--region", "ba-bat", "--status", "open"]
    assert main([*args, "--lang", "ru", "--since", "2026-03-01", "-o", str(out)]) == 0
    book = load_workbook(out)
    reports = book.worksheets[0]
    assert reports.title == "Сообщения"  # the sheets are named in --lang
    assert len(list(reports.iter_rows())) == 3  # header, the named and the anonymous
    assert main(["export", "incidents", "--format", "geojson", "-o", "-"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert len(printed["features"]) == 4  # three pins, and one report at its place's centre
    assert main(["export", "users", "--until", "2026-03-02"]) == 0
    written = next(tmp_path.glob("ayilbot-users-*.csv"))
    assert len(rows_of(written.read_bytes())) == 6  # the Chui leader registered a day later
    assert main(["export", "practices", "--format", "csv", "-o", "-"]) == 0
    assert "Water schedule" in capsys.readouterr().out
    assert main(["export", "practices", "--format", "md", "-o", "-"]) == 0  # recommendations
    assert main(["export", "incidents", "--region", "NOWHERE"]) == 2
    assert main(["export", "users", "--format", "geojson"]) == 2
    assert main(["admin", "groups"]) == 0
    assert "Candidates" in capsys.readouterr().out


async def test_export_and_stats_in_the_bot(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    services = services_of(bot)
    boss = person(810, "ru", first_name="Гульнара")
    await onboard(boss, language="Русский")
    await grant(services.db, 810, "place", "BA-BAT")
    await add_incident(
        services.db,
        reporter_id=None,
        pseudonym="P-X",
        received_at=services.clock.now(),
        latitude=PIN[0],
        longitude=PIN[1],
        geo_precision=1,
    )
    await add_incident(services.db, reporter_id=None, pseudonym="P-Y", place="CH")
    kinds = await boss.say("/export")
    assert "Экспорт" in kinds.text and len(kinds.flat_buttons) == 5
    assert kinds.flat_buttons[-1][1] == "dos:h"  # the incident dossier, below the kinds
    formats = await boss.press(translator("ru").label("📝 Incident reports"))
    periods = await boss.press("GeoJSON", message=formats)
    regions = await boss.press(translator("ru").label("This week"), message=periods)
    assert "Ак-Сай" in boss.labels(regions)  # the rayon's aiyl aimaks are offered
    sent = await boss.press("Баткенский район", message=regions)
    assert "1 запись" in sent.text and "0,01" not in sent.text
    document = await boss.reply()
    assert document.raw["document"]["file_name"].endswith(".geojson")
    collection = json.loads(server.file_bytes(document.raw["document"]["file_id"]))
    assert [f["geometry"]["coordinates"] for f in collection["features"]] == [[70.81, 39.91]]
    stats = await boss.say("/stats")
    assert "Баткенский район" in stats.text and "1 · 1" in stats.text
