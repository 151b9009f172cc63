"""Files shipped inside the installed package (data, catalogs), found wherever it is installed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped(*parts: str) -> Path:
    """The real path of a file or folder under the installed `bot` package.

    Read through importlib.resources, so a wheel installed anywhere (pipx, a venv, a container)
    finds its data without a checkout. The package is always installed unzipped: pip and pipx
    never run a wheel from a zip file.
    """
    found = resources.files("bot").joinpath(*parts)
    if not isinstance(found, Path):
        raise RuntimeError(f"bot/{'/'.join(parts)} is not on disk: install ayilbot unzipped")
    return found
