"""Catalog upkeep: find messages the code uses that a catalog lacks, and add them.

One catalog per feature (core, incidents, practices, ...) under
`bot/locales/<lang>/LC_MESSAGES/<feature>.po`; the translator loads them all.

    python -m bot.catalogs check                      # exit 1 when anything is missing
    python -m bot.catalogs sync --catalog incidents --from bot/forms/incidents.py ...
    python -m bot.catalogs prune                      # drop what no code uses any more
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.config import LANGUAGES
from bot.i18n import LOCALE_DIR

ROOT = LOCALE_DIR.parents[1]
SOURCES = ("bot", "handlers", "web")
MessageKey = tuple[str | None, str]  # (context, msgid)


def used_messages(paths: Iterable[Path] | None = None) -> dict[MessageKey, str | None]:
    """Every message the code marks for translation, with its plural form."""
    files = (
        list(paths)
        if paths is not None
        else [p for d in SOURCES for p in sorted((ROOT / d).rglob("*.py"))]
    )
    found: dict[MessageKey, str | None] = {}
    for path in files:
        for _line, message, _comments, context in extract_from_file(
            "python", str(path), keywords=DEFAULT_KEYWORDS
        ):
            if isinstance(message, tuple):
                found[(context, message[0])] = message[1]
            else:
                found[(context, message)] = None
    return found


def load_catalogs(language: str) -> dict[str, Catalog]:
    """Each feature's catalog for a language, by feature name."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    catalogs = {}
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            catalogs[po.stem] = read_po(fh, locale=language)
    return catalogs


def missing(language: str) -> tuple[list[MessageKey], list[MessageKey]]:
    """(messages absent from every catalog, messages present but untranslated)."""
    catalogs = load_catalogs(language)
    absent, untranslated = [], []
    for key in used_messages():
        context, msgid = key
        entry = next(
            (
                c.get(msgid, context=context)
                for c in catalogs.values()
                if c.get(msgid, context=context) is not None
            ),
            None,
        )
        if entry is None:
            absent.append(key)
        else:
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if entry.fuzzy or not all(strings):
                untranslated.append(key)
    return absent, untranslated


def sync(catalog_name: str, sources: list[Path]) -> int:
    """Add the messages these files use and no catalog has to one feature's catalogs."""
    added = 0
    for language in LANGUAGES:
        catalogs = load_catalogs(language)
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{catalog_name}.po"
        catalog = catalogs.get(catalog_name) or Catalog(
            locale=language,
            project="ayilbot",
            creation_date=datetime.now(UTC),
            charset="utf-8",
            fuzzy=False,
        )
        for (context, msgid), plural in used_messages(sources).items():
            if any(c.get(msgid, context=context) is not None for c in catalogs.values()):
                continue
            if catalog.get(msgid, context=context) is not None:
                continue
            key: str | tuple[str, str] = (msgid, plural) if plural else msgid
            if language == "en":
                string: str | tuple[str, ...] = (msgid, plural) if plural else msgid
            else:
                string = ("",) * catalog.num_plurals if plural else ""
            catalog.add(key, string, context=context)
            added += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=99, omit_header=False)
    return added


def prune() -> list[tuple[str, str, MessageKey]]:
    """Drop the entries no code uses any more; (language, catalog, key) of each one dropped."""
    used = set(used_messages())
    dropped = []
    for language in LANGUAGES:
        for name, catalog in load_catalogs(language).items():
            stale = [
                (m.context, m.id if isinstance(m.id, str) else m.id[0])
                for m in catalog
                if m.id and (m.context, m.id if isinstance(m.id, str) else m.id[0]) not in used
            ]
            if not stale:
                continue
            for context, msgid in stale:
                catalog.delete(msgid, context=context)
                dropped.append((language, name, (context, msgid)))
            path = LOCALE_DIR / language / "LC_MESSAGES" / f"{name}.po"
            with path.open("wb") as fh:
                write_po(fh, catalog, width=99, omit_header=False)
    return dropped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.catalogs")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="list messages missing or untranslated")
    add = sub.add_parser("sync", help="add missing messages of some files to one catalog")
    add.add_argument("--catalog", required=True)
    add.add_argument("--from", dest="sources", nargs="+", type=Path, required=True)
    sub.add_parser("prune", help="drop messages no code uses any more")
    args = parser.parse_args(argv)
    if args.command == "sync":
        print(f"added {sync(args.catalog, args.sources)} entries")
        return 0
    if args.command == "prune":
        for language, name, (context, msgid) in prune():
            print(f"{language}/{name}: dropped {context + ' | ' if context else ''}{msgid[:60]!r}")
        return 0
    failed = False
    for language in LANGUAGES:
        absent, untranslated = missing(language)
        for context, msgid in absent:
            print(f"{language}: missing: {context + ' | ' if context else ''}{msgid[:70]!r}")
        for context, msgid in untranslated:
            print(f"{language}: untranslated: {context + ' | ' if context else ''}{msgid[:70]!r}")
        failed = failed or bool(absent or untranslated)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
