#!/bin/sh
# net_evidence.sh - evidence of equivocation (specs/node.md §7.8): 4
# validators on loopback, validator 3 running the test-only build
# accordd-equivocate, which signs a second, conflicting prevote with each
# of its prevotes. The others keep committing; evidence entries naming
# validator 3, signed by the validators that saw it, land on the ledger;
# the audit (which checks them again) passes on every node.
# Ports: HTTP 18930-18933, p2p 18980-18983.
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
ACCORDD=$BUILD/bin/accordd
BYZ=$BUILD/bin/accordd-equivocate
[ -x "$ACCORD" ] && [ -x "$ACCORDD" ] && [ -x "$BYZ" ] || { echo "FAIL: not built"; exit 1; }
HP=${NET_PORT:-18930}
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
	for i in 0 1 2 3; do
		echo "--- node$i log (last lines)"
		tail -n 10 "$NET/node$i/accordd.log" 2>/dev/null || true
	done
	exit 1
}

"$ACCORD" devnet init --dir "$NET" --nodes 4 --http-port "$HP" >/dev/null 2>&1 ||
	fail "devnet init"
python3 - "$NET" "$HP" "$PP" <<'PY'
import json, sys
net, hp, pp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
keys = [v["key"] for v in json.load(open(f"{net}/genesis.json"))["validators"]]
for i in range(4):
    c = {"genesis": "../genesis.json", "data_dir": "data", "key": "validator.key",
         "validator": i, "http_listen": f"127.0.0.1:{hp + i}",
         "p2p_listen": f"127.0.0.1:{pp + i}", "log_level": "info",
         "peers": [{"key": keys[j], "addr": f"127.0.0.1:{pp + j}"}
                   for j in range(4) if j != i]}
    json.dump(c, open(f"{net}/node{i}/config.json", "w"), indent=1)
PY
for i in 0 1 2 3; do
	bin=$ACCORDD
	[ $i = 3 ] && bin=$BYZ
	"$bin" --config "$NET/node$i/config.json" >"$NET/node$i/accordd.log" 2>&1 &
	PIDS="$PIDS $!"
done
status() { curl -sf "http://127.0.0.1:$((HP + $1))/v1/status"; }
for i in 0 1 2 3; do
	n=0
	until status "$i" >/dev/null 2>&1; do
		n=$((n + 1)); [ $n -lt 100 ] || fail "node$i does not answer"
		sleep 0.1
	done
done

# Evidence entries land (the first equivocation is at height 1), and the
# chain keeps growing past them.
B3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["public_key"])' "$NET/node3/validator.key")
n=0
while :; do
	found=$(python3 - "http://127.0.0.1:$HP" "$B3" <<'PY'
import json, sys, urllib.request
base, b3 = sys.argv[1], sys.argv[2]
size = json.load(urllib.request.urlopen(base + "/v1/status"))["log_size"]
found = 0
for i in range(size):
    e = json.load(urllib.request.urlopen(f"{base}/v1/entries/{i}"))
    e = e.get("entry", e)
    if e.get("kind") == "evidence":
        assert e["validator"] == b3, ("evidence against", e["validator"])
        assert b3 not in [s["key"] for s in e["signatures"]], "self-reported"
        found += 1
print(found)
PY
) || fail "reading the log"
	[ "$found" -ge 2 ] && break
	n=$((n + 1)); [ $n -lt 150 ] || fail "no evidence on the ledger after 30 s (found $found)"
	sleep 0.2
done
grep -q "validator 3 signed two prevotes" "$NET/node0/accordd.log" ||
	fail "node0 did not log the equivocation"
h0=$(status 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])')
n=0
until [ "$(status 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])')" -ge $((h0 + 3)) ]; do
	n=$((n + 1)); [ $n -lt 150 ] || fail "commits stopped after the evidence"
	sleep 0.2
done
for i in 0 1 2 3; do
	"$ACCORD" audit --genesis "$NET/genesis.json" --node "http://127.0.0.1:$((HP + i))" \
		>"$TMP/audit$i.out" 2>&1 || fail "audit of node$i: $(tail -n 3 "$TMP/audit$i.out")"
done
echo "net_evidence: ok ($found evidence entries against validator 3, audits pass)"
