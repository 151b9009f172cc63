"""The rapid assessment of an ayil okmotu (data only)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.forms.engine import Form, Step, option_list
from bot.forms.kinds import (
    Answers,
    Choice,
    Date,
    Env,
    MultiChoice,
    Number,
    PlaceChoice,
    PlaceScope,
    Text,
)
from bot.gazetteer import Place
from bot.i18n import N_

# The five target ayil okmotu of the peer-learning programme, in the order they are compared.
TARGETS = ("BA-BAT-AKS", "BA-BAT-AKT", "BA-BAT-KBK", "BA-BAT-SAM", "BA-BAT-TGL")

# Keys are stored as column names and exported: never rename them.
RESOURCES: Mapping[str, tuple[str, str]] = {
    "water": (N_("Water and irrigation"), N_("What is the state of water and irrigation?")),
    "pasture": (N_("Pasture"), N_("What is the state of the pastures?")),
    "arable": (N_("Arable land"), N_("What is the state of the arable land?")),
    "forest": (N_("Forest"), N_("What is the state of the forest?")),
    "non_timber": (
        N_("Non-timber products"),
        N_("What is the state of non-timber products (firewood, hay, nuts, fruit, herbs)?"),
    ),
}

STATES: Mapping[str, str] = {
    "sufficient": N_("🟢 Sufficient"),
    "strained": N_("🟡 Strained"),
    "contested": N_("🔴 Contested"),
}

BORDER: Mapping[str, str] = {
    "delimited": N_("Delimited"),
    "partly": N_("Partly delimited"),
    "not_delimited": N_("Not delimited"),
    "unknown": N_("Not known"),
}

MECHANISMS: Mapping[str, str] = {
    "wua": N_("Water users' association"),
    "pasture_committee": N_("Pasture committee"),
    "aksakal_court": N_("Aksakal court"),
    "joint_commission": N_("Joint commission with the neighbouring side"),
    "none": N_("None of these"),
}


def _wide(answers: Answers, env: Env) -> bool:
    """A coordinator of every region finds the aiyl aimak through its oblast and rayon."""
    return bool(env.context.get("wide"))


def _aimaks_under(code: str, env: Env) -> list[Place]:
    return [p for p in env.gazetteer.descendants(code) if p.level == "aiyl_aimak"]


def _oblast_places(env: Env) -> list[Place]:
    """Oblasts and cities with aiyl aimaks in the gazetteer, the programme's own first."""
    home = env.gazetteer.oblast_of(TARGETS[0]).code
    found = [p for p in env.gazetteer.top_level() if _aimaks_under(p.code, env)]
    return sorted(found, key=lambda p: p.code != home)


def _oblasts(answers: Answers, env: Env) -> list[Place]:
    return _oblast_places(env)


def _asks_oblast(answers: Answers, env: Env) -> bool:
    # With aiyl aimaks in one oblast only, one choice would be no question.
    return _wide(answers, env) and len(_oblast_places(env)) > 1


def _oblast(answers: Answers, env: Env) -> str:
    return str(answers.get("oblast") or _oblast_places(env)[0].code)


def _rayons(answers: Answers, env: Env) -> list[Place]:
    found = env.gazetteer.children(_oblast(answers, env))
    return [p for p in found if _aimaks_under(p.code, env)]


def _places(answers: Answers, env: Env) -> list[Place]:
    """The aiyl aimaks of the chosen rayon, or those listed when the form was opened."""
    if _wide(answers, env):
        return _aimaks_under(str(answers["rayon"]), env)
    found = (env.gazetteer.resolve(str(code)) for code in env.context.get("places", ()))
    return [p for p in found if p is not None]


AIMAK_LEVELS = frozenset({"aiyl_aimak"})


def _anywhere(answers: Answers, env: Env) -> PlaceScope:
    return PlaceScope(None, frozenset({"oblast", "rayon", "city", "aiyl_aimak"}))


def _in_the_oblast(answers: Answers, env: Env) -> PlaceScope:
    return PlaceScope(_oblast(answers, env), frozenset({"rayon", "city", "aiyl_aimak"}))


def _among_places(answers: Answers, env: Env) -> PlaceScope:
    """In the chosen rayon, or among the aiyl aimaks listed when the form was opened."""
    if _wide(answers, env):
        return PlaceScope(str(answers["rayon"]), AIMAK_LEVELS)
    return PlaceScope(None, AIMAK_LEVELS, among=frozenset(p.code for p in _places(answers, env)))


def _resource_step(key: str, label: str, prompt: str) -> Step:
    return Step(
        f"res_{key}",
        Choice(option_list(tuple(STATES.items())), columns=3),
        prompt,
        label=label,
    )


ASSESSMENT = Form(
    id="assessment",
    version=2,
    title=N_("Rapid assessment of an ayil okmotu"),
    steps=(
        Step(
            "oblast",
            PlaceChoice(_oblasts, rank=0, search=_anywhere, fills={1: "rayon", 2: "aiyl_aimak"}),
            N_("In which oblast is the aiyl aimak?"),
            label=N_("Oblast"),
            when=_asks_oblast,
            clears=("rayon", "aiyl_aimak"),
        ),
        Step(
            "rayon",
            PlaceChoice(_rayons, rank=1, search=_in_the_oblast, fills={2: "aiyl_aimak"}),
            N_("In which rayon?"),
            label=N_("Rayon"),
            when=_wide,
            clears=("aiyl_aimak",),
        ),
        Step(
            "aiyl_aimak",
            PlaceChoice(_places, rank=2, search=_among_places),
            N_("Which aiyl aimak do you assess?"),
            label=N_("Aiyl aimak"),
            # Opened from an aiyl aimak's profile, the place is already known.
            when=lambda a, env: "place" not in env.context,
        ),
        Step(
            "assessed_on",
            Date(),
            N_("When was the assessment made? Press a button or type the date as dd.mm.yyyy."),
            label=N_("Date"),
        ),
        Step(
            "population",
            Number(minimum=0, maximum=2_000_000),
            N_("About how many people live in the aiyl aimak?"),
            label=N_("Population"),
        ),
        Step(
            "villages",
            Number(minimum=1, maximum=200, quick=(1, 2, 3, 4, 5, 6, 8, 10)),
            N_("How many villages does it have?"),
            label=N_("Villages"),
        ),
        *(_resource_step(key, label, prompt) for key, (label, prompt) in RESOURCES.items()),
        Step(
            "border_km",
            Number(minimum=0, maximum=2000),
            N_(
                "How many kilometres of the state border lie near the aiyl aimak, as known "
                "locally? Type a number, or press Skip."
            ),
            label=N_("Border, km"),
            optional=True,
        ),
        Step(
            "border_status",
            Choice(option_list(tuple(BORDER.items())), columns=2),
            N_("Is that border delimited, as far as people there know?"),
            label=N_("Border status"),
        ),
        Step(
            "mechanisms",
            MultiChoice(option_list(tuple(MECHANISMS.items()))),
            N_("Which mechanisms for settling disputes exist? Mark each, then press Done."),
            label=N_("Mechanisms"),
        ),
        Step(
            "conflicts",
            Number(minimum=0, maximum=10_000, quick=(0, 1, 2, 3, 5, 10)),
            N_("How many conflicts over resources were there in the past 12 months?"),
            label=N_("Conflicts in 12 months"),
            clears=("worst_conflict",),
        ),
        Step(
            "worst_conflict",
            Text(max_len=1500),
            N_("Describe the most serious one: what, where, between whom."),
            label=N_("Most serious conflict"),
            when=lambda a, env: bool(a.get("conflicts")),
        ),
        Step(
            "risks",
            Text(max_len=2000),
            N_("What risks and needs do you see?"),
            label=N_("Risks and needs"),
        ),
        Step(
            "contacts",
            Text(max_len=500),
            N_(
                "Contacts of the responsible staff (names and phones). Only coordinators see "
                "them. Or press Skip."
            ),
            label=N_("Contacts"),
            optional=True,
        ),
    ),
)
