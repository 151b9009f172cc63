"""Who may do what: the access matrix, walked by `tests/test_access_matrix.py`, shown in README.

Each row is one entry point (a command, a button's callback data, an export filter) and what
each of six people gets from it. The test plays every row as every person through the local
Bot API server and asserts exactly this outcome, and that a refusal changed no row anywhere;
`matrix_markdown()` renders the same rows for the README, so the documentation cannot drift from
what the bot does. Placeholders in braces (`{incident}`) are records of Batken's Ak-Say made
fresh for each row: a report by the reporter, a practice, a need and a peer group of the
candidate's, a group created by the Batken coordinator who is then deactivated.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import N_


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
    """What a person gets; the codes are the letters used in `MATRIX`."""

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


def E(point: str, rule: str, codes: str, empty: str | tuple[str, str] | None = None) -> Entry:
    return Entry(point, rule, codes, empty)


NO_REVIEW = N_("No reports in your area wait for review. Thank you!")
NO_RECORDS = ("{n} record in the file.", "{n} records in the file.")
NO_NEEDS = ("{n} need", "{n} needs")
NO_RESULTS = N_("No election results have been recorded yet.")
NOT_IN_SCOPE = N_("None of these aiyl aimaks is within your scope.")
NOTHING_WAITS = N_("Nothing waits for approval.")
NO_REPORTS = N_("📝 Incident reports: {week} · {total}")

# Personas:   stranger reporter candidate outsider admin deactivated
MATRIX: tuple[Entry, ...] = (
    # Everyone
    E("/start", "anyone (newcomers begin onboarding)", "Y Y Y Y Y Y"),
    E("/menu", "anyone; entries by permission", "Y Y Y Y Y Y"),
    E("/help", "anyone", "Y Y Y Y Y Y"),
    E("/language", "registered", "R Y Y Y Y Y"),
    E("/cancel", "anyone", "Y Y Y Y Y Y"),
    E("/mydata", "registered: one's own data", "R Y Y Y Y Y"),
    E("/deleteme", "registered: oneself", "R Y Y Y Y Y"),
    E("del:no", "registered: oneself", "Y Y Y Y Y Y"),
    E("f:00000000:x:y", "the form's own author; another's draft is stale", "S S S S S S"),
    E("m:menu", "as the command", "Y Y Y Y Y Y"),
    # Administrators
    E("/invite coordinator BA-BAT", "invite (admins)", "R N N N Y N"),
    # Incident reports: reporters
    E("/report", "registered", "R Y Y Y Y Y"),
    E("/myreports", "registered: one's own reports", "R Y Y Y Y Y"),
    E("inc:l:0", "registered: one's own reports", "R Y Y Y Y Y"),
    E("inc:m:{incident}", "the report's reporter", "R Y S S S S"),
    E("inc:u:{incident}", "the report's reporter", "R Y S S S S"),
    E("inc:f:{incident}:o", "the report's reporter, once asked", "R Y S S S S"),
    E("inc:a:{question}", "the report's reporter", "R Y S S S S"),
    E("inc:p:{incident}", "its reporter, or review_incidents in scope", "R Y S S Y S"),
    # Incident review: coordinators in scope
    E("/review", "review_incidents; reports in scope", "R N N 0 Y N", NO_REVIEW),
    E("m:review", "as /review", "R N N 0 Y N", NO_REVIEW),
    E("inc:o:{incident}", "review_incidents, report in scope", "R N N S Y N"),
    E("inc:n:{incident}", "review_incidents; reports in scope", "R N N 0 Y N", NO_REVIEW),
    E("inc:v:{incident}", "review_incidents, report in scope", "R N N S Y N"),
    E("inc:D:{incident}:{incident2}", "review_incidents, report in scope", "R N N S Y N"),
    E("inc:q:{incident}", "review_incidents, report in scope", "R N N S Y N"),
    E("inc:d:{incident}", "review_incidents, report in scope", "R N N S Y N"),
    E("inc:r:{incident}", "review_incidents, report in scope", "R N N S Y N"),
    # Women's needs and elections
    E("/need", "record_need (candidates, coordinators)", "R N Y Y Y N"),
    E("/myneeds", "record_need: one's own", "R N Y Y Y N"),
    E("/programme", "record_need: one's own", "R N Y Y Y N"),
    E("/election", "record_need", "R N Y Y Y N"),
    E("/needs", "view_needs; needs in scope", "R N N 0 Y N", NO_NEEDS),
    E("/results", "view_election_results; in scope", "R N N 0 Y N", NO_RESULTS),
    E("nd:l", "record_need: one's own", "R N Y Y Y N"),
    E("nd:g", "record_need: needs shared with one's groups", "R N Y Y Y N"),
    E("nd:o", "view_needs", "R N N 0 Y N", NO_NEEDS),
    E("nd:r", "view_election_results", "R N N 0 Y N", NO_RESULTS),
    E("nd:t:water", "view_needs", "R N N Y Y N"),
    E("nd:v:{need}", "its author, her groups, coordinators in scope", "N N Y N Y N"),
    E("nd:f:{need}", "its author, her groups, coordinators in scope", "N N Y N Y N"),
    E("nd:m:{need}", "its author", "R N Y N N N"),
    E("nd:s:{need}", "its author", "N N Y N N N"),
    E("nd:sg:{need}:{group}", "its author, to her group", "N N Y N N N"),
    E("nd:u:{need}", "its author", "N N Y N N N"),
    E("nd:j:{need}", "its author", "N N Y N N N"),
    E("nd:jn:{need}:{need2}", "its author", "N N Y N N N"),
    # Rapid assessments
    E("/assessment", "assess", "R N N Y Y N"),
    E("/compare", "assess; aiyl aimaks in scope", "R N N 0 Y N", NOT_IN_SCOPE),
    E("as:h", "assess", "R N N Y Y N"),
    E("as:n", "assess; aiyl aimaks in scope", "R N N Y Y N"),
    E("as:n:{place}", "assess, place in scope", "R N N N Y N"),
    E("as:p:{place}", "assess, place in scope", "R N N N Y N"),
    E("as:c", "assess; aiyl aimaks in scope", "R N N 0 Y N", NOT_IN_SCOPE),
    # Practices
    E("/practice", "registered", "R Y Y Y Y Y"),
    E("/practices", "registered; what one may see", "R Y Y Y Y Y"),
    E("/search water", "registered; what one may see", "R Y Y Y Y Y"),
    E("pr:l:-:-:n:0", "registered; what one may see", "R Y Y Y Y Y"),
    E("pr:t:-:n", "registered", "R Y Y Y Y Y"),
    E("pr:r:-:n", "registered", "R Y Y Y Y Y"),
    E("pr:o:{practice}", "who may see the practice", "R Y Y Y Y Y"),
    E("pr:h:{practice}", "who may see the practice", "R Y Y Y Y Y"),
    E("pr:q:{practice}", "who may see it, if the author allows; not the author", "R Y S Y Y Y"),
    E("pr:an:{pquestion}", "the practice's author", "R S Y S S S"),
    E("pr:my:0", "registered: one's own", "R Y Y Y Y Y"),
    E("pr:sf", "registered", "R Y Y Y Y Y"),
    E("pr:e:{pending}", "the practice's author", "R S Y S S S"),
    E("pr:w:0", "review_practices", "R N N 0 Y N", NOTHING_WAITS),
    E("pr:ok:{pending}", "review_practices, author's place or group in scope", "R N N S Y N"),
    E("pr:ed:{pending}", "review_practices, in scope", "R N N S Y N"),
    E("pr:dc:{pending}", "review_practices, in scope", "R N N S Y N"),
    E("pr:x", "export", "R N N Y Y N"),
    E("pr:xt:-", "export", "R N N Y Y N"),
    E("pr:xp:-:0", "export", "R N N Y Y N"),
    E("pr:xf:-:0:md", "export; practices in scope", "R N N Y Y N"),
    # Peer groups
    E("/newgroup", "manage_groups", "R N N Y Y N"),
    E("/groups", "registered", "R Y Y Y Y Y"),
    E("/linkgroup@group", "manage_groups", "R N N Y Y N"),
    E("grp:j:{code}", "registered, with the group's code", "R Y Y Y Y Y"),
    E("grp:n", "anyone", "Y Y Y Y Y Y"),
    E("grp:ls", "registered", "R Y Y Y Y Y"),
    E("grp:new", "manage_groups", "R N N Y Y N"),
    E("grp:g:{group}", "its members", "S S Y S S S"),
    E("grp:lv:{group}", "its members", "S S Y S S S"),
    E("grp:lvy:{group}", "its members", "S S Y S S S"),
    E(
        "grp:m:{group}",
        "manage_groups, group in reach (scoped to it, or made while a coordinator)",
        "R N N S Y N",
    ),
    E("grp:mb:{group}:0", "its managers", "R N N S Y N"),
    E("grp:rm:{group}:{member}", "its managers", "R N N S Y N"),
    E("grp:rmy:{group}:{member}", "its managers", "R N N S Y N"),
    E("grp:rn:{group}", "its managers", "R N N S Y N"),
    E("grp:cl:{group}", "its managers", "R N N S Y N"),
    E("grp:cly:{group}", "its managers", "R N N S Y N"),
    E("grp:d:{group}:b", "its managers, with a linked chat", "R N N S Y N"),
    E("grp:ul:{group}", "its managers", "R N N S Y N"),
    E("grp:lk:{linkreq}:{group}", "its managers, who asked for the link", "S S S S S N"),
    # Digests
    E("/digest", "registered; coordinators see their scope, members their groups", "R Y Y Y Y Y"),
    E("dg:s", "registered", "R Y Y Y Y Y"),
    E("dg:u:x", "registered: one's own digest off", "R Y Y Y Y Y"),
    E("dg:u:w:3", "view_stats: one's own digest day", "R N N Y Y N"),
    E("dg:g:{group}", "the group's managers", "R N N N Y N"),
    # Early warning
    E("/watch", "receive_alerts; places in scope", "R N N Y Y N"),
    E("ew:w", "receive_alerts; places in scope", "R N N Y Y N"),
    E("ew:p:{place}", "receive_alerts, place in scope", "R N N N Y N"),
    E("ew:r:{place}", "receive_alerts, place in scope", "R N N N Y N"),
    # Coordinator tools: statistics and exports
    E("/stats", "view_stats; counts in scope", "R N N 0 Y N", NO_REPORTS),
    E("m:stats", "as /stats", "R N N 0 Y N", NO_REPORTS),
    E("/export", "export", "R N N Y Y N"),
    E("m:export", "as /export", "R N N Y Y N"),
    E("exp:k:i", "export", "R N N Y Y N"),
    E("exp:f:i:x", "export", "R N N Y Y N"),
    E("exp:p:i:x:a", "export", "R N N Y Y N"),
    E("exp:r:i:c:a:-", "export; reports in scope", "R N N 0 Y N", NO_RECORDS),
    E("exp:r:i:g:a:-", "export; reports in scope, pins rounded", "R N N 0 Y N", NO_RECORDS),
    E("exp:r:i:x:a:{region}", "export, region in scope", "R N N N Y N"),
    E("exp:r:p:x:a:{region}", "export, region in scope", "R N N N Y N"),
    E("exp:r:u:c:a:{region}", "export, region in scope", "R N N N Y N"),
    E("exp:r:n:x:a:{region}", "export and view_needs, region in scope", "R N N N Y N"),
    E("exp:r:u:c:a:-", "export; people in scope", "R N N 0 Y N", NO_RECORDS),
    E("exp:k:zz", "unknown data", "R N N S S N"),
    # The dashboard (its pages ask the same permissions: see README, "The dashboard")
    E("/dashboard", "view_stats: the dashboard of one's reach", "R N N Y Y N"),
    E("db:l", "view_stats: a one-time link for a browser", "R N N Y Y N"),
)


def matrix_markdown() -> str:
    """The README's access table, generated from `MATRIX`."""
    head = ["entry point", "who may use it", *(p.value for p in PERSONAS)]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
    ]
    for entry in MATRIX:
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
