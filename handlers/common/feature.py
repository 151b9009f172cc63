"""Everyone's commands: start, menu, help, language, cancel, my data, erasing oneself."""

from __future__ import annotations

from datetime import time

from telegram.ext import ChatMemberHandler, MessageHandler, filters

from bot.core.access import Permission
from bot.core.flood import FloodGuard
from bot.i18n import N_
from bot.rules.backups import BackupRules
from bot.rules.privacy import PrivacyRules
from bot.rules.users import UserRules
from handlers.common import handlers as h
from handlers.common.buttons import CODEC, EraseMe, KeepMe
from handlers.plumbing.access_matrix import E, button
from handlers.plumbing.feature import Buttons, Command, Daily, Feature, Job, MenuEntry
from handlers.plumbing.menu import MENU_CODEC, MenuPress

FEATURE = Feature(
    name="common",
    rules=(
        lambda k: FloodGuard(k.settings.flood_limit_per_minute),
        UserRules,
        PrivacyRules,
        BackupRules,
    ),
    commands=(
        Command("start", h.on_start, N_("Start or register")),
        Command("menu", h.on_menu, N_("Main menu")),
        Command("help", h.on_help, N_("What I can do")),
        Command("language", h.on_language, N_("Change the language")),
        Command("cancel", h.on_cancel, N_("Leave the form")),
        Command("mydata", h.on_mydata, N_("What I store about you")),
        Command("deleteme", h.on_deleteme, N_("Erase your data")),
    ),
    menu=(
        MenuEntry("menu", N_("Main menu"), Permission.USE_FORMS, h.on_menu, 0, listed=False),
        MenuEntry("language", N_("🌐 Language"), Permission.USE_FORMS, h.on_language, 900),
        MenuEntry("mydata", N_("🔒 My data"), Permission.USE_FORMS, h.on_mydata, 910),
        MenuEntry("help", N_("❓ Help"), Permission.USE_FORMS, h.on_help, 920),
    ),
    buttons=Buttons(CODEC, {EraseMe: h.on_erase_me, KeepMe: h.on_keep_me}),
    extra=(
        ChatMemberHandler(h.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        # After the commands meant for group chats (/linkgroup): any other one there.
        MessageHandler(~filters.ChatType.PRIVATE & filters.COMMAND, h.on_group_start),
    ),
    jobs=(Job("daily-backup", lambda k: k.get(BackupRules).daily_backup(), Daily(time(3, 30))),),
    fallbacks=(MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, h.on_unknown_command),),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/start", "anyone (newcomers begin onboarding)", "Y Y Y Y Y Y"),
        E("/menu", "anyone; entries by permission", "Y Y Y Y Y Y"),
        E("/help", "anyone", "Y Y Y Y Y Y"),
        E("/language", "registered", "R Y Y Y Y Y"),
        E("/cancel", "anyone", "Y Y Y Y Y Y"),
        E("/mydata", "registered: one's own data", "R Y Y Y Y Y"),
        E("/deleteme", "registered: oneself", "R Y Y Y Y Y"),
        E(button(CODEC, KeepMe()), "registered: oneself", "Y Y Y Y Y Y"),
        E(button(MENU_CODEC, MenuPress("menu")), "as the command", "Y Y Y Y Y Y"),
    ),
)
