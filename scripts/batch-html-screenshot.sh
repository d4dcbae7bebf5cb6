#!/usr/bin/env bash
# Renders a `tlsdiag batch --html` page with headless Chromium and saves a PNG, to look at the page as
# a person would (charts, tables, escaping). Not used by the tests.
#
#   scripts/batch-html-screenshot.sh [report.html] [out.png] [width,height]
#
# With no report given, builds tlsdiag and writes one over Captures/ and ../shared/corpus first.
# Needs Debian's chromium (apt-get install -y chromium).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
html="${1:-}"
png="${2:-/tmp/tlsdiag-batch.png}"
size="${3:-1400,2000}"
if [[ -z "$html" ]]; then
    html=/tmp/tlsdiag-batch.html
    (cd "$root" && swift build >/dev/null)
    inputs=("$root/Captures")
    [[ -d "$root/../shared/corpus" ]] && inputs+=("$root/../shared/corpus")
    "$root/.build/debug/tlsdiag" batch --progress never --html "$html" "${inputs[@]}" >/dev/null 2>&1 || true
fi
command -v chromium >/dev/null || { echo "chromium is not installed: apt-get install -y chromium" >&2; exit 1; }
html="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
# --no-sandbox: we run as root in a container; --disable-gpu: no display.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$png" \
    --window-size="$size" "file://$html" 2>/dev/null
echo "$png"
