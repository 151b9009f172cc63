"""Early warning for coordinators: /watch, a place's weeks and reports, alerts, the digest part."""

from __future__ import annotations

from datetime import time

from bot.core.access import Permission
from bot.core.kernel import Kernel
from bot.i18n import N_
from bot.rules.early_warning import EarlyWarningRules, TensionAlert, WatchSection
from bot.rules.incidents import IncidentRules
from handlers.early_warning import handlers as h
from handlers.early_warning import screens
from handlers.early_warning.buttons import CODEC, OpenReports, OpenWatch, OpenWeeks
from handlers.plumbing.access_matrix import PLACE, E, button
from handlers.plumbing.feature import Buttons, Command, Daily, Feature, Job, MenuEntry


def connect(kernel: Kernel) -> None:
    """The signal is checked again after each new or updated report."""
    warning = kernel.get(EarlyWarningRules)
    kernel.get(IncidentRules).on_incident_changed.append(warning.on_incident_changed)


FEATURE = Feature(
    name="early_warning",  # also the key of the alerts received in /mydata
    rules=(EarlyWarningRules,),
    connect=connect,
    commands=(Command("watch", h.on_watch, N_("Places where tension is rising or calming")),),
    menu=(MenuEntry("watch", N_("⚠️ Tension watch"), Permission.RECEIVE_ALERTS, h.on_watch, 40),),
    buttons=Buttons(
        CODEC, {OpenWatch: h.on_watch_button, OpenWeeks: h.on_weeks, OpenReports: h.on_reports}
    ),
    notices={TensionAlert: screens.alert},
    digest_sections={WatchSection: screens.digest_section},
    jobs=(
        Job(
            "early-warning",
            lambda k: k.get(EarlyWarningRules).check(now=k.clock.now()),
            Daily(time(8, 0)),
        ),
    ),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/watch", "receive_alerts; places in scope", "R N N Y Y N"),
        E(button(CODEC, OpenWatch()), "receive_alerts; places in scope", "R N N Y Y N"),
        E(button(CODEC, OpenWeeks(PLACE)), "receive_alerts, place in scope", "R N N N Y N"),
        E(button(CODEC, OpenReports(PLACE)), "receive_alerts, place in scope", "R N N N Y N"),
    ),
)
