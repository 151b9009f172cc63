"""Incident dossiers: who gets one, what it holds (never who reported), the photos embedded
from the media store, and the way to it in the chat (issue #19)."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from PIL import Image

from bot.config import Settings
from bot.core.access import Actor
from bot.core.errors import NotAllowed, StaleButton
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.outputs import dossier as output
from bot.records.incidents import Incident
from bot.records.media import NewMedia
from bot.rules import dossier as dossier_rules
from bot.rules.dossier import DossierFilter, DossierRules
from bot.rules.incidents import ReportCard
from bot.rules.media import MediaRules
from bot.rules.review import ReviewCard
from bot.wiring import AyilApp
from handlers.dossier.buttons import (
    CODEC,
    ChooseArea,
    ChoosePeriod,
    ChooseResource,
    ChooseStatus,
    MakeDossier,
    ReportDossier,
)
from handlers.plumbing.codec import LARGEST_ID, Press
from handlers.review import screens as review_screens
from storage.audit import AuditRepository
from storage.incidents import IncidentRepository
from storage.media import MediaRepository
from tests.conftest import PersonFactory
from tests.coordinator_steps import T0, add_incident, add_person, add_update, grant
from tests.harness import make_settings, services_of
from tests.incident_steps import SEED, coordinator, reporter
from tests.rules.incident_world import ADMIN, World, incident_world
from tests.test_media import report_with_files, stored

ORGANISATION = "Ассоциация «Аял»"
A4_TWIPS = (11906, 16838)
MARGIN_TWIPS = {"top": 1134, "bottom": 1134, "left": 1701, "right": 850}
SECRET_EXIF = "SECRET-EXIF-NOTE"


def jpeg(color: str = "teal", size: tuple[int, int] = (640, 480)) -> bytes:
    """A real JPEG, with a note in its EXIF that a dossier must not carry along."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010E] = SECRET_EXIF  # ImageDescription
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def document_xml(data: bytes) -> str:
    """Every XML part of a .docx, to search for what must never be there."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(
            archive.read(n).decode("utf-8", "replace")
            for n in archive.namelist()
            if n.endswith((".xml", ".rels"))
        )


def media_bytes(data: bytes) -> list[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(n) for n in archive.namelist() if n.startswith("word/media/")]


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def assert_printable(data: bytes, *, title: str, locale: str, author: str = ORGANISATION) -> None:
    """A4, print margins, page numbers in the footer, and the document's properties.

    The author is the organisation, but for a person's own document (a candidate's
    programme names her).
    """
    document = Document(io.BytesIO(data))
    for section in document.sections:
        width, height = section.page_width, section.page_height
        assert width is not None and height is not None
        assert (width.twips, height.twips) == A4_TWIPS
        for side, twips in MARGIN_TWIPS.items():
            assert getattr(section, f"{side}_margin").twips == twips, side
        footer = section.footer._element.xml
        assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footer)
        assert re.search(r"<w:instrText[^>]*> NUMPAGES </w:instrText>", footer)
    properties = document.core_properties
    assert properties.title == title
    assert properties.language == locale
    assert properties.author == author and properties.last_modified_by == author
    assert "python-docx" not in document_xml(data)


# ---------------------------------------------------------------------- the rules


@asynccontextmanager
async def dossier_world(tmp_path: Path) -> AsyncIterator[World]:
    """The incident world with the media store, the dossier rules and an organisation."""
    async with incident_world(tmp_path) as world:
        settings = world.kernel.settings.model_copy(update={"organisation": ORGANISATION})
        world.kernel.settings = settings
        world.kernel.add(MediaRules(world.kernel))
        world.kernel.add(DossierRules(world.kernel))
        await add_person(world.db, ADMIN, "Admin")
        await add_person(world.db, 10, "Batken", kind="community")
        await grant(world.db, 10, "place", "BA-BAT")
        await add_person(world.db, 20, "Chui", kind="community", place="CH")
        await grant(world.db, 20, "place", "CH")
        await add_person(world.db, 30, "Гүлнара", username="gulnara_ao")
        yield world


async def keep_photo(world: World, key: str, data: bytes) -> None:
    """A photo as the media store holds it after its download."""
    media = world.kernel.get(MediaRules)
    async with world.db.transaction() as conn:
        repo = MediaRepository(conn)
        new = NewMedia(key, key, "photo", 30, "incident", T0)
        (media_id,) = await repo.add([new], not_before=T0)
        written = await asyncio.to_thread(media.folder.write, f"2026/03/{media_id}.jpg", data)
        await repo.stored(
            media_id=media_id,
            path=written.path,
            size=written.size,
            sha256=written.sha256,
            now=T0,
        )


async def batken_report(world: World) -> int:
    """An anonymous report with an exact pin, two photos (one kept), news and a decision."""
    number = await add_incident(
        world.db,
        reporter_id=30,
        pseudonym="P-SECRET-PSEUDONYM",
        photos=2,
        voice=True,
        anonymous=True,
        latitude=39.912345,
        longitude=70.812345,
        geo_precision=1,
        notes="Две группы спорили у канала.",
    )
    await keep_photo(world, f"PHOTO-{number}-0", jpeg())
    await add_update(world.db, number, author_id=30, text="Вода снова перекрыта.")
    async with world.db.transaction() as conn:
        await IncidentRepository(conn).set_review_status(
            incident_id=number, expected=("pending",), to="verified"
        )
        await AuditRepository(conn).record(
            actor_id=10,
            entity="incident",
            entity_id=str(number),
            action="review",
            from_value="pending",
            to_value="verified",
            reason=None,
            now=T0 + timedelta(days=1),
        )
    return number


async def test_a_reports_dossier_is_printable_holds_the_photo_and_never_the_reporter(
    tmp_path: Path,
) -> None:
    async with dossier_world(tmp_path) as world:
        number = await batken_report(world)
        rules = world.kernel.get(DossierRules)
        for who in (10, ADMIN):  # an administrator's dossier hides the reporter just as well
            dossier = await rules.for_report(await world.actor(who), number)
            assert dossier.entries[0].coordinates == (39.91, 70.81)
            data = output.word(dossier, translator("ru"))
            assert_printable(data, title=f"Досье: сообщение № {number}", locale="ru")
            text, xml = all_text(data), document_xml(data)
            for secret in ("Гүлнара", "gulnara", "P-SECRET-PSEUDONYM", "39.912345", "70.812"):
                assert secret not in xml, secret
            assert "39.91, 70.81" in text
            assert "Две группы спорили у канала." in text and "Вода снова перекрыта." in text
            assert "✅ Подтверждено" not in text and "Подтверждено, решение принято" in text
            assert "г.." not in text  # "принято 3 марта 2026 г." ends the sentence
            # One photo kept, embedded; the other never downloaded: a line says so.
            (embedded,) = media_bytes(data)
            assert embedded.startswith(b"\xff\xd8") and SECRET_EXIF.encode() not in embedded
            assert len(Document(io.BytesIO(data)).inline_shapes) == 1
            assert f"Фото 1 к сообщению № {number}" in text
            assert "Фото 2: удалено" in text
            assert "1 голосовое сообщение" in text
        kyrgyz = output.word(dossier, translator("ky"))
        assert_printable(kyrgyz, title=f"Досье: № {number} билдирүү", locale="ky")
        assert "беттин" in Document(io.BytesIO(kyrgyz)).sections[0].footer._element.xml


async def test_who_may_have_a_dossier_of_what(tmp_path: Path) -> None:
    async with dossier_world(tmp_path) as world:
        number = await batken_report(world)
        rules = world.kernel.get(DossierRules)
        chui_actor, batken, reporter_ = [await world.actor(i) for i in (20, 10, 30)]
        # Out of reach is answered as missing; without the right to export, refused.
        with pytest.raises(StaleButton):
            await rules.for_report(chui_actor, number)
        with pytest.raises(StaleButton):
            await rules.for_report(batken, number + 100)
        with pytest.raises(NotAllowed):
            await rules.for_report(reporter_, number)
        assert (await rules.filtered(chui_actor, DossierFilter())).total == 0
        with pytest.raises(NotAllowed):
            await rules.filtered(chui_actor, DossierFilter(place="BA-BAT"))
        with pytest.raises(StaleButton):  # a forged period or resource
            rules.choices(chui_actor, DossierFilter(days=12))
        with pytest.raises(StaleButton):
            rules.choices(chui_actor, DossierFilter(resource="gold"))
        areas = rules.choices(await world.actor(10)).areas
        assert areas[0].code == "BA-BAT" and "BA-BAT-AKS" in {p.code for p in areas}
        assert all(p.level != "village" for p in areas)


async def test_a_filtered_dossier_holds_exactly_the_chosen_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with dossier_world(tmp_path) as world:
        world.clock.at = T0
        old = T0 - timedelta(days=100)

        async def report(**changes: object) -> int:
            return await add_incident(world.db, reporter_id=30, **changes)  # type: ignore[arg-type]

        water = await report(resource="water")
        pasture = await report(resource="pasture", status="resolved")
        rejected = await report(resource="water")
        older = await report(resource="water", received_at=old)
        leilek = await report(resource="water", place="BA-LEI-AKS")
        async with world.db.transaction() as conn:
            await IncidentRepository(conn).set_review_status(
                incident_id=rejected, expected=("pending",), to="rejected"
            )
        batken = await world.actor(10)
        rules = world.kernel.get(DossierRules)

        async def numbers(chosen: DossierFilter, actor: Actor = batken) -> list[int]:
            return [e.incident.id for e in (await rules.filtered(actor, chosen)).entries]

        assert await numbers(DossierFilter()) == [water, pasture, older]  # not the rejected
        assert await numbers(DossierFilter(days=30)) == [water, pasture]
        assert await numbers(DossierFilter(resource="water")) == [water, older]
        assert await numbers(DossierFilter(status="resolved")) == [pasture]
        assert await numbers(DossierFilter(place="BA-BAT-AKS", days=30)) == [water, pasture]
        assert leilek in await numbers(DossierFilter(place="BA-LEI"), await world.actor(ADMIN))

        monkeypatch.setattr(dossier_rules, "LIMIT", 2)
        capped = await rules.filtered(batken, DossierFilter())
        assert capped.total == 3
        assert [e.incident.id for e in capped.entries] == [pasture, older]
        text = all_text(output.word(capped, translator("en")))
        assert "3 reports in the dossier." in text and "It holds the 2 newest" in text
        assert "Period: all time; place: all of your area;" in text
        assert_printable(
            output.word(capped, translator("en")), title="Incident dossier", locale="en"
        )


# ---------------------------------------------------------------------- buttons and chat


@pytest.fixture
def settings(tmp_path: Path, server: LocalBotApi) -> Settings:
    """The bot of this module's chat tests works for an organisation."""
    return make_settings(
        tmp_path / "ayilbot.db",
        server,
        AYILBOT_ADMIN_IDS="9000",
        AYILBOT_ORGANISATION=ORGANISATION,
    )


SHIPPED: list[tuple[Press, str]] = [
    (ReportDossier(7), "dos:r:7"),
    (ChoosePeriod(), "dos:h"),
    (ChooseArea(30), "dos:a:30"),
    (ChooseResource(30, None), "dos:s:30:-"),
    (ChooseResource(0, "BA-BAT-AKS"), "dos:s:0:BA-BAT-AKS"),
    (ChooseStatus(90, "BA-BAT", "non_timber"), "dos:t:90:BA-BAT:non_timber"),
    (
        MakeDossier(365, "BA-BAT-AKS", "infrastructure", "verified"),
        "dos:g:365:BA-BAT-AKS:infrastructure:verified",
    ),
    (MakeDossier(0, None, None, None), "dos:g:0:-:-:-"),
]


@pytest.mark.parametrize(("value", "data"), SHIPPED)
def test_dossier_buttons_round_trip_under_64_bytes(value: Press, data: str) -> None:
    assert CODEC.encode(value) == data and CODEC.decode(data) == value
    assert len(data.encode()) <= 64


@pytest.mark.parametrize(
    "forged",
    [
        "dos:r:x",
        "dos:r:-1",
        f"dos:r:{LARGEST_ID + 1}",
        "dos:a",
        "dos:g:0:-:-",
        "dos:z:1",
        "dos:s:30:BA BAT",
        "dos:g:0:-:-:-:-",
        "dos:t:30:<b>:-",
    ],
)
def test_forged_dossier_buttons_are_stale(forged: str) -> None:
    with pytest.raises(StaleButton):
        CODEC.decode(forged)


def test_the_review_card_offers_the_dossier_to_who_may_export() -> None:
    incident = Incident(
        **asdict(SEED),
        id=7,
        review_status="verified",
        duplicate_of=None,
        last_update_at=T0,
        followup_sent_at=None,
    )
    card = ReportCard(
        incident=incident,
        places=(),
        attachments=(),
        updates=(),
        coordinates=None,
        shows_reporter=True,
        reporter=None,
        flagged_duplicate=None,
        zone=T0.tzinfo,  # type: ignore[arg-type]
    )
    tr = translator("ky")
    shown = review_screens.review_card(ReviewCard(card, may_decide=False, may_export=True), tr)
    data = [b.data for row in shown.buttons for b in row]
    assert data == ["inc:q:7", "dos:r:7", "inc:n:7"]
    assert [b.text for row in shown.buttons for b in row][1] == "📁 Досье (Word)"
    hidden = review_screens.review_card(ReviewCard(card, may_decide=False), tr)
    assert "dos:r:7" not in [b.data for row in hidden.buttons for b in row]


async def test_a_coordinator_gets_a_reports_dossier_from_its_card(
    bot: AyilApp, person: PersonFactory
) -> None:
    aigul = await reporter(person, 851, "ru", first_name="Айгүл", username="aigul_secret")
    boss = await coordinator(bot, person, 852, "ru", "BA")
    server = aigul.server
    original = server.send_photo

    async def send_real_photo(user: object, data: bytes = b"", **kw: object) -> int:
        return await original(user, jpeg("maroon"), **kw)  # type: ignore[arg-type]

    server.send_photo = send_real_photo  # type: ignore[method-assign]
    number = await report_with_files(aigul, "ru", voice=False, photos=1)
    await stored(bot, 1)
    await server.wait_idle()
    server.drain(boss.user)
    card = await boss.say("/review")
    assert "📁 Досье (Word)" in boss.labels(card)
    sent = await boss.press("📁 Досье (Word)", message=card)
    assert sent.text.startswith("📁 В досье 1 сообщение.")
    file = await boss.reply()
    assert file.kind == "document" and file.filename == f"dossier-{number}.docx"
    assert file.document is not None
    assert_printable(file.document, title=f"Досье: сообщение № {number}", locale="ru")
    assert len(Document(io.BytesIO(file.document)).inline_shapes) == 1
    assert "Айгүл" not in document_xml(file.document)


async def test_the_dossier_questions_lead_to_a_filtered_file_in_kyrgyz(
    bot: AyilApp, person: PersonFactory
) -> None:
    boss = await coordinator(bot, person, 861, "ky", "BA-BAT")
    for resource in ("water", "pasture"):
        await add_incident(
            services_of(bot).db,
            reporter_id=None,
            resource=resource,
            received_at=services_of(bot).clock.now() - timedelta(days=2),
        )
    periods = await boss.say("/dossier")
    assert "Кайсы мезгил?" in periods.text and "билдирүү жөнөткөндөрдүн эч бири" in periods.text
    places = await boss.press("Акыркы 30 күн", message=periods)
    assert "Кайсы жер?" in places.text and "Ак-Сай" in boss.labels(places)
    resources = await boss.press("Ак-Сай", message=places)
    statuses = await boss.press("💧 Суу, сугат", message=resources)
    assert "Кайсы билдирүүлөр?" in statuses.text
    counted = await boss.press(
        "Четке кагылгандардан жана кайталоолордон башкасы", message=statuses
    )
    assert counted.text.startswith("📁 Досьеде 1 билдирүү бар.")
    assert "жер: Ак-Сай" in counted.text
    file = await boss.reply()
    assert file.document is not None and file.filename and file.filename.startswith("dossier-")
    assert_printable(file.document, title="Окуялар боюнча досье", locale="ky")
    text = all_text(file.document)
    assert "Мезгил: акыркы 30 күн; жер: Ак-Сай;" in text
