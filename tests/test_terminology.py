"""The ky and ru catalogs keep to bot/locales/terms.toml: one term per concept per language."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

import pytest

from bot.catalogs import load_catalogs
from bot.i18n import LOCALE_DIR

TERMS: dict[str, Any] = tomllib.loads((LOCALE_DIR / "terms.toml").read_text("utf-8"))
PLACEHOLDER = re.compile(r"\{\w+\}")


@dataclass(frozen=True)
class Entry:
    """One catalog message: its English msgid (singular, plural) and its strings in a language."""

    context: str | None
    ids: tuple[str, ...]
    strings: tuple[str, ...]


def entries(language: str) -> list[Entry]:
    """Every message of every feature catalog of a language."""
    found = []
    for catalog in load_catalogs(language).values():
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found.append(
                Entry(message.context, tuple(str(i) for i in ids), tuple(str(s) for s in strings))
            )
    return found


def exempt(entry: Entry, concept: str) -> bool:
    """A message another change owns keeps its words for this concept until that change lands."""
    return any(
        entry.ids[0] in rule["msgids"] and concept in rule["concepts"]
        for rule in TERMS.get("exempt", [])
    )


def speaks_of(entry: Entry, pattern: str) -> bool:
    english = PLACEHOLDER.sub("", " ".join(entry.ids))
    return re.search(pattern, english, re.IGNORECASE) is not None


@pytest.mark.parametrize(
    ("language", "concept"),
    [(lang, c) for c in TERMS["concept"] for lang in ("ky", "ru") if lang in c],
    ids=lambda value: value if isinstance(value, str) else value["name"],
)
def test_each_concept_uses_its_one_term(language: str, concept: dict[str, Any]) -> None:
    term = concept[language]
    assert any(speaks_of(e, concept["en"]) for e in entries("en")), "no message speaks of it"
    astray = [
        (entry.ids[0], string)
        for entry in entries(language)
        if speaks_of(entry, concept["en"]) and not exempt(entry, concept["name"])
        for string in entry.strings
        if not re.search(term, string, re.IGNORECASE)
    ]
    assert astray == [], f"{concept['name']}: {language} should say {term!r} in {astray}"


@pytest.mark.parametrize("language", ["ky", "ru"])
@pytest.mark.parametrize("concept", TERMS["concept"], ids=lambda c: c["name"])
def test_no_catalog_uses_a_forbidden_variant(language: str, concept: dict[str, Any]) -> None:
    forbidden = concept.get(f"{language}_forbidden", [])
    found = [
        (pattern, entry.ids[0], string)
        for pattern in forbidden
        for entry in entries(language)
        if not exempt(entry, concept["name"])
        for string in entry.strings
        if re.search(pattern, string, re.IGNORECASE)  # as terms.toml says: case ignored
    ]
    assert found == [], f"{concept['name']}: forbidden in {language}: {found}"


@pytest.mark.parametrize("language", ["ky", "ru"])
@pytest.mark.parametrize("label", TERMS["label"], ids=lambda t: t["msgid"])
def test_labels_read_as_the_list_says(language: str, label: dict[str, Any]) -> None:
    found = [
        entry.strings
        for entry in entries(language)
        if entry.ids[0] == label["msgid"] and entry.context == label.get("context")
    ]
    assert found == [(label[language],)]


def test_exemptions_name_messages_that_exist() -> None:
    """Once the owning change rewrites a message, its exemption must go and the rules apply."""
    known = {entry.ids[0] for entry in entries("en")}
    names = {concept["name"] for concept in TERMS["concept"]}
    for rule in TERMS.get("exempt", []):
        assert rule["reason"]
        assert set(rule["concepts"]) <= names, rule["concepts"]
        gone = [msgid for msgid in rule["msgids"] if msgid not in known]
        assert gone == [], f"remove the exemption of {gone} from terms.toml"


def test_the_rules_catch_what_the_review_found() -> None:
    """The forbidden variants match the readings issue 17 quoted, so the checks can fail."""
    quoted = {
        "ky": ["Ушул жума", "аты жашырылган", "Айыл аймакты тандаңыз.", "«Өткөрүү»", "арык"],
        "ru": [
            "в вашей зоне",
            "Координаторам этого района",
            "Новости по сообщению",
            "айыл өкмөтү",
            "Спорно",
            "dd.mm.yyyy",
        ],
    }
    for language, readings in quoted.items():
        patterns = [p for c in TERMS["concept"] for p in c.get(f"{language}_forbidden", [])]
        for reading in readings:
            assert any(re.search(p, reading, re.IGNORECASE) for p in patterns), reading
