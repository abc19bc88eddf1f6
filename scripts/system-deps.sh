#!/usr/bin/env bash
# Install the Debian packages evalkit needs: a CJK font so that chart labels and reports in
# Chinese render, and headless Chromium, which prints the reports to PDF and renders them in the
# browser tests, and poppler-utils (pdffonts, pdftoppm), with which the tests check the PDF's fonts
# and render its pages. Idempotent; uses sudo when not root. Skips when all are already there.
set -euo pipefail
have_font() { fc-list 2>/dev/null | grep -qi "WenQuanYi\|Noto Sans CJK\|Noto Serif CJK"; }
have_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
have_poppler() { command -v pdffonts >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; }
if have_font && have_chromium && have_poppler; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq fonts-wqy-microhei fontconfig chromium poppler-utils >/dev/null
fc-cache -f >/dev/null 2>&1 || true
