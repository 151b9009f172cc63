"""Women's needs, programmes and election results: /need ... /results and `nd:` buttons."""

from __future__ import annotations

from datetime import time

from bot.core.access import Permission
from bot.forms.engine import FormEngine
from bot.i18n import N_
from bot.services.needs import NeedService
from handlers.needs import handlers as h
from handlers.plumbing.feature import Command, Daily, Feature, Job, MenuEntry
from handlers.plumbing.notify import chat_notifier

FEATURE = Feature(
    name="needs",
    rules=(
        lambda k: NeedService(
            k.db, k.clock, k.access, k.gazetteer, k.get(FormEngine), chat_notifier(k)
        ),
    ),
    commands=(
        Command("need", h.on_need, N_("Record a women's need")),
        Command("myneeds", h.on_myneeds, N_("My needs and their progress")),
        Command("programme", h.on_programme, N_("Draft an electoral programme")),
        Command("election", h.on_election, N_("Record your election result")),
        Command("needs", h.on_needs_overview, N_("Needs, plans and budgets in your area")),
        Command(
            "results",
            h.on_results,
            N_("Candidates' election results"),
            permission=Permission.VIEW_ELECTION_RESULTS,
        ),
    ),
    menu=(
        MenuEntry("need", N_("📝 Record a need"), Permission.RECORD_NEED, h.on_need, 50),
        MenuEntry("myneeds", N_("📋 My needs"), Permission.RECORD_NEED, h.on_myneeds, 60),
        MenuEntry("programme", N_("📄 Programme"), Permission.RECORD_NEED, h.on_programme, 70),
        MenuEntry("election", N_("🗳 Election result"), Permission.RECORD_NEED, h.on_election, 80),
        MenuEntry("needs", N_("📊 Women's needs"), Permission.VIEW_NEEDS, h.on_needs_overview, 90),
    ),
    raw_buttons=((r"^nd:", h.on_need_button),),
    jobs=(
        Job(
            "need-reminders",
            lambda k: k.get(NeedService).send_reminders(k.clock.now()),
            Daily(time(10, 30)),
        ),
    ),
)
