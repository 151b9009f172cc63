"""Needs: the track raised → in the plan → budgeted → implemented, by place and topic, in som.

Read through `NeedRules.track`: the needs a coordinator sees in the chat (her reach, and
those shared with her groups), an initiative's joined needs counted once, as `/needs` does.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from bot.forms.need import TOPICS
from bot.i18n import N_, Tr
from bot.rules.needs import Funnel, NeedRules, TrackRow
from web.context import Viewer, signed_in
from web.html import Markup, tag
from web.layout import page

STEPS: tuple[tuple[str, str], ...] = (
    ("total", N_("recorded")),
    ("raised", N_("raised")),
    ("in_plan", N_("in the plan")),
    ("budgeted", N_("budgeted")),
    ("implemented", N_("implemented")),
    ("declined", N_("declined")),
)


def som(amount: int, tr: Tr) -> str:
    """An amount in som, grouped as the reader's language groups numbers."""
    return str(tr.gettext(N_("{amount} som"), amount=tr.number(amount)))


def funnel_bar(funnel: Funnel, tr: Tr) -> Markup:
    """The track as steps, each with how many needs reached it."""
    steps = []
    for key, name in STEPS[:5]:
        count = getattr(funnel, key)
        width = round(100 * count / funnel.total) if funnel.total else 0
        steps.append(
            tag(
                "li",
                tag("span", tr.gettext(name), class_="step"),
                tag("span", tag("span", class_=f"fill w{min(100, width // 5 * 5)}"), class_="bar"),
                tag("strong", tr.number(count)),
            )
        )
    return tag(
        "div",
        tag("ol", steps, class_="funnel"),
        tag(
            "p", tr.gettext(N_("Budget allocated: {amount}"), amount=som(funnel.som_allocated, tr))
        ),
        tag(
            "p", tr.ngettext("{n} need was declined.", "{n} needs were declined.", funnel.declined)
        )
        if funnel.declined
        else None,
    )


def track_table(rows: Sequence[TrackRow], tr: Tr, first: str, name_of: object) -> Markup:
    """A row per place or topic: needs at each step, and the som allocated."""
    head = tag(
        "tr",
        tag("th", tr.gettext(first), scope="col", data_sort="text"),
        [tag("th", tr.gettext(name), scope="col", data_sort="number") for _, name in STEPS],
        tag("th", tr.gettext(N_("Budget, som")), scope="col", data_sort="number"),
    )
    body = []
    for row in rows:
        assert callable(name_of)
        cells = [tag("th", name_of(row), scope="row")]
        cells += [
            tag("td", tr.number(getattr(row.funnel, key)), data_value=getattr(row.funnel, key))
            for key, _ in STEPS
        ]
        cells.append(
            tag("td", tr.number(row.funnel.som_allocated), data_value=row.funnel.som_allocated)
        )
        body.append(tag("tr", cells))
    return tag(
        "div",
        tag("table", tag("thead", head), tag("tbody", body), class_="track", data_sortable="1"),
        class_="scroll",
    )


@signed_in
async def needs_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The needs track of the reader's reach."""
    track = await viewer.rules(NeedRules).track(viewer.actor)
    tr = viewer.tr
    if not track.funnel.total:
        body: list[object] = [tag("p", tr.gettext(N_("No needs are recorded in your area yet.")))]
    else:
        no_place = tr.gettext(N_("place not given"))
        body = [
            funnel_bar(track.funnel, tr),
            tag("h2", tr.gettext(N_("By place"))),
            track_table(
                track.by_place,
                tr,
                N_("Aiyl aimak"),
                lambda row: row.place.name(tr.locale) if row.place else no_place,
            ),
            tag("h2", tr.gettext(N_("By topic"))),
            track_table(
                track.by_topic, tr, N_("Topic"), lambda row: tr.label(TOPICS.get(row.key, row.key))
            ),
        ]
    return page(viewer, request, title=tr.gettext(N_("Needs")), body=body, active="/needs")
