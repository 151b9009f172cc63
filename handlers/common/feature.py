"""Everyone's commands: start, menu, help, language, cancel, my data, erasing oneself."""

from __future__ import annotations

from datetime import time

from telegram.ext import ChatMemberHandler, MessageHandler, filters

from bot.core.access import Permission
from bot.core.flood import FloodGuard
from bot.core.kernel import Kernel
from bot.i18n import N_
from bot.replication import copy_folders_offsite
from bot.services.backups import scheduled_backup
from bot.services.privacy import PrivacyService
from bot.services.users import UserService
from handlers.common import handlers as h
from handlers.common.buttons import CODEC, EraseMe, KeepMe
from handlers.plumbing.feature import Buttons, Command, Daily, Feature, Job, MenuEntry


async def daily_backup(kernel: Kernel) -> None:
    """A snapshot with the media folder in AYILBOT_BACKUP_DIR (kept AYILBOT_BACKUP_KEEP days);
    the media folder copied off-site."""
    folder = kernel.settings.backup_dir
    if folder is not None:
        await scheduled_backup(
            kernel.db,
            folder,
            now=kernel.clock.now(),
            keep=kernel.settings.backup_keep,
            media=kernel.settings.media_dir,
        )
    # The database itself goes off the machine continuously (`ayilbot replicate`).
    await copy_folders_offsite(kernel.settings)


FEATURE = Feature(
    name="common",
    rules=(
        lambda k: FloodGuard(k.settings.flood_limit_per_minute),
        lambda k: UserService(k.db, k.settings, k.clock, k.gazetteer, k.access),
        lambda k: PrivacyService(k.db, k.clock),
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
    jobs=(Job("daily-backup", daily_backup, Daily(time(3, 30))),),
    fallbacks=(MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, h.on_unknown_command),),
)
