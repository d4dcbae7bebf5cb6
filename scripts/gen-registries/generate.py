#!/usr/bin/env python3
"""Generate TLSWire's name tables from IANA's TLS registries (CSV).

Usage: generate.py [REGISTRY_DIR] [--out DIR] [--check]

REGISTRY_DIR defaults to ../shared/registry relative to the repository root and must hold
  tls-parameters-4.csv      TLS Cipher Suites
  tls-parameters-8.csv      TLS Supported Groups
  tls-signaturescheme.csv   TLS SignatureScheme
The output (default Sources/TLSWire/Generated) gets one Swift file per registry: a `switch`
over the code point (no dictionary, nothing built at start-up). Rows that are ranges
("0x00,0x1C-1D", "42-255", "0x0000-0x0200"), "Unassigned", "Reserved..." and private-use
rows are skipped. For cipher suites the script also derives, from the IANA name, the key
exchange, authentication, bulk cipher, mode, key size and MAC, so the Swift side needs no
string parsing at run time. --check regenerates in memory and fails if the files differ.

Python 3 standard library only.
"""
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    out = []
    for r in rows[1:]:
        if not r:
            continue
        out.append({header[i]: (r[i].strip() if i < len(r) else "") for i in range(len(header))})
    return out


def skip_description(desc):
    d = " ".join(desc.split())
    return (not d) or d.startswith("Unassigned") or d.startswith("Reserved") or d.startswith("Private")


def swift_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def recommended(v):
    v = (v or "").strip().upper()
    return {"Y": ".yes", "N": ".no", "D": ".discouraged"}.get(v, ".unspecified")


# --- Cipher suites -------------------------------------------------------------------------

KX = {
    "NULL": ("null", "null"),
    "RSA": ("rsa", "rsa"),
    "DH_DSS": ("dhDSS", "dss"),
    "DH_RSA": ("dhRSA", "rsa"),
    "DHE_DSS": ("dheDSS", "dss"),
    "DHE_RSA": ("dheRSA", "rsa"),
    "DH_anon": ("dhAnon", "anon"),
    "ECDH_ECDSA": ("ecdhECDSA", "ecdsa"),
    "ECDH_RSA": ("ecdhRSA", "rsa"),
    "ECDHE_ECDSA": ("ecdheECDSA", "ecdsa"),
    "ECDHE_RSA": ("ecdheRSA", "rsa"),
    "ECDH_anon": ("ecdhAnon", "anon"),
    "PSK": ("psk", "psk"),
    "DHE_PSK": ("dhePSK", "psk"),
    "PSK_DHE": ("dhePSK", "psk"),  # RFC 6655 spells DHE_PSK this way for the CCM suites
    "ECDHE_PSK": ("ecdhePSK", "psk"),
    "RSA_PSK": ("rsaPSK", "rsa"),
    "KRB5": ("krb5", "krb5"),
    "SRP_SHA": ("srp", "srp"),
    "SRP_SHA_RSA": ("srpRSA", "rsa"),
    "SRP_SHA_DSS": ("srpDSS", "dss"),
    "ECCPWD": ("eccpwd", "password"),
    "GOSTR341112_256": ("gost", "gost"),
}

MACS = {"MD5": "md5", "SHA": "sha1", "SHA256": "sha256", "SHA384": "sha384", "SM3": "sm3",
        "IMIT": "gostIMIT", "OMAC": "gostOMAC", "NULL": "null"}


def parse_cipher(tokens):
    """tokens: the part after _WITH_ (or after TLS_ for TLS 1.3), split on '_'.
    Returns (cipher, mode, keyBits, mac)."""
    t = list(tokens)
    # MAC / PRF hash at the end.
    mac = None
    if t and t[-1] in MACS and not (len(t) == 1 and t[0] == "NULL"):
        mac = MACS[t.pop()]
    s = "_".join(t)
    table = [
        (r"^NULL$", ("null", "none", 0)),
        (r"^RC4_(\d+)$", ("rc4", "stream", None)),
        (r"^RC2_CBC_(\d+)$", ("rc2", "cbc", None)),
        (r"^DES40_CBC$", ("des", "cbc", 40)),
        (r"^DES_CBC_40$", ("des", "cbc", 40)),
        (r"^DES_CBC$", ("des", "cbc", 56)),
        (r"^3DES_EDE_CBC$", ("tripleDES", "cbc", 168)),
        (r"^IDEA_CBC$", ("idea", "cbc", 128)),
        (r"^SEED_CBC$", ("seed", "cbc", 128)),
        (r"^AES_(\d+)_CBC$", ("aes", "cbc", None)),
        (r"^AES_(\d+)_GCM$", ("aes", "gcm", None)),
        (r"^AES_(\d+)_CCM$", ("aes", "ccm", None)),
        (r"^AES_(\d+)_CCM_8$", ("aes", "ccm8", None)),
        (r"^CAMELLIA_(\d+)_CBC$", ("camellia", "cbc", None)),
        (r"^CAMELLIA_(\d+)_GCM$", ("camellia", "gcm", None)),
        (r"^ARIA_(\d+)_CBC$", ("aria", "cbc", None)),
        (r"^ARIA_(\d+)_GCM$", ("aria", "gcm", None)),
        (r"^CHACHA20_POLY1305$", ("chacha20", "poly1305", 256)),
        (r"^SM4_GCM$", ("sm4", "gcm", 128)),
        (r"^SM4_CCM$", ("sm4", "ccm", 128)),
        (r"^AEGIS_256$", ("aegis", "aegis", 256)),
        (r"^AEGIS_128L$", ("aegis", "aegis", 128)),
        (r"^28147_CNT$", ("gost28147", "ctr", 256)),
        (r"^KUZNYECHIK_CTR$", ("kuznyechik", "ctr", 256)),
        (r"^MAGMA_CTR$", ("magma", "ctr", 256)),
        (r"^KUZNYECHIK_MGM_[LS]$", ("kuznyechik", "mgm", 256)),
        (r"^MAGMA_MGM_[LS]$", ("magma", "mgm", 256)),
        (r"^SHA(256|384)$", ("null", "none", 0)),  # integrity-only TLS 1.3 suites (RFC 9150)
    ]
    for pat, (cipher, mode, bits) in table:
        m = re.match(pat, s)
        if m:
            if bits is None:
                bits = int(m.group(1))
            if mode in ("gcm", "ccm", "ccm8", "poly1305", "aegis", "mgm"):
                mac = "aead"
            if mac is None:
                mac = "null" if cipher == "null" else "aead"
            return cipher, mode, bits, mac
    raise ValueError("cannot parse cipher part: " + "_".join(tokens))


def classify_suite(name):
    """Returns dict(kx, auth, cipher, mode, bits, mac, export) from an IANA (or legacy) name."""
    if name.endswith("_SCSV"):
        return dict(kx="scsv", auth="none", cipher="null", mode="none", bits=0, mac="null", export=False)
    body = re.sub(r"^(TLS|SSL)_", "", name)
    body = re.sub(r"_OLD$", "", body)
    if "_WITH_" not in body:
        cipher, mode, bits, mac = parse_cipher(body.split("_"))
        return dict(kx="tls13", auth="tls13", cipher=cipher, mode=mode, bits=bits, mac=mac, export=False)
    kxpart, cpart = body.split("_WITH_", 1)
    export = False
    if kxpart.endswith("_EXPORT"):
        export = True
        kxpart = kxpart[: -len("_EXPORT")]
    if kxpart == "RSA_FIPS":
        kxpart = "RSA"
    kx, auth = KX[kxpart]
    cipher, mode, bits, mac = parse_cipher(cpart.split("_"))
    if kx == "gost" and mode == "mgm":
        # RFC 9367: the MGM GOST suites are TLS 1.3 suites.
        kx, auth = "tls13", "tls13"
    if export and bits > 56:
        bits = 40 if cipher in ("rc4", "rc2", "des") else bits
    return dict(kx=kx, auth=auth, cipher=cipher, mode=mode, bits=bits, mac=mac, export=export)


# Code points seen in the wild that IANA never assigned (or reserved "to avoid conflicts").
EXTRA_SUITES = [
    (0xCC13, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD"),
    (0xCC14, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD"),
    (0xCC15, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD"),
    (0xFEFE, "SSL_RSA_FIPS_WITH_DES_CBC_SHA"),
    (0xFEFF, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA"),
    (0xFFE0, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA"),
    (0xFFE1, "SSL_RSA_FIPS_WITH_DES_CBC_SHA"),
]


def gen_cipher_suites(rows):
    entries = {}
    for r in rows:
        val, desc = r["Value"], " ".join(r["Description"].split())
        if skip_description(desc):
            continue
        m = re.fullmatch(r"0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})", val.replace(" ", ""))
        if not m:
            continue  # a range row
        code = int(m.group(1), 16) << 8 | int(m.group(2), 16)
        entries[code] = (desc, True, recommended(r.get("Recommended")))
    for code, name in EXTRA_SUITES:
        if code not in entries:
            entries[code] = (name, False, ".unspecified")
    lines = [HEADER.format(src="tls-parameters-4.csv (TLS Cipher Suites)"),
             "extension CipherSuite {",
             "    /// Registry facts for a code point, or nil when the code point is unknown.",
             "    @usableFromInline",
             "    static func _lookup(_ value: UInt16) -> Info? {",
             "        switch value {"]
    for code in sorted(entries):
        name, iana, rec = entries[code]
        c = classify_suite(name)
        lines.append(
            "        case 0x%04X: return Info(name: %s, isIANARegistered: %s, recommended: %s, "
            "keyExchange: .%s, authentication: .%s, cipher: .%s, mode: .%s, keyBits: %d, mac: .%s, isExport: %s)"
            % (code, swift_string(name), "true" if iana else "false", rec, c["kx"], c["auth"], c["cipher"],
               c["mode"], c["bits"], c["mac"], "true" if c["export"] else "false"))
    lines += ["        default: return nil", "        }", "    }", "", "    /// Every code point the table knows, ascending.",
              "    public static let allKnown: [CipherSuite] = ["]
    codes = sorted(entries)
    for i in range(0, len(codes), 8):
        lines.append("        " + " ".join("CipherSuite(0x%04X)," % c for c in codes[i:i + 8]))
    lines += ["    ]", "}", ""]
    return "\n".join(lines), len(entries)


# --- Supported groups ----------------------------------------------------------------------

def gen_groups(rows):
    entries = {}
    for r in rows:
        val, desc = r["Value"].strip(), " ".join(r["Description"].split())
        if skip_description(desc) or not re.fullmatch(r"\d+", val):
            continue
        name = re.sub(r"\s*\(OBSOLETE\)\s*$", "", desc)
        entries[int(val)] = (name, recommended(r.get("Recommended")), "(OBSOLETE)" in desc)
    lines = [HEADER.format(src="tls-parameters-8.csv (TLS Supported Groups)"),
             "extension NamedGroup {",
             "    @usableFromInline",
             "    static func _lookup(_ value: UInt16) -> Info? {",
             "        switch value {"]
    for code in sorted(entries):
        name, rec, obsolete = entries[code]
        lines.append("        case 0x%04X: return Info(name: %s, recommended: %s, isObsolete: %s)"
                     % (code, swift_string(name), rec, "true" if obsolete else "false"))
    lines += ["        default: return nil", "        }", "    }", "}", ""]
    return "\n".join(lines), len(entries)


# --- Signature schemes ---------------------------------------------------------------------

def gen_sigschemes(rows):
    entries = {}
    for r in rows:
        val, desc = r["Value"].strip(), " ".join(r["Description"].split())
        if skip_description(desc) or not re.fullmatch(r"0x[0-9A-Fa-f]{4}", val):
            continue
        entries[int(val, 16)] = (desc, recommended(r.get("Recommended")))
    lines = [HEADER.format(src="tls-signaturescheme.csv (TLS SignatureScheme)"),
             "extension SignatureScheme {",
             "    @usableFromInline",
             "    static func _lookup(_ value: UInt16) -> Info? {",
             "        switch value {"]
    for code in sorted(entries):
        name, rec = entries[code]
        lines.append("        case 0x%04X: return Info(name: %s, recommended: %s)" % (code, swift_string(name), rec))
    lines += ["        default: return nil", "        }", "    }", "}", ""]
    return "\n".join(lines), len(entries)


HEADER = """// GENERATED by scripts/gen-registries/generate.py from the IANA registry {src}.
// Do not edit by hand: change the generator or the registry and run it again.
"""


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    check = "--check" in argv
    out = os.path.join(REPO, "Sources", "TLSWire", "Generated")
    if "--out" in argv:
        i = argv.index("--out")
        out = argv[i + 1]
        args = [a for a in args if a != out]
    reg = args[0] if args else os.path.normpath(os.path.join(REPO, "..", "shared", "registry"))
    jobs = [
        ("tls-parameters-4.csv", "CipherSuiteTable.swift", gen_cipher_suites),
        ("tls-parameters-8.csv", "NamedGroupTable.swift", gen_groups),
        ("tls-signaturescheme.csv", "SignatureSchemeTable.swift", gen_sigschemes),
    ]
    status = 0
    for csv_name, swift_name, fn in jobs:
        path = os.path.join(reg, csv_name)
        if not os.path.exists(path):
            sys.stderr.write("missing registry file: %s\n" % path)
            return 2
        text, count = fn(read_rows(path))
        dest = os.path.join(out, swift_name)
        if check:
            old = open(dest, encoding="utf-8").read() if os.path.exists(dest) else ""
            if old != text:
                sys.stderr.write("out of date: %s\n" % dest)
                status = 1
            continue
        os.makedirs(out, exist_ok=True)
        with open(dest, "w", encoding="utf-8") as f:
            f.write(text)
        print("%s: %d entries -> %s" % (csv_name, count, os.path.relpath(dest, REPO)))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
