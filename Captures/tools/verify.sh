#!/usr/bin/env bash
# Check every capture against tools/checks.tsv with tshark: each line gives a
# display filter and how many packets must match.  Prints one line a check and
# a summary; exits 1 if any check fails.
#     bash Captures/tools/verify.sh [DIR]     (DIR: where the captures are; default Captures/)
CHECKS=$(cd "$(dirname "$0")" && pwd)/checks.tsv
cd "${1:-$(dirname "$0")/..}" || exit 1
pass=0 fail=0
while IFS=$'\t' read -r file decode filter expect what; do
    case "$file" in ''|'#'*) continue ;; esac
    args=(-r "$file" -n -Y "$filter")
    [ "$decode" != "-" ] && args+=(-d "$decode")
    if [ ! -f "$file" ]; then n=missing; else n=$(tshark "${args[@]}" 2>/dev/null | wc -l); fi
    ok=0
    case "$expect" in
        '>='*) [ "$n" != missing ] && [ "$n" -ge "${expect#>=}" ] && ok=1 ;;
        '='*)  [ "$n" != missing ] && [ "$n" -eq "${expect#=}" ] && ok=1 ;;
    esac
    if [ $ok = 1 ]; then pass=$((pass + 1)); r=ok; else fail=$((fail + 1)); r=FAIL; fi
    printf '%-4s %-46s %-5s got %-4s %s\n' "$r" "$file" "$expect" "$n" "$what"
done <"$CHECKS"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
