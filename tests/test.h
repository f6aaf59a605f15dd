/* test.h - a minimal test harness: each test file is one program whose
 * main() runs its cases in order and exits non-zero on the first failure. */
#ifndef ACCORD_TESTS_TEST_H
#define ACCORD_TESTS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define FAIL_AT(...)                                                       \
	do {                                                               \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);            \
		fprintf(stderr, __VA_ARGS__);                              \
		fputc('\n', stderr);                                       \
		exit(1);                                                   \
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

#define RUN(fn)                                                            \
	do {                                                               \
		fn();                                                      \
		fprintf(stderr, "  ok  %s\n", #fn);                        \
	} while (0)

/* Path of the shared reference data, relative to the repository root
 * (tests run from the repository root). */
#define SHARED_DATA "../shared/data/"

#endif
