"""Women's needs, programmes and election results: /need ... /results and `nd:` buttons."""

from __future__ import annotations

from datetime import time

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.needs import NeedReminder, NeedRules, NeedsDigest, ProgrammeReady
from handlers.needs import handlers as h
from handlers.needs import screens
from handlers.needs.buttons import (
    CODEC,
    ChooseJoin,
    Join,
    NoChangeYet,
    OpenMyNeeds,
    OpenNeed,
    OpenOverview,
    OpenResults,
    OpenShared,
    OpenTopic,
    RecordProgress,
    Share,
    ShareWith,
    ShowFiles,
    Unshare,
)
from handlers.plumbing.access_matrix import GROUP, NEED, NEED2, E, button
from handlers.plumbing.feature import Buttons, Command, Daily, Feature, Job, MenuEntry

NO_NEEDS = ("{n} need", "{n} needs")
NO_RESULTS = N_("No election results have been recorded yet.")
SEEN_BY = "its author, her groups, coordinators in scope"

FEATURE = Feature(
    name="needs",
    rules=(lambda k: NeedRules(k),),
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
        MenuEntry("need", screens.RECORD_A_NEED, Permission.RECORD_NEED, h.on_need, 50),
        MenuEntry("myneeds", N_("📋 My needs"), Permission.RECORD_NEED, h.on_myneeds, 60),
        MenuEntry("programme", screens.PROGRAMME, Permission.RECORD_NEED, h.on_programme, 70),
        MenuEntry("election", N_("🗳 Election result"), Permission.RECORD_NEED, h.on_election, 80),
        MenuEntry("needs", N_("📊 Women's needs"), Permission.VIEW_NEEDS, h.on_needs_overview, 90),
    ),
    buttons=Buttons(
        CODEC,
        {
            OpenMyNeeds: h.on_my_needs_button,
            OpenShared: h.on_shared,
            OpenOverview: h.on_overview_button,
            OpenResults: h.on_results_button,
            NoChangeYet: h.on_no_change,
            OpenTopic: h.on_topic,
            OpenNeed: h.on_open,
            ShowFiles: h.on_files,
            RecordProgress: h.on_progress,
            Share: h.on_share,
            ShareWith: h.on_share_with,
            Unshare: h.on_unshare,
            ChooseJoin: h.on_choose_join,
            Join: h.on_join,
        },
    ),
    notices={NeedReminder: screens.reminder, ProgrammeReady: screens.programme_files},
    digest_sections={NeedsDigest: screens.digest_section},
    jobs=(
        Job(
            "need-reminders",
            lambda k: k.get(NeedRules).send_reminders(k.clock.now()),
            Daily(time(10, 30)),
        ),
    ),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/need", "record_need (candidates, coordinators)", "R N Y Y Y N"),
        E("/myneeds", "record_need: one's own", "R N Y Y Y N"),
        E("/programme", "record_need: one's own", "R N Y Y Y N"),
        E("/election", "record_need", "R N Y Y Y N"),
        E("/needs", "view_needs; needs in scope", "R N N 0 Y N", NO_NEEDS),
        E("/results", "view_election_results; in scope", "R N N 0 Y N", NO_RESULTS),
        E(button(CODEC, OpenMyNeeds()), "record_need: one's own", "R N Y Y Y N"),
        E(
            button(CODEC, OpenShared()),
            "record_need: needs shared with one's groups",
            "R N Y Y Y N",
        ),
        E(button(CODEC, OpenOverview()), "view_needs", "R N N 0 Y N", NO_NEEDS),
        E(button(CODEC, OpenResults()), "view_election_results", "R N N 0 Y N", NO_RESULTS),
        E(button(CODEC, OpenTopic("water")), "view_needs", "R N N Y Y N"),
        E(button(CODEC, OpenNeed(NEED)), SEEN_BY, "N N Y N Y N"),
        E(button(CODEC, ShowFiles(NEED)), SEEN_BY, "N N Y N Y N"),
        E(button(CODEC, RecordProgress(NEED)), "its author", "R N Y N N N"),
        E(button(CODEC, Share(NEED)), "its author", "N N Y N N N"),
        E(button(CODEC, ShareWith(NEED, GROUP)), "its author, to her group", "N N Y N N N"),
        E(button(CODEC, Unshare(NEED)), "its author", "N N Y N N N"),
        E(button(CODEC, ChooseJoin(NEED)), "its author", "N N Y N N N"),
        E(button(CODEC, Join(NEED, NEED2)), "its author", "N N Y N N N"),
    ),
)
