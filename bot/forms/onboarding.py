"""Onboarding and language forms (data only)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from bot.forms.engine import Form, Step
from bot.forms.kinds import Answers, Choice, Env, Option, PlaceChoice, PlaceScope, Text
from bot.gazetteer import Place
from bot.i18n import N_

NOT_LISTED = "other"
NOT_LISTED_OPTION = Option(NOT_LISTED, N_("Other / not listed"))
# The answer keys of a place walked down the gazetteer, by level rank (a city is rayon rank).
WALK = {0: "oblast", 1: "rayon", 2: "aiyl_aimak"}

LANGUAGE_OPTIONS = (
    Option("ky", "Кыргызча", translate=False),
    Option("ru", "Русский", translate=False),
    Option("en", "English", translate=False),
)

KIND_OPTIONS = (
    Option("leader", N_("Village leader or ayil okmotu staff")),
    Option("candidate", N_("Woman candidate or peer-group member")),
    Option("community", N_("Other community member")),
)
# Not offered: an invitation decides it (NGO staff invited as coordinators or administrators).
COORDINATOR = "coordinator"
KINDS = (*KIND_OPTIONS, Option(COORDINATOR, N_("NGO coordinator")))
# The draft context key holding what an opened invitation settles: {"role", "place"}.
INVITATION = "invitation"


# A village leader is asked where she works; a candidate where she lives and stands for
# election; anyone else where she lives.
WHERE: Mapping[str, str] = {
    "candidate": N_("Where do you live and stand for election? Choose the oblast."),
    "community": N_("Where do you live? Choose the oblast."),
}


def _answered_place(answers: Answers, key: str | None, env: Env) -> Place | None:
    value = answers.get(key) if key is not None else None
    return env.gazetteer.resolve(str(value)) if value not in (None, NOT_LISTED) else None


def below(key: str | None) -> Callable[[Answers, Env], list[Place]]:
    """The places directly under the answer at `key`; the oblasts when `key` is None."""

    def listed(answers: Answers, env: Env) -> list[Place]:
        if key is None:
            return env.gazetteer.oblasts()
        place = _answered_place(answers, key, env)
        return env.gazetteer.children(place.code) if place is not None else []

    return listed


def typed_under(key: str | None, levels: Collection[str]) -> Callable[[Answers, Env], PlaceScope]:
    """Typed letters look under the answer at `key`; in the whole country when `key` is None."""

    def scope(answers: Answers, env: Env) -> PlaceScope:
        place = _answered_place(answers, key, env)
        return PlaceScope(place.code if place is not None else None, frozenset(levels))

    return scope


def walk_step(
    key: str | None,
    *,
    rank: int,
    levels: Collection[str],
    fills: Mapping[int, str],
    typed: str = "place_other",
) -> PlaceChoice:
    """One level of a place walked down the gazetteer: the places under the answer at `key`,
    or any found by typing below it; "Other / not listed" keeps a name in `typed`."""
    return PlaceChoice(
        below(key),
        rank=rank,
        search=typed_under(key, levels),
        after=(NOT_LISTED_OPTION,),
        fills={r: k for r, k in fills.items() if r > rank},
        typed=typed,
        unlisted=NOT_LISTED,
    )


ONBOARDING_LEVELS = ("oblast", "rayon", "city", "aiyl_aimak")


def _backups(answers: Answers, env: Env) -> Mapping[str, Any]:
    """What the privacy notice says of backups, with AYILBOT_BACKUP_KEEP's days."""
    backups = env.tr.ngettext(
        "Backup copies are deleted {n} day after they are made; after that nothing of what "
        "you erased remains.",
        "Backup copies are deleted {n} days after they are made; after that nothing of what "
        "you erased remains.",
        env.backup_days,
    )
    return {"backups": backups}


def uninvited(answers: Answers, env: Env) -> bool:
    """No invitation settles who the person is and where: she is asked."""
    return INVITATION not in env.context


def _asks_rayon(answers: Answers, env: Env) -> bool:
    return uninvited(answers, env) and answers.get("oblast") != NOT_LISTED


def _rayon_has_villages(answers: Answers, env: Env) -> bool:
    return uninvited(answers, env) and bool(below("rayon")(answers, env))


ONBOARDING = Form(
    id="onboarding",
    version=1,
    title=N_("Welcome to ayilbot"),
    confirm=False,
    locale_key="language",
    steps=(
        Step(
            "language", Choice(LANGUAGE_OPTIONS), N_("Choose your language."), label=N_("Language")
        ),
        Step("kind", Choice(KIND_OPTIONS), N_("Who are you?"), label=N_("Role"), when=uninvited),
        Step(
            "oblast",
            walk_step(None, rank=0, levels=ONBOARDING_LEVELS, fills=WALK),
            N_("Where do you work? Choose the oblast."),
            label=N_("Oblast"),
            prompt_for=lambda a, env: WHERE.get(str(a.get("kind"))),
            when=uninvited,
            clears=("rayon", "aiyl_aimak", "place_other"),
        ),
        Step(
            "rayon",
            walk_step("oblast", rank=1, levels=ONBOARDING_LEVELS[1:], fills=WALK),
            N_("Choose the rayon."),
            label=N_("Rayon"),
            when=_asks_rayon,
            clears=("aiyl_aimak", "place_other"),
        ),
        Step(
            "aiyl_aimak",
            walk_step("rayon", rank=2, levels=("aiyl_aimak",), fills=WALK),
            N_("Choose the aiyl aimak."),
            label=N_("Aiyl aimak"),
            when=_rayon_has_villages,
            clears=("place_other",),
        ),
        Step(
            "place_other",
            Text(max_len=120),
            N_("Type the name of your village or aiyl aimak."),
            label=N_("Place"),
            when=lambda a, env: (
                NOT_LISTED in (a.get("oblast"), a.get("rayon"), a.get("aiyl_aimak"))
            ),
        ),
        Step(
            "privacy",
            Choice((Option("accept", N_("I agree")),)),
            N_(
                "<b>Privacy</b>\nWe store your name, language, role and place, and what you "
                "send through the forms. Coordinators of your region see your reports; you can "
                "report anonymously, and then only administrators can see who you are. "
                "/mydata shows everything we store about you. /deleteme erases your name, "
                "profile, drafts, needs and searches at once; the reports you sent stay, "
                "without your name. {backups}"
            ),
            label=N_("Privacy"),
            prompt_params=_backups,
        ),
    ),
)

LANGUAGE = Form(
    id="language",
    version=1,
    title=N_("Language"),
    confirm=False,
    locale_key="language",
    steps=(
        Step(
            "language", Choice(LANGUAGE_OPTIONS), N_("Choose your language."), label=N_("Language")
        ),
    ),
)
