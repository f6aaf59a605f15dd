#!/bin/sh
# run.sh - what `make bench` runs: every benchmark side by side in one run
# on this machine, reported as ratios to a baseline measured in the same
# run (DESIGN.md "Performance targets"). Nothing here passes or fails on
# time: the machines are shared and noisy. Exit non-zero only when a
# benchmark cannot run.
#
#   1. Merkle: root, proofs over the in-memory tree (bench_merkle).
#   2. Storage: synced LMDB block commits and proofs from stored nodes
#      (bench_storage) - the baseline for the node's commit rate.
#   3. Node: a 1-validator devnet under `accord bench load` at
#      concurrency 32 and 64 (HTTP, binary entries, ?wait=commit), the
#      node's memory before and after.
#   4. Audit: `accord bench verify` - raw Ed25519 verification (one
#      thread, every CPU) and the audit of the chain just written, as a
#      ratio of the raw rate.
#   5. Consortium: a 4-validator devnet and a 3-member etcd cluster, both
#      on loopback, driven one after the other by the same load generator
#      (`accord bench load`, etcd through its JSON gateway) at the same
#      concurrency: committed writes/s, p50, p99, `accord/etcd = R`, and
#      accord's rate as a fraction of this machine's Ed25519 limit
#      (cores x verifications/s per core / validators), and for each the
#      CPU its server processes used per committed write (steadier than
#      the rates when other work shares the machine). BENCH_ROUNDS
#      (default 3) alternating rounds of each, fresh clusters each
#      round; the medians are reported.
# Env: BUILD (build dir), BENCH_ENTRIES (default 20000), BENCH_SECTIONS
# (default "1 2 3 4 5 6"), BENCH_CONCURRENCY (section 5, default 64; a
# node takes at most 64 connections from one address, so stay below
# 64 x validators),
# BENCH_VALIDATORS (section 5, default 4), BENCH_PORT (section 5: the
# devnet's HTTP base port, etcd on BENCH_PORT+200..+205; default: free
# ports found at random).
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
ENTRIES=${BENCH_ENTRIES:-20000}
SECTIONS=${BENCH_SECTIONS:-1 2 3 4 5 6}
TMP=$(mktemp -d)
NET=$TMP/net
CNET=$TMP/consortium
ETCD_PIDS=""
etcd_stop() {
	for p in $ETCD_PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $ETCD_PIDS; do wait "$p" 2>/dev/null || true; done
	ETCD_PIDS=""
}
cleanup() {
	"$ACCORD" devnet stop --dir "$NET" >/dev/null 2>&1 || true
	"$ACCORD" devnet stop --dir "$CNET" >/dev/null 2>&1 || true
	etcd_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

for b in "$ACCORD" "$BUILD/bin/accordd" "$BUILD/bench/bench_merkle" \
	"$BUILD/bench/bench_storage"; do
	[ -x "$b" ] || { echo "bench: $b is not built (run make)"; exit 1; }
done

echo "== machine: $(nproc) CPU(s), $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
if want 1; then
	echo "== 1. Merkle tree (in memory)"
	"$BUILD/bench/bench_merkle"
	echo
fi
if want 2; then
	echo "== 2. Storage (LMDB, synced commits, in $TMP)"
	(cd "$TMP" && "$OLDPWD/$BUILD/bench/bench_storage")
	echo
fi

if want 3 || want 4; then
	# A free loopback port for the node.
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	URL=http://127.0.0.1:$port
	"$ACCORD" devnet init --dir "$NET" --nodes 1 --http-port "$port" >/dev/null
	# The load generator is one address holding up to 64 connections,
	# the node's default limit for one address (specs/api.md): at the
	# limit, a connection closing while the next opens is refused. It
	# stands for many clients here, so the limit is raised.
	python3 - "$NET/node0/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["http_conns_per_addr"] = 256
json.dump(c, open(p, "w"), indent=2)
PY
	"$ACCORD" devnet start --dir "$NET" --detach >/dev/null
	pid=$(cat "$NET/node0/accordd.pid" 2>/dev/null || pgrep -f "accordd --config $NET/node0" | head -1)
	rss() { awk '/^VmRSS|^RssAnon|^RssFile/ {printf "%s %s kB  ", $1, $2}' "/proc/$pid/status"; }

	echo "== 3. Node: 1 validator, accord bench load, $ENTRIES entries each"
	echo "node memory at start: $(rss)"
	for c in 32 64; do
		echo "-- concurrency $c"
		"$ACCORD" bench load --node "$URL" --keys "$NET" --entries "$ENTRIES" \
			--concurrency "$c"
		echo "node memory after: $(rss)"
	done
	echo

	echo "== 4. Audit rate against the raw Ed25519 rate (same run)"
	"$ACCORD" devnet stop --dir "$NET" >/dev/null
	"$ACCORD" bench verify --seconds 2 --genesis "$NET/genesis.json" \
		--data "$NET/node0/data"
	echo
fi

# Section 5 needs free loopback ports: base P with P..P+k and
# P+100..P+100+k free.
free_base() { # count
	python3 - "$1" <<'PY'
import random, socket, sys
k = int(sys.argv[1])
for _ in range(500):
    p = random.randrange(20000, 60000)
    ok = True
    for q in list(range(p, p + k)) + list(range(p + 100, p + 100 + k)):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", q))
        except OSError:
            ok = False
        finally:
            s.close()
        if not ok:
            break
    if ok:
        print(p)
        sys.exit(0)
sys.exit(1)
PY
}
# CPU seconds (user + system, every thread) the processes $@ have used.
cpu_s() {
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && awk '{print $14 + $15}' "/proc/$p/stat"
	done | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {printf "%.2f\n", s / hz}'
}
# A field of the one-line JSON in file $1: $2 is a Python expression on j.
jfield() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

if want 5; then
	V=${BENCH_VALIDATORS:-4}
	C=${BENCH_CONCURRENCY:-64}
	R=${BENCH_ROUNDS:-3}
	PER=$(( (ENTRIES + R - 1) / R ))
	echo "== 5. Consortium: $V validators vs a 3-member etcd cluster, $R alternating rounds of $PER writes each, $C in flight"
	# Ed25519 first, on an idle machine: verifications per second on one
	# core (the fixed signature set of specs/cli.md §9).
	"$ACCORD" bench verify --seconds 2 --json >"$TMP/verify.json"
	RATE1=$(jfield "$TMP/verify.json" 'j["raw_verify_per_second_1thread"]')
	CORES=$(nproc)
	if ! command -v etcd >/dev/null 2>&1; then
		echo "etcd: not installed; installing the bench packages (scripts/deps.sh --bench)"
		scripts/deps.sh --bench >/dev/null 2>&1 || true
	fi

	# accord_round r: a fresh devnet, every validator a real process;
	# $TMP/accord.r.json gains "cpu_us_per_write" (every accordd thread).
	accord_round() {
		rm -rf "$CNET"
		if [ -n "${BENCH_PORT:-}" ]; then P=$BENCH_PORT; else P=$(free_base "$V"); fi
		"$ACCORD" devnet init --dir "$CNET" --nodes "$V" --http-port "$P" >/dev/null
		if ! "$ACCORD" devnet start --dir "$CNET" --detach >"$TMP/cstart.out" 2>&1; then
			echo "accord: the $V-validator devnet did not start:"
			grep -h "refuse\\|error\\|ERROR" "$TMP/cstart.out" | head -3
			return 1
		fi
		NODES=""
		i=0
		while [ $i -lt "$V" ]; do
			NODES="$NODES${NODES:+,}http://127.0.0.1:$((P + i))"
			i=$((i + 1))
		done
		APIDS=$(cat "$CNET"/node*/accordd.pid 2>/dev/null || true)
		A0=$(cpu_s $APIDS)
		ok=0
		if "$ACCORD" bench load --node "$NODES" --keys "$CNET" --entries "$PER" \
			--concurrency "$C" --json >"$TMP/accord.$1.json" 2>"$TMP/accord.err"; then
			cpu_add "$TMP/accord.$1.json" "$A0" "$(cpu_s $APIDS)"
		else
			echo "accord: bench load failed:"; cat "$TMP/accord.err"
			ok=1
		fi
		"$ACCORD" devnet stop --dir "$CNET" >/dev/null 2>&1 || true
		return $ok
	}
	# etcd_round r: 3 fresh members on loopback, data in $TMP, default
	# durability (every write in the WAL, fsynced, on a quorum before the
	# answer); values as long as accord's entries.
	etcd_round() {
		command -v etcd >/dev/null 2>&1 || { echo "etcd: not available (scripts/deps.sh --bench installs etcd-server)"; return 1; }
		rm -rf "$TMP"/etcd?
		if [ -n "${BENCH_PORT:-}" ]; then E=$((BENCH_PORT + 200)); else E=$(free_base 6); fi
		CLUSTER="e0=http://127.0.0.1:$((E + 1)),e1=http://127.0.0.1:$((E + 3)),e2=http://127.0.0.1:$((E + 5))"
		EURLS=""
		for i in 0 1 2; do
			c=$((E + 2 * i)); pp=$((E + 2 * i + 1))
			etcd --name "e$i" --data-dir "$TMP/etcd$i" \
				--listen-client-urls "http://127.0.0.1:$c" \
				--advertise-client-urls "http://127.0.0.1:$c" \
				--listen-peer-urls "http://127.0.0.1:$pp" \
				--initial-advertise-peer-urls "http://127.0.0.1:$pp" \
				--initial-cluster "$CLUSTER" --initial-cluster-state new \
				--initial-cluster-token "accord-bench-$$-$1" \
				>"$TMP/etcd$i.log" 2>&1 &
			ETCD_PIDS="$ETCD_PIDS $!"
			EURLS="$EURLS${EURLS:+,}http://127.0.0.1:$c"
		done
		# Ready when a put through the first member's gateway succeeds.
		t=0
		until curl -sf -X POST "http://127.0.0.1:$E/v3/kv/put" \
			-d '{"key":"cmVhZHk=","value":"MQ=="}' >/dev/null 2>&1; do
			t=$((t + 1))
			[ $t -lt 150 ] || break
			sleep 0.2
		done
		VB=247
		[ -f "$TMP/accord.$1.json" ] && VB=$(jfield "$TMP/accord.$1.json" 'j["entry_bytes_mean"]')
		E0=$(cpu_s $ETCD_PIDS)
		ok=0
		if "$ACCORD" bench load --etcd "$EURLS" --entries "$PER" --concurrency "$C" \
			--value-bytes "$VB" --json >"$TMP/etcd.$1.json" 2>"$TMP/etcd.err"; then
			cpu_add "$TMP/etcd.$1.json" "$E0" "$(cpu_s $ETCD_PIDS)"
		else
			echo "etcd: bench load failed:"; cat "$TMP/etcd.err"
			tail -n 5 "$TMP/etcd0.log"
			ok=1
		fi
		etcd_stop
		return $ok
	}
	# cpu_add file before after: CPU seconds used, per committed write.
	cpu_add() {
		python3 - "$1" "$2" "$3" <<'PY'
import json, sys
p, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
j = json.load(open(p))
j["cpu_us_per_write"] = (b - a) * 1e6 / max(1, j["committed"])
json.dump(j, open(p, "w"))
PY
	}

	# Alternating rounds, so that both sides see the same machine: a
	# busy spell on this shared machine hits one round of each, and the
	# medians leave it out.
	r=1
	while [ $r -le "$R" ]; do
		accord_round $r || true
		etcd_round $r || true
		r=$((r + 1))
	done
	# One line per round, then the medians of each side, the ratio of the
	# medians, and accord's median against the Ed25519 limit.
	python3 - "$TMP" "$R" "$V" "$RATE1" "$CORES" <<'PY'
import json, os, statistics, sys
tmp, rounds, v, rate1, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
def load(side):
    out = []
    for r in range(1, rounds + 1):
        p = os.path.join(tmp, "%s.%d.json" % (side, r))
        if os.path.exists(p):
            j = json.load(open(p))
            if j.get("committed") == j.get("entries"):
                out.append(j)
    return out
sides = {"accord": load("accord"), "etcd": load("etcd")}
names = {"accord": "accord (%d validators)" % v, "etcd": "etcd (3 members)"}
med = {}
for side in ("accord", "etcd"):
    for k, j in enumerate(sides[side], 1):
        print("  round %d  %-22s %6.0f writes/s  p50 %7.2f ms  p99 %7.2f ms  %5.0f us CPU/write" % (
            k, names[side], j["entries_per_second"], j["latency_ms"]["p50"],
            j["latency_ms"]["p99"], j["cpu_us_per_write"]))
for side in ("accord", "etcd"):
    js = sides[side]
    if not js:
        print("%-26s did not run" % names[side])
        continue
    m = {k: statistics.median(f(j) for j in js) for k, f in (
        ("eps", lambda j: j["entries_per_second"]),
        ("p50", lambda j: j["latency_ms"]["p50"]),
        ("p99", lambda j: j["latency_ms"]["p99"]),
        ("cpu", lambda j: j["cpu_us_per_write"]))}
    med[side] = m
    print("%-26s %8.0f writes/s  p50 %7.2f ms  p99 %7.2f ms  (median of %d rounds)" % (
        names[side], m["eps"], m["p50"], m["p99"], len(js)))
if "accord" in med and "etcd" in med:
    print("accord/etcd = %.2f" % (med["accord"]["eps"] / med["etcd"]["eps"]))
else:
    print("accord/etcd = n/a (one side did not run)")
# CPU per committed write, every server process summed (the load
# generator not counted): steadier than the rates on a busy machine.
if "accord" in med:
    print("accord: %.0f us of CPU per write (%d validators; Ed25519 alone: %d x %.0f us)" % (
        med["accord"]["cpu"], v, v, 1e6 / rate1))
if "etcd" in med:
    print("etcd:   %.0f us of CPU per write (3 members)" % med["etcd"]["cpu"])
limit = cores * rate1 / v
print("Ed25519: %.0f verifications/s per core x %d cores / %d validators = %.0f entries/s limit" % (
    rate1, cores, v, limit))
if "accord" in med:
    print("accord = %.3f of the verification limit" % (med["accord"]["eps"] / limit))
PY
fi

if want 6; then
	echo
	echo "== 6. Bulk import beside bench load (same run)"
	BUILD=$BUILD tests/bench/import.sh
fi
