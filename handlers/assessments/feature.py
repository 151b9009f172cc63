"""Rapid assessments of ayil okmotu: /assessment, /compare and `as:` buttons."""

from __future__ import annotations

from bot.core.access import Permission
from bot.forms.engine import FormEngine
from bot.i18n import N_
from bot.services.assessments import AssessmentService
from handlers.assessments import handlers as h
from handlers.plumbing.feature import Command, Feature, MenuEntry

FEATURE = Feature(
    name="assessments",
    rules=(lambda k: AssessmentService(k.db, k.clock, k.access, k.gazetteer, k.get(FormEngine)),),
    commands=(
        Command("assessment", h.on_assessment, N_("Rapid assessments of ayil okmotu")),
        Command(
            "compare",
            h.on_compare,
            N_("Compare aiyl aimaks side by side"),
            permission=Permission.ASSESS,
        ),
    ),
    menu=(
        MenuEntry(
            "assessment",
            N_("🏞 Assessments of ayil okmotu"),
            Permission.ASSESS,
            h.on_assessment,
            100,
        ),
    ),
    raw_buttons=((r"^as:", h.on_assessment_button),),
)
