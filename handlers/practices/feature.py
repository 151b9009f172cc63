"""Practices and the compiled recommendations: /practice, /practices, /search, `pr:` buttons."""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.practices import (
    AnswerRelayed,
    AwaitsReview,
    ContactShared,
    EditsAsked,
    PracticeApproved,
    PracticeDeclined,
    PracticeRules,
    PracticesDigest,
    QuestionRelayed,
    SearchPage,
)
from bot.rules.recommendations import RecommendationRules
from handlers.plumbing.access_matrix import PENDING, PQUESTION, PRACTICE, E, button
from handlers.plumbing.feature import Buttons, Command, Feature, MenuEntry
from handlers.practices import handlers as h
from handlers.practices import screens
from handlers.practices.buttons import (
    CODEC,
    AnswerQuestion,
    Approve,
    AskAuthor,
    AskForEdits,
    ChooseRegion,
    ChooseTopic,
    Decline,
    DocumentFile,
    DocumentPeriod,
    DocumentTopic,
    EditPractice,
    ListPractices,
    MarkHelpful,
    MyPractices,
    OpenPractice,
    Recommendations,
    SearchForm,
    SearchResults,
    Sort,
    WaitingPractices,
)

NOTHING_WAITS = N_("Nothing waits for approval.")
SEES = "registered; what one may see"

FEATURE = Feature(
    name="practices",
    rules=(PracticeRules, RecommendationRules),
    commands=(
        Command("practice", h.on_practice, N_("Share a practice")),
        Command("practices", h.on_practices, N_("Practices of peers")),
        Command("search", h.on_search, N_("Search practices by a word")),
    ),
    menu=(
        MenuEntry("practice", N_("📘 Share a practice"), Permission.USE_FORMS, h.on_practice, 110),
        MenuEntry("practices", N_("📚 Practices"), Permission.USE_FORMS, h.on_practices, 120),
    ),
    buttons=Buttons(
        CODEC,
        {
            ListPractices: h.on_list,
            ChooseTopic: h.on_choose_topic,
            ChooseRegion: h.on_choose_region,
            OpenPractice: h.on_open,
            MarkHelpful: h.on_helpful,
            AskAuthor: h.on_ask,
            AnswerQuestion: h.on_answer,
            MyPractices: h.on_mine,
            SearchForm: h.on_search_form,
            SearchResults: h.on_search_page,
            EditPractice: h.on_edit,
            WaitingPractices: h.on_waiting,
            Approve: h.on_approve,
            AskForEdits: h.on_ask_for_edits,
            Decline: h.on_decline,
            Recommendations: h.on_recommendations,
            DocumentTopic: h.on_document_topic,
            DocumentPeriod: h.on_document_period,
            DocumentFile: h.on_document,
        },
    ),
    notices={
        AwaitsReview: screens.awaits_review,
        PracticeApproved: screens.practice_approved,
        EditsAsked: screens.edits_asked,
        PracticeDeclined: screens.practice_declined,
        QuestionRelayed: screens.question_relayed,
        AnswerRelayed: screens.answer_relayed,
        ContactShared: screens.contact_shared,
        # The first page of a search made with the search form comes after its receipt.
        SearchPage: screens.search_page,
    },
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/practice", "registered", "R Y Y Y Y Y"),
        E("/practices", SEES, "R Y Y Y Y Y"),
        E("/search water", SEES, "R Y Y Y Y Y"),
        E(button(CODEC, ListPractices(None, None, Sort.NEWEST, 0)), SEES, "R Y Y Y Y Y"),
        E(button(CODEC, ChooseTopic(None, Sort.NEWEST)), "registered", "R Y Y Y Y Y"),
        E(button(CODEC, ChooseRegion(None, Sort.NEWEST)), "registered", "R Y Y Y Y Y"),
        E(button(CODEC, OpenPractice(PRACTICE)), "who may see the practice", "R Y Y Y Y Y"),
        E(button(CODEC, MarkHelpful(PRACTICE)), "who may see the practice", "R Y Y Y Y Y"),
        E(
            button(CODEC, AskAuthor(PRACTICE)),
            "who may see it, if the author allows; not the author",
            "R Y S Y Y Y",
        ),
        E(button(CODEC, AnswerQuestion(PQUESTION)), "the practice's author", "R S Y S S S"),
        E(button(CODEC, MyPractices(0)), "registered: one's own", "R Y Y Y Y Y"),
        E(button(CODEC, SearchForm()), "registered", "R Y Y Y Y Y"),
        E(button(CODEC, EditPractice(PENDING)), "the practice's author", "R S Y S S S"),
        E(
            button(CODEC, WaitingPractices(0)),
            "review_practices",
            "R N N 0 Y N",
            NOTHING_WAITS,
        ),
        E(
            button(CODEC, Approve(PENDING)),
            "review_practices, author's place or group in scope",
            "R N N S Y N",
        ),
        E(button(CODEC, AskForEdits(PENDING)), "review_practices, in scope", "R N N S Y N"),
        E(button(CODEC, Decline(PENDING)), "review_practices, in scope", "R N N S Y N"),
        E(button(CODEC, Recommendations()), "export", "R N N Y Y N"),
        E(button(CODEC, DocumentTopic(None)), "export", "R N N Y Y N"),
        E(button(CODEC, DocumentPeriod(None, 0)), "export", "R N N Y Y N"),
        E(
            button(CODEC, DocumentFile(None, 0, "md")),
            "export; practices in scope",
            "R N N Y Y N",
        ),
    ),
    digest_sections={PracticesDigest: screens.digest_section},
)
