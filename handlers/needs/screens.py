"""What the needs feature shows: lists, a need's card, the coordinator's overview, reminders.

Pure functions of the rules' records and the reader's translator; user text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.forms.need import HEARD, OTHER, OUTCOMES, RAISED_WITH, STAGES, TOPICS, need_label
from bot.forms.view import FormView
from bot.gazetteer import Place
from bot.i18n import N_, Safe, Tr, escape
from bot.outputs import programme
from bot.records.needs import Need, NeedStage
from bot.rules.needs import (
    Back,
    ElectionResults,
    ElectionSummary,
    JoinChoices,
    LastStage,
    MyNeeds,
    NeedCard,
    NeedFiles,
    NeedItem,
    NeedReminder,
    NeedsDigest,
    NeedsOverview,
    NoProgrammeNeeds,
    ProgrammeReady,
    ShareChoices,
    Shared,
    TopicNeeds,
)
from handlers.needs.buttons import (
    CODEC,
    ChooseJoin,
    Join,
    NoChangeYet,
    OpenMyNeeds,
    OpenNeed,
    OpenOverview,
    OpenResults,
    OpenShared,
    OpenTopic,
    RecordProgress,
    Share,
    ShareWith,
    ShowFiles,
    Unshare,
)
from handlers.plumbing.menu import menu_button
from handlers.plumbing.screen import Attachment, Button, Screen

# Menu entries (feature.py declares them); /myneeds offers the first two as buttons too.
RECORD_A_NEED = N_("📝 Record a need")
PROGRAMME = N_("📄 Programme")

LIST_LIMIT = 40  # needs listed in one message; Telegram keyboards hold about 100 buttons

Rows = tuple[tuple[Button, ...], ...]


# ------------------------------------------------------------------------------- lists


def my_needs(mine: MyNeeds, tr: Tr) -> Screen:
    """/myneeds: the newest first, each with its stage and a button to open it."""
    extra: list[tuple[Button, ...]] = []
    if mine.in_groups:
        shared = Button(tr.label(N_("👥 Shared in my groups")), CODEC.encode(OpenShared()))
        extra.append((shared,))
    extra.append(
        (
            menu_button(tr.label(RECORD_A_NEED), "need"),
            menu_button(tr.label(PROGRAMME), "programme"),
        )
    )
    if not mine.items:
        text = tr.gettext(N_("You have not recorded any need yet. /need records one."))
        return Screen(text, tuple(extra))
    return _listing(tr.gettext(N_("<b>My needs</b>")), mine.items, tr, tuple(extra))


def shared(items: Sequence[NeedItem], tr: Tr) -> Screen:
    """Needs others in her groups shared."""
    back = ((Button(tr.label(N_("◀️ My needs")), CODEC.encode(OpenMyNeeds())),),)
    if not items:
        return Screen(tr.gettext(N_("No one in your groups has shared a need yet.")), back)
    return _listing(tr.gettext(N_("<b>Shared in my groups</b>")), items, tr, back)


def topic(found: TopicNeeds, tr: Tr) -> Screen:
    """The needs of one topic, for a coordinator."""
    title = f"<b>{escape(tr.label(TOPICS[found.topic]))}</b>"
    back = ((Button(tr.label(N_("◀️ Back")), CODEC.encode(OpenOverview())),),)
    return _listing(title, found.items, tr, back)


def _listing(title: str, items: Sequence[NeedItem], tr: Tr, extra: Rows) -> Screen:
    shown = list(reversed(items[-LIST_LIMIT:]))
    lines = [title, *(list_line(i, tr) for i in shown)]
    buttons = tuple(
        (Button(button_label(i.need, tr), CODEC.encode(OpenNeed(i.need.id))),) for i in shown
    )
    return Screen("\n".join(lines), (*buttons, *extra))


def list_line(item: NeedItem, tr: Tr) -> str:
    """One line: number, topic, place, stage, and whether it is shared or joined."""
    need = item.need
    marks = ("👥" if need.shared_with else "") + ("🔗" if need.joined_to else "")
    number = tr.gettext(N_("No. {number}"), number=need.id)
    parts = [f"<b>{number}</b> {topic_label(need, tr)}"]
    place = where(item, tr)
    if place:
        parts.append(escape(place))
    stage = tr.label(STAGES.get(need.stage, need.stage))
    return " · ".join(parts) + f" — <i>{escape(stage)}</i> {marks}".rstrip()


def button_label(need: Need, tr: Tr) -> str:
    """A button naming a need: topic emoji, number, the start of its description."""
    return need_label(
        tr, number=need.id, topic=need.topic, text=need.description or need.topic_other
    )


def topic_label(need: Need, tr: Tr) -> str:
    """The topic, with the author's own words for "other" (escaped)."""
    label = escape(tr.label(TOPICS.get(need.topic, TOPICS[OTHER])))
    return f"{label}: {escape(need.topic_other)}" if need.topic_other else label


def where(item: NeedItem, tr: Tr) -> str:
    """Aiyl aimak and village, plain text."""
    place = item.place.name(tr.locale) if item.place else None
    return ", ".join(p for p in (place, item.need.village) if p)


def place_name(place: Place | None, tr: Tr) -> str:
    """A gazetteer place's name, or "Not listed"."""
    return place.name(tr.locale) if place else tr.label(N_("Not listed"))


# ------------------------------------------------------------------------------- one need


def card(found: NeedCard, tr: Tr, *, toast: str | None = None) -> Screen:
    """A need with its track; the author is named to everyone but herself."""
    lines = [*_about(found, tr), "", *_track(found, tr)]
    return Screen("\n".join(lines), _card_buttons(found, tr), toast=toast)


def _about(found: NeedCard, tr: Tr) -> list[str]:
    """What the need is: number, topic, author, place, women, her words, files."""
    need = found.item.need
    number = tr.gettext(N_("Need No. {number}"), number=need.id)
    lines = [f"<b>{number}</b> · {topic_label(need, tr)}"]
    if found.author is not None:
        lines.append("👤 " + escape(found.author))
    place = where(found.item, tr)
    if place:
        lines.append("📍 " + escape(place))
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
    return lines


def _track(found: NeedCard, tr: Tr) -> list[str]:
    """Where the need got: its stage, budget, moves, initiative and who sees it."""
    need = found.item.need
    lines: list[str] = [
        tr.gettext(N_("Stage: <b>{stage}</b>"), stage=tr.label(STAGES[need.stage]))
    ]
    if need.amount_som:
        amount = tr.number(need.amount_som)
        lines.append(tr.gettext(N_("💰 Budget allocated: {amount} som"), amount=amount))
    lines += [history_line(h, tr) for h in found.history]
    if need.joined_to is not None:
        lead = need.joined_to
        lines.append(
            tr.gettext(N_("🔗 Part of the initiative of need No. {number}."), number=lead)
        )
    if found.joined:
        numbers = ", ".join(str(j.id) for j in found.joined)
        lines.append(
            tr.gettext(N_("🔗 Joined into this initiative: No. {numbers}."), numbers=numbers)
        )
    if need.shared_with:
        names = ", ".join(found.group_names.get(g, "?") for g in need.shared_with)
        lines.append(tr.gettext(N_("👥 Shared with: {groups}"), groups=names))
        if found.mine:
            lines.append(
                tr.gettext(N_("Their members see it with your name, not your Telegram username."))
            )
    elif found.mine:
        lines.append(
            tr.gettext(
                N_("🔒 Only you and the coordinators of its aiyl aimak and of your groups see it.")
            )
        )
    return lines


def _card_buttons(found: NeedCard, tr: Tr) -> Rows:
    need_id = found.item.need.id
    buttons: list[tuple[Button, ...]] = []
    if found.may_move:
        progress = Button(
            tr.label(N_("📈 Record progress")), CODEC.encode(RecordProgress(need_id))
        )
        buttons.append((progress,))
    if found.mine:
        share = (
            Button(tr.label(N_("🔒 Stop sharing")), CODEC.encode(Unshare(need_id)))
            if found.item.need.shared_with
            else Button(tr.label(N_("👥 Share with my group")), CODEC.encode(Share(need_id)))
        )
        buttons.append((share,))
    if found.may_join:
        join = Button(tr.label(N_("🔗 Join with another need")), CODEC.encode(ChooseJoin(need_id)))
        buttons.append((join,))
    if found.has_files:
        files_ = Button(tr.label(N_("📎 Photos and documents")), CODEC.encode(ShowFiles(need_id)))
        buttons.append((files_,))
    if found.back is Back.MINE:
        buttons.append((Button(tr.label(N_("◀️ My needs")), CODEC.encode(OpenMyNeeds())),))
    else:
        to = OpenOverview() if found.back is Back.OVERVIEW else OpenShared()
        buttons.append((Button(tr.label(N_("◀️ Back")), CODEC.encode(to)),))
    return tuple(buttons)


def history_line(stage: NeedStage, tr: Tr) -> str:
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


def joined(found: NeedCard, tr: Tr) -> Screen:
    """The initiative's card after a need joined it."""
    toast = tr.gettext(N_("Joined to need No. {number}."), number=found.item.need.id)
    return card(found, tr, toast=toast)


def unshared(found: NeedCard, tr: Tr) -> Screen:
    """The card of a need made private again."""
    return card(found, tr, toast=tr.gettext(N_("It is private again.")))


def share_outcome(outcome: ShareChoices | Shared, tr: Tr) -> Screen:
    """The card of a need just shared, or the groups to choose from."""
    if isinstance(outcome, ShareChoices):
        return share_choices(outcome, tr)
    names = ", ".join(outcome.group_names)
    return card(outcome.card, tr, toast=tr.gettext(N_("Shared with {groups}."), groups=names))


def share_choices(choices: ShareChoices, tr: Tr) -> Screen:
    """No group to share with, or which of her groups."""
    need_id = choices.need.id
    back = (Button(tr.label(N_("◀️ Back")), CODEC.encode(OpenNeed(need_id))),)
    if not choices.groups:
        text = tr.gettext(N_("You are not in a peer group yet, so there is no one to share with."))
        return Screen(text, (back,))
    buttons = [
        (Button(name, CODEC.encode(ShareWith(need_id, gid))),)
        for gid, name in choices.groups.items()
    ]
    buttons.append((Button(tr.label(N_("All my groups")), CODEC.encode(ShareWith(need_id, 0))),))
    text = tr.gettext(
        N_(
            "Share need No. {number} with which group? Its members will see the need and your "
            "name, but not your Telegram username."
        ),
        number=need_id,
    )
    return Screen(text, (*buttons, back))


def files(found: NeedFiles, tr: Tr) -> Screen:
    """The need's photos, voice note and evidence, resent from Telegram's copies."""
    attachments = tuple(
        Attachment(
            filename=str(item.get("name") or ""),
            data=b"",
            kind=str(item["type"]) if item.get("type") in ("photo", "voice") else "document",
            file_id=str(item["file_id"]),
        )
        for item in found.files
    )
    if not attachments:
        return Screen(tr.gettext(N_("This need has no photos or documents.")))
    text = tr.gettext(N_("Photos and documents of need No. {number}:"), number=found.need_id)
    return Screen(text, attachments=attachments)


def move(started: FormView | LastStage, tr: Tr) -> Screen | FormView:
    """The stage form, or why there is no progress left to record."""
    if isinstance(started, FormView):
        return started
    text = tr.gettext(N_("Need No. {number} has reached its last stage."), number=started.need_id)
    return Screen(text)


def join_choices(choices: JoinChoices, tr: Tr) -> Screen:
    """Which of her open needs this one may join."""
    need_id = choices.need.id
    back = (Button(tr.label(N_("◀️ Back")), CODEC.encode(OpenNeed(need_id))),)
    if not choices.leads:
        text = tr.gettext(N_("There is no other open need this one could join."))
        return Screen(text, (back,))
    text = tr.gettext(
        N_(
            "Join need No. {number} to another need: together they become one initiative "
            "and move through the stages together. Which one?"
        ),
        number=need_id,
    )
    buttons = tuple(
        (Button(button_label(n, tr), CODEC.encode(Join(need_id, n.id))),)
        for n in choices.leads[-LIST_LIMIT:]
    )
    return Screen(text, (*buttons, back))


# ------------------------------------------------------------------------------- reminders


def reminder(notice: NeedReminder, tr: Tr) -> Screen:
    """The monthly question about open needs."""
    lines: list[str] = [
        tr.gettext(N_("<b>How are your needs moving?</b>")),
        tr.gettext(N_("A month has passed. Has anything changed with these needs?")),
        *(list_line(i, tr) for i in notice.items),
    ]
    buttons = [
        (
            Button(
                tr.label(N_("📈 Record progress"))
                + " · "
                + tr.gettext(N_("No. {number}"), number=i.need.id),
                CODEC.encode(RecordProgress(i.need.id)),
            ),
        )
        for i in notice.items
    ]
    buttons.append((Button(tr.label(N_("👌 No change yet")), CODEC.encode(NoChangeYet())),))
    return Screen("\n".join(lines), tuple(buttons))


def reminder_thanks(tr: Tr) -> Screen:
    """The answer to "no change yet"."""
    return Screen(tr.gettext(N_("Thank you. I will ask again in a month.")))


# ------------------------------------------------------------------------------- programme


def programme_start(started: FormView | NoProgrammeNeeds, tr: Tr) -> Screen | FormView:
    """The programme form, or why there is nothing to build it from."""
    if isinstance(started, FormView):
        return started
    return Screen(
        tr.gettext(
            N_(
                "There are no needs to build a programme from yet. Record one with "
                "/need, or ask your group to share theirs."
            )
        )
    )


def programme_files(notice: ProgrammeReady, tr: Tr) -> Screen:
    """The draft programme as Word and Markdown files, sent after the choice is stored."""
    text = programme.programme_text(notice, tr)
    caption = tr.ngettext(
        "Your draft programme with {n} need, grouped by topic. Edit it as you like.",
        "Your draft programme with {n} needs, grouped by topic. Edit it as you like.",
        len(notice.items),
    )
    attachments = (
        Attachment("programme.docx", programme.word(text)),
        Attachment("programme.md", programme.markdown(text)),
    )
    return Screen(caption, attachments=attachments)


# ------------------------------------------------------------------------------- coordinators


def overview(data: NeedsOverview, tr: Tr) -> Screen:
    """/needs: by topic, by aiyl aimak, the funnel with som, and elections."""
    lines = [*_counts(data, tr), "", *_funnel(data, tr)]
    buttons = [
        (
            Button(
                f"{tr.label(TOPICS[t.topic])} ({tr.number(t.needs)})",
                CODEC.encode(OpenTopic(t.topic)),
            ),
        )
        for t in data.by_topic
    ]
    if data.with_elections:
        lines += ["", tr.gettext(N_("<b>Elections</b>")), elected(data.elections, tr)]
        buttons.append((Button(tr.label(N_("🗳 Election results")), CODEC.encode(OpenResults())),))
    return Screen("\n".join(lines), tuple(buttons))


def _counts(data: NeedsOverview, tr: Tr) -> list[str]:
    """How many needs and women, by topic and by aiyl aimak."""
    women = sum(t.women for t in data.by_topic)
    lines: list[str] = [
        tr.gettext(N_("<b>Women’s needs in your area</b>")),
        tr.ngettext("{n} need", "{n} needs", data.funnel.total)
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
            escape(place_name(r.place, tr)) + " — " + tr.ngettext("{n} need", "{n} needs", r.needs)
            for r in data.by_region
        ]
    return lines


def _funnel(data: NeedsOverview, tr: Tr) -> list[str]:
    """How far the needs got into local plans and budgets."""
    funnel = data.funnel
    return [
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
        tr.gettext(N_("Budget allocated: {amount} som"), amount=tr.number(funnel.som_allocated)),
    ]


def results(found: ElectionResults, tr: Tr) -> Screen:
    """/results: each candidate's latest result, for a coordinator."""
    lines = [tr.gettext(N_("<b>Election results</b>")), elected(found.summary, tr)]
    for item in found.results:
        result = item.result
        details = [tr.label(OUTCOMES.get(result.outcome, result.outcome))]
        if result.election_on:
            details.append(tr.short_date(result.election_on))
        if result.place_code:
            details.append(place_name(item.place, tr))
        lines.append(f"• {escape(item.name)} — {escape(', '.join(details))}")
    return Screen("\n".join(lines))


def elected(summary: ElectionSummary, tr: Tr) -> str:
    """The line "N of M candidates elected"."""
    if not summary.ran and not summary.did_not_run:
        return tr.gettext(N_("No election results have been recorded yet."))
    return tr.ngettext(
        "{elected} of {n} candidate elected",
        "{elected} of {n} candidates elected",
        summary.ran,
        elected=tr.number(summary.elected),
    )


# ------------------------------------------------------------------------------- the digest


def digest_section(section: NeedsDigest, tr: Tr) -> Screen:
    """The coordinator digest's needs: the funnel into plans and budgets, and who was elected."""
    funnel, elections = section.funnel, section.elections
    lines = ["<b>" + tr.gettext(N_("👩 Women's needs")) + "</b>"]
    if funnel.total:
        lines.append(
            tr.gettext(
                N_(
                    "Recorded: {total} → raised: {raised} → in the local plan: {in_plan}"
                    " → budget allocated: {budgeted} → implemented: {implemented}"
                ),
                total=tr.number(funnel.total),
                raised=tr.number(funnel.raised),
                in_plan=tr.number(funnel.in_plan),
                budgeted=tr.number(funnel.budgeted),
                implemented=tr.number(funnel.implemented),
            )
        )
        if funnel.som_allocated:
            lines.append(
                tr.gettext(
                    N_("Allocated in local budgets: {amount} som"),
                    amount=tr.number(funnel.som_allocated),
                )
            )
    if elections.ran:
        lines.append(
            tr.ngettext(
                "🗳 {elected} of {n} candidate elected",
                "🗳 {elected} of {n} candidates elected",
                elections.ran,
                elected=tr.number(elections.elected),
            )
        )
    return Screen(Safe("\n".join(lines)))
