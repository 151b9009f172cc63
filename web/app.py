"""The dashboard's web application: every route, the refusals middleware, security headers.

`dashboard_app(kernel, media)` is what the process serves beside polling (or, with a
webhook, on the webhook's own server: `bot/wiring.py`, `serve`); `web/server.py` starts it.
"""

from __future__ import annotations

from aiohttp import web

from bot.core.kernel import Kernel
from web import api, health
from web.assets import create_app
from web.context import KERNEL, MEDIA
from web.errors import refusals
from web.media import MediaReader
from web.pages import auth, map, needs, practices, reports, tension

# The largest body accepted: the dashboard's own forms are tiny (and checked where read), but
# in webhook mode Telegram's updates arrive here too, a message quoting another among them.
LARGEST_BODY = 1024**2


def dashboard_app(kernel: Kernel, media: MediaReader) -> web.Application:
    """The dashboard and its API for the bot's kernel; photos and voice through `media`."""
    settings = kernel.settings
    app = create_app(
        tile_url=settings.tile_url, middlewares=(refusals,), client_max_size=LARGEST_BODY
    )
    app[KERNEL] = kernel
    app[MEDIA] = media
    router = app.router
    router.add_get("/", auth.home)
    router.add_get("/app", auth.mini_app)
    router.add_post("/auth/webapp", auth.web_app_sign_in)
    router.add_get("/login/{code}", auth.login_page)
    router.add_post("/login", auth.link_sign_in)
    router.add_post("/logout", auth.sign_out)
    router.add_get("/language/{code}", auth.choose_language)
    router.add_get("/map", map.map_page)
    router.add_get("/data/map", map.map_data)
    router.add_get("/data/needs", map.needs_data)
    router.add_get("/reports", reports.reports_page)
    router.add_get("/reports/{number}", reports.report_page)
    router.add_get("/media/reports/{number}/{index}", reports.report_file)
    router.add_get("/tension", tension.tension_page)
    router.add_get("/needs", needs.needs_page)
    router.add_get("/practices", practices.practices_page)
    api.add_routes(app)
    health.add_routes(app, settings)
    return app
