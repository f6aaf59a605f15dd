#!/bin/sh
# auditor.sh - the auditor's end-to-end test (issue 10, "what it must
# show"; specs/cli.md §7.1, §8, §8.1, §14): with only the genesis file and
# a node URL, `accord audit` verifies the chain and prints the verified
# compliance table (table, CSV, JSON); `--save` keeps what it verified and,
# the node stopped, `--from` audits it again; `proof inclusion --save`
# keeps evidence that `proof verify` checks with no node, and one changed
# byte of each saved file makes it fail; `genesis hash` prints what the
# node reports; export -> import --keys signs each row with its party's
# key. HTTP on a free port in 19500-19599.
set -eu
. tests/integration/common.inc

PORT=$(python3 - <<'PY'
import socket, sys
for p in range(19500, 19600):
    ok = True
    for q in (p, p + 100):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", q))
        except OSError:
            ok = False
        finally:
            s.close()
    if ok:
        print(p)
        sys.exit(0)
sys.exit(1)
PY
) || fail "no free port in 19500-19599"
URL=http://127.0.0.1:$PORT
G=$NET/genesis.json

# expect STATUS COMMAND...: the exit status; output in $TMP/out, $TMP/err.
expect() {
	want=$1; shift
	set +e
	"$ACCORD" "$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	set -e
	[ "$got" = "$want" ] || fail "accord $*: exit $got, want $want: $(cat "$TMP/err")"
}
has() { grep -qF -- "$1" "$TMP/out" || fail "$2: no \"$1\" in: $(cat "$TMP/out")"; }

# flip FILE OFFSET: flip the low bit of one byte (OFFSET -1 = the last).
flip() {
	python3 - "$1" "$2" <<'PY'
import sys
p, o = sys.argv[1], int(sys.argv[2])
d = bytearray(open(p, "rb").read())
d[o] ^= 1
open(p, "wb").write(d)
PY
}

net_init
net_start
expect 0 demo --node "$URL" --keys "$NET"

# 1. genesis + node URL: one command verifies and answers.
expect 0 audit --help
has "recompute" "audit --help"
expect 0 audit --genesis "$G" --node "$URL" --save "$TMP/saved"
has "audit passed:" "audit"
has "the same digest and table as the node serves" "audit"
has "verified compliance at block" "audit"
has "CN-HE (Hebei)" "audit: display names"
has "33600000 CNY to CN-BJ" "audit: the verified miss and what it owes"
has "superseded" "audit"
has "pending until 20" "audit: when a pending row becomes not_reported"
has "saved to $TMP/saved" "audit --save"
cp "$TMP/out" "$TMP/online.txt"
[ -f "$TMP/saved/saved.json" ] && [ -f "$TMP/saved/state.json" ] &&
	[ -f "$TMP/saved/blocks/1.json" ] || fail "--save wrote no saved.json, state.json, blocks/1.json"
echo "ok   audit prints the verified table and saves what it verified"

expect 0 audit --genesis "$G" --node "$URL" --format csv
head -n 1 "$TMP/out" | grep -q '^agreement,title,party,.*,correction_attestations,party_name' ||
	fail "audit --format csv: header $(head -n 1 "$TMP/out")"
grep -q 'audit passed' "$TMP/err" || fail "audit --format csv: the summary goes to stderr"
expect 0 audit --genesis "$G" --node "$URL" --json
"$ACCORD" compliance --node "$URL" --format json >"$TMP/node_rows.json" || fail "compliance --format json"
python3 - "$TMP/out" "$TMP/node_rows.json" <<'PY' || fail "audit --json: the rows are not the node's"
import json, sys
a = json.load(open(sys.argv[1])); node = json.load(open(sys.argv[2]))
assert a["ok"] is True and a["compliance"]["compared"] == "digest and table", a
rows = a["compliance"]["rows"]
for r in rows:
    assert r.pop("party_name") in ("Beijing", "Tianjin", "Hebei", "Shandong"), r
assert rows == node, (rows, node)
PY
expect 0 compliance --node "$URL" --genesis "$G"
has "CN-BJ (Beijing)" "compliance --genesis: display names"
expect 2 audit --genesis "$G" --node "$URL" --format xml
expect 2 audit --genesis "$G" --from "$TMP/saved" --save "$TMP/again"
expect 1 audit --genesis "$G" --node "$URL" --save "$TMP/saved"
echo "ok   audit --format csv and json; usage errors"

# 2. Evidence of one entry, kept; the hash a consortium publishes.
expect 0 genesis hash "$G"
GH=$(cat "$TMP/out")
"$ACCORD" get block latest --node "$URL" --json >/dev/null || fail "get block latest"
python3 - "$GH" "$URL" <<'PY' || fail "genesis hash is not the node's genesis_hash"
import json, sys, urllib.request
st = json.load(urllib.request.urlopen(sys.argv[2] + "/v1/status"))
assert st["genesis_hash"] == sys.argv[1], (st["genesis_hash"], sys.argv[1])
PY
expect 0 proof inclusion --node "$URL" --index 3 --save "$TMP/ev"
has "evidence saved in $TMP/ev" "proof inclusion --save"
expect 2 proof inclusion --node "$URL" --index 3 --size 4 --save "$TMP/ev2"
expect 1 proof inclusion --node "$URL" --index 3 --save "$TMP/ev"

# 3. Another export -> import, with each party's key.
expect 0 export --what reports --node "$URL"
cp "$TMP/out" "$TMP/reports.csv"
[ "$(cut -d, -f2 "$TMP/reports.csv" | sed 1d | sort -u | wc -l)" -ge 2 ] ||
	fail "the exported reports are not of several parties"
expect 0 import reports --csv "$TMP/reports.csv" --keys "$NET/keys" --node "$URL" --dry-run
has "reports checked, built and signed" "import --keys"
expect 1 import reports --csv "$TMP/reports.csv" --key "$NET/keys/CN-BJ.key" --node "$URL" --dry-run
expect 2 import reports --csv "$TMP/reports.csv" --key "$NET/keys/CN-BJ.key" --keys "$NET/keys" --dry-run
echo "ok   genesis hash, proof inclusion --save, export -> import --keys"

# 4. No node any more.
net_stop
expect 1 audit --genesis "$G" --node "$URL"
expect 0 audit --genesis "$G" --from "$TMP/saved"
has "audit passed:" "audit --from"
has "as the saved directory holds" "audit --from"
sed -n '/^verified compliance/,$p' "$TMP/online.txt" | sed 1d | sed '/^saved to/d' >"$TMP/t1"
sed -n '/^verified compliance/,$p' "$TMP/out" | sed 1d >"$TMP/t2"
cmp -s "$TMP/t1" "$TMP/t2" || fail "the offline table differs: $(diff "$TMP/t1" "$TMP/t2")"
# A saved block changed: the offline audit fails.
cp -r "$TMP/saved" "$TMP/saved-bad"
python3 - "$TMP/saved-bad/blocks/2.json" <<'PY'
import json, sys
p = sys.argv[1]; b = json.load(open(p)); e = b["entries_hex"][0]
i = len(e) // 2
b["entries_hex"][0] = e[:i] + ("0" if e[i] != "0" else "1") + e[i + 1:]
open(p, "w").write(json.dumps(b, separators=(",", ":")) + "\n")
PY
expect 1 audit --genesis "$G" --from "$TMP/saved-bad"
grep -q "block 2 entry 0" "$TMP/err" || fail "a changed saved entry: $(cat "$TMP/err")"
echo "ok   the node stopped: audit --from passes with the same table; a changed saved block fails"

expect 0 proof verify "$TMP/ev" --genesis "$G"
has "verified with no node" "proof verify"
expect 0 proof verify "$TMP/ev" --genesis "$G" --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["verified"] and j["index"] == 3, j' "$TMP/out" ||
	fail "proof verify --json"
n=0
for f in checkpoint.note proof.json entry.bin genesis.hash; do
	for off in 0 20 -1; do
		rm -rf "$TMP/evx"
		cp -r "$TMP/ev" "$TMP/evx"
		flip "$TMP/evx/$f" "$off"
		expect 1 proof verify "$TMP/evx" --genesis "$G"
		grep -q "NOT verified: $TMP/evx/$f" "$TMP/err" || fail "$f byte $off: $(cat "$TMP/err")"
		n=$((n + 1))
	done
done
# Another consortium's genesis.
"$ACCORD" devnet init --dir "$TMP/other" --nodes 1 --http-port "$PORT" >/dev/null || fail "devnet init other"
expect 1 proof verify "$TMP/ev" --genesis "$TMP/other/genesis.json"
grep -q "genesis.hash: the evidence names genesis" "$TMP/err" || fail "other genesis: $(cat "$TMP/err")"
echo "ok   proof verify with no node; each of $n one-byte changes (4 files) and another genesis fail"
