"""Forms: the buttons of every form, and whatever is typed into the open one."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import MessageHandler, filters

from bot.forms.engine import FormEngine
from bot.rules.backups import BackupRules
from handlers.forms import handlers as h
from handlers.plumbing.access_matrix import E, button
from handlers.plumbing.feature import Buttons, Every, Feature, Job
from handlers.plumbing.forms import FORM_CODEC, FormButton

FEATURE = Feature(
    name="forms",
    buttons=Buttons(FORM_CODEC, {FormButton: h.on_form_button}),
    jobs=(
        # Forget redelivery keys and receipts old enough that Telegram cannot redeliver.
        Job("housekeeping", lambda k: k.get(FormEngine).housekeeping(), Every(timedelta(hours=1))),
        # Hourly and a minute after start-up, not only with the daily backup: the privacy
        # notice promises erased data leaves the backups after AYILBOT_BACKUP_KEEP days.
        Job(
            "backup-pruning",
            lambda k: k.get(BackupRules).prune_old_backups(),
            Every(timedelta(hours=1)),
        ),
    ),
    # Last: anything typed in private goes to the open form.
    fallbacks=(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, h.on_form_input),),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E(
            button(FORM_CODEC, FormButton("00000000", "x", "y")),
            "the form's own author; another's draft is stale",
            "S S S S S S",
        ),
    ),
)
