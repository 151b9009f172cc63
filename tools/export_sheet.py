"""Write a sample reports export (XLSX) in Russian or Kyrgyz, for the picture in docs/images/.

    python -m tools.export_sheet OUT_DIR [ru|ky]
    libreoffice --headless --convert-to pdf --outdir OUT_DIR OUT_DIR/export-ru-picture.xlsx
    pdftoppm -png -r 90 -f 1 -l 1 OUT_DIR/export-ru-picture.pdf docs/images/export-xlsx-ru

The records are made up here (no database): six reports from Batken as a coordinator exports
them, with a pin or only a place, one of them anonymous, one received late in the evening
(UTC) so that its local day is the next one. `export-<locale>.xlsx` is the file as the bot
writes it; `export-<locale>-picture.xlsx` is the same with a print area over the reports'
first 24 columns, some of them hidden, fitted to one page: a printed page of 39 columns
shows only five.
"""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.outputs.exports import render
from bot.records.incidents import Incident
from bot.rules.exports import (
    GEO_PRECISIONS,
    ExportData,
    ExportRequest,
    GeoPrecision,
    ReportRow,
    Reports,
)

ZONE = ZoneInfo("Asia/Bishkek")
PICTURE_COLUMNS = "X"  # up to where the coordinates come from
# Left out of the picture (not of the file): date precision, typed resource, event type, the
# sides' names, deaths, oblast, place code and typed place.
HIDDEN = ("D", "F", "G", "I", "K", "N", "P", "S", "T")
START = datetime(2026, 11, 30, 4, 10, tzinfo=UTC)
BASE = Incident(
    draft_id="sample",
    form_id="incident",
    form_version=3,
    reporter_id=None,
    reporter_pseudonym=None,
    reporter_role="leader",
    anonymous=False,
    received_at=START,
    event_date=date(2026, 11, 30),
    date_precision=1,
    resource="water",
    resource_other=None,
    event_type="strategic_developments",
    sub_event_type="verbal_dispute",
    actor1=None,
    actor1_type="water_users",
    actor2=None,
    actor2_type="cross_border",
    crowd_size="10_50",
    fatalities=0,
    injuries=0,
    admin1="BA",
    admin2="BA-BAT",
    admin3="BA-BAT-AKS",
    place_other=None,
    location=None,
    latitude=None,
    longitude=None,
    geo_precision=3,
    border="yes",
    notes=None,
    response="aksakal_court",
    source="witness",
    source_scale="local",
    urgent=False,
    status="open",
    possible_duplicate_of=None,
    id=0,
    review_status="pending",
    duplicate_of=None,
    last_update_at=START,
    followup_sent_at=None,
)
REPORTS = (
    # number, hours after START, place, pin, changes
    (12, 0, "BA-BAT-AKS-KEK", (39.94972, 70.53583), {"notes": "Спор из-за очереди полива"}),
    (13, 19.4, "BA-BAT-AKT", None, {"resource": "pasture", "injuries": 2, "urgent": True}),
    (14, 30, "BA-BAT-AKS", None, {"notes": "Перекрыли канал у моста", "anonymous": True}),
    (15, 50, "BA-KAD", None, {"resource": "arable_land", "status": "resolved"}),
    (16, 70, "BA-BAT-SAM", (39.99639, 70.54194), {"review_status": "verified"}),
    # Tort-Gul's centre has no point in the sources read: placed at its villages' middle.
    (17, 91, "BA-BAT-TGL", None, {"notes": "Жалоба на новую дамбу"}),
)


def sample(locale: str) -> ExportData:
    """The reports, as the export rules would return them to a Batken coordinator."""
    gazetteer = Gazetteer.default()
    rows = []
    for number, hours, code, pin, changes in REPORTS:
        chain = {p.level: p.code for p in gazetteer.ancestors(code)}
        received = START + timedelta(hours=hours)
        village = gazetteer.get(code) if chain.get("village") == code else None
        incident = replace(
            BASE,
            id=number,
            received_at=received,
            last_update_at=received,
            event_date=received.astimezone(ZONE).date(),
            admin2=chain.get("rayon"),
            admin3=chain.get("aiyl_aimak"),
            village_code=village.code if village else None,
            location=village.name(locale) if village else None,
            **changes,
        )
        located = gazetteer.locate(code)
        assert located is not None
        lat, lon = pin or (located.lat, located.lon)
        precision = GeoPrecision.GPS if pin else GEO_PRECISIONS[located.precision]
        rows.append(
            ReportRow(
                incident=incident,
                admin=(
                    gazetteer.get("BA"),
                    gazetteer.get(chain.get("rayon", "")),
                    gazetteer.get(chain.get("aiyl_aimak", "")),
                ),
                latitude=round(lat, 2),
                longitude=round(lon, 2),
                geo_precision=precision,
                reporter="P-0000A1B2" if incident.anonymous else "Айгүл Токтосунова",
                reporter_role=None if incident.anonymous else "leader",
            )
        )
    return ExportData(
        request=ExportRequest("incidents", "xlsx", locale=locale),
        made_on=date(2026, 12, 7),
        region=gazetteer.get("BA-BAT"),
        count=len(rows),
        rounded_to=2,
        records=Reports(tuple(rows), (), ()),
        zone=ZONE,
    )


def main(argv: list[str]) -> int:
    """Write export-<locale>.xlsx into the folder given."""
    folder = Path(argv[0]) if argv else Path(".")
    locale = argv[1] if len(argv) > 1 else "ru"
    folder.mkdir(parents=True, exist_ok=True)
    made = render(sample(locale), translator(locale))
    (folder / f"export-{locale}.xlsx").write_bytes(made.data)
    book = load_workbook(io.BytesIO(made.data))
    reports = book.worksheets[0]
    reports.print_area = f"A1:{PICTURE_COLUMNS}{len(REPORTS) + 1}"
    for letter in HIDDEN:
        reports.column_dimensions[letter].hidden = True
    reports.sheet_properties.pageSetUpPr.fitToPage = True
    reports.page_setup.fitToWidth, reports.page_setup.fitToHeight = 1, 0
    book.save(folder / f"export-{locale}-picture.xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
