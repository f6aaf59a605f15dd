#!/bin/sh
# faults_kill.sh - issue 8 fault tests with real processes (bounded: about
# a minute). 4 validators under load (accord bench load over all four,
# every 201 answer recorded with its index):
#  1. kill -9 one validator: the other three keep committing; restarted,
#     it catches up to the same head; nothing acknowledged is lost on any
#     node, and each acknowledged entry is at the same index everywhere.
#  2. kill -9 two of four: commits stop, and the two left agree (no fork);
#     bring one back: commits resume; nothing acknowledged is lost.
# Ends with one head everywhere and the audit against every node and a
# copy of every data directory.
set -eu
V=4 F=0
. tests/integration/common.inc
. tests/integration/consortium.inc

cons_init
cons_start
echo "ok   $V validators running on $URL.."

# 1. One validator killed under load.
load_start 8000 16
node_kill9 3
must_live 0 1 2
h=$(height_of 0)
wait_height 0 $((h + 5)) 20
wait_height 1 $((h + 5)) 20
echo "ok   with node3 dead the others keep committing (node0 $h -> $(height_of 0))"
node_start 3
load_stop
HEAD=$(wait_same_head 60)
echo "ok   node3 restarted and caught up: every node at $HEAD"
no_fork 0 1 2 3
acks_everywhere "$ACKS" 0 1 2 3

# 2. Two of four killed under load: no quorum.
load_start 8000 16
node_kill9 2
node_kill9 3
# A block whose precommits were already gathered may still land: let it.
sleep 2
h1=$(height_of 0)
sleep 5
h2=$(height_of 0)
must_live 0 1
[ "$h2" -eq "$h1" ] || fail "node0 committed without a quorum ($h1 -> $h2 with two of four dead)"
[ "$(height_of 1)" -eq "$h1" ] || fail "node1 at $(height_of 1), node0 at $h1: the two live validators disagree"
no_fork 0 1
echo "ok   with two of four dead commits stop at height $h1 and the two left agree"
node_start 2
wait_height 0 $((h1 + 3)) 40
echo "ok   node2 back: commits resume (node0 $h1 -> $(height_of 0))"
load_stop
node_start 3
HEAD=$(wait_same_head 60)
echo "ok   node3 back too: every node at $HEAD"
no_fork 0 1 2 3
acks_everywhere "$ACKS" 0 1 2 3
audit_all
echo "PASS faults_kill"
