#!/bin/sh
# storage_full.sh - a full disk is visible and heals by itself (issue 11,
# items 2 and 3; specs/node.md §7). accordd runs under the power-loss shim
# (tests/tools/powerloss.c) with POWERLOSS_ENOSPC: while the flag file
# exists, data.mdb's page writes fail with ENOSPC, as on a full disk.
# While commits fail: /v1/status says so with the cause, /healthz is 503,
# /metrics has accord_storage_failing 1, submissions get 503 with
# Retry-After. Once the flag goes: the pending entries commit, all back to
# normal, and the audit passes.
set -eu
. tests/integration/common.inc
PORT=$(free_port 19460)
URL=http://127.0.0.1:$PORT
SHIM=$BUILD/tools/powerloss.so
[ -f "$SHIM" ] || fail "$SHIM not built (run make)"
ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0
export ASAN_OPTIONS
command -v jq >/dev/null || fail "jq is needed"
FULL=$TMP/disk-full
NODE_PID=""
cleanup_sf() {
	if [ -n "$NODE_PID" ]; then kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup_sf EXIT

net_init
# An entry to submit by hand: the demo's first agreement (signed anew, with
# a new time, at each submission).
jq --arg h "$(printf '%064d' 0)" '.steps[0].entry | .legal_text_hash = $h' demo/scenario.json >"$TMP/agreement.json"
LD_PRELOAD=$SHIM POWERLOSS_FILE=$NET/node0/data/data.mdb POWERLOSS_ENOSPC=$FULL \
	"$ACCORDD" --config "$NET/node0/config.json" >"$NET/node0/accordd.log" 2>&1 &
NODE_PID=$!
i=0
until curl -sf "$URL/v1/status" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "node not ready"; sleep 0.05
done

# expect_code STATUS PATH [curl args]: the status, headers in $TMP/h, body in $TMP/b.
expect_code() {
	want=$1; path=$2; shift 2
	got=$(curl -s -D "$TMP/h" -o "$TMP/b" -w '%{http_code}' "$@" "$URL$path")
	[ "$got" = "$want" ] || fail "$path: status $got, want $want: $(cat "$TMP/b")"
}

"$ACCORD" bench load --node "$URL" --keys "$NET" --entries 20 --concurrency 2 >/dev/null 2>&1 ||
	fail "bench load on a healthy node"
expect_code 200 /healthz
jq -e '.status == "ok" and .storage.ok' "$TMP/b" >/dev/null || fail "healthz: $(cat "$TMP/b")"
h0=$(curl -s "$URL/v1/status" | jq .height)

# The disk fills up. One more entry is admitted; its block cannot commit.
touch "$FULL"
"$ACCORD" submit --node "$URL" --key "$NET/keys/CN-BJ.key" "$TMP/agreement.json" >"$TMP/submit.out" 2>&1 ||
	fail "the last entry before the failure: $(cat "$TMP/submit.out")"
i=0
until curl -s "$URL/v1/status" | jq -e '.storage.ok == false' >/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "status never reports the failure: $(curl -s "$URL/v1/status")"
	sleep 0.05
done
expect_code 200 /v1/status
jq -e '.storage.code == "ACC_ESTORE" and (.storage.message | ascii_downcase | contains("no space left on device")) and .storage.failures >= 1 and .storage.since_ms > 0' \
	"$TMP/b" >/dev/null || fail "status storage: $(jq -c .storage "$TMP/b")"
echo "ok   status: $(jq -c .storage "$TMP/b")"
expect_code 503 /healthz
jq -e '.status == "failing" and (.storage.message | ascii_downcase | contains("no space left on device"))' \
	"$TMP/b" >/dev/null || fail "healthz body: $(cat "$TMP/b")"
grep -qi '^Retry-After: 1' "$TMP/h" || fail "healthz 503 without Retry-After"
echo "ok   503 /healthz with Retry-After"
expect_code 503 /readyz
jq -e '.ready == false and (.reasons | index("storage failing")) != null and .storage.ok == false' \
	"$TMP/b" >/dev/null || fail "readyz body: $(cat "$TMP/b")"
echo "ok   503 /readyz: storage failing"
expect_code 200 /metrics
grep -q '^accord_storage_failing 1$' "$TMP/b" || fail "metrics: no accord_storage_failing 1"
echo "ok   accord_storage_failing 1"
expect_code 503 /v1/entries -H Content-Type:application/json --data-binary '{}'
grep -qi '^Retry-After: 1' "$TMP/h" || fail "submission 503 without Retry-After"
jq -e '.error.code == "ACC_ESTATE" and (.error.message | contains("storage failing"))' "$TMP/b" >/dev/null ||
	fail "submission body: $(cat "$TMP/b")"
expect_code 503 '/v1/entries?wait=commit' -H Content-Type:application/json --data-binary '{}'
grep -qi '^Retry-After: 1' "$TMP/h" || fail "?wait=commit 503 without Retry-After"
echo "ok   submissions: 503 with Retry-After"
if "$ACCORD" submit --node "$URL" --key "$NET/keys/CN-BJ.key" "$TMP/agreement.json" >"$TMP/submit.out" 2>&1; then
	fail "a signed entry was admitted while storage fails"
fi
grep -q "storage failing" "$TMP/submit.out" || fail "submit while failing: $(cat "$TMP/submit.out")"
# Reads still work.
expect_code 200 /v1/blocks/latest
# Repeated failures are not logged once a second.
sleep 3
n=$(grep -c "block production" "$NET/node0/accordd.log" || true)
[ "$n" -le 2 ] || fail "$n log lines about the failure in ~3 s"

# Space comes back: the node heals by itself and commits what was pending.
rm -f "$FULL"
i=0
until curl -s "$URL/v1/status" | jq -e '.storage.ok == true' >/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no recovery after the disk freed up"
	sleep 0.05
done
h1=$(curl -s "$URL/v1/status" | jq .height)
[ "$h1" -gt "$h0" ] || fail "the pending entry did not commit after recovery ($h0 -> $h1)"
expect_code 200 /healthz
expect_code 200 /readyz
curl -s "$URL/metrics" | grep -q '^accord_storage_failing 0$' || fail "metrics after recovery"
grep -q "block production recovered" "$NET/node0/accordd.log" || fail "no recovery line in the log"
"$ACCORD" bench load --node "$URL" --keys "$NET" --entries 10 --concurrency 2 >/dev/null 2>&1 ||
	fail "bench load after recovery"
echo "ok   recovered by itself: height $h0 -> $h1, submissions accepted again"
kill "$NODE_PID"; wait "$NODE_PID" || true; NODE_PID=""
"$ACCORD" audit --genesis "$NET/genesis.json" --data "$NET/node0/data" >/dev/null || fail "audit after the full disk"
echo "PASS storage_full"
