"""web.assets over HTTP: the static files' types, what is not served, the security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from web.assets import (
    BORDERS_URL,
    STATIC_DIR,
    content_security_policy,
    create_app,
    static_files,
    tile_source,
)

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(create_app(tile_url=OSM_TILES))) as http:
        yield http


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/vendor/leaflet/leaflet.js", "text/javascript"),
        ("/static/vendor/leaflet.markercluster/leaflet.markercluster.js", "text/javascript"),
        ("/static/vendor/leaflet/leaflet.css", "text/css"),
        ("/static/vendor/leaflet.markercluster/MarkerCluster.Default.css", "text/css"),
        ("/static/vendor/leaflet/images/marker-icon.png", "image/png"),
        ("/static/map.js", "text/javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
        (BORDERS_URL, "application/geo+json"),
    ],
)
async def test_static_files_carry_their_type_and_the_policy(
    client: TestClient[web.Request, web.Application], path: str, content_type: str
) -> None:
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type == content_type
    assert await response.read() == (STATIC_DIR / path.removeprefix("/static/")).read_bytes()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == content_security_policy(OSM_TILES)


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/README.md",  # in the package, not on the web
        "/static/vendor/leaflet/LICENSE",
        "/static/../assets.py",
        "/static/%2e%2e/assets.py",
        "/static/vendor/../../assets.py",
        "/static/nothing.js",
    ],
)
async def test_anything_else_is_not_found_and_still_carries_the_policy(
    client: TestClient[web.Request, web.Application], path: str
) -> None:
    response = await client.get(path)
    assert response.status == 404
    assert "Content-Security-Policy" in response.headers
    assert b"import" not in await response.read()


def test_only_files_of_known_types_are_indexed() -> None:
    served = static_files()
    assert "vendor/leaflet/leaflet.js" in served
    assert "borders-kg.geojson" in served
    assert not any(name.endswith((".md", "LICENSE", ".py")) for name in served)


def test_the_policy_allows_this_origin_and_the_tile_server_only() -> None:
    directives = dict(
        part.split(" ", 1) for part in content_security_policy(OSM_TILES).split("; ")
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data: https://tile.openstreetmap.org"
    assert directives["frame-ancestors"] == "'none'"
    assert "img-src 'self' data:;" in content_security_policy(None)
    framed = content_security_policy(None, frame_ancestors=["https://web.telegram.org"])
    assert "frame-ancestors https://web.telegram.org" in framed


@pytest.mark.parametrize(
    ("template", "source"),
    [
        (OSM_TILES, "https://tile.openstreetmap.org"),
        (
            "https://{s}.tile.openstreetmap.fr/hot/{z}/{x}/{y}.png",
            "https://*.tile.openstreetmap.fr",
        ),
        ("http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8081"),
        ("https://user:secret@tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
    ],
)
def test_a_tile_template_becomes_its_origin(template: str, source: str) -> None:
    assert tile_source(template) == source


@pytest.mark.parametrize(
    "template",
    [
        "/tiles/{z}/{x}/{y}.png",
        "javascript:alert(1)",
        "https://tiles.{s}.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org; script-src *",
    ],
)
def test_a_tile_template_that_is_no_plain_origin_is_refused(template: str) -> None:
    with pytest.raises(ValueError, match="tile"):
        tile_source(template)
