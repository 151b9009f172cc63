"""Shared steps for the coordinator-tools tests: records made directly, personas, DB scans."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.access import Actor
from bot.core.actors import Person as PersonRef
from bot.core.kernel import Kernel
from bot.i18n import translator
from bot.outputs.exports import ExportFile
from bot.outputs.exports import render as render_export
from bot.records.practices import PracticeContent, PracticeFile
from bot.rules.exports import ExportRequest, ExportRules
from storage.db import Database
from storage.groups import GroupRepository
from storage.incidents import (
    IncidentAttachmentRepository,
    IncidentRepository,
    IncidentUpdateRepository,
)
from storage.needs import NeedRepository
from storage.practices import PracticeRepository
from storage.users import RoleRepository, UserRepository
from tests.incident_steps import SEED

AKSAY = "BA-BAT-AKS"  # Ak-Say, Batken rayon, Batken oblast
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday, 12:00 in Bishkek


async def add_person(
    db: Database,
    user_id: int,
    first_name: str,
    *,
    kind: str = "leader",
    place: str | None = AKSAY,
    language: str = "ru",
    username: str | None = None,
    now: datetime = T0,
) -> str:
    """A registered person, stored directly; returns the pseudonym."""
    pseudonym = f"P-{user_id:08X}"
    async with db.transaction() as conn:
        users = UserRepository(conn)
        await users.create(
            user_id=user_id,
            first_name=first_name,
            last_name=None,
            username=username,
            language=language,
            pseudonym=pseudonym,
            now=now,
        )
        await users.update_profile(user_id=user_id, now=now, kind=kind, place_code=place)
        await users.accept_privacy(user_id=user_id, now=now)
    return pseudonym


async def grant(db: Database, user_id: int, scope_kind: str, scope_value: str = "") -> None:
    """The coordinator role in one scope."""
    async with db.transaction() as conn:
        await RoleRepository(conn).grant(
            user_id=user_id,
            role="coordinator",
            scope_kind=scope_kind,
            scope_value=scope_value,
            granted_by=None,
            now=T0,
        )


def place_chain(code: str) -> dict[str, str | None]:
    """admin1-3 of a gazetteer code as reports store them."""
    parts = code.split("-")
    return {
        "admin1": parts[0],
        "admin2": "-".join(parts[:2]) if len(parts) > 1 else None,
        "admin3": code if len(parts) > 2 else None,
    }


async def add_incident(
    db: Database,
    *,
    reporter_id: int | None,
    pseudonym: str | None = None,
    place: str = AKSAY,
    received_at: datetime = T0,
    photos: int = 0,
    voice: bool = False,
    followup: bool = False,
    **changes: Any,
) -> int:
    """A report stored directly, with file ids and an optional follow-up already asked."""
    values: dict[str, Any] = {
        "draft_id": uuid.uuid4().hex,
        "reporter_id": reporter_id,
        "reporter_pseudonym": pseudonym,
        "received_at": received_at,
        "event_date": received_at.date(),
        **place_chain(place),
        **changes,
    }
    async with db.transaction() as conn:
        incidents = IncidentRepository(conn)
        number, _ = await incidents.add(incident=replace(SEED, **values))
        files: list[dict[str, Any]] = [
            {"type": "photo", "file_id": f"PHOTO-{number}-{i}"} for i in range(photos)
        ]
        if voice:
            files.append({"type": "voice", "file_id": f"VOICE-{number}", "duration": 7})
        await IncidentAttachmentRepository(conn).add(
            incident_id=number, update_id=None, files=files
        )
        if followup:
            await incidents.mark_followup_sent(incident_id=number, now=received_at)
    return number


async def add_update(
    db: Database,
    incident_id: int,
    *,
    author_id: int,
    kind: str = "info",
    text: str = "More news.",
    at: datetime = T0,
    role: str = "reporter",
) -> int:
    async with db.transaction() as conn:
        return await IncidentUpdateRepository(conn).add(
            incident_id=incident_id,
            at=at,
            author_id=author_id,
            author_role=role,
            kind=kind,
            text=text,
        )


def content(title: str = "Water schedule", **changes: Any) -> PracticeContent:
    values: dict[str, Any] = {
        "topic": "water",
        "topic_other": None,
        "title": title,
        "situation": "Two villages argued over the canal.",
        "actions": "The elders met both sides.",
        "result": "No quarrel this summer.",
        "plan_budget": None,
        "amount_som": None,
        "advice": "Invite the neighbours early.",
        "visible_to_all": True,
        "allow_contact": True,
        "show_author": False,
        **changes,
    }
    return PracticeContent(**values)


async def add_practice(
    db: Database,
    *,
    author_id: int,
    place: str | None = AKSAY,
    approved: bool = True,
    photos: int = 0,
    groups: tuple[int, ...] = (),
    now: datetime = T0,
    **changes: Any,
) -> int:
    async with db.transaction() as conn:
        repo = PracticeRepository(conn)
        practice_id = await repo.insert(
            draft_id=uuid.uuid4().hex,
            form_version=1,
            author_id=author_id,
            author_kind="candidate",
            place_code=place,
            content=content(**changes),
            now=now,
        )
        if photos:
            await repo.set_attachments(
                practice_id=practice_id,
                files=[PracticeFile("photo", f"PPHOTO-{practice_id}-{i}") for i in range(photos)],
            )
        if groups:
            await repo.set_groups(practice_id=practice_id, group_ids=groups)
        if approved:
            await repo.set_status(
                practice_id=practice_id,
                from_status="pending",
                to_status="approved",
                note=None,
                reviewed_by=0,
                now=now,
            )
    return practice_id


async def add_group(
    db: Database,
    *,
    creator: int,
    members: tuple[int, ...],
    region: str | None = "BA",
    language: str | None = None,
) -> tuple[int, str]:
    """A peer group and its invite code (its language None: the bot's default)."""
    code = uuid.uuid4().hex[:12]
    async with db.transaction() as conn:
        repo = GroupRepository(conn)
        group_id = await repo.create(
            name=f"Candidates {code[:4]}",
            kind="candidates",
            region=region,
            created_by=creator,
            invite_code=code,
            now=T0,
            language=language,
        )
        for member in members:
            await repo.add_member(group_id=group_id, user_id=member, now=T0)
    return group_id, code


async def add_need(
    db: Database,
    *,
    author_id: int,
    place: str | None = AKSAY,
    photos: int = 0,
    voice: bool = False,
    now: datetime = T0,
    description: str = "The school has no water.",
) -> int:
    async with db.transaction() as conn:
        return await NeedRepository(conn).create(
            draft_id=uuid.uuid4().hex,
            form_version=1,
            author_id=author_id,
            topic="water",
            topic_other=None,
            place_code=place,
            village="Kara-Suu",
            heard="meeting",
            women=12,
            description=description,
            voice={"type": "voice", "file_id": f"NVOICE-{uuid.uuid4().hex[:6]}"}
            if voice
            else None,
            photos=[{"type": "photo", "file_id": f"NPHOTO-{i}"} for i in range(photos)],
            proposal="A water tap at the school.",
            now=now,
        )


async def actor(services_users: Any, user_id: int) -> Actor:
    """The actor the services see for a stored person."""
    resolved: Actor = await services_users.resolve(PersonRef(id=user_id, first_name=""))
    return resolved


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (redelivery keys aside), to prove a refusal changed nothing."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%'"
                " AND name != 'processed_updates' ORDER BY name"
            )
        ]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def scan_text(path: Path, needles: tuple[str, ...], *, skip: tuple[str, ...] = ()) -> list[str]:
    """Every cell of every table that holds a needle (ids match whole cells or inside text)."""
    found = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):
                for cell in row:
                    if cell is None or (isinstance(cell, str) and cell in skip):
                        continue
                    text = str(cell)
                    if any(n == text or (isinstance(cell, str) and n in text) for n in needles):
                        found.append(f"{table}: {cell!r}")
    return found


def days_ago(days: int, *, now: datetime = T0) -> datetime:
    return now - timedelta(days=days)


def today() -> date:
    return T0.date()


async def export_file(kernel: Kernel, actor: Actor, request: ExportRequest) -> ExportFile:
    """An export as the reader gets it: the rules' records written in the request's language."""
    export = await kernel.get(ExportRules).export(actor, request)
    return render_export(export, translator(request.locale))
