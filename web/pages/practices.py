"""Practices: the approved practices a person may see, by topic, with their "helped me" counts.

Read through `PracticeRules.shelves`, the same visibility rule as /practices in the chat.
"""

from __future__ import annotations

from aiohttp import web

from bot.forms.practice import TOPIC_LABELS
from bot.i18n import N_
from bot.rules.practices import PracticeRules
from web.context import Viewer, signed_in
from web.html import tag
from web.layout import page


@signed_in
async def practices_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Approved practices by topic, most helpful first."""
    shelves = await viewer.rules(PracticeRules).shelves(viewer.actor)
    tr = viewer.tr
    zone = viewer.kernel.settings.zone
    body = []
    for shelf in shelves:
        items = []
        for line in shelf.lines:
            practice = line.practice
            when = practice.approved_at or practice.created_at
            items.append(
                tag(
                    "li",
                    tag("strong", practice.title),
                    tag(
                        "span",
                        line.where.name(tr.locale) or "",
                        " · ",
                        tr.short_date(when.astimezone(zone).date()),
                        class_="meta",
                    ),
                    tag(
                        "span",
                        tr.ngettext("helped {n} person", "helped {n} people", practice.helpful),
                        class_="helped",
                        data_helped=practice.helpful,
                    ),
                )
            )
        more = shelf.total - len(shelf.lines)
        body.append(
            tag(
                "section",
                tag(
                    "h2",
                    tr.label(TOPIC_LABELS.get(shelf.topic, shelf.topic)),
                    " ",
                    tag("small", tr.number(shelf.total)),
                ),
                tag("ol", items, class_="practices"),
                tag(
                    "p",
                    tr.ngettext(
                        "and {n} more in the bot: /practices",
                        "and {n} more in the bot: /practices",
                        more,
                    ),
                    class_="note",
                )
                if more > 0
                else None,
            )
        )
    if not body:
        body = [tag("p", tr.gettext(N_("No approved practices yet.")))]
    return page(viewer, request, title=tr.gettext(N_("Practices")), body=body, active="/practices")
