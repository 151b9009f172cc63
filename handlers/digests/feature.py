"""Weekly digests: /digest (a preview), /digest settings, the `dg:` buttons and the deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from functools import partial

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.digests import (
    DIGEST_TICK,
    CoordinatorDigest,
    DigestRules,
    GroupDigest,
    IncidentsSection,
    ReviewSection,
    first_tick_delay,
)
from handlers.digests import handlers as h
from handlers.digests import screens
from handlers.digests.buttons import (
    CODEC,
    GroupDay,
    GroupHour,
    GroupLanguage,
    GroupOff,
    GroupOn,
    MineOff,
    MineOn,
    MyDay,
    MyHour,
    OpenGroup,
    OpenSettings,
)
from handlers.plumbing.access_matrix import GROUP, E, button
from handlers.plumbing.feature import (
    AtStart,
    Buttons,
    Command,
    Every,
    Feature,
    Job,
    MenuEntry,
    NoticeScreen,
    Surface,
)


def _first_tick(now: datetime, zone: tzinfo) -> timedelta:
    return timedelta(seconds=first_tick_delay(now, zone))


def _with_sections(surface: Surface) -> Mapping[type, NoticeScreen]:
    """The coordinator digest draws each feature's section with that feature's screen."""
    return {
        CoordinatorDigest: partial(screens.coordinator_digest, sections=surface.digest_sections)
    }


FEATURE = Feature(
    name="digests",  # also the key of the digest records in /mydata
    rules=(DigestRules,),
    commands=(Command("digest", h.on_digest, N_("Weekly digest: preview and settings")),),
    menu=(MenuEntry("digest", N_("📰 Weekly digest"), Permission.VIEW_STATS, h.on_digest, 140),),
    buttons=Buttons(
        CODEC,
        {
            OpenSettings: h.on_settings,
            MineOff: h.on_mine_off,
            MineOn: h.on_mine_on,
            MyDay: h.on_my_day,
            MyHour: h.on_my_hour,
            OpenGroup: h.on_group,
            GroupDay: h.on_group_day,
            GroupHour: h.on_group_hour,
            GroupOff: h.on_group_off,
            GroupOn: h.on_group_on,
            GroupLanguage: h.on_group_language,
        },
    ),
    notices={GroupDigest: screens.group_digest},
    composite_notices=_with_sections,
    digest_sections={
        IncidentsSection: screens.incidents_section,
        ReviewSection: screens.review_section,
    },
    jobs=(
        # A tick at each full hour sends what fell due, reading the schedules from SQLite (a
        # change applies without a restart); the tick at start-up catches up missed periods.
        Job(
            "digest-tick",
            lambda k: k.get(DigestRules).run_due(k.clock.now()),
            Every(DIGEST_TICK, _first_tick),
        ),
        Job("digest-catch-up", lambda k: k.get(DigestRules).run_due(k.clock.now()), AtStart()),
    ),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E(
            "/digest",
            "registered; coordinators see their scope, members their groups",
            "R Y Y Y Y Y",
        ),
        E(button(CODEC, OpenSettings()), "registered", "R Y Y Y Y Y"),
        E(button(CODEC, MineOff()), "registered: one's own digest off", "R Y Y Y Y Y"),
        E(button(CODEC, MyDay(3)), "view_stats: one's own digest day", "R N N Y Y N"),
        E(button(CODEC, OpenGroup(GROUP)), "the group's managers", "R N N N Y N"),
    ),
)
