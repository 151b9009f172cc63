"""Forms: the buttons of every form, and whatever is typed into the open one."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram.ext import MessageHandler, filters

from bot.core.kernel import Kernel
from bot.forms.engine import FormEngine
from bot.services.backups import prune_backups
from handlers.forms import handlers as h
from handlers.plumbing.feature import Buttons, Every, Feature, Job
from handlers.plumbing.forms import FORM_CODEC, FormButton


async def prune_old_backups(kernel: Kernel) -> None:
    """Delete scheduled backups older than AYILBOT_BACKUP_KEEP days."""
    folder = kernel.settings.backup_dir
    if folder is not None:
        await asyncio.to_thread(
            prune_backups, folder, now=kernel.clock.now(), keep_days=kernel.settings.backup_keep
        )


FEATURE = Feature(
    name="forms",
    buttons=Buttons(FORM_CODEC, {FormButton: h.on_form_button}),
    jobs=(
        # Forget redelivery keys and receipts old enough that Telegram cannot redeliver.
        Job("housekeeping", lambda k: k.get(FormEngine).housekeeping(), Every(timedelta(hours=1))),
        # Hourly and a minute after start-up, not only with the daily backup: the privacy
        # notice promises erased data leaves the backups after AYILBOT_BACKUP_KEEP days.
        Job("backup-pruning", prune_old_backups, Every(timedelta(hours=1))),
    ),
    # Last: anything typed in private goes to the open form.
    fallbacks=(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, h.on_form_input),),
)
