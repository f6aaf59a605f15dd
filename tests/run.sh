#!/bin/sh
# run.sh - run every test: unit programs, the short simulator campaign and
# the multi-process integration scripts. Each runs in its own process with a
# timeout; the run stops at nothing and reports every failure at the end.
set -u
BUILD=${BUILD:-build}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
INTEG_TIMEOUT=${INTEG_TIMEOUT:-600}
failed=""
skipped=""
count=0
run() { # name timeout command...
	name=$1; t=$2; shift 2
	count=$((count + 1))
	start=$(date +%s)
	timeout "$t" "$@" >"$BUILD/test-logs/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "PASS $name ($(( $(date +%s) - start ))s)"
	elif [ $rc -eq 77 ]; then
		# A test that cannot run in this build says why on its last
		# line ("SKIP: ...") and exits 77 (the automake convention).
		echo "SKIP $name: $(grep "^SKIP" "$BUILD/test-logs/$name.log" | tail -n 1)"
		skipped="$skipped $name"
	else
		echo "FAIL $name (exit $rc) — log: $BUILD/test-logs/$name.log"
		tail -n 20 "$BUILD/test-logs/$name.log" | sed 's/^/    /'
		failed="$failed $name"
	fi
}
mkdir -p "$BUILD/test-logs"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" "$UNIT_TIMEOUT" "$t"
done
if [ -x tests/sim/short.sh ] && [ -x "$BUILD/bin/sim" ]; then
	run sim-short "$INTEG_TIMEOUT" env BUILD="$BUILD" tests/sim/short.sh
fi
for t in tests/integration/*.sh; do
	[ -x "$t" ] || continue
	run "integration-$(basename "$t" .sh)" "$INTEG_TIMEOUT" env BUILD="$BUILD" "$t"
done
if [ -n "$failed" ]; then
	echo "FAILED:$failed"
	exit 1
fi
[ -z "$skipped" ] || echo "skipped (cannot run in this build):$skipped"
echo "all $count tests passed or skipped"
