#!/usr/bin/env bash
# same-output.sh OLD NEW: checks that two tlsdiag builds write the same jsonl and text reports (and exit status) on Captures/ and the shared corpus.
old=$1 new=$2; n=0; d=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for f in Captures/*.pcap* $(find /work/shared/corpus -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.gz' \)); do
  for fmt in jsonl text; do
    $old analyze --all-connections --format $fmt --color never "$f" > "$tmp/a" 2>&1; a=$?
    $new analyze --all-connections --format $fmt --color never "$f" > "$tmp/b" 2>&1; b=$?
    n=$((n+1))
    if ! cmp -s "$tmp/a" "$tmp/b" || [[ $a != $b ]]; then echo "DIFF $fmt $f"; d=$((d+1)); fi
  done
done
echo "$n comparisons, $d differ"
