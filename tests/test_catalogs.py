"""Catalogs: every message the code uses is in ky, ru and en, translated, placeholders intact."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.catalog import Message

from bot.catalogs import load_catalogs, missing, used_messages
from bot.i18n import LOCALE_DIR, translator

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_no_message_is_missing_or_untranslated(language: str) -> None:
    absent, untranslated = missing(language)
    assert absent == [], f"{language} lacks {absent[:5]}"
    assert untranslated == [], f"{language} leaves untranslated {untranslated[:5]}"


def _texts(value: object) -> tuple[str, ...]:
    """A message's id or string as a tuple of its singular and plural forms."""
    if isinstance(value, tuple | list):
        return tuple(str(v) for v in value)
    return (str(value or ""),)


def _entries(language: str) -> list[Message]:
    return [m for c in load_catalogs(language).values() for m in c if m.id]


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_translations_keep_placeholders_and_tags(language: str) -> None:
    for message in _entries(language):
        ids, strings = _texts(message.id), _texts(message.string)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (message.id, string)
            assert string.count("<b>") == ids[0].count("<b>"), (message.id, string)


def test_kyrgyz_uses_kyrgyz_letters_not_latin_lookalikes() -> None:
    for message in _entries("ky"):
        for string in _texts(message.string):
            words = re.sub(
                r"<[^>]+>|\{\w+\}|/\w+|https?://\S+|[A-Z]{2}-[A-Z]+|ayilbot", "", string
            )
            mixed = [
                w
                for w in re.findall(r"\w+", words)
                if re.search("[a-zA-Z]", w) and re.search("[а-яА-ЯөүңӨҮҢ]", w)
            ]
            assert mixed == [], (message.id, mixed)


def test_russian_plurals_have_three_forms() -> None:
    tr = translator("ru")
    assert [tr.ngettext("{n} file", "{n} files", n) for n in (1, 3, 5)] == [
        "1 файл",
        "3 файла",
        "5 файлов",
    ]


def test_dates_read_naturally() -> None:
    assert translator("ky").date(date(2025, 3, 7)) == "2025-ж., 7-март"
    assert translator("ru").date(date(2025, 3, 7)) == "7 марта 2025\u202fг."
    assert translator("ky").short_date(date(2025, 3, 7)) == "07.03.2025"
    assert translator("ru").number(1500) == "1\xa0500"


def test_extraction_finds_the_core_messages() -> None:
    assert (None, "Choose your language.") in used_messages()
    assert ("button", "Back") in used_messages()


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_no_catalog_keeps_messages_the_code_no_longer_uses(language: str) -> None:
    used = set(used_messages())
    stale = [
        (name, m.id)
        for name, catalog in load_catalogs(language).items()
        for m in catalog
        if m.id and (m.context, m.id if isinstance(m.id, str) else m.id[0]) not in used
    ]
    assert stale == []


# A line of a .po file as GNU gettext (msgfmt, Poedit, Weblate) reads it: blank, a comment, a
# keyword with its string, or a continued string. Babel forgives a lone `"`; those tools refuse
# the whole file, so a translator could not open it.
PO_LINE = re.compile(
    r'(|#.*|(msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\]) "(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*")'
)


def test_every_catalog_file_is_valid_for_gettext_tools() -> None:
    broken = [
        f"{path.relative_to(LOCALE_DIR)}:{number}: {line!r}"
        for path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if not PO_LINE.fullmatch(line)
    ]
    assert broken == []
