#!/bin/sh
# consortium.sh - issue 8, "what it must show": 4 validators and 1 follower,
# real processes on loopback, started and stopped here. Entries go to the
# validators in turn (accord bench load) and through the demo scenario to
# all four; every node, the follower too, ends with the same height, log
# size and root; nothing acknowledged is missing anywhere; accord audit
# passes against each node and against a copy of each data directory.
# Env V, F: validators and followers (default 4 and 1).
set -eu
V=${V:-4} F=${F:-1}
. tests/integration/common.inc
. tests/integration/consortium.inc

cons_init
cons_start
echo "ok   $V validators and $F follower running on $URL.. (p2p on $((PORT + 100)).. )"
"$ACCORD" bench load --node "$(validator_urls)" --keys "$NET" --entries 2000 \
	--concurrency 32 --ack-log "$ACKS" >"$TMP/load.out" 2>&1 ||
	{ cat "$TMP/load.out"; fail "bench load over the $V validators"; }
grep "bench load" "$TMP/load.out"
"$ACCORD" demo --node "$(validator_urls)" --keys "$NET" >"$TMP/demo.out" 2>&1 ||
	{ tail -20 "$TMP/demo.out"; fail "the demo scenario over the $V validators"; }
echo "ok   the demo scenario committed, its entries spread over the $V validators"
HEAD=$(wait_same_head 60)
echo "ok   every node, the follower too, at height/size/root: $HEAD"
no_fork $(all_nodes)
acks_everywhere "$ACKS" $(all_nodes)
# A follower serves the read API: an entry, a proof.
if [ "$F" -gt 0 ]; then
	FURL=$(url_of $V)
	"$ACCORD" get entry 0 --node "$FURL" >/dev/null || fail "the follower does not serve entry 0"
	"$ACCORD" proof inclusion --node "$FURL" --index 0 >/dev/null || fail "the follower does not prove entry 0"
	echo "ok   the follower serves entries and proofs"
fi
# specs/node.md §7.10: a validator meets signatures it checked before
# (a proposal checked by the driver and the core, the certificate of the
# height before in each block) and the cache answers them.
i=0
while [ $i -lt "$V" ]; do
	hits=$(curl -sf "$(url_of $i)/metrics" | awk '$1 == "accord_signature_cache_hits_total" {print $2}')
	[ -n "$hits" ] && [ "$hits" -gt 0 ] ||
		fail "node$i: accord_signature_cache_hits_total is '${hits:-missing}', want > 0"
	i=$((i + 1))
done
echo "ok   every validator's signature cache answered repeated checks"
audit_all
echo "PASS consortium"
