"""Text people type: cleaned once where it enters, made safe again where files are written.

Two kinds of characters cause harm. Control characters and the non-characters U+FFFE/U+FFFF
are not allowed in XML, so one of them in a report made every XLSX and DOCX export of its
region fail; a leading one also hid a formula from the spreadsheet neutralisation.
Bidirectional controls and zero-width characters make a name or label display as something
else ("Aigul" followed by U+202E reads backwards, so a card can seem to say what it does not).
"""

from __future__ import annotations

import re

# Everything XML 1.0 forbids: C0 controls but tab, newline and carriage return; UTF-16
# surrogates (a lone one can arrive in JSON); the non-characters U+FFFE and U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Embeddings and overrides (U+202A-202E), isolates (U+2066-2069), the directional marks
# (U+200E/200F) and the Arabic letter mark (U+061C): none belongs in Kyrgyz, Russian or
# English text, and each can reorder what follows it on screen.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Zero-width space, non-joiner, joiner, word joiner and the byte-order mark: invisible, so a
# name with one looks like another person's name.
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def xml_safe(text: str) -> str:
    """`text` without the characters XML forbids (for writers of XLSX and DOCX files)."""
    return _XML_INVALID.sub("", text)


def clean_text(text: str) -> str:
    """Free text as stored: line breaks as \\n, tabs kept, no control or bidi characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _BIDI.sub("", xml_safe(text))


def clean_label(text: str) -> str:
    """A name or short label shown to others: `clean_text` without zero-width characters."""
    return _ZERO_WIDTH.sub("", clean_text(text))


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula, invisible characters aside."""
    visible = _ZERO_WIDTH.sub("", _BIDI.sub("", xml_safe(text))).lstrip(" ")
    return visible.startswith(FORMULA_START)
