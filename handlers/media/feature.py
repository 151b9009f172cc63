"""Photos and voice notes kept by the project: downloads, retries, retention (no commands)."""

from __future__ import annotations

from datetime import time, timedelta

from bot.core.kernel import Kernel
from bot.forms.engine import FormEngine
from bot.rules.media import MediaLost, MediaRules
from bot.rules.privacy import PrivacyRules
from handlers.media import screens
from handlers.plumbing.feature import Daily, Every, Feature, Job


def connect(kernel: Kernel) -> None:
    """Every submission's files are recorded; an erasure's files leave the folder at once."""
    media = kernel.get(MediaRules)
    kernel.get(FormEngine).on_submit.append(media.record_submission)
    kernel.get(PrivacyRules).after_erase.append(media.sweep)


FEATURE = Feature(
    # Installed after every feature that stores files: its eraser runs after theirs.
    name="media",
    rules=(MediaRules,),
    connect=connect,
    notices={MediaLost: screens.media_lost},
    jobs=(
        # Retries and files from before this release; what a crash left waiting.
        Job(
            "media-downloads",
            lambda k: k.get(MediaRules).fetch_due(),
            Every(timedelta(minutes=1), timedelta(seconds=30)),
        ),
        Job("media-retention", lambda k: k.get(MediaRules).apply_retention(), Daily(time(4, 0))),
    ),
)
