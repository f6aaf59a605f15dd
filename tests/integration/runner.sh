#!/bin/sh
# runner.sh - tests/run.sh counts cases, not programs: a failing case names
# itself, the run goes on to the next program, and the last line is
# "N passed, M failed, K skipped" (issue 11). Runs run.sh on a private
# BUILD directory holding three small programs built on tests/test.h.
set -eu
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
CC=${CC:-cc}
mkdir -p "$TMP/tests"
cat >"$TMP/a.c" <<'C'
#include "tests/test.h"
static void test_one(void) { ASSERT_EQ(1 + 1, 2); }
static void test_broken(void) { ASSERT_EQ(2 + 2, 5); }
static void test_never(void) { ASSERT(1); }
int main(void)
{
	RUN(test_one);
	RUN(test_broken);
	RUN(test_never);
	return 0;
}
C
cat >"$TMP/b.c" <<'C'
#include "tests/test.h"
static void test_fine(void) { ASSERT_STR_EQ("x", "x"); }
static void test_later(void) { SKIP_CASE("no such device here"); }
static void test_crash(void) { abort(); }
int main(void)
{
	RUN(test_fine);
	RUN(test_later);
	RUN(test_crash);
	return 0;
}
C
cat >"$TMP/c.c" <<'C'
#include "tests/test.h"
static void test_c1(void) { ASSERT_NE(1, 2); }
int main(void)
{
	RUN(test_c1);
	return 0;
}
C
for p in a b c; do
	$CC -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I. \
		-o "$TMP/tests/test_$p" "$TMP/$p.c" || fail "cannot build test_$p"
done
if BUILD=$TMP RUN_UNIT_ONLY=1 tests/run.sh >"$TMP/out" 2>&1; then
	cat "$TMP/out"
	fail "run.sh exited 0 with failing cases"
fi
cat "$TMP/out"
last=$(tail -n 1 "$TMP/out")
[ "$last" = "3 passed, 2 failed, 1 skipped" ] || fail "last line \"$last\""
grep -q 'FAIL test_broken: .*2 + 2 == 5: 4 != 5' "$TMP/out" || fail "the failing case is not named"
grep -q 'FAIL test_crash: aborted' "$TMP/out" || fail "the aborting case is not named"
grep -q '^PASS test_c ' "$TMP/out" || fail "the run did not go on past the failures"
# All passing: exit 0 and no "skipped" part.
rm "$TMP/tests/test_a" "$TMP/tests/test_b"
BUILD=$TMP RUN_UNIT_ONLY=1 tests/run.sh >"$TMP/out" 2>&1 || fail "run.sh failed on a passing run"
last=$(tail -n 1 "$TMP/out")
[ "$last" = "1 passed, 0 failed" ] || fail "last line \"$last\""
echo "PASS runner"
