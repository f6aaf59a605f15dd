#!/usr/bin/env python3
"""check_ids.py URL FILE - every line of FILE is "ID" or "ID INDEX" (as
`accord bench load --ack-log` writes them): the node at URL must hold the
entry ID, and when the line has an index, at that log index. Prints how
many were checked; exits 1 naming the first missing or misplaced entry.

When every line has an index, the node's log is read block by block
(GET /v1/blocks/H: first_index and entry_ids), one request per block
instead of one per entry; otherwise each id is looked up with GET
/v1/entries/ID. One kept-alive connection."""
import http.client
import json
import sys
import urllib.parse

url, path = sys.argv[1], sys.argv[2]
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def get(p):
    conn.request("GET", p)
    r = conn.getresponse()
    return r.status, r.read()


lines = [line.split() for line in open(path) if line.strip()]
for n, f in enumerate(lines):
    if len(f[0]) != 64 or len(f) > 2 or (len(f) == 2 and not f[1].isdigit()):
        print("malformed line %d in %s: %r" % (n + 1, path, " ".join(f)))
        sys.exit(1)

if lines and all(len(f) == 2 for f in lines):
    want = max(int(f[1]) for f in lines)
    st, body = get("/v1/status")
    if st != 200:
        print("%s/v1/status: HTTP %d" % (url, st))
        sys.exit(1)
    height = json.loads(body)["height"]
    ids = {}  # log index -> id
    h = 1
    while h <= height and (not ids or max(ids) < want):
        st, body = get("/v1/blocks/%d" % h)
        if st != 200:
            print("%s/v1/blocks/%d: HTTP %d" % (url, h, st))
            sys.exit(1)
        b = json.loads(body)
        for k, i in enumerate(b["entry_ids"]):
            ids[b["first_index"] + k] = i
        h += 1
    for n, (i, ix) in enumerate(lines):
        got = ids.get(int(ix))
        if got != i:
            print("acknowledged entry %s (line %d) at index %s: %s has %s there"
                  % (i, n + 1, ix, url, got or "nothing"))
            sys.exit(1)
else:
    for n, f in enumerate(lines):
        st, body = get("/v1/entries/" + f[0])
        if st != 200:
            print("acknowledged entry %s (line %d) is missing on %s: HTTP %d" % (f[0], n + 1, url, st))
            sys.exit(1)
        if len(f) == 2 and json.loads(body).get("index") != int(f[1]):
            print("acknowledged entry %s (line %d) was at index %s, %s serves it at %r"
                  % (f[0], n + 1, f[1], url, json.loads(body).get("index")))
            sys.exit(1)
print(len(lines))
