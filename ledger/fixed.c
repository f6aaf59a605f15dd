/* fixed.c - milli quantities and RFC 3339 times in text and JSON
 * (specs/encoding.md §2.6, §2.7). */
#include "ledger/fixed.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MILLI_WHOLE_MAX (QTY_MILLI_MAX / 1000)

int fixed_milli_parse(int64_t *out, const char *s, size_t len,
		      struct acc_err *err)
{
	size_t i = 0;
	bool neg = false;
	int64_t whole = 0;
	int64_t frac = 0;
	size_t int_digits = 0;
	size_t frac_digits = 0;

	*out = 0;
	if (i < len && s[i] == '-') {
		neg = true;
		i++;
	}
	/* Leading zeros are allowed in text (CSV files carry them); only the
	 * value matters, so the digit count is bounded by the value check. */
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		whole = whole * 10 + (s[i] - '0');
		if (whole > MILLI_WHOLE_MAX)
			return acc_err_set(err, ACC_ERANGE,
					   "quantity beyond 10^12");
		int_digits++;
	}
	if (int_digits == 0)
		return acc_err_set(err, ACC_EDECODE,
				   "quantity: expected digits");
	if (i < len && s[i] == '.') {
		i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (frac_digits == 3)
				return acc_err_set(
				    err, ACC_ERANGE,
				    "quantity: more than 3 decimals");
			frac = frac * 10 + (s[i] - '0');
			frac_digits++;
		}
		if (frac_digits == 0)
			return acc_err_set(err, ACC_EDECODE,
					   "quantity: expected digits after '.'");
	}
	if (i != len)
		return acc_err_set(err, ACC_EDECODE,
				   "quantity: unexpected character");
	for (size_t k = frac_digits; k < 3; k++)
		frac *= 10;
	int64_t v = whole * 1000 + frac;
	if (v > QTY_MILLI_MAX)
		return acc_err_set(err, ACC_ERANGE, "quantity beyond 10^12");
	*out = neg ? -v : v;
	return 0;
}

void fixed_milli_format(char out[QTY_TEXT_BYTES_MAX], int64_t milli)
{
	uint64_t a = milli < 0 ? (uint64_t)0 - (uint64_t)milli : (uint64_t)milli;
	unsigned long long whole = (unsigned long long)(a / 1000);
	unsigned frac = (unsigned)(a % 1000);
	const char *sign = milli < 0 ? "-" : "";

	if (frac == 0)
		snprintf(out, QTY_TEXT_BYTES_MAX, "%s%llu", sign, whole);
	else if (frac % 100 == 0)
		snprintf(out, QTY_TEXT_BYTES_MAX, "%s%llu.%u", sign, whole,
			 frac / 100);
	else if (frac % 10 == 0)
		snprintf(out, QTY_TEXT_BYTES_MAX, "%s%llu.%02u", sign, whole,
			 frac / 10);
	else
		snprintf(out, QTY_TEXT_BYTES_MAX, "%s%llu.%03u", sign, whole,
			 frac);
}

json_t *fixed_milli_to_json(int64_t milli)
{
	if (milli % 1000 == 0)
		return json_integer((json_int_t)(milli / 1000));
	return json_real((double)milli / 1000.0);
}

int fixed_milli_from_json(int64_t *out, const json_t *j, const char *field,
			  struct acc_err *err)
{
	*out = 0;
	if (json_is_integer(j)) {
		json_int_t n = json_integer_value(j);
		if (n > MILLI_WHOLE_MAX || n < -MILLI_WHOLE_MAX)
			return acc_err_set(err, ACC_ERANGE,
					   "%s: beyond 10^12", field);
		*out = (int64_t)n * 1000;
		return 0;
	}
	if (!json_is_real(j))
		return acc_err_set(err, ACC_ETYPE, "%s: expected a number",
				   field);
	double d = json_real_value(j);
	if (!isfinite(d) || d > (double)MILLI_WHOLE_MAX ||
	    d < -(double)MILLI_WHOLE_MAX)
		return acc_err_set(err, ACC_ERANGE, "%s: beyond 10^12", field);
	/* A real is accepted when it is the double nearest to some decimal
	 * with at most 3 decimals. Below 2^42 distinct thousandths have
	 * distinct doubles, so that decimal is unique (§2.6). */
	long long m = llround(d * 1000.0);
	for (long long c = m - 1; c <= m + 1; c++) {
		if (c > (long long)QTY_MILLI_MAX || c < -(long long)QTY_MILLI_MAX)
			continue;
		if ((double)c / 1000.0 == d) {
			*out = (int64_t)c;
			return 0;
		}
	}
	return acc_err_set(err, ACC_ERANGE, "%s: more than 3 decimals", field);
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned days[12] = {31, 28, 31, 30, 31, 30,
					  31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (y >= 1970). */
static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	uint64_t days = 0;
	/* Whole 400-year cycles first keep the loop short (<= 400 steps). */
	while (y >= 1970 + 400) {
		days += 146097;
		y -= 400;
	}
	for (unsigned yy = 1970; yy < y; yy++)
		days += leap(yy) ? 366 : 365;
	for (unsigned mm = 1; mm < m; mm++)
		days += month_days(y, mm);
	return days + d - 1;
}

static int digits(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

int fixed_time_parse(uint64_t *out, const char *s, struct acc_err *err)
{
	unsigned y, mo, d, h, mi, se;
	*out = 0;
	if (s == NULL || strnlen(s, 21) != 20 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    digits(s, 4, &y) != 0 || digits(s + 5, 2, &mo) != 0 ||
	    digits(s + 8, 2, &d) != 0 || digits(s + 11, 2, &h) != 0 ||
	    digits(s + 14, 2, &mi) != 0 || digits(s + 17, 2, &se) != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "time: expected YYYY-MM-DDTHH:MM:SSZ");
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h > 23 || mi > 59 || se > 59)
		return acc_err_set(err, ACC_EDECODE,
				   "time: no such date or time");
	*out = days_from_civil(y, mo, d) * 86400u + h * 3600u + mi * 60u + se;
	return 0;
}

void fixed_time_format(char out[TIME_TEXT_BYTES], uint64_t t)
{
	if (t > TIME_MAX)
		t = TIME_MAX;
	uint64_t days = t / 86400;
	unsigned secs = (unsigned)(t % 86400);
	unsigned y = 1970;
	while (days >= 146097) {
		days -= 146097;
		y += 400;
	}
	for (;;) {
		unsigned yd = leap(y) ? 366 : 365;
		if (days < yd)
			break;
		days -= yd;
		y++;
	}
	unsigned m = 1;
	while (days >= month_days(y, m)) {
		days -= month_days(y, m);
		m++;
	}
	/* Every field is in range here (y <= 9999), so the text is exactly
	 * 20 characters; the compiler cannot see that, hence the wide buffer. */
	char buf[64];
	snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02uZ", y % 10000u,
		 m % 100u, ((unsigned)days + 1) % 100u, secs / 3600 % 100u,
		 secs / 60 % 60, secs % 60);
	memcpy(out, buf, TIME_TEXT_BYTES - 1);
	out[TIME_TEXT_BYTES - 1] = 0;
}
