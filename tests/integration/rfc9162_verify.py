#!/usr/bin/env python3
"""rfc9162_verify.py PROOF.json [ENTRY.bin] - an independent RFC 9162
verifier for accord's proof JSON: inclusion (§2.1.3.2) or consistency
(§2.1.4.2). With ENTRY.bin, the raw entry must hash to the proven leaf.
Exit 0 and print "verified", or exit 1 saying why."""
import hashlib, json, sys

def node(l, r): return hashlib.sha256(b"\x01" + l + r).digest()

def inclusion(p):
    fn, sn, r = p["index"], p["tree_size"] - 1, bytes.fromhex(p["leaf_hash"])
    if fn > sn: return False
    for h in map(bytes.fromhex, p["proof"]):
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = node(h, r)
            while fn and not fn & 1: fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, h)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == bytes.fromhex(p["root"])

def consistency(p):
    m, n = p["old_size"], p["new_size"]
    old, new = bytes.fromhex(p["old_root"]), bytes.fromhex(p["new_root"])
    path = [bytes.fromhex(h) for h in p["proof"]]
    if m == n: return not path and old == new
    if m == 0 or m > n or not path: return False
    if m & (m - 1) == 0: path = [old] + path
    fn, sn = m - 1, n - 1
    while fn & 1: fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while fn and not fn & 1: fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old and sr == new and sn == 0

p = json.load(open(sys.argv[1]))
ok = inclusion(p) if "leaf_hash" in p else consistency(p)
if ok and len(sys.argv) > 2:
    ok = hashlib.sha256(b"\x00" + open(sys.argv[2], "rb").read()).hexdigest() == p["leaf_hash"]
print("verified" if ok else "NOT verified")
sys.exit(0 if ok else 1)
