"""Compares the ClientHellos tlsdiag reported with those tshark found, by client endpoint.

Usage: compare.py NAME TLSDIAG.jsonl TSHARK.tsv
TSHARK.tsv: `tshark -Y 'tls.handshake.type==1' -T fields -e ip.src -e ipv6.src -e tcp.srcport`, one line
per packet carrying a ClientHello. A connection with a HelloRetryRequest has two ClientHellos
(tlsdiag: client_hello and second_client_hello). Exit status 1 when tshark found one tlsdiag missed.
"""
import collections
import ipaddress
import json
import sys


def endpoint(addr, port):
    return f"{ipaddress.ip_address(addr.strip('[]'))}:{int(port)}"


def main():
    name, jsonl, tsv = sys.argv[1:4]
    ours = collections.Counter()
    server_port = {}
    lines = 0
    for line in open(jsonl):
        lines += 1
        r = json.loads(line)
        addr, port = r["client"].rsplit(":", 1)
        ep = endpoint(addr, port)
        server_port[ep] = r["server"].rsplit(":", 1)[1]
        if r.get("client_hello") is not None:
            ours[ep] += 1
        if r.get("second_client_hello") is not None:
            ours[ep] += 1
    theirs = collections.Counter()
    for line in open(tsv):
        f = line.rstrip("\n").split("\t")
        if len(f) < 3 or not f[2]:
            continue
        addr = f[0] or f[1]
        # tshark lists every ClientHello in a packet; a packet rarely carries two.
        for a, p in zip(addr.split(","), f[2].split(",")):
            theirs[endpoint(a, p)] += 1
    missed = theirs - ours
    extra = ours - theirs
    print(f"{name}: {lines} connections reported; ClientHellos: tlsdiag {sum(ours.values())}, "
          f"tshark {sum(theirs.values())}; missed by tlsdiag {sum(missed.values())}, "
          f"found only by tlsdiag {sum(extra.values())}")
    for ep, n in list(missed.items())[:10]:
        print(f"  missed: {ep} x{n}")
    by_port = collections.Counter()
    for ep, n in extra.items():
        by_port[server_port.get(ep, "?")] += n
    if by_port:
        print("  found only by tlsdiag, by server port: " + ", ".join(f"{p}: {n}" for p, n in sorted(by_port.items())))
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
