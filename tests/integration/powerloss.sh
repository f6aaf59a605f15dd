#!/bin/sh
# powerloss.sh - power cuts, not just kill -9 (issue 11): accordd runs under
# the LD_PRELOAD shim tests/tools/powerloss.c, which keeps the durable image
# of data.mdb (what fsync/fdatasync and O_DSYNC writes made durable) and at
# the chosen write or sync replaces the file with it and kills the node.
# After each cut the node restarts: every entry acknowledged with
# ?wait=commit (201) must be there and the audit must pass.
#
# Then the same rounds run against a test-only build whose block commits do
# not sync (EXTRA_CFLAGS=-DACCORD_TEST_NOSYNC, built here in
# $BUILD/nosync): this test must catch it, or it proves nothing.
set -eu
. tests/integration/common.inc
PORT=$(free_port 19420)
URL=http://127.0.0.1:$PORT
SHIM=$BUILD/tools/powerloss.so
[ -f "$SHIM" ] || fail "$SHIM not built (run make)"
ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0
export ASAN_OPTIONS
# Cut points: events are the writes and syncs of data.mdb, about three per
# block commit (data pages, fdatasync, the O_DSYNC meta page) after ~10 at
# start-up. Consecutive values land on each step of a commit.
CUTS=${POWERLOSS_CUTS:-"4 9 30 31 32 33 61 62 63 64 100 101 102 150"}
NOSYNC_CUTS=${POWERLOSS_NOSYNC_CUTS:-"30 61 100"}

NODE_PID=""
stop_node() {
	if [ -n "$NODE_PID" ]; then
		kill "$NODE_PID" 2>/dev/null || true
		wait "$NODE_PID" 2>/dev/null || true
		NODE_PID=""
	fi
}
cleanup_pl() {
	stop_node
	rm -rf "$TMP"
}
trap cleanup_pl EXIT

# start BIN [cut]: run the node (under the shim if cut is given).
start() {
	bin=$1
	if [ $# -gt 1 ]; then
		LD_PRELOAD=$SHIM POWERLOSS_FILE=$NET/node0/data/data.mdb \
			POWERLOSS_CUT=$2 "$bin" --config "$NET/node0/config.json" \
			>>"$NET/node0/accordd.log" 2>&1 &
	else
		"$bin" --config "$NET/node0/config.json" >>"$NET/node0/accordd.log" 2>&1 &
	fi
	NODE_PID=$!
}
# Wait for /v1/status; 1 if the node died first (a cut during start-up).
ready() {
	i=0
	until curl -sf "$URL/v1/status" >/dev/null 2>&1; do
		kill -0 "$NODE_PID" 2>/dev/null || return 1
		i=$((i + 1))
		[ $i -lt 100 ] || fail "node not ready"
		sleep 0.05
	done
}

# round BIN CUT: one power cut and the checks after it. Prints a line;
# returns 0 if nothing acknowledged was lost and the audit passed.
round() {
	bin=$1; k=$2
	acks=$TMP/acks.$k
	: >"$acks"
	start "$bin" "$k"
	if ready; then
		"$ACCORD" bench load --node "$URL" --keys "$NET" --entries 2000 \
			--concurrency 8 --ack-log "$acks" >"$TMP/bench.out" 2>&1 || true
	fi
	# The load ends when the node dies; if it did not, the cut never came.
	i=0
	while kill -0 "$NODE_PID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { stop_node; fail "cut $k: no power cut during the load (too late?)"; }
		sleep 0.05
	done
	wait "$NODE_PID" 2>/dev/null || true
	NODE_PID=""
	grep -q "power cut at event $k " "$NET/node0/accordd.log" ||
		fail "cut $k: the node died without the shim's cut"
	n=$(wc -l <"$acks")
	start "$bin"
	ready || fail "cut $k: the node does not restart after the cut"
	ok=0
	if ! python3 tests/integration/check_ids.py "$URL" "$acks" >"$TMP/check.out" 2>&1; then
		echo "LOST cut $k: $(cat "$TMP/check.out") ($n acknowledged)"
		ok=1
	fi
	stop_node
	if ! "$ACCORD" audit --genesis "$NET/genesis.json" --data "$NET/node0/data" >"$TMP/audit.out" 2>&1; then
		echo "AUDIT FAILED cut $k: $(tail -n 2 "$TMP/audit.out")"
		ok=1
	fi
	[ $ok -ne 0 ] || echo "ok   cut at event $k: all $n acknowledged entries there, audit passed"
	return $ok
}

# 1. The real build: every round must hold.
net_init
for k in $CUTS; do
	round "$ACCORDD" "$k" || fail "power cut at event $k lost acknowledged data"
done

# 2. The no-sync build must be caught.
NOSYNC_BUILD=$BUILD/nosync
(
	unset MAKEFLAGS MFLAGS MAKELEVEL
	make -s -j2 BUILD="$NOSYNC_BUILD" OPT="-O0 -g" EXTRA_CFLAGS=-DACCORD_TEST_NOSYNC \
		"$NOSYNC_BUILD/bin/accordd" >"$TMP/nosync-build.out" 2>&1
) || { cat "$TMP/nosync-build.out"; fail "cannot build the no-sync accordd"; }
caught=0
total=0
for k in $NOSYNC_CUTS; do
	rm -rf "$NET"
	net_init
	total=$((total + 1))
	if round "$NOSYNC_BUILD/bin/accordd" "$k"; then
		echo "     (the no-sync build survived cut $k)"
	else
		caught=$((caught + 1))
	fi
done
echo "the no-sync build lost acknowledged entries at $caught of $total cut points"
[ "$caught" -eq "$total" ] || fail "the power-loss test does not catch block commits without sync"
echo "PASS powerloss"
