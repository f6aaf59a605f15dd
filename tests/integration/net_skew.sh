#!/bin/sh
# net_skew.sh - proposer-based time (specs/consensus.md "Block time"):
# 4 validators on loopback, validator 3's clock an hour ahead (the
# test-only clock_skew_ms). Its proposals are prevoted nil by the others,
# which say why in their logs; it says why it refuses theirs; the three
# keep committing, entries submitted to it too, and no committed block
# carries its skewed time. Ports: HTTP 18910-18913, p2p 18960-18963.
set -eu
HP=${NET_PORT:-18910}
PP=$((HP + 50))
. tests/integration/net.inc

net_init 4 0 '3={"clock_skew_ms": 3600000}'
net_start
net_wait_answer

python3 - "$TMP" <<'PY'
import json, sys
a = json.load(open("tests/vectors/entries.json"))["vectors"][0]["json"]
for k in ("signatures", "compensation"):
    a.pop(k, None)
a["parties"] = ["CN-TJ"]
a["obligations"] = [o for o in a["obligations"] if o["party"] == "CN-TJ"]
a["resolution_threshold"] = 1
a["amendment_threshold"] = 1
# A historical record: its 2017 window must reach past today
# (specs/compliance.md R34).
a["grace_days"] = 7305
for i in range(8):
    a["title"] = f"net_skew agreement {i}"
    a["time"] = "2025-06-01T00:00:%02dZ" % i
    json.dump(a, open(f"{sys.argv[1]}/e{i}.json", "w"))
PY
# Enough heights for validator 3 to have proposed twice (round-robin).
i=0
while [ $i -lt 8 ]; do
	node=$((i % 4))
	"$ACCORD" submit --node "http://127.0.0.1:$((HP + node))" --key "$NET/keys/CN-TJ.key" \
		--wait "$TMP/e$i.json" >"$TMP/s$i.out" 2>&1 ||
		fail "submit $i to node$node: $(cat "$TMP/s$i.out")"
	i=$((i + 1))
done
n=0
until [ "$(height 0)" -ge 10 ]; do
	n=$((n + 1)); [ $n -lt 300 ] || fail "fewer than 10 heights"
	sleep 0.1
done

# The others refused validator 3's blocks and said why; it said why it
# refused theirs.
for i in 0 1 2; do
	grep -q "by validator 3 is untimely: block time is +3599" "$NET/node$i/accordd.log" ||
		fail "node$i did not log validator 3's untimely proposal"
done
grep -q "is untimely: block time is -3599\|is untimely: block time is -3600" "$NET/node3/accordd.log" ||
	fail "node3 did not log why it refuses the others' proposals"
# No committed block is an hour ahead, and none was proposed by 3.
python3 - "http://127.0.0.1:$HP" <<'PY' || fail "a block carries the skewed time"
import json, sys, time, urllib.request
base = sys.argv[1]
head = json.load(urllib.request.urlopen(base + "/v1/status"))["height"]
now = time.time() * 1000
for h in range(1, head + 1):
    b = json.load(urllib.request.urlopen(f"{base}/v1/blocks/{h}"))
    hd = b.get("header", b)
    assert hd["time_ms"] < now + 60000, (h, hd["time_ms"], now)
    assert hd["proposer"] != 3, (h, "proposed by the skewed validator")
PY
"$ACCORD" audit --genesis "$NET/genesis.json" --node "http://127.0.0.1:$((HP + 3))" >"$TMP/audit.out" 2>&1 ||
	fail "audit of node3: $(tail -n 3 "$TMP/audit.out")"
echo "net_skew: ok (validator 3, an hour ahead, is outvoted and says why)"
