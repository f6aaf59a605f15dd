#!/bin/sh
# net_skew.sh - proposer-based time (specs/consensus.md "Block time"):
# 4 validators on loopback, validator 3's clock an hour ahead (the
# test-only clock_skew_ms). Its proposals are prevoted nil by the others,
# which say why in their logs; it says why it refuses theirs; the three
# keep committing, entries submitted to it too, and no committed block
# carries its skewed time. Ports: HTTP 18910-18913, p2p 18960-18963.
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
ACCORDD=$BUILD/bin/accordd
[ -x "$ACCORD" ] && [ -x "$ACCORDD" ] || { echo "FAIL: not built"; exit 1; }
HP=${NET_PORT:-18910}
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
    if i == 3:
        c["clock_skew_ms"] = 3600000
    json.dump(c, open(f"{net}/node{i}/config.json", "w"), indent=1)
PY
for i in 0 1 2 3; do
	"$ACCORDD" --config "$NET/node$i/config.json" >"$NET/node$i/accordd.log" 2>&1 &
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
until [ "$(status 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])')" -ge 10 ]; do
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
