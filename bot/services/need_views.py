"""What the needs feature shows: lists, a need's card, the coordinator's overview, reminders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.forms.need import FINAL, HEARD, OTHER, OUTCOMES, RAISED_WITH, STAGES, TOPICS
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Tr, escape
from bot.records.core import User
from bot.screen import Attachment, Button, Screen
from storage.needs import Need, NeedStage

if TYPE_CHECKING:
    from bot.services.needs import CandidateResult, ElectionSummary, NeedsOverview

# Menu entries and command descriptions (bot/menu.py lists them).
MENU_NEED = N_("📝 Record a need")
MENU_MY_NEEDS = N_("📋 My needs")
MENU_PROGRAMME = N_("📄 Programme")
MENU_ELECTION = N_("🗳 Election result")
MENU_NEEDS = N_("📊 Women's needs")
COMMAND_NEED = N_("Record a women's need")
COMMAND_MY_NEEDS = N_("My needs and their progress")
COMMAND_PROGRAMME = N_("Draft an electoral programme")
COMMAND_ELECTION = N_("Record your election result")
COMMAND_NEEDS = N_("Needs, plans and budgets in your area")
COMMAND_RESULTS = N_("Candidates' election results")

LIST_LIMIT = 40  # needs listed in one message; Telegram keyboards hold about 100 buttons
SNIPPET = 40  # characters of a description on a button

Rows = tuple[tuple[Button, ...], ...]


class NeedViews:
    """Renders needs in the reader's language; user text is always escaped."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    # lists -------------------------------------------------------------------------------

    def my_needs(self, needs: Sequence[Need], tr: Tr, *, in_groups: bool) -> Screen:
        """/myneeds: the newest first, each with its stage and a button to open it."""
        extra: list[tuple[Button, ...]] = []
        if in_groups:
            extra.append((Button(tr.label(N_("👥 Shared in my groups")), "nd:g"),))
        extra.append(
            (
                Button(tr.label(MENU_NEED), "m:need"),
                Button(tr.label(MENU_PROGRAMME), "m:programme"),
            )
        )
        if not needs:
            text = tr.gettext(N_("You have not recorded any need yet. /need records one."))
            return Screen(text, tuple(extra))
        return self._listing(tr.gettext(N_("<b>My needs</b>")), needs, tr, tuple(extra))

    def shared(self, needs: Sequence[Need], tr: Tr) -> Screen:
        """Needs others in her groups shared."""
        back = ((Button(tr.label(N_("◀️ My needs")), "nd:l"),),)
        if not needs:
            text = tr.gettext(N_("No one in your groups has shared a need yet."))
            return Screen(text, back)
        return self._listing(tr.gettext(N_("<b>Shared in my groups</b>")), needs, tr, back)

    def topic(self, topic: str, needs: Sequence[Need], tr: Tr) -> Screen:
        """The needs of one topic, for a coordinator."""
        title = f"<b>{escape(tr.label(TOPICS[topic]))}</b>"
        back = ((Button(tr.label(N_("◀️ Back")), "nd:o"),),)
        return self._listing(title, needs, tr, back)

    def _listing(self, title: str, needs: Sequence[Need], tr: Tr, extra: Rows) -> Screen:
        shown = list(reversed(needs[-LIST_LIMIT:]))
        lines = [title, *(self.list_line(n, tr) for n in shown)]
        buttons = tuple((Button(self.button_label(n, tr), f"nd:v:{n.id}"),) for n in shown)
        return Screen("\n".join(lines), (*buttons, *extra))

    def list_line(self, need: Need, tr: Tr) -> str:
        """One line: number, topic, place, stage, and whether it is shared or joined."""
        marks = ("👥" if need.shared_with else "") + ("🔗" if need.joined_to else "")
        number = tr.gettext(N_("No. {number}"), number=need.id)
        parts = [f"<b>{number}</b> {self.topic_label(need, tr)}"]
        where = self.where(need, tr)
        if where:
            parts.append(escape(where))
        stage = tr.label(STAGES.get(need.stage, need.stage))
        return " · ".join(parts) + f" — <i>{escape(stage)}</i> {marks}".rstrip()

    def button_label(self, need: Need, tr: Tr, *, viewer: int | None = None) -> str:
        """A button naming a need: topic emoji, number, the start of its description."""
        emoji = tr.label(TOPICS.get(need.topic, TOPICS[OTHER])).split(" ")[0]
        text = need.description or need.topic_other or "🎤"
        snippet = text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"
        other = "👥 " if viewer is not None and need.author_id != viewer else ""
        number = tr.gettext(N_("No. {number}"), number=need.id)
        return f"{emoji} {number} · {other}{snippet}"

    def topic_label(self, need: Need, tr: Tr) -> str:
        """The topic, with the author's own words for "other" (escaped)."""
        label = escape(tr.label(TOPICS.get(need.topic, TOPICS[OTHER])))
        return f"{label}: {escape(need.topic_other)}" if need.topic_other else label

    def where(self, need: Need, tr: Tr) -> str:
        """Aiyl aimak and village, plain text."""
        place = self.gazetteer.get(need.place_code) if need.place_code else None
        return ", ".join(p for p in (place.name(tr.locale) if place else None, need.village) if p)

    def place_name(self, code: str | None, tr: Tr) -> str:
        place = self.gazetteer.get(code) if code else None
        return place.name(tr.locale) if place else tr.label(N_("Not listed"))

    # one need ----------------------------------------------------------------------------

    def card(
        self,
        need: Need,
        *,
        history: Sequence[NeedStage],
        joined: Sequence[Need],
        group_names: Mapping[int, str],
        author: User | None,
        mine: bool,
        coordinator: bool,
        tr: Tr,
    ) -> Screen:
        """A need with its track; `author` is shown to everyone but herself."""
        number = tr.gettext(N_("Need No. {number}"), number=need.id)
        lines = [f"<b>{number}</b> · {self.topic_label(need, tr)}"]
        if author is not None:
            lines.append("👤 " + escape(author.display_name))
        where = self.where(need, tr)
        if where:
            lines.append("📍 " + escape(where))
        how = escape(tr.label(HEARD.get(need.heard, need.heard)))
        lines.append("👩 " + tr.ngettext("{n} woman", "{n} women", need.women) + f" · {how}")
        if need.description:
            lines.append(escape(need.description))
        if need.voice:
            lines.append("🎤 " + tr.gettext(N_("voice note")))
        if need.proposal:
            lines.append(tr.gettext(N_("💡 Proposal: {text}"), text=need.proposal))
        if need.photos:
            lines.append("📷 " + tr.ngettext("{n} photo", "{n} photos", len(need.photos)))
        lines += ["", tr.gettext(N_("Stage: <b>{stage}</b>"), stage=tr.label(STAGES[need.stage]))]
        if need.amount_som:
            amount = tr.number(need.amount_som)
            lines.append(tr.gettext(N_("💰 Budget allocated: {amount} som"), amount=amount))
        lines += [self.history_line(h, tr) for h in history]
        if need.joined_to is not None:
            lead = need.joined_to
            lines.append(
                tr.gettext(N_("🔗 Part of the initiative of need No. {number}."), number=lead)
            )
        if joined:
            numbers = ", ".join(str(j.id) for j in joined)
            lines.append(
                tr.gettext(N_("🔗 Joined into this initiative: No. {numbers}."), numbers=numbers)
            )
        if need.shared_with:
            names = ", ".join(group_names.get(g, "?") for g in need.shared_with)
            lines.append(tr.gettext(N_("👥 Shared with: {groups}"), groups=names))
        elif mine:
            lines.append(tr.gettext(N_("🔒 Only you and the coordinators of your groups see it.")))
        has_files = bool(need.photos or need.voice or any(h.evidence for h in history))
        buttons = self._card_buttons(need, mine, coordinator, has_files, tr)
        return Screen("\n".join(lines), buttons)

    def _card_buttons(
        self, need: Need, mine: bool, coordinator: bool, has_files: bool, tr: Tr
    ) -> Rows:
        buttons: list[tuple[Button, ...]] = []
        open_lead = need.joined_to is None and need.stage not in FINAL
        if mine and open_lead:
            buttons.append((Button(tr.label(N_("📈 Record progress")), f"nd:m:{need.id}"),))
        if mine:
            share = (
                Button(tr.label(N_("🔒 Stop sharing")), f"nd:u:{need.id}")
                if need.shared_with
                else Button(tr.label(N_("👥 Share with my group")), f"nd:s:{need.id}")
            )
            buttons.append((share,))
        if mine and open_lead:
            buttons.append((Button(tr.label(N_("🔗 Join with another need")), f"nd:j:{need.id}"),))
        if has_files:
            buttons.append((Button(tr.label(N_("📎 Photos and documents")), f"nd:f:{need.id}"),))
        if mine:
            buttons.append((Button(tr.label(N_("◀️ My needs")), "nd:l"),))
        else:
            buttons.append((Button(tr.label(N_("◀️ Back")), "nd:o" if coordinator else "nd:g"),))
        return tuple(buttons)

    def history_line(self, stage: NeedStage, tr: Tr) -> str:
        """One move of the track: date, stage, with whom, amount, reason, evidence count."""
        text = f"• {tr.short_date(stage.happened_on)} — {escape(tr.label(STAGES[stage.stage]))}"
        if stage.raised_with:
            whom = tr.label(RAISED_WITH.get(stage.raised_with, stage.raised_with))
            text += f" ({escape(whom)})"
        if stage.amount_som:
            text += ": " + tr.gettext(N_("{amount} som"), amount=tr.number(stage.amount_som))
        if stage.reason:
            text += ": " + escape(stage.reason)
        if stage.evidence:
            text += f" 📎 {tr.number(len(stage.evidence))}"
        return text

    def files(self, need: Need, history: Sequence[NeedStage], tr: Tr) -> Screen:
        """The need's photos, voice note and evidence, resent from Telegram's copies."""
        stored = [*need.photos, *([need.voice] if need.voice else [])]
        stored += [item for stage in history for item in stage.evidence]
        attachments = tuple(
            Attachment(
                filename=str(item.get("name") or ""),
                data=b"",
                kind=str(item["type"]) if item.get("type") in ("photo", "voice") else "document",
                file_id=str(item["file_id"]),
            )
            for item in stored
            if item.get("file_id")
        )
        if not attachments:
            return Screen(tr.gettext(N_("This need has no photos or documents.")))
        text = tr.gettext(N_("Photos and documents of need No. {number}:"), number=need.id)
        return Screen(text, attachments=attachments)

    def join_choices(self, need: Need, leads: Sequence[Need], tr: Tr) -> Screen:
        """Which of her open needs this one may join."""
        back = (Button(tr.label(N_("◀️ Back")), f"nd:v:{need.id}"),)
        if not leads:
            text = tr.gettext(N_("There is no other open need this one could join."))
            return Screen(text, (back,))
        text = tr.gettext(
            N_(
                "Join need No. {number} to another need: together they become one initiative "
                "and move through the stages together. Which one?"
            ),
            number=need.id,
        )
        buttons = tuple(
            (Button(self.button_label(n, tr), f"nd:jn:{need.id}:{n.id}"),)
            for n in leads[-LIST_LIMIT:]
        )
        return Screen(text, (*buttons, back))

    def share_choices(self, need: Need, groups: Mapping[int, str], tr: Tr) -> Screen:
        """No group to share with, or which of her groups."""
        back = (Button(tr.label(N_("◀️ Back")), f"nd:v:{need.id}"),)
        if not groups:
            text = tr.gettext(
                N_("You are not in a peer group yet, so there is no one to share with.")
            )
            return Screen(text, (back,))
        buttons = [(Button(name, f"nd:sg:{need.id}:{gid}"),) for gid, name in groups.items()]
        buttons.append((Button(tr.label(N_("All my groups")), f"nd:sg:{need.id}:0"),))
        text = tr.gettext(N_("Share need No. {number} with which group?"), number=need.id)
        return Screen(text, (*buttons, back))

    def reminder(self, needs: Sequence[Need], tr: Tr) -> Screen:
        """The monthly question about open needs."""
        lines: list[str] = [
            tr.gettext(N_("<b>How are your needs moving?</b>")),
            tr.gettext(N_("A month has passed. Has anything changed with these needs?")),
            *(self.list_line(n, tr) for n in needs),
        ]
        buttons = [
            (
                Button(
                    tr.label(N_("📈 Record progress"))
                    + " · "
                    + tr.gettext(N_("No. {number}"), number=n.id),
                    f"nd:m:{n.id}",
                ),
            )
            for n in needs
        ]
        buttons.append((Button(tr.label(N_("👌 No change yet")), "nd:k"),))
        return Screen("\n".join(lines), tuple(buttons))

    # coordinators ------------------------------------------------------------------------

    def overview(self, data: NeedsOverview, tr: Tr, *, elections: bool) -> Screen:
        """/needs: by topic, by aiyl aimak, the funnel with som, and elections."""
        funnel = data.funnel
        women = sum(t.women for t in data.by_topic)
        lines: list[str] = [
            tr.gettext(N_("<b>Women’s needs in your area</b>")),
            tr.ngettext("{n} need", "{n} needs", funnel.total)
            + " · "
            + tr.ngettext("raised by {n} woman", "raised by {n} women", women),
        ]
        if data.by_topic:
            lines += ["", tr.gettext(N_("<b>By topic</b>"))]
            lines += [
                escape(tr.label(TOPICS[t.topic]))
                + " — "
                + tr.ngettext("{n} need", "{n} needs", t.needs)
                + ", "
                + tr.ngettext("{n} woman", "{n} women", t.women)
                for t in data.by_topic
            ]
        if data.by_region:
            lines += ["", tr.gettext(N_("<b>By aiyl aimak</b>"))]
            lines += [
                escape(self.place_name(r.place_code, tr))
                + " — "
                + tr.ngettext("{n} need", "{n} needs", r.needs)
                for r in data.by_region
            ]
        lines += [
            "",
            tr.gettext(N_("<b>Into local plans and budgets</b>")),
            tr.gettext(
                N_(
                    "Raised: {raised} → in the local plan: {in_plan} → budget allocated: "
                    "{budgeted} → implemented: {implemented}"
                ),
                raised=tr.number(funnel.raised),
                in_plan=tr.number(funnel.in_plan),
                budgeted=tr.number(funnel.budgeted),
                implemented=tr.number(funnel.implemented),
            ),
            tr.gettext(N_("Declined: {declined}"), declined=tr.number(funnel.declined)),
            tr.gettext(
                N_("Budget allocated: {amount} som"), amount=tr.number(funnel.som_allocated)
            ),
        ]
        buttons = [
            (Button(f"{tr.label(TOPICS[t.topic])} ({tr.number(t.needs)})", f"nd:t:{t.topic}"),)
            for t in data.by_topic
        ]
        if elections:
            lines += ["", tr.gettext(N_("<b>Elections</b>")), self.elected(data.elections, tr)]
            buttons.append((Button(tr.label(N_("🗳 Election results")), "nd:r"),))
        return Screen("\n".join(lines), tuple(buttons))

    def results(
        self, results: Sequence[CandidateResult], summary: ElectionSummary, tr: Tr
    ) -> Screen:
        """/results: each candidate's latest result, for a coordinator."""
        lines = [tr.gettext(N_("<b>Election results</b>")), self.elected(summary, tr)]
        for item in results:
            result = item.result
            details = [tr.label(OUTCOMES.get(result.outcome, result.outcome))]
            if result.election_on:
                details.append(tr.short_date(result.election_on))
            if result.place_code:
                details.append(self.place_name(result.place_code, tr))
            lines.append(f"• {escape(item.name)} — {escape(', '.join(details))}")
        return Screen("\n".join(lines))

    def elected(self, summary: ElectionSummary, tr: Tr) -> str:
        """The line "N of M candidates elected"."""
        if not summary.ran and not summary.did_not_run:
            return tr.gettext(N_("No election results have been recorded yet."))
        return tr.ngettext(
            "{elected} of {n} candidate elected",
            "{elected} of {n} candidates elected",
            summary.ran,
            elected=tr.number(summary.elected),
        )
