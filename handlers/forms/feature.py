"""Forms: the buttons of every form, and whatever is typed into the open one."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import MessageHandler, filters

from bot.forms.engine import FormEngine
from handlers.forms import handlers as h
from handlers.plumbing.feature import Buttons, Every, Feature, Job
from handlers.plumbing.forms import FORM_CODEC, FormButton

FEATURE = Feature(
    name="forms",
    buttons=Buttons(FORM_CODEC, {FormButton: h.on_form_button}),
    jobs=(
        # Forget redelivery keys and receipts old enough that Telegram cannot redeliver.
        Job("housekeeping", lambda k: k.get(FormEngine).housekeeping(), Every(timedelta(hours=1))),
    ),
    # Last: anything typed in private goes to the open form.
    fallbacks=(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, h.on_form_input),),
)
