"""Places typed by hand: /places, attached to the gazetteer by coordinators (`pl:` buttons)."""

from __future__ import annotations

from bot.core.access import Permission
from bot.i18n import N_
from bot.rules.places import PlaceRules
from handlers.places import handlers as h
from handlers.places.buttons import CODEC, ListTyped, OpenTyped
from handlers.plumbing.access_matrix import TYPED, E, button
from handlers.plumbing.feature import Buttons, Command, Feature

NO_TYPED = N_("No places typed by hand in your area: every answer is on the list.")

FEATURE = Feature(
    name="places",
    rules=(lambda k: PlaceRules(k),),
    commands=(
        Command(
            "places",
            h.on_places,
            N_("Places typed by hand: attach them to the list"),
            permission=Permission.ATTACH_PLACES,
        ),
    ),
    buttons=Buttons(CODEC, {ListTyped: h.on_list, OpenTyped: h.on_open}),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(
        E("/places", "attach_places; typed places in scope", "R N N 0 Y N", NO_TYPED),
        E(
            button(CODEC, ListTyped()),
            "attach_places; typed places in scope",
            "R N N 0 Y N",
            NO_TYPED,
        ),
        E(
            button(CODEC, OpenTyped("i", TYPED)),
            "attach_places, typed place in scope",
            "R N N S Y N",
        ),
    ),
)
