"""`ayilbot export KIND ...`: documents from the command line; each kind has one function."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import LANGUAGES, Settings
from bot.core.notices import Delivery, Recipient

if TYPE_CHECKING:
    from bot.core.access import Actor
    from bot.forms.kinds import Env
    from bot.i18n import Tr
    from bot.screen import Screen

Exporter = Callable[[Settings, argparse.Namespace], Awaitable[int]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every kind understands; a kind ignores what does not apply to it."""
    parser.add_argument("kind", help="what to export: " + ", ".join(sorted(EXPORTERS)))
    parser.add_argument(
        "--format",
        help="csv or xlsx (any kind; csv by default), geojson (incidents), or html, md or docx "
        "(the practices' recommendations; html by default for practices)",
    )
    parser.add_argument("--lang", choices=LANGUAGES, help="language (default: the bot's)")
    parser.add_argument("--topic", help="only this topic code, e.g. water or plan")
    parser.add_argument("--since", type=date.fromisoformat, help="only from this date, YYYY-MM-DD")
    parser.add_argument(
        "--until", type=date.fromisoformat, help="only up to this date (included), YYYY-MM-DD"
    )
    parser.add_argument("--region", help="only this gazetteer code and below, e.g. BA-BAT")
    parser.add_argument(
        "--status",
        help="only this status: e.g. open, verified (incidents), approved "
        "(practices), active (users), raised (needs)",
    )
    parser.add_argument("-o", "--output", help="file to write; '-' for standard output")


async def run_export(settings: Settings, args: argparse.Namespace) -> int:
    """Dispatch to the kind's exporter; an unknown kind is a usage error."""
    exporter = EXPORTERS.get(args.kind)
    if exporter is None:
        print(f"ayilbot export: unknown kind {args.kind!r}; known: {', '.join(EXPORTERS)}")
        return 2
    return await exporter(settings, args)


async def export_practices(settings: Settings, args: argparse.Namespace) -> int:
    """Approved practices grouped by topic: the recommendations for a national workshop."""
    # Imported here so that `ayilbot run` does not load python-docx at start.
    from bot.clock import Clock
    from bot.core.access import Access
    from bot.core.kernel import Kernel
    from bot.gazetteer import Gazetteer
    from bot.i18n import translator
    from bot.outputs.recommendations import render
    from bot.records.practices import Viewer
    from bot.rules.recommendations import FORMATS, RecommendationRules
    from storage.db import Database

    if args.format in DATA_FORMATS:
        return await export_data(settings, args)
    args.format = args.format or "html"
    if args.format not in FORMATS:
        known = ", ".join((*FORMATS, *DATA_FORMATS))
        print(f"ayilbot export practices: --format must be one of {known}")
        return 2
    db = await Database.open(settings.db_path)
    try:
        gazetteer = Gazetteer.default()
        kernel = Kernel(settings, db, Clock(), gazetteer, Access(gazetteer), _NoNotices())
        since = (
            datetime.combine(args.since, time.min, tzinfo=settings.zone) if args.since else None
        )
        try:
            compiled = await RecommendationRules(kernel).compile(
                # The command line runs with the operator's full rights.
                viewer=Viewer(user_id=0, sees_all=True),
                topic=args.topic,
                since=since,
            )
        except ValueError as exc:
            print(f"ayilbot export practices: {exc}")
            return 2
        data = render(compiled, args.format, translator(args.lang or settings.default_language))
    finally:
        await db.close()
    output = args.output or f"practices-{compiled.made_on.isoformat()}.{args.format}"
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        await asyncio.to_thread(Path(output).write_bytes, data)
        print(f"{compiled.count} practices written to {output}", file=sys.stderr)
    return 0


async def export_data(settings: Settings, args: argparse.Namespace) -> int:
    """Incidents, practices, users or needs as CSV, XLSX or GeoJSON, with the filters given."""
    from bot.clock import Clock
    from bot.core.access import Access, Actor
    from bot.forms.engine import FormEngine
    from bot.gazetteer import Gazetteer
    from bot.services.exports import ExportError, ExportRequest, ExportService
    from bot.services.needs import NeedService
    from storage.db import Database

    locale = args.lang or settings.default_language
    db = await Database.open(settings.db_path)
    try:
        gazetteer = Gazetteer.default()
        access = Access(gazetteer)
        clock = Clock()
        # The needs service decides who sees which need; here it only reads, so its form
        # engine has no forms and its notifier sends nothing.
        forms = FormEngine(db, {}, env_for=_no_forms, clock=clock.now)
        needs = NeedService(db, clock, access, gazetteer, forms, _NoMessages())
        service = ExportService(db, settings, clock, gazetteer, access, needs)
        request = ExportRequest(
            kind=args.kind,
            format=args.format or "csv",
            since=args.since,
            until=getattr(args, "until", None),
            region=args.region.upper() if getattr(args, "region", None) else None,
            status=getattr(args, "status", None),
            locale=locale,
        )
        try:
            # The command line runs with the operator's full rights.
            made = await service.export(
                Actor(user_id=0, locale=locale, user=None, is_admin=True), request
            )
        except ExportError as exc:
            print(f"ayilbot export {args.kind}: {exc}")
            return 2
    finally:
        await db.close()
    output = args.output or made.filename
    if output == "-":
        sys.stdout.buffer.write(made.data)
        sys.stdout.flush()
    else:
        await asyncio.to_thread(Path(output).write_bytes, made.data)
        print(f"{made.count} records written to {output}", file=sys.stderr)
    return 0


def _no_forms(tr: Tr, actor: Actor, context: Mapping[str, Any]) -> Env:
    raise RuntimeError("the command line opens no forms")


class _NoMessages:
    """A notifier for the command line: nobody is messaged from here."""

    async def send(self, chat_id: int, screen: Screen) -> bool:
        return False


class _NoNotices:
    """The kernel's notifier on the command line: nobody is messaged from here."""

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        return Delivery.FAILED


DATA_FORMATS = ("csv", "xlsx", "geojson")
EXPORTERS: dict[str, Exporter] = {
    "practices": export_practices,
    "incidents": export_data,
    "users": export_data,
    "needs": export_data,
}
