#!/bin/sh
# net_follower_solo.sh - a follower of a validator that commits alone
# (specs/node.md §7.1, §7.6, §7.9): a one-validator devnet whose validator
# also listens for peers; the follower syncs its blocks from genesis,
# answers ?wait=commit for an entry submitted to it, serves the same log,
# passes the audit, and serves a checkpoint cosigned by the validator.
# Ports: HTTP 18940-18941, p2p 18990-18991.
set -eu
HP=${NET_PORT:-18940}
PP=$((HP + 50))
. tests/integration/net.inc

# The validator also listens for peers; the follower dials it.
net_init 1 1
net_start
net_wait_answer
"$ACCORD" demo --node "http://127.0.0.1:$HP" --keys "$NET" >"$TMP/demo.out" 2>&1 ||
	fail "accord demo: $(tail -n 3 "$TMP/demo.out")"
# An entry submitted to the follower is forwarded to the validator and
# answered when the follower has the block.
python3 - "$TMP/e.json" <<'PY'
import json, sys
a = json.load(open("tests/vectors/entries.json"))["vectors"][0]["json"]
for k in ("signatures", "compensation"):
    a.pop(k, None)
a["title"] = "net_follower_solo agreement"
a["time"] = "2025-06-01T00:00:00Z"
a["parties"] = ["CN-TJ"]
a["obligations"] = [o for o in a["obligations"] if o["party"] == "CN-TJ"]
a["resolution_threshold"] = 1
a["amendment_threshold"] = 1
a["grace_days"] = 7305
json.dump(a, open(sys.argv[1], "w"))
PY
"$ACCORD" submit --node "http://127.0.0.1:$((HP + 1))" --key "$NET/keys/CN-TJ.key" --wait "$TMP/e.json" \
	>"$TMP/s.out" 2>&1 || fail "submit to the follower: $(cat "$TMP/s.out")"
n=0
while :; do
	a=$(status 0 | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["log_size"], j["log_root"])')
	b=$(status 1 | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["log_size"], j["log_root"])')
	[ "$a" = "$b" ] && break
	n=$((n + 1)); [ $n -lt 100 ] || fail "the follower does not catch up: $a / $b"
	sleep 0.1
done
"$ACCORD" audit --genesis "$NET/genesis.json" --node "http://127.0.0.1:$((HP + 1))" >"$TMP/audit.out" 2>&1 ||
	fail "audit of the follower: $(tail -n 3 "$TMP/audit.out")"
n=0
until "$ACCORD" checkpoint --genesis "$NET/genesis.json" --node "http://127.0.0.1:$((HP + 1))" \
	>"$TMP/cp.out" 2>&1; do
	n=$((n + 1)); [ $n -lt 50 ] || fail "checkpoint of the follower: $(cat "$TMP/cp.out")"
	sleep 0.1
done
echo "net_follower_solo: ok (log size ${a%% *} on both, audit and checkpoint verify on the follower)"
