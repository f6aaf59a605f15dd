#!/bin/sh
# faults_partition.sh - issue 8 fault tests through a fault-injecting TCP
# proxy (tests/integration/netproxy.py): every byte between two validators
# goes through a link of the proxy that the test controls. Under load:
#  1. a 2+2 split ({0,1} | {2,3}, links cut): commits stop, nothing
#     forks; healed: commits resume;
#  2. every link delayed (80 ms each way) and one pair of links lossy
#     (connections dropped at random): commits slow down but go on, and
#     never fork.
# Ends with one head everywhere, every acknowledged entry on every node at
# its index, and the audits. Bounded: about a minute.
set -eu
V=4 F=0
. tests/integration/common.inc
. tests/integration/consortium.inc

cons_init
proxy_setup
cons_start
echo "ok   $V validators running, every peer link through the proxy"
load_start 8000 16

# 1. 2+2 split.
proxy_between cut "0 1" "2 3"
sleep 3
h1=$(height_of 0); g1=$(height_of 2)
sleep 5
h2=$(height_of 0); g2=$(height_of 2)
must_live 0 1 2 3
[ "$h2" -eq "$h1" ] || fail "side {0,1} committed without a quorum ($h1 -> $h2)"
[ "$g2" -eq "$g1" ] || fail "side {2,3} committed without a quorum ($g1 -> $g2)"
no_fork 0 1 2 3
echo "ok   split 2+2: commits stop (heights $h2 and $g2) and no block differs"
proxy_between pass "0 1" "2 3"
top=$h2; [ "$g2" -le "$top" ] || top=$g2
wait_height 0 $((top + 3)) 40
wait_height 2 $((top + 3)) 40
echo "ok   healed: commits resume (node0 at $(height_of 0), node2 at $(height_of 2))"

# 2. Slow and lossy links.
proxy_ctl mode '*' delay 80
proxy_between flaky "0" "1" 0.02
h=$(height_of 0)
wait_height 0 $((h + 3)) 60
wait_height 3 $((h + 3)) 60
must_live 0 1 2 3
no_fork 0 1 2 3
echo "ok   delayed and lossy links: commits go on (node0 $h -> $(height_of 0)), no fork"
proxy_ctl mode '*' pass
cons_final
echo "PASS faults_partition"
