"""Review of incident reports by coordinators: /review, and what review tells people.

Review's buttons carry the shipped `inc:` prefix, so the incidents feature's codec writes
them and its dispatcher routes them to the handlers here.
"""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.review import AnswerToCoordinator, QuestionToReporter, ReviewOutcome, ReviewRules
from handlers.plumbing.feature import Command, Feature, MenuEntry
from handlers.review import handlers as h
from handlers.review import screens

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
)
