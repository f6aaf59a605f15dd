#!/bin/sh
# tamper.sh - `accord audit --data` on copies of a data directory in which
# one byte of an entry, a block header or a certificate was flipped: each
# audit must fail and name what was altered (issue 2, "what it must show").
set -eu
. tests/integration/common.inc

net_init
net_start
"$ACCORD" demo --node "$URL" --keys "$NET" >/dev/null || fail "accord demo"
"$ACCORD" bench load --node "$URL" --keys "$NET" --entries 200 --concurrency 8 >/dev/null ||
	fail "bench load"

# The exact bytes of each target, from the API, before the node stops.
"$ACCORD" get entry 5 --node "$URL" --raw >"$TMP/entry.bin" || fail "get entry 5"
ENTRY_HEX=$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read().hex())' "$TMP/entry.bin")
"$ACCORD" get block 3 --node "$URL" --json >"$TMP/b3.json" || fail "get block 3"
HEADER_HEX=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["header_hex"])' "$TMP/b3.json")
CERT_HEX=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cert_hex"])' "$TMP/b3.json")
"$ACCORD" get block latest --node "$URL" --json >"$TMP/head.json" || fail "get block latest"
HEAD_CERT_HEX=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cert_hex"])' "$TMP/head.json")
# The derived state of obligation 0 of the first agreement (entry 0):
# its key "c/o/" ‖ agreement id ‖ u16 0 (specs/compliance.md §3.1); in an
# LMDB leaf the value follows the key.
curl -s "$URL/v1/entries/0" >"$TMP/e0.json"
AG0=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/e0.json")
OBL_KEY_HEX=$(printf 'c/o/' | od -An -tx1 | tr -d ' \n')${AG0}0000
net_stop

"$ACCORD" audit --genesis "$NET/genesis.json" --data "$NET/node0/data" >/dev/null ||
	fail "the untouched data directory does not audit"

# check NAME HEX OFFSET WORD: flip, audit the copy, expect failure naming WORD.
check() {
	name=$1; hex=$2; off=$3; word=$4
	rm -rf "$TMP/copy"
	cp -r "$NET/node0/data" "$TMP/copy"
	n=$(python3 tests/integration/flip.py "$TMP/copy/data.mdb" "$hex" "$off") ||
		fail "$name: its bytes are not in data.mdb"
	if "$ACCORD" audit --genesis "$NET/genesis.json" --data "$TMP/copy" >"$TMP/out" 2>"$TMP/err"; then
		fail "$name: audit passed on a tampered copy ($n occurrence(s) flipped)"
	fi
	grep -q "$word" "$TMP/err" || {
		cat "$TMP/err"
		fail "$name: the audit's message does not name \"$word\""
	}
	echo "ok   $name: $(head -n 1 "$TMP/err")"
}

ELEN=$(( ${#ENTRY_HEX} / 2 ))
HLEN=$(( ${#HEADER_HEX} / 2 ))
CLEN=$(( ${#CERT_HEX} / 2 ))
check "entry 5, a middle byte" "$ENTRY_HEX" $((ELEN / 2)) "entry"
check "entry 5, last signature byte" "$ENTRY_HEX" $((ELEN - 1)) "entry"
check "entry 5, first byte" "$ENTRY_HEX" 0 "entry"
check "block 3 header, a middle byte" "$HEADER_HEX" $((HLEN / 2)) "header"
check "block 3 header, last byte" "$HEADER_HEX" $((HLEN - 1)) "header"
check "block 3 certificate, a signature byte" "$CERT_HEX" $((CLEN - 1)) "certificate"
check "block 3 certificate, its block hash" "$CERT_HEX" 20 "certificate"
check "head certificate, a signature byte" "$HEAD_CERT_HEX" $(( ${#HEAD_CERT_HEX} / 2 - 1 )) "certificate"
# The derived state: the audit replays the log and compares digests.
check "obligation 0's derived state, a value byte" "$OBL_KEY_HEX" $(( ${#OBL_KEY_HEX} / 2 + 3 )) "derived state"
echo "PASS tamper"
