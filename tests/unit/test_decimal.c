/* test_decimal.c - the one decimal u64 parser (common/decimal.h): both
 * spellings, every refusal, the 2^64 boundary. */
#include <string.h>

#include "common/decimal.h"
#include "common/error.h"
#include "tests/test.h"

static int parse(const char *s, int canonical, uint64_t *v)
{
	return dec_u64_parse(s, strlen(s), canonical, v);
}

static void test_decimal(void)
{
	uint64_t v = 7;
	ASSERT_OK(parse("0", DEC_CANONICAL, &v));
	ASSERT_U64_EQ(v, 0);
	ASSERT_OK(parse("18446744073709551615", DEC_CANONICAL, &v));
	ASSERT_U64_EQ(v, UINT64_MAX);
	ASSERT_EQ(parse("18446744073709551616", DEC_CANONICAL, &v), ACC_ERANGE);
	ASSERT_EQ(parse("99999999999999999999999", DEC_LENIENT, &v),
		  ACC_ERANGE);
	ASSERT_U64_EQ(v, UINT64_MAX); /* untouched on error */
	/* Leading zeros: one spelling per value when canonical. */
	ASSERT_EQ(parse("007", DEC_CANONICAL, &v), ACC_EINVAL);
	ASSERT_OK(parse("007", DEC_LENIENT, &v));
	ASSERT_U64_EQ(v, 7);
	ASSERT_OK(parse("000000000000000000000000042", DEC_LENIENT, &v));
	ASSERT_U64_EQ(v, 42);
	static const char *const bad[] = {"", "-1", "+1", " 1", "1 ", "1a",
					  "0x10", "1.0", "99999999999999999999x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ASSERT_EQ(parse(bad[i], DEC_LENIENT, &v), ACC_EINVAL);
		ASSERT_EQ(parse(bad[i], DEC_CANONICAL, &v), ACC_EINVAL);
	}
	ASSERT_EQ(dec_u64_parse(NULL, 0, DEC_LENIENT, &v), ACC_EINVAL);
	/* Exactly len bytes are read: "12" of "123". */
	ASSERT_OK(dec_u64_parse("123", 2, DEC_CANONICAL, &v));
	ASSERT_U64_EQ(v, 12);
}

int main(void)
{
	RUN(test_decimal);
	return 0;
}
