#!/bin/sh
# faults_handshake.sh - issue 8: who the peer port lets in (specs/wire.md
# §2, §4), with 4 validators running. A tiny initiator written from the
# spec (tests/integration/p2pclient.py, PyNaCl), first checked against the
# spec's handshake test vectors (§7):
#  - a key that genesis does not know is refused (no message 4);
#  - with node1 stopped, node1's own key is accepted by node0 (so the
#    client speaks the protocol right), and a replay of that handshake's
#    messages 1 and 3 on a new connection is refused;
#  - after an accepted handshake, a short, oversized, forged or truncated
#    frame closes that link;
#  - garbage, truncated and oversized input on the peer port and on the
#    HTTP port closes that connection only (tests/integration/badconn.py);
# and the consortium keeps committing, with one head everywhere at the end.
set -eu
V=4 F=0
. tests/integration/common.inc
. tests/integration/consortium.inc
# A python3 that has PyNaCl: Debian's python3-nacl is for /usr/bin/python3,
# which the python3 on PATH may not be.
PYN=""
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import nacl.bindings' 2>/dev/null; then PYN=$p; break; fi
done
[ -n "$PYN" ] || { echo "SKIP: python3-nacl is not installed (scripts/deps.sh)"; exit 77; }
P2P0=$((PORT + 100))

C=tests/integration/p2pclient.py
a=$("$PYN" $C vectors specs/wire.md --expect ok) || fail "the test client does not reproduce the spec's handshake vectors: $a"
echo "$a"

cons_init
CHAIN=$(jq -r .chain_id "$NET/genesis.json")
cons_start
echo "ok   $V validators running on $URL.."

a=$("$PYN" $C hello $P2P0 "$CHAIN" new) || true
case $a in refused*) ;; *) fail "node0 let in a key that is not in genesis: $a" ;; esac
echo "ok   a key not in genesis: $a"

node_stop 1
a=$("$PYN" $C hello $P2P0 "$CHAIN" "$NET/node1/validator.key" --save "$TMP/hs1") || true
[ "$a" = accepted ] || fail "node0 refused validator node1's own key (is the test client wrong?): $a"
echo "ok   node1's key, node1 stopped: $a (the client speaks the protocol)"
a=$("$PYN" $C replay $P2P0 "$TMP/hs1") || true
case $a in refused*) ;; *) fail "node0 accepted a replayed handshake: $a" ;; esac
echo "ok   the same handshake replayed on a new connection: $a"
a=$("$PYN" $C hello $P2P0 "other-chain" "$NET/node1/validator.key") || true
case $a in refused*) ;; *) fail "node0 accepted node1's key for another chain id: $a" ;; esac
echo "ok   node1's key with another chain id: $a"
for k in short oversized forged truncated; do
	a=$("$PYN" $C frame $P2P0 "$CHAIN" "$NET/node1/validator.key" $k) || true
	case $a in closed*) ;; *) fail "a $k frame after the handshake: $a" ;; esac
	curl -sf -m 5 "$URL/v1/status" >/dev/null || fail "node0 stopped serving after a $k frame"
	echo "ok   $a; node0 still serves"
done
node_start 1

python3 tests/integration/badconn.py peer $P2P0 "$URL" || fail "bad input on node0's peer port"
python3 tests/integration/badconn.py http "$PORT" "$URL" || fail "bad input on node0's HTTP port"

"$ACCORD" bench load --node "$(validator_urls)" --keys "$NET" --entries 400 \
	--concurrency 16 --ack-log "$ACKS" >"$TMP/load.out" 2>&1 ||
	{ cat "$TMP/load.out"; fail "the consortium no longer commits"; }
HEAD=$(wait_same_head 60)
echo "ok   the consortium still commits: every node at $HEAD"
acks_everywhere "$ACKS" 0 1 2 3
echo "PASS faults_handshake"
