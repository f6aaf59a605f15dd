#!/usr/bin/env python3
"""check_ids.py URL FILE - every line of FILE is "ID" or "ID INDEX" (as
`accord bench load --ack-log` writes them): GET URL/v1/entries/ID must
answer 200, and when the line has an index, with that "index". One
kept-alive connection; prints how many were checked and exits 1 naming the
first missing or misplaced entry."""
import http.client
import json
import sys
import urllib.parse

url, path = sys.argv[1], sys.argv[2]
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
lines = [line.split() for line in open(path) if line.strip()]
for n, f in enumerate(lines):
    if len(f[0]) != 64 or len(f) > 2 or (len(f) == 2 and not f[1].isdigit()):
        print("malformed line %d in %s: %r" % (n + 1, path, " ".join(f)))
        sys.exit(1)
    conn.request("GET", "/v1/entries/" + f[0])
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        print("acknowledged entry %s (line %d) is missing on %s: HTTP %d" % (f[0], n + 1, url, r.status))
        sys.exit(1)
    if len(f) == 2:
        got = json.loads(body).get("index")
        if got != int(f[1]):
            print("acknowledged entry %s (line %d) was at index %s, %s serves it at %r" % (f[0], n + 1, f[1], url, got))
            sys.exit(1)
print(len(lines))
