"""What administrators are told about the media folder."""

from __future__ import annotations

from bot.i18n import Tr
from bot.rules.media import MediaLost
from handlers.plumbing.screen import Screen


def media_lost(notice: MediaLost, tr: Tr) -> Screen:
    """Files that could not be downloaded after every retry (or are over the size limit)."""
    head = tr.ngettext(
        "⚠️ {n} photo or voice note could not be saved in the media folder. What it came with "
        "is kept; the file itself is only with Telegram.",
        "⚠️ {n} photos or voice notes could not be saved in the media folder. What they came "
        "with is kept; the files themselves are only with Telegram.",
        notice.count,
    )
    lines = [head]
    if notice.error:
        lines.append(tr.gettext("Last error: {error}", error=notice.error))
    lines.append(tr.gettext("<code>ayilbot health</code> shows the state of the media folder."))
    return Screen("\n\n".join(lines))
