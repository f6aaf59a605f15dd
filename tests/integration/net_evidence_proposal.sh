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
HP=${NET_PORT:-19950}
PP=$((HP + 30))
. tests/integration/net.inc
BYZ=$BUILD/bin/accordd-equivocate
[ -x "$BYZ" ] || { echo "FAIL: not built"; exit 1; }

net_init 4 0
# Validator 3 runs the equivocating build, in its proposals mode.
net_run_node() {
	bin=$ACCORDD
	ACCORD_EQUIVOCATE=
	[ "$1" = 3 ] && bin=$BYZ && ACCORD_EQUIVOCATE=proposals
	export ACCORD_EQUIVOCATE
	exec "$bin" --config "$NET/node$1/config.json"
}
net_start
net_wait_answer

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
net_goes_on_and_audits
echo "net_evidence_proposal: ok ($found proposal evidence entries against validator 3, audits pass)"
