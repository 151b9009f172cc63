"""What every dashboard request knows: the kernel, the person behind it and her language.

The person is resolved again on every request (`DashboardRules.session_actor`), never kept
in the session: a role revoked in the chat closes the dashboard at the next click.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from bot.config import LANGUAGES
from bot.core.access import Actor
from bot.core.kernel import Kernel
from bot.i18n import Tr, translator
from bot.rules.dashboard import DashboardRules
from web.media import MediaReader

T = TypeVar("T")
SESSION_COOKIE = "__Host-ayil_session"  # __Host-: Secure, Path=/, no Domain, by the browser
LANGUAGE_COOKIE = "ayil_lang"
KERNEL = web.AppKey("kernel", Kernel)
MEDIA = web.AppKey("media", MediaReader)


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in person as the pages see her."""

    actor: Actor
    tr: Tr
    kernel: Kernel

    def rules(self, kind: type[T]) -> T:
        """A feature's rules object, by its class."""
        return self.kernel.get(kind)


Page = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]
# The person signed in for the request being handled: the refusals middleware starts each
# request with None, so a refusal after she was resolved is answered in her language.
current_viewer: ContextVar[Viewer | None] = ContextVar("current_viewer", default=None)
# Before anyone is resolved: the language a request says its person speaks (a Mini App's
# launch data names it), for the answer to a refusal.
claimed_language: ContextVar[str | None] = ContextVar("claimed_language", default=None)


def json_response(
    body: object, *, status: int = 200, headers: dict[str, str] | None = None, **extra: Any
) -> web.Response:
    """JSON with Cyrillic as it is, not `\\u` escapes: half the bytes, and readable with curl."""
    return web.json_response(
        body,
        status=status,
        headers=headers,
        dumps=partial(json.dumps, ensure_ascii=False),
        **extra,
    )


def kernel_of(request: web.Request) -> Kernel:
    """The kernel the bot built, which this web application was given."""
    return request.app[KERNEL]


def chosen_language(request: web.Request) -> str | None:
    """The language picked on the dashboard (its cookie), if any."""
    value = request.cookies.get(LANGUAGE_COOKIE)
    return value if value in LANGUAGES else None


def browser_language(request: web.Request, default: str) -> str:
    """For someone not signed in: the picked language, the one the request claims, else the
    browser's first we speak."""
    chosen = chosen_language(request) or claimed_language.get()
    if chosen:
        return chosen
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return default


async def viewer_of(request: web.Request) -> Viewer:
    """The signed-in person, resolved now; NotSignedIn, NotRegistered or NotAllowed else."""
    known = current_viewer.get()
    if known is not None:
        return known
    kernel = kernel_of(request)
    actor = await kernel.get(DashboardRules).session_actor(request.cookies.get(SESSION_COOKIE))
    viewer = Viewer(actor, translator(chosen_language(request) or actor.locale), kernel)
    current_viewer.set(viewer)
    return viewer


def signed_in(page: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A route handler for a page that only a signed-in person may see."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return await page(request, await viewer_of(request))

    handler.__doc__ = page.__doc__
    return handler
