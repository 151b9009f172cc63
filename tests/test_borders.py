"""The borders GeoJSON: the TopoJSON decoding that made it, and the committed file itself."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest

from tools.borders_geojson import (
    BOX,
    COUNTRIES,
    borders,
    clip_ring,
    decode_arcs,
    signed_area,
    stitch_ring,
)
from web.assets import STATIC_DIR

BORDERS = STATIC_DIR / "borders-kg.geojson"
KYRGYZSTAN, UZBEKISTAN, TAJIKISTAN = "417", "860", "762"
# Settlements, and a point in the Shakhimardan valley: Natural Earth's 1:10m outline of that
# enclave stops short of the village itself.
PLACES = {
    "Bishkek": ((74.590, 42.875), KYRGYZSTAN),
    "Batken": ((70.819, 40.062), KYRGYZSTAN),
    "Sokh": ((71.133, 39.967), UZBEKISTAN),
    "Shakhimardan valley": ((71.720, 39.950), UZBEKISTAN),
    "Vorukh": ((70.583, 39.850), TAJIKISTAN),
    "Isfara": ((70.630, 40.130), TAJIKISTAN),
}

# Two unit squares side by side sharing the arc x=1, quantized at 0.5 degree and delta encoded
# from (10, 20): arc 0 is the shared edge, arc 1 the rest of the left square, arc 2 the right.
TOPOLOGY: dict[str, Any] = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "arcs": [
        [[2, 0], [0, 2]],  # (11,20) -> (11,21)
        [[2, 2], [-2, 0], [0, -2], [2, 0]],  # (11,21) -> (10,21) -> (10,20) -> (11,20)
        [[2, 0], [2, 0], [0, 2], [-2, 0]],  # (11,20) -> (12,20) -> (12,21) -> (11,21)
    ],
    "objects": {
        "countries": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "id": "417", "arcs": [[0, 1]]},
                {"type": "MultiPolygon", "id": "860", "arcs": [[[~0, 2]]]},
            ],
        }
    },
}


def inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    """Even-odd ray casting."""
    x, y = point
    result = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (x2 - x1) * (y - y1) / (y2 - y1):
            result = not result
    return result


def countries_at(collection: dict[str, Any], point: tuple[float, float]) -> list[str]:
    return [
        feature["id"]
        for feature in collection["features"]
        for exterior, *holes in feature["geometry"]["coordinates"]
        if inside(point, exterior) and not any(inside(point, hole) for hole in holes)
    ]


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    collection: dict[str, Any] = json.loads(BORDERS.read_text(encoding="utf-8"))
    return collection


def test_arcs_are_dequantized_and_delta_decoded() -> None:
    arcs = decode_arcs(TOPOLOGY)
    assert arcs[0] == [(11, 20), (11, 21)]
    assert arcs[2] == [(11, 20), (12, 20), (12, 21), (11, 21)]


def test_a_negative_index_reverses_the_arc_and_shared_points_appear_once() -> None:
    arcs = decode_arcs(TOPOLOGY)
    left = stitch_ring([0, 1], arcs)
    assert left == [(11, 20), (11, 21), (10, 21), (10, 20), (11, 20)]
    right = stitch_ring([~0, 2], arcs)
    assert right == [(11, 21), (11, 20), (12, 20), (12, 21), (11, 21)]


TWO_SQUARES = {"417": "Left", "860": "Right"}


def test_neighbours_share_their_border_exactly() -> None:
    collection = borders(TOPOLOGY, box=(0, 0, 100, 100), countries=TWO_SQUARES)
    (left,), (right,) = (f["geometry"]["coordinates"] for f in collection["features"])
    shared = {tuple(p) for p in left[0]} & {tuple(p) for p in right[0]}
    assert shared == {(11.0, 20.0), (11.0, 21.0)}


def test_a_country_missing_from_the_source_is_an_error() -> None:
    with pytest.raises(ValueError, match="398"):
        borders(TOPOLOGY, countries={**TWO_SQUARES, "398": "Kazakhstan"})


def test_clipping_keeps_the_part_inside_the_box() -> None:
    square = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]
    clipped = clip_ring(square, (2.0, -1.0, 10.0, 3.0))
    assert clipped[0] == clipped[-1]
    assert set(clipped) == {(2.0, 0.0), (4.0, 0.0), (4.0, 3.0), (2.0, 3.0)}
    assert abs(signed_area(clipped)) == 2 * 2 * 3
    assert clip_ring(square, (5.0, 5.0, 6.0, 6.0)) == []


def test_rings_are_oriented_as_rfc_7946_asks(committed: dict[str, Any]) -> None:
    for feature in committed["features"]:
        for exterior, *holes in feature["geometry"]["coordinates"]:
            assert signed_area([(x, y) for x, y in exterior]) > 0
            assert all(signed_area([(x, y) for x, y in hole]) < 0 for hole in holes)


def test_the_committed_borders_hold_kyrgyzstan_and_its_neighbours(
    committed: dict[str, Any],
) -> None:
    assert {f["id"]: f["properties"]["name"] for f in committed["features"]} == dict(COUNTRIES)
    assert committed["bbox"] == list(BOX)
    assert "Natural Earth" in committed["source"]["data"]
    assert "public domain" in committed["source"]["license"]
    west, south, east, north = BOX
    for feature in committed["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                assert all(west <= x <= east and south <= y <= north for x, y in ring)
    # Small enough to send to a phone with the page.
    assert BORDERS.stat().st_size < 400_000


@pytest.mark.parametrize("place", PLACES)
def test_each_place_is_in_its_country_and_no_other(committed: dict[str, Any], place: str) -> None:
    point, country = PLACES[place]
    assert countries_at(committed, point) == [country]


def test_each_enclave_is_a_hole_in_kyrgyzstan(committed: dict[str, Any]) -> None:
    (kyrgyzstan,) = (f for f in committed["features"] if f["id"] == KYRGYZSTAN)
    ((outline, *holes),) = kyrgyzstan["geometry"]["coordinates"]
    on_outline = {tuple(point) for point in outline}

    def within_kyrgyzstan(ring: list[list[float]]) -> bool:
        return all(tuple(p) in on_outline or inside((p[0], p[1]), outline) for p in ring)

    enclaves = [
        polygon[0]
        for feature in committed["features"]
        if feature["id"] in (UZBEKISTAN, TAJIKISTAN)
        for polygon in feature["geometry"]["coordinates"]
        if within_kyrgyzstan(polygon[0])
    ]
    # Sokh, Shakhimardan, Vorukh: each drawn as a polygon of its country and a hole in ours,
    # along the very same points.
    assert len(enclaves) == len(holes) == 3
    assert sorted(sorted(map(tuple, e)) for e in enclaves) == sorted(
        sorted(map(tuple, h)) for h in holes
    )
