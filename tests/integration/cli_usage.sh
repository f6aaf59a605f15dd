#!/bin/sh
# cli_usage.sh - the command line itself (specs/cli.md §1), no node
# needed: --help everywhere exits 0, usage errors exit 2 with one
# "accord: …" line, failures exit 1, keygen writes mode 0600 and never
# overwrites, devnet init refuses a non-empty directory.
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
[ -x "$ACCORD" ] || { echo "FAIL: $ACCORD not built (run make)"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Defaults from the environment (specs/cli.md §1) would change what is
# missing below.
unset ACCORD_NODE ACCORD_GENESIS

# expect STATUS COMMAND...: exit status, and for failures one accord: line.
expect() {
	want=$1; shift
	set +e
	"$ACCORD" "$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	set -e
	[ "$got" = "$want" ] || fail "accord $*: exit $got, want $want: $(cat "$TMP/err")"
	if [ "$want" != 0 ]; then
		grep -q '^accord: ' "$TMP/err" || fail "accord $*: no 'accord: …' error line: $(cat "$TMP/err")"
	fi
}

for c in keygen "devnet init" "devnet start" "devnet stop" submit "get entry" "get block" \
	"proof inclusion" "proof consistency" "proof verify" audit "bench load" "bench verify" demo \
	"genesis hash" "import reports" backup compliance export checkpoint; do
	# shellcheck disable=SC2086
	expect 0 $c --help
	grep -q '^usage: accord' "$TMP/out" || fail "accord $c --help: no usage line"
done
expect 0 --help
expect 0 devnet --help
expect 2 nosuchcommand
expect 2 get nosuch
expect 2 audit --genesis g.json
expect 2 audit --genesis g.json --node http://x --data d
expect 2 audit --bogus
expect 2 keygen
expect 2 keygen --out a --out b
expect 2 proof inclusion --index 1 --id 00
expect 2 proof inclusion --index -1
expect 2 proof consistency
expect 2 proof verify "$TMP"
expect 2 proof inclusion --index 1 --size 2 --save "$TMP/ev"
expect 2 audit --genesis g.json --from d --save s
expect 2 audit --genesis g.json --from d --format xml
expect 1 proof verify "$TMP/none" --genesis "$TMP/none.json"
expect 1 genesis hash "$TMP/none.json"
expect 2 genesis hash
expect 2 import reports --csv f.csv --key k --keys d
expect 2 get entry not-a-ref
expect 2 get block -3
expect 2 bench load --entries 0
expect 2 devnet init --dir "$TMP/n" --nodes 0
expect 2 submit e.json
# One output flag everywhere (specs/cli.md §1) and backup's arguments.
expect 2 compliance --json --format csv
expect 2 compliance --csv-safe
expect 2 export --what reports --format table
expect 2 get block 1 --format csv
expect 2 keygen --out "$TMP/k" --json --json
expect 2 backup
expect 2 backup --data d --out o --format csv
expect 1 backup --data "$TMP/nodata" --out "$TMP/bk"
# ACCORD_GENESIS stands for a missing --genesis.
export ACCORD_GENESIS="$TMP/none.json"
expect 1 proof verify "$TMP"
unset ACCORD_GENESIS

# keygen: 0600, prints the public key, refuses to overwrite.
expect 0 keygen --out "$TMP/k.key" --role party --id CN-BJ
grep -Eq '^[0-9a-f]{64}$' "$TMP/out" || fail "keygen printed $(cat "$TMP/out")"
[ "$(stat -c %a "$TMP/k.key")" = 600 ] || fail "key file mode $(stat -c %a "$TMP/k.key")"
expect 1 keygen --out "$TMP/k.key"
expect 2 keygen --out "$TMP/k2.key" --role mayor

# devnet init, then again over it.
expect 0 devnet init --dir "$TMP/net" --nodes 1 --http-port 30000
[ -f "$TMP/net/genesis.json" ] && [ -f "$TMP/net/keys/CNEMC.key" ] && [ -f "$TMP/net/node0/config.json" ] ||
	fail "devnet init wrote $(ls -R "$TMP/net")"
expect 1 devnet init --dir "$TMP/net"
# The demo scenario builds and passes the stateless checks.
expect 0 demo --keys "$TMP/net" --dry-run
# No node there: failures, not usage errors.
expect 1 get block latest --node http://127.0.0.1:1
expect 1 audit --genesis "$TMP/net/genesis.json" --node http://127.0.0.1:1
expect 1 audit --genesis "$TMP/nope.json" --data "$TMP/net/node0/data"
expect 0 devnet stop --dir "$TMP/net"
echo "PASS cli_usage"
