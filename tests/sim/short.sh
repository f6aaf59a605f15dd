#!/bin/sh
# short.sh - the short simulator campaign run by `make test`: a few hundred
# seeds over every attack and configuration (large enough to find the
# mutant r22-lock-ignored of tests/mutants), a few with real Ed25519, the
# unsafe-quorum canary (it must find a violation), and a replay check (one
# seed run twice gives the same trace hash). BUILD names the build
# directory; SIM overrides the simulator binary (tests/mutants uses it).
set -eu
BUILD=${BUILD:-build}
SIM=${SIM:-"$BUILD/bin/sim"}

"$SIM" --seeds 1000 --validators 4 --byzantine 1 --attack lock
"$SIM" --seeds 300 --validators 4 --byzantine 1 --attack forge
"$SIM" --seeds 300 --validators 4 --byzantine 1
"$SIM" --seeds 200 --validators 7 --byzantine 2 --attack lock
"$SIM" --seeds 120 --validators 7 --byzantine 2
"$SIM" --seeds 30 --validators 13 --byzantine 4
"$SIM" --seeds 200 --validators 5 --byzantine 1 --random-power
"$SIM" --seeds 60 --validators 10 --byzantine 3 --random-power
"$SIM" --seeds 10 --validators 4 --byzantine 1 --real-crypto
"$SIM" --seeds 20 --validators 4 --byzantine 0 --no-faults
# Byzantine validators that never serve a block (specs/consensus.md
# "Relaying votes": 4 of these 1000 seeds stalled before it).
"$SIM" --seeds 1000 --validators 4 --byzantine 1 --attack mix --byz-withhold

# The canary: a simple-majority quorum must lose safety.
"$SIM" --seeds 50 --validators 7 --byzantine 2 --unsafe-quorum

# Replay: the same seed gives the same run, event for event.
a=$("$SIM" --seed 4242 --validators 7 --byzantine 2 | sed -n 's/.*trace=\([0-9a-f]*\).*/\1/p')
b=$("$SIM" --seed 4242 --validators 7 --byzantine 2 | sed -n 's/.*trace=\([0-9a-f]*\).*/\1/p')
if [ -z "$a" ] || [ "$a" != "$b" ]; then
	echo "replay: trace hashes differ: '$a' vs '$b'"
	exit 1
fi
t1=$("$SIM" --seed 4242 --validators 7 --byzantine 2 --trace | grep -v "heights/s" | cksum)
t2=$("$SIM" --seed 4242 --validators 7 --byzantine 2 --trace | grep -v "heights/s" | cksum)
if [ "$t1" != "$t2" ]; then
	echo "replay: printed traces differ"
	exit 1
fi
echo "replay: seed 4242 twice, trace $a both times"
echo "short campaign: clean"
