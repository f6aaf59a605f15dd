#!/bin/sh
# import.sh - the bulk import's rate beside the load generator's (issue 12
# item 4; specs/cli.md §11.5): on a 1-validator devnet, 10,000 reports
# imported from CSV (accord import reports --keys, pipelined) and then
# 10,000 attestations of them (accord import attestations), each timed as
# the whole command (reading, checking, matching, signing, posting,
# waiting for every commit), side by side with `accord bench load` at the
# same concurrency (pre-signed, timed over posting only). Target: the
# import within 80% of the load generator's rate. Prints, never fails on
# time (shared machines are noisy); exits non-zero only when a step fails.
# Env: BUILD (build dir), IMPORT_ENTRIES (default 10000), IMPORT_CONCURRENCY
# (default 32), IMPORT_PORT (default: a free one from 19930).
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
N=${IMPORT_ENTRIES:-10000}
C=${IMPORT_CONCURRENCY:-32}
TMP=$(mktemp -d)
NET=$TMP/net
cleanup() {
	"$ACCORD" devnet stop --dir "$NET" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT
[ -x "$ACCORD" ] && [ -x "$BUILD/bin/accordd" ] || { echo "bench import: run make first"; exit 1; }

port=${IMPORT_PORT:-$(python3 - <<'PY'
import socket
for p in range(19930, 19950):
    ok = True
    for q in (p, p + 100):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", q))
        except OSError:
            ok = False
        s.close()
    if ok:
        print(p)
        break
PY
)}
URL=http://127.0.0.1:$port
"$ACCORD" devnet init --dir "$NET" --nodes 1 --http-port "$port" >/dev/null
"$ACCORD" devnet start --dir "$NET" --detach >/dev/null

# Agreements of 500 obligations each (an entry holds about 900:
# specs/encoding.md §2.4), over the devnet's four parties, endorsed by all.
per=500
agreements=$(( (N + per - 1) / per ))
python3 - "$TMP" "$N" "$per" <<'PY'
import json, sys
d, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
parties = ["CN-BJ", "CN-TJ", "CN-HE", "CN-SD"]
a = {"kind": "agreement", "parties": parties, "grace_days": 30,
     "verification": {"verifiers": ["CNEMC"], "peer_parties_may_attest": False,
                      "attestations_required": 1},
     "resolution_threshold": 3, "amendment_threshold": 4, "challenge_days": 30,
     "legal_text_hash": "00" * 32, "legal_text_uri": "https://example.org/bench"}
head = "party,scope,pollutant,metric,period_start,period_end,deadline,target,default_value,frequency\n"
for k in range((n + per - 1) // per):
    a["title"] = f"bench import {k}"
    json.dump(a, open(f"{d}/a{k}.json", "w"))
    with open(f"{d}/o{k}.csv", "w") as f:
        f.write(head)
        for i in range(k * per, min(n, (k + 1) * per)):
            f.write(f"{parties[i % 4]},i{i},CO2,total_emissions,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,2026-04-30T00:00:00Z,1000,2000,annual\n")
PY
: >"$TMP/ids"
k=0
while [ $k -lt $agreements ]; do
	"$ACCORD" import obligations --csv "$TMP/o$k.csv" --agreement "$TMP/a$k.json" --out "$TMP/f$k.json" 2>/dev/null
	"$ACCORD" submit --key "$NET/keys/CN-BJ.key" --node "$URL" "$TMP/f$k.json" | cut -d' ' -f1 >>"$TMP/ids"
	k=$((k + 1))
done
sleep 1
for ag in $(cat "$TMP/ids"); do
	for p in CN-TJ CN-HE CN-SD; do
		printf '{"kind":"endorsement","agreement_id":"%s"}\n' "$ag" >"$TMP/e.json"
		"$ACCORD" submit --key "$NET/keys/$p.key" --node "$URL" "$TMP/e.json" >/dev/null
	done
done
sleep 1
python3 - "$TMP" "$N" "$per" <<'PY'
import sys
d, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ids = open(d + "/ids").read().split()
parties = ["CN-BJ", "CN-TJ", "CN-HE", "CN-SD"]
with open(d + "/reports.csv", "w") as f:
    f.write("agreement,party,scope,pollutant,metric,period_start,period_end,value,unit,method,data_source\n")
    for i in range(n):
        f.write(f"{ids[i // per]},{parties[i % 4]},i{i},CO2,total_emissions,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,{900 + i % 200},t,verified,bench\n")
PY

# rate COMMAND...: run it, print the rows per second of the whole command.
secs() { python3 -c 'import time; print(time.time())'; }
rate_of() {
	t0=$(secs)
	"$@" >"$TMP/out" 2>"$TMP/err" || { echo "bench import: $* failed:"; tail -n 5 "$TMP/err"; exit 1; }
	t1=$(secs)
	python3 -c "import sys; print('%.0f' % ($N / ($t1 - $t0)))"
}

echo "== bench import: $N rows each, concurrency $C, 1 validator"
r_rep=$(rate_of "$ACCORD" import reports --csv "$TMP/reports.csv" --keys "$NET/keys" --node "$URL" --concurrency "$C")
tail -n 1 "$TMP/out"
python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
ids = [l.split()[1] for l in open(d + "/out") if " committed: index " in l]
with open(d + "/att.csv", "w") as f:
    f.write("report,opinion,reasons\n")
    for rid in ids:
        f.write(f"{rid},verified,bench\n")
PY
r_att=$(rate_of "$ACCORD" import attestations --csv "$TMP/att.csv" --key "$NET/keys/CNEMC.key" --node "$URL" --concurrency "$C")
tail -n 1 "$TMP/out"
"$ACCORD" bench load --node "$URL" --keys "$NET" --entries "$N" --concurrency "$C" --json >"$TMP/load.json"
r_load=$(python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["entries_per_second"])' "$TMP/load.json")
python3 - "$r_rep" "$r_att" "$r_load" "$C" <<'PY'
import sys
rep, att, load, c = map(float, sys.argv[1:5])
print(f"bench load (pre-signed, posting only)   {load:8.0f} entries/s at concurrency {c:.0f}")
for name, r in (("import reports (whole command)", rep), ("import attestations (whole command)", att)):
    pct = 100 * r / load if load else 0
    print(f"{name:38s}  {r:8.0f} rows/s    {pct:5.1f}% of bench load  ({'meets' if pct >= 80 else 'MISSES'} the 80% target)")
PY
