#!/bin/sh
# ops.sh - operations as specs/node.md §9 describes them: `make install`
# into a temporary DESTDIR, the systemd unit (its sandbox directives and
# `systemd-analyze verify` when available), the unit's ExecStartPre
# (--check-config, good and bad) and ExecStart command lines run from the
# staged tree with a config there and JSON logs, `accord backup` of the
# running node under load, and `accord audit --data` of the copy. Also
# the CLI's environment defaults and output flags (specs/cli.md §1).
set -eu
. tests/integration/common.inc
PORT=$(free_port 19850)
URL=http://127.0.0.1:$PORT
ROOT=$TMP/root
NODE_PID=

stop_node() {
	if [ -n "$NODE_PID" ]; then
		kill "$NODE_PID" 2>/dev/null || true
		wait "$NODE_PID" 2>/dev/null || true
		NODE_PID=
	fi
}
ops_cleanup() { stop_node; cleanup; }
trap ops_cleanup EXIT

# 1. make install into a staging tree.
make -s install BUILD="$BUILD" DESTDIR="$ROOT" PREFIX=/usr/local >"$TMP/install.log" 2>&1 ||
	fail "make install: $(tail -5 "$TMP/install.log")"
UNIT=$ROOT/usr/local/lib/systemd/system/accordd.service
for f in usr/local/bin/accord usr/local/bin/accordd usr/local/lib/sysusers.d/accord.conf \
	usr/local/share/doc/accord/node.md etc/accord; do
	[ -e "$ROOT/$f" ] || fail "make install did not install $f"
done
[ -x "$ROOT/usr/local/bin/accordd" ] || fail "installed accordd is not executable"
[ -f "$UNIT" ] || fail "no unit installed at $UNIT"
grep -q '@[A-Z]*@' "$UNIT" && fail "unit keeps a placeholder: $(grep '@' "$UNIT")"

# 2. The unit's sandbox, as specs/node.md §9 requires.
for d in 'User=accord' 'ProtectSystem=strict' 'NoNewPrivileges=yes' \
	'ReadWritePaths=/var/lib/accord' 'Restart=on-failure' \
	'ExecStart=/usr/local/bin/accordd --config /etc/accord/accordd.json'; do
	grep -qx "$d" "$UNIT" || fail "unit lacks $d"
done
[ "$(grep -c '^ReadWritePaths=' "$UNIT")" = 1 ] || fail "unit has more than one ReadWritePaths line"
if command -v systemd-analyze >/dev/null 2>&1; then
	# Paths into the staged tree, so that the binaries it names exist.
	sed "s|/usr/local/|$ROOT/usr/local/|g" "$UNIT" >"$TMP/accordd.service"
	timeout 60 systemd-analyze verify "$TMP/accordd.service" >"$TMP/verify.log" 2>&1 ||
		fail "systemd-analyze verify: $(cat "$TMP/verify.log")"
	# The check can fail: a unit with an unknown directive is refused.
	{ cat "$TMP/accordd.service"; echo 'ProtectSytem=strict'; } >"$TMP/bad.service"
	if timeout 60 systemd-analyze verify "$TMP/bad.service" >"$TMP/verify.log" 2>&1 &&
		! grep -q "Unknown key" "$TMP/verify.log"; then
		fail "systemd-analyze verify accepted an unknown directive"
	fi
else
	echo "note: systemd-analyze not available, unit not verified"
fi

# 3. A node's files and the config where the unit looks for it.
net_init
CONF=$ROOT/etc/accord/accordd.json
python3 - "$NET" "$CONF" "$TMP/data" "$PORT" <<'PY'
import json, sys
net, conf, data, port = sys.argv[1:]
c = json.load(open(net + "/node0/config.json"))
c["genesis"] = net + "/genesis.json"
c["key"] = net + "/node0/validator.key"
c["data_dir"] = data
c["http_listen"] = "127.0.0.1:" + port
c["log_format"] = "json"
json.dump(c, open(conf, "w"))
PY
# The unit's command lines, run from the staged tree.
staged() {
	sed -n "s|^$1=||p" "$UNIT" |
		sed -e "s|/usr/local/|$ROOT/usr/local/|g" -e "s|/etc/accord/|$ROOT/etc/accord/|g"
}
PRE=$(staged ExecStartPre)
START=$(staged ExecStart)
[ -n "$PRE" ] && [ -n "$START" ] || fail "no ExecStartPre/ExecStart in the unit"

# 4. --check-config: 0 on a new data directory, starts nothing.
$PRE >"$TMP/check.out" 2>&1 || fail "check-config on a good config: $(cat "$TMP/check.out")"
grep -q "^config OK: chain .* at height 0" "$TMP/check.out" || fail "check-config said: $(cat "$TMP/check.out")"
[ ! -e "$TMP/data" ] || fail "check-config created the data directory"
# ... and 1 with the reason for a key that others may read, a missing
# genesis, and a data directory of another chain (below, once it exists).
chmod 0644 "$NET/node0/validator.key"
if $PRE >"$TMP/check.out" 2>&1; then fail "check-config passed a world-readable key"; fi
grep -q "chmod 600" "$TMP/check.out" || fail "check-config on a 0644 key said: $(cat "$TMP/check.out")"
chmod 0600 "$NET/node0/validator.key"
sed 's|genesis.json|nope.json|' "$CONF" >"$TMP/nogenesis.json"
if "$ROOT/usr/local/bin/accordd" --config "$TMP/nogenesis.json" --check-config >"$TMP/check.out" 2>&1; then
	fail "check-config passed a missing genesis"
fi
grep -q "^accordd: config .*nope.json" "$TMP/check.out" || fail "missing genesis: $(cat "$TMP/check.out")"

# 5. ExecStart from the staged tree; JSON log lines.
$START 2>"$TMP/node.log" &
NODE_PID=$!
i=0
until curl -fs "$URL/v1/status" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the installed node did not answer: $(tail -5 "$TMP/node.log")"
	kill -0 "$NODE_PID" 2>/dev/null || fail "the installed node exited: $(tail -5 "$TMP/node.log")"
	sleep 0.1
done
python3 - "$TMP/node.log" <<'PY' || fail "log lines are not JSON"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for l in lines:
    o = json.loads(l)
    assert set(o) == {"ts", "level", "msg"}, o
    assert o["level"] in ("debug", "info", "warn", "error"), o
assert any(json.loads(l)["msg"].startswith("node ready") for l in lines), "no node ready"
PY

# 6. Backup under load: the load generator finds the node through
# ACCORD_NODE; two backups while it commits; the load must still succeed.
height() {
	curl -fs "$URL/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])'
}
H0=$(height)
ACCORD_NODE=$URL "$ACCORD" bench load --keys "$NET" --entries 6000 --concurrency 8 \
	>"$TMP/load.out" 2>&1 &
LOAD_PID=$!
# Once the load commits blocks, not before.
i=0
while [ "$(height)" -lt $((H0 + 5)) ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || fail "the load committed nothing: $(tail -5 "$TMP/load.out")"
	sleep 0.1
done
"$ACCORD" backup --data "$TMP/data" --out "$TMP/bk1" --json >"$TMP/bk1.json" ||
	fail "backup under load"
"$ACCORD" backup --data "$TMP/data" --out "$TMP/bk2" >"$TMP/bk2.out" || fail "second backup"
grep -q "^backup of .* at height [0-9]* ([0-9]* entries) in " "$TMP/bk2.out" || fail "backup said: $(cat "$TMP/bk2.out")"
wait "$LOAD_PID" || fail "load failed while backups ran: $(tail -5 "$TMP/load.out")"
H1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["height"])' "$TMP/bk1.json")
[ "$H1" -gt 0 ] || fail "the first backup holds no block"
[ -f "$TMP/bk1/data.mdb" ] || fail "no data.mdb in the backup"
# The node went on committing after the first copy: it was taken under load.
HEAD=$(ACCORD_NODE=$URL "$ACCORD" get block latest --json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("height", d.get("header", {}).get("height", 0)))')
[ "$H1" -lt "$HEAD" ] || fail "backup at height $H1 but the head is $HEAD: not taken under load"
echo "backup under load: copy at height $H1, head $HEAD after the load"
# A destination that already holds a copy is refused.
if "$ACCORD" backup --data "$TMP/data" --out "$TMP/bk1" 2>"$TMP/err"; then
	fail "backup overwrote an existing copy"
fi
grep -q "accord: backup:" "$TMP/err" || fail "no clear error: $(cat "$TMP/err")"
if "$ACCORD" backup --data "$TMP/nodata" --out "$TMP/bk3" 2>/dev/null; then
	fail "backup of a missing data directory succeeded"
fi

# 7. The copies audit, the genesis found through ACCORD_GENESIS.
for b in bk1 bk2; do
	ACCORD_GENESIS=$NET/genesis.json "$ACCORD" audit --data "$TMP/$b" --json >"$TMP/$b.audit" ||
		fail "audit of backup $b: $(tail -5 "$TMP/$b.audit")"
done
# A copy of this chain is refused by check-config for another chain.
stop_node
"$ACCORD" devnet init --dir "$TMP/other" --nodes 1 --http-port "$PORT" >/dev/null || fail "devnet init other"
python3 - "$CONF" "$TMP/other" "$TMP/other.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["genesis"] = sys.argv[2] + "/genesis.json"
c["key"] = sys.argv[2] + "/node0/validator.key"
json.dump(c, open(sys.argv[3], "w"))
PY
if "$ROOT/usr/local/bin/accordd" --config "$TMP/other.json" --check-config >"$TMP/check.out" 2>&1; then
	fail "check-config passed a data directory of another chain"
fi
grep -q "belongs to another chain" "$TMP/check.out" || fail "other chain: $(cat "$TMP/check.out")"
$PRE >"$TMP/check.out" 2>&1 || fail "check-config on the used data directory: $(cat "$TMP/check.out")"
grep -q "at height [1-9]" "$TMP/check.out" || fail "check-config said: $(cat "$TMP/check.out")"

# 8. Output flags (specs/cli.md §1): --json is --format json; they must agree.
"$ACCORD" genesis hash "$NET/genesis.json" --format json | grep -q '"genesis_hash"' ||
	fail "genesis hash --format json"
set +e
"$ACCORD" genesis hash "$NET/genesis.json" --json --format table 2>/dev/null
[ $? -eq 2 ] || fail "--json with --format table is not a usage error"
"$ACCORD" genesis hash "$NET/genesis.json" --format csv 2>/dev/null
[ $? -eq 2 ] || fail "a format the command does not offer is not a usage error"
set -e
echo "PASS ops"
