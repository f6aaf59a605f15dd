#!/bin/sh
# crash.sh - kill -9 the node in the middle of `accord bench load`, restart
# it: every entry acknowledged (201) before the kill is there, and the
# audit passes (issue 2, "what it must show").
set -eu
. tests/integration/common.inc

net_init
net_start
ACKS=$TMP/acks
: >"$ACKS"
"$ACCORD" bench load --node "$URL" --keys "$NET" --entries 20000 --concurrency 32 \
	--ack-log "$ACKS" >"$TMP/bench.out" 2>&1 &
BENCH=$!
# Kill once the load is well under way: acknowledgements are flowing.
i=0
while [ "$(wc -l <"$ACKS")" -lt 200 ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || { cat "$TMP/bench.out"; fail "bench load never got going"; }
	sleep 0.1
done
sleep 1
PID=$(cat "$NET/node0/accordd.pid")
kill -9 "$PID"
echo "killed node pid $PID with $(wc -l <"$ACKS") entries acknowledged"
# The load generator sees its requests fail; it must exit on its own.
if wait "$BENCH"; then
	fail "bench load claims success although the node was killed"
fi
ACKED=$(wc -l <"$ACKS")
[ "$ACKED" -lt 20000 ] || fail "the kill came too late: all 20000 acknowledged"

net_start
n=$(python3 tests/integration/check_ids.py "$URL" "$ACKS") || fail "an acknowledged entry was lost: $n"
echo "ok   all $n acknowledged entries are there after the restart"
"$ACCORD" audit --genesis "$NET/genesis.json" --node "$URL" || fail "audit --node after the crash"
net_stop
"$ACCORD" audit --genesis "$NET/genesis.json" --data "$NET/node0/data" || fail "audit --data after the crash"
echo "PASS crash"
