#!/bin/sh
# realdata.sh - issue 12 on a running node: the EU ETS year 2015 of
# Luxembourg (../shared/data/domain/eutl_LU_verified_emissions_long.csv)
# entered today with its real deadline (30 April 2016, no grace): a
# historical record (specs/compliance.md R34) whose reports are all late
# (R16, §6.5), in t CO2e (specs/encoding.md §3.1), the EUR 100 per tonne
# of excess paid to a fund of genesis (specs/genesis.md §2). Every status
# is checked against the EU's compliance code. The full year, in-process,
# is tests/unit/test_realdata.c; this is the node's end of it.
set -eu
. tests/integration/common.inc

CSV=../shared/data/domain/eutl_LU_verified_emissions_long.csv
[ -r "$CSV" ] || fail "$CSV is missing (../shared/data beside the checkout)"

"$ACCORD" devnet init --dir "$NET" --nodes 1 --http-port "$PORT" --parties LU \
	--verifiers LU-VERIF >/dev/null || fail "devnet init"
# The state treasury as a fund: genesis is written before the first start.
python3 - "$NET/genesis.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
g["funds"] = [{"id": "LU-STATE", "name": "Luxembourg State Treasury"}]
json.dump(g, open(sys.argv[1], "w"), indent=2)
PY
net_start

python3 - "$ACCORD" "$URL" "$NET" "$CSV" "$TMP" <<'PY' || fail "the 2015 year does not come out as the EU's codes say"
import csv, json, subprocess, sys
ACCORD, URL, NET, CSV, TMP = sys.argv[1:]
rows = [r for r in csv.DictReader(open(CSV, encoding="utf-8")) if r["year"] == "2015"]
assert len(rows) == 29, len(rows)

def num(s):
    return int(s) if s.isdigit() else None

def submit(entry, key, wait):
    path = "%s/e.json" % TMP
    json.dump(entry, open(path, "w"))
    args = [ACCORD, "submit", "--node", URL, "--key", "%s/keys/%s.key" % (NET, key), "--json"]
    out = subprocess.run(args + (["--wait"] if wait else []) + [path],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["id"]

high = {}
for r in csv.DictReader(open(CSV, encoding="utf-8")):
    v = num(r["verified_emissions_tco2e"])
    if v is not None:
        high[r["installation_id"]] = max(high.get(r["installation_id"], 0), v)
obs, files = [], []
for r in rows:
    if r["verified_emissions_tco2e"] == "Excluded" and r["compliance_code"] != "C":
        continue  # excluded from the scheme that year: no obligation
    target = num(r["units_surrendered"]) or 0
    default = max(high.get(r["installation_id"], 0) * 6 // 5, target + 1)
    scope = "installation %s" % r["installation_id"]
    obs.append({"party": "LU", "scope": scope, "pollutant": "CO2e",
                "metric": "total_emissions", "target": target, "default_value": default,
                "period_start": "2015-01-01T00:00:00Z", "period_end": "2016-01-01T00:00:00Z",
                "deadline": "2016-04-30T23:59:59Z", "frequency": "annual"})
    files.append((scope, r))
aid = submit({"kind": "agreement", "title": "EU ETS Luxembourg 2015", "parties": ["LU"],
              "obligations": obs, "grace_days": 0,
              "verification": {"verifiers": ["LU-VERIF"], "peer_parties_may_attest": False,
                               "attestations_required": 1},
              "compensation": {"rate": 100, "currency": "EUR", "payee": "LU-STATE"},
              "resolution_threshold": 1, "amendment_threshold": 1, "challenge_days": 30,
              "legal_text_hash": "00" * 32,
              "legal_text_uri": "https://eur-lex.europa.eu/eli/dir/2003/87/oj"}, "LU", True)
reported = [(s, r) for s, r in files
            if r["compliance_code"] != "C" and num(r["verified_emissions_tco2e"]) is not None]
rids = [submit({"kind": "report", "agreement_id": aid, "party": "LU", "scope": s,
                "pollutant": "CO2e", "metric": "total_emissions",
                "period_start": "2015-01-01T00:00:00Z", "period_end": "2016-01-01T00:00:00Z",
                "value": int(r["verified_emissions_tco2e"]), "unit": "t CO2e",
                "method": "EU ETS verified emissions", "data_source": "EUTL",
                "attachments": []}, "LU", i == len(reported) - 1)
        for i, (s, r) in enumerate(reported)]
for i, rid in enumerate(rids):
    submit({"kind": "attestation", "report_id": rid, "opinion": "verified",
            "reasons": "", "comments": ""}, "LU-VERIF", i == len(rids) - 1)

out = subprocess.run([ACCORD, "compliance", "--node", URL, "--agreement", aid,
                      "--format", "json"], capture_output=True, text=True)
assert out.returncode == 0, out.stderr
got = json.loads(out.stdout)
got = got["rows"] if isinstance(got, dict) else got
assert len(got) == len(obs) == 27, len(got)
by = {g["scope"]: g for g in got}
count = {}
for s, r in files:
    g, code = by[s], r["compliance_code"]
    count[g["status"]] = count.get(g["status"], 0) + 1
    assert g["unit"] == "t CO2e", g
    if code == "C":
        assert g["status"] == "not_reported" and g["assessed"] == "default", g
        assert g["compensation"]["payee"] == "LU-STATE" and g["compensation"]["fund"], g
        continue
    assert g["late"] and g["days_late"] > 3800, g
    assert g["reported"] == int(r["verified_emissions_tco2e"]), g
    if code == "B":
        excess = int(r["verified_emissions_tco2e"]) - (num(r["units_surrendered"]) or 0)
        assert g["status"] == "missed" and g["shortfall"] == excess, g
        assert g["compensation"]["amount"] == 100 * excess, g
        assert g["compensation"]["payee"] == "LU-STATE" and g["compensation"]["fund"], g
    else:
        assert code in ("A", "A*") and g["status"] == "met", (code, g)
assert count == {"met": 23, "missed": 2, "not_reported": 2}, count
PY
echo "PASS realdata"
