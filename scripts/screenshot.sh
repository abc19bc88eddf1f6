#!/usr/bin/env bash
# Open reports/<year>/index.html and one report in headless Debian Chromium and save screenshots
# (reports/<year>/screenshots/*.png), to check that the pages render with charts and Chinese text.
# Usage: scripts/screenshot.sh [YEAR] [REGION]    (defaults: 2025, the first report of the index)
# Installs chromium with apt-get when missing (root or sudo).
set -euo pipefail
YEAR="${1:-2025}"
DIR="$(cd "$(dirname "$0")/.." && pwd)/reports/${YEAR}"
if [ ! -f "${DIR}/index.html" ]; then
  echo "no ${DIR}/index.html: run 'make reports' (or evalkit batch --year ${YEAR}) first" >&2
  exit 2
fi
REGION="${2:-$(grep -o 'href="[a-z0-9-]*\.html"' "${DIR}/index.html" | head -1 | sed 's/href="\(.*\)\.html"/\1/')}"
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium >/dev/null
fi
OUT="${DIR}/screenshots"
mkdir -p "${OUT}"
shoot() {  # $1 page, $2 png, $3 height
  local profile
  profile="$(mktemp -d)"
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="${profile}" --hide-scrollbars --virtual-time-budget=5000 \
    --screenshot="$2" --window-size=1280,"$3" "file://$1" 2>/dev/null
  rm -rf "${profile}"
  test -s "$2"
  echo "screenshot: $2"
}
shoot "${DIR}/index.html" "${OUT}/index.png" 1400
shoot "${DIR}/${REGION}.html" "${OUT}/${REGION}.png" 16000
