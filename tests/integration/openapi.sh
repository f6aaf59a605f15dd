#!/bin/sh
# openapi.sh - every answer of a node against specs/openapi.yaml
# (specs/api.md): a one-validator node with entries from `accord bench
# load`, every route hit with good and bad input (statuses, media types,
# bodies, the ETag/Cache-Control/CORS headers, If-None-Match 304,
# OPTIONS preflights, /readyz), then a 4-validator consortium with a
# follower (status with peers and consensus, /readyz of both roles) and,
# with two validators stopped, /readyz 503 for the lost quorum.
# tests/integration/openapi_check.py does the checking.
# Ports: HTTP 19800 and 19810-19814, p2p 19801 and 19820-19824.
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
ACCORDD=$BUILD/bin/accordd
[ -x "$ACCORD" ] && [ -x "$ACCORDD" ] || { echo "FAIL: not built"; exit 1; }
HERE=$(dirname "$0")
# A python3 with jsonschema and yaml: Debian's packages are for
# /usr/bin/python3, which the python3 on PATH may not be.
PY=""
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import jsonschema, yaml' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] ||
	{ echo "FAIL: python3-jsonschema and python3-yaml are needed (scripts/deps.sh)"; exit 1; }
TMP=$(mktemp -d)
PID=""
. "$HERE/five_nodes.inc"
cleanup() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	consortium_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; tail -n 20 "$TMP"/*.log "$TMP"/c/node0/accordd.log 2>/dev/null || true; exit 1; }

# One validator that commits alone (no p2p).
HP=19800
"$ACCORD" devnet init --dir "$TMP/net" --nodes 1 --http-port "$HP" >/dev/null || fail "devnet init"
sed -i '/p2p_listen/d' "$TMP/net/node0/config.json"
"$ACCORDD" --config "$TMP/net/node0/config.json" 2>"$TMP/accordd.log" &
PID=$!
URL=http://127.0.0.1:$HP
i=0
until curl -sf "$URL/v1/status" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the node does not answer"
	sleep 0.1
done
"$ACCORD" bench load --node "$URL" --entries 20 --concurrency 4 --keys "$TMP/net" >"$TMP/bench.log" 2>&1 ||
	fail "bench load: $(cat "$TMP/bench.log")"

# Three signed entries: two fresh agreements (202, then 201 with
# ?wait=commit) and an endorsement of no agreement (422).
curl -sf "$URL/v1/entries/0" | "$PY" -c '
import json, sys
e = json.load(sys.stdin)["entry"]
for k in ("signatures", "time"):
    e.pop(k, None)
for n in ("a", "b"):
    e["title"] = "openapi.sh agreement " + n
    json.dump(e, open(sys.argv[1] + "/" + n + ".json", "w"))
json.dump({"kind": "endorsement", "agreement_id": "00" * 32},
          open(sys.argv[1] + "/bad.json", "w"))
' "$TMP" || fail "entry 0"
for n in a b; do
	"$ACCORD" submit --sign-only --key "$TMP/net/keys/CN-BJ.key" --node "$URL" "$TMP/$n.json" >"$TMP/$n.signed" ||
		fail "sign $n"
done
"$ACCORD" submit --sign-only --key "$TMP/net/keys/CN-TJ.key" --node "$URL" "$TMP/bad.json" >"$TMP/bad.signed" ||
	fail "sign bad"

"$PY" "$HERE/openapi_check.py" specs/openapi.yaml single "$URL" "$TMP/net" \
	"$TMP/a.signed" "$TMP/b.signed" "$TMP/bad.signed" || fail "single validator"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

# A consortium: 4 validators, 1 follower.
CHP=19810
consortium_start "$TMP/c" "$CHP" 19820 || fail "consortium start"
consortium_wait "$CHP" 2 || fail "no block reached the follower"
"$PY" "$HERE/openapi_check.py" specs/openapi.yaml consortium \
	"http://127.0.0.1:$CHP" "http://127.0.0.1:$((CHP + 4))" || fail "consortium"
# Two of four validators gone: node0 cannot reach a commit quorum.
set -- $PIDS
kill "$3" "$4"; wait "$3" "$4" 2>/dev/null || true
n=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CHP/readyz")" = 503 ]; do
	n=$((n + 1)); [ $n -lt 100 ] || fail "/readyz still ready without a quorum"
	sleep 0.1
done
"$PY" "$HERE/openapi_check.py" specs/openapi.yaml quorum_lost "http://127.0.0.1:$CHP" || fail "quorum lost"
echo "ok: openapi"
