"""What /stats shows: this week's counts against all time, for the reader's area."""

from __future__ import annotations

from bot.i18n import N_, Tr
from bot.records.media import MediaCounts
from bot.rules.stats import Area, Figures, Stats
from handlers.plumbing.screen import Screen


def area_name(area: Area, tr: Tr) -> str:
    """The reader's area in words: its places and peer groups."""
    if area.everything:
        return tr.label(N_("all of Kyrgyzstan"))
    names = [p.name(tr.locale) for p in area.places]
    names += [tr.label(N_("group {id}")).format(id=g) for g in area.groups]
    return ", ".join(names)


def stats(found: Stats, tr: Tr) -> Screen:
    """/stats as a message."""
    lines = [
        tr.gettext(N_("📊 <b>Statistics for {area}</b>"), area=area_name(found.area, tr)),
        tr.gettext(
            N_("This week (since {date}) · all time"), date=tr.short_date(found.week_start)
        ),
        "",
        *_reports(found.week, found.total, tr),
        *_practices_and_people(found.week, found.total, tr),
    ]
    if found.week.needs is not None and found.total.needs is not None:
        lines.append(_needs(found.week.needs, found.total.needs, found.total.women, tr))
    if found.elections is not None:
        lines.append(
            tr.ngettext(
                "🗳 {elected} of {n} candidate elected",
                "🗳 {elected} of {n} candidates elected",
                found.elections.ran,
                elected=tr.number(found.elections.elected),
            )
        )
    if found.media is not None:
        lines += ["", *_media(found.media, tr)]
    return Screen("\n".join(lines))


def _media(counts: MediaCounts, tr: Tr) -> list[str]:
    """The media store, for administrators: what is kept, what waits, what was given up."""
    n = tr.number
    lines = [
        tr.gettext(
            N_("🗂 Media store: {stored} photos and voice notes kept ({size} MB)"),
            stored=n(counts.stored),
            size=n(round(counts.stored_bytes / 2**20, 1)),
        ),
        "   "
        + tr.gettext(
            N_("waiting to be downloaded: {waiting}; failing, tried again: {retrying}"),
            waiting=n(counts.waiting),
            retrying=n(counts.retrying),
        ),
        "   "
        + tr.gettext(
            N_("given up: {lost}; over the size limit: {too_large}"),
            lost=n(counts.lost),
            too_large=n(counts.too_large),
        ),
    ]
    if counts.last_error and (counts.retrying or counts.lost):
        lines.append("   " + tr.gettext(N_("last error: {error}"), error=counts.last_error))
    return lines


def _reports(week: Figures, total: Figures, tr: Tr) -> list[str]:
    n = tr.number
    return [
        tr.gettext(
            N_("📝 Incident reports: {week} · {total}"),
            week=n(week.reports.received),
            total=n(total.reports.received),
        ),
        "   "
        + tr.gettext(
            N_("urgent: {week} · {total}"),
            week=n(week.reports.urgent),
            total=n(total.reports.urgent),
        ),
        "   "
        + tr.gettext(
            N_("resolved: {week} · {total}"),
            week=n(week.reports.resolved),
            total=n(total.reports.resolved),
        ),
        "   "
        + tr.gettext(
            N_("open now: {open}; waiting for review: {pending}"),
            open=n(total.reports.open),
            pending=n(total.reports.pending_review),
        ),
    ]


def _practices_and_people(week: Figures, total: Figures, tr: Tr) -> list[str]:
    n = tr.number
    return [
        tr.gettext(
            N_("📘 Practices published: {week} · {total}; waiting for approval: {waiting}"),
            week=n(week.practices.approved),
            total=n(total.practices.approved),
            waiting=n(total.practices.waiting),
        ),
        tr.gettext(
            N_("👤 People registered: {week} · {total}"),
            week=n(week.people),
            total=n(total.people),
        ),
    ]


def _needs(week: int, total: int, women: int, tr: Tr) -> str:
    return (
        tr.gettext(
            N_("🙋‍♀️ Women's needs recorded: {week} · {total}"),
            week=tr.number(week),
            total=tr.number(total),
        )
        + " ("
        + tr.ngettext("raised by {n} woman in all", "raised by {n} women in all", women)
        + ")"
    )
