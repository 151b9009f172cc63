"""The coordinator digest's sections: an extension point and the built-in sections.

A section turns the week's data into HTML text (escaped) and files in the reader's language,
or None when it has nothing to say. Another feature adds its own with
`DigestService.add_section(section)`; the built-in ones are listed in `builtin_sections`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from babel.dates import format_skeleton

from bot.core.access import Access, Actor, Permission
from bot.forms.incident import EVENTS, OTHER, RESOURCES
from bot.forms.incident_labels import label, report_number
from bot.forms.practice import OTHER_TOPIC, TOPIC_LABELS
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Tr, escape
from bot.outputs.charts import ChartSeries, incidents_chart
from bot.rules.needs import NeedRules, NeedsOverview
from bot.screen import Attachment, Button
from storage.digests import (
    Count,
    DigestScope,
    OpenIncidents,
    PracticeLine,
    UrgentIncident,
    WeekCount,
)

WEEK = timedelta(days=7)
CHART_WEEKS = 8
URGENT_SHOWN = 10
APPROVED_SHOWN = 5
HELPFUL_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Period:
    """One digest period: up to `until`, from the digest sent before; keyed by its local day."""

    start: date  # the local day the digest is due: the delivery key (one a day at most)
    due_at: datetime  # when it is due (UTC)
    since: datetime  # the period's data: [since, until); the last digest's `until`, if any
    until: datetime
    late: bool = False  # sent by the catch-up after the bot was down
    preview: bool = False  # /digest: not a delivery

    @property
    def previous(self) -> datetime:
        """The start of the week before, for comparisons."""
        return self.since - WEEK


@dataclass(frozen=True, slots=True)
class CoordinatorDigest:
    """Everything the coordinator digest says, as numbers and ids: rendered later."""

    period: Period
    scope: DigestScope
    by_resource: tuple[Count, ...]
    by_event: tuple[Count, ...]
    by_rayon: tuple[Count, ...]
    urgent: tuple[UrgentIncident, ...]
    urgent_total: int
    open: OpenIncidents
    resolved: int
    pending_review: int
    oldest_pending: datetime | None
    practices_pending: int
    practices_approved: tuple[PracticeLine, ...]
    approved_total: int
    most_helpful: tuple[PracticeLine, ...]
    week_starts: tuple[datetime, ...]  # the chart's weeks, oldest first
    weekly: tuple[WeekCount, ...]
    needs: NeedsOverview | None  # None when the reader may not see women's needs

    @property
    def new_this_week(self) -> int:
        return sum(c.this_week for c in self.by_resource)

    @property
    def new_last_week(self) -> int:
        return sum(c.last_week for c in self.by_resource)


@dataclass(frozen=True, slots=True)
class SectionContext:
    """What a section may use: the reader, their language, the period and the week's data."""

    actor: Actor
    tr: Tr
    zone: tzinfo
    data: CoordinatorDigest

    @property
    def period(self) -> Period:
        return self.data.period


@dataclass(frozen=True, slots=True)
class RenderedSection:
    """A section's HTML (user text escaped), files and buttons.

    `news` says whether it reports something worth a message on its own; when no section
    does, the digest is one line saying the week was quiet.
    """

    text: str
    attachments: tuple[Attachment, ...] = ()
    buttons: tuple[Button, ...] = ()
    news: bool = True


class DigestSection(Protocol):
    """A part of the coordinator digest."""

    name: str

    async def render(self, ctx: SectionContext) -> RenderedSection | None: ...


def heading(tr: Tr, text: str) -> str:
    """A section title, bold."""
    return f"<b>{tr.gettext(text)}</b>"


def _count_line(tr: Tr, name: str, count: Count) -> str:
    return "• " + tr.gettext(
        N_("{label}: {this} (the week before: {last})"),
        label=name,
        this=tr.number(count.this_week),
        last=tr.number(count.last_week),
    )


def capitalised(text: str) -> str:
    """The text with a capital first letter, for a label that starts a line."""
    return text[:1].upper() + text[1:]


def local_date(value: datetime, zone: tzinfo) -> date:
    """The calendar date of a UTC time in the bot's zone."""
    return value.astimezone(zone).date()


@dataclass
class IncidentsSection:
    """New reports by resource, kind and rayon against last week; urgent, open, resolved."""

    gazetteer: Gazetteer
    name: str = "incidents"

    def place(self, code: str | None, tr: Tr) -> str:
        if code is None or self.gazetteer.get(code) is None:
            return tr.gettext(N_("place not given"))
        return self.gazetteer[code].name(tr.locale)

    def _urgent_line(self, item: UrgentIncident, tr: Tr) -> str:
        resource = (
            item.resource_other
            if item.resource == OTHER and item.resource_other
            else label(RESOURCES, item.resource, tr)
        )
        what = ", ".join(
            (label(EVENTS, item.sub_event_type, tr), resource, self.place(item.place_code, tr))
        )
        return f"• {report_number(item.id)} — {escape(what)}"

    def _open_lines(self, open_: OpenIncidents, tr: Tr, zone: tzinfo) -> list[str]:
        line = (
            tr.ngettext("{n} report is still open:", "{n} reports are still open:", open_.total)
            + " "
            + tr.gettext(
                N_(
                    "{week} from the last seven days, {weeks} for one to four weeks, "
                    "{older} longer."
                ),
                week=tr.number(open_.under_week),
                weeks=tr.number(open_.weeks),
                older=tr.number(open_.older),
            )
        )
        lines = [line]
        if open_.oldest_id is not None and open_.oldest_at is not None:
            lines.append(
                tr.gettext(
                    N_("The oldest open report, {number}, came on {date}."),
                    number=report_number(open_.oldest_id),
                    date=tr.date(local_date(open_.oldest_at, zone)),
                )
            )
        return lines

    async def render(self, ctx: SectionContext) -> RenderedSection | None:
        data, tr = ctx.data, ctx.tr
        if not (data.by_resource or data.open.total or data.resolved):
            return None
        lines = [heading(tr, N_("🚨 Incidents"))]
        lines.append(
            tr.ngettext(
                "{n} new report this week (the week before: {last}).",
                "{n} new reports this week (the week before: {last}).",
                data.new_this_week,
                last=tr.number(data.new_last_week),
            )
        )
        groups: Sequence[tuple[str, tuple[Count, ...], Callable[[str | None], str]]] = (
            (N_("By resource"), data.by_resource, lambda key: label(RESOURCES, key, tr)),
            (N_("By kind of event"), data.by_event, lambda key: label(EVENTS, key, tr)),
            (N_("By rayon"), data.by_rayon, lambda key: capitalised(self.place(key, tr))),
        )
        for title, counts, name_of in groups:
            if counts:
                lines.append(f"<i>{tr.gettext(title)}</i>")
                lines.extend(_count_line(tr, name_of(c.key), c) for c in counts)
        if data.urgent_total:
            lines.append("")
            lines.append(
                "<b>"
                + tr.ngettext("{n} urgent report:", "{n} urgent reports:", data.urgent_total)
                + "</b>"
            )
            lines.extend(self._urgent_line(item, tr) for item in data.urgent)
            if data.urgent_total > len(data.urgent):
                rest = data.urgent_total - len(data.urgent)
                lines.append(tr.ngettext("…and {n} more.", "…and {n} more.", rest))
        if data.open.total:
            lines.append("")
            lines.extend(self._open_lines(data.open, tr, ctx.zone))
        if data.resolved:
            lines.append(
                "✅ "
                + tr.ngettext(
                    "{n} report resolved this week.",
                    "{n} reports resolved this week.",
                    data.resolved,
                )
            )
        chart = await self._chart(ctx)
        return RenderedSection(
            "\n".join(lines),
            attachments=(chart,) if chart else (),
            news=bool(data.new_this_week or data.resolved or data.urgent_total),
        )

    async def _chart(self, ctx: SectionContext) -> Attachment | None:
        data, tr = ctx.data, ctx.tr
        if not any(w.count for w in data.weekly):
            return None
        order = {o.value: i for i, o in enumerate(RESOURCES)}
        present = sorted({w.resource for w in data.weekly}, key=lambda r: (order.get(r, 99), r))
        series = []
        for resource in present:
            counts = [0] * len(data.week_starts)
            for item in data.weekly:
                if item.resource == resource:
                    counts[item.week] = item.count
            colour = order.get(resource, len(order))
            series.append(ChartSeries(label(RESOURCES, resource, tr), tuple(counts), colour))
        weeks = [
            format_skeleton("MMMd", local_date(start, ctx.zone), locale=tr.locale)
            for start in data.week_starts
        ]
        png = await incidents_chart(
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


@dataclass
class ReviewSection:
    """Reports waiting for review and practices waiting for approval."""

    name: str = "review"

    async def render(self, ctx: SectionContext) -> RenderedSection | None:
        data, tr = ctx.data, ctx.tr
        if not (data.pending_review or data.practices_pending):
            return None
        lines = [heading(tr, N_("🔎 Waiting for you"))]
        buttons: list[Button] = []
        if data.pending_review:
            line: str = tr.ngettext(
                "{n} report waits for review.", "{n} reports wait for review.", data.pending_review
            )
            if data.oldest_pending is not None:
                line += " " + tr.gettext(
                    N_("The oldest came on {date}."),
                    date=tr.date(local_date(data.oldest_pending, ctx.zone)),
                )
            lines.append("• " + line)
            buttons.append(Button("🔎 " + tr.pgettext("button", "Review reports"), "m:review"))
        if data.practices_pending:
            lines.append(
                "• "
                + tr.ngettext(
                    "{n} practice waits for approval.",
                    "{n} practices wait for approval.",
                    data.practices_pending,
                )
            )
            buttons.append(Button("⏳ " + tr.pgettext("button", "Practices to approve"), "pr:w:0"))
        return RenderedSection("\n".join(lines), buttons=tuple(buttons))


def practice_line(tr: Tr, practice: PracticeLine, *, marks: bool) -> str:
    """`• «Title» — topic · 👍 n`; the title is the author's text, escaped."""
    if practice.topic == OTHER_TOPIC.value and practice.topic_other:
        topic = practice.topic_other
    else:
        topic = tr.label(TOPIC_LABELS.get(practice.topic, practice.topic))
    tail: str
    if marks:
        tail = tr.ngettext(
            "{n} person says it helped", "{n} people say it helped", practice.helpful
        )
    else:
        tail = f"{escape(topic)} · 👍 {practice.helpful}"
    return f"• «{escape(practice.title)}» — {tail}"


@dataclass
class PracticesSection:
    """Practices approved this week and the most helpful ones."""

    name: str = "practices"

    async def render(self, ctx: SectionContext) -> RenderedSection | None:
        data, tr = ctx.data, ctx.tr
        if not (data.approved_total or data.most_helpful):
            return None
        lines = [heading(tr, N_("🤝 Practices"))]
        if data.approved_total:
            lines.append(
                tr.ngettext(
                    "{n} practice approved this week:",
                    "{n} practices approved this week:",
                    data.approved_total,
                )
            )
            lines.extend(practice_line(tr, p, marks=False) for p in data.practices_approved)
            rest = data.approved_total - len(data.practices_approved)
            if rest > 0:
                lines.append(tr.ngettext("…and {n} more.", "…and {n} more.", rest))
        if data.most_helpful:
            lines.append("<i>" + tr.gettext(N_("Most helpful this week")) + "</i>")
            lines.extend(practice_line(tr, p, marks=True) for p in data.most_helpful)
        return RenderedSection("\n".join(lines))


@dataclass
class NeedsSection:
    """Women's needs into plans and budgets, and "N of M candidates elected"."""

    access: Access
    name: str = "needs"

    async def render(self, ctx: SectionContext) -> RenderedSection | None:
        overview, tr = ctx.data.needs, ctx.tr
        if overview is None:
            return None
        funnel, elections = overview.funnel, overview.elections
        if not (funnel.total or elections.ran or elections.did_not_run):
            return None
        lines = [heading(tr, N_("👩 Women's needs"))]
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
        # Background, not news: the funnel alone does not make a quiet week worth a message.
        return RenderedSection("\n".join(lines), news=False)


async def needs_overview(needs: NeedRules, access: Access, actor: Actor) -> NeedsOverview | None:
    """The needs rules' overview for a reader allowed to see it, else None."""
    if not access.allows(actor, Permission.VIEW_NEEDS):
        return None
    return await needs.overview(actor)


def builtin_sections(gazetteer: Gazetteer, access: Access) -> list[DigestSection]:
    """The coordinator digest's own sections, in order."""
    return [
        IncidentsSection(gazetteer),
        ReviewSection(),
        PracticesSection(),
        NeedsSection(access),
    ]
