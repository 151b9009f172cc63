"""Telegram Bot API HTML (parse_mode="HTML") parsing with Telegram's error wording."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HtmlParseError", "ParsedHtml", "check_html", "html_error", "parse_html"]

# Tag name -> MessageEntity type, as listed under "HTML style" in the Bot API docs.
_TAG_ENTITY: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z][a-zA-Z0-9]*));")
_SPACES = frozenset(" \t\r\n\f")
_SPACES_OR_GT = _SPACES | {">"}
_UNQUOTED_VALUE = re.compile(r"[a-zA-Z0-9.\-_]+")


class HtmlParseError(ValueError):
    """Telegram's "can't parse entities" reason for a text it would reject."""


@dataclass(frozen=True, slots=True)
class ParsedHtml:
    """Visible text and MessageEntity dicts (UTF-16 offsets) of a parsed HTML text."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Open:
    name: str
    offset: int
    attrs: dict[str, str]
    language: str | None = None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(markup: str, index: int) -> int:
    return len(markup[:index].encode("utf-8"))


def _decode_entity(markup: str, at: int) -> tuple[str, int]:
    """Decode the character reference at markup[at] == '&'; return it and the index after."""
    m = _ENTITY.match(markup, at)
    # Telegram keeps a stray '&' as text; we reject it, so that tests prove text was escaped.
    if m is None:
        raise HtmlParseError(
            f'Character "&" must be escaped as "&amp;" at byte offset {_byte_offset(markup, at)}'
        )
    dec, hexa, name = m.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        if char is None:
            raise HtmlParseError(
                f'Unsupported HTML entity "{m.group(0)}" at byte offset '
                f"{_byte_offset(markup, at)}; only &lt; &gt; &amp; &quot; are allowed"
            )
        return char, m.end()
    code = int(dec) if dec is not None else int(hexa, 16)
    if 0xD800 <= code <= 0xDFFF:
        raise HtmlParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    if code == 0 or code > 0x10FFFF:
        raise HtmlParseError(
            f'Invalid character reference "{m.group(0)}" at byte offset {_byte_offset(markup, at)}'
        )
    return chr(code), m.end()


def _decode_value(markup: str, value: str, value_at: int) -> str:
    if "&" not in value:
        return value
    out: list[str] = []
    i = 0
    while (j := value.find("&", i)) >= 0:
        out.append(value[i:j])
        try:
            char, i = _decode_entity(value, j)
        except HtmlParseError:
            raise HtmlParseError(
                f'Character "&" must be escaped as "&amp;" at byte offset '
                f"{_byte_offset(markup, value_at + j)}"
            ) from None
        out.append(char)
    out.append(value[i:])
    return "".join(out)


def _parse_start_tag(markup: str, at: int) -> tuple[str, dict[str, str], int]:
    """Parse '<name attr="v" ...>' at markup[at]; return name, attributes, index after '>'."""
    n = len(markup)
    offset = _byte_offset(markup, at)
    i = at + 1
    while i < n and markup[i] not in _SPACES and markup[i] != ">":
        i += 1
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
    name = markup[at + 1 : i].lower()
    if name not in _TAG_ENTITY:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    attrs: dict[str, str] = {}
    while True:
        while i < n and markup[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {offset}')
        if markup[i] == ">":
            return name, attrs, i + 1
        start = i
        while i < n and markup[i] not in _SPACES and markup[i] not in "=>":
            i += 1
        attr = markup[start:i].lower()
        if not attr:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {offset}'
            )
        while i < n and markup[i] in _SPACES:
            i += 1
        if i < n and markup[i] != "=":
            attrs[attr] = ""  # a valueless attribute, e.g. <blockquote expandable>
            continue
        i += 1
        while i < n and markup[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {offset}')
        if markup[i] in "\"'":
            end = markup.find(markup[i], i + 1)
            if end < 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
            attrs[attr] = _decode_value(markup, markup[i + 1 : end], i + 1)
            i = end + 1
        else:
            m = _UNQUOTED_VALUE.match(markup, i)
            if m is None or (m.end() < n and markup[m.end()] not in _SPACES_OR_GT):
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(markup, i)}"
                )
            attrs[attr] = m.group(0)
            i = m.end()


def _entity_for(tag: _Open, length: int) -> dict[str, Any] | None:
    entity: dict[str, Any] = {
        "type": _TAG_ENTITY[tag.name],
        "offset": tag.offset,
        "length": length,
    }
    if tag.name == "a":
        href = tag.attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        emoji_id = tag.attrs.get("emoji-id")
        if not emoji_id:
            return None
        entity["custom_emoji_id"] = emoji_id
    return entity


def parse_html(markup: str) -> ParsedHtml:
    """Parse Telegram HTML into visible text and entities; raise HtmlParseError like Telegram."""
    out: list[str] = []
    length16 = 0  # visible text length so far, in UTF-16 code units like entity offsets
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    n = len(markup)
    i = 0
    while True:
        m = _SPECIAL.search(markup, i)
        j = m.start() if m is not None else n
        if j > i:
            chunk = markup[i:j]
            out.append(chunk)
            length16 += _utf16_len(chunk)
        if m is None:
            break
        if markup[j] == "&":
            char, i = _decode_entity(markup, j)
            out.append(char)
            length16 += _utf16_len(char)
            continue
        if markup.startswith("</", j):
            offset = _byte_offset(markup, j)
            k = j + 2
            while k < n and markup[k] not in _SPACES and markup[k] != ">":
                k += 1
            name = markup[j + 2 : k].lower()
            while k < n and markup[k] in _SPACES:
                k += 1
            if k >= n or markup[k] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {offset}")
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {offset}")
            top = stack[-1]
            if name and name != top.name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{top.name}>", '
                    f'found "</{name}>"'
                )
            stack.pop()
            i = k + 1
            language = top.attrs.get("class", "")
            # <pre><code class="language-x"> gives the pre entity a language, no code entity.
            in_pre = top.name == "code" and bool(stack) and stack[-1].name == "pre"
            if in_pre and language.startswith("language-") and len(language) > 9:
                stack[-1].language = language.removeprefix("language-")
                continue
            if length16 > top.offset and (entity := _entity_for(top, length16 - top.offset)):
                entities.append(entity)
            continue
        name, attrs, i = _parse_start_tag(markup, j)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(markup, j)}'
            )
        stack.append(_Open(name, length16, attrs))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedHtml("".join(out), entities)


def check_html(markup: str) -> None:
    """Raise HtmlParseError if Telegram (or our stricter '&' rule) would reject markup."""
    parse_html(markup)


def html_error(markup: str) -> str | None:
    """Return the parse error Telegram would report for markup, or None if it is valid."""
    try:
        parse_html(markup)
    except HtmlParseError as exc:
        return str(exc)
    return None
