#!/bin/sh
# faults_restart.sh - issue 8: restart all four validators at once under
# load (kill -9 of every process within a few milliseconds): they resume
# from disk - each at least at the height it had shown, the same chain -
# commit again, and lose nothing acknowledged. Bounded: well under a
# minute.
set -eu
V=4 F=0
. tests/integration/common.inc
. tests/integration/consortium.inc

cons_init
cons_start
echo "ok   $V validators running on $URL.."
load_start 8000 16
sleep 2
must_live 0 1 2 3
for i in 0 1 2 3; do eval "h$i=$(height_of $i)"; done
for i in 0 1 2 3; do kill -9 "$(node_pid $i)" 2>/dev/null || true; done
echo "killed all four with kill -9 at heights $h0 $h1 $h2 $h3"
load_stop
sleep 0.5
cons_start
for i in 0 1 2 3; do
	eval "was=\$h$i"
	now=$(height_of $i)
	[ "$now" -ge "$was" ] || fail "node$i came back at height $now, below the $was it had shown"
done
echo "ok   every node resumed from disk at or above its height before the kill"
no_fork 0 1 2 3
top=$(height_of 0)
load_start 8000 16
wait_height 0 $((top + 3)) 40
echo "ok   commits resume (node0 $top -> $(height_of 0))"
cons_final
echo "PASS faults_restart"
