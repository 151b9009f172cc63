"""Marking messages without translating them: what rules may use to name what is said.

Rules refuse with `Invalid(N_("..."))` or name a receipt's msgid; the surface translates it
in the reader's language. The translator itself (bot.i18n) is for surfaces and outputs.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated when rendered, in the reader's locale."""
    return message
