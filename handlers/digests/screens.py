"""How digests read: the coordinator digest with its sections and chart, the group digest,
the /digest preview and the settings. Pure functions of records and a translator.

Each section of the coordinator digest is drawn by the feature that added it (its
`digest_sections`); this module draws its own two (incidents, review) and puts them together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal

from babel.dates import format_interval, format_skeleton, get_day_names

from bot.forms.incident import EVENTS, OTHER, RESOURCES
from bot.forms.incident_labels import label, report_number
from bot.gazetteer import Place
from bot.i18n import N_, Safe, Tr, escape
from bot.outputs.charts import ChartSeries, incidents_chart
from bot.records.digests import Count, Schedule
from bot.rules.digests import (
    HOURS,
    WEEKDAYS,
    CoordinatorDigest,
    DigestPreview,
    DigestSettings,
    GroupDigest,
    GroupDigestSettings,
    IncidentsSection,
    ReviewSection,
    UrgentLine,
)
from handlers.digests.buttons import (
    CODEC,
    LANGUAGE_CODES,
    GroupDay,
    GroupHour,
    GroupLanguage,
    GroupOff,
    GroupOn,
    MineOff,
    MineOn,
    MyDay,
    MyHour,
    OpenGroup,
    OpenSettings,
)
from handlers.plumbing.codec import Press
from handlers.plumbing.menu import menu_button
from handlers.plumbing.screen import Attachment, Button, Screen, rows
from handlers.practices.buttons import CODEC as PRACTICES
from handlers.practices.buttons import WaitingPractices
from handlers.practices.screens import practice_line

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
GROUP_NAME_SHOWN = 40  # characters of a group's name on its button
MARK = "• "  # the chosen day, hour or language
Sections = Mapping[type, Callable[[Any, Tr], Screen]]


def heading(tr: Tr, text: str) -> str:
    """A section title, bold."""
    return f"<b>{tr.gettext(text)}</b>"


def capitalised(text: str) -> str:
    """The text with a capital first letter, for a label that starts a line."""
    return text[:1].upper() + text[1:]


def interval(first: date, last: date, tr: Tr) -> str:
    """`May 4 – 11, 2026` in the reader's language."""
    return format_interval(first, last, "yMMMd", locale=tr.locale)


def _button(text: str, press: Press) -> Button:
    return Button(text, CODEC.encode(press))


# ---------------------------------------------------------------------- the coordinator digest


def area(digest: CoordinatorDigest, tr: Tr) -> str:
    """The places the digest covers, by name."""
    if digest.everywhere:
        return tr.gettext(N_("all of Kyrgyzstan"))
    names = [place.name(tr.locale) for place in digest.area]
    return ", ".join(names) or tr.gettext(N_("your peer groups"))


def _section(section: object, tr: Tr, sections: Sections) -> Screen | None:
    draw = sections.get(type(section))
    if draw is None:
        log.error("no screen draws the digest section %s", type(section).__name__)
        return None
    try:
        return draw(section, tr)
    except Exception as exc:  # one broken section must not cost the whole digest
        log.exception(
            "digest section %s not drawn: %s", type(section).__name__, type(exc).__name__
        )
        return None


def coordinator_digest(digest: CoordinatorDigest, tr: Tr, *, sections: Sections) -> Screen:
    """The coordinator digest as one screen: sections in order, their pictures attached."""
    period = digest.period
    dates = interval(digest.first_day, digest.last_day, tr)
    if digest.quiet:
        return Screen(
            ("👁 " if period.preview else "📰 ")
            + tr.gettext(
                N_(
                    "<b>Weekly digest</b> · {period}: a quiet week — no new reports, "
                    "nothing waiting for you and no new practices."
                ),
                period=dates,
            )
        )
    drawn = [d for d in (_section(s, tr, sections) for s in digest.sections) if d is not None]
    head = ["📰 " + tr.gettext(N_("<b>Weekly digest</b> · {period}"), period=dates)]
    head.append(tr.gettext(N_("Area: {area}"), area=area(digest, tr)))
    if period.late:
        head.append("⏰ " + tr.gettext(N_("Late: the bot was not running at the set time.")))
    if period.preview:
        head.append(
            "👁 "
            + tr.gettext(N_("Preview of the last seven days; your scheduled digest still comes."))
        )
    return Screen(
        Safe("\n\n".join(["\n".join(head), *(d.text for d in drawn)])),
        buttons=tuple((b,) for d in drawn for row in d.buttons for b in row),
        attachments=tuple(a for d in drawn for a in d.attachments),
    )


def _place(place: Place | None, tr: Tr) -> str:
    if place is None:
        return tr.gettext(N_("place not given"))
    return place.name(tr.locale)


def _count_line(tr: Tr, name: str, count: Count) -> str:
    return "• " + tr.gettext(
        N_("{label}: {this} (the week before: {last})"),
        label=name,
        this=tr.number(count.this_week),
        last=tr.number(count.last_week),
    )


def _urgent_line(line: UrgentLine, tr: Tr) -> str:
    item = line.incident
    resource = (
        item.resource_other
        if item.resource == OTHER and item.resource_other
        else label(RESOURCES, item.resource, tr)
    )
    what = ", ".join((label(EVENTS, item.sub_event_type, tr), resource, _place(line.place, tr)))
    return f"• {report_number(item.id)} — {escape(what)}"


def _counts(section: IncidentsSection, tr: Tr) -> list[str]:
    """New reports this week, then by resource, kind of event and rayon."""
    lines: list[str] = [
        tr.ngettext(
            "{n} new report this week (the week before: {last}).",
            "{n} new reports this week (the week before: {last}).",
            section.new_this_week,
            last=tr.number(section.new_last_week),
        )
    ]
    by_rayon = [(capitalised(_place(r.place, tr)), r.count) for r in section.by_rayon]
    for title, counts in (
        (N_("By resource"), [(label(RESOURCES, c.key, tr), c) for c in section.by_resource]),
        (N_("By kind of event"), [(label(EVENTS, c.key, tr), c) for c in section.by_event]),
        (N_("By rayon"), by_rayon),
    ):
        if counts:
            lines.append(f"<i>{tr.gettext(title)}</i>")
            lines.extend(_count_line(tr, name, count) for name, count in counts)
    return lines


def _open_lines(section: IncidentsSection, tr: Tr) -> list[str]:
    open_ = section.open
    line = (
        tr.ngettext("{n} report is still open:", "{n} reports are still open:", open_.total)
        + " "
        + tr.gettext(
            N_("{week} from the last seven days, {weeks} for one to four weeks, {older} longer."),
            week=tr.number(open_.under_week),
            weeks=tr.number(open_.weeks),
            older=tr.number(open_.older),
        )
    )
    lines = [line]
    if open_.oldest_id is not None and section.oldest_open_on is not None:
        lines.append(
            tr.gettext(
                N_("The oldest open report, {number}, came on {date}."),
                number=report_number(open_.oldest_id),
                date=tr.date(section.oldest_open_on),
            )
        )
    return lines


def incidents_section(section: IncidentsSection, tr: Tr) -> Screen:
    """New reports against the week before, urgent, open and resolved, with the chart."""
    lines = [heading(tr, N_("🚨 Incidents")), *_counts(section, tr)]
    if section.urgent_total:
        total = section.urgent_total
        lines.append("")
        lines.append(
            "<b>" + tr.ngettext("{n} urgent report:", "{n} urgent reports:", total) + "</b>"
        )
        lines.extend(_urgent_line(item, tr) for item in section.urgent)
        if total > len(section.urgent):
            rest = total - len(section.urgent)
            lines.append(tr.ngettext("…and {n} more.", "…and {n} more.", rest))
    if section.open.total:
        lines.append("")
        lines.extend(_open_lines(section, tr))
    if section.resolved:
        lines.append(
            "✅ "
            + tr.ngettext(
                "{n} report resolved this week.",
                "{n} reports resolved this week.",
                section.resolved,
            )
        )
    chart = incidents_chart_of(section, tr)
    return Screen(Safe("\n".join(lines)), attachments=(chart,) if chart else ())


def incidents_chart_of(section: IncidentsSection, tr: Tr) -> Attachment | None:
    """The chart of reports per week by resource, in the form's order; None when empty."""
    if not section.charted:
        return None
    order = {o.value: i for i, o in enumerate(RESOURCES)}
    present = sorted({w.resource for w in section.weekly}, key=lambda r: (order.get(r, 99), r))
    series = []
    for resource in present:
        counts = [0] * len(section.week_starts)
        for item in section.weekly:
            if item.resource == resource:
                counts[item.week] = item.count
        colour = order.get(resource, len(order))
        series.append(ChartSeries(label(RESOURCES, resource, tr), tuple(counts), colour))
    weeks = [format_skeleton("MMMd", start, locale=tr.locale) for start in section.week_starts]
    png = incidents_chart(
        title=tr.ngettext(
            "Incident reports by resource, last {n} week",
            "Incident reports by resource, last {n} weeks",
            len(weeks),
        ),
        y_label=tr.gettext(N_("Reports")),
        weeks=weeks,
        series=series,
    )
    return Attachment("incidents.png", png, kind="photo")


def review_section(section: ReviewSection, tr: Tr) -> Screen:
    """Reports waiting for review and practices waiting for approval, with their buttons."""
    lines = [heading(tr, N_("🔎 Waiting for you"))]
    buttons: list[Button] = []
    if section.pending_review:
        line: str = tr.ngettext(
            "{n} report waits for review.", "{n} reports wait for review.", section.pending_review
        )
        if section.oldest_pending_on is not None:
            line += " " + tr.gettext(
                N_("The oldest came on {date}."), date=tr.date(section.oldest_pending_on)
            )
        lines.append("• " + line)
        buttons.append(menu_button("🔎 " + tr.pgettext("button", "Review reports"), "review"))
    if section.practices_pending:
        lines.append(
            "• "
            + tr.ngettext(
                "{n} practice waits for approval.",
                "{n} practices wait for approval.",
                section.practices_pending,
            )
        )
        waiting = PRACTICES.encode(WaitingPractices(page=0))
        buttons.append(Button("⏳ " + tr.pgettext("button", "Practices to approve"), waiting))
    return Screen(Safe("\n".join(lines)), buttons=tuple((b,) for b in buttons))


# ---------------------------------------------------------------------- the group digest


def _activity(digest: GroupDigest, tr: Tr) -> list[str]:
    activity = digest.activity
    done = [
        tr.ngettext("{n} new member", "{n} new members", activity.new_members)
        if activity.new_members
        else "",
        tr.ngettext("{n} practice shared", "{n} practices shared", activity.practices_shared)
        if activity.practices_shared
        else "",
        tr.ngettext("{n} “helped me” mark", "{n} “helped me” marks", activity.helpful_marks)
        if activity.helpful_marks
        else "",
    ]
    if not any(done):
        return []
    line = ", ".join(d for d in done if d)
    return ["", tr.gettext(N_("In the group this week:")) + f" {line}."]


def group_digest(digest: GroupDigest, tr: Tr) -> Screen:
    """The peer-group digest in one language; an empty week is one line."""
    dates = interval(digest.first_day, digest.last_day, tr)
    if digest.empty:
        return Screen(
            ("👁 " if digest.period.preview else "")
            + tr.gettext(
                N_(
                    "👥 <b>{group}</b> · {period}: a quiet week in the group. "
                    "Share what worked for you: /practice"
                ),
                group=digest.name,
                period=dates,
            )
        )
    title = N_("<b>{group}</b> · weekly digest · {period}")
    lines = ["👥 " + tr.gettext(title, group=digest.name, period=dates)]
    if digest.period.preview:
        lines.append("👁 " + tr.gettext(N_("Preview of the last seven days.")))
    if digest.approved_total:
        total = digest.approved_total
        new = tr.ngettext(
            "{n} new practice for the group:", "{n} new practices for the group:", total
        )
        lines += ["", f"<b>{new}</b>"]
        lines.extend(practice_line(tr, p, marks=False) for p in digest.approved)
        rest = total - len(digest.approved)
        if rest > 0:
            lines.append(tr.ngettext("…and {n} more.", "…and {n} more.", rest))
    if digest.most_helpful:
        lines += ["", heading(tr, N_("Most helpful this week"))]
        lines.extend(practice_line(tr, p, marks=True) for p in digest.most_helpful)
    lines += _activity(digest, tr)
    lines += ["", tr.gettext(N_("Read and share practices: /practices"))]
    return Screen(Safe("\n".join(lines)))


# ---------------------------------------------------------------------- /digest


def preview(shown: DigestPreview, tr: Tr, *, sections: Sections) -> Screen:
    """/digest: the coordinator digest and the person's groups' digests as they stand now."""
    settings = _button("⚙️ " + tr.pgettext("button", "Digest settings"), OpenSettings())
    screens = [group_digest(group, tr) for group in shown.groups]
    if shown.coordinator is not None:
        screens.insert(0, coordinator_digest(shown.coordinator, tr, sections=sections))
    if not screens:
        text = tr.gettext(
            N_(
                "Weekly digests go to coordinators and to peer groups. "
                "Join a group (/groups) to get yours."
            )
        )
        return Screen(text, ((settings,),))
    # One screen: the coordinator's buttons and chart, then each group's digest.
    return Screen(
        Safe("\n\n".join(s.text for s in screens)),
        (*screens[0].buttons, (settings,)),
        attachments=tuple(a for s in screens for a in s.attachments),
    )


def _day_names(tr: Tr, width: Literal["abbreviated", "wide"]) -> dict[int, str]:
    names = get_day_names(width, context="stand-alone", locale=tr.locale)
    return {int(k): str(v) for k, v in names.items()}


def _schedule_line(schedule: Schedule, tr: Tr) -> str:
    if not schedule.enabled:
        return "🔕 " + tr.gettext(N_("Turned off."))
    return "🔔 " + tr.gettext(
        N_("Day: {weekday} · time: {hour}"),
        weekday=_day_names(tr, "wide")[schedule.weekday],
        hour=f"{schedule.hour:02d}:00",
    )


def _schedule_buttons(
    schedule: Schedule,
    tr: Tr,
    *,
    day: Callable[[int], Press] | None,
    hour: Callable[[int], Press] | None,
    off: Press,
    on: Press,
) -> list[tuple[Button, ...]]:
    """The day and hour buttons (for who may choose them), then off or on."""
    buttons: list[tuple[Button, ...]] = []
    if day is not None and hour is not None:
        days = _day_names(tr, "abbreviated")
        chosen = schedule.weekday
        buttons.append(
            tuple(_button((MARK if d == chosen else "") + days[d], day(d)) for d in WEEKDAYS)
        )
        hours = [
            _button((MARK if h == schedule.hour else "") + f"{h:02d}", hour(h)) for h in HOURS
        ]
        buttons.extend(rows(hours, 6))
    if schedule.enabled:
        buttons.append((_button("🔕 " + tr.pgettext("button", "Turn off"), off),))
    else:
        buttons.append((_button("🔔 " + tr.pgettext("button", "Turn on"), on),))
    return buttons


def _saved(shown: DigestSettings | GroupDigestSettings, tr: Tr) -> str | None:
    return tr.gettext(N_("Saved.")) if shown.saved else None


def settings(shown: DigestSettings, tr: Tr) -> Screen:
    """/digest settings: one's digest day, hour or off, and the groups one manages."""
    schedule = shown.schedule
    lines = [heading(tr, N_("⚙️ Your weekly digest"))]
    if shown.chooses_time:
        lines.append(_schedule_line(schedule, tr))
        lines.append(tr.gettext(N_("Choose the day and the hour (local time), or turn it off.")))
    else:
        lines.append(
            ("🔔 " if schedule.enabled else "🔕 ")
            + tr.gettext(
                N_("Digests of your peer groups come to you privately on each group's day.")
                if schedule.enabled
                else N_("Digests of your peer groups are not sent to you privately.")
            )
        )
    times = shown.chooses_time
    buttons = _schedule_buttons(
        schedule,
        tr,
        day=MyDay if times else None,
        hour=MyHour if times else None,
        off=MineOff(),
        on=MineOn(),
    )
    if shown.managed:
        lines.append(tr.gettext(N_("Your groups' digests: open a group to set its day.")))
        buttons.extend(
            (_button("👥 " + g.name[:GROUP_NAME_SHOWN], OpenGroup(g.id)),) for g in shown.managed
        )
    return Screen(Safe("\n".join(lines)), tuple(buttons), toast=_saved(shown, tr))


def _languages(group: int, chosen: str) -> tuple[Button, ...]:
    return tuple(
        _button(
            (MARK if code == chosen else "") + LANGUAGE_NAMES[code], GroupLanguage(group, code)
        )
        for code in LANGUAGE_CODES
    )


def group_settings(shown: GroupDigestSettings, tr: Tr) -> Screen:
    """A managed group's digest: day, hour, off, and the language in its chat."""
    group = shown.group
    lines = [
        tr.gettext(N_("<b>Digest of the group {group}</b>"), group=group.name),
        _schedule_line(shown.schedule, tr),
        tr.gettext(
            N_("Language in the group chat: {language}"),
            language=LANGUAGE_NAMES[shown.language],
        ),
    ]
    buttons = _schedule_buttons(
        shown.schedule,
        tr,
        day=lambda d: GroupDay(group.id, d),
        hour=lambda h: GroupHour(group.id, h),
        off=GroupOff(group.id),
        on=GroupOn(group.id),
    )
    buttons.append(_languages(group.id, shown.language))
    buttons.append((_button("◀️ " + tr.pgettext("button", "Back"), OpenSettings()),))
    return Screen(Safe("\n".join(lines)), tuple(buttons), toast=_saved(shown, tr))
