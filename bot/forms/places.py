"""Attaching a place typed by hand to the gazetteer (data only).

The draft's context names the typed text, the place chosen before typing (`within`) and, for
a coordinator whose reach is not everything and a name typed with nothing chosen before,
the places she may attach to (`among`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.forms.engine import Form, Step
from bot.forms.kinds import Answers, Env, PlaceChoice, PlaceScope
from bot.gazetteer import Place
from bot.i18n import N_

# What a typed place may be attached to: records keep an oblast only as the place chosen
# before "not listed", so the place attached is below it.
TARGET_LEVELS = frozenset({"rayon", "city", "aiyl_aimak", "village"})


def _scope(answers: Answers, env: Env) -> PlaceScope:
    within = env.context.get("within")
    among = env.context.get("among")
    return PlaceScope(
        str(within) if within else None,
        TARGET_LEVELS,
        frozenset(str(c) for c in among) if among is not None else None,
        strict=True,
    )


def _suggested(answers: Answers, env: Env) -> list[Place]:
    """Places whose names start as the typed text does: the whole text, then its first word."""
    typed = str(env.context.get("typed", ""))
    scope = _scope(answers, env)
    words = [w for w in re.split(r"[\s,;.()]+", typed) if w]
    found: dict[str, Place] = {}
    for text in (typed, *words[:1]):
        for match in env.gazetteer.find(text, within=scope.within, limit=30, levels=scope.levels):
            place = match.place
            if scope.within and env.gazetteer.covers(place.code, scope.within):
                continue
            if scope.among is None or place.code in scope.among:
                found.setdefault(place.code, place)
    return list(found.values())[:10]


def _typed(answers: Answers, env: Env) -> Mapping[str, Any]:
    within = env.context.get("within")
    where = (
        env.gazetteer.path_name(str(within), env.tr.locale)
        if within and env.gazetteer.resolve(str(within))
        else env.tr.gettext(N_("no place chosen"))
    )
    return {"typed": str(env.context.get("typed", "")), "where": where}


ATTACH = Form(
    id="place_attach",
    version=1,
    title=N_("A place typed by hand"),
    steps=(
        Step(
            "place",
            PlaceChoice(_suggested, rank=None, search=_scope),
            N_(
                "Typed instead of a place from the list: «{typed}» (chosen before: {where}).\n"
                "Which place from the list is it?"
            ),
            label=N_("Place"),
            prompt_params=_typed,
        ),
    ),
)
