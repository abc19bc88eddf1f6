"""Checked in a real browser (headless Debian Chromium, offline): index.html and one report per
language render to PNG and PDF, with a CJK font embedded, no table wider than the A4 text width,
and nothing loaded from the network. Skipped only when Chromium is not installed
(scripts/system-deps.sh installs it)."""

import json
import re
import subprocess

import pytest

from evalkit.core.panel import save_panel
from evalkit.core.registry import regions
from evalkit.demo import generate_panel
from evalkit.reporting import batch
from evalkit.reporting.export_pdf import chromium_binary, html_to_pdf, run_chromium
from evalkit.reporting.offline_html import external_references

pytestmark = pytest.mark.skipif(
    chromium_binary() is None, reason="Chromium not installed (scripts/system-deps.sh installs Debian chromium)"
)
#: A4 width less the print margins (210 − 2 × 12 mm) in CSS pixels (96 per inch); the index prints
#: in landscape (297 − 2 × 12 mm).
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
LETTER = re.compile(r"[A-Za-z\u3400-\u9fff\uf900-\ufaff]")
TEXT_WIDTH_PX = round((210 - 24) / 25.4 * 96)
INDEX_WIDTH_PX = round((297 - 24) / 25.4 * 96)
MEASURE = """
<script>
window.addEventListener("load", () => {
  const wide = [...document.querySelectorAll("table")]
    .map((t) => Math.ceil(t.getBoundingClientRect().right))
    .filter((right) => right > window.innerWidth + 1);
  document.title = "EKMEASURE" + JSON.stringify({wide: wide, width: window.innerWidth});
});
</script>
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel")
    save_panel(generate_panel(households=3000), folder)
    out = tmp_path_factory.mktemp("reports")
    for lang, formats in (("zh", "html,pdf"), ("en", "html,pdf,docx")):
        outcomes = batch.run_batch(
            2025, regions="shangyou", data=str(folder), lang=lang, out=str(out), progress=False, formats=formats
        )
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    return out / "2025"


def visible_text(page) -> str:
    """The text a reader sees in an HTML page (no script or style)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return soup.get_text("\n")


def docx_text(path) -> str:
    """The text of a Word file: paragraphs and table cells."""
    import docx

    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _layout(page, tmp_path, width):
    """Lay ``page`` out at the A4 text width with its print rules applied; the right edges of tables
    that overflow it."""
    text = page.read_text(encoding="utf-8").replace("@media print", "@media all")
    probe = tmp_path / f"{page.stem}.probe.html"
    probe.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    done = run_chromium([f"--window-size={width},1200", "--dump-dom", probe.as_uri()])
    found = re.search(r"EKMEASURE(\{.*?\})</title>", done.stdout)
    assert found, "the probe did not run"
    return json.loads(found.group(1).replace("&quot;", '"'))


@pytest.mark.parametrize("name", ["index.html", "shangyou.html", "index.en.html", "shangyou.en.html"])
def test_page_renders_offline_fits_a4_and_embeds_a_cjk_font(rendered, tmp_path, name):
    page = rendered / name
    text = page.read_text(encoding="utf-8")
    assert external_references(text) == []  # nothing to fetch: no script, font or stylesheet from the network
    lang = "en" if ".en." in name else "zh-CN"
    assert f'<html lang="{lang}">' in text
    png = tmp_path / f"{name}.png"
    run_chromium(["--window-size=1280,2000", f"--screenshot={png}", page.as_uri()])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    pdf = html_to_pdf(page, tmp_path / f"{name}.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=False).stdout
    if fonts:  # poppler-utils present: the Chinese text is drawn with an embedded CJK font, not boxes
        assert re.search(r"WenQuanYi|Noto\w*CJK|Droid", fonts), fonts
    width = INDEX_WIDTH_PX if name.startswith("index") else TEXT_WIDTH_PX
    layout = _layout(page, tmp_path, width)
    assert layout["width"] <= width + 20
    assert layout["wide"] == [], f"{name}: tables wider than the A4 text width: {layout}"


def test_english_report_is_english_outside_township_and_village_names(rendered):
    """At most 1% of the letters of the English report (HTML and Word) are Chinese characters, not
    counting township and village names (the registry has English names for regions, household
    types come from data/household_types.csv, terms from the English columns of data/)."""
    townships = set(regions().query("level == 'township'")["name_zh"])
    for text in (visible_text(rendered / "shangyou.en.html"), docx_text(rendered / "shangyou.en.docx")):
        runs = [run for run in CJK.findall(text) if run not in townships and not run.endswith("村")]
        letters = len(LETTER.findall(text))
        assert letters > 10_000
        assert sum(map(len, runs)) <= 0.01 * letters, sorted(set(runs))
