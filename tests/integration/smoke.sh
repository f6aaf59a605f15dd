#!/bin/sh
# smoke.sh - the demo end to end on a private devnet (what `make demo`
# does): init, start, every entry kind, reads, a proof, submit from JSON,
# and a passing audit over HTTP and offline.
set -eu
. tests/integration/common.inc

net_init
net_start
"$ACCORD" demo --node "$URL" --keys "$NET" || fail "accord demo"

# Reads and a proof.
"$ACCORD" get block latest --node "$URL" >/dev/null || fail "get block latest"
"$ACCORD" get block 1 --node "$URL" --json >"$TMP/b1.json" || fail "get block 1"
"$ACCORD" get entry 0 --node "$URL" --json >"$TMP/e0.json" || fail "get entry 0"
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/e0.json")
"$ACCORD" get entry "$ID" --node "$URL" --raw >"$TMP/e0.bin" || fail "get entry ID --raw"
[ -s "$TMP/e0.bin" ] || fail "raw entry is empty"
"$ACCORD" proof inclusion --node "$URL" --id "$ID" >/dev/null || fail "proof inclusion by id"
"$ACCORD" proof consistency --node "$URL" --old 1 >/dev/null || fail "proof consistency"

# submit: Tianjin's own one-party agreement (the vectors' agreement cut
# down to Tianjin), unsigned JSON signed by Tianjin's key; a one-party
# agreement is valid on its own (specs/compliance.md).
python3 - "$TMP/endorse.json" <<'PY'
import json, sys
a = json.load(open("tests/vectors/entries.json"))["vectors"][0]["json"]
for k in ("signatures", "compensation"):
    a.pop(k, None)
# A fixed time, so that submitting the file twice is a replay.
a["time"] = "2025-06-01T00:00:00Z"
a["title"] = "Tianjin's own PM2.5 commitment (accord smoke test)"
a["parties"] = ["CN-TJ"]
a["obligations"] = [o for o in a["obligations"] if o["party"] == "CN-TJ"]
a["resolution_threshold"] = 1
a["amendment_threshold"] = 1
# A historical record: its 2017 window must reach past today
# (specs/compliance.md R34).
a["grace_days"] = 7305
json.dump(a, open(sys.argv[1], "w"))
PY
"$ACCORD" submit --node "$URL" --key "$NET/keys/CN-TJ.key" --wait "$TMP/endorse.json" >"$TMP/submit.out" ||
	fail "accord submit"
grep -q committed "$TMP/submit.out" || fail "submit did not report the commit: $(cat "$TMP/submit.out")"
# The same entry again is a replay: refused with the node's reason, exit 1.
if "$ACCORD" submit --node "$URL" --key "$NET/keys/CN-TJ.key" "$TMP/endorse.json" 2>"$TMP/err"; then
	fail "a replayed entry was accepted"
fi
grep -q "HTTP 409" "$TMP/err" || fail "no clear error for a replay: $(cat "$TMP/err")"
# --sign-only prints the signed JSON; submitting that JSON is the same entry.
"$ACCORD" submit --node "$URL" --key "$NET/keys/CN-TJ.key" --sign-only "$TMP/endorse.json" >"$TMP/signed.json" ||
	fail "submit --sign-only"
grep -q '"signatures"' "$TMP/signed.json" || fail "--sign-only printed no signatures"
# A key not in genesis is refused with the node's reason.
"$ACCORD" keygen --out "$TMP/stranger.key" --role party --id XX >/dev/null || fail "keygen"
if "$ACCORD" submit --node "$URL" --key "$TMP/stranger.key" "$TMP/endorse.json" 2>"$TMP/err"; then
	fail "an entry signed by a key outside genesis was accepted"
fi
grep -q "accord: submit:" "$TMP/err" || fail "no clear error for an unknown key: $(cat "$TMP/err")"

"$ACCORD" audit --genesis "$NET/genesis.json" --node "$URL" || fail "audit --node"
net_stop
cp -r "$NET/node0/data" "$TMP/data-copy"
"$ACCORD" audit --genesis "$NET/genesis.json" --data "$TMP/data-copy" || fail "audit --data"
echo "PASS smoke"
