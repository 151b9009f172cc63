"""Incident dossiers: a printable Word file of one report or of a filtered set."""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.dossier import DossierRules
from handlers.dossier import handlers as h
from handlers.dossier.buttons import (
    CODEC,
    ChooseArea,
    ChoosePeriod,
    ChooseResource,
    ChooseStatus,
    MakeDossier,
    ReportDossier,
)
from handlers.plumbing.access_matrix import INCIDENT, REGION, E, button
from handlers.plumbing.feature import Buttons, Command, Feature

NO_DOSSIER = ("📁 {n} report in the dossier.", "📁 {n} reports in the dossier.")

FEATURE = Feature(
    name="dossier",
    rules=(DossierRules,),
    commands=(
        Command(
            "dossier",
            h.on_dossier,
            N_("Incident dossier to print (coordinators)"),
            permission=Permission.EXPORT,
        ),
    ),
    buttons=Buttons(
        CODEC,
        {
            ReportDossier: h.on_report,
            ChoosePeriod: h.on_periods,
            ChooseArea: h.on_area,
            ChooseResource: h.on_resource,
            ChooseStatus: h.on_status,
            MakeDossier: h.on_make,
        },
    ),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/dossier", "export", "R N N Y Y N"),
        E(button(CODEC, ChoosePeriod()), "export", "R N N Y Y N"),
        E(button(CODEC, ChooseArea(30)), "export", "R N N Y Y N"),
        E(button(CODEC, ChooseResource(30, REGION)), "export, region in scope", "R N N N Y N"),
        E(button(CODEC, ChooseStatus(30, None, "water")), "export", "R N N Y Y N"),
        E(
            button(CODEC, MakeDossier(0, None, None, None)),
            "export; reports in scope, no reporter, pins rounded",
            "R N N 0 Y N",
            NO_DOSSIER,
        ),
        E(
            button(CODEC, MakeDossier(0, REGION, None, "open")),
            "export, region in scope",
            "R N N N Y N",
        ),
        E(button(CODEC, ReportDossier(INCIDENT)), "export, report in scope", "R N N S Y N"),
    ),
)
