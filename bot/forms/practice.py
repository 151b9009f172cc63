"""Practice, peer-group, ask-the-author, review-comment and search forms (data only)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.text import N_
from bot.forms.engine import Form, Step
from bot.forms.kinds import (
    Answers,
    Choice,
    Env,
    Media,
    MultiChoice,
    Number,
    Option,
    PlaceChoice,
    PlaceScope,
    Text,
    yes_no,
)
from bot.forms.onboarding import LANGUAGE_OPTIONS
from bot.gazetteer import Place

# Topic codes are stored and exported; never renamed once shipped.
LEADER_TOPICS = (
    Option("water", N_("Disputes over water")),
    Option("pasture", N_("Disputes over pasture")),
    Option("land", N_("Disputes over land")),
    Option("forest", N_("Disputes over forest")),
    Option("ntfp", N_("Non-timber products")),
    Option("border", N_("Cooperation across the border")),
)
CANDIDATE_TOPICS = (
    Option("campaign", N_("Campaign strategy")),
    Option("voters", N_("Working with voters")),
    Option("needs", N_("Identifying women's needs")),
    Option("plan", N_("Into the local plan or budget")),
    Option("violence", N_("Fighting violence against women")),
    Option("networks", N_("Networks of support")),
)
OTHER_TOPIC = Option("other", N_("Other"))
TOPICS = (*LEADER_TOPICS, *CANDIDATE_TOPICS, OTHER_TOPIC)
TOPIC_LABELS = {o.value: o.label for o in TOPICS}

PLAN_BUDGET = (
    Option("plan", N_("Into the local plan")),
    Option("budget", N_("Into the local budget")),
    Option("both", N_("Into the plan and the budget")),
    Option("pending", N_("Not yet: it is under way")),
    Option("no", N_("No")),
)
PLAN_BUDGET_LABELS = {o.value: o.label for o in PLAN_BUDGET}
EVERYONE = "all"
# A practice's review status as people read it (in the chat and in exports).
STATUS_LABELS = {
    "pending": N_("waiting for approval"),
    "changes": N_("edits requested"),
    "approved": N_("published"),
    "declined": N_("declined"),
}

GROUP_KINDS = (
    Option("ao_peers", N_("Ayil okmotu peers")),
    Option("candidates", N_("Women candidates")),
)
GROUP_KIND_LABELS = {o.value: o.label for o in GROUP_KINDS}
WHOLE = "whole"
NO_REGION = "none"


def topic_options(answers: Answers, env: Env) -> Sequence[Option]:
    """Topics for the author's role: ayil okmotu, candidates, or both for anyone else."""
    kind = env.user.kind if env.user is not None else None
    if kind == "leader":
        return (*LEADER_TOPICS, OTHER_TOPIC)
    if kind == "candidate":
        return (*CANDIDATE_TOPICS, OTHER_TOPIC)
    return TOPICS


def _is_candidate(answers: Answers, env: Env) -> bool:
    return env.user is not None and env.user.kind == "candidate"


def group_options(answers: Answers, env: Env) -> Sequence[Option]:
    """Everyone registered, or the author's own groups (put in the draft when it opened)."""
    groups = [
        Option(str(gid), str(name), translate=False) for gid, name in env.context.get("groups", ())
    ]
    return (Option(EVERYONE, N_("Everyone registered")), *groups)


def _steps() -> tuple[Step, ...]:
    return (
        Step(
            "topic",
            Choice(options_for=topic_options),
            N_("What is your practice about?"),
            label=N_("Topic"),
            clears=("topic_other",),
        ),
        Step(
            "topic_other",
            Text(max_len=100, min_len=3),
            N_("Please name the topic in a few words."),
            label=N_("Topic (other)"),
            when=lambda a, env: a.get("topic") == OTHER_TOPIC.value,
        ),
        Step(
            "title",
            Text(max_len=120, min_len=5),
            N_(
                "Give your practice a short title, e.g. “Water schedule agreed with the "
                "neighbours”."
            ),
            label=N_("Title"),
        ),
        Step(
            "situation",
            Text(max_len=1500, min_len=10),
            N_("What was the situation or the problem?"),
            label=N_("Situation"),
        ),
        Step(
            "actions",
            Text(max_len=1500, min_len=10),
            N_("What was done, and by whom?"),
            label=N_("What was done"),
        ),
        Step(
            "result",
            Text(max_len=1000, min_len=3),
            N_("What was the result?"),
            label=N_("Result"),
        ),
        Step(
            "plan_budget",
            Choice(PLAN_BUDGET),
            N_("Did it get into the local plan or budget?"),
            label=N_("Plan or budget"),
            when=_is_candidate,
            clears=("amount",),
        ),
        Step(
            "amount",
            Number(minimum=1, maximum=999_999_999),
            N_("How much was allocated, in som? Type the amount, or press Skip if unknown."),
            label=N_("Amount, som"),
            optional=True,
            when=lambda a, env: a.get("plan_budget") in ("budget", "both"),
        ),
        Step(
            "advice",
            Text(max_len=1000, min_len=3),
            N_("What would you advise peers who face the same?"),
            label=N_("Advice"),
        ),
        Step(
            "files",
            Media(("photo", "document", "voice"), max_items=5),
            N_(
                "Add photos, documents or voice notes if you have them (up to 5), then press "
                "Done. Or press Skip."
            ),
            label=N_("Attachments"),
            optional=True,
        ),
        Step(
            "groups",
            MultiChoice(options_for=group_options),
            N_("Who may see it once a coordinator approves it? Choose, then press Done."),
            label=N_("Who may see it"),
        ),
        Step(
            "show_author",
            yes_no(),
            N_("May your name be shown with this practice, to peers and in recommendations?"),
            label=N_("Show my name"),
        ),
        Step(
            "contact",
            yes_no(),
            N_(
                "May peers send you questions about it through the bot? "
                "Your Telegram account stays hidden."
            ),
            label=N_("Questions from peers"),
        ),
    )


PRACTICE = Form(id="practice", version=1, title=N_("Share a practice"), steps=_steps())
# Editing after a coordinator's comment: the same steps, a draft of its own.
PRACTICE_EDIT = Form(id="practice_edit", version=1, title=N_("Edit your practice"), steps=_steps())


REGION_LEVELS = frozenset({"oblast", "rayon", "city"})


def _oblasts(answers: Answers, env: Env) -> list[Place]:
    return env.gazetteer.oblasts()


def _rayons(answers: Answers, env: Env) -> list[Place]:
    return env.gazetteer.children(str(answers.get("oblast")))


def _anywhere(answers: Answers, env: Env) -> PlaceScope:
    return PlaceScope(None, REGION_LEVELS)


def _in_the_oblast(answers: Answers, env: Env) -> PlaceScope:
    return PlaceScope(str(answers.get("oblast")), REGION_LEVELS - {"oblast"})


NEW_GROUP = Form(
    id="new_group",
    version=1,
    title=N_("New peer group"),
    steps=(
        Step(
            "name",
            Text(max_len=80, min_len=3),
            N_("Name the group, e.g. “Batken border ayil okmotu”."),
            label=N_("Name"),
        ),
        Step("kind", Choice(GROUP_KINDS), N_("Who is the group for?"), label=N_("For whom")),
        Step(
            "oblast",
            PlaceChoice(
                _oblasts,
                rank=0,
                search=_anywhere,
                after=(Option(NO_REGION, N_("All of Kyrgyzstan")),),
                fills={1: "rayon"},
            ),
            N_("Which region does it cover? Choose the oblast."),
            label=N_("Oblast"),
            clears=("rayon",),
        ),
        Step(
            "rayon",
            PlaceChoice(
                _rayons,
                rank=1,
                search=_in_the_oblast,
                before=(Option(WHOLE, N_("The whole oblast")),),
            ),
            N_("Choose the rayon, or the whole oblast."),
            label=N_("Rayon"),
            when=lambda a, env: a.get("oblast") not in (None, NO_REGION),
        ),
        Step(
            "language",
            Choice(LANGUAGE_OPTIONS),
            N_(
                "Which language does the group speak? Its digests in the group chat come in it; "
                "members get theirs privately in their own language."
            ),
            label=N_("Language"),
        ),
    ),
)

GROUP_RENAME = Form(
    id="group_rename",
    version=1,
    title=N_("Rename the group"),
    confirm=False,
    steps=(Step("name", Text(max_len=80, min_len=3), N_("Type the new name."), label=N_("Name")),),
)

ASK_AUTHOR = Form(
    id="practice_ask",
    version=1,
    title=N_("Ask the author"),
    confirm=False,
    steps=(
        Step(
            "question",
            Text(max_len=1000, min_len=5),
            N_("Type your question. The bot passes it on without your name or Telegram account."),
            label=N_("Question"),
        ),
        Step(
            "share",
            yes_no(),
            N_(
                "Would you share your name and Telegram account with the author? They are "
                "shown only if the author also agrees to share theirs."
            ),
            label=N_("Share contacts"),
        ),
    ),
)

ANSWER_QUESTION = Form(
    id="practice_answer",
    version=1,
    title=N_("Answer a peer"),
    confirm=False,
    steps=(
        Step(
            "answer",
            Text(max_len=1500, min_len=2),
            N_("Type your answer. The bot passes it on without your name or Telegram account."),
            label=N_("Answer"),
        ),
        Step(
            "share",
            yes_no(),
            N_(
                "Would you share your name and Telegram account with the person who asked? "
                "They are shown only if that person agreed to share theirs too."
            ),
            label=N_("Share contacts"),
        ),
    ),
)

ASK_FOR_EDITS = Form(
    id="practice_edits",
    version=1,
    title=N_("Ask for edits"),
    confirm=False,
    steps=(
        Step(
            "comment",
            Text(max_len=1000, min_len=3),
            N_("What should the author change? Your comment is sent to them."),
            label=N_("Comment"),
        ),
    ),
)

DECLINE = Form(
    id="practice_decline",
    version=1,
    title=N_("Decline the practice"),
    confirm=False,
    steps=(
        Step(
            "reason",
            Text(max_len=1000, min_len=3),
            N_("Why is it declined? The reason is sent to the author."),
            label=N_("Reason"),
        ),
    ),
)

SEARCH = Form(
    id="practice_search",
    version=1,
    title=N_("Search practices"),
    confirm=False,
    steps=(
        Step(
            "words",
            Text(max_len=100, min_len=2),
            N_("Type a word to search for, e.g. water or суу."),
            label=N_("Words"),
        ),
    ),
)
