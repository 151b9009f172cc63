"""Make web/static/borders-kg.geojson from Natural Earth's countries in the npm `world-atlas`.

Run `python -m tools.borders_geojson` (it fetches the pinned package with `npm pack`, which checks
the registry's integrity hash) or `python -m tools.borders_geojson --topology countries-10m.json`.
The output is committed; this script only has to be run again to change the source or the box.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

PACKAGE = "world-atlas"
PACKAGE_VERSION = "2.0.2"
NATURAL_EARTH_VERSION = "4.1.0"
TOPOLOGY_MEMBER = "package/countries-10m.json"
# ISO 3166-1 numeric codes, as world-atlas uses them for feature ids.
COUNTRIES: Mapping[str, str] = {
    "417": "Kyrgyzstan",
    "398": "Kazakhstan",
    "860": "Uzbekistan",
    "762": "Tajikistan",
    "156": "China",
}
BOX = (66.0, 36.0, 82.0, 45.0)  # west, south, east, north
# world-atlas quantizes 10m data to 0.0036 degrees of longitude; 4 decimals keep every point.
DECIMALS = 4
OUTPUT = Path(__file__).resolve().parent.parent / "web" / "static" / "borders-kg.geojson"

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]
Box = tuple[float, float, float, float]


def decode_arcs(topology: Mapping[str, Any]) -> list[list[Point]]:
    """Every arc of a TopoJSON topology in degrees, undoing quantization and delta encoding."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for raw in topology["arcs"]:
        if transform is None:
            arcs.append([(float(x), float(y)) for x, y, *_ in raw])
            continue
        (scale_x, scale_y), (shift_x, shift_y) = transform["scale"], transform["translate"]
        x = y = 0
        points: list[Point] = []
        for dx, dy, *_ in raw:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def stitch_ring(arc_indexes: Sequence[int], arcs: Sequence[Sequence[Point]]) -> Ring:
    """Join a ring's arcs; a negative index ~i means arc i reversed."""
    ring: Ring = []
    for index in arc_indexes:
        points = list(arcs[index]) if index >= 0 else list(reversed(arcs[~index]))
        # Each arc starts where the previous one ended: keep that shared point once.
        ring.extend(points[1:] if ring else points)
    return ring


def geometry_polygons(
    geometry: Mapping[str, Any], arcs: Sequence[Sequence[Point]]
) -> list[Polygon]:
    """A TopoJSON Polygon or MultiPolygon as a list of polygons (rings of points)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        raise ValueError(f"not an area: {geometry['type']}")
    return [[stitch_ring(ring, arcs) for ring in polygon] for polygon in polygons]


def clip_ring(ring: Ring, box: Box) -> Ring:
    """Sutherland–Hodgman: the part of a closed ring inside the box, closed again."""
    west, south, east, north = box
    edges: tuple[tuple[Callable[[Point], bool], Callable[[Point, Point], Point]], ...] = (
        (lambda p: p[0] >= west, lambda a, b: _at_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _at_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _at_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _at_y(a, b, north)),
    )
    points = ring[:-1] if ring and ring[0] == ring[-1] else ring
    for inside, crossing in edges:
        if not points:
            break
        clipped: list[Point] = []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    clipped.append(crossing(previous, current))
                clipped.append(current)
            elif inside(previous):
                clipped.append(crossing(previous, current))
            previous = current
        points = clipped
    return [*points, points[0]] if points else []


def _at_x(a: Point, b: Point, x: float) -> Point:
    return (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))


def _at_y(a: Point, b: Point, y: float) -> Point:
    return (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)


def signed_area(ring: Ring) -> float:
    """Twice the planar area, positive when the ring runs counterclockwise."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring))


def tidy_ring(ring: Ring, *, exterior: bool) -> list[list[float]] | None:
    """Round, drop repeated points, orient as RFC 7946 asks; None if nothing of area is left."""
    rounded: list[Point] = []
    for x, y in ring:
        point = (round(x, DECIMALS), round(y, DECIMALS))
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if len(rounded) < 4 or signed_area(rounded) == 0:
        return None
    if (signed_area(rounded) > 0) != exterior:
        rounded.reverse()
    return [[x, y] for x, y in rounded]


def country_polygons(polygons: Iterable[Polygon], box: Box) -> list[list[list[list[float]]]]:
    """A country's polygons cut to the box; small polygons (the enclaves) are all kept."""
    kept: list[list[list[list[float]]]] = []
    for exterior, *holes in polygons:
        outline = tidy_ring(clip_ring(exterior, box), exterior=True)
        if outline is None:
            continue
        inner = [tidy_ring(clip_ring(hole, box), exterior=False) for hole in holes]
        kept.append([outline, *(hole for hole in inner if hole is not None)])
    return kept


def borders(
    topology: Mapping[str, Any], box: Box = BOX, countries: Mapping[str, str] = COUNTRIES
) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of the countries inside the box, with its provenance."""
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        iso = geometry.get("id")
        if iso not in countries:
            continue
        polygons = country_polygons(geometry_polygons(geometry, arcs), box)
        features.append(
            {
                "type": "Feature",
                "id": iso,
                "properties": {"iso_n3": iso, "name": countries[iso]},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    missing = set(countries) - {feature["id"] for feature in features}
    if missing:
        raise ValueError(f"countries missing from the topology: {sorted(missing)}")
    return {
        "type": "FeatureCollection",
        "bbox": list(box),
        # A foreign member (RFC 7946 §6.1): GeoJSON readers ignore it, people can read it.
        "source": {
            "data": f"Natural Earth {NATURAL_EARTH_VERSION}, Admin 0 countries, 1:10m",
            "license": "public domain (https://www.naturalearthdata.com/about/terms-of-use/)",
            "package": f"npm {PACKAGE}@{PACKAGE_VERSION} countries-10m.json",
            "made_by": "python -m tools.borders_geojson",
        },
        "features": features,
    }


def fetch_topology(workdir: Path) -> Path:
    """The pinned world-atlas package from the npm registry, unpacked into workdir."""
    subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{PACKAGE_VERSION}", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
    )
    with tarfile.open(workdir / f"{PACKAGE}-{PACKAGE_VERSION}.tgz") as tar:
        tar.extract(TOPOLOGY_MEMBER, workdir, filter="data")
    return workdir / TOPOLOGY_MEMBER


def write(collection: Mapping[str, Any], path: Path) -> None:
    """Compact JSON with one feature per line, so a diff shows which country changed."""
    head = {key: value for key, value in collection.items() if key != "features"}
    lines = [json.dumps(feature, separators=(",", ":")) for feature in collection["features"]]
    text = json.dumps(head, separators=(",", ":"))[:-1]
    path.write_text(text + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Write the borders GeoJSON from a topology file or from the npm package."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--topology", type=Path, help="countries-10m.json (default: npm pack)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        source = args.topology or fetch_topology(Path(workdir))
        topology = json.loads(source.read_text(encoding="utf-8"))
    write(borders(topology), args.output)
    print(f"{args.output}: {args.output.stat().st_size} bytes")


if __name__ == "__main__":
    main()
