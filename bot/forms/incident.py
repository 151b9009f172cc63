"""The incident report form, the report-update form and the small review forms (data only).

Step keys become export columns and option values are stored codes: never rename either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from bot.forms.engine import Form, Step, option_list
from bot.forms.kinds import (
    Answers,
    Choice,
    Date,
    Env,
    Location,
    Media,
    Note,
    Number,
    Option,
    PlaceChoice,
    PlaceScope,
    Text,
)
from bot.forms.onboarding import NOT_LISTED, WALK, walk_step
from bot.gazetteer import Place
from bot.i18n import N_, Safe

OTHER = "other"
PICK_PLACE = "pick"
DESCRIPTION_LIMIT = 3500
PHOTO_LIMIT = 5

RESOURCES = option_list(
    (
        ("water", N_("💧 Water, irrigation")),
        ("pasture", N_("🐑 Pasture")),
        ("arable_land", N_("🌾 Arable land")),
        ("forest", N_("🌲 Forest")),
        ("non_timber", N_("🧺 Firewood, hay, nuts, fruit, medicinal plants")),
        ("infrastructure", N_("🛤 Canal, water intake, road, bridge")),
        (OTHER, N_("✏️ Something else")),
    )
)

# sub_event_type codes; EVENT_TYPES groups them as conflict-event coding does.
EVENTS = option_list(
    (
        ("tension", N_("Tension or complaint")),
        ("verbal_dispute", N_("Verbal dispute")),
        ("blockade", N_("Blocking of a road, canal or water intake")),
        ("protest", N_("Protest or gathering")),
        ("physical_clash", N_("Physical clash")),
        ("property_damage", N_("Damage to property or livestock")),
        ("agreement", N_("Agreement reached")),
    )
)
EVENT_TYPES: Mapping[str, str] = {
    "tension": "strategic_developments",
    "verbal_dispute": "strategic_developments",
    "agreement": "strategic_developments",
    "blockade": "protests",
    "protest": "protests",
    "physical_clash": "riots",
    "property_damage": "riots",
}

PRECISIONS = option_list(
    (
        ("1", N_("Exactly that day")),
        ("2", N_("Approximately, within a week")),
    )
)

BORDER = option_list((("yes", N_("Yes")), ("no", N_("No")), ("unknown", N_("Don't know"))))

ACTORS = option_list(
    (
        ("farmers", N_("Farmers")),
        ("herders", N_("Herders")),
        ("water_users", N_("Water users' association")),
        ("pasture_committee", N_("Pasture committee")),
        ("neighbour_village", N_("Residents of a neighbouring village")),
        ("cross_border", N_("Community across the border")),
        ("local_authority", N_("Local authority")),
        ("security", N_("Border service or police")),
        (OTHER, N_("✏️ Someone else")),
    )
)

CROWD_SIZES = option_list(
    (
        ("under_10", N_("Under 10")),
        ("10_50", N_("10 to 50")),
        ("50_200", N_("50 to 200")),
        ("over_200", N_("Over 200")),
    )
)

RESPONSES = option_list(
    (
        ("none", N_("None yet")),
        ("ao_mediation", N_("Ayil okmotu mediation")),
        ("aksakal_court", N_("Elders' court (aksakal court)")),
        ("security", N_("Police or border service")),
        ("joint_commission", N_("Joint commission with the neighbouring side")),
        ("agreement", N_("Agreement reached")),
    )
)

STATUSES = option_list((("open", N_("Still going on")), ("resolved", N_("Resolved"))))

SOURCES = option_list(
    (
        ("witness", N_("I saw it myself")),
        ("hearsay", N_("I heard it from others")),
        ("media", N_("From media or social networks")),
    )
)

VISIBILITY = option_list(
    (
        ("named", N_("Show my name to coordinators")),
        ("anonymous", N_("Anonymous")),
    )
)

REJECT_REASONS = option_list(
    (
        ("not_incident", N_("Not a dispute over resources")),
        ("outside_area", N_("Outside the area we cover")),
        ("unclear", N_("Too little information")),
        ("mistake", N_("A test or sent by mistake")),
        (OTHER, N_("✏️ Another reason")),
    )
)

FOLLOWUP_OUTCOMES = option_list(
    (
        ("resolved", N_("✅ Resolved")),
        ("open", N_("⏳ Still open")),
        ("worse", N_("⚠️ Got worse")),
    )
)


# A report's place walked down the gazetteer, to the village.
REPORT_WALK = {**WALK, 3: "village_code"}
REPORT_LEVELS = ("oblast", "rayon", "city", "aiyl_aimak", "village")


def home_aimak(env: Env) -> str | None:
    """The reporter's own aiyl aimak from their profile, when the gazetteer knows it."""
    code = env.user.place_code if env.user is not None else None
    # A code the reform retired still names the aiyl aimak it joined.
    place = env.gazetteer.resolve(code) if code else None
    return place.code if place is not None and place.level == "aiyl_aimak" else None


def _own_place(answers: Answers, env: Env) -> list[Place]:
    code = home_aimak(env)
    return [env.gazetteer[code]] if code else []


def _anywhere(answers: Answers, env: Env) -> PlaceScope:
    """The whole country, the reporter's own rayon first."""
    code = home_aimak(env)
    rayon = env.gazetteer.rayon_of(code) if code else None
    return PlaceScope(
        None, frozenset({"aiyl_aimak", "village"}), near=rayon.code if rayon else None
    )


def _walks(answers: Answers, env: Env) -> bool:
    """The place is picked from the gazetteer: no own aiyl aimak, or "another place"."""
    return home_aimak(env) is None or answers.get("place") == PICK_PLACE


def _rayon_listed(answers: Answers, env: Env) -> bool:
    return _walks(answers, env) and answers.get("oblast") not in (None, NOT_LISTED)


def _aimak_listed(answers: Answers, env: Env) -> bool:
    rayon = answers.get("rayon")
    return (
        _rayon_listed(answers, env)
        and rayon not in (None, NOT_LISTED)
        and bool(env.gazetteer.children(str(rayon)))
    )


def _not_listed(answers: Answers, env: Env) -> bool:
    return _walks(answers, env) and NOT_LISTED in (
        answers.get("oblast"),
        answers.get("rayon"),
        answers.get("aiyl_aimak"),
    )


def _answer_is(key: str, value: str) -> Callable[[Answers, Env], bool]:
    def check(answers: Answers, env: Env) -> bool:
        return answers.get(key) == value

    return check


def _report_aimak(answers: Answers, env: Env) -> Place | None:
    code = report_place(answers, env)
    place = env.gazetteer.resolve(code) if code else None
    return place if place is not None and place.level == "aiyl_aimak" else None


def picked_village(answers: Answers, env: Env) -> Place | None:
    """The village picked from the gazetteer (not typed), if any."""
    value = answers.get("village_code")
    place = env.gazetteer.resolve(str(value)) if value not in (None, NOT_LISTED) else None
    return place if place is not None and place.level == "village" else None


VILLAGE_NOT_LISTED = Option(NOT_LISTED, N_("✏️ Not on the list"))


def village_steps(
    aimak: Callable[[Answers, Env], Place | None],
    *,
    typed_max: int,
    typed_needs_aimak: bool = False,
) -> tuple[Step, Step]:
    """The village questions after an aiyl aimak (`aimak` finds it among the answers).

    With villages listed for it: pick one, or type a name (one that no village starts with is
    kept as typed in `village`, as before villages were listed). Without, or after "not on
    the list": type the name. `typed_needs_aimak`: no typed village without an aiyl aimak.
    """

    def villages(answers: Answers, env: Env) -> list[Place]:
        found = aimak(answers, env)
        return env.gazetteer.villages(found.code) if found is not None else []

    def within(answers: Answers, env: Env) -> PlaceScope | None:
        found = aimak(answers, env)
        return PlaceScope(found.code, frozenset({"village"})) if found is not None else None

    def listed(answers: Answers, env: Env) -> bool:
        # A draft that had the village typed before villages were listed keeps that answer.
        return bool(villages(answers, env)) and (
            "village" not in answers or "village_code" in answers
        )

    def typed(answers: Answers, env: Env) -> bool:
        if typed_needs_aimak and aimak(answers, env) is None:
            return False
        return not listed(answers, env) or answers.get("village_code") == NOT_LISTED

    choice = PlaceChoice(
        villages,
        rank=3,
        search=within,
        after=(VILLAGE_NOT_LISTED,),
        typed="village",
        unlisted=NOT_LISTED,
        typed_max=typed_max,
        keep_unmatched=True,
    )
    return (
        Step(
            "village_code",
            choice,
            N_("Which village? Choose it or type its name, or press Skip."),
            label=N_("Village"),
            optional=True,
            when=listed,
            clears=("village",),
        ),
        Step(
            "village",
            Text(max_len=typed_max),
            N_("Which village? Type its name, or press Skip."),
            label=N_("Village"),
            optional=True,
            when=typed,
        ),
    )


def report_place(answers: Answers, env: Env) -> str | None:
    """The most precise gazetteer code among the place answers."""
    chosen = answers.get("place")
    if chosen not in (None, PICK_PLACE):
        return str(chosen)
    for key in ("aiyl_aimak", "rayon", "oblast"):
        value = answers.get(key)
        if value not in (None, NOT_LISTED) and env.gazetteer.resolve(str(value)) is not None:
            return str(value)
    return None


def _anonymity_warning(answers: Answers, env: Env) -> Mapping[str, Any]:
    """A plain warning when anonymity would not hide her: she alone is registered there."""
    place = report_place(answers, env)
    if place is None or place not in env.alone_in:
        return {"warning": ""}
    warning = env.tr.gettext(
        N_(
            "⚠️ You are the only person in the bot who gave {place} as their place. If you "
            "choose Anonymous, coordinators will not see your name, but they may still guess "
            "that the report is from you."
        ),
        place=env.gazetteer[place].name(env.tr.locale),
    )
    return {"warning": Safe("\n\n" + warning)}


def _before_yesterday(answers: Answers, env: Env) -> bool:
    value = answers.get("event_date")
    return isinstance(value, str) and value < (env.today - timedelta(days=1)).isoformat()


INCIDENT = Form(
    id="incident",
    version=1,
    title=N_("Incident report"),
    steps=(
        Step(
            "resource",
            Choice(RESOURCES),
            N_("What was the dispute about?"),
            label=N_("Resource"),
            clears=("resource_other",),
        ),
        Step(
            "resource_other",
            Text(max_len=200),
            N_("Type what the dispute was about."),
            label=N_("Resource, in words"),
            when=_answer_is("resource", OTHER),
        ),
        Step("sub_event_type", Choice(EVENTS), N_("What happened?"), label=N_("What happened")),
        Step(
            "event_date",
            Date(recent_days=5),
            N_("When did it happen? Press a day, or type the date as dd.mm.yyyy."),
            label=N_("Date"),
            clears=("date_precision",),
        ),
        Step(
            "date_precision",
            Choice(PRECISIONS),
            N_("Is this the exact day?"),
            label=N_("Date precision"),
            when=_before_yesterday,
        ),
        Step(
            "place",
            PlaceChoice(
                _own_place,
                rank=2,
                search=_anywhere,
                after=(Option(PICK_PLACE, N_("📍 Another place")),),
                fills=REPORT_WALK,
                columns=1,
            ),
            N_("Where did it happen?"),
            label=N_("Place"),
            when=lambda a, env: home_aimak(env) is not None,
            clears=(
                "oblast",
                "rayon",
                "aiyl_aimak",
                "place_other",
                "village_code",
                "village",
            ),
        ),
        Step(
            "oblast",
            walk_step(None, rank=0, levels=REPORT_LEVELS, fills=REPORT_WALK),
            N_("Where did it happen? Choose the oblast."),
            label=N_("Oblast"),
            when=_walks,
            clears=("rayon", "aiyl_aimak", "place_other", "village_code", "village"),
        ),
        Step(
            "rayon",
            walk_step("oblast", rank=1, levels=REPORT_LEVELS[1:], fills=REPORT_WALK),
            N_("Choose the rayon."),
            label=N_("Rayon"),
            when=_rayon_listed,
            clears=("aiyl_aimak", "place_other", "village_code", "village"),
        ),
        Step(
            "aiyl_aimak",
            walk_step("rayon", rank=2, levels=REPORT_LEVELS[3:], fills=REPORT_WALK),
            N_("Choose the aiyl aimak."),
            label=N_("Aiyl aimak"),
            when=_aimak_listed,
            clears=("place_other", "village_code", "village"),
        ),
        Step(
            "place_other",
            Text(max_len=120),
            N_("Type the name of the aiyl aimak or the place."),
            label=N_("Place, in words"),
            when=_not_listed,
        ),
        *village_steps(_report_aimak, typed_max=120),
        Step(
            "location",
            Location(),
            N_(
                "If you are at the place, share the location: 📎 → Location. Otherwise press Skip."
            ),
            label=N_("Location pin"),
            optional=True,
        ),
        Step(
            "border",
            Choice(BORDER, columns=3),
            N_("Did it happen on or near the state border?"),
            label=N_("Near the border"),
        ),
        Step(
            "actor1",
            Choice(ACTORS, columns=2),
            N_("Who is involved? Choose the first side."),
            label=N_("First side"),
            clears=("actor1_other",),
        ),
        Step(
            "actor1_other",
            Text(max_len=200),
            N_("Type who the first side is."),
            label=N_("First side, in words"),
            when=_answer_is("actor1", OTHER),
        ),
        Step(
            "actor2",
            Choice(ACTORS, columns=2),
            N_("Choose the second side. If there is only one side, press Skip."),
            label=N_("Second side"),
            optional=True,
            clears=("actor2_other",),
        ),
        Step(
            "actor2_other",
            Text(max_len=200),
            N_("Type who the second side is."),
            label=N_("Second side, in words"),
            when=_answer_is("actor2", OTHER),
        ),
        Step(
            "crowd_size",
            Choice(CROWD_SIZES, columns=2),
            N_("About how many people took part?"),
            label=N_("Number of people"),
        ),
        Step(
            "injuries",
            Number(minimum=0, maximum=10_000, quick=(0, 1, 2, 3, 5, 10)),
            N_("How many people were injured? Press 0 if nobody, or type the number."),
            label=N_("Injured"),
        ),
        Step(
            "fatalities",
            Number(minimum=0, maximum=10_000, quick=(0, 1, 2, 3)),
            N_("How many people died? Press 0 if nobody, or type the number."),
            label=N_("Dead"),
        ),
        Step(
            "description",
            Note(max_len=DESCRIPTION_LIMIT),
            N_(
                "Describe what happened: type a text, record a voice note, or both. "
                "Then press Done."
            ),
            label=N_("Description"),
        ),
        Step(
            "photos",
            Media(("photo",), max_items=PHOTO_LIMIT),
            N_("Send up to 5 photos, then press Done. No photos? Press Skip."),
            label=N_("Photos"),
            optional=True,
        ),
        Step(
            "response",
            Choice(RESPONSES),
            N_("What has been done about it so far?"),
            label=N_("Response so far"),
        ),
        Step(
            "status",
            Choice(STATUSES, columns=2),
            N_("Is it still going on, or resolved?"),
            label=N_("Status"),
        ),
        Step("source", Choice(SOURCES), N_("How do you know about it?"), label=N_("Source")),
        Step(
            "visibility",
            Choice(VISIBILITY),
            N_(
                "Who may see that you sent this report?\n\n"
                "<b>Anonymous</b>: coordinators see the report but not your name; "
                "only the bot's administrators can see who sent it.{warning}"
            ),
            label=N_("Your name"),
            prompt_params=_anonymity_warning,
        ),
    ),
)


def _report_number(answers: Answers, env: Env) -> Mapping[str, Any]:
    return {"number": env.context.get("incident", "")}


def _update_kinds(answers: Answers, env: Env) -> Sequence[Option]:
    last = (
        Option("reopened", N_("⚠️ It started again"))
        if env.context.get("status") == "resolved"
        else Option("resolved", N_("✅ It is resolved"))
    )
    return (
        Option("info", N_("📝 New information")),
        Option("response", N_("🤝 A response was taken")),
        last,
    )


REPORT_UPDATE = Form(
    id="incident_update",
    version=1,
    title=N_("Update to a report"),
    confirm=False,
    steps=(
        Step(
            "kind",
            Choice(options_for=_update_kinds),
            N_("What is new about report № {number}?"),
            label=N_("Update"),
            prompt_params=_report_number,
        ),
        Step(
            "response",
            Choice(RESPONSES[1:]),
            N_("Which response was taken?"),
            label=N_("Response"),
            when=_answer_is("kind", "response"),
        ),
        Step(
            "details",
            Note(max_len=DESCRIPTION_LIMIT),
            N_("Type or record the new information, then press Done."),
            label=N_("Details"),
            when=_answer_is("kind", "info"),
        ),
        Step(
            "comment",
            Note(max_len=DESCRIPTION_LIMIT),
            N_("Anything to add? Type or record it and press Done, or press Skip."),
            label=N_("Comment"),
            optional=True,
            when=lambda a, env: a.get("kind") not in (None, "info"),
        ),
        Step(
            "photos",
            Media(("photo",), max_items=PHOTO_LIMIT),
            N_("Send up to 5 photos, then press Done. No photos? Press Skip."),
            label=N_("Photos"),
            optional=True,
        ),
    ),
)

REVIEW_QUESTION = Form(
    id="incident_question",
    version=1,
    title=N_("Question to the reporter"),
    confirm=False,
    steps=(
        Step(
            "question",
            Text(max_len=1000),
            N_(
                "Type your question about report № {number}. "
                "I will send it to the reporter and bring back the answer."
            ),
            label=N_("Question"),
            prompt_params=_report_number,
        ),
    ),
)


def _question_text(answers: Answers, env: Env) -> Mapping[str, Any]:
    return {"number": env.context.get("incident", ""), "question": env.context.get("question", "")}


REPORTER_ANSWER = Form(
    id="incident_answer",
    version=1,
    title=N_("Answer to a coordinator"),
    confirm=False,
    steps=(
        Step(
            "answer",
            Text(max_len=2000),
            N_("The question about report № {number}:\n<i>{question}</i>\n\nType your answer."),
            label=N_("Answer"),
            prompt_params=_question_text,
        ),
    ),
)

REVIEW_DUPLICATE = Form(
    id="incident_duplicate",
    version=1,
    title=N_("Duplicate report"),
    confirm=False,
    steps=(
        Step(
            "original",
            Number(minimum=1, maximum=1_000_000_000),
            N_("Report № {number} repeats which report? Type that report's number."),
            label=N_("Original report"),
            prompt_params=_report_number,
        ),
    ),
)

REVIEW_REJECT = Form(
    id="incident_reject",
    version=1,
    title=N_("Reject a report"),
    confirm=False,
    steps=(
        Step(
            "reason",
            Choice(REJECT_REASONS),
            N_("Why is report № {number} rejected? The reporter will see the reason."),
            label=N_("Reason"),
            prompt_params=_report_number,
        ),
        Step(
            "reason_text",
            Text(max_len=500),
            N_("Type the reason."),
            label=N_("Reason, in words"),
            when=_answer_is("reason", OTHER),
        ),
    ),
)

FORMS = (
    INCIDENT,
    REPORT_UPDATE,
    REVIEW_QUESTION,
    REPORTER_ANSWER,
    REVIEW_DUPLICATE,
    REVIEW_REJECT,
)
