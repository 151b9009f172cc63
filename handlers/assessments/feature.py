"""Rapid assessments of ayil okmotu: /assessment, /compare and `as:` buttons."""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.assessments import AssessmentRules
from handlers.assessments import handlers as h
from handlers.assessments.buttons import (
    CODEC,
    Compare,
    Home,
    NewAssessment,
    OpenProfile,
    OverTime,
)
from handlers.plumbing.access_matrix import PLACE, E, button
from handlers.plumbing.feature import Buttons, Command, Feature, MenuEntry

NOT_IN_SCOPE = N_("None of these aiyl aimaks is within your scope.")

FEATURE = Feature(
    name="assessments",
    rules=(lambda k: AssessmentRules(k),),
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
    buttons=Buttons(
        CODEC,
        {
            Home: h.on_home,
            NewAssessment: h.on_new,
            OpenProfile: h.on_profile,
            Compare: h.on_compare_button,
            OverTime: h.on_over_time,
        },
    ),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/assessment", "assess", "R N N Y Y N"),
        E("/compare", "assess; aiyl aimaks in scope", "R N N 0 Y N", NOT_IN_SCOPE),
        E(button(CODEC, Home()), "assess", "R N N Y Y N"),
        E(button(CODEC, NewAssessment()), "assess; aiyl aimaks in scope", "R N N Y Y N"),
        E(button(CODEC, NewAssessment(PLACE)), "assess, place in scope", "R N N N Y N"),
        E(button(CODEC, OpenProfile(PLACE)), "assess, place in scope", "R N N N Y N"),
        E(button(CODEC, OverTime(PLACE)), "assess, place in scope", "R N N N Y N"),
        E(button(CODEC, Compare()), "assess; aiyl aimaks in scope", "R N N 0 Y N", NOT_IN_SCOPE),
    ),
)
