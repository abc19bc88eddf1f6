#!/usr/bin/env bash
# Install the Debian packages evalkit needs: a CJK font so chart labels in Chinese render.
# Idempotent; uses sudo when not root. Skips when the font is already there.
set -euo pipefail
if fc-list 2>/dev/null | grep -qi "WenQuanYi\|Noto Sans CJK\|Noto Serif CJK"; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq fonts-wqy-microhei fontconfig >/dev/null
fc-cache -f >/dev/null 2>&1 || true
