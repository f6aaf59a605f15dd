#!/bin/sh
# metrics.sh - GET /metrics in the Prometheus conventions (specs/api.md
# "GET /metrics"): `promtool check metrics` (Debian's prometheus package)
# passes on a one-validator node under load and on a consortium
# validator and follower; base units only (no _milliseconds or
# _microseconds), accord_build_info, the process metrics with sane
# values, the per-route latency histograms counting the requests made.
# promtool must also refuse a page that breaks the conventions, so that
# its verdict means something.
# Ports: HTTP 19830 and 19835-19839, p2p 19840-19844.
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
ACCORDD=$BUILD/bin/accordd
[ -x "$ACCORD" ] && [ -x "$ACCORDD" ] || { echo "FAIL: not built"; exit 1; }
command -v promtool >/dev/null ||
	{ echo "FAIL: promtool not found (Debian package prometheus; scripts/deps.sh)"; exit 1; }
HERE=$(dirname "$0")
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
fail() { echo "FAIL: $*"; exit 1; }

# The tool itself refuses a counter in milliseconds without _total.
printf '# HELP x_milliseconds a\n# TYPE x_milliseconds counter\nx_milliseconds 1\n' >"$TMP/bad.prom"
if promtool check metrics <"$TMP/bad.prom" >/dev/null 2>&1; then
	fail "promtool accepts a page against the conventions"
fi

# check NAME URL: the page passes promtool and the common checks.
check() {
	curl -sf "$2/metrics" >"$TMP/$1.prom" || fail "$1: GET /metrics"
	promtool check metrics <"$TMP/$1.prom" >"$TMP/$1.lint" 2>&1 ||
		fail "$1: promtool check metrics: $(cat "$TMP/$1.lint")"
	if grep -E '^[a-z_]+_(milli|micro|nano)seconds' "$TMP/$1.prom"; then
		fail "$1: a metric not in base units"
	fi
	grep -q '^accord_build_info{version="[0-9.]*",compiler="[^"]*"} 1$' "$TMP/$1.prom" ||
		fail "$1: no accord_build_info"
	python3 - "$TMP/$1.prom" "$1" <<'PY' || fail "$1: process metrics"
import sys, time
v = {}
for line in open(sys.argv[1]):
    if not line.startswith("#"):
        k, _, x = line.rstrip("\n").rpartition(" ")
        v[k] = float(x)
now = time.time()
assert 0 < v["process_resident_memory_bytes"] < 1 << 34, v["process_resident_memory_bytes"]
assert v["process_open_fds"] >= 4, v["process_open_fds"]
assert now - 3600 < v["process_start_time_seconds"] <= now + 1, v["process_start_time_seconds"]
assert v["process_cpu_seconds_total"] >= 0
assert v["process_max_fds"] >= v["process_open_fds"]
PY
	echo "ok   $1: promtool check metrics"
}

# One validator, under load from the CLI.
HP=19830
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
"$ACCORD" bench load --node "$URL" --entries 100 --concurrency 8 --keys "$TMP/net" >"$TMP/bench.log" 2>&1 ||
	fail "bench load: $(cat "$TMP/bench.log")"
for i in 1 2 3 4 5; do curl -s "$URL/v1/status" >/dev/null; done
curl -s "$URL/v1/entries/zz" >/dev/null
check single "$URL"
P=$TMP/single.prom
python3 - "$P" <<'PY' || fail "single: histograms"
import sys
v = {}
for line in open(sys.argv[1]):
    if not line.startswith("#"):
        k, _, x = line.rstrip("\n").rpartition(" ")
        v[k] = float(x)
H = "accord_http_request_duration_seconds"
# the five status requests (and the one before the node was up, maybe)
assert v[H + '_count{route="/v1/status"}'] >= 5, v[H + '_count{route="/v1/status"}']
assert v[H + '_bucket{route="/v1/status",le="+Inf"}'] == v[H + '_count{route="/v1/status"}']
assert v[H + '_count{route="/v1/entries/{id}"}'] == 1
# bench load submits with ?wait=commit
assert v[H + '_count{route="POST /v1/entries?wait=commit"}'] >= 100
assert v['accord_http_requests_total{code="400"}'] >= 1
c = v["accord_block_commit_seconds_count"]
assert c >= 1 and c == v["accord_blocks_committed_total"], (c, v["accord_blocks_committed_total"])
assert v['accord_block_commit_seconds_bucket{le="+Inf"}'] == c
assert 0 < v["accord_block_commit_seconds_sum"] < 60 * c
# buckets are cumulative
prev = 0
for k in [k for k in v if k.startswith(H + '_bucket{route="/v1/status"')]:
    assert v[k] >= prev, k
    prev = v[k]
PY
echo "ok   single: histograms count the requests and blocks"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

# A consortium: a validator and the follower.
CHP=19835
consortium_start "$TMP/c" "$CHP" 19840 || fail "consortium start"
consortium_wait "$CHP" 3 || fail "no block reached the follower"
check validator "http://127.0.0.1:$CHP"
check follower "http://127.0.0.1:$((CHP + 4))"
grep -q '^accord_consensus_height_seconds_count [1-9]' "$TMP/validator.prom" ||
	fail "validator: no heights decided in accord_consensus_height_seconds"
grep -q '^accord_block_commit_seconds_count [1-9]' "$TMP/validator.prom" ||
	fail "validator: no decided block in accord_block_commit_seconds"
grep -q '^accord_peers_connected [1-9]' "$TMP/follower.prom" ||
	fail "follower: no peers connected"
echo "ok: metrics"
