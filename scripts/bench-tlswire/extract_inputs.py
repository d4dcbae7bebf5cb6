#!/usr/bin/env python3
"""Write the first TLS record of two client stream vectors to OUT_DIR (bench inputs).
Usage: extract_inputs.py CorpusStreams.swift OUT_DIR"""
import re, sys, os

def main(src, out):
    text = open(src, encoding="utf-8").read()
    want = {"chromeKyberClient": "chrome-kyber.record", "opensslTLS12Client": "openssl-tls12.record"}
    for name, fname in want.items():
        m = re.search(r"static let %s = StreamVector\(.*?hex: \"\"\"\n(.*?)\n\s*\"\"\"" % name, text, re.S)
        if not m:
            sys.exit("vector %s not found" % name)
        data = bytes.fromhex(re.sub(r"\s", "", m.group(1)))
        length = data[3] << 8 | data[4]
        with open(os.path.join(out, fname), "wb") as f:
            f.write(data[: 5 + length])

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
