"""Word documents as an organisation prints them: every .docx the bot makes starts here.

A4 with print margins, "page N of M" in the footer (Word fields, in the reader's language),
properties that name the document, its language and the organisation (never "python-docx"),
headings as Word's own heading styles (so the navigation pane and a table of contents work).
With AYILBOT_LETTERHEAD the document is built on the organisation's .docx: its styles, header
and footer (its body is dropped); a letterhead made in Word lacks heading styles until used,
so any missing one is added.
"""

from __future__ import annotations

import io
import re
import string
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn as _qn
from docx.shared import Cm, Pt

from bot.i18n import N_, Tr
from bot.records.documents import DocumentSetup
from bot.typed_text import xml_safe

A4 = (Cm(21.0), Cm(29.7))
# Office documents in Kyrgyzstan and Russia (ГОСТ Р 7.0.97-2016): a wide left margin to bind,
# 2 cm above and below, 1.5 cm on the right.
MARGINS = {"top": Cm(2.0), "bottom": Cm(2.0), "left": Cm(3.0), "right": Cm(1.5)}
# The language Word checks spelling in, and the document's own language property.
LANGUAGE_TAGS = {"ky": "ky-KG", "ru": "ru-RU", "en": "en-GB"}
APPLICATION = "ayilbot"
PAGE_OF = N_("Page {page} of {pages}")
_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
_TEMPLATE_TYPE = b"wordprocessingml.template.main+xml"
_DOCUMENT_TYPE = b"wordprocessingml.document.main+xml"

# Styles a document uses, with how to make each where the letterhead lacks it:
# (size in points, bold, outline level of a heading or None).
_PARAGRAPH_STYLES: dict[str, tuple[float, bool, int | None]] = {
    "Title": (20, True, None),
    "Heading 1": (15, True, 0),
    "Heading 2": (13, True, 1),
    "Heading 3": (11.5, True, 2),
    "List Bullet": (11, False, None),
    "List Bullet 2": (11, False, None),
    "Caption": (9, False, None),
}


def new_document(
    setup: DocumentSetup,
    tr: Tr,
    *,
    title: str,
    subject: str = "",
    now: datetime | None = None,
    author: str | None = None,
) -> Any:
    """An empty A4 document with page numbers and properties, on the letterhead if any.

    The author is the organisation (AYILBOT_ORGANISATION), unless the document is a person's
    own (a candidate's programme names her).
    """
    document = (
        Document(io.BytesIO(_letterhead_bytes(setup.letterhead)))
        if setup.letterhead
        else (Document())
    )
    if setup.letterhead:
        _drop_body(document)
    for section in document.sections:
        section.page_width, section.page_height = A4
        section.orientation = WD_ORIENT.PORTRAIT
        for side, size in MARGINS.items():
            setattr(section, f"{side}_margin", size)
        section.header_distance = section.footer_distance = Cm(1.0)
        _page_numbers(section, tr)
    _ensure_styles(document)
    _language(document, tr.locale)
    _properties(document, setup, tr, title=title, subject=subject, now=now, author=author)
    return document


def to_bytes(document: Any) -> bytes:
    """The document as a .docx file."""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def text(value: str) -> str:
    """Typed text as Word takes it: without what XML forbids (older rows may hold it)."""
    return xml_safe(value)


def sentence(value: str) -> str:
    """A sentence whose placeholder already ended with a full stop ("7 декабря 2026 г.")
    ends with one, not two; an ellipsis stays."""
    return _DOUBLE_STOP.sub(".", value)


def plain(label: str) -> str:
    """A label without its leading emoji ("✅ Verified"): printed documents have none."""
    head, _, rest = label.partition(" ")
    return rest if rest and not any(c.isalnum() for c in head) else label


def heading(document: Any, value: str, level: int) -> Any:
    """A heading in Word's own style (0: the title)."""
    return document.add_heading(text(value), level=level)


def labelled(document: Any, label: str, value: str) -> Any:
    """A paragraph `Label: value`, the label bold."""
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{text(label)}: ").bold = True
    paragraph.add_run(text(value))
    return paragraph


def fields(document: Any, rows: Sequence[tuple[str, str]]) -> Any:
    """A two-column table of `label | value`, the labels bold: a form's answers on paper."""
    found = document.add_table(rows=len(rows), cols=2)
    found.style = "Table Grid"
    found.autofit = False
    # Word reads the cells' widths, LibreOffice the grid's: both are set.
    found.columns[0].width, found.columns[1].width = Cm(4.5), Cm(12.0)
    for r, (label, value) in enumerate(rows):
        name, answer = found.cell(r, 0), found.cell(r, 1)
        name.width, answer.width = Cm(4.5), Cm(12.0)
        name.text = text(label)
        name.paragraphs[0].runs[0].bold = True
        answer.text = text(value)
        for cell in (name, answer):
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
    document.add_paragraph()  # Word joins two tables that touch
    return found


def bullet(document: Any, value: str, level: int = 1) -> Any:
    """An item of a bulleted list (level 1 or 2)."""
    return document.add_paragraph(
        text(value), style="List Bullet" if level == 1 else ("List Bullet 2")
    )


def table(document: Any, rows: Sequence[Sequence[str]], *, header: bool = True) -> Any:
    """A table with borders; the first row repeats on every page and is bold."""
    found = document.add_table(rows=len(rows), cols=len(rows[0]))
    found.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = found.cell(r, c)
            cell.text = text(value)
            if header and r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    if header:
        properties = found.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        properties.append(repeat)
    return found


# ---------------------------------------------------------------------- the letterhead


def _letterhead_bytes(path: Path) -> bytes:
    """The letterhead's file; a Word template (.dotx) is read as the document it makes."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
        if _TEMPLATE_TYPE not in types:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for item in archive.infolist():
                content = archive.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    content = content.replace(_TEMPLATE_TYPE, _DOCUMENT_TYPE)
                copy.writestr(item, content)
    return out.getvalue()


def _drop_body(document: Any) -> None:
    """Keep the letterhead's page set-up, header and footer; drop what it says in its body."""
    body = document.element.body
    sections = body.findall(qn("w:sectPr"))
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    for extra in sections[:-1]:
        body.remove(extra)


# ---------------------------------------------------------------------- page numbers


def _page_numbers(section: Any, tr: Tr) -> None:
    """ "Page N of M" at the foot of every page, unless the letterhead's footer numbers them."""
    footers = [section.footer]
    if section.different_first_page_header_footer:
        footers.append(section.first_page_footer)
    for footer in footers:
        if _has_page_field(footer._element):
            continue
        footer.is_linked_to_previous = False
        paragraph = footer.add_paragraph() if footer.paragraphs[0].text else footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        template = tr.catalog.gettext(PAGE_OF)
        for literal, name, _spec, _conversion in string.Formatter().parse(template):
            if literal:
                _run(paragraph, literal)
            if name == "page":
                _field(paragraph, "PAGE")
            elif name == "pages":
                _field(paragraph, "NUMPAGES")


def _has_page_field(element: Any) -> bool:
    instructions = [e.text or "" for e in element.iter(qn("w:instrText"))]
    instructions += [e.get(qn("w:instr")) or "" for e in element.iter(qn("w:fldSimple"))]
    return any(i.split() and i.split()[0].upper() == "PAGE" for i in instructions)


def _run(paragraph: Any, value: str) -> Any:
    run = paragraph.add_run(value)
    run.font.size = Pt(9)
    return run


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (`PAGE`, `NUMPAGES`): begin, instruction, separate, a result, end."""

    def char(kind: str) -> Any:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    _run(paragraph, "")._r.append(char("begin"))
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    _run(paragraph, "")._r.append(code)
    _run(paragraph, "")._r.append(char("separate"))
    _run(paragraph, "1")  # shown until the reader's program updates the field
    _run(paragraph, "")._r.append(char("end"))


# ---------------------------------------------------------------------- styles, properties


def _ensure_styles(document: Any) -> None:
    """Add the heading, list and table styles a letterhead made in Word does not define."""
    styles = document.styles
    names = {s.name for s in styles}
    for name, (size, bold, outline) in _PARAGRAPH_STYLES.items():
        if name in names:
            continue
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.next_paragraph_style = styles["Normal"]
        style.font.size = Pt(size)
        style.font.bold = bold
        style.quick_style = True
        if name.startswith("List Bullet"):
            style.paragraph_format.left_indent = Cm(0.75 * (2 if name.endswith("2") else 1))
        if outline is not None or name == "Title":
            style.paragraph_format.keep_with_next = True
            style.paragraph_format.space_before = Pt(12)
        if outline is not None:
            level = OxmlElement("w:outlineLvl")
            level.set(qn("w:val"), str(outline))
            style.element.get_or_add_pPr().append(level)
    if "Table Grid" not in names:
        grid = styles.add_style("Table Grid", WD_STYLE_TYPE.TABLE)
        grid.base_style = styles["Normal Table"] if "Normal Table" in names else None
        borders = OxmlElement("w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            border = OxmlElement(":".join(("w", side)))
            for key, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", "auto")):
                border.set(qn(key), value)
            borders.append(border)
        properties = grid.element.find(qn("w:tblPr"))
        if properties is None:
            properties = OxmlElement("w:tblPr")
            grid.element.append(properties)
        properties.append(borders)


def qn(name: str) -> str:
    """A WordprocessingML name: `sz` or `w:sz` as lxml spells it with its namespace."""
    return _qn(name if ":" in name else "w" + ":" + name)


def _language(document: Any, locale: str) -> None:
    """The language of the document's text (spelling, hyphenation), in its default style."""
    tag = LANGUAGE_TAGS.get(locale, locale)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        document.styles.element.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    language = properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        properties.append(language)
    language.set(qn("w:val"), tag)
    language.set(qn("w:eastAsia"), tag)


def _properties(
    document: Any,
    setup: DocumentSetup,
    tr: Tr,
    *,
    title: str,
    subject: str,
    now: datetime | None,
    author: str | None = None,
) -> None:
    made = (now or datetime.now(UTC)).replace(microsecond=0)
    author = text(author) if author else setup.organisation or APPLICATION
    properties = document.core_properties
    properties.title = text(title)[:255]
    properties.subject = text(subject)[:255]
    properties.author = author
    properties.last_modified_by = author
    properties.comments = ""
    properties.keywords = ""
    properties.category = ""
    properties.language = tr.locale
    properties.created = made
    properties.modified = made
    properties.revision = 1
    for part in document.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            # The default template says it was made by "Microsoft Macintosh Word".
            part._blob = re.sub(
                rb"<Application>[^<]*</Application>",
                f"<Application>{APPLICATION}</Application>".encode(),
                part.blob,
            )
