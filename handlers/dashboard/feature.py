"""The dashboard from the chat: /dashboard, its menu entry and its login-link button."""

from __future__ import annotations

from datetime import timedelta

from bot.core.access import Permission
from bot.core.kernel import Kernel
from bot.i18n import N_
from bot.rules.dashboard import DASHBOARD, DashboardRules
from handlers.dashboard import handlers as h
from handlers.dashboard.buttons import CODEC, MakeLoginLink
from handlers.plumbing.access_matrix import E, button
from handlers.plumbing.feature import Buttons, Command, Every, Feature, Job, MenuEntry


async def upkeep(kernel: Kernel) -> None:
    """Forget expired sessions, used or expired links and old Mini App sign-ins."""
    await kernel.get(DashboardRules).prune()


FEATURE = Feature(
    name="dashboard",
    rules=(DashboardRules,),
    commands=(
        Command(
            "dashboard", h.on_dashboard, N_("Map and tables of your area"), permission=DASHBOARD
        ),
    ),
    menu=(MenuEntry("dashboard", N_("🗺 Dashboard"), Permission.VIEW_STATS, h.on_dashboard, 145),),
    buttons=Buttons(CODEC, {MakeLoginLink: h.on_login_link}),
    jobs=(Job("dashboard-upkeep", upkeep, Every(timedelta(hours=1))),),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/dashboard", "view_stats: the dashboard of one's reach", "R N N Y Y N"),
        E(
            button(CODEC, MakeLoginLink()),
            "view_stats: a one-time link for a browser",
            "R N N Y Y N",
        ),
    ),
)
