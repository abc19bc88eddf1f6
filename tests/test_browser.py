"""Checked in a real browser (headless Debian Chromium, offline): index.html and one report per
language render to PNG and PDF, with a CJK font embedded, no table wider than the A4 text width,
and nothing loaded from the network. Skipped only when Chromium is not installed
(scripts/system-deps.sh installs it)."""

import json
import re
import subprocess

import pytest

from evalkit.core.panel import save_panel
from evalkit.demo import generate_panel
from evalkit.reporting import batch
from evalkit.reporting.export_pdf import chromium_binary, html_to_pdf, run_chromium
from evalkit.reporting.offline_html import external_references

pytestmark = pytest.mark.skipif(
    chromium_binary() is None, reason="Chromium not installed (scripts/system-deps.sh installs Debian chromium)"
)
#: A4 width less the print margins (210 − 2 × 12 mm) in CSS pixels (96 per inch); the index prints
#: in landscape (297 − 2 × 12 mm).
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
    for lang in ("zh", "en"):
        outcomes = batch.run_batch(
            2025, regions="shangyou", data=str(folder), lang=lang, out=str(out), progress=False, formats="html,pdf"
        )
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    return out / "2025"


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
