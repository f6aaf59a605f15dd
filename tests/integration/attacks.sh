#!/bin/sh
# attacks.sh - the adversarial scenarios of issue 10 (findings 1-9,
# specs/compliance.md §2.9) played against a real one-validator node: a
# party that wants to avoid paying, a colluding verifier, a rival that
# wants to frame another. Each attack asserts the exact row it leaves
# (status, shortfall, compensation) or the rule that refuses it, so that
# a later rule change cannot reopen it. The attacks refused before issue
# 10 are played too.
set -eu
. tests/integration/common.inc

# HTTP in 19300-19399 (p2p at +100), the first free from 19330.
PORT=$(python3 - <<'PY'
import socket
for p in list(range(19330, 19400)) + list(range(19300, 19330)):
    try:
        for q in (p, p + 100):
            s = socket.socket()
            s.bind(("127.0.0.1", q))
            s.close()
        print(p)
        break
    except OSError:
        pass
PY
)
[ -n "$PORT" ] || fail "no free port in 19300-19399"
URL=http://127.0.0.1:$PORT

net_init
net_start

python3 - "$ACCORD" "$URL" "$NET" "$TMP" <<'PY' || fail "an attack did not end as specs/compliance.md §2.9 says"
import datetime, json, subprocess, sys, time

ACCORD, URL, NET, TMP = sys.argv[1:5]
seq = [0]
fails = []


def key(who):
    return "%s/keys/%s.key" % (NET, who)


def write(entry):
    seq[0] += 1
    path = "%s/e%d.json" % (TMP, seq[0])
    with open(path, "w") as f:
        json.dump(entry, f)
    return path


def submit(entry, *signers, refuse=None):
    """Sign by every signer (resolutions take several) and submit with
    --wait. refuse: a text the refusal must contain; None: must commit."""
    path = write(entry)
    for s in signers[:-1]:
        out = subprocess.run([ACCORD, "submit", "--node", URL, "--key", key(s),
                              "--sign-only", path], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        path = write(json.loads(out.stdout))
    out = subprocess.run([ACCORD, "submit", "--node", URL, "--key", key(signers[-1]),
                          "--wait", "--json", path], capture_output=True, text=True)
    if refuse is None:
        if out.returncode != 0:
            raise AssertionError("refused: %s %s" % (entry["kind"], out.stderr.strip()))
        return json.loads(out.stdout)["id"]
    if out.returncode == 0:
        raise AssertionError("accepted, want refused with %r: %s" % (refuse, entry))
    if refuse not in out.stderr:
        raise AssertionError("refused without %r: %s" % (refuse, out.stderr.strip()))
    return None


def rows(agreement, party):
    out = subprocess.run([ACCORD, "compliance", "--node", URL, "--agreement", agreement,
                          "--party", party, "--format", "json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    r = r["rows"] if isinstance(r, dict) else r
    assert len(r) == 1, r
    return r[0]


def expect(name, agreement, party, status, shortfall=None, amount=None, **more):
    r = rows(agreement, party)
    got = (r["status"], r["shortfall"], r["compensation"]["amount"] if r["compensation"] else None)
    if got != (status, shortfall, amount):
        raise AssertionError("%s: row %s, want %s" % (name, got, (status, shortfall, amount)))
    for k, v in more.items():
        have = r["compensation"].get(k) if k in ("payee", "payees", "capped") else r.get(k)
        if k == "correction":
            have = have and have["note"]
        if have != v:
            raise AssertionError("%s: %s is %r, want %r" % (name, k, have, v))
    return r


def attack(name, fn):
    try:
        fn()
        print("ok   %s" % name)
    except AssertionError as e:
        fails.append(name)
        print("FAIL %s: %s" % (name, e))


now = datetime.datetime.now(datetime.timezone.utc)
Y = now.year - 1
PS, PE = "%d-01-01T00:00:00Z" % Y, "%d-01-01T00:00:00Z" % (Y + 1)
DL = "%d-03-31T23:59:59Z" % (Y + 1)
HASH = "00" * 32


def obligation(party, target, default, metric="annual_mean_concentration", **extra):
    o = {"party": party, "scope": "", "pollutant": "PM2.5", "metric": metric,
         "target": target, "default_value": default, "period_start": PS, "period_end": PE,
         "deadline": DL, "frequency": "annual"}
    o.update(extra)
    return o


def agreement(title, parties, obligations, rate=None, payee=None, grace=7305,
              att=1, peers=False, res=2, amend=None, supersedes=None):
    a = {"kind": "agreement", "title": title, "parties": parties, "obligations": obligations,
         "grace_days": grace,
         "verification": {"verifiers": ["CNEMC"], "peer_parties_may_attest": peers,
                          "attestations_required": att},
         "resolution_threshold": res, "amendment_threshold": amend or len(parties),
         "challenge_days": 30, "legal_text_hash": HASH, "legal_text_uri": "urn:accord:attacks"}
    if rate is not None:
        a["compensation"] = {"rate": rate, "currency": "CNY", "payee": payee}
    if supersedes:
        a["supersedes"] = supersedes
    return a


def in_force(a, proposer, parties):
    aid = submit(a, proposer)
    for p in parties:
        if p != proposer:
            submit({"kind": "endorsement", "agreement_id": aid}, p)
    return aid


def report(aid, party, value=None, nk=None, ps=PS, pe=PE, metric="annual_mean_concentration"):
    r = {"kind": "report", "agreement_id": aid, "party": party, "scope": "",
         "pollutant": "PM2.5", "metric": metric, "period_start": ps, "period_end": pe,
         "unit": "%" if metric == "percent_reduction" else "µg/m³", "method": "annual mean",
         "data_source": "urn:accord:attacks", "attachments": []}
    if nk is None:
        r["value"] = value
    else:
        r["notation_key"] = nk
    return r


def attest(rid, who="CNEMC"):
    return {"kind": "attestation", "report_id": rid, "opinion": "verified",
            "reasons": "", "comments": ""}


def challenge(target, reason="the figure is disputed"):
    return {"kind": "challenge", "target_id": target, "reason": reason}


def resolution(cid, outcome):
    return {"kind": "resolution", "challenge_id": cid, "outcome": outcome, "note": "decided"}


THREE = ["CN-HE", "CN-TJ", "CN-BJ"]
# The Yangtze agreement of the issue (CN-HE stands in for Jiangsu and for
# CN-A): PM2.5 ≤ 35, default 46.666, 500,000 CNY per µg/m³ to CN-TJ.
Y3 = in_force(agreement("attacks: Yangtze PM2.5", THREE,
                        [obligation(p, 35, 46.666) for p in THREE], 500000, "CN-TJ"),
              "CN-HE", THREE)
state = {}


def f2_correction():
    r1 = submit(report(Y3, "CN-HE", 38.4), "CN-HE")
    submit(attest(r1), "CNEMC")
    expect("verified miss", Y3, "CN-HE", "missed", 3.4, 1700000)
    submit(report(Y3, "CN-HE", 30.0), "CN-HE")
    expect("unattested correction", Y3, "CN-HE", "missed", 3.4, 1700000,
           correction="correction awaiting verification", reported=38.4)
    state["he_report"] = r1


def f1_supersession():
    a = agreement("attacks: CN-HE alone", ["CN-HE"], [obligation("CN-HE", 50, 60)],
                  res=1, supersedes=Y3)
    b = submit(a, "CN-HE")
    expect("after the one-party successor", Y3, "CN-HE", "missed", 3.4, 1700000)
    import urllib.request
    view = json.load(urllib.request.urlopen("%s/v1/agreements/%s" % (URL, b)))
    assert view["state"] == "proposed" and view["amendment_threshold"] == 1, view
    old = json.load(urllib.request.urlopen("%s/v1/agreements/%s" % (URL, Y3)))
    assert old["state"] == "active" and old["superseded_by"] is None, old
    # The successor is proposed: no rows of its own.
    r = subprocess.run([ACCORD, "compliance", "--node", URL, "--agreement", b, "--format",
                        "json"], capture_output=True, text=True)
    body = json.loads(r.stdout)
    assert (body["rows"] if isinstance(body, dict) else body) == [], body
    submit({"kind": "endorsement", "agreement_id": b}, "CN-SD", refuse="R8:")


def f3_challenges():
    r1 = state["he_report"]
    submit(challenge(r1), "CN-HE", refuse="R25:")
    submit(challenge(r1), "CN-SD", refuse="R25:")
    cid = submit(challenge(r1), "CN-TJ")
    expect("disputed", Y3, "CN-HE", "disputed")
    submit(challenge(r1), "CNEMC", refuse="R26:")
    submit(resolution(cid, "upheld"), "CN-TJ", refuse="CN-TJ is the challenger")
    submit(resolution(cid, "dismissed"), "CN-HE", refuse="CN-HE is the challenged party")
    submit(resolution(cid, "dismissed"), "CN-BJ")
    expect("challenge dismissed", Y3, "CN-HE", "missed", 3.4, 1700000)
    # The same grounds (the same target) in other words: still R33.
    submit(challenge(r1, "new words, same grounds"), "CN-TJ", refuse="R33:")


def f4_self_payment():
    rid = submit(report(Y3, "CN-TJ", 40), "CN-TJ")
    submit(attest(rid), "CNEMC")
    expect("payee's own miss", Y3, "CN-TJ", "missed", 5, 2500000, payee=None,
           payees=["CN-HE", "CN-BJ"])


def f5_silence():
    # A window that closes in 40 s: silence is then assessed at the
    # default; a verified NE too; oversized compensation is capped.
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    ps = (today - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    pe = today.strftime("%Y-%m-%dT%H:%M:%SZ")
    close = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=40)
    dl = close.strftime("%Y-%m-%dT%H:%M:%SZ")
    obs = [dict(obligation(p, 35, 50), period_start=ps, period_end=pe, deadline=dl)
           for p in ("CN-BJ", "CN-TJ", "CN-HE")]
    a = in_force(agreement("attacks: silence", ["CN-BJ", "CN-TJ", "CN-HE"], obs,
                           1000000000000, "CN-BJ", grace=0), "CN-BJ", ["CN-BJ", "CN-TJ", "CN-HE"])
    nk = submit(report(a, "CN-TJ", nk="NE", ps=ps, pe=pe), "CN-TJ")
    submit(attest(nk), "CNEMC")
    big = submit(report(a, "CN-HE", 80, ps=ps, pe=pe), "CN-HE")
    submit(attest(big), "CNEMC")
    expect("verified 80 against 35", a, "CN-HE", "missed", 45, 1000000000000, capped=True)
    expect("silence before the window closes", a, "CN-BJ", "pending")
    while datetime.datetime.now(datetime.timezone.utc) <= close + datetime.timedelta(seconds=2):
        time.sleep(1)
    # A block after the close moves the head time past it.
    submit(agreement("attacks: tick", ["CN-SD"], [obligation("CN-SD", 35, 50)], res=1), "CN-SD")
    expect("silence", a, "CN-BJ", "not_reported", 15, 1000000000000, capped=True,
           payee=None, payees=["CN-TJ", "CN-HE"], assessed="default")
    expect("verified NE", a, "CN-TJ", "not_reported", 15, 1000000000000, assessed="default")


def f6_reduction():
    bad = agreement("attacks: zero base", ["CN-SD"],
                    [obligation("CN-SD", 25, 0, "percent_reduction", baseline_year=2013,
                                baseline_value=0)], res=1)
    submit(bad, "CN-SD", refuse="baseline of 0")
    ok = agreement("attacks: reduction", ["CN-SD"],
                   [obligation("CN-SD", 25, 0, "percent_reduction", baseline_year=2013,
                               baseline_value=96)], res=1)
    aid = submit(ok, "CN-SD")
    submit(report(aid, "CN-SD", 1e6, metric="percent_reduction"), "CN-SD",
           refuse="above 100 %")
    rid = submit(report(aid, "CN-SD", nk="NO", metric="percent_reduction"), "CN-SD")
    submit(attest(rid), "CNEMC")
    expect("NO on a reduction", aid, "CN-SD", "met", 0, None)


def f7_unreachable():
    submit(agreement("attacks: unreachable", ["CN-BJ", "CN-TJ"],
                     [obligation("CN-BJ", 35, 50)], att=2), "CN-BJ",
           refuse="can never be reached")


def f8_periods():
    a = agreement("attacks: inclusive", ["CN-SD"], [dict(obligation("CN-SD", 35, 50),
                  period_end="%d-12-31T23:59:59Z" % Y)], res=1)
    submit(a, "CN-SD", refuse="write %s" % PE)
    submit(report(Y3, "CN-HE", 30, pe="%d-12-31T23:59:59Z" % Y), "CN-HE",
           refuse="write %s" % PE)
    submit(report(Y3, "CN-HE", 30, ps="%d-01-01T00:00:00Z" % (Y - 1), pe=PS), "CN-HE",
           refuse="CN-HE has: (whole party)/PM2.5/annual_mean_concentration/%s..%s"
           % (PS[:10], PE[:10]))


def f9_closed_window():
    # Issue 12: a historical record (R34). Silent, it is assessed at its
    # default; a report is accepted, late (R16), and decides by its value.
    a = agreement("attacks: closed", ["CN-SD"], [obligation("CN-SD", 35, 50)], grace=90,
                  res=1)
    aid = submit(a, "CN-SD")
    expect("f9 silent", aid, "CN-SD", "not_reported", 15, None)
    rid = submit(report(aid, "CN-SD", 30), "CN-SD")
    submit(attest(rid), "CNEMC")
    r = expect("f9 reported late", aid, "CN-SD", "met", 0, None, late=True)
    assert r["days_late"] > 0, r


def refused_before():
    r = report(Y3, "CN-BJ", 30)
    submit(r, "CN-TJ", refuse="party")  # another party's key (entry_check, R11)
    rid = submit(report(Y3, "CN-BJ", 30), "CN-BJ")
    submit(attest(rid), "CN-BJ", refuse="R20:")  # the reporter attests itself
    submit(attest(rid), "CNEMC")
    again = dict(attest(rid), opinion="verified_with_comments", comments="again")
    submit(again, "CNEMC", refuse="R22:")
    expect("met", Y3, "CN-BJ", "met", 0, 0)
    submit(report("11" * 32, "CN-BJ", 30), "CN-BJ", refuse="R12:")
    submit({"kind": "endorsement", "agreement_id": Y3}, "CN-BJ", refuse="R7:")


for name, fn in [("finding 2: unattested correction after a verified miss", f2_correction),
                 ("finding 1: one-party supersession", f1_supersession),
                 ("finding 3: self-resolution, outsiders, refiling, four at once", f3_challenges),
                 ("finding 4: the payee's own miss", f4_self_payment),
                 ("finding 6: reduction from a zero baseline, NO", f6_reduction),
                 ("finding 7: unreachable verification", f7_unreachable),
                 ("finding 8: the inclusive period end", f8_periods),
                 ("finding 9: a closed window", f9_closed_window),
                 ("refused before issue 10", refused_before),
                 ("finding 5: silence costs the default", f5_silence)]:
    attack(name, fn)
sys.exit(1 if fails else 0)
PY
echo "PASS attacks"
