"""Review of incident reports by coordinators: /review, and what review tells people.

Review's buttons carry the shipped `inc:` prefix, so the incidents feature's codec writes
them and its dispatcher routes them to the handlers here.
"""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.review import AnswerToCoordinator, QuestionToReporter, ReviewOutcome, ReviewRules
from handlers.incidents.buttons import (
    CODEC,
    AskReporter,
    JoinDuplicate,
    NextReport,
    OpenReport,
    Reject,
    TypeDuplicate,
    Verify,
)
from handlers.plumbing.access_matrix import INCIDENT, INCIDENT2, E, button
from handlers.plumbing.feature import Command, Feature, MenuEntry
from handlers.plumbing.menu import MENU_CODEC, MenuPress
from handlers.review import handlers as h
from handlers.review import screens

NO_REVIEW = N_("No reports in your area wait for review. Thank you!")
IN_SCOPE = "review_incidents, report in scope"
ALL_IN_SCOPE = "review_incidents; reports in scope"

FEATURE = Feature(
    name="review",
    rules=(ReviewRules,),
    commands=(Command("review", h.on_review, N_("Review the reports of your area")),),
    menu=(
        MenuEntry("review", N_("🔎 Review reports"), Permission.REVIEW_INCIDENTS, h.on_review, 30),
    ),
    notices={
        QuestionToReporter: screens.question_to_reporter,
        AnswerToCoordinator: screens.answer_to_coordinator,
        ReviewOutcome: screens.review_outcome,
    },
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/review", "review_incidents; reports in scope", "R N N 0 Y N", NO_REVIEW),
        E(button(MENU_CODEC, MenuPress("review")), "as /review", "R N N 0 Y N", NO_REVIEW),
        E(button(CODEC, OpenReport(INCIDENT)), IN_SCOPE, "R N N S Y N"),
        E(button(CODEC, NextReport(INCIDENT)), ALL_IN_SCOPE, "R N N 0 Y N", NO_REVIEW),
        E(button(CODEC, Verify(INCIDENT)), IN_SCOPE, "R N N S Y N"),
        E(button(CODEC, JoinDuplicate(INCIDENT, INCIDENT2)), IN_SCOPE, "R N N S Y N"),
        E(button(CODEC, AskReporter(INCIDENT)), IN_SCOPE, "R N N S Y N"),
        E(button(CODEC, TypeDuplicate(INCIDENT)), IN_SCOPE, "R N N S Y N"),
        E(button(CODEC, Reject(INCIDENT)), IN_SCOPE, "R N N S Y N"),
    ),
)
