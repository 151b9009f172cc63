"""Who may do what: each feature declares its rows; the matrix is every installed feature's.

A row is one entry point (a command, or a button's callback data written through its
feature's codec) and what each of six people gets from it. `tests/test_access_matrix.py` plays
every row as every person through the local Bot API server and asserts exactly this outcome,
and that a refusal changed no row anywhere; `matrix_markdown()` renders the same rows for the
README, so the documentation cannot drift from what the bot does:

    python -m handlers.plumbing.access_matrix

Placeholders (`{incident}`) are records of Batken's Ak-Say made fresh for each row: a report
by the reporter, a practice, a need and a peer group of the candidate's, a group created by
the Batken coordinator who is then deactivated. A row's callback data is written with the
stand-ins below in place of ids, through the feature's codec like any button, and shown with
the placeholder's name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from handlers.plumbing.codec import Codec, Press

if TYPE_CHECKING:
    from handlers.plumbing.feature import Feature


class Persona(StrEnum):
    """The six people the matrix is walked as."""

    STRANGER = "unregistered"
    REPORTER = "reporter (village leader, Ak-Say)"
    CANDIDATE = "candidate (peer-group member, Ak-Say)"
    OUTSIDER = "coordinator of another region (Chui)"
    ADMIN = "admin"
    # `ayilbot admin deactivate`: the Batken coordinator who made the rows' groups and asked
    # their questions; her roles are revoked, and her own groups are no longer hers to manage.
    DEACTIVATED = "deactivated (was a Batken coordinator)"


PERSONAS = tuple(Persona)


class Outcome(StrEnum):
    """What a person gets; the codes are the letters of an `Entry`'s `codes`."""

    OK = "Y"  # the real answer
    NONE = "0"  # the real answer, holding nothing of the other region
    NO = "N"  # "Sorry, you do not have permission for this."
    REGISTER = "R"  # "Please register first: send /start."
    STALE = "S"  # "This button is no longer active."; nothing changes


SYMBOLS = {
    Outcome.OK: "✅",
    Outcome.NONE: "∅",
    Outcome.NO: "🚫",
    Outcome.REGISTER: "🔑",
    Outcome.STALE: "⏹",
}
REFUSALS = frozenset({Outcome.NO, Outcome.REGISTER, Outcome.STALE})


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry point: how it is reached, who may use it, and what each persona gets."""

    point: str  # "/review", "inc:v:{incident}"; "/linkgroup@group" is sent in a group chat
    rule: str
    codes: str  # one Outcome letter per persona, in `PERSONAS` order
    # The msgid (or ngettext pair) of "∅", every placeholder 0: "0 records in the file."
    empty: str | tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if len(self.codes.split()) != len(PERSONAS):
            raise ValueError(f"{self.point}: one outcome per persona, got {self.codes!r}")
        for code in self.codes.split():
            Outcome(code)  # ValueError for a letter that is no outcome

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(Outcome(c) for c in self.codes.split())

    @property
    def is_command(self) -> bool:
        return self.point.startswith("/")

    @property
    def in_group(self) -> bool:
        return self.point.endswith("@group")

    @property
    def text(self) -> str:
        """What is sent (a command) or pressed (callback data), placeholders unfilled."""
        return self.point.removesuffix("@group")


# Stand-ins for the placeholders: a codec writes them like real ids and codes, and `button`
# turns each back into its `{name}`. The numbers are far above any id a test makes.
INCIDENT, INCIDENT2, QUESTION = 9_000_000_001, 9_000_000_002, 9_000_000_003
NEED, NEED2, GROUP, MEMBER = 9_000_000_004, 9_000_000_005, 9_000_000_006, 9_000_000_007
LINKREQ, PRACTICE, PENDING, PQUESTION = 9_000_000_008, 9_000_000_009, 9_000_000_010, 9_000_000_011
TYPED = 9_000_000_012  # a report whose aiyl aimak was typed by hand
PLACE, REGION, CODE = "_place_", "_region_", "_code_"
PLACEHOLDERS = {
    str(INCIDENT): "incident",
    str(INCIDENT2): "incident2",
    str(QUESTION): "question",
    str(NEED): "need",
    str(NEED2): "need2",
    str(GROUP): "group",
    str(MEMBER): "member",
    str(LINKREQ): "linkreq",
    str(PRACTICE): "practice",
    str(PENDING): "pending",
    str(PQUESTION): "pquestion",
    str(TYPED): "typed",
    PLACE: "place",
    REGION: "region",
    CODE: "code",
}


def button(codec: Codec, press: Press) -> str:
    """A row's callback data: written by the feature's codec, stand-ins shown as `{name}`."""
    parts = codec.encode(press).split(":")
    return ":".join("{" + PLACEHOLDERS[p] + "}" if p in PLACEHOLDERS else p for p in parts)


def E(point: str, rule: str, codes: str, empty: str | tuple[str, str] | None = None) -> Entry:
    """A row, as the features write them: `E("/review", "review_incidents", "R N N 0 Y N")`."""
    return Entry(point, rule, codes, empty)


def matrix(features: Iterable[Feature]) -> tuple[Entry, ...]:
    """Every installed feature's rows, in the features' order."""
    entries = tuple(e for f in features for e in f.access)
    points = [e.point for e in entries]
    if len(points) != len(set(points)):
        raise ValueError(f"an entry point has two rows: {sorted(points)}")
    return entries


def matrix_markdown(entries: Iterable[Entry]) -> str:
    """The README's access table, generated from the rows."""
    head = ["entry point", "who may use it", *(p.value for p in PERSONAS)]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
    ]
    for entry in entries:
        point = entry.text.replace("{", "<").replace("}", ">")
        where = " (in a group chat)" if entry.in_group else ""
        cells = [f"`{point}`{where}", entry.rule, *(SYMBOLS[o] for o in entry.outcomes)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    legend = (
        '✅ the answer · ∅ the answer, with nothing of the other region · 🚫 "you do not have '
        'permission" · 🔑 "please register first" · ⏹ "this button is no longer active" (a '
        "report or practice out of one's scope is answered exactly as a missing one); "
        "every refusal leaves every table unchanged."
    )
    return "\n".join([*lines, "", legend]) + "\n"


def main() -> None:
    """Print the README's table for the features the wiring installs."""
    # Imported by name: run with -m, this file is `__main__`, while the features' rows are
    # built with the classes of `handlers.plumbing.access_matrix`.
    from bot.wiring import FEATURES
    from handlers.plumbing import access_matrix

    print(access_matrix.matrix_markdown(access_matrix.matrix(FEATURES)), end="")


if __name__ == "__main__":
    main()
