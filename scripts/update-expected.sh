#!/usr/bin/env bash
# Regenerates Captures/expected/*.jsonl: tlsdiag's JSON Lines report of every capture in Captures/
# (all connections). The tests compare tlsdiag's output with these files, and check them against the
# independent expectations in Captures/manifest.tsv. Run after an intended change of output, and
# review the diff before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c debug >/dev/null
for f in Captures/*.pcap Captures/*.pcapng Captures/*.pcap.gz; do
    name=$(basename "$f")
    .build/debug/tlsdiag analyze --all-connections --format jsonl "$f" > "Captures/expected/$name.jsonl" || true
done
echo "wrote $(ls Captures/expected | wc -l) expected reports"
