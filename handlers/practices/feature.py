"""Practices and the compiled recommendations: /practice, /practices, /search, `pr:` buttons."""

from __future__ import annotations

from bot.core.access import Permission
from bot.forms.engine import FormEngine
from bot.i18n import N_
from bot.services.practices import PracticeService
from bot.services.recommendations import RecommendationService
from bot.services.users import UserService
from handlers.plumbing.feature import Command, Feature, MenuEntry
from handlers.plumbing.notify import chat_notifier
from handlers.practices import handlers as h

FEATURE = Feature(
    name="practices",
    rules=(
        lambda k: PracticeService(
            k.db,
            k.settings,
            k.clock,
            k.access,
            k.gazetteer,
            chat_notifier(k),
            k.get(FormEngine),
            k.get(UserService),
        ),
        lambda k: RecommendationService(k.db, k.clock, k.access, k.gazetteer, k.settings.zone),
    ),
    commands=(
        Command("practice", h.on_practice, N_("Share a practice")),
        Command("practices", h.on_practices, N_("Practices of peers")),
        Command("search", h.on_search, N_("Search practices by a word")),
    ),
    menu=(
        MenuEntry("practice", N_("📘 Share a practice"), Permission.USE_FORMS, h.on_practice, 110),
        MenuEntry("practices", N_("📚 Practices"), Permission.USE_FORMS, h.on_practices, 120),
    ),
    raw_buttons=((r"^pr:", h.on_button),),
)
