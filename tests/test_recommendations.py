"""The compiled recommendations: exactly the approved practices of the filter, in three formats."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document

from bot.__main__ import main
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.outputs.recommendations import render
from bot.records.practices import Viewer
from bot.rules.recommendations import RecommendationRules
from bot.wiring import AyilApp
from storage.db import Database
from tests.conftest import PersonFactory
from tests.harness import services_of
from tests.practice_steps import (
    button,
    coordinator,
    label,
    member,
    press_data,
    seed_group,
    seed_practice,
)

EARLY = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
LATE = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
EXPECTED = ["Shared canal schedule", "Night watering for the lower village"]
NOT_EXPECTED = [
    "Old water agreement",  # before --since
    "Pasture rotation",  # another topic
    "Pending water idea",  # not approved
    "Declined water idea",
]


async def seed(db_path: Path) -> None:
    """Two authors, one agreeing to be named; practices in and out of the filter."""
    db = await Database.open(db_path)
    try:
        with sqlite3.connect(db_path) as raw:
            raw.executemany(
                "INSERT INTO users (id, first_name, last_name, username, language, pseudonym,"
                " created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'ru', ?, '2026-01-01', '2026-01-01')",
                [(1, "Бакыт", "Осмонов", "bakyt_o", "P-1"), (2, "Нурия", None, "nuriya", "P-2")],
            )
            raw.execute(
                "INSERT INTO peer_groups (id, name, kind, created_by, created_at)"
                " VALUES (7, 'Closed circle', 'ao_peers', 2, 'x')"
            )
        await seed_practice(
            db,
            author_id=1,
            title=EXPECTED[0],
            at=LATE,
            show_author=True,
            text="Шарт <b>not bold</b> & *stars*",
        )
        await seed_practice(
            db, author_id=2, title=EXPECTED[1], at=LATE, groups=(7,), place_code="BA-KAD"
        )
        await seed_practice(db, author_id=1, title=NOT_EXPECTED[0], at=EARLY, show_author=True)
        await seed_practice(db, author_id=1, title=NOT_EXPECTED[1], at=LATE, topic="pasture")
        await seed_practice(db, author_id=1, title=NOT_EXPECTED[2], at=LATE, status="pending")
        await seed_practice(db, author_id=1, title=NOT_EXPECTED[3], at=LATE, status="declined")
        await seed_practice(
            db,
            author_id=2,
            title="Budget for a crisis room",
            at=LATE,
            topic="plan",
            plan_budget="budget",
            amount_som=150000,
        )
    finally:
        await db.close()


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


class Nobody:
    """The notifier of a kernel that tells no one."""

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        return Delivery.FAILED


async def test_compiled_document_holds_exactly_the_filtered_approved_practices(
    tmp_path: Path,
) -> None:
    await seed(tmp_path / "r.db")
    db = await Database.open(tmp_path / "r.db")
    gazetteer = Gazetteer.default()
    settings = Settings(_env_file=None, AYILBOT_DB=tmp_path / "r.db")  # type: ignore[call-arg]
    kernel = Kernel(settings, db, FrozenClock(LATE), gazetteer, Access(gazetteer), Nobody())
    service = RecommendationRules(kernel)
    ru, ky = translator("ru"), translator("ky")
    try:
        compiled = await service.compile(
            viewer=Viewer(0, sees_all=True),
            topic="water",
            since=datetime(2026, 1, 1, tzinfo=UTC),
        )
        titles = [e.practice.title for s in compiled.sections for e in s.entries]
        assert sorted(titles) == sorted(EXPECTED)
        for fmt in ("html", "md", "docx"):
            data = render(compiled, fmt, ru)
            text = docx_text(data) if fmt == "docx" else data.decode()
            assert all(title in text for title in EXPECTED), fmt
            assert not any(title in text for title in NOT_EXPECTED), fmt
            # Authors only where they agreed; never a username.
            assert "Бакыт Осмонов" in text and "Нурия" not in text and "bakyt_o" not in text
            assert label("ru", "Disputes over water") in text
        html = render(compiled, "html", ru).decode()
        assert "&lt;b&gt;not bold&lt;/b&gt; &amp;" in html and "<b>not bold" not in html
        assert r"\*stars\*" in render(compiled, "md", ru).decode()

        everything = await service.compile(viewer=Viewer(0, sees_all=True))
        assert [s.topic for s in everything.sections] == ["water", "pasture", "plan"]
        in_kyrgyz = render(everything, "md", ky).decode()
        assert "150" in in_kyrgyz and label("ky", "Into the local budget") in in_kyrgyz
        # A viewer outside the closed group does not get its practice compiled.
        outsider = await service.compile(viewer=Viewer(1), topic="water")
        assert EXPECTED[1] not in [e.practice.title for s in outsider.sections for e in s.entries]
    finally:
        await db.close()


def test_command_line_export_writes_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(tmp_path / "cli.db"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AYILBOT_DB", str(tmp_path / "cli.db"))
    out = tmp_path / "rec.docx"
    args = [
        "export",
        "practices",
        "--format",
        "docx",
        "--lang",
        "ru",
        "--topic",
        "water",
        "--since",
        "2026-01-01",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    text = docx_text(out.read_bytes())
    assert all(t in text for t in EXPECTED) and not any(t in text for t in NOT_EXPECTED)
    assert main(["export", "practices", "--format", "md", "--lang", "en", "-o", "-"]) == 0
    printed = capsys.readouterr().out
    assert "Pasture rotation" in printed and "Pending water idea" not in printed
    assert main(["export", "practices", "--format", "pdf"]) == 2
    assert main(["export", "practices", "--topic", "weather"]) == 2
    assert main(["export", "nothing"]) == 2


async def test_a_coordinator_gets_the_document_in_the_chat_for_their_scope(
    bot: AyilApp, server: LocalBotApi, person: PersonFactory
) -> None:
    db = services_of(bot).db
    boss = await coordinator(bot, person, 501, "ru", scope="BA-BAT")
    peer = await member(person, 502, "ru")
    elsewhere = await seed_group(bot, name="Kadamjay circle", created_by=9, members=[502])
    await seed_practice(db, author_id=502, title="Canal in Ak-Say", at=LATE)
    await seed_practice(
        db,
        author_id=502,
        title="Closed Kadamjay practice",
        at=LATE,
        groups=(elsewhere,),
        place_code="BA-KAD",
    )
    listing = await boss.say("/practices")
    topics = await boss.press("📄 " + button("ru", "Recommendations"), message=listing)
    periods = await boss.press(label("ru", "Disputes over water"), message=topics)
    formats = await boss.press(button("ru", "All time"), message=periods)
    await boss.press(button("ru", "Word (docx)"), message=formats)
    document = await boss.reply()
    assert document.kind == "document" and (document.filename or "").endswith(".docx")
    assert document.document is not None
    text = docx_text(document.document)
    assert "Canal in Ak-Say" in text and "Closed Kadamjay practice" not in text
    # A peer has no such button, and a forged one is refused without a document.
    listing = await peer.say("/practices")
    assert "📄 " + button("ru", "Recommendations") not in peer.labels(listing)
    await press_data(server, peer, "pr:xf:water:0:docx")
    refused = await peer.reply()
    assert refused.kind == "text" and "Canal" not in refused.text
