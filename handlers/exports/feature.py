"""Coordinator tools: /stats (counts of the same records the exports hold) and /export."""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.needs import NeedRules
from bot.services.exports import ExportService
from bot.services.stats import StatsService
from handlers.exports import handlers as h
from handlers.plumbing.feature import Command, Feature, MenuEntry

FEATURE = Feature(
    name="exports",
    rules=(
        lambda k: ExportService(
            k.db, k.settings, k.clock, k.gazetteer, k.access, k.get(NeedRules)
        ),
        lambda k: StatsService(
            k.db, k.settings, k.clock, k.gazetteer, k.get(ExportService), k.get(NeedRules)
        ),
    ),
    commands=(
        Command("stats", h.on_stats, N_("Counts for your area (coordinators)")),
        Command("export", h.on_export, N_("Export reports, practices, people (coordinators)")),
    ),
    menu=(
        MenuEntry("stats", N_("📊 Statistics"), Permission.VIEW_STATS, h.on_stats, 150),
        MenuEntry("export", N_("📤 Export data"), Permission.EXPORT, h.on_export, 160),
    ),
    raw_buttons=((r"^exp:", h.on_export_button),),
)
