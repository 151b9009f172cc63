"""The web surface's static files and the security headers every web response carries.

Files under web/static/ are indexed once, when the routes are added: a request is a dictionary
look-up, so no request path ever reaches the file system, and only the suffixes in
CONTENT_TYPES are served (README.md and LICENSE stay in the package, not on the web).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PREFIX = "/static/"
BORDERS_URL = STATIC_PREFIX + "borders-kg.geojson"

# Explicit types, because `X-Content-Type-Options: nosniff` makes the browser refuse a script or
# stylesheet sent with any other type, and Python's mimetypes knows no .geojson.
CONTENT_TYPES: Mapping[str, str] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".geojson": "application/geo+json",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


_CSP_HOST = re.compile(r"(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")


def tile_source(url_template: str) -> str:
    """The CSP source a Leaflet tile URL template loads from: its origin, `{s}` as `*`."""
    parts = urlsplit(url_template)
    host = parts.netloc.rsplit("@", 1)[-1]
    # Leaflet fills {s} with a subdomain letter (a.tile..., b.tile...); a CSP host may only
    # carry a wildcard as its leftmost label, which is where {s} stands in such templates.
    if host.startswith("{s}."):
        host = "*." + host.removeprefix("{s}.")
    # The setting becomes part of a header: anything but a plain host (a ';', a space, a
    # quote) could add a directive of its own.
    if parts.scheme not in ("http", "https") or not _CSP_HOST.fullmatch(host):
        raise ValueError(f"a tile URL must be http(s)://host[:port]/..., not {url_template!r}")
    return f"{parts.scheme}://{host}"


def content_security_policy(
    tile_url: str | None = None, frame_ancestors: Sequence[str] = ()
) -> str:
    """The Content-Security-Policy: this origin only, no inline code, images also from tiles.

    frame_ancestors lists who may frame the pages (Telegram Web shows a Mini App in an
    iframe); by default nobody may.
    """
    images = ["'self'", "data:"]
    if tile_url:
        images.append(tile_source(tile_url))
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": list(frame_ancestors) or ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def security_headers(policy: str) -> dict[str, str]:
    """The headers added to every response of the web surface."""
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        # The tile server is told the origin only (OpenStreetMap's tile policy asks for a
        # referrer), never a dashboard path that names a report or a place.
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


def static_files(root: Path = STATIC_DIR) -> dict[str, tuple[Path, str]]:
    """Every servable file under root: URL path below STATIC_PREFIX -> (file, content type)."""
    files: dict[str, tuple[Path, str]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is None or not path.is_file():
            continue
        if any(part.startswith(".") for part in relative.parts):
            continue
        files[relative.as_posix()] = (path, content_type)
    return files


def add_static_routes(app: web.Application, root: Path = STATIC_DIR) -> None:
    """Serve root's files under STATIC_PREFIX; anything else there is 404."""
    files = static_files(root)

    async def serve(request: web.Request) -> web.StreamResponse:
        found = files.get(request.match_info["path"])
        if found is None:
            raise web.HTTPNotFound()
        path, content_type = found
        # `no-cache` still lets the browser keep the file: it revalidates with the ETag that
        # FileResponse sends and gets a 304, so a redeploy is never masked by a stale copy.
        headers = {"Content-Type": content_type, "Cache-Control": "no-cache"}
        return web.FileResponse(path, headers=headers)

    app.router.add_get(STATIC_PREFIX + "{path:.+}", serve, name="static")


def add_security_headers(app: web.Application, policy: str) -> None:
    """Put security_headers(policy) on every response, errors included."""
    headers = security_headers(policy)

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(headers)

    app.on_response_prepare.append(on_prepare)


def create_app(
    *,
    tile_url: str | None = None,
    frame_ancestors: Sequence[str] = (),
    middlewares: Sequence[Middleware] = (),
    client_max_size: int = 1024**2,
) -> web.Application:
    """An aiohttp application serving web/static/ under the security headers; pages join it."""
    app = web.Application(middlewares=middlewares, client_max_size=client_max_size)
    add_security_headers(app, content_security_policy(tile_url, frame_ancestors))
    add_static_routes(app)
    return app
