#!/usr/bin/env python3
"""flip.py FILE HEXBYTES [OFFSET] - flip the low bit of the byte at OFFSET
(default: the middle) of every occurrence of HEXBYTES in FILE, in place.

LMDB copies pages on write, so stale copies of a value can sit in free
pages of data.mdb; flipping every occurrence is sure to hit the live one.
Prints the number of occurrences; exits 2 when there is none."""
import sys

path, needle = sys.argv[1], bytes.fromhex(sys.argv[2])
off = int(sys.argv[3]) if len(sys.argv) > 3 else len(needle) // 2
data = bytearray(open(path, "rb").read())
hits, i = 0, data.find(needle)
while i >= 0:
    data[i + off] ^= 0x01
    hits += 1
    i = data.find(needle, i + 1)
if hits == 0:
    sys.exit(2)
open(path, "wb").write(data)
print(hits)
