"""Copy the pinned map libraries from the npm registry into web/static/vendor/.

Run `python -m tools.vendor_assets` after changing a version below, then update
web/static/vendor/README.md. `npm pack` checks each tarball against the registry's integrity
hash; only the built files and the licence are copied, never node_modules.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor"


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    # member of the tarball (under package/) -> path under VENDOR/<name>/
    files: Mapping[str, str]


PACKAGES = (
    Package(
        "leaflet",
        "1.9.4",
        {
            "dist/leaflet.js": "leaflet.js",
            "dist/leaflet.css": "leaflet.css",
            "dist/images/layers.png": "images/layers.png",
            "dist/images/layers-2x.png": "images/layers-2x.png",
            "dist/images/marker-icon.png": "images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "images/marker-shadow.png",
            "LICENSE": "LICENSE",
        },
    ),
    Package(
        "leaflet.markercluster",
        "1.5.3",
        {
            "dist/leaflet.markercluster.js": "leaflet.markercluster.js",
            "dist/MarkerCluster.css": "MarkerCluster.css",
            "dist/MarkerCluster.Default.css": "MarkerCluster.Default.css",
            "MIT-LICENCE.txt": "LICENSE",
        },
    ),
)


def vendor(package: Package, workdir: Path) -> None:
    """Replace VENDOR/<name>/ with the package's listed files."""
    subprocess.run(
        ["npm", "pack", f"{package.name}@{package.version}", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
    )
    target = VENDOR / package.name
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(workdir / f"{package.name}-{package.version}.tgz") as tar:
        for member, destination in package.files.items():
            source = tar.extractfile(f"package/{member}")
            if source is None:
                raise FileNotFoundError(f"{package.name}: {member}")
            path = target / destination
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source.read())
            # The tarballs carry 0777 or 1985 dates; a plain 0644 file diffs cleanly in git.
            path.chmod(0o644)
    print(f"{target}: {package.name}@{package.version}")


def main() -> None:
    """Vendor every pinned package."""
    with tempfile.TemporaryDirectory() as workdir:
        for package in PACKAGES:
            vendor(package, Path(workdir))


if __name__ == "__main__":
    main()
