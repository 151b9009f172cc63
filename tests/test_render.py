"""Splitting long HTML messages for Telegram's 4,096 characters without breaking markup."""

from __future__ import annotations

import html

import pytest

from bot.localapi.html_check import parse_html
from handlers.plumbing.render import split_text


@pytest.mark.parametrize("offset", range(6))
def test_a_long_line_is_never_cut_inside_an_entity(offset: int) -> None:
    """Each part of an escaped line still parses: no `&am` | `p;` at any cut position."""
    line = html.escape("x" * offset + "Ак-Сай & Кара-Бак <суу> " * 400, quote=False)
    parts = split_text(line, limit=100)
    assert "".join(parts) == line
    for part in parts:
        assert len(part) <= 100
        parse_html(part)  # raises on a broken entity, as Telegram refuses it


def test_a_long_line_is_never_cut_inside_a_tag() -> None:
    line = "<b>bold</b> " * 50
    parts = split_text(line, limit=31)
    assert "".join(parts) == line
    assert all(part.count("<") == part.count(">") for part in parts)


def test_lines_before_an_enormous_line_keep_their_place() -> None:
    """A short line, then one longer than a message, then another: read in the order written."""
    text = "head line\n" + "x" * 250 + "\ntail"
    parts = split_text(text, limit=100)
    assert parts[0] == "head line"
    assert "\n".join(parts).replace("x\nx", "xx") == text
    assert all(len(part) <= 100 for part in parts)
