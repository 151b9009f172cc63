"""Build hook: compile the gettext catalogs (.po -> .mo) into every wheel and sdist.

The .mo files are build products (ignored by git), so `pip install .` from a checkout, or from
the sdist, gets them compiled here by Babel instead of needing `make locales`. An editable
install reads the checkout, where `make setup` compiles them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALES = Path("bot") / "locales"


class CatalogBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compiles bot/locales/*/LC_MESSAGES/*.po and adds the .mo files to the artifact."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile each catalog into a scratch folder and force-include the result."""
        if version == "editable":
            return
        self._scratch = Path(tempfile.mkdtemp(prefix="ayilbot-mo-"))
        root = Path(self.root)
        catalogs = sorted((root / LOCALES).glob("*/LC_MESSAGES/*.po"))
        if not catalogs:
            raise RuntimeError(f"no catalogs under {root / LOCALES}")
        for po in catalogs:
            relative = po.relative_to(root).with_suffix(".mo")
            target = self._scratch / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            # Fuzzy entries are left out, as `pybabel compile` leaves them out.
            with target.open("wb") as out:
                write_mo(out, catalog)
            build_data["force_include"][str(target)] = str(relative)

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the scratch folder once the artifact is written."""
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
