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
from handlers.plumbing.feature import Buttons, Command, Feature

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
)
