#!/bin/sh
# import.sh - bulk import of every kind from the outside (specs/cli.md
# §11.5, §11.6; issue 12 item 4): an agreement's obligations from a CSV
# table, reports and attestations imported pipelined, progress as plain
# lines, a node refusal named by line with the committed lines listed, and
# a run again with --time that skips what was committed.
set -eu
. tests/integration/common.inc

expect() {
	want=$1; shift
	set +e
	"$ACCORD" "$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	set -e
	[ "$got" = "$want" ] || fail "accord $*: exit $got, want $want: $(cat "$TMP/err")"
}

net_init
net_start

# 1. Obligations from a table: 2 parties x 5 installations.
python3 - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
a = {"kind": "agreement", "title": "import test: verified emissions 2025",
     "parties": ["CN-BJ", "CN-TJ"], "obligations": [], "grace_days": 30,
     "verification": {"verifiers": ["CNEMC"], "peer_parties_may_attest": False,
                      "attestations_required": 1},
     "resolution_threshold": 2, "amendment_threshold": 2, "challenge_days": 30,
     "legal_text_hash": "00" * 32, "legal_text_uri": "https://example.org/a"}
json.dump(a, open(d + "/agreement.json", "w"))
with open(d + "/obligations.csv", "w") as f:
    f.write("party,scope,pollutant,metric,period_start,period_end,deadline,target,default_value,frequency\n")
    for p in ("CN-BJ", "CN-TJ"):
        for i in range(5):
            f.write(f"{p},plant {i},CO2,total_emissions,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,2026-03-31T00:00:00Z,{1000 + i},{2000 + i}.5,annual\n")
with open(d + "/obligations_bad.csv", "w") as f:
    f.write("party,scope,pollutant,metric,period_start,period_end,deadline,target,default_value,frequency\n")
    f.write("CN-BJ,a,CO2,total_emissions,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,2026-03-31T00:00:00Z,1000,2000,annual\n")
    f.write("CN-BJ,b,CO3,total_emissions,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,2026-03-31T00:00:00Z,1000,2000,annual\n")
    f.write("CN-BJ,c,CO2,total_emissions,2025-13-01T00:00:00Z,2026-01-01T00:00:00Z,2026-03-31T00:00:00Z,1.0001,2000,annual\n")
PY
expect 1 import obligations --csv "$TMP/obligations_bad.csv" --agreement "$TMP/agreement.json" --out "$TMP/a_bad.json"
grep -q "obligations_bad.csv:3: .*pollutant" "$TMP/err" || fail "bad pollutant not named: $(cat "$TMP/err")"
grep -q "obligations_bad.csv:4: .*target" "$TMP/err" || fail "bad target not named: $(cat "$TMP/err")"
! grep -q "obligations_bad.csv:2:" "$TMP/err" || fail "a good row was named: $(cat "$TMP/err")"
[ ! -e "$TMP/a_bad.json" ] || fail "a bad table still wrote the agreement"
expect 0 import obligations --csv "$TMP/obligations.csv" --agreement "$TMP/agreement.json" --out "$TMP/a.json"
expect 0 submit --key "$NET/keys/CN-BJ.key" --node "$URL" --wait "$TMP/a.json"
AG=$(cut -d' ' -f1 "$TMP/out")
printf '{"kind":"endorsement","agreement_id":"%s"}\n' "$AG" >"$TMP/e.json"
expect 0 submit --key "$NET/keys/CN-TJ.key" --node "$URL" --wait "$TMP/e.json"
expect 0 get entry "$AG" --node "$URL" --json
python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["entry"]["obligations"]; assert len(o)==10 and o[9]["scope"]=="plant 4" and o[9]["default_value"]==2004.5, o[9]' "$TMP/out" ||
	fail "the agreement does not hold the table's obligations"
echo "ok   import obligations: bad rows named, 10 obligations into an active agreement"

# 2. Reports of both parties, pipelined, waited for.
python3 - "$TMP" "$AG" <<'PY'
import sys
d, ag = sys.argv[1], sys.argv[2]
with open(d + "/reports.csv", "w") as f:
    f.write("agreement,party,scope,pollutant,metric,period_start,period_end,value,unit,method,data_source\n")
    for p in ("CN-BJ", "CN-TJ"):
        for i in range(5):
            f.write(f"{ag},{p},plant {i},CO2,total_emissions,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,{900 + i},t,verified,registry\n")
PY
expect 0 import reports --csv "$TMP/reports.csv" --keys "$NET/keys" --node "$URL" --concurrency 8
[ "$(grep -c ' committed: index ' "$TMP/out")" = 10 ] || fail "reports: $(cat "$TMP/out")"
grep -q "^import: 10 of 10 reports committed" "$TMP/out" || fail "reports summary: $(cat "$TMP/out")"
grep -q "^import: 10/10 submitted, 10 committed" "$TMP/err" || fail "no plain progress lines: $(cat "$TMP/err")"
echo "ok   import reports: 10 committed, progress as plain lines"

# 3. Attestations by the verifier: line 4 names a report that does not
# exist, which only the node can tell (R19).
python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
ids = [l.split()[1] for l in open(d + "/out") if " committed: index " in l]
with open(d + "/att.csv", "w") as f:
    f.write("report,opinion,reasons,comments,signer\n")
    for i, rid in enumerate(ids[:6]):
        if i == 2:
            rid = "ab" * 32
        f.write(f"{rid},verified,\"checked, on site\",,CNEMC\n")
with open(d + "/att_fixed.csv", "w") as f:
    for n, l in enumerate(open(d + "/att.csv")):
        f.write(l.replace("ab" * 32, ids[7]) if n == 3 else l)
with open(d + "/att_bad.csv", "w") as f:
    f.write("report,opinion,signer\n")
    f.write(ids[0] + ",verified,CNEMC\n")
    f.write(ids[1] + ",approved,CNEMC\n")
    f.write(ids[0] + ",not_verified,CNEMC\n")
    f.write("xyz,verified,CNEMC\n")
PY
expect 1 import attestations --csv "$TMP/att_bad.csv" --keys "$NET/keys" --node "$URL"
grep -q "att_bad.csv:3: opinion \"approved\"" "$TMP/err" || fail "bad opinion: $(cat "$TMP/err")"
grep -q "att_bad.csv:4: same report and signer as line 2" "$TMP/err" || fail "duplicate: $(cat "$TMP/err")"
grep -q "att_bad.csv:5: report \"xyz\"" "$TMP/err" || fail "bad id: $(cat "$TMP/err")"
grep -q "nothing was submitted" "$TMP/err" || fail "bad file: $(cat "$TMP/err")"
expect 1 import attestations --csv "$TMP/att.csv" --key "$NET/keys/CNEMC.key" --node "$URL" --time 2026-06-01T00:00:00Z
grep -q "att.csv:4: refused: HTTP 422: .*R19" "$TMP/err" || fail "refusal not named by line: $(cat "$TMP/err")"
grep -q "committed lines: 2-3, 5-7; already committed: none; refused: 4; not committed: none" "$TMP/err" ||
	fail "committed lines not listed: $(cat "$TMP/err")"
grep -q "run again with --time 2026-06-01T00:00:00Z" "$TMP/err" || fail "no re-run advice: $(cat "$TMP/err")"
[ "$(grep -c ' committed: index ' "$TMP/out")" = 5 ] || fail "attestations: $(cat "$TMP/out")"
# Run again, line 4 fixed, same --time: the five are skipped, one is new.
expect 0 import attestations --csv "$TMP/att_fixed.csv" --key "$NET/keys/CNEMC.key" --node "$URL" --time 2026-06-01T00:00:00Z
[ "$(grep -c 'already committed: index .* (skipped)' "$TMP/out")" = 5 ] || fail "re-run did not skip: $(cat "$TMP/out")"
grep -q "att_fixed.csv:4: .* committed: index " "$TMP/out" || fail "fixed line not committed: $(cat "$TMP/out")"
grep -q "^import: 6 of 6 attestations committed, 5 of them before this run (skipped)" "$TMP/out" || fail "re-run summary: $(cat "$TMP/out")"
echo "ok   import attestations: refusal named by line, committed lines listed, re-run skips them"

# 4. --no-wait, bad options.
expect 2 import reports --csv "$TMP/reports.csv" --keys "$NET/keys" --concurrency 64
expect 2 import reports --csv "$TMP/reports.csv" --keys "$NET/keys" --time yesterday
expect 2 import attestations --csv "$TMP/att.csv" --wait --no-wait --key "$NET/keys/CNEMC.key"
echo "PASS import"
