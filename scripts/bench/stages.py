"""Inclusive instruction counts of tlsdiag's pipeline stages from a callgrind profile.

Usage: stages.py CALLGRIND.out CONNECTIONS
Reads `callgrind_annotate --inclusive=yes` (demangled with swift-demangle) and prints, for each
stage, the largest inclusive count of the function that enters it (it can appear under several
symbols: specialized, thunks), and per connection. Stages nest: the flow table includes the
handshake observer; the read loop and decoding exclude libpcap, the flow table and the expiry of
connections; connections ending include the reports of successes; the diagnosis and JSON
lines are those of every report (successes as connections end, failures at the end).
"""
import re
import subprocess
import sys

HELPERS = [
    ("read loop", r"^PacketPipeline\.readAll\(_:\)$"),
    ("expiry", r"^FlowCore\.expire\(now:\)$"),
    # Since the seventh round the read loop is libpcap's (`pcap_dispatch`), calling back for each
    # packet: libpcap's part is then pcap_dispatch less the callback.
    ("dispatch", r"^pcap_dispatch$"),
    # (Since the eighth round the callback is the function `readAllCallback`, no longer a closure;
    # since the ninth, one a framing: `readEthernetCallback` and so on.)
    ("callback", r"^@objc (closure #1 in closure #1 in PacketPipeline\.readAll\(_:\)|read[A-Za-z0-9]*Callback\(_:_:_:\))$"),
]

STAGES = [
    # libpcap's part of reading (CaptureReader.next is inlined into the read loop, whose own
    # instructions are not a stage here).
    ("capture reading (libpcap)", r"^pcap_next_ex$"),
    # Decoding is inlined into the read loop since the sixth round: this row is computed (below)
    # as the read loop's inclusive count less libpcap, the flow table and the expiry of connections
    # (since the seventh round: libpcap's pcap_dispatch callback less the flow table and expiry).
    ("read loop and packet decoding", None),
    ("flow table, observer included", r"^FlowCore\.process\(_:payload:stamp:\)$"),
    ("  of which: handshake observer", r"^HandshakeObserver\.streamAdvanced\(_:stream:newBytes:packet:facts(At)?:\)$"),
    ("connections ending, reports included", r"^FlowCore\.finish\(_:_:\)$"),
    ("failures reported at the end", r"^ReportSession\.finish\(notes:\)$"),
    ("all reports: diagnosis", r"^static Diagnoser\.diagnose\(_:_:context(At)?:(reusing:)?\)$"),
    # (Since the eighth round a completed handshake's line has an entry of its own, `completed:`;
    # the row is the sum of the entries, which do not call one another.)
    ("all reports: JSON lines", r"^static JSONLReport\.(write\(_:into:\)|writeLine\(capture:facts:handshake:(diagnosis|completed):to:\))$"),
    ("program start (dynamic linking)", r"^_dl_start$"),
]

# Stages entered by several functions none of which calls another: the row is their sum.
SUMMED = ["all reports: JSON lines"]


def main():
    path, conns = sys.argv[1], int(sys.argv[2])
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path], capture_output=True, text=True).stdout
    dem = subprocess.run(["swift-demangle", "--simplified"], input=ann, capture_output=True, text=True).stdout
    total = 0
    best = {}
    entries = {}  # stage -> function -> largest inclusive count
    for line in dem.splitlines():
        m = re.match(r"^\s*([0-9,]+) \(\s*[0-9.]+%\)\s+(.*)$", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        rest = re.sub(r" \[[^]]*\]$", "", m.group(2))
        if rest.startswith("PROGRAM TOTALS"):
            total = n
            continue
        fn = rest.split(":", 1)[1] if ":" in rest.split(" ", 1)[0] else rest
        fn = re.sub(r"^specialized ", "", fn.strip())
        for name, pat in STAGES + HELPERS:
            if pat and re.match(pat, fn):
                best[name] = max(best.get(name, 0), n)
                entries.setdefault(name, {})
                entries[name][fn] = max(entries[name].get(fn, 0), n)
    for name in SUMMED:
        if name in entries:
            best[name] = sum(entries[name].values())
    if "dispatch" in best and "capture reading (libpcap)" not in best:
        best["capture reading (libpcap)"] = max(0, best["dispatch"] - best.get("callback", 0))
        # (The read loop's own work is the callback's, decoding included.)
        best["read loop"] = best.get("callback", 0) + best["capture reading (libpcap)"]
    best["read loop and packet decoding"] = max(0, best.get("read loop", 0) - best.get("capture reading (libpcap)", 0)
                                                - best.get("flow table, observer included", 0) - best.get("expiry", 0))
    print(f"{'stage':36} {'instructions':>14} {'per conn':>10} {'share':>6}")
    for name, _ in STAGES:
        n = best.get(name, 0)
        print(f"{name:36} {n:>14,} {n // max(conns, 1):>10,} {100 * n / max(total, 1):>5.1f}%")
    print(f"{'total':36} {total:>14,} {total // max(conns, 1):>10,}")


if __name__ == "__main__":
    main()
