"""Incident reports, for the reporter: /report, /myreports, news, follow-ups, replies."""

from __future__ import annotations

from datetime import time

from bot.core.access import Permission
from bot.i18n import N_
from bot.services.incidents import IncidentService
from bot.services.users import UserService
from handlers.incidents import handlers as h
from handlers.plumbing.feature import Command, Daily, Feature, Job, MenuEntry
from handlers.plumbing.notify import chat_notifier

FEATURE = Feature(
    name="incidents",
    rules=(
        lambda k: IncidentService(
            k.db, k.settings, k.clock, k.gazetteer, k.access, k.get(UserService), chat_notifier(k)
        ),
    ),
    commands=(
        Command("report", h.on_report, N_("Report an incident")),
        Command("myreports", h.on_my_reports, N_("My reports and their news")),
    ),
    menu=(
        MenuEntry("report", N_("📝 Report an incident"), Permission.USE_FORMS, h.on_report, 10),
        MenuEntry("myreports", N_("📋 My reports"), Permission.USE_FORMS, h.on_my_reports, 20),
    ),
    raw_buttons=(
        (r"^inc:l:\d+$", h.on_my_reports),
        (r"^inc:m:\d+$", h.on_my_report),
        (r"^inc:u:\d+$", h.on_add_news),
        (r"^inc:f:\d+:\w$", h.on_followup),
        (r"^inc:a:\d+$", h.on_reply),
        (r"^inc:p:\d+$", h.on_media),
    ),
    jobs=(
        Job(
            "incident-followups",
            lambda k: k.get(IncidentService).send_followups(k.clock.now()),
            Daily(time(10, 0)),
        ),
    ),
)
