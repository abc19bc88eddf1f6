"""PDF of a report: the offline HTML printed by headless Chromium (Debian package ``chromium``).

Why Chromium: the report page is already laid out for a browser (tables, inline SVG charts, CJK
text with the system font); Chromium prints it exactly as it shows on screen, honours the print
stylesheet of :mod:`evalkit.reporting.offline_html` (A4, ``@page`` margin boxes with page
numbers, repeated table header rows, ``break-after: avoid`` for headings) and installs from
Debian with one ``apt-get install chromium`` (``scripts/system-deps.sh``); it is also the browser
the rendering tests use. About 1–2 s a report on 2 cores.

Chromium runs with networking disabled (every host resolves to nothing, a dead proxy), a fresh
profile in a temporary folder, and no header or footer of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from evalkit.core.config import ENV_CHROMIUM, env
from evalkit.core.errors import EvalkitError

#: Names the Chromium binary has on Debian, Ubuntu and elsewhere; ``EVALKIT_CHROMIUM`` overrides.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Flags that keep headless Chromium off the network and quiet.
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--hide-scrollbars",
)
TIMEOUT_SECONDS = 180


def chromium_binary() -> str | None:
    """Path of the Chromium binary (``EVALKIT_CHROMIUM``, else the first of :data:`CHROMIUM_NAMES`
    on ``PATH``), or ``None``."""
    override = env(ENV_CHROMIUM)
    if override:
        return override if shutil.which(override) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(args: list[str], timeout: float = TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
    """Run headless Chromium offline with a throw-away profile and ``args`` (raises
    :class:`EvalkitError` when Chromium is missing or fails)."""
    binary = chromium_binary()
    if binary is None:
        raise EvalkitError(
            "找不到 Chromium, 无法生成 PDF (请运行 scripts/system-deps.sh 或 apt-get install chromium) / "
            "Chromium not found: PDF needs it (run scripts/system-deps.sh or apt-get install chromium)"
        )
    with tempfile.TemporaryDirectory(prefix="evalkit-chromium-") as profile:
        command = [binary, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        tail = " ".join(done.stderr.split()[-40:])
        raise EvalkitError(f"Chromium 运行失败 / Chromium failed (exit {done.returncode}): {tail}")
    return done


def html_to_pdf(html_path: str | Path, pdf_path: str | Path) -> Path:
    """Print ``html_path`` (an offline page) to ``pdf_path`` (A4 from the page's ``@page`` rule)."""
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
    run_chromium(["--no-pdf-header-footer", "--virtual-time-budget=10000", f"--print-to-pdf={tmp}", html_path.as_uri()])
    if not tmp.exists() or tmp.stat().st_size == 0:
        raise EvalkitError(f"Chromium 没有写出 PDF / Chromium wrote no PDF for {html_path.name}")
    os.replace(tmp, pdf_path)
    return pdf_path
