"""Every Word document as an organisation prints it: A4, margins, "page N of M", properties,
headings as Word styles, the letterhead's header and footer; places as the person gave them;
no double full stop after a date (issue #19)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from bot.config import ConfigError, load_settings
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.outputs import assessments as assessment_documents
from bot.outputs import documents
from bot.outputs import programme as programme_documents
from bot.outputs.recommendations import render
from bot.records.documents import DocumentSetup
from bot.rules.assessments import Comparison
from bot.rules.needs import ProgrammeReady
from bot.rules.recommendations import Compiled
from tests.test_dossier import ORGANISATION, all_text, assert_printable

SETUP = DocumentSetup(organisation=ORGANISATION)
CANDIDATE = "Айгүл Асанова"
GAZETTEER = Gazetteer.default()
LETTERHEAD_HEADER = "Ассоциация «Аял» · Баткен шаары, Ленин көчөсү 1"
LETTERHEAD_FOOTER = "тел. +996 3622 5 00 00"


def recommendations(locale: str, setup: DocumentSetup = SETUP) -> bytes:
    compiled = Compiled(
        topic=None, since=date(2026, 12, 1), made_on=date(2026, 12, 7), sections=(), setup=setup
    )
    return render(compiled, "docx", translator(locale))


def programme(
    locale: str, *, place: str, typed: str | None = None, setup: DocumentSetup = SETUP
) -> bytes:
    ready = ProgrammeReady(
        achieved=(),
        proposed=(),
        author=CANDIDATE,
        place=GAZETTEER[place],
        intro="Менин шайлоо программам.",
        village=typed,
        setup=setup,
    )
    tr = translator(locale)
    return programme_documents.word(programme_documents.programme_text(ready, tr))


def assessments(locale: str, setup: DocumentSetup = SETUP) -> bytes:
    places = tuple(GAZETTEER[code] for code in ("BA-BAT-AKS", "BA-LEI-AKS"))
    comparison = Comparison(places, dict.fromkeys((p.code for p in places), None), setup=setup)
    return assessment_documents.word(comparison, translator(locale))


@pytest.mark.parametrize("locale", ["ky", "ru", "en"])
def test_every_document_is_a4_with_page_numbers_and_names_the_organisation(locale: str) -> None:
    tr = translator(locale)
    programme_title = tr.gettext("Electoral programme (draft)")
    made = {
        tr.label("Recommendations from peer practices"): recommendations(locale),
        programme_title: programme(locale, place="BA-BAT-AKS"),
        tr.label("Rapid assessments side by side"): assessments(locale),
    }
    for title, data in made.items():
        # The candidate's programme is hers; the others are the organisation's.
        author = CANDIDATE if title == programme_title else ORGANISATION
        assert_printable(data, title=title, locale=locale, author=author)
        document = Document(io.BytesIO(data))
        # Headings are Word's own styles, so the navigation pane and a contents table work.
        styles = {p.style.name for p in document.paragraphs if p.text and p.style}
        assert styles & {"Title", "Heading 1"}, styles
        # Word checks the spelling in the document's language.
        language = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
        tag = language.find(qn("w:rPr")).find(qn("w:lang")).get(qn("w:val"))
        assert tag == documents.LANGUAGE_TAGS[locale]
    footer = Document(io.BytesIO(made[next(iter(made))])).sections[0].footer
    words = {"ky": "беттин", "ru": "Страница", "en": "Page"}[locale]
    assert words in footer.paragraphs[-1].text


def test_without_an_organisation_the_author_is_ayilbot_never_python_docx() -> None:
    document = Document(io.BytesIO(assessments("ru", DocumentSetup())))
    assert document.core_properties.author == "ayilbot"
    assert document.core_properties.comments == ""


def test_a_date_ending_in_a_full_stop_ends_the_sentence_once() -> None:
    assert documents.sentence("Составлено: 7 декабря 2026 г..") == "Составлено: 7 декабря 2026 г."
    assert documents.sentence("с 1 декабря 2026 г.. Далее") == "с 1 декабря 2026 г. Далее"
    assert documents.sentence("Подождите...") == "Подождите..."
    for locale in ("ky", "ru", "en"):
        text = all_text(recommendations(locale))
        assert ".." not in text.replace("...", ""), locale
    assert "Период: с 1 декабря 2026\u202fг.\n" in all_text(recommendations("ru"))
    assert "Составлено: 7 декабря 2026\u202fг." in all_text(recommendations("ru"))


def test_the_programme_names_her_place_at_the_level_she_gave_it() -> None:
    # Her village was not in the list: she typed it under her rayon.
    typed = all_text(programme("ky", place="BA-BAT", typed="Кызыл-Бел"))
    assert "Айгүл Асанова, Кызыл-Бел, Баткен району" in typed
    # She chose her aiyl aimak: the byline names it, not its rayon.
    chosen = all_text(programme("ru", place="BA-BAT-AKS"))
    assert "Айгүл Асанова, Ак-Сай" in chosen and "Баткенский район" not in chosen


def test_the_assessment_names_each_aiyl_aimak_as_chosen() -> None:
    document = Document(io.BytesIO(assessments("ru")))
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == ["", "Ак-Сай", "Ак-Суу"]
    assert document.core_properties.subject == "Ак-Сай, Ак-Суу"


def make_letterhead(path: Path, *, template: bool = False) -> Path:
    """A letterhead as an organisation would make it in Word: header, footer, some body text,
    and no heading styles (Word defines them only once used)."""
    letterhead = Document()
    section = letterhead.sections[0]
    section.header.paragraphs[0].text = LETTERHEAD_HEADER
    section.footer.paragraphs[0].text = LETTERHEAD_FOOTER
    letterhead.add_paragraph("Write your letter here.")
    styles = letterhead.styles.element
    for style in list(styles.iterchildren(qn("w:style"))):
        name = style.find(qn("w:name"))
        if name is not None and (
            name.get(qn("w:val")).startswith(("heading", "Title", "List Bullet", "Caption"))
            or name.get(qn("w:val")) == "Table Grid"
        ):
            styles.remove(style)
    letterhead.save(str(path))
    if template:  # saved as a Word template (.dotx): another content type
        data = io.BytesIO()
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(data, "w") as copy:
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    content = content.replace(
                        b"wordprocessingml.document.main+xml",
                        b"wordprocessingml.template.main+xml",
                    )
                copy.writestr(item, content)
        path.write_bytes(data.getvalue())
    return path


@pytest.mark.parametrize("template", [False, True])
def test_the_letterhead_gives_its_header_footer_and_styles(tmp_path: Path, template: bool) -> None:
    path = make_letterhead(
        tmp_path / ("letterhead.dotx" if template else "letterhead.docx"), template=template
    )
    settings = load_settings(
        _env_file=None,
        AYILBOT_DB=str(tmp_path / "a.db"),
        AYILBOT_ORGANISATION=f"  {ORGANISATION} ",
        AYILBOT_LETTERHEAD=str(path),
    )
    setup = DocumentSetup(settings.organisation, settings.letterhead_path)
    for data, title, author in (
        (
            assessments("ru", setup),
            translator("ru").label("Rapid assessments side by side"),
            ORGANISATION,
        ),
        (
            programme("ky", place="BA-BAT-AKS", setup=setup),
            translator("ky").label("Electoral programme (draft)"),
            CANDIDATE,
        ),
        (recommendations("en", setup), "Recommendations from peer practices", ORGANISATION),
    ):
        document = Document(io.BytesIO(data))
        section = document.sections[0]
        assert section.header.paragraphs[0].text == LETTERHEAD_HEADER
        footer = [p.text for p in section.footer.paragraphs]
        assert footer[0] == LETTERHEAD_FOOTER and len(footer) == 2  # its line, then ours
        assert "PAGE" in section.footer._element.xml
        assert "Write your letter here." not in all_text(data)
        assert_printable(
            data,
            title=title or document.core_properties.title,
            locale=document.core_properties.language,
            author=author,
        )
        assert {p.style.name for p in document.paragraphs if p.style} & {"Title", "Heading 1"}


def test_a_letterhead_that_is_not_a_word_file_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "letterhead.pdf").write_bytes(b"%PDF-1.4 not a letterhead")
    for given, says in (
        (tmp_path / "missing.docx", "is not a file"),
        (tmp_path / "letterhead.pdf", "is not a Word file"),
    ):
        with pytest.raises(ConfigError, match=f"AYILBOT_LETTERHEAD: .*{says}"):
            load_settings(
                _env_file=None, AYILBOT_DB=str(tmp_path / "a.db"), AYILBOT_LETTERHEAD=str(given)
            )


def test_the_kernel_hands_the_settings_to_every_document(tmp_path: Path) -> None:
    from bot.clock import Clock
    from bot.core.access import Access
    from bot.core.kernel import Kernel

    path = make_letterhead(tmp_path / "letterhead.docx")
    settings = load_settings(
        _env_file=None,
        AYILBOT_DB=str(tmp_path / "a.db"),
        AYILBOT_ORGANISATION=ORGANISATION,
        AYILBOT_LETTERHEAD=str(path),
    )
    kernel = Kernel(settings, None, Clock(), GAZETTEER, Access(GAZETTEER), None)  # type: ignore[arg-type]
    assert kernel.documents == DocumentSetup(ORGANISATION, path)
