/* decimal.c - decimal u64 text (decimal.h). */
#include "common/decimal.h"

#include "common/error.h"

int dec_u64_parse(const char *s, size_t len, int canonical, uint64_t *out)
{
	if (s == NULL || len == 0)
		return ACC_EINVAL;
	if (canonical && len > 1 && s[0] == '0')
		return ACC_EINVAL;
	uint64_t v = 0;
	int range = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ACC_EINVAL;
		uint64_t d = (uint64_t)(s[i] - '0');
		/* Keep checking the digits after an overflow: "99…9x" is
		 * not a number at all, which is the better message. */
		if (range || v > (UINT64_MAX - d) / 10)
			range = 1;
		else
			v = v * 10 + d;
	}
	if (range)
		return ACC_ERANGE;
	*out = v;
	return 0;
}
