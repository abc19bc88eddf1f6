"""Word document of a report (python-docx): headings as Word headings, tables as Word tables
with a repeated header row, charts as PNG images, notices as paragraphs, A4 pages with page
numbers, a Chinese font (East Asian font 宋体 / SimSun for body text, 黑体 / SimHei for headings;
Latin text Times New Roman / Arial — the fonts every Chinese Office installation has; LibreOffice
substitutes its CJK font).

Built from the blocks of :mod:`evalkit.reporting.document`, so it holds exactly the HTML's
tables and suppression. Deterministic: the core properties carry no time.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from evalkit.reporting.document import Block, normalise_zip, png_of

BODY_FONT = ("Times New Roman", "宋体")
HEADING_FONT = ("Arial", "黑体")
#: Fixed document time (python-docx would stamp the current time; reports must be reproducible).
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _set_font(style, latin: str, east_asian: str, size_pt: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = latin
    if size_pt:
        style.font.size = Pt(size_pt)
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _page_number_footer(section) -> None:
    """A centred ``PAGE`` field in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _table(document, block: Block) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    columns = max([len(block.header), *(len(r) for r in block.rows)] or [1])
    table = document.add_table(rows=1 + len(block.rows), cols=columns)
    table.style = "Table Grid"
    for row_index, values in enumerate([block.header, *block.rows]):
        row = table.rows[row_index]
        if row_index == 0:
            _repeat_header(row)
        for column, value in enumerate(values):
            cell = row.cells[column]
            cell.text = value
            for paragraph in cell.paragraphs:
                if column > 0 and row_index > 0:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                for run in paragraph.runs:
                    run.font.size = Pt(8.5)
                    run.font.bold = row_index == 0
    document.add_paragraph()


def blocks_to_docx(blocks: list[Block], path: str | Path, title: str = "", lang: str = "zh") -> Path:
    """Write the report's blocks as a DOCX at ``path``."""
    from docx import Document
    from docx.shared import Cm, Emu, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin = section.bottom_margin = Cm(2.0)
    _page_number_footer(section)
    _set_font(document.styles["Normal"], *BODY_FONT, size_pt=10.5)
    for level, size in ((0, 18), (1, 16), (2, 14), (3, 12)):
        style = document.styles["Title" if level == 0 else f"Heading {level}"]
        _set_font(style, *HEADING_FONT, size_pt=size, bold=True)
        style.font.color.rgb = RGBColor(0, 0, 0)
    properties = document.core_properties
    properties.title = title
    properties.language = "zh-CN" if lang == "zh" else "en"
    properties.author = properties.last_modified_by = "evalkit"
    properties.created = properties.modified = FIXED_TIME.replace(tzinfo=None)
    properties.revision = 1
    width = Emu(int(section.page_width or 0) - int(section.left_margin or 0) - int(section.right_margin or 0))
    for block in blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=0 if block.level == 1 else min(block.level - 1, 3))
        elif block.kind == "table":
            _table(document, block)
        elif block.kind == "image":
            document.add_picture(io.BytesIO(png_of(block)), width=width)
            if block.text:
                caption = document.add_paragraph(block.text)
                caption.runs[0].font.size = Pt(9)
        elif block.kind == "notice":
            paragraph = document.add_paragraph(block.text)
            if block.style == "notice":
                paragraph.runs[0].font.bold = True
                paragraph.runs[0].font.color.rgb = RGBColor(0x99, 0, 0)
            elif block.style in ("note", "missing"):
                paragraph.runs[0].font.size = Pt(9)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    normalise_zip(path)
    return path
