"""The report as a sequence of blocks, read from the executed report notebook's outputs, for the
Word document and the Excel annex (:mod:`evalkit.reporting.export_docx`,
:mod:`evalkit.reporting.export_xlsx`).

The notebook displays only four kinds of things (:mod:`evalkit.reporting.present`,
:mod:`evalkit.reporting.charts`): Markdown headings, ``ek-table`` HTML tables of display strings
(already formatted and small-cell suppressed), notices (``ek-notice`` / ``ek-note`` /
``ek-missing``) and charts as ``<img>`` with inline SVG. Reading those outputs back, in order,
gives every format exactly the tables and suppression of the HTML page.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

import nbformat

REMOVE_TAGS = ("remove-cell", "remove_cell")


@dataclass
class Block:
    """One item of the report: ``kind`` heading (``level``, ``text``), table (``header``,
    ``rows``), notice (``style``, ``text``) or image (``data`` bytes, ``mime``, ``text`` = alt)."""

    kind: str
    text: str = ""
    level: int = 0
    style: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    data: bytes = b""
    mime: str = ""


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def _markdown_blocks(text: str) -> list[Block]:
    blocks = []
    for line in text.splitlines():
        match = _HEADING.match(line.strip())
        if match:
            blocks.append(Block("heading", text=match.group(2).strip(), level=len(match.group(1))))
        elif line.strip():
            blocks.append(Block("notice", text=line.strip(), style="text"))
    return blocks


def _html_blocks(markup: str) -> list[Block]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    blocks = []
    for element in soup.find_all(["table", "div", "img", "p"]):
        if element.name == "table" and "ek-table" in (element.get("class") or []):
            header = [th.get_text(" ", strip=True) for th in element.select("thead th")]
            rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in element.select("tbody tr")]
            blocks.append(Block("table", header=header, rows=rows))
        elif element.name == "div" and element.find_parent("table") is None:
            classes = [c for c in (element.get("class") or []) if c.startswith("ek-")]
            if classes:
                blocks.append(Block("notice", text=element.get_text(" ", strip=True), style=classes[0][3:]))
        elif element.name == "img":
            src = str(element.get("src") or "")
            match = re.match(r"data:(image/[\w+.-]+);base64,(.*)", src, re.S)
            if match:
                blocks.append(
                    Block(
                        "image",
                        data=base64.b64decode(match.group(2)),
                        mime=match.group(1),
                        text=str(element.get("alt") or ""),
                    )
                )
        elif element.name == "p" and element.find_parent(["table", "div"]) is None:
            text = element.get_text(" ", strip=True)
            if text:
                blocks.append(Block("notice", text=text, style="text"))
    return blocks


def notebook_blocks(nb: nbformat.NotebookNode) -> list[Block]:
    """The report's blocks in reading order (cells tagged ``remove-cell`` skipped)."""
    blocks: list[Block] = []
    for cell in nb.cells:
        if set(cell.metadata.get("tags", [])) & set(REMOVE_TAGS):
            continue
        if cell.cell_type == "markdown":
            blocks += _markdown_blocks(cell.source)
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                blocks += _markdown_blocks(data["text/markdown"])
            elif "text/html" in data:
                blocks += _html_blocks(data["text/html"])
            elif "image/png" in data:
                blocks.append(Block("image", data=base64.b64decode(data["image/png"]), mime="image/png"))
    return blocks


def sections(blocks: list[Block]) -> list[tuple[str, list[Block]]]:
    """Blocks grouped by second-level heading (``## …``): ``[(heading, blocks)]``; what comes
    before the first one (title, notices) is the section named by the title."""
    grouped: list[tuple[str, list[Block]]] = []
    for block in blocks:
        if block.kind == "heading" and block.level <= 2:
            grouped.append((block.text, [block]))
        elif grouped:
            grouped[-1][1].append(block)
        else:
            grouped.append(("", [block]))
    return grouped


def svg_to_png(svg: bytes, dpi: int = 120) -> bytes:
    """A PNG of an SVG chart (cairosvg; matplotlib's SVG draws text as paths, so no font is needed)."""
    import cairosvg

    return cairosvg.svg2png(bytestring=svg, dpi=dpi, scale=dpi / 96)


def png_of(block: Block) -> bytes:
    """The image of an ``image`` block as PNG bytes."""
    if block.mime == "image/svg+xml":
        return svg_to_png(block.data)
    return block.data


def normalise_zip(path) -> None:
    """Rewrite an Office file (a zip) with a fixed time on every entry, so that the same report
    gives the same bytes (python-docx and openpyxl stamp entries with the current time)."""
    import io
    import zipfile
    from pathlib import Path

    path = Path(path)
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    stamp = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")
    entries = [
        (name, stamp.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data) if name == "docProps/core.xml" else data)
        for name, data in entries
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
    path.write_bytes(buffer.getvalue())
