"""Refusals on the web: 400, 401, 403, 404, each a short sentence in the person's language.

The rules raise the same refusals as for the chat (NotAllowed, NotRegistered, StaleButton for
a record missing or out of reach, UnknownValue) and NotSignedIn; this middleware answers each
with its status and one translated sentence, as HTML for pages and as JSON for the API and the
pages' data, and nothing else: no id, no reason, no trace. The attempt is logged with its
route pattern (never the path, which may hold a login code), the reason and the address;
never a token, a cookie or initData.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.core.errors import (
    NotAllowed,
    NotRegistered,
    StaleButton,
    StorageUnavailable,
    UnknownValue,
)
from bot.i18n import N_, Tr, translator
from bot.rules.dashboard import NotSignedIn
from web.context import (
    browser_language,
    claimed_language,
    current_viewer,
    json_response,
    kernel_of,
)
from web.html import document, tag

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/data/", "/auth/")
MESSAGES: dict[int, str] = {
    400: N_("This filter value does not exist. Choose one from the list."),
    401: N_("Please sign in: send /dashboard to the bot and open the dashboard from there."),
    403: N_("You do not have permission to see this."),
    404: N_("Not found."),
    405: N_("Not found."),
    500: N_("Something went wrong on our side. Please try again."),
    503: N_("The dashboard is busy right now. Please try again in a minute."),
}
NOT_REGISTERED = N_("Please register in the bot first: send /start to it.")
NO_TOKEN = N_("This needs a valid API token, sent as: Authorization: Bearer TOKEN.")
TITLE = N_("Dashboard")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def wants_json(request: web.Request) -> bool:
    """Whether the request came from code (the API, a page's script) rather than a person."""
    return request.path.startswith(JSON_PREFIXES)


def route_of(request: web.Request) -> str:
    """The route's pattern (`/login/{code}`), never the path with what filled it."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else "?"


def tr_for(request: web.Request) -> Tr:
    """The language of whoever asked: the signed-in person's, else the browser's."""
    viewer = current_viewer.get()
    if viewer is not None:
        return viewer.tr
    # Other systems read the API: English unless they ask for a language.
    api = request.path.startswith("/api/")
    default = "en" if api else kernel_of(request).settings.default_language
    return translator(browser_language(request, default))


def refusal(request: web.Request, status: int, message: str | None = None) -> web.Response:
    """The one answer to a refused request: its status and a sentence, nothing more."""
    tr = tr_for(request)
    text = tr.gettext(message or MESSAGES.get(status, MESSAGES[404]))
    headers = {"Cache-Control": "no-store"}
    if status == 401 and request.path.startswith("/api/"):
        headers["WWW-Authenticate"] = 'Bearer realm="ayilbot"'
    if wants_json(request):
        return json_response({"error": str(text)}, status=status, headers=headers)
    body = document(
        lang=tr.locale,
        title=tr.gettext(TITLE),
        head=tag("link", rel="stylesheet", href="/static/dashboard.css"),
        body=tag("body", tag("main", tag("p", text, class_="refusal"), class_="narrow")),
    )
    return web.Response(
        body=body, status=status, content_type="text/html", charset="utf-8", headers=headers
    )


def _log(request: web.Request, status: int, reason: str) -> None:
    log.warning(
        "web request refused",
        extra={
            "status": status,
            "reason": reason,
            "method": request.method,
            "route": route_of(request),
            "address": request.remote or "?",
        },
    )


@web.middleware
async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn the rules' refusals and aiohttp's own errors into translated answers."""
    started, claimed = current_viewer.set(None), claimed_language.set(None)
    try:
        return await _answer(request, handler)
    finally:
        current_viewer.reset(started)
        claimed_language.reset(claimed)


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except NotSignedIn as exc:
        _log(request, 401, exc.reason)
        return refusal(request, 401, NO_TOKEN if request.path.startswith("/api/") else None)
    except NotRegistered:
        _log(request, 403, "not_registered")
        return refusal(request, 403, NOT_REGISTERED)
    except NotAllowed as exc:
        _log(request, 403, exc.permission)
        return refusal(request, 403)
    except StaleButton:
        _log(request, 404, "missing_or_out_of_reach")
        return refusal(request, 404)
    except UnknownValue as exc:
        _log(request, 400, f"unknown_{exc.name}")
        return refusal(request, 400)
    except StorageUnavailable:
        log.warning("web request: storage unavailable", extra={"route": route_of(request)})
        return refusal(request, 503)
    except web.HTTPException as exc:
        if exc.status in MESSAGES and exc.status >= 400:
            if exc.status in (401, 403, 404, 405):
                _log(request, exc.status, exc.reason)
            return refusal(request, exc.status)
        raise
    except Exception as exc:
        log.error(
            "web request failed: %s",
            type(exc).__name__,
            exc_info=exc,
            extra={"route": route_of(request)},
        )
        return refusal(request, 500)
