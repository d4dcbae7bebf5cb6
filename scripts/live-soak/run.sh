#!/bin/sh
# Long-run measurement of `tlsdiag live`: memory and CPU must stay flat over time.
#
# Runs `tlsdiag live -i lo` for MINUTES (default 10) while scripts/live-soak/loadgen.py makes about
# RATE (default 50) short TLS connections a second on 127.0.0.1 only (successes, no-shared-cipher
# failures, silent servers, refused ports, and a few connections held open and quiet for 90 s),
# samples tlsdiag's RSS (VmRSS) and CPU every 5 s, then stops it with SIGINT and prints the figures.
#
# Usage: scripts/live-soak/run.sh [MINUTES] [RATE]
# Env:   TLSDIAG  the binary (default: .build/release/tlsdiag if built, else .build/debug/tlsdiag)
#        OUT      folder for samples and logs (default: a new /tmp/live-soak.XXXXXX)
#        LIVE_ARGS  extra options for tlsdiag live (e.g. "--buffer-size 67108864")
# Needs: root or CAP_NET_RAW (capture on lo), python3, openssl.
set -eu
cd "$(dirname "$0")/../.."
MINUTES=${1:-10}
RATE=${2:-50}
if [ -z "${TLSDIAG:-}" ]; then
  if [ -x .build/release/tlsdiag ]; then TLSDIAG=.build/release/tlsdiag; else TLSDIAG=.build/debug/tlsdiag; fi
fi
[ -x "$TLSDIAG" ] || { echo "Error: $TLSDIAG is not built (swift build)" >&2; exit 1; }
OUT=${OUT:-$(mktemp -d /tmp/live-soak.XXXXXX)}
mkdir -p "$OUT"
SECONDS_TOTAL=$((MINUTES * 60))
MAX=$((SECONDS_TOTAL * RATE * 2))
TICK=$(getconf CLK_TCK)

python3 scripts/live-soak/loadgen.py --duration "$SECONDS_TOTAL" --rate "$RATE" --max "$MAX" \
  --workdir "$OUT" --ports-file "$OUT/ports" --start-file "$OUT/go" >"$OUT/loadgen.json" 2>"$OUT/loadgen.log" &
LG=$!
i=0; while [ ! -s "$OUT/ports" ]; do sleep 0.1; i=$((i + 1)); [ $i -lt 300 ] || { echo "Error: loadgen did not start" >&2; kill $LG; exit 1; }; done
set -- $(cat "$OUT/ports")
FILTER="tcp and (port $1 or port $2 or port $3 or port $4)"

"$TLSDIAG" live -i lo ${LIVE_ARGS:-} $FILTER >"$OUT/reports.txt" 2>"$OUT/tlsdiag.err" &
TD=$!
i=0; while ! grep -q "listening on" "$OUT/tlsdiag.err" 2>/dev/null; do
  sleep 0.1; i=$((i + 1))
  [ $i -lt 300 ] && kill -0 $TD 2>/dev/null || { cat "$OUT/tlsdiag.err" >&2; kill $LG 2>/dev/null; exit 1; }
done

START=$(date +%s)
rss() { awk '/^VmRSS/ {print $2}' /proc/$TD/status; }
ticks() { awk '{print $14 + $15}' /proc/$TD/stat; }
printf 'seconds\trss_kb\tcpu_ticks\tcpu_percent\n' >"$OUT/samples.tsv"
LAST_T=$(ticks); LAST_S=0
printf '0\t%s\t%s\t0\n' "$(rss)" "$LAST_T" >>"$OUT/samples.tsv"
touch "$OUT/go"
sample() {
  NOW=$(($(date +%s) - START)); T=$(ticks)
  PCT=$(awk -v a="$LAST_T" -v b="$T" -v s="$LAST_S" -v n="$NOW" -v hz="$TICK" 'BEGIN { d = n - s; if (d <= 0) d = 1; printf "%.1f", 100 * (b - a) / hz / d }')
  printf '%s\t%s\t%s\t%s\n' "$NOW" "$(rss)" "$T" "$PCT" >>"$OUT/samples.tsv"
  LAST_T=$T; LAST_S=$NOW
}
while kill -0 $LG 2>/dev/null; do sleep 5; sample; done
# The last connections close, linger and leave the table; held ones go quiet.
for k in 1 2 3; do sleep 5; sample; done
kill -INT $TD
wait $TD || true

awk -F'\t' -v out="$OUT" '
  NR == 2 { start = $2 }
  NR > 1 { last = $2; if ($2 > max) max = $2; if ($1 >= 60 && one == "") one = $2; if ($1 >= 300 && five == "") five = $2
           if (NR > 2) { cpu += $4; n++ } }
  END { printf "RSS: start %d kB, after 1 min %s kB, after 5 min %s kB, end %d kB, max %d kB; CPU mean %.1f %% of one core (%d samples)\n",
        start, one == "" ? "-" : one, five == "" ? "-" : five, last, max, n ? cpu / n : 0, NR - 1 }' "$OUT/samples.tsv" >"$OUT/summary.txt"
{
  echo "tlsdiag: $("$TLSDIAG" --version) ($TLSDIAG ${LIVE_ARGS:-}), ${MINUTES} min at about ${RATE} connections/s, filter: $FILTER"
  echo "loadgen: $(cat "$OUT/loadgen.json")"
  grep -E '^(tlsdiag|libpcap|warning):' "$OUT/tlsdiag.err" | grep -v 'listening on'
  echo "report lines: $(grep -c '^✓' "$OUT/reports.txt" || true) successes, $(grep -c '^✗' "$OUT/reports.txt" || true) failures, $(grep -c '^?' "$OUT/reports.txt" || true) incomplete/not TLS"
} >>"$OUT/summary.txt"
cat "$OUT/summary.txt"
echo "samples: $OUT/samples.tsv"
