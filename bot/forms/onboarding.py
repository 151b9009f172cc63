"""Onboarding and language forms (data only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.forms.engine import Form, Step
from bot.forms.kinds import Answers, Choice, Env, Option, Text, place_options
from bot.i18n import N_

NOT_LISTED = "other"

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


# A village leader is asked where she works; a candidate where she lives and stands for
# election; anyone else where she lives.
WHERE: Mapping[str, str] = {
    "candidate": N_("Where do you live and stand for election? Choose the oblast."),
    "community": N_("Where do you live? Choose the oblast."),
}


def places(level_key: str | None) -> Callable[[Answers, Env], Sequence[Option]]:
    """Options for the next level of the gazetteer below the answer at `level_key`."""

    def options(answers: Answers, env: Env) -> Sequence[Option]:
        gazetteer = env.gazetteer
        found = (
            gazetteer.oblasts()
            if level_key is None
            else gazetteer.children(str(answers.get(level_key)))
        )
        listed = place_options(found, env)
        return (*listed, Option(NOT_LISTED, N_("Other / not listed")))

    return options


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


def _rayon_has_villages(answers: Answers, env: Env) -> bool:
    rayon = answers.get("rayon")
    return rayon not in (None, NOT_LISTED) and bool(env.gazetteer.children(str(rayon)))


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
        Step("kind", Choice(KIND_OPTIONS), N_("Who are you?"), label=N_("Role")),
        Step(
            "oblast",
            Choice(options_for=places(None), columns=2),
            N_("Where do you work? Choose the oblast."),
            label=N_("Oblast"),
            prompt_for=lambda a, env: WHERE.get(str(a.get("kind"))),
            clears=("rayon", "aiyl_aimak"),
        ),
        Step(
            "rayon",
            Choice(options_for=places("oblast"), columns=2),
            N_("Choose the rayon."),
            label=N_("Rayon"),
            when=lambda a, env: a.get("oblast") != NOT_LISTED,
            clears=("aiyl_aimak",),
        ),
        Step(
            "aiyl_aimak",
            Choice(options_for=places("rayon"), columns=2),
            N_("Choose the aiyl aimak."),
            label=N_("Aiyl aimak"),
            when=_rayon_has_villages,
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
