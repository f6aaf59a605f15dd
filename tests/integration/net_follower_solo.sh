#!/bin/sh
# net_follower_solo.sh - a follower of a validator that commits alone
# (specs/node.md §7.1, §7.6, §7.9): a one-validator devnet whose validator
# also listens for peers; the follower syncs its blocks from genesis,
# answers ?wait=commit for an entry submitted to it, serves the same log,
# passes the audit, and serves a checkpoint cosigned by the validator.
# Ports: HTTP 18940-18941, p2p 18990-18991.
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
ACCORDD=$BUILD/bin/accordd
[ -x "$ACCORD" ] && [ -x "$ACCORDD" ] || { echo "FAIL: not built"; exit 1; }
HP=${NET_PORT:-18940}
PP=$((HP + 50))
TMP=$(mktemp -d)
NET=$TMP/net
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
	echo "FAIL: $*"
	for i in 0 1; do
		echo "--- node$i log (last lines)"
		tail -n 10 "$NET/node$i/accordd.log" 2>/dev/null || true
	done
	exit 1
}

"$ACCORD" devnet init --dir "$NET" --nodes 1 --http-port "$HP" >/dev/null 2>&1 ||
	fail "devnet init"
mkdir -p "$NET/node1"
"$ACCORD" keygen --out "$NET/node1/follower.key" --role follower --id follower0 >/dev/null ||
	fail "keygen follower"
python3 - "$NET" "$HP" "$PP" <<'PY'
import json, sys
net, hp, pp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
vkey = json.load(open(f"{net}/genesis.json"))["validators"][0]["key"]
fkey = json.load(open(f"{net}/node1/follower.key"))["public_key"]
v = {"genesis": "../genesis.json", "data_dir": "data", "key": "validator.key",
     "validator": 0, "http_listen": f"127.0.0.1:{hp}",
     "p2p_listen": f"127.0.0.1:{pp}", "followers": [fkey]}
f = {"genesis": "../genesis.json", "data_dir": "data", "key": "follower.key",
     "role": "follower", "http_listen": f"127.0.0.1:{hp + 1}",
     "peers": [{"key": vkey, "addr": f"127.0.0.1:{pp}"}]}
json.dump(v, open(f"{net}/node0/config.json", "w"), indent=1)
json.dump(f, open(f"{net}/node1/config.json", "w"), indent=1)
PY
for i in 0 1; do
	"$ACCORDD" --config "$NET/node$i/config.json" >"$NET/node$i/accordd.log" 2>&1 &
	PIDS="$PIDS $!"
done
status() { curl -sf "http://127.0.0.1:$((HP + $1))/v1/status"; }
for i in 0 1; do
	n=0
	until status "$i" >/dev/null 2>&1; do
		n=$((n + 1)); [ $n -lt 100 ] || fail "node$i does not answer"
		sleep 0.1
	done
done
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
