"""HTML built from values, escaped by construction: `tag("td", text)` can never inject markup.

A page is a tree of `tag()` calls. Text is escaped where it enters; `Markup` (and the
translator's `Safe`, whose parameters it escaped itself) passes through as it is. Attribute
values are always escaped, quotes included.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from bot.i18n import Safe

VOID = frozenset({"meta", "link", "input", "br", "img", "hr", "source"})
Child = object  # str, Markup, Safe, int, float, None, or an iterable of those


class Markup(str):
    """Text that is already HTML and is inserted as it is."""

    __slots__ = ()


def escape(value: object) -> Markup:
    """Text as HTML: markup and the translator's output stay, anything else is escaped."""
    if isinstance(value, Markup | Safe):
        return Markup(value)
    return Markup(html.escape(str(value), quote=True))


def plain(value: object) -> str:
    """The text of a value as a person reads it: the translator's HTML entities undone."""
    return html.unescape(value) if isinstance(value, Markup | Safe) else str(value)


def _attribute(name: str, value: object) -> str:
    if value is True:
        return f" {name}"
    return f' {name}="{html.escape(plain(value), quote=True)}"'


def _children(children: Iterable[Child]) -> Iterable[str]:
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, str | int | float):
            yield escape(child)
        elif isinstance(child, Iterable):
            yield from _children(child)
        else:
            raise TypeError(f"cannot put {type(child).__name__} into HTML")


def tag(element: str, /, *children: Child, **attributes: object) -> Markup:
    """`<element attributes>children</element>`; `class_` is `class`, `data_x` is `data-x`;
    an attribute of None or False is left out, True is written bare."""
    attrs = "".join(
        _attribute(key.rstrip("_").replace("_", "-"), value)
        for key, value in attributes.items()
        if value is not None and value is not False
    )
    if element in VOID:
        if children:
            raise ValueError(f"<{element}> takes no children")
        return Markup(f"<{element}{attrs}>")
    return Markup(f"<{element}{attrs}>{''.join(_children(children))}</{element}>")


def join(parts: Iterable[Child], separator: str = "") -> Markup:
    """Pieces of HTML one after another, with escaped separators between them."""
    return Markup(escape(separator).join(_children(parts)))


def document(*, lang: str, title: object, head: Iterable[Child], body: Child) -> bytes:
    """A whole page, UTF-8."""
    page = tag(
        "html",
        tag(
            "head",
            tag("meta", charset="utf-8"),
            tag("meta", name="viewport", content="width=device-width, initial-scale=1"),
            tag("title", plain(title)),
            head,
        ),
        body,
        lang=lang,
    )
    return ("<!doctype html>\n" + page + "\n").encode()
