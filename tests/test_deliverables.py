"""The report a bureau hands out: offline HTML, A4 PDF, Word document and Excel annex, each with
the report's tables (suppression applied) — one report end to end, and the exporters on their own."""

import re
import zipfile

import nbformat
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.core.panel import save_panel
from evalkit.demo import generate_panel
from evalkit.reporting import report
from evalkit.reporting.document import notebook_blocks, sections
from evalkit.reporting.export_docx import blocks_to_docx
from evalkit.reporting.export_pdf import chromium_binary
from evalkit.reporting.export_xlsx import blocks_to_xlsx
from evalkit.reporting.offline_html import external_references, make_offline

needs_chromium = pytest.mark.skipif(
    chromium_binary() is None, reason="Chromium not installed (scripts/system-deps.sh installs Debian chromium)"
)


def test_offline_page_has_no_script_and_no_external_resource():
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"/>'
        '<script src="https://cdnjs.example/require.min.js"></script>'
        '<link rel="stylesheet" href="https://fonts.example/css"/>'
        "<style>@import url('//fonts.example/x.css'); .a { color: red }</style>"
        '<script type="module">const m = await import("https://cdn.example/mermaid.mjs");</script>'
        "</head><body><p>报告</p></body></html>"
    )
    assert len(external_references(page)) >= 4
    offline = make_offline(page, "zh")
    assert external_references(offline) == []
    assert '<html lang="zh-CN">' in offline and "<p>报告</p>" in offline and ".a { color: red }" in offline
    assert "@page" in offline and "table-header-group" in offline  # the print stylesheet
    assert '<html lang="en">' in make_offline(page, "en")


def test_formats_are_parsed_and_checked():
    assert report.parse_formats(None) == report.FORMATS == ("html", "pdf", "docx", "xlsx")
    assert report.parse_formats("xlsx, html") == ("html", "xlsx")
    assert report.parse_formats(["pdf"]) == ("pdf",)
    with pytest.raises(EvalkitError) as info:
        report.parse_formats("html,odt")
    assert info.value.code == "E-FORMAT-UNKNOWN"
    assert report.report_stem("mile", "zh") == "mile" and report.report_stem("mile", "en") == "mile.en"


@pytest.fixture(scope="module")
def all_formats(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel")
    save_panel(generate_panel(households=3000), folder)
    out = tmp_path_factory.mktemp("reports")
    outcome = report.run_report("shangyou", 2025, data=folder, out=out)
    assert outcome.ok, outcome.error
    return outcome


@needs_chromium
def test_every_format_is_written_and_holds_the_report(all_formats):
    outcome = all_formats
    for fmt in report.FORMATS:
        assert getattr(outcome, fmt).exists(), fmt
        assert getattr(outcome, fmt).name == f"shangyou.{fmt}"
    page = outcome.html.read_text(encoding="utf-8")
    assert external_references(page) == [] and '<html lang="zh-CN">' in page
    nb = nbformat.read(outcome.notebook, as_version=4)
    blocks = notebook_blocks(nb)
    tables = [b for b in blocks if b.kind == "table"]
    images = [b for b in blocks if b.kind == "image"]
    assert page.count('<table class="ek-table">') == len(tables) > 10
    assert len(images) >= 5
    # PDF: A4 pages (595 × 842 pt), more than one
    pdf = outcome.pdf.read_bytes()
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert len(boxes) >= 3
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
    # DOCX: the report's headings, every table with a repeated header row, every chart, a Chinese font
    import docx

    document = docx.Document(str(outcome.docx))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "一、摘要" and "十一、方法与数据说明" in headings
    assert len(document.tables) == len(tables)
    assert [c.text for c in document.tables[0].rows[0].cells] == tables[0].header
    assert len(document.inline_shapes) == len(images)
    with zipfile.ZipFile(outcome.docx) as z:
        body = z.read("word/document.xml").decode("utf-8")
        styles = z.read("word/styles.xml").decode("utf-8")
    assert body.count("<w:tblHeader") == len(tables)
    assert 'w:eastAsia="宋体"' in styles and 'w:eastAsia="黑体"' in styles
    # XLSX: one sheet per section with tables, every table's header and cells as shown (suppression too)
    import openpyxl

    workbook = openpyxl.load_workbook(outcome.xlsx)
    with_tables = [h for h, members in sections(blocks) if any(b.kind == "table" for b in members)]
    assert len(workbook.sheetnames) == len(with_tables)
    assert workbook.sheetnames[0] == "一、摘要"
    cells = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    shown = [v for t in tables for row in t.rows for v in row]
    assert cells.count("<10") == shown.count("<10")
    assert sum(1 for v in shown if v not in ("",)) <= len(cells)
    assert all(any(h in cells for h in t.header) for t in tables)


def test_word_and_excel_files_are_byte_identical_for_the_same_report(tmp_path):
    from evalkit.reporting.document import Block

    blocks = [
        Block("heading", text="一、摘要", level=2),
        Block("table", header=["指标", "实际值"], rows=[["户数", "<10"], ["人均纯收入", "12,345 元"]]),
        Block("notice", text="少于 10 户的计数和均值不予公布", style="note"),
    ]
    first = [
        blocks_to_docx(blocks, tmp_path / "a.docx").read_bytes(),
        blocks_to_xlsx(blocks, tmp_path / "a.xlsx").read_bytes(),
    ]
    second = [
        blocks_to_docx(blocks, tmp_path / "b.docx").read_bytes(),
        blocks_to_xlsx(blocks, tmp_path / "b.xlsx").read_bytes(),
    ]
    assert first == second
