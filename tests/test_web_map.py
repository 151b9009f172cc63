"""The vendored map in a real headless Chromium, under the web surface's strict CSP.

A page like the dashboard's map (Leaflet, markercluster, web/static/map.js, the borders GeoJSON)
is served by web.assets.create_app with its tiles at a port where nothing listens, as on a
phone that cannot reach the tile server: the borders must still draw.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.typedefs import Handler
from playwright.async_api import Page

from tests.browser import PageLog, csp_violations
from web.assets import BORDERS_URL, STATIC_PREFIX, create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

VENDOR = STATIC_PREFIX + "vendor/"
MAP_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>map</title>
<link rel="icon" href="{static}favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{vendor}leaflet/leaflet.css">
<link rel="stylesheet" href="{vendor}leaflet.markercluster/MarkerCluster.css">
<link rel="stylesheet" href="{vendor}leaflet.markercluster/MarkerCluster.Default.css">
<link rel="stylesheet" href="{static}map.css">
<link rel="stylesheet" href="/page.css">
<script src="{vendor}leaflet/leaflet.js"></script>
<script src="{vendor}leaflet.markercluster/leaflet.markercluster.js"></script>
<script src="{static}map.js"></script>
<script src="/page.js" defer></script>
</head>
<body>
<div id="map" class="ayil-map" data-tile-url="{tiles}" data-borders-url="{borders}"></div>
</body>
</html>
"""
PAGE_CSS = "html, body { height: 100%; margin: 0; }\n"
# Ten markers in each of five towns, in two rows of five about 600 m apart: at the country's
# zoom each town's ten collapse into one cluster; at zoom 15 (150 px apart) they come apart.
TOWNS: Mapping[str, tuple[float, float]] = {
    "Batken": (40.062, 70.819),
    "Osh": (40.530, 72.800),
    "Naryn": (41.428, 75.991),
    "Karakol": (42.491, 78.393),
    "Bishkek": (42.875, 74.590),
}
MARKERS_PER_TOWN = 10
PAGE_JS = """
(function () {
  "use strict";
  var made = AyilMap.create(document.getElementById("map"));
  var cluster = L.markerClusterGroup({ animate: false });
  TOWNS.forEach(function (town) {
    for (var i = 0; i < MARKERS_PER_TOWN; i++) {
      cluster.addLayer(L.marker([town[0] + 0.006 * Math.floor(i / 5), town[1] + 0.006 * (i % 5)]));
    }
  });
  made.map.addLayer(cluster);
  window.page = { map: made.map, borders: made.borders, cluster: cluster };
  made.bordersLoaded.then(
    function () { document.body.dataset.state = "ready"; },
    function (error) { document.body.dataset.state = "failed: " + error; }
  );
})();
"""
INLINE_SCRIPT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>before</title>
<script>document.title = "inline script ran";</script>
</head><body><img src="{elsewhere}/tracker.png" alt=""></body></html>
"""

# Points well inside places the borders must draw (Natural Earth 1:10m outlines).
BISHKEK = (42.875, 74.590)
SOKH = (39.967, 71.133)  # Uzbek enclave in Batken oblast
VORUKH = (39.850, 70.583)  # Tajik enclave in Batken oblast
SHAKHIMARDAN = (39.950, 71.720)  # Uzbek enclave; the village itself is on the outline's edge
KYRGYZSTAN, UZBEKISTAN, TAJIKISTAN = "417", "860", "762"


def closed_port() -> int:
    """A local port where nothing listens: connecting there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass(frozen=True)
class MapSite:
    origin: str
    tile_origin: str


def page_handler(text: str, content_type: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=text, content_type=content_type)

    return handler


@pytest_asyncio.fixture(loop_scope="session")
async def site() -> AsyncIterator[MapSite]:
    tile_origin = f"http://127.0.0.1:{closed_port()}"
    tiles = tile_origin + "/{z}/{x}/{y}.png"
    app = create_app(tile_url=tiles)
    page_js = (
        f"var TOWNS = {json.dumps(list(TOWNS.values()))};\n"
        f"var MARKERS_PER_TOWN = {MARKERS_PER_TOWN};\n{PAGE_JS}"
    )
    html = MAP_PAGE.format(vendor=VENDOR, static=STATIC_PREFIX, tiles=tiles, borders=BORDERS_URL)
    elsewhere = f"http://127.0.0.1:{closed_port()}"
    app.router.add_get("/", page_handler(html, "text/html"))
    app.router.add_get("/page.js", page_handler(page_js, "text/javascript"))
    app.router.add_get("/page.css", page_handler(PAGE_CSS, "text/css"))
    inline = INLINE_SCRIPT_PAGE.format(elsewhere=elsewhere)
    app.router.add_get("/inline", page_handler(inline, "text/html"))
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    host, port = runner.addresses[0][:2]
    try:
        yield MapSite(origin=f"http://{host}:{port}", tile_origin=tile_origin)
    finally:
        await runner.cleanup()


async def path_covers(page: Page, iso: str, point: tuple[float, float]) -> bool:
    """Whether the drawn SVG path of country iso fills the map point (lat, lon)."""
    covers: bool = await page.evaluate(
        """([iso, lat, lon]) => {
            const path = document.querySelector("path.ayil-border-" + iso);
            const at = window.page.map.latLngToLayerPoint([lat, lon]);
            return path.isPointInFill(new DOMPoint(at.x, at.y));
        }""",
        [iso, *point],
    )
    return covers


async def test_map_draws_borders_and_clusters_without_tiles(
    page: Page, page_log: PageLog, site: MapSite
) -> None:
    await page.goto(site.origin + "/")
    await page.wait_for_function("() => document.body.dataset.state !== undefined")
    assert await page.evaluate("document.body.dataset.state") == "ready"

    # The map initialised, with Leaflet and the cluster plugin from the package.
    assert await page.evaluate("L.version") == "1.9.4"
    assert await page.locator(".leaflet-container .leaflet-map-pane").count() == 1

    # One SVG path per country; Kyrgyzstan's with its three enclave holes.
    assert await page.locator("svg path.ayil-border").count() == 5
    kyrgyzstan = page.locator("svg path.ayil-border-" + KYRGYZSTAN)
    assert await kyrgyzstan.count() == 1
    outline = await kyrgyzstan.get_attribute("d") or ""
    assert outline.count("M") == 4, outline[:200]
    assert await path_covers(page, KYRGYZSTAN, BISHKEK)
    for enclave, country in ((SOKH, UZBEKISTAN), (SHAKHIMARDAN, UZBEKISTAN), (VORUKH, TAJIKISTAN)):
        assert await path_covers(page, country, enclave), (enclave, country)
        assert not await path_covers(page, KYRGYZSTAN, enclave), enclave

    # Fifty markers collapse into one cluster per town, and nothing stays single.
    clusters = page.locator(".leaflet-marker-icon.marker-cluster")
    counts = sorted(int(text) for text in await clusters.all_inner_texts())
    assert counts == [MARKERS_PER_TOWN] * len(TOWNS)
    assert await page.locator(".leaflet-marker-icon:not(.marker-cluster)").count() == 0

    # Zoomed in on Batken the ten come apart, with the vendored marker image.
    await page.evaluate("window.page.map.setView([40.065, 70.831], 15, { animate: false })")
    singles = page.locator("img.leaflet-marker-icon:not(.marker-cluster)")
    await singles.first.wait_for()
    assert await singles.count() == MARKERS_PER_TOWN
    await page.wait_for_function(
        """() => [...document.querySelectorAll("img.leaflet-marker-icon")]
                 .every((img) => img.complete && img.naturalWidth > 0)"""
    )
    icon = await singles.first.get_attribute("src") or ""
    assert icon.startswith(site.origin + VENDOR + "leaflet/images/marker-icon"), icon

    # Tiles were asked for (the CSP lets their origin through) and could not load; that is the
    # only thing that went wrong.
    tile_failures = [
        url for url, _ in page_log.failed_requests if url.startswith(site.tile_origin)
    ]
    assert tile_failures
    assert {error for url, error in page_log.failed_requests} == {"net::ERR_CONNECTION_REFUSED"}
    assert len(tile_failures) == len(page_log.failed_requests)
    other_errors = [
        (message.text, message.location["url"])
        for message in page_log.console_errors
        if not message.location["url"].startswith(site.tile_origin)
    ]
    assert other_errors == []
    assert page_log.page_errors == []
    assert await csp_violations(page) == []


async def test_inline_scripts_and_foreign_images_are_refused(
    page: Page, page_log: PageLog, site: MapSite
) -> None:
    await page.goto(site.origin + "/inline")
    await page.wait_for_load_state("load")

    assert await page.title() == "before"
    violations = await csp_violations(page)
    assert any(v.startswith("script-src-elem inline") for v in violations), violations
    assert any(v.startswith("img-src http://127.0.0.1:") for v in violations), violations
    refusals = [m.text for m in page_log.console_errors if "Content Security Policy" in m.text]
    assert len(refusals) == 2, refusals
