#!/bin/sh
# net_evidence_proposal.sh - evidence of conflicting proposals
# (specs/node.md §7.8, specs/encoding.md §5.8 proposal form): 4 validators
# on loopback, validator 3 running the test-only build accordd-equivocate
# with ACCORD_EQUIVOCATE=proposals, which follows each of its proposals
# with a conflicting one for a twin block. The others keep committing;
# proposal evidence naming validator 3, signed by the validators that saw
# it, lands on the ledger at most once per (height, round) (R32); the
# audit (which checks it again) passes on every node.
# Ports: HTTP 19950-19953, p2p 19980-19983.
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
ACCORDD=$BUILD/bin/accordd
BYZ=$BUILD/bin/accordd-equivocate
[ -x "$ACCORD" ] && [ -x "$ACCORDD" ] && [ -x "$BYZ" ] || { echo "FAIL: not built"; exit 1; }
HP=${NET_PORT:-19950}
PP=$((HP + 30))
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
	mode=
	[ $i = 3 ] && bin=$BYZ && mode=proposals
	ACCORD_EQUIVOCATE=$mode "$bin" --config "$NET/node$i/config.json" >"$NET/node$i/accordd.log" 2>&1 &
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

# Proposal evidence lands (validator 3 proposes every fourth height),
# once per offence, and the chain keeps growing past it.
B3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["public_key"])' "$NET/node3/validator.key")
n=0
while :; do
	found=$(python3 - "http://127.0.0.1:$HP" "$B3" <<'PY'
import json, sys, urllib.request
base, b3 = sys.argv[1], sys.argv[2]
size = json.load(urllib.request.urlopen(base + "/v1/status"))["log_size"]
found, seen = 0, set()
for i in range(size):
    e = json.load(urllib.request.urlopen(f"{base}/v1/entries/{i}"))
    e = e.get("entry", e)
    if e.get("kind") != "evidence":
        continue
    assert "votes" not in e, "vote evidence from a proposal equivocator"
    assert e["validator"] == b3, ("evidence against", e["validator"])
    assert b3 not in [s["key"] for s in e["signatures"]], "self-reported"
    p = e["proposals"]
    assert len(p) == 2 and p[0]["height"] == p[1]["height"] and p[0]["round"] == p[1]["round"]
    assert p[0]["block_hash"] != p[1]["block_hash"], "same block"
    key = (p[0]["height"], p[0]["round"])
    assert key not in seen, ("twice", key)   # R32
    seen.add(key)
    found += 1
print(found)
PY
) || fail "reading the log"
	[ "$found" -ge 2 ] && break
	n=$((n + 1)); [ $n -lt 150 ] || fail "no proposal evidence on the ledger after 30 s (found $found)"
	sleep 0.2
done
grep -q "validator 3 signed two proposals" "$NET/node0/accordd.log" ||
	grep -q "validator 3 signed two proposals" "$NET/node1/accordd.log" ||
	fail "node0 and node1 did not log the equivocation"
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
echo "net_evidence_proposal: ok ($found proposal evidence entries against validator 3, audits pass)"
