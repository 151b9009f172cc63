"""Statistics for coordinators: /stats, counts of the records their exports hold.

Its own folder, not the exports': it shares no screen, button or query with them, only the
reach the counts come from (`actor.reach`, as every rule).
"""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.stats import StatsRules
from handlers.plumbing.access_matrix import E, button
from handlers.plumbing.feature import Command, Feature, MenuEntry
from handlers.plumbing.menu import MENU_CODEC, MenuPress
from handlers.stats import handlers as h

NO_REPORTS = N_("📝 Incident reports: {week} · {total}")

FEATURE = Feature(
    name="stats",
    rules=(StatsRules,),
    commands=(Command("stats", h.on_stats, N_("Counts for your area (coordinators)")),),
    menu=(MenuEntry("stats", N_("📊 Statistics"), Permission.VIEW_STATS, h.on_stats, 150),),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/stats", "view_stats; counts in scope", "R N N 0 Y N", NO_REPORTS),
        E(button(MENU_CODEC, MenuPress("stats")), "as /stats", "R N N 0 Y N", NO_REPORTS),
    ),
)
