#!/bin/sh
# run.sh - run every test: unit programs, the short simulator campaign and
# the multi-process integration scripts. Each runs in its own process with a
# timeout; a failing program does not stop the run.
#
# Counting (tests/test.h): a program that prints a line
# "test-cases: P passed, F failed[, S skipped]" counts as those cases; one
# that prints none counts as one case (passed on exit 0, skipped on exit 77,
# failed otherwise). A program that exits non-zero without reporting a
# failed case (a crash, a timeout) adds one failure. Failing cases name
# themselves in the log ("FAIL case: ..."); they are shown with the program.
# The last line is "N passed, M failed[, K skipped]", the form CI tools read.
set -u
BUILD=${BUILD:-build}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
INTEG_TIMEOUT=${INTEG_TIMEOUT:-600}
failed=""
passed_n=0
failed_n=0
skipped_n=0
run() { # name timeout command...
	name=$1; t=$2; shift 2
	log="$BUILD/test-logs/$name.log"
	start=$(date +%s)
	timeout "$t" "$@" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	# The program's own count, if it kept one (the last such line).
	line=$(grep -a '^test-cases: ' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p')
		f=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
		s=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) skipped.*/\1/p')
		p=${p:-0}; f=${f:-0}; s=${s:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
		fi
	elif [ "$rc" -eq 0 ]; then
		p=1; f=0; s=0
	elif [ "$rc" -eq 77 ]; then
		p=0; f=0; s=1
	else
		p=0; f=1; s=0
	fi
	passed_n=$((passed_n + p))
	failed_n=$((failed_n + f))
	skipped_n=$((skipped_n + s))
	if [ "$f" -eq 0 ]; then
		extra=""
		[ "$s" -eq 0 ] || extra=", $s skipped"
		echo "PASS $name ($p passed$extra, ${secs}s)"
		return
	fi
	case $rc in
	124) why="timed out after ${t}s" ;;
	*) why="exit $rc" ;;
	esac
	echo "FAIL $name ($p passed, $f failed, $why) — log: $log"
	cases=$(grep -a '^FAIL ' "$log" | head -n 5)
	if [ -n "$cases" ]; then
		echo "$cases" | sed 's/^/    /'
	fi
	tail -n 15 "$log" | sed 's/^/    | /'
	failed="$failed $name"
}
mkdir -p "$BUILD/test-logs"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" "$UNIT_TIMEOUT" "$t"
done
# RUN_UNIT_ONLY=1: the unit programs alone (tests/integration/runner.sh).
if [ -z "${RUN_UNIT_ONLY:-}" ] && [ -x tests/sim/short.sh ] && [ -x "$BUILD/bin/sim" ]; then
	run sim-short "$INTEG_TIMEOUT" env BUILD="$BUILD" tests/sim/short.sh
fi
for t in tests/integration/*.sh; do
	[ -z "${RUN_UNIT_ONLY:-}" ] || break
	[ -x "$t" ] || continue
	run "integration-$(basename "$t" .sh)" "$INTEG_TIMEOUT" env BUILD="$BUILD" "$t"
done
[ -z "$failed" ] || echo "failed programs:$failed"
summary="$passed_n passed, $failed_n failed"
[ "$skipped_n" -eq 0 ] || summary="$summary, $skipped_n skipped"
echo "$summary"
[ "$failed_n" -eq 0 ]
