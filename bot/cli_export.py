"""`ayilbot export KIND ...`: documents from the command line; each kind has one function."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import LANGUAGES, Settings
from bot.core.notices import Silent

if TYPE_CHECKING:
    from bot.core.kernel import Kernel
    from bot.i18n import Tr
    from bot.outputs.exports import ZipWritten
    from bot.rules.exports import ExportData
    from storage.db import Database

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
    parser.add_argument(
        "--headers",
        choices=("labels", "codes"),
        default="labels",
        help="column headers and sheet names in --lang (labels, the default) or as stable "
        "codes (csv and xlsx; an xlsx has a sheet of the codes either way)",
    )
    parser.add_argument(
        "--delimiter",
        choices=sorted(DELIMITER_NAMES),
        help="CSV separator: ';' (default for ky and ru, as their Excel expects; decimals then "
        "with ',') or ',' (default for en); also 'semicolon' or 'comma'",
    )
    parser.add_argument(
        "--with-media",
        action="store_true",
        help="incidents or needs as csv or xlsx: a zip with their photos and voice notes "
        "(media/0012-photo-1.jpg, media/need-0012-photo-1.jpg), linked from the attachments, "
        "with their checksums",
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
        kernel = command_line_kernel(settings, db)
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
    """Incidents, practices, users or needs as CSV, XLSX or GeoJSON, with the filters given;
    with --with-media, a zip of the export and the reports' (or needs') files."""
    from bot.core.access import Actor
    from bot.i18n import translator
    from bot.outputs.exports import render
    from bot.rules.exports import ExportError, ExportRequest, ExportRules
    from bot.rules.media import MediaRules
    from bot.rules.needs import NeedRules
    from storage.db import Database

    locale = args.lang or settings.default_language
    db = await Database.open(settings.db_path)
    try:
        kernel = command_line_kernel(settings, db)
        # The needs rules decide who sees which need; the media rules where each report's
        # files are. Here they only read, and message nobody.
        kernel.add(NeedRules(kernel))
        kernel.add(MediaRules(kernel))
        delimiter = getattr(args, "delimiter", None)
        request = ExportRequest(
            kind=args.kind,
            format=args.format or "csv",
            since=args.since,
            until=getattr(args, "until", None),
            region=args.region.upper() if getattr(args, "region", None) else None,
            status=getattr(args, "status", None),
            locale=locale,
            headers=getattr(args, "headers", None) or "labels",
            delimiter=DELIMITER_NAMES[delimiter] if delimiter else None,
            with_media=bool(getattr(args, "with_media", False)),
        )
        # The command line runs with the operator's full rights: she reaches everything.
        operator = Actor(user_id=0, locale=locale, user=None, is_admin=True)
        try:
            export = await ExportRules(kernel).export(operator, request)
        except ExportError as exc:
            print(f"ayilbot export {args.kind}: {exc}")
            return 2
    finally:
        await db.close()
    if request.with_media:
        return await _write_zip(export, translator(locale), args.output)
    made = render(export, translator(locale))
    output = args.output or made.filename
    if output == "-":
        sys.stdout.buffer.write(made.data)
        sys.stdout.flush()
    else:
        await asyncio.to_thread(Path(output).write_bytes, made.data)
        print(f"{made.count} records written to {output}", file=sys.stderr)
    return 0


async def _write_zip(export: ExportData, tr: Tr, output: str | None) -> int:
    """The zip straight into its file (media can be large), or to standard output."""
    from bot.outputs.exports import file_name, write_zip

    if output == "-":
        await asyncio.to_thread(write_zip, export, tr, sys.stdout.buffer)
        sys.stdout.flush()
        return 0
    made = Path(output or file_name(export, "zip"))

    def write() -> ZipWritten:
        with made.open("wb") as fh:
            return write_zip(export, tr, fh)

    written = await asyncio.to_thread(write)
    print(
        f"{written.count} records and {written.carried} media files written to {made}"
        + (
            f"; {written.not_carried} not included (manifest.csv says why)"
            if written.not_carried
            else ""
        ),
        file=sys.stderr,
    )
    return 0


def command_line_kernel(settings: Settings, db: Database) -> Kernel:
    """A kernel for rules run from the command line (they read; they message nobody)."""
    from bot.clock import Clock
    from bot.core.access import Access
    from bot.core.kernel import Kernel
    from bot.gazetteer import Gazetteer

    gazetteer = Gazetteer.default()
    return Kernel(settings, db, Clock(), gazetteer, Access(gazetteer), Silent())


DATA_FORMATS = ("csv", "xlsx", "geojson")
DELIMITER_NAMES = {";": ";", ",": ",", "semicolon": ";", "comma": ","}
EXPORTERS: dict[str, Exporter] = {
    "practices": export_practices,
    "incidents": export_data,
    "users": export_data,
    "needs": export_data,
}
