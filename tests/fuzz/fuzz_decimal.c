/* fuzz_decimal.c - untrusted bytes into dec_u64_parse (common/decimal.h):
 * nothing may crash, and an accepted canonical number prints back to the
 * same bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v = 0;
	const char *s = (const char *)data;
	if (dec_u64_parse(s, size, DEC_CANONICAL, &v) == 0) {
		char back[32];
		int n = snprintf(back, sizeof back, "%" PRIu64, v);
		if (n < 0 || (size_t)n != size || memcmp(back, s, size) != 0)
			abort();
	}
	(void)dec_u64_parse(s, size, DEC_LENIENT, &v);
	return 0;
}
