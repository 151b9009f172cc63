"""Incident reports, for the reporter: /report, /myreports, news, follow-ups, urgent alerts."""

from __future__ import annotations

from datetime import time

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.incidents import (
    AlertRerouted,
    FollowupQuestion,
    IncidentRules,
    UncoveredArea,
    UrgentAlert,
)
from handlers.incidents import handlers as h
from handlers.incidents import screens
from handlers.incidents.buttons import (
    CODEC,
    AddNews,
    AnswerFollowup,
    AskReporter,
    JoinDuplicate,
    MyReport,
    MyReports,
    NextReport,
    OpenReport,
    Reject,
    ReplyToQuestion,
    Said,
    ShowMedia,
    TypeDuplicate,
    Verify,
)
from handlers.plumbing.access_matrix import INCIDENT, QUESTION, E, button
from handlers.plumbing.feature import Buttons, Command, Daily, Feature, Job, MenuEntry
from handlers.review import handlers as review

FEATURE = Feature(
    name="incidents",  # also the key of the reports in /mydata
    rules=(IncidentRules,),
    commands=(
        Command("report", h.on_report, N_("Report an incident")),
        Command("myreports", h.on_my_reports, N_("My reports and their news")),
    ),
    menu=(
        MenuEntry("report", N_("📝 Report an incident"), Permission.USE_FORMS, h.on_report, 10),
        MenuEntry("myreports", N_("📋 My reports"), Permission.USE_FORMS, h.on_my_reports, 20),
    ),
    # One prefix has one dispatcher: review's `inc:` buttons are routed here, to its handlers.
    buttons=Buttons(
        CODEC,
        {
            MyReports: h.on_my_reports,
            MyReport: h.on_my_report,
            AddNews: h.on_add_news,
            AnswerFollowup: h.on_followup,
            ShowMedia: h.on_media,
            ReplyToQuestion: review.on_reply,
            OpenReport: review.on_open,
            NextReport: review.on_next,
            Verify: review.on_verify,
            JoinDuplicate: review.on_join_duplicate,
            AskReporter: review.on_ask,
            TypeDuplicate: review.on_type_duplicate,
            Reject: review.on_reject,
        },
    ),
    notices={
        UrgentAlert: screens.urgent_alert,
        UncoveredArea: screens.uncovered_area,
        AlertRerouted: screens.alert_rerouted,
        FollowupQuestion: screens.followup_question,
    },
    jobs=(
        Job(
            "incident-followups",
            lambda k: k.get(IncidentRules).send_followups(k.clock.now()),
            Daily(time(10, 0)),
        ),
    ),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/report", "registered", "R Y Y Y Y Y"),
        E("/myreports", "registered: one's own reports", "R Y Y Y Y Y"),
        E(button(CODEC, MyReports(0)), "registered: one's own reports", "R Y Y Y Y Y"),
        E(button(CODEC, MyReport(INCIDENT)), "the report's reporter", "R Y S S S S"),
        E(button(CODEC, AddNews(INCIDENT)), "the report's reporter", "R Y S S S S"),
        E(
            button(CODEC, AnswerFollowup(INCIDENT, Said.OPEN)),
            "the report's reporter, once asked",
            "R Y S S S S",
        ),
        E(button(CODEC, ReplyToQuestion(QUESTION)), "the report's reporter", "R Y S S S S"),
        E(
            button(CODEC, ShowMedia(INCIDENT)),
            "its reporter, or review_incidents in scope",
            "R Y S S Y S",
        ),
    ),
)
