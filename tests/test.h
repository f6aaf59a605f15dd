/* test.h - a minimal test harness: each test file is one program whose
 * main() runs its cases in order with RUN(case). The first failure names
 * its case ("FAIL case: file:line: ...") and ends the program; at exit the
 * program prints one line "test-cases: P passed, F failed, S skipped" that
 * tests/run.sh adds up. A case may end early with SKIP_CASE("why"). */
#ifndef ACCORD_TESTS_TEST_H
#define ACCORD_TESTS_TEST_H

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"

/* The harness's state: one test program is one translation unit. */
static const char *test_case_ = "main";
static int test_passed_, test_failed_, test_skipped_, test_case_skipped_;
static pid_t test_pid_; /* the process that prints the summary */

static inline void test_summary_(void)
{
	/* A forked child that exits is not the program ending. */
	if (getpid() != test_pid_)
		return;
	fflush(stderr);
	printf("test-cases: %d passed, %d failed, %d skipped\n", test_passed_,
	       test_failed_, test_skipped_);
	fflush(stdout);
}

static inline void test_write_(int fd, const char *s)
{
	(void)!write(fd, s, strlen(s));
}

static inline void test_write_num_(int fd, int v)
{
	char num[16];
	size_t i = sizeof num;
	unsigned u = (unsigned)v;
	do
		num[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0 && i > 0);
	(void)!write(fd, num + i, sizeof num - i);
}

/* A crash or abort() inside a case still names the case and is counted;
 * only write(2) here, as a signal handler must. */
static inline void test_signal_(int sig)
{
	test_write_(STDERR_FILENO, "FAIL ");
	test_write_(STDERR_FILENO, test_case_);
	test_write_(STDERR_FILENO, sig == SIGABRT ? ": aborted\n"
						   : ": crashed (signal)\n");
	if (getpid() == test_pid_) {
		test_write_(STDOUT_FILENO, "test-cases: ");
		test_write_num_(STDOUT_FILENO, test_passed_);
		test_write_(STDOUT_FILENO, " passed, 1 failed, ");
		test_write_num_(STDOUT_FILENO, test_skipped_);
		test_write_(STDOUT_FILENO, " skipped\n");
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static inline void test_case_begin_(const char *name)
{
	if (test_pid_ == 0) {
		test_pid_ = getpid();
		(void)atexit(test_summary_);
		static const int sigs[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE,
					   SIGILL};
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			(void)signal(sigs[i], test_signal_);
	}
	test_case_ = name;
	test_case_skipped_ = 0;
}

static inline void test_case_end_(const char *name)
{
	if (test_case_skipped_) {
		test_skipped_++;
	} else {
		test_passed_++;
		fprintf(stderr, "  ok  %s\n", name);
	}
	test_case_ = "main";
}

#define FAIL_AT(...)                                                       \
	do {                                                               \
		fprintf(stderr, "FAIL %s: %s:%d: ", test_case_, __FILE__,  \
			__LINE__);                                         \
		fprintf(stderr, __VA_ARGS__);                              \
		fputc('\n', stderr);                                       \
		test_failed_++;                                            \
		exit(1);                                                   \
	} while (0)

/* End the current case (a void function) as skipped, saying why. */
#define SKIP_CASE(why)                                                          \
	do {                                                               \
		fprintf(stderr, "  skip %s: %s\n", test_case_, (why));     \
		test_case_skipped_ = 1;                                    \
		return;                                                    \
	} while (0)

#define ASSERT(c)                                                          \
	do {                                                               \
		if (!(c))                                                  \
			FAIL_AT("assertion failed: %s", #c);               \
	} while (0)

/* Integers: both sides printed as signed 64-bit. */
#define ASSERT_EQ(a, b)                                                    \
	do {                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);        \
		if (a_ != b_)                                              \
			FAIL_AT("%s == %s: %lld != %lld", #a, #b, a_, b_); \
	} while (0)
#define ASSERT_NE(a, b)                                                    \
	do {                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);        \
		if (a_ == b_)                                              \
			FAIL_AT("%s != %s: both %lld", #a, #b, a_);        \
	} while (0)
#define ASSERT_U64_EQ(a, b)                                                \
	do {                                                               \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);           \
		if (a_ != b_)                                              \
			FAIL_AT("%s == %s: %" PRIu64 " != %" PRIu64, #a,   \
				#b, a_, b_);                               \
	} while (0)
#define ASSERT_STR_EQ(a, b)                                                \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)       \
			FAIL_AT("%s == %s: \"%s\" != \"%s\"", #a, #b,      \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");   \
	} while (0)
#define ASSERT_MEM_EQ(a, b, n)                                             \
	do {                                                               \
		if (memcmp((a), (b), (n)) != 0)                            \
			FAIL_AT("%s == %s: %zu bytes differ", #a, #b,      \
				(size_t)(n));                              \
	} while (0)
/* A call that returns an acc error code must return 0. */
#define ASSERT_OK(call)                                                    \
	do {                                                               \
		int rc_ = (call);                                          \
		if (rc_ != 0)                                              \
			FAIL_AT("%s: %d (%s)", #call, rc_,                 \
				acc_errname(rc_));                         \
	} while (0)

/* Run one case: a void function of no arguments. */
#define RUN(fn)                                                            \
	do {                                                               \
		test_case_begin_(#fn);                                     \
		fn();                                                      \
		test_case_end_(#fn);                                       \
	} while (0)

/* Path of the shared reference data, relative to the repository root
 * (tests run from the repository root). */
#define SHARED_DATA "../shared/data/"

#endif
