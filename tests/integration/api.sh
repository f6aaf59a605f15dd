#!/bin/sh
# api.sh - the HTTP API of one accordd over loopback (specs/api.md): a
# 1-validator devnet made by `accord devnet init`, bad input of every kind
# answered with the right 4xx and JSON error, reads, proofs, status,
# metrics, and committed entries from `accord bench load`.
# Run from the repository root with BUILD set; starts and stops its own
# server.
set -eu
BUILD=${BUILD:-build}
ACCORDD=$BUILD/bin/accordd
ACCORD=$BUILD/bin/accord
if [ ! -x "$ACCORDD" ] || [ ! -x "$ACCORD" ]; then
	echo "FAIL: $ACCORDD or $ACCORD not built (run make)"
	exit 1
fi
command -v curl >/dev/null && command -v jq >/dev/null

DIR=$(mktemp -d)
PID=""
cleanup() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# A free port: ask the kernel, then hand it to devnet init.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ACCORD" devnet init --dir "$DIR/net" --nodes 1 --http-port "$PORT" >/dev/null
"$ACCORDD" --config "$DIR/net/node0/config.json" 2>"$DIR/accordd.log" &
PID=$!
URL=http://127.0.0.1:$PORT
i=0
until curl -sf "$URL/v1/status" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$DIR/accordd.log"; exit 1; }
	sleep 0.1
done

fails=0
# expect STATUS CODE METHOD PATH [curl args...]: status and error code.
expect() {
	want=$1; code=$2; method=$3; path=$4; shift 4
	got=$(curl -s -o "$DIR/body" -w '%{http_code}' -X "$method" "$@" "$URL$path")
	if [ "$got" != "$want" ]; then
		echo "FAIL $method $path: status $got, want $want: $(cat "$DIR/body")"; fails=$((fails + 1)); return
	fi
	if [ "$code" != "-" ]; then
		c=$(jq -r .error.code "$DIR/body" 2>/dev/null || echo "not-json")
		[ "$c" = "$code" ] || { echo "FAIL $method $path: code $c, want $code"; fails=$((fails + 1)); return; }
	fi
	echo "ok   $want $method $path"
}
J='-H Content-Type:application/json'
# shellcheck disable=SC2086
{
expect 400 ACC_EJSON   POST /v1/entries $J --data-binary '{"kind":'
expect 400 ACC_EJSON   POST /v1/entries $J --data-binary 'not json'
expect 400 ACC_ETYPE   POST /v1/entries $J --data-binary '[1,2]'
expect 400 ACC_EKIND   POST /v1/entries $J --data-binary '{"kind":"no-such-kind","signatures":[]}'
expect 400 ACC_EDECODE POST /v1/entries -H Content-Type:application/octet-stream --data-binary 'xx'
expect 415 ACC_EINVAL  POST /v1/entries -H Content-Type:text/plain --data-binary '{}'
expect 415 ACC_EINVAL  POST '/v1/entries?wait=commit' -H Content-Type:text/plain --data-binary '{}'
expect 400 ACC_EJSON   POST /v1/entries $J --data-binary ''
grep -q '"empty body' "$DIR/body" || { echo "FAIL empty body message: $(cat "$DIR/body")"; fails=$((fails + 1)); }
expect 400 ACC_EDECODE POST /v1/entries -H Content-Type:application/octet-stream --data-binary ''
expect 400 ACC_EINVAL  POST '/v1/entries?wait=later' $J --data-binary '{}'
head -c 200000 /dev/zero | tr '\0' a >"$DIR/big"
expect 413 ACC_ETOOBIG POST /v1/entries $J --data-binary @"$DIR/big"
expect 413 ACC_ETOOBIG POST /v1/entries $J -H Transfer-Encoding:chunked --data-binary @"$DIR/big"
# Chunked past the old cut-off (bound + 1 MiB dropped): still a 413.
head -c 3000000 /dev/zero | tr '\0' a >"$DIR/huge"
expect 413 ACC_ETOOBIG POST /v1/entries $J -H Transfer-Encoding:chunked --data-binary @"$DIR/huge"
expect 413 ACC_ETOOBIG POST '/v1/entries?wait=commit' $J -H Transfer-Encoding:chunked --data-binary @"$DIR/huge"
head -c 70000 /dev/zero >"$DIR/big70k"
expect 413 ACC_ETOOBIG POST /v1/entries -H Content-Type:application/octet-stream --data-binary @"$DIR/big70k"
expect 400 ACC_EINVAL  GET /v1/entries/zz
expect 400 ACC_EINVAL  GET /v1/entries/-1
expect 400 ACC_ERANGE  GET /v1/entries/99999999999999999999
expect 404 ACC_ENOTFOUND GET /v1/entries/0
expect 404 ACC_ENOTFOUND GET /v1/entries/0000000000000000000000000000000000000000000000000000000000000000
expect 400 ACC_EINVAL  GET /v1/blocks/abc
expect 404 ACC_ENOTFOUND GET /v1/blocks/0
expect 400 ACC_EINVAL  GET '/v1/proofs/inclusion?index=x&size=1'
expect 400 ACC_EINVAL  GET '/v1/proofs/consistency?old=1&old=2'
expect 404 ACC_ENOTFOUND GET /v1/nope
# An encoded NUL would end the routed path early (0%00abc read as 0).
expect 400 ACC_EINVAL  GET '/v1/entries/0%00abc'
expect 400 ACC_EINVAL  GET '/v1/proofs/inclusion?index=0%00&size=1'
expect 200 -           GET /healthz
jq -e '.status == "ok" and .storage.ok == true' "$DIR/body" >/dev/null ||
	{ echo "FAIL healthz body: $(cat "$DIR/body")"; fails=$((fails + 1)); }
expect 405 -           DELETE /v1/status
expect 405 -           GET /v1/entries
expect 200 -           GET /v1/status
}
jq -e '.height == 0 and .log_size == 0 and .sync == "synced" and (.validators | length) == 1 and .storage.ok == true' "$DIR/body" >/dev/null ||
	{ echo "FAIL status body: $(cat "$DIR/body")"; fails=$((fails + 1)); }
expect 200 - GET /metrics
grep -q '^accord_http_requests_total{code="400"}' "$DIR/body" ||
	{ echo "FAIL metrics: no 400 counter"; fails=$((fails + 1)); }
grep -q '^accord_storage_failing 0$' "$DIR/body" ||
	{ echo "FAIL metrics: no storage gauge"; fails=$((fails + 1)); }

# Committed entries through the CLI's load generator.
"$ACCORD" bench load --node "$URL" --entries 200 --concurrency 8 --keys "$DIR/net" >"$DIR/bench.out" 2>&1 ||
	{ echo "FAIL bench load: $(cat "$DIR/bench.out")"; fails=$((fails + 1)); }
expect 200 - GET /v1/status
size=$(jq .log_size "$DIR/body")
[ "$size" -ge 200 ] || { echo "FAIL log_size $size < 200"; fails=$((fails + 1)); }
expect 200 - GET /v1/entries/0
id=$(jq -r .id "$DIR/body")
curl -s -H 'Accept: application/octet-stream' "$URL/v1/entries/0" >"$DIR/raw"
leaf=$( (printf '\000'; cat "$DIR/raw") | sha256sum | cut -d' ' -f1)
[ "$leaf" = "$id" ] || { echo "FAIL raw bytes hash $leaf != id $id"; fails=$((fails + 1)); }
expect 409 ACC_EDUP POST /v1/entries -H Content-Type:application/octet-stream --data-binary @"$DIR/raw"
expect 200 - GET /v1/blocks/latest
expect 200 - GET "/v1/proofs/inclusion?index=0&size=$size"
expect 200 - GET "/v1/proofs/consistency?old=1&new=$size"
expect 400 ACC_ERANGE GET "/v1/proofs/inclusion?index=$size&size=$size"

# Compliance: the digest only on request.
expect 200 - GET "/v1/compliance"
jq -e '(.rows | length) >= 1 and (has("state_digest") | not)' "$DIR/body" >/dev/null ||
	{ echo "FAIL compliance body: $(cat "$DIR/body")"; fails=$((fails + 1)); }
expect 200 - GET "/v1/compliance?digest=1"
jq -e '(.state_digest | length) == 64' "$DIR/body" >/dev/null ||
	{ echo "FAIL compliance digest: $(cat "$DIR/body")"; fails=$((fails + 1)); }
expect 400 ACC_EINVAL GET "/v1/compliance?digest=2"
expect 400 ACC_EINVAL GET "/v1/compliance?agreement=xyz"
expect 404 ACC_ENOTFOUND GET "/v1/compliance?agreement=$(printf '%064d' 0)"
expect 200 - GET "/v1/agreements"
jq -e '(.agreements | length) >= 1 and .agreements[0].state == "active"' "$DIR/body" >/dev/null ||
	{ echo "FAIL agreements body: $(cat "$DIR/body")"; fails=$((fails + 1)); }
expect 400 ACC_EINVAL GET "/v1/agreements/xyz"

kill "$PID"; wait "$PID" || true; PID=""
grep -q "stopped" "$DIR/accordd.log" || { echo "FAIL no clean shutdown"; fails=$((fails + 1)); }
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "api.sh: all checks passed"
