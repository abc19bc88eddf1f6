"""The report page as a bureau hands it out: self-contained, offline, printable.

nbconvert's lab template loads require.js, MathJax and mermaid from a CDN; on an intranet without
internet they fail silently (and a report needs none of them: its tables are HTML, its charts
inline images). :func:`make_offline` removes every script and every external stylesheet, font or
image, sets the page language (``zh-CN`` / ``en``) and adds the print stylesheet used for the PDF
(A4, tables that fit the page, header rows repeated on each page, page numbers, no heading left
alone at the foot of a page). :func:`external_references` lists what would still load from the
network (a test and the PDF step assert it is empty).
"""

from __future__ import annotations

import re

#: ``lang`` attribute of the page by report language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}

#: Print stylesheet (Chromium's print to PDF honours @page margin boxes since version 131).
PRINT_CSS = """
<style id="ek-print">
@page { size: A4; margin: 15mm 12mm 16mm 12mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #555; } }
.ek-table th { word-break: keep-all; overflow-wrap: normal; }
.ek-table td.ek-text { min-width: 5em; }
.ek-table td.ek-text:first-child { min-width: 10em; }
.ek-summary { font-size: 15px; line-height: 1.7; margin: 0.2em 0; }
@media print {
  html, body { background: #fff; }
  body { font-size: 10.5pt; }
  .jp-Notebook, .jp-Cell, .jp-OutputArea, .jp-OutputArea-output, .jp-RenderedHTMLCommon {
    overflow: visible !important; padding: 0 !important; margin-left: 0 !important; max-width: 100% !important; }
  .jp-OutputArea-child { break-inside: auto; }
  .jp-OutputPrompt, .jp-InputPrompt { display: none !important; }
  table.ek-table { width: 100%; max-width: 100%; font-size: 8.5pt; break-inside: auto; }
  .ek-table thead { display: table-header-group; }
  .ek-table tr { break-inside: avoid; }
  .ek-table td { white-space: normal; }
  .ek-table td.ek-text { max-width: none; }
  h1, h2, h3, h4 { break-after: avoid-page; break-inside: avoid; }
  img { max-width: 100% !important; height: auto; break-inside: avoid; }
  .ek-notice, .ek-note, .ek-missing { break-inside: avoid; }
}
</style>
"""

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.S | re.I)
_MATHJAX_COMMENT = re.compile(r"<!--\s*(Load mathjax|MathJax configuration)\s*-->\s*", re.I)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*href=[\"']https?://[^>]*>\s*", re.I)
_HTML_TAG = re.compile(r"<html\b[^>]*>", re.I)
_REFERENCE = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(https?:)?//[^"'\s>]*""", re.I)
_CSS_URL = re.compile(r"""(?:url\(\s*["']?\s*(?:https?:)?//[^)]*\)|@import\s+["']?(?:https?:)?//[^;]*;)""", re.I)


def make_offline(page: str, lang: str = "zh") -> str:
    """``page`` (nbconvert's HTML) without scripts or external resources, with ``<html lang>``
    set for ``lang`` and the print stylesheet added at the end of ``<head>``."""
    page = _SCRIPT.sub("", page)
    page = _MATHJAX_COMMENT.sub("", page)
    page = _EXTERNAL_LINK.sub("", page)
    page = _CSS_URL.sub("", page)
    page = _HTML_TAG.sub(f'<html lang="{HTML_LANG[lang]}">', page, count=1)
    return page.replace("</head>", PRINT_CSS + "</head>", 1)


def external_references(page: str) -> list[str]:
    """Every ``src``/``href`` to an http(s) or protocol-relative address, every CSS ``url()`` or
    ``@import`` of one, and every script element: what a browser would fetch or run."""
    found = [m.group(0) for m in _REFERENCE.finditer(page)]
    found += [m.group(0) for m in _CSS_URL.finditer(page)]
    found += [m.group(0)[:80] for m in _SCRIPT.finditer(page)]
    return found
