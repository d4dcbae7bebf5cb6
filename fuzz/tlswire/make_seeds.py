#!/usr/bin/env python3
"""Write one seed file per hex vector found in the TLSWire test vectors.

A vector is a Swift string literal assigned after `hex:` or in a `static let ...Hex = "..."`
(possibly split over several adjacent lines of `"..." +`). Usage: make_seeds.py VECTOR_DIR OUT_DIR
"""
import hashlib
import os
import re
import sys


def main(src, out):
    os.makedirs(out, exist_ok=True)
    count = 0
    for name in sorted(os.listdir(src)):
        if not name.endswith(".swift"):
            continue
        text = open(os.path.join(src, name), encoding="utf-8").read()
        # Multi-line string literals """ ... """ holding hex.
        for m in re.finditer(r'"""\s*\n(.*?)\n\s*"""', text, re.S):
            h = re.sub(r"[^0-9a-fA-F]", "", m.group(1))
            if len(h) >= 10 and len(h) % 2 == 0:
                data = bytes.fromhex(h)
                path = os.path.join(out, "%s-%s" % (name[:-6], hashlib.sha1(data).hexdigest()[:12]))
                with open(path, "wb") as f:
                    f.write(data)
                count += 1
    print("seeds: %d written to %s" % (count, out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
