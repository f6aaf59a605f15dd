#!/bin/sh
# powerloss_net.sh - power cuts of one validator of four, under load
# (issue 8, specs/storage.md §7.1, specs/consensus.md "Durable before
# what"). Validator 1 is restarted under the LD_PRELOAD shim
# tests/tools/powerloss.c modelling one of its files: its signing record
# (sign_state: each record is an area write, a slot write and one
# fdatasync), or its LMDB (data.mdb). At the chosen write or sync the
# shim keeps only what was synced and kills the node: a power cut. After
# each cut the node restarts plainly and must rejoin. At the end: one
# head everywhere, no fork, every entry acknowledged by any node (201 to
# ?wait=commit) on every node at the same index, and the audit passes
# against every node and a copy of every data directory.
set -eu
V=4 F=0
. tests/integration/common.inc
. tests/integration/consortium.inc
SHIM=$BUILD/tools/powerloss.so
[ -f "$SHIM" ] || fail "$SHIM not built (run make)"
ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0
export ASAN_OPTIONS
# file:event pairs; sign_state events 3n+1, 3n+2, 3n+3 land before the
# area write, before the slot write and before the sync of a record.
CUTS=${POWERLOSS_NET_CUTS:-"sign_state:1 sign_state:2 sign_state:3 sign_state:8 data.mdb:4 data.mdb:20 data.mdb:41"}

cons_init
cons_start
echo "ok   $V validators running on $URL.."
load_start 40000 16
for spec in $CUTS; do
	f=${spec%%:*}
	k=${spec##*:}
	node_kill9 1
	log=$NET/node1/accordd.log
	LD_PRELOAD=$SHIM POWERLOSS_FILE=$NET/node1/data/$f POWERLOSS_CUT=$k \
		"$BUILD/bin/accordd" --config "$NET/node1/config.json" >>"$log" 2>&1 &
	pid=$!
	t=0
	while kill -0 "$pid" 2>/dev/null; do
		t=$((t + 1))
		[ $t -lt 600 ] || { kill -9 "$pid"; fail "$f event $k: no power cut within 60 s"; }
		sleep 0.1
	done
	wait "$pid" 2>/dev/null || true
	grep -q "power cut at event $k " "$log" ||
		{ tail -5 "$log"; fail "$f event $k: node1 died without the shim's cut"; }
	node_start 1
	h=$(height_of 0)
	wait_height 1 $((h + 2)) 60
	echo "ok   power cut of node1 at $f event $k: it restarted and rejoined (height $(height_of 1))"
done
cons_final
# The cuts land under load, while node1 is signing: its restarts must
# have found signed-for blocks with its record (specs/storage.md §7.1)
# and resumed the round it had signed in.
back=$(grep -c "back from disk" "$NET/node1/accordd.log" || true)
resumed=$(grep -c "resuming the signed round" "$NET/node1/accordd.log" || true)
[ "$back" -ge 1 ] && [ "$resumed" -ge 1 ] ||
	fail "node1 never restarted with a signed-for block from its record ($back) or resumed a signed round ($resumed)"
echo "ok   node1's restarts: $back with a signed-for block read back with the record, $resumed resuming a signed round"
echo "PASS powerloss_net"
