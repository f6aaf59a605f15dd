#!/bin/sh
# checkpoint.sh - GET /v1/checkpoint on a 1-node devnet (specs/checkpoint.md
# §6, §9): 404 before the first block; after the demo a tlog-checkpoint
# cosigned by the validator that `accord checkpoint` verifies against
# genesis and with a consistency proof; an independent verifier in Python
# (standard library only: Ed25519 from the RFC 8032 equations) checks the
# text, the key id, the cosignature, the size and root against /v1/status
# and the time against the head block; the tlog-policy export; a genesis
# the checkpoint does not satisfy is refused.
set -eu
. tests/integration/common.inc
GEN=$NET/genesis.json

net_init
net_start

# Before the first block there is no checkpoint.
python3 - "$URL" <<'PY' || fail "checkpoint before the first block"
import json, sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/v1/checkpoint")
    sys.exit("200 before the first block")
except urllib.error.HTTPError as e:
    b = json.load(e)
    assert e.code == 404 and b["error"]["code"] == "ACC_ENOTFOUND", (e.code, b)
    assert "before the first block" in b["error"]["message"], b
PY
if "$ACCORD" checkpoint --node "$URL" --genesis "$GEN" 2>"$TMP/err"; then
	fail "accord checkpoint verified a checkpoint before the first block"
fi
grep -q "before the first block" "$TMP/err" || fail "no reason given: $(cat "$TMP/err")"

"$ACCORD" demo --node "$URL" --keys "$NET" >/dev/null || fail "accord demo"

"$ACCORD" checkpoint --node "$URL" --genesis "$GEN" >"$TMP/out" || fail "accord checkpoint"
grep -q '^verified: checkpoint of accord-devnet-[0-9a-f]\{8\} at size [1-9]' "$TMP/out" ||
	fail "unexpected output: $(cat "$TMP/out")"
"$ACCORD" checkpoint --node "$URL" --genesis "$GEN" --json >"$TMP/ck.json" || fail "accord checkpoint --json"
"$ACCORD" checkpoint --policy --genesis "$GEN" >"$TMP/policy" || fail "accord checkpoint --policy"
grep -q '^group validators 1 node0$' "$TMP/policy" || fail "policy group: $(cat "$TMP/policy")"
grep -q '^quorum validators$' "$TMP/policy" || fail "policy quorum"
curl -s -D "$TMP/hdr" -o "$TMP/note" "$URL/v1/checkpoint" || fail "curl /v1/checkpoint"
grep -qi '^content-type: text/plain; charset=utf-8' "$TMP/hdr" || fail "content type: $(cat "$TMP/hdr")"
curl -s "$URL/v1/status" >"$TMP/status.json" || fail "status"
curl -s "$URL/v1/blocks/latest" >"$TMP/head.json" || fail "blocks/latest"

# The independent verifier.
cat >"$TMP/verify_note.py" <<'PY'
# An independent tlog-cosignature/v1 verifier: Python standard library only
# (Ed25519 from the RFC 8032 equations, SHA-256 and base64 from hashlib).
import base64, hashlib, json, sys

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
I = pow(2, (P - 1) // 4, P)

def add(a, b):
    x1, y1, z1, t1 = a; x2, y2, z2, t2 = b
    A = (y1 - x1) * (y2 - x2) % P; B = (y1 + x1) * (y2 + x2) % P
    C = 2 * D * t1 * t2 % P; E = 2 * z1 * z2 % P
    e, f, g, h = B - A, E - C, E + C, B + A
    return (e * f % P, g * h % P, f * g % P, e * h % P)

def mul(s, pt):
    q = (0, 1, 1, 0)
    while s:
        if s & 1: q = add(q, pt)
        pt = add(pt, pt); s >>= 1
    return q

def point(b):
    y = int.from_bytes(b, "little"); sign = y >> 255; y &= (1 << 255) - 1
    if y >= P: return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P: x = x * I % P
    if (x * x - x2) % P or (x == 0 and sign): return None
    if x & 1 != sign: x = P - x
    return (x, y, 1, x * y % P)

BASE = point((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))

def ed25519_ok(pk, msg, sig):
    a, r = point(pk), point(sig[:32]); s = int.from_bytes(sig[32:], "little")
    if a is None or r is None or s >= L: return False
    h = int.from_bytes(hashlib.sha512(sig[:32] + pk + msg).digest(), "little") % L
    u, v = mul(s, BASE), add(r, mul(h, a))
    return (u[0] * v[2] - v[0] * u[2]) % P == 0 and (u[1] * v[2] - v[1] * u[2]) % P == 0

def key_id(name, alg, pk):
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + pk).digest()[:4]

def main():
    note, policy, genesis, status, head, ckjson = sys.argv[1:7]
    g = json.load(open(genesis)); st = json.load(open(status))
    hd = json.load(open(head)); ck = json.load(open(ckjson))
    raw = open(note, "rb").read()
    # signed-note: the text ends at the last blank line.
    split = raw.rindex(b"\n\n")
    text, sigs = raw[:split + 1], raw[split + 2:]
    lines = text.decode().split("\n")
    assert lines[-1] == "" and len(lines) == 4, lines
    origin, size, root_b64 = lines[:3]
    assert origin == g["chain_id"], origin
    assert size == str(int(size)) and int(size) == st["log_size"], (size, st["log_size"])
    root = base64.b64decode(root_b64, validate=True)
    assert root.hex() == st["log_root"], (root.hex(), st["log_root"])
    assert ck["size"] == int(size) and ck["root"] == root.hex(), ck
    # The policy's witness vkey is the validator's key with alg 0x04.
    v = g["validators"][0]; pk = bytes.fromhex(v["key"])
    wl = [l.split() for l in open(policy) if l.startswith("witness ")]
    assert len(wl) == 1 and wl[0][1] == v["name"], wl
    vname, vid, vb64 = wl[0][2].split("+", 2)
    vraw = base64.b64decode(vb64)
    assert vname == v["name"] and vraw == b"\x04" + pk, wl
    assert key_id(vname, 4, pk).hex() == vid
    # The one cosignature line.
    sl = sigs.decode().split("\n")
    assert sl[-1] == "" and len(sl) == 2, sl
    dash, name, b64 = sl[0].split(" ")
    assert dash == "\u2014" and name == v["name"], sl[0]
    blob = base64.b64decode(b64, validate=True)
    assert len(blob) == 4 + 8 + 64 and blob[:4].hex() == vid, blob.hex()
    ts = int.from_bytes(blob[4:12], "big")
    assert ts == hd["header"]["time_ms"] // 1000, (ts, hd["header"]["time_ms"])
    msg = b"cosignature/v1\ntime %d\n" % ts + text
    assert ed25519_ok(pk, msg, blob[12:]), "the cosignature does not verify"
    assert not ed25519_ok(pk, msg + b"x", blob[12:]), "the verifier accepts anything"
    print("independently verified: %s size %s, cosigned by %s at %d" % (origin, size, name, ts))

main()
PY
python3 "$TMP/verify_note.py" "$TMP/note" "$TMP/policy" "$GEN" "$TMP/status.json" "$TMP/head.json" "$TMP/ck.json" ||
	fail "the independent verifier refused the checkpoint"

# The same note against a genesis it does not satisfy: another chain id,
# then a second validator of equal power (1 of 2 is not more than 2/3).
python3 - "$GEN" "$TMP" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
o = dict(g, chain_id="other-chain")
json.dump(o, open(sys.argv[2] + "/other.json", "w"))
v = dict(g["validators"][0], name="node1", party="CN-TJ",
         key=g["parties"][1]["keys"][0], address="127.0.0.1:1", http="127.0.0.1:2")
t = dict(g, validators=g["validators"] + [v])
json.dump(t, open(sys.argv[2] + "/two.json", "w"))
PY
if "$ACCORD" checkpoint --node "$URL" --genesis "$TMP/other.json" 2>"$TMP/err"; then
	fail "a checkpoint of another chain verified"
fi
grep -q "origin" "$TMP/err" || fail "no origin reason: $(cat "$TMP/err")"
if "$ACCORD" checkpoint --node "$URL" --genesis "$TMP/two.json" 2>"$TMP/err"; then
	fail "one cosignature of two validators verified"
fi
grep -q "not more than two thirds" "$TMP/err" || fail "no power reason: $(cat "$TMP/err")"
"$ACCORD" checkpoint --policy --genesis "$TMP/two.json" | grep -q '^group validators 2 node0 node1$' ||
	fail "policy for two validators"
# Two devnets: each gets its own chain id, so the other's genesis refuses
# this checkpoint naming both origins; two devnets made with one chain id
# on purpose are told apart by their keys, and the message says so.
"$ACCORD" devnet init --dir "$TMP/net2" --nodes 1 --http-port "$PORT" >/dev/null || fail "second devnet init"
C1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chain_id"])' "$GEN")
C2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chain_id"])' "$TMP/net2/genesis.json")
[ "$C1" != "$C2" ] || fail "two devnets share the chain id $C1"
if "$ACCORD" checkpoint --node "$URL" --genesis "$TMP/net2/genesis.json" 2>"$TMP/err"; then
	fail "another devnet's genesis verified this checkpoint"
fi
grep -q "$C1" "$TMP/err" && grep -q "$C2" "$TMP/err" || fail "both origins not named: $(cat "$TMP/err")"
"$ACCORD" devnet init --dir "$TMP/net3" --nodes 1 --http-port "$PORT" --chain-id "$C1" >/dev/null || fail "devnet init --chain-id"
if "$ACCORD" checkpoint --node "$URL" --genesis "$TMP/net3/genesis.json" 2>"$TMP/err"; then
	fail "a devnet with the same chain id but other keys verified this checkpoint"
fi
grep -q "another consortium that uses the same chain id" "$TMP/err" || fail "same chain id, other keys: $(cat "$TMP/err")"
"$ACCORD" checkpoint --help | grep -q '^usage: accord checkpoint' || fail "checkpoint --help"
echo "PASS checkpoint"
