"""Write sample incident dossiers (ru, ky) as .docx, for the pictures in docs/images/.

    python -m tools.dossier_pages OUT_DIR
    libreoffice --headless --convert-to pdf --outdir OUT_DIR OUT_DIR/*.docx
    pdftoppm -png -r 70 -f 1 -l 1 OUT_DIR/dossier-ru.pdf docs/images/dossier-ru

The records are made up here (no database): one urgent report from Ak-Say with its history,
a coordinator's verification, one photo kept in the media folder and one that was lost.
"""

from __future__ import annotations

import hashlib
import io
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.outputs import dossier
from bot.records.documents import DocumentSetup
from bot.records.incidents import Incident, IncidentUpdate
from bot.rules.dossier import Dossier, DossierEntry, DossierPhoto, ReviewDecision

ZONE = ZoneInfo("Asia/Bishkek")
RECEIVED = datetime(2026, 12, 6, 5, 40, tzinfo=UTC)
NOTES = {
    "ru": "Две группы чабанов поспорили у летнего пастбища над Кара-Суу: одни перегнали "
    "отару на участок, который другие считают своим. Были толчки, двое получили ушибы. "
    "Аксакалы остановили драку, айыл окмоту созывает встречу в понедельник.",
    "ky": "Кара-Суунун үстүндөгү жайлоодо эки топ малчы талашып калды: бирөөлөр койлорун "
    "башкалар өзүнүкү деп эсептеген жерге айдап чыгышкан. Түртүшүү болуп, эки киши "
    "урунуп-сокунуп калды. Аксакалдар мушташты токтотту, айыл өкмөтү дүйшөмбүгө жолугушуу "
    "чакырууда.",
}
UPDATES = {
    "ru": (
        "Встреча назначена на 8 декабря в здании айыл окмоту.",
        "Сколько было людей?",
        "Около тридцати с обеих сторон.",
    ),
    "ky": (
        "Жолугушуу 8-декабрга айыл өкмөтүнүн имаратында белгиленди.",
        "Канча адам болду?",
        "Эки тараптан отузга жакын.",
    ),
}


def photo(path: Path) -> str:
    """A drawn landscape standing in for a reporter's photo; its SHA-256."""
    image = Image.new("RGB", (960, 640), "#9cc3e6")
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [(0, 420), (260, 200), (520, 400), (760, 160), (960, 380), (960, 640), (0, 640)],
        fill="#7a8f5a",
    )
    draw.rectangle([0, 520, 960, 640], fill="#a7b86b")
    for x in range(80, 900, 70):
        draw.ellipse([x, 540 + (x % 3) * 12, x + 26, 556 + (x % 3) * 12], fill="#f4f1e8")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    path.write_bytes(out.getvalue())
    return hashlib.sha256(out.getvalue()).hexdigest()


def sample(locale: str, folder: Path) -> Dossier:
    """One report, as the dossier rules would return it."""
    picture = folder / "photo.jpg"
    digest = photo(picture)
    incident = Incident(
        draft_id="sample",
        form_id="incident",
        form_version=1,
        reporter_id=None,
        reporter_pseudonym=None,
        reporter_role=None,
        anonymous=True,
        received_at=RECEIVED,
        event_date=date(2026, 12, 6),
        date_precision=1,
        resource="pasture",
        resource_other=None,
        event_type="riots",
        sub_event_type="physical_clash",
        actor1="Herders",
        actor1_type="herders",
        actor2=None,
        actor2_type="cross_border",
        crowd_size="10_50",
        fatalities=0,
        injuries=2,
        admin1="BA",
        admin2="BA-BAT",
        admin3="BA-BAT-AKS",
        place_other=None,
        location="Кара-Суу",
        latitude=39.91,
        longitude=70.81,
        geo_precision=1,
        border="yes",
        notes=NOTES[locale],
        response="aksakal_court",
        source="witness",
        source_scale="local",
        urgent=True,
        status="open",
        possible_duplicate_of=None,
        id=17,
        review_status="verified",
        duplicate_of=None,
        last_update_at=RECEIVED,
        followup_sent_at=None,
    )
    info, question, answer = UPDATES[locale]
    updates = (
        IncidentUpdate(
            1,
            17,
            RECEIVED + timedelta(hours=5),
            None,
            "reporter",
            "info",
            info,
            None,
            None,
            "open",
            None,
        ),
        IncidentUpdate(
            2,
            17,
            RECEIVED + timedelta(hours=6),
            None,
            "coordinator",
            "question",
            question,
            None,
            None,
            None,
            None,
        ),
        IncidentUpdate(
            3,
            17,
            RECEIVED + timedelta(hours=7),
            None,
            "reporter",
            "answer",
            answer,
            None,
            None,
            None,
            2,
        ),
    )
    gazetteer = Gazetteer.default()
    entry = DossierEntry(
        incident=incident,
        places=tuple(gazetteer.ancestors("BA-BAT-AKS")),
        coordinates=(39.91, 70.81),
        updates=updates,
        decision=ReviewDecision("verified", RECEIVED + timedelta(hours=8), None, None, None),
        photos=(
            DossierPhoto(None, picture, digest, "stored"),
            DossierPhoto(None, None, None, "lost"),
        ),
        voices=1,
    )
    return Dossier(
        entries=(entry,),
        total=1,
        filter=None,
        area=None,
        made_at=RECEIVED + timedelta(days=1),
        zone=ZONE,
        coordinate_decimals=2,
        setup=DocumentSetup(organisation="Аялдар тынчтык тармагы"),
    )


def main(argv: list[str]) -> int:
    """Write dossier-ru.docx and dossier-ky.docx into the folder given."""
    folder = Path(argv[0]) if argv else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    for locale in ("ru", "ky"):
        made = dossier.word(sample(locale, folder), translator(locale))
        (folder / f"dossier-{locale}.docx").write_bytes(made)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
