"""Exports for coordinators: /export, its `exp:` buttons, and the file of records in reach."""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.exports import ExportRules
from handlers.exports import handlers as h
from handlers.exports.buttons import (
    CODEC,
    AddMedia,
    Format,
    Kind,
    Period,
    PickFormat,
    PickKind,
    PickPeriod,
    PickRegion,
)
from handlers.plumbing.access_matrix import REGION, E, button
from handlers.plumbing.feature import Buttons, Command, Feature, MenuEntry
from handlers.plumbing.menu import MENU_CODEC, MenuPress

NO_RECORDS = ("{n} record in the file.", "{n} records in the file.")
INCIDENTS, PRACTICES, USERS, NEEDS = Kind.INCIDENTS, Kind.PRACTICES, Kind.USERS, Kind.NEEDS
CSV, XLSX, GEOJSON, ALL = Format.CSV, Format.XLSX, Format.GEOJSON, Period.ALL

FEATURE = Feature(
    name="exports",
    rules=(ExportRules,),
    commands=(
        Command("export", h.on_export, N_("Export reports, practices, people (coordinators)")),
    ),
    menu=(MenuEntry("export", N_("📤 Export data"), Permission.EXPORT, h.on_export, 160),),
    buttons=Buttons(
        CODEC,
        {
            PickKind: h.on_kind,
            PickFormat: h.on_format,
            PickPeriod: h.on_period,
            PickRegion: h.on_region,
            AddMedia: h.on_media,
        },
        requires=Permission.EXPORT,
    ),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/export", "export", "R N N Y Y N"),
        E(button(MENU_CODEC, MenuPress("export")), "as /export", "R N N Y Y N"),
        E(button(CODEC, PickKind(INCIDENTS)), "export", "R N N Y Y N"),
        E(button(CODEC, PickFormat(INCIDENTS, XLSX)), "export", "R N N Y Y N"),
        E(button(CODEC, PickPeriod(INCIDENTS, XLSX, ALL)), "export", "R N N Y Y N"),
        E(
            button(CODEC, PickRegion(INCIDENTS, CSV, ALL, None)),
            "export; reports in scope",
            "R N N 0 Y N",
            NO_RECORDS,
        ),
        E(
            button(CODEC, PickRegion(INCIDENTS, GEOJSON, ALL, None)),
            "export; reports in scope, pins rounded",
            "R N N 0 Y N",
            NO_RECORDS,
        ),
        E(
            button(CODEC, PickRegion(INCIDENTS, XLSX, ALL, REGION)),
            "export, region in scope",
            "R N N N Y N",
        ),
        E(
            button(CODEC, PickRegion(PRACTICES, XLSX, ALL, REGION)),
            "export, region in scope",
            "R N N N Y N",
        ),
        E(
            button(CODEC, PickRegion(USERS, CSV, ALL, REGION)),
            "export, region in scope",
            "R N N N Y N",
        ),
        E(
            button(CODEC, PickRegion(NEEDS, XLSX, ALL, REGION)),
            "export and view_needs, region in scope",
            "R N N N Y N",
        ),
        E(
            button(CODEC, PickRegion(USERS, CSV, ALL, None)),
            "export; people in scope",
            "R N N 0 Y N",
            NO_RECORDS,
        ),
        E(
            button(CODEC, AddMedia(INCIDENTS, XLSX, ALL, None)),
            "export; reports in scope, with their files",
            "R N N 0 Y N",
            NO_RECORDS,
        ),
        E(
            button(CODEC, AddMedia(INCIDENTS, CSV, ALL, REGION)),
            "export, region in scope",
            "R N N N Y N",
        ),
        # Only reports have files to zip, and only beside a table.
        E(button(CODEC, AddMedia(INCIDENTS, GEOJSON, ALL, None)), "export", "R N N S S N"),
        # Data no codec writes: the one stale answer, once the right to export is checked.
        E("exp:k:zz", "unknown data", "R N N S S N"),
    ),
)
