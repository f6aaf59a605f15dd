#!/usr/bin/env python3
"""check_ids.py URL FILE - every id in FILE (one per line) must be served by
GET URL/v1/entries/ID with status 200. One kept-alive connection; prints
how many were checked and exits 1 naming the first missing id."""
import http.client
import sys
import urllib.parse

url, path = sys.argv[1], sys.argv[2]
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
ids = [line.strip() for line in open(path) if line.strip()]
for n, i in enumerate(ids):
    if len(i) != 64:
        print("malformed line %d in %s: %r" % (n + 1, path, i))
        sys.exit(1)
    conn.request("GET", "/v1/entries/" + i)
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        print("acknowledged entry %s (line %d) is missing: HTTP %d" % (i, n + 1, r.status))
        sys.exit(1)
print(len(ids))
