"""Early warning for coordinators: /watch, a place's weeks and its reports."""

from __future__ import annotations

from datetime import time

from bot.core.access import Permission
from bot.core.kernel import Kernel
from bot.i18n import N_
from bot.rules.incidents import IncidentRules
from bot.rules.users import UserRules
from bot.services.digests import DigestService
from bot.services.early_warning import EarlyWarningSection, EarlyWarningService
from handlers.early_warning import handlers as h
from handlers.plumbing.access_matrix import E
from handlers.plumbing.feature import Command, Daily, Feature, Job, MenuEntry
from handlers.plumbing.notify import chat_notifier


def connect(kernel: Kernel) -> None:
    """Checked after each new or updated report, and shown in the weekly digest."""
    warning = kernel.get(EarlyWarningService)
    kernel.get(IncidentRules).on_incident_changed.append(warning.on_incident_changed)
    kernel.get(DigestService).add_section(EarlyWarningSection(warning), before="review")


FEATURE = Feature(
    name="early_warning",
    rules=(
        lambda k: EarlyWarningService(
            k.db, k.settings, k.clock, k.gazetteer, k.access, k.get(UserRules), chat_notifier(k)
        ),
    ),
    connect=connect,
    commands=(Command("watch", h.on_watch, N_("Places where tension is rising or calming")),),
    menu=(MenuEntry("watch", N_("⚠️ Tension watch"), Permission.RECEIVE_ALERTS, h.on_watch, 40),),
    raw_buttons=(
        (r"^ew:w$", h.on_watch),
        (r"^ew:p:[A-Z0-9-]+$", h.on_place),
        (r"^ew:r:[A-Z0-9-]+$", h.on_reports),
    ),
    jobs=(
        Job(
            "early-warning",
            lambda k: k.get(EarlyWarningService).check(now=k.clock.now()),
            Daily(time(8, 0)),
        ),
    ),
    # Written by hand until early warning's buttons have a codec: then `button(CODEC, ...)`.
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/watch", "receive_alerts; places in scope", "R N N Y Y N"),
        E("ew:w", "receive_alerts; places in scope", "R N N Y Y N"),
        E("ew:p:{place}", "receive_alerts, place in scope", "R N N N Y N"),
        E("ew:r:{place}", "receive_alerts, place in scope", "R N N N Y N"),
    ),
)
