"""Weekly digests: /digest (a preview), /digest settings and the `dg:` buttons."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.groups import GroupRules
from bot.rules.needs import NeedRules
from bot.rules.users import UserRules
from bot.services.digests import DIGEST_TICK, DigestService, first_tick_delay
from handlers.digests import handlers as h
from handlers.plumbing.access_matrix import E
from handlers.plumbing.feature import AtStart, Command, Every, Feature, Job, MenuEntry
from handlers.plumbing.notify import chat_notifier


def _first_tick(now: datetime, zone: tzinfo) -> timedelta:
    return timedelta(seconds=first_tick_delay(now, zone))


FEATURE = Feature(
    name="digests",
    rules=(
        lambda k: DigestService(
            k.db,
            k.settings,
            k.clock,
            k.gazetteer,
            k.access,
            k.get(UserRules),
            k.get(GroupRules),
            k.get(NeedRules),
            chat_notifier(k),
        ),
    ),
    commands=(Command("digest", h.on_digest, N_("Weekly digest: preview and settings")),),
    menu=(MenuEntry("digest", N_("📰 Weekly digest"), Permission.VIEW_STATS, h.on_digest, 140),),
    raw_buttons=((r"^dg:", h.on_button),),
    jobs=(
        # A tick at each full hour sends what fell due, reading the schedules from SQLite (a
        # change applies without a restart); the tick at start-up catches up missed periods.
        Job(
            "digest-tick",
            lambda k: k.get(DigestService).run_due(k.clock.now()),
            Every(DIGEST_TICK, _first_tick),
        ),
        Job("digest-catch-up", lambda k: k.get(DigestService).run_due(k.clock.now()), AtStart()),
    ),
    # Written by hand until the digests' buttons have a codec: then `button(CODEC, ...)`.
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E(
            "/digest",
            "registered; coordinators see their scope, members their groups",
            "R Y Y Y Y Y",
        ),
        E("dg:s", "registered", "R Y Y Y Y Y"),
        E("dg:u:x", "registered: one's own digest off", "R Y Y Y Y Y"),
        E("dg:u:w:3", "view_stats: one's own digest day", "R N N Y Y N"),
        E("dg:g:{group}", "the group's managers", "R N N N Y N"),
    ),
)
