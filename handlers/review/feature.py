"""Review of incident reports by coordinators: /review and the review buttons."""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from handlers.plumbing.feature import Command, Feature, MenuEntry
from handlers.review import handlers as h

FEATURE = Feature(
    name="review",
    commands=(Command("review", h.on_review, N_("Review the reports of your area")),),
    menu=(
        MenuEntry("review", N_("🔎 Review reports"), Permission.REVIEW_INCIDENTS, h.on_review, 30),
    ),
    raw_buttons=(
        (r"^inc:o:\d+$", h.on_open),
        (r"^inc:n:\d+$", h.on_next),
        (r"^inc:v:\d+$", h.on_verify),
        (r"^inc:D:\d+:\d+$", h.on_duplicate_of),
        (r"^inc:[qdr]:\d+$", h.on_review_form),
    ),
)
