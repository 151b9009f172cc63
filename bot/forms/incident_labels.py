"""How a report's stored codes read: labels for the codes no form asks for, and its number.

The chat's screens, the digests, early warning and the exports all name reports and their
review states the same way, so these live beside the form's own option lists, not in one
surface. Codes are stored: never rename them.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.forms.engine import option_list
from bot.forms.kinds import Option
from bot.i18n import N_, Tr

REVIEW_STATUSES = option_list(
    (
        ("pending", N_("Waiting for review")),
        ("verified", N_("✅ Verified")),
        ("question", N_("❓ Question asked to the reporter")),
        ("duplicate", N_("🔁 Duplicate")),
        ("rejected", N_("✖️ Rejected")),
    )
)
UPDATE_KINDS = option_list(
    (
        ("info", N_("📝 New information")),
        ("response", N_("🤝 A response was taken")),
        ("resolved", N_("✅ It is resolved")),
        ("reopened", N_("⚠️ It started again")),
        ("followup", N_("📅 Weekly check")),
        ("question", N_("❓ Coordinator's question")),
        ("answer", N_("💬 Reporter's answer")),
    )
)


def label(options: Sequence[Option], value: str | None, tr: Tr) -> str:
    """The reader's label for a stored code (the code itself when unknown)."""
    for option in options:
        if option.value == value:
            return option.text(tr)
    return value or ""


def report_number(number: int) -> str:
    """`№ 123`: how every message names a report."""
    return f"№ {number}"
