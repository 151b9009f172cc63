"""The main menu: entries by permission; each entry's action lives in handlers/menu.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.forms import practice as practice_views
from bot.i18n import N_, Safe, Tr, escape
from bot.screen import Button, Screen, rows
from bot.services import assessments as assessment_views
from bot.services import digests as digest_views
from bot.services import early_warning_views as warning_views
from bot.services import exports as export_views
from bot.services import incident_views as views
from bot.services import need_views
from bot.services import stats as stats_views
from bot.services.access import Access, Actor, Permission


@dataclass(frozen=True, slots=True)
class MenuEntry:
    key: str  # callback `m:<key>`; never renamed once shipped
    label: str
    permission: Permission


# Order is the order on screen; features append their entries here.
MENU: list[MenuEntry] = [
    # Incident reports first: the bot's main use in the field.
    MenuEntry("report", views.MENU_REPORT, Permission.USE_FORMS),
    MenuEntry("myreports", views.MENU_MY_REPORTS, Permission.USE_FORMS),
    MenuEntry("review", views.MENU_REVIEW, Permission.REVIEW_INCIDENTS),
    MenuEntry("watch", warning_views.MENU_WATCH, Permission.RECEIVE_ALERTS),
    MenuEntry("need", need_views.MENU_NEED, Permission.RECORD_NEED),
    MenuEntry("myneeds", need_views.MENU_MY_NEEDS, Permission.RECORD_NEED),
    MenuEntry("programme", need_views.MENU_PROGRAMME, Permission.RECORD_NEED),
    MenuEntry("election", need_views.MENU_ELECTION, Permission.RECORD_NEED),
    MenuEntry("needs", need_views.MENU_NEEDS, Permission.VIEW_NEEDS),
    MenuEntry("assessment", assessment_views.MENU_ASSESSMENT, Permission.ASSESS),
    MenuEntry("practice", practice_views.MENU_SHARE, Permission.USE_FORMS),
    MenuEntry("practices", practice_views.MENU_BROWSE, Permission.USE_FORMS),
    MenuEntry("groups", practice_views.MENU_GROUPS, Permission.USE_FORMS),
    MenuEntry("digest", digest_views.MENU_DIGEST, Permission.VIEW_STATS),
    MenuEntry("stats", stats_views.MENU_STATS, Permission.VIEW_STATS),
    MenuEntry("export", export_views.MENU_EXPORT, Permission.EXPORT),
    MenuEntry("language", N_("🌐 Language"), Permission.USE_FORMS),
    MenuEntry("mydata", N_("🔒 My data"), Permission.USE_FORMS),
    MenuEntry("help", N_("❓ Help"), Permission.USE_FORMS),
]


# Commands shown in Telegram's command menu, with their descriptions; features append theirs.
COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Start or register")),
    ("menu", N_("Main menu")),
    ("help", N_("What I can do")),
    ("language", N_("Change the language")),
    ("cancel", N_("Leave the form")),
    ("mydata", N_("What I store about you")),
    ("deleteme", N_("Erase your data")),
    ("report", views.COMMAND_REPORT),
    ("myreports", views.COMMAND_MY_REPORTS),
    ("review", views.COMMAND_REVIEW),
    ("watch", warning_views.COMMAND_WATCH),
    ("need", need_views.COMMAND_NEED),
    ("myneeds", need_views.COMMAND_MY_NEEDS),
    ("programme", need_views.COMMAND_PROGRAMME),
    ("election", need_views.COMMAND_ELECTION),
    ("needs", need_views.COMMAND_NEEDS),
    ("results", need_views.COMMAND_RESULTS),
    ("assessment", assessment_views.COMMAND_ASSESSMENT),
    ("compare", assessment_views.COMMAND_COMPARE),
    ("practice", practice_views.COMMAND_PRACTICE),
    ("practices", practice_views.COMMAND_PRACTICES),
    ("search", practice_views.COMMAND_SEARCH),
    ("groups", practice_views.COMMAND_GROUPS),
    ("newgroup", practice_views.COMMAND_NEWGROUP),
    ("digest", digest_views.COMMAND_DIGEST),
    ("stats", stats_views.COMMAND_STATS),
    ("export", export_views.COMMAND_EXPORT),
]


def menu_screen(actor: Actor, access: Access, tr: Tr, paused: list[tuple[str, str]]) -> Screen:
    """The menu for this person: what their role allows, and forms they put aside."""
    buttons = [
        Button(tr.label(e.label), f"m:{e.key}") for e in MENU if access.allows(actor, e.permission)
    ]
    resume = [(Button("↩️ " + tr.label(title), data),) for title, data in paused]
    return Screen(tr.gettext(N_("What would you like to do?")), (*resume, *rows(buttons, 2)))


# Commands without a menu entry of the same name, and who may use them.
_COMMAND_PERMISSIONS = {
    "results": Permission.VIEW_ELECTION_RESULTS,
    "compare": Permission.ASSESS,
    "newgroup": Permission.MANAGE_GROUPS,
}


def help_screen(actor: Actor, access: Access, tr: Tr) -> Screen:
    """/help: what the bot is for, and the commands this person may use."""
    by_entry = {e.key: e.permission for e in MENU} | _COMMAND_PERMISSIONS
    lines = [
        f"/{name} — {escape(tr.label(text))}"
        for name, text in COMMANDS
        if name not in by_entry or access.allows(actor, by_entry[name])
    ]
    intro = tr.gettext(
        N_(
            "I help village leaders report disputes over water, pasture and land, women "
            "candidates bring women's needs into local plans, and peers share what worked."
        )
    )
    return Screen(Safe(intro + "\n\n" + "\n".join(lines)))
