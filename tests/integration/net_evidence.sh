#!/bin/sh
# net_evidence.sh - evidence of equivocation (specs/node.md §7.8): 4
# validators on loopback, validator 3 running the test-only build
# accordd-equivocate, which signs a second, conflicting prevote with each
# of its prevotes. The others keep committing; evidence entries naming
# validator 3, signed by the validators that saw it, land on the ledger;
# the audit (which checks them again) passes on every node.
# Ports: HTTP 18930-18933, p2p 18980-18983.
set -eu
HP=${NET_PORT:-18930}
PP=$((HP + 50))
. tests/integration/net.inc
BYZ=$BUILD/bin/accordd-equivocate
[ -x "$BYZ" ] || { echo "FAIL: not built"; exit 1; }

net_init 4 0
# Validator 3 runs the equivocating build.
net_run_node() {
	bin=$ACCORDD
	[ "$1" = 3 ] && bin=$BYZ
	exec "$bin" --config "$NET/node$1/config.json"
}
net_start
net_wait_answer

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
net_goes_on_and_audits
echo "net_evidence: ok ($found evidence entries against validator 3, audits pass)"
