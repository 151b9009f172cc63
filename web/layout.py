"""The frame of every dashboard page: header, navigation, language, the filter bar.

Pure functions of records and a translator, like the chat's screens; which pages a person
may open is asked of `Access` with the same permissions the chat uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import quote

from aiohttp import web

from bot.config import LANGUAGES
from bot.core.access import Permission
from bot.forms.incident import EVENTS, RESOURCES
from bot.forms.incident_labels import REVIEW_STATUSES, label
from bot.i18n import N_, Tr
from bot.records.dashboard import ReportFilter
from bot.rules.incidents import FilterChoices
from web.context import Viewer
from web.html import Child, Markup, document, plain, tag

STATIC = "/static/"
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
# (path, msgid, permission): the navigation, in order; a page is listed to whom it allows.
PAGES: tuple[tuple[str, str, Permission], ...] = (
    ("/map", N_("Map"), Permission.REVIEW_INCIDENTS),
    ("/reports", N_("Reports"), Permission.REVIEW_INCIDENTS),
    ("/tension", N_("Tension"), Permission.RECEIVE_ALERTS),
    ("/needs", N_("Needs"), Permission.VIEW_NEEDS),
    ("/practices", N_("Practices"), Permission.USE_FORMS),
)
TITLE = N_("Dashboard")


def page(
    viewer: Viewer,
    request: web.Request,
    *,
    title: str,
    body: Child,
    active: str,
    scripts: Sequence[str] = (),
    styles: Sequence[str] = (),
    wide: bool = False,
) -> web.Response:
    """A whole page for a signed-in person."""
    tr = viewer.tr
    head: list[Child] = [
        tag("link", rel="icon", href=STATIC + "favicon.svg", type="image/svg+xml"),
        [tag("link", rel="stylesheet", href=STATIC + s) for s in styles],
        tag("link", rel="stylesheet", href=STATIC + "dashboard.css"),
        [tag("script", src=STATIC + s, defer=True) for s in (*scripts, "dashboard.js")],
    ]
    content = tag(
        "body",
        header(viewer, request, active),
        tag("main", tag("h1", title), body, class_="wide" if wide else None),
        data_page=active.strip("/"),
    )
    html = document(
        lang=tr.locale, title=f"{plain(title)} · {tr.label(TITLE)}", head=head, body=content
    )
    return web.Response(
        body=html,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


def header(viewer: Viewer, request: web.Request, active: str) -> Markup:
    """The navigation the person's permissions allow, the languages and signing out."""
    tr = viewer.tr
    access = viewer.kernel.access
    links = [
        tag("a", tr.gettext(name), href=path, aria_current="page" if path == active else None)
        for path, name, permission in PAGES
        if access.allows(viewer.actor, permission)
    ]
    here = request.path_qs
    languages = [
        tag("a", LANGUAGE_NAMES[code], href=f"/language/{code}?next={_quoted(here)}", lang=code)
        if code != tr.locale
        else tag("strong", LANGUAGE_NAMES[code], lang=code)
        for code in LANGUAGES
    ]
    sign_out = tag(
        "form",
        tag("button", tr.pgettext("button", "Sign out"), type="submit", class_="link"),
        method="post",
        action="/logout",
    )
    return tag(
        "header",
        tag("a", "ayilbot", href="/", class_="brand"),
        tag("nav", links, class_="pages"),
        tag("nav", languages, sign_out, class_="tools"),
    )


def _quoted(path: str) -> str:
    return quote(path, safe="")


def _select(
    name: str, options: Iterable[tuple[str, str]], chosen: str | None, any_text: str
) -> Markup:
    return tag(
        "select",
        tag("option", any_text, value=""),
        [tag("option", text, value=value, selected=value == chosen) for value, text in options],
        name=name,
        id=f"filter-{name}",
    )


def filter_bar(
    tr: Tr,
    action: str,
    choices: FilterChoices,
    where: ReportFilter,
    *,
    keep: dict[str, str] | None = None,
    extra: Child = None,
) -> Markup:
    """The filter form: period, place (drilling down), resource, event, review, urgent."""
    places: list[tuple[str, str]] = []
    for depth, place in enumerate(choices.trail):
        places.append((place.code, "· " * depth + place.name(tr.locale)))
    indent = "· " * len(choices.trail)
    places += [(p.code, indent + p.name(tr.locale)) for p in choices.children]
    any_ = tr.pgettext("filter", "any")

    def field(text: str, control: Child, name: str) -> Markup:
        return tag("label", tag("span", text), control, for_=f"filter-{name}")

    fields = [
        field(
            tr.gettext(N_("From")),
            tag("input", type="date", name="since", id="filter-since", value=_day(where.since)),
            "since",
        ),
        field(
            tr.gettext(N_("Until")),
            tag("input", type="date", name="until", id="filter-until", value=_day(where.until)),
            "until",
        ),
        field(
            tr.gettext(N_("Place")),
            _select("place", places, where.place, tr.pgettext("filter", "all places")),
            "place",
        ),
        field(
            tr.gettext(N_("Resource")),
            _select(
                "resource",
                ((v, label(RESOURCES, v, tr)) for v in choices.resources),
                where.resource,
                any_,
            ),
            "resource",
        ),
        field(
            tr.gettext(N_("What happened")),
            _select(
                "event", ((v, label(EVENTS, v, tr)) for v in choices.events), where.event, any_
            ),
            "event",
        ),
        field(
            tr.gettext(N_("Review")),
            _select(
                "review",
                ((v, label(REVIEW_STATUSES, v, tr)) for v in choices.reviews),
                where.review,
                any_,
            ),
            "review",
        ),
        tag(
            "label",
            tag(
                "input",
                type="checkbox",
                name="urgent",
                value="1",
                checked=where.urgent,
                id="filter-urgent",
            ),
            tag("span", tr.gettext(N_("Urgent only"))),
            class_="check",
            for_="filter-urgent",
        ),
    ]
    hidden = [tag("input", type="hidden", name=k, value=v) for k, v in (keep or {}).items()]
    buttons = tag(
        "div",
        tag("button", tr.pgettext("button", "Apply"), type="submit"),
        tag("a", tr.pgettext("button", "Clear"), href=action, class_="clear"),
        class_="buttons",
    )
    chosen = (
        sum(
            value not in (None, False)
            for value in (where.since, where.until, where.place, where.resource, where.event)
        )
        + (where.review is not None)
        + where.urgent
    )
    form = tag(
        "form",
        tag("div", fields, extra, class_="fields"),
        hidden,
        buttons,
        method="get",
        action=action,
        class_="filters",
        data_autosubmit="1",
    )
    # Open on a laptop; dashboard.js folds it on a phone's screen, where the map needs it.
    return tag(
        "details",
        tag("summary", tr.gettext(N_("Filters")), f" ({tr.number(chosen)})" if chosen else None),
        form,
        class_="filter-box",
        open=True,
    )


def _day(value: object) -> str | None:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else None
