"""What /export shows: the kind, the format, the period, the region, then the file.

The file is written in the reader's language, a CSV split as her spreadsheet expects (`;` in
Kyrgyz and Russian, `,` in English); under it, the reports' photos and voice notes in a zip.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import N_, Tr
from bot.outputs.exports import ExportFile, clean_label
from bot.rules.exports import (
    ExportData,
    ExportFormat,
    ExportKind,
    ExportMenu,
    ExportPeriod,
    FormatChoice,
    PeriodChoice,
    RegionChoice,
)
from handlers.dossier.screens import entry_button as dossier_button
from handlers.exports.buttons import (
    CODEC,
    AddMedia,
    Format,
    Kind,
    Period,
    PickFormat,
    PickKind,
    PickPeriod,
    PickRegion,
)
from handlers.plumbing.screen import Attachment, Button, Screen, rows

KIND_LABELS: Mapping[ExportKind, str] = {
    ExportKind.INCIDENTS: N_("📝 Incident reports"),
    ExportKind.PRACTICES: N_("📘 Practices"),
    ExportKind.USERS: N_("👤 People"),
    ExportKind.NEEDS: N_("🙋‍♀️ Women's needs"),
}
FORMAT_LABELS: Mapping[ExportFormat, str] = {
    ExportFormat.CSV: N_("CSV"),
    ExportFormat.XLSX: N_("XLSX (Excel)"),
    ExportFormat.GEOJSON: N_("GeoJSON (map)"),
}
PERIOD_LABELS: Mapping[ExportPeriod, str] = {
    ExportPeriod.WEEK: N_("This week"),
    ExportPeriod.MONTH: N_("Last 30 days"),
    ExportPeriod.YEAR: N_("Last 12 months"),
    ExportPeriod.ALL: N_("All time"),
}
WHOLE_AREA = N_("Whole area")


def kinds(menu: ExportMenu, tr: Tr) -> Screen:
    """/export: which kind of records, and the incident dossier to print."""
    buttons = [
        Button(tr.label(KIND_LABELS[k]), CODEC.encode(PickKind(Kind.of(k)))) for k in menu.kinds
    ]
    text = tr.gettext(
        N_(
            "📤 <b>Export</b>\nWhat would you like to export? Only the records of your "
            "area are included."
        )
    )
    return Screen(text, (*rows(buttons, 2), (dossier_button(tr),)))


def formats(choice: FormatChoice, tr: Tr) -> Screen:
    """In which format."""
    kind = Kind.of(choice.kind)
    buttons = [
        Button(tr.label(FORMAT_LABELS[f]), CODEC.encode(PickFormat(kind, Format.of(f))))
        for f in choice.formats
    ]
    text = tr.gettext(
        N_(
            "In which format? CSV opens in any spreadsheet; XLSX has a sheet for each "
            "table; GeoJSON opens on a map (QGIS, uMap)."
        )
    )
    return Screen(text, rows(buttons, 3))


def periods(choice: PeriodChoice, tr: Tr) -> Screen:
    """For which period."""
    kind, fmt = Kind.of(choice.kind), Format.of(choice.format)
    buttons = [
        Button(tr.label(PERIOD_LABELS[p]), CODEC.encode(PickPeriod(kind, fmt, Period.of(p))))
        for p in choice.periods
    ]
    return Screen(tr.gettext(N_("For which period?")), rows(buttons, 2))


def regions(choice: RegionChoice, tr: Tr) -> Screen:
    """Which part of the reader's area: the whole of it first."""
    kind, fmt, period = Kind.of(choice.kind), Format.of(choice.format), Period.of(choice.period)
    buttons = [
        Button("🗺 " + tr.label(WHOLE_AREA), CODEC.encode(PickRegion(kind, fmt, period, None)))
    ]
    buttons += [
        Button(p.name(tr.locale), CODEC.encode(PickRegion(kind, fmt, period, p.code)))
        for p in choice.regions
    ]
    return Screen(tr.gettext(N_("Which part of your area?")), rows(buttons, 2))


def sent(export: ExportData, period: ExportPeriod, made: ExportFile, tr: Tr) -> Screen:
    """The file, with what it holds; a word on rounded pins where they are rounded; the
    reports' files offered as a zip, or said to be in it."""
    lines: list[str] = [
        tr.gettext(
            N_("{kind} · {period} · {region}"),
            kind=clean_label(tr.label(KIND_LABELS[ExportKind(export.request.kind)])),
            period=tr.label(PERIOD_LABELS[period]),
            region=export.region.name(tr.locale)
            if export.region is not None
            else tr.label(WHOLE_AREA),
        ),
        tr.ngettext("{n} record in the file.", "{n} records in the file.", export.count),
    ]
    lines += _rounding_lines(export, tr)
    lines += _media_lines(export, made, tr)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if export.offers_media:
        again = AddMedia(
            Kind.of(ExportKind(export.request.kind)),
            Format.of(ExportFormat(export.request.format)),
            Period.of(period),
            export.request.region,
        )
        label = tr.label(N_("📎 With the photos and voice notes (zip)"))
        buttons = ((Button(label, CODEC.encode(again)),),)
    attachment = Attachment(made.filename, made.data)
    return Screen("\n".join(lines), buttons, attachments=(attachment,))


def _rounding_lines(export: ExportData, tr: Tr) -> list[str]:
    """How pins and places are rounded in a coordinator's file; nothing for an admin's."""
    if export.rounded_to is None:
        return []
    rounding = (
        N_(
            "Location pins are rounded to {digits} decimal places (about {km} km) "
            "to protect the reporters; anonymous reporters appear as a pseudonym."
        )
        if export.request.kind == ExportKind.INCIDENTS
        else N_(
            "Each need is placed at its village, or at the centre of its aiyl aimak or "
            "rayon, rounded to {digits} decimal places (about {km} km)."
        )
    )
    return [
        tr.gettext(
            rounding,
            digits=tr.number(export.rounded_to),
            km=tr.number(round(111 / 10**export.rounded_to, 1)),
        )
    ]


def _media_lines(export: ExportData, made: ExportFile, tr: Tr) -> list[str]:
    """How many photos and voice notes the reports have, or the zip carries."""
    media = export.media
    if media is None or not media.files:
        return []
    if not export.request.with_media:
        if export.request.kind == ExportKind.NEEDS:
            return [
                tr.ngettext(
                    "📎 These needs have {n} photo or voice note.",
                    "📎 These needs have {n} photos and voice notes.",
                    media.files,
                )
            ]
        return [
            tr.ngettext(
                "📎 These reports have {n} photo or voice note.",
                "📎 These reports have {n} photos and voice notes.",
                media.files,
            )
        ]
    lines: list[str] = [
        tr.ngettext(
            "📎 {n} photo or voice note in the zip, in its media folder, linked from the "
            "table of attachments.",
            "📎 {n} photos and voice notes in the zip, in its media folder, linked from the "
            "table of attachments.",
            made.carried,
        )
    ]
    if made.not_carried:
        lines.append(
            tr.ngettext(
                "{n} file is not in the zip; manifest.csv says why.",
                "{n} files are not in the zip; manifest.csv says why.",
                made.not_carried,
            )
        )
    return lines
