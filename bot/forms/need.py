"""Women's needs: the need form, the stage-move form, the programme and the election result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.forms.engine import Form, Step, option_list
from bot.forms.incident import village_steps
from bot.forms.kinds import (
    Answers,
    Choice,
    Date,
    Env,
    Input,
    Invalid,
    Media,
    MultiChoice,
    Note,
    Number,
    Option,
    PlaceChoice,
    PlaceScope,
    Text,
)
from bot.gazetteer import Place
from bot.i18n import N_, Tr

OTHER = "other"
SNIPPET = 40  # characters of a description on a button naming a need

# Step keys, option values and stage names are stored and exported: never rename them.
TOPICS: Mapping[str, str] = {
    "water": N_("💧 Water and sanitation"),
    "school": N_("🏫 Kindergarten and school"),
    "health": N_("🏥 Health post"),
    "roads": N_("🛣 Roads and transport"),
    "safety": N_("🛡 Safety and violence against women"),
    "jobs": N_("💼 Jobs and income"),
    "land": N_("🌾 Land and pasture access"),
    OTHER: N_("✏️ Other"),
}

HEARD: Mapping[str, str] = {
    "meeting": N_("At a meeting"),
    "survey": N_("In a survey"),
    "one": N_("From one woman"),
}

# The advocacy track, in order; "declined" may follow any open stage.
STAGES: Mapping[str, str] = {
    "recorded": N_("recorded"),
    "raised": N_("raised with the ayil okmotu or ayil kenesh"),
    "in_plan": N_("included in the local plan"),
    "budgeted": N_("budget allocated"),
    "implemented": N_("implemented"),
    "declined": N_("declined"),
}
FORWARD = ("raised", "in_plan", "budgeted", "implemented")
FINAL = ("implemented", "declined")

STAGE_CHOICES: Mapping[str, str] = {
    "raised": N_("📣 Raised with the ayil okmotu or ayil kenesh"),
    "in_plan": N_("📋 Included in the local plan"),
    "budgeted": N_("💰 Budget allocated"),
    "implemented": N_("✅ Implemented"),
    "declined": N_("⛔ Declined"),
}

RAISED_WITH: Mapping[str, str] = {
    "okmotu": N_("Ayil okmotu"),
    "kenesh": N_("Ayil kenesh"),
    "both": N_("Both"),
}

OUTCOMES: Mapping[str, str] = {
    "elected": N_("I ran and was elected"),
    "not_elected": N_("I ran and was not elected"),
    "did_not_run": N_("I did not run"),
}


def _nearby(answers: Answers, env: Env) -> list[Place]:
    """The author's own aiyl aimak first, then the others of her rayon."""
    code = env.user.place_code if env.user else None
    gazetteer = env.gazetteer
    # A code the reform retired still names the aiyl aimak it joined.
    place = gazetteer.resolve(code) if code else None
    rayon = gazetteer.rayon_of(place.code) if place is not None else None
    if place is None or rayon is None:
        return []
    siblings = [p for p in gazetteer.children(rayon.code) if p.level == "aiyl_aimak"]
    siblings.sort(key=lambda p: p.code != place.code)
    return siblings


def _anywhere(answers: Answers, env: Env) -> PlaceScope:
    """The whole country, her own rayon first."""
    listed = _nearby(answers, env)
    return PlaceScope(
        None, frozenset({"aiyl_aimak", "village"}), near=listed[0].parent if listed else None
    )


def _aimak(answers: Answers, env: Env) -> Place | None:
    value = answers.get("aiyl_aimak")
    place = env.gazetteer.resolve(str(value)) if value not in (None, OTHER) else None
    return place if place is not None and place.level == "aiyl_aimak" else None


def _place_unknown(answers: Answers, env: Env) -> bool:
    return answers.get("aiyl_aimak") in (None, OTHER)


NEED = Form(
    id="need",
    version=1,
    title=N_("A women's need"),
    steps=(
        Step(
            "topic",
            Choice(option_list(tuple(TOPICS.items())), columns=2),
            N_("What is the need about?"),
            label=N_("Topic"),
            clears=("topic_other",),
        ),
        Step(
            "topic_other",
            Text(max_len=100),
            N_("Name the topic in a few words."),
            label=N_("Other topic"),
            when=lambda a, env: a.get("topic") == OTHER,
        ),
        Step(
            "aiyl_aimak",
            PlaceChoice(
                _nearby,
                rank=2,
                search=_anywhere,
                after=(Option(OTHER, N_("Other / not listed")),),
                fills={3: "village_code"},
                typed="village_other",
                unlisted=OTHER,
            ),
            N_("In which aiyl aimak?"),
            label=N_("Aiyl aimak"),
            clears=("village_code", "village", "village_other"),
        ),
        *village_steps(_aimak, typed_max=80, typed_needs_aimak=True),
        Step(
            "village_other",
            Text(max_len=120),
            N_("Type the name of the village and its aiyl aimak."),
            label=N_("Village"),
            when=_place_unknown,
        ),
        Step(
            "heard",
            Choice(option_list(tuple(HEARD.items()))),
            N_("How did you hear about this need?"),
            label=N_("Heard"),
            clears=("women",),
        ),
        Step(
            "women",
            Number(minimum=1, maximum=100_000, quick=(3, 5, 10, 20)),
            N_("How many women raised it? Press a number or type it."),
            label=N_("Women"),
            when=lambda a, env: a.get("heard") != "one",
        ),
        Step(
            "description",
            Note(max_len=2000),
            N_("Describe the need: type it or record a voice note, then press Done."),
            label=N_("Description"),
        ),
        Step(
            "proposal",
            Text(max_len=1000),
            N_("What do you propose to do about it? It goes into your programme. Or press Skip."),
            label=N_("Proposal"),
            optional=True,
        ),
        Step(
            "photo",
            Media(("photo",), max_items=3),
            N_("Add a photo if you have one and press Done, or press Skip."),
            label=N_("Photo"),
            optional=True,
        ),
    ),
)


class DateSince(Date):
    """A date not before the one the form was opened with (the previous stage's date)."""

    def parse(self, given: Input, answers: Answers, env: Env) -> Any:
        value = super().parse(given, answers, env)
        since = env.context.get("since")
        if since and value < since:
            raise Invalid(
                N_("The previous stage was on {date}; this one cannot be earlier."),
                date=env.tr.short_date(date.fromisoformat(since)),
            )
        return value


# "When was it decided?" fits a plan, a budget and a refusal; the other stages ask their own.
WHEN: Mapping[str, str] = {
    "raised": N_("When did you raise it? Press a button or type the date as dd.mm.yyyy."),
    "implemented": N_("When was it implemented? Press a button or type the date as dd.mm.yyyy."),
}


def _next_stages(answers: Answers, env: Env) -> Sequence[Option]:
    """Every stage after the current one, and Declined."""
    current = str(env.context.get("stage", "recorded"))
    after = FORWARD[FORWARD.index(current) + 1 :] if current in FORWARD else FORWARD
    return tuple(Option(s, STAGE_CHOICES[s]) for s in (*after, "declined"))


def _stage_params(answers: Answers, env: Env) -> Mapping[str, Any]:
    context = env.context
    return {
        "number": context.get("need", ""),
        "topic": env.tr.label(TOPICS.get(str(context.get("topic")), TOPICS[OTHER])),
        "stage": env.tr.label(STAGES.get(str(context.get("stage")), STAGES["recorded"])),
    }


NEED_STAGE = Form(
    id="need_stage",
    version=1,
    title=N_("Progress of a need"),
    steps=(
        Step(
            "stage",
            Choice(options_for=_next_stages),
            N_("Need No. {number} ({topic}) is now: {stage}.\nWhat has happened since?"),
            label=N_("Stage"),
            prompt_params=_stage_params,
            clears=("raised_with", "amount", "reason"),
        ),
        Step(
            "raised_with",
            Choice(option_list(tuple(RAISED_WITH.items())), columns=3),
            N_("With whom did you raise it?"),
            label=N_("Raised with"),
            when=lambda a, env: a.get("stage") == "raised",
        ),
        Step(
            "amount",
            Number(minimum=1, maximum=999_999_999),
            N_("How much was allocated, in som? Type the amount, e.g. 150000."),
            label=N_("Amount, som"),
            when=lambda a, env: a.get("stage") == "budgeted",
        ),
        Step(
            "reason",
            Text(max_len=1000),
            N_("Why was it declined? Type the reason you were given."),
            label=N_("Reason"),
            when=lambda a, env: a.get("stage") == "declined",
        ),
        Step(
            "happened_on",
            DateSince(),
            N_("When was it decided? Press a button or type the date as dd.mm.yyyy."),
            label=N_("Date"),
            prompt_for=lambda a, env: WHEN.get(str(a.get("stage"))),
        ),
        Step(
            "evidence",
            Media(("photo", "document"), max_items=5),
            N_(
                "Send a photo or a document of the decision if you have one and press Done, "
                "or press Skip."
            ),
            label=N_("Evidence"),
            optional=True,
        ),
    ),
)


def need_label(tr: Tr, *, number: int, topic: str, text: str | None, theirs: bool = False) -> str:
    """A button naming a need: topic emoji, number, the start of its description.

    `text` is the description or the author's own topic ("other"); a voice note has neither.
    `theirs` marks a need another member shared.
    """
    emoji = tr.label(TOPICS.get(topic, TOPICS[OTHER])).split(" ")[0]
    shown = text or "🎤"
    snippet = shown if len(shown) <= SNIPPET else shown[: SNIPPET - 1] + "…"
    other = "👥 " if theirs else ""
    number_text = tr.gettext(N_("No. {number}"), number=number)
    return f"{emoji} {number_text} · {other}{snippet}"


def _programme_choices(answers: Answers, env: Env) -> Sequence[Option]:
    """The needs offered when the programme was opened, named in the reader's language."""
    found = []
    for choice in env.context.get("choices", ()):
        if isinstance(choice, Mapping):
            label = need_label(
                env.tr,
                number=int(choice["id"]),
                topic=str(choice["topic"]),
                text=choice.get("text"),
                theirs=bool(choice.get("theirs")),
            )
            found.append(Option(str(choice["id"]), label, translate=False))
        else:  # a draft opened before labels were drawn here: (id, label) as it was shown
            value, label = choice
            found.append(Option(str(value), str(label), translate=False))
    return tuple(found)


PROGRAMME = Form(
    id="programme",
    version=1,
    title=N_("Electoral programme"),
    steps=(
        Step(
            "needs",
            MultiChoice(options_for=_programme_choices),
            N_(
                "Choose the needs that go into your programme (✅ marks a chosen one), "
                "then press Done."
            ),
            label=N_("Needs"),
        ),
        Step(
            "intro",
            Text(max_len=1500),
            N_("A few words to open your programme: who you are and why you run. Or press Skip."),
            label=N_("Introduction"),
            optional=True,
        ),
    ),
)

ELECTION = Form(
    id="election",
    version=1,
    title=N_("Election result"),
    steps=(
        Step(
            "outcome",
            Choice(option_list(tuple(OUTCOMES.items()))),
            N_("How did the ayil kenesh election go for you? Only coordinators see the answer."),
            label=N_("Result"),
        ),
        Step(
            "election_on",
            Date(),
            N_("On what date was the election? Type it as dd.mm.yyyy."),
            label=N_("Election date"),
        ),
    ),
)
