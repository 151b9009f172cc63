"""Signing in and out: the Mini App page, one-time links, the session cookie, the language.

The Mini App page is static: its script (`static/miniapp.js`) reads the `tgWebAppData` that
Telegram puts after `#` in the address (no script from telegram.org is needed, which the
Content-Security-Policy would refuse) and posts it to /auth/webapp. A one-time link first
shows a page with a button, and only the button's POST uses the link: a link preview or a
scanner that fetches the address does not spend it. Sessions live in a cookie that is
`Secure`, `HttpOnly` and `SameSite=Strict`, named `__Host-` so a browser keeps it to this
host and path.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web

from bot.config import LANGUAGES
from bot.core.access import Access, Actor, Permission
from bot.i18n import N_, Tr, translator
from bot.rules.dashboard import DashboardRules, NotSignedIn, SignedIn
from web.context import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    browser_language,
    claimed_language,
    json_response,
    kernel_of,
    viewer_of,
)
from web.errors import MESSAGES
from web.html import document, tag
from web.layout import STATIC, TITLE

LONGEST_INIT_DATA = 4096


def _tr(request: web.Request) -> Tr:
    return translator(browser_language(request, kernel_of(request).settings.default_language))


def _plain_page(tr: Tr, *body: object, script: str | None = None) -> web.Response:
    head = [
        tag("link", rel="icon", href=STATIC + "favicon.svg", type="image/svg+xml"),
        tag("link", rel="stylesheet", href=STATIC + "dashboard.css"),
        tag("script", src=STATIC + script, defer=True) if script else None,
    ]
    html = document(
        lang=tr.locale,
        title=tr.gettext(TITLE),
        head=head,
        body=tag("body", tag("main", *body, class_="narrow")),
    )
    return web.Response(
        body=html, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"}
    )


def same_origin(request: web.Request) -> None:
    """Refuse a state-changing request another site's page sent (a forged form)."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise NotSignedIn("foreign_origin")


def set_session(response: web.StreamResponse, signed: SignedIn, now: datetime) -> None:
    """Give the browser the session's cookie (when the sign-in made a new one)."""
    if signed.secret is None:
        return
    max_age = int((signed.expires_at - now).total_seconds()) if signed.expires_at else None
    response.set_cookie(
        SESSION_COOKIE,
        signed.secret,
        max_age=max_age,
        path="/",
        secure=True,
        httponly=True,
        samesite="Strict",
    )


def first_page(actor: Actor, access: Access) -> str:
    """Where a signed-in person starts: the map, or else the first page she may open."""
    return "/map" if access.allows(actor, Permission.REVIEW_INCIDENTS) else "/practices"


def see_other(target: str) -> web.Response:
    """303 to a local page."""
    return web.Response(status=303, headers={"Location": target, "Cache-Control": "no-store"})


async def home(request: web.Request) -> web.StreamResponse:
    """/: the first page for someone signed in (NotSignedIn, 401, for anyone else)."""
    viewer = await viewer_of(request)
    return see_other(first_page(viewer.actor, viewer.kernel.access))


async def mini_app(request: web.Request) -> web.StreamResponse:
    """The page Telegram opens: its script signs in with the Mini App's initData."""
    tr = _tr(request)
    return _plain_page(
        tr,
        tag("h1", tr.gettext(TITLE)),
        tag(
            "p",
            tr.gettext(N_("Signing in…")),
            id="status",
            aria_live="polite",
            data_missing=tr.gettext(MESSAGES[401]),
            data_failed=tr.gettext(MESSAGES[500]),
        ),
        script="miniapp.js",
    )


async def web_app_sign_in(request: web.Request) -> web.StreamResponse:
    """POST /auth/webapp {"init_data": ...}: a session for the person Telegram signed."""
    same_origin(request)
    try:
        sent = await request.json()
        raw = sent["init_data"] if isinstance(sent, dict) else None
    except (ValueError, KeyError):
        raw = None
    if not isinstance(raw, str) or not raw or len(raw) > LONGEST_INIT_DATA:
        raise NotSignedIn("malformed")
    claimed_language.set(language_in(raw))
    kernel = kernel_of(request)
    signed = await kernel.get(DashboardRules).sign_in_with_web_app(
        raw, current=request.cookies.get(SESSION_COOKIE)
    )
    response = json_response(
        {"next": first_page(signed.actor, kernel.access)}, headers={"Cache-Control": "no-store"}
    )
    set_session(response, signed, kernel.clock.now())
    return response


def language_in(raw: str) -> str | None:
    """The language Telegram says the Mini App's person uses (checked or not: it only picks
    the language of a refusal)."""
    try:
        user = json.loads(dict(parse_qsl(raw)).get("user", "{}"))
        code = str(user.get("language_code") or "").split("-")[0].lower()
    except (ValueError, AttributeError):
        return None
    return code if code in LANGUAGES else None


async def login_page(request: web.Request) -> web.StreamResponse:
    """GET /login/<code>: a button that uses the link (a GET alone never spends it)."""
    tr = _tr(request)
    code = request.match_info["code"]
    form = tag(
        "form",
        tag("input", type="hidden", name="code", value=code),
        tag("button", tr.pgettext("button", "Open the dashboard"), type="submit"),
        method="post",
        action="/login",
    )
    return _plain_page(
        tr,
        tag("h1", tr.gettext(TITLE)),
        tag("p", tr.gettext(N_("This link works once, for 10 minutes after it was made."))),
        form,
    )


async def link_sign_in(request: web.Request) -> web.StreamResponse:
    """POST /login: use a one-time link, then on to the dashboard with a session cookie."""
    same_origin(request)
    form = await request.post()
    code = form.get("code")
    if not isinstance(code, str) or not 10 <= len(code) <= 100:
        raise NotSignedIn("malformed")
    kernel = kernel_of(request)
    signed = await kernel.get(DashboardRules).sign_in_with_link(code)
    # 303 after a POST from this site's own page: the next GET is same-site, so the
    # SameSite=Strict cookie goes with it (a redirect from another site would drop it).
    response = see_other(first_page(signed.actor, kernel.access))
    set_session(response, signed, kernel.clock.now())
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    """POST /logout: end the session and forget the cookie."""
    same_origin(request)
    await kernel_of(request).get(DashboardRules).sign_out(request.cookies.get(SESSION_COOKIE))
    tr = _tr(request)
    response = _plain_page(
        tr,
        tag("h1", tr.gettext(TITLE)),
        tag("p", tr.gettext(N_("You are signed out. /dashboard in the bot signs you in again."))),
    )
    response.del_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="Strict")
    return response


async def choose_language(request: web.Request) -> web.StreamResponse:
    """GET /language/<code>?next=/path: show the dashboard in that language from now on."""
    code = request.match_info["code"]
    if code not in LANGUAGES:
        raise web.HTTPNotFound()
    target = request.query.get("next", "/")
    parts = urlsplit(target)
    # Only a path of this site: browsers read `//host` and `/\host` as another site's address.
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target[1:2] in ("/", "\\")
        or not target.isprintable()
    ):
        target = "/"
    response = see_other(target)
    response.set_cookie(
        LANGUAGE_COOKIE, code, max_age=365 * 86400, path="/", secure=True, samesite="Strict"
    )
    return response
