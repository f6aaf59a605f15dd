/* fixed.h - the text forms of the record's numbers: milli quantities
 * ("60.5" <-> 60500) and RFC 3339 UTC times ("2017-12-31T23:59:59Z"). */
#ifndef ACCORD_LEDGER_FIXED_H
#define ACCORD_LEDGER_FIXED_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"

/*
 * A quantity is an int64 count of thousandths ("milli"). Its magnitude is
 * bounded so that every value has exactly one JSON number (a double) and
 * back: |milli| <= QTY_MILLI_MAX, i.e. |value| <= 10^12
 * (specs/encoding.md §2.6). Decoders reject anything larger.
 */
#define QTY_MILLI_MAX 1000000000000000LL
/* Longest text form: "-999999999999.999" and a NUL. */
#define QTY_TEXT_BYTES_MAX 24u

/*
 * Times are u64 Unix seconds (UTC, no leap seconds) from
 * 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z, the range of the text
 * form. Decoders reject larger values.
 */
#define TIME_MAX 253402300799ULL
/* "2017-12-31T23:59:59Z" and a NUL. */
#define TIME_TEXT_BYTES 21u

/*
 * jansson dump flag that prints every quantity's JSON number with no more
 * than 3 decimals ("0.1" instead of "0.10000000000000001"). Output dumped
 * without it is still lossless, only less tidy.
 */
#define QTY_JSON_DUMP_FLAGS JSON_REAL_PRECISION(15)

/*
 * Parse a decimal "-12.345" / "60.5" / "60" into milli. Accepted: an
 * optional '-', one or more digits, optionally '.' and 1 to 3 digits; no
 * spaces, no '+', no exponent. ACC_EDECODE on a malformed string,
 * ACC_ERANGE on more than 3 decimals or |value| > 10^12. len is the
 * number of bytes of s to read (s need not be NUL-terminated).
 */
int fixed_milli_parse(int64_t *out, const char *s, size_t len,
		      struct acc_err *err);

/* Write the shortest decimal of milli ("60.5", "60", "-0.001") and a NUL
 * into out (QTY_TEXT_BYTES_MAX bytes). milli must be within the bound. */
void fixed_milli_format(char out[QTY_TEXT_BYTES_MAX], int64_t milli);

/* The JSON number of a quantity: an integer when whole, else a real.
 * New reference; NULL only on allocation failure. */
json_t *fixed_milli_to_json(int64_t milli);

/*
 * The quantity of a JSON integer or real: a real must be the double
 * nearest to a decimal with at most 3 decimals. ACC_ETYPE (not a number),
 * ACC_ERANGE (too precise, too large). field names the field in err.
 */
int fixed_milli_from_json(int64_t *out, const json_t *j, const char *field,
			  struct acc_err *err);

/* Parse exactly "YYYY-MM-DDTHH:MM:SSZ" (uppercase T and Z, no fraction,
 * no offset) into Unix seconds; the date must exist. ACC_EDECODE. */
int fixed_time_parse(uint64_t *out, const char *s, struct acc_err *err);

/* Format t (<= TIME_MAX) as "YYYY-MM-DDTHH:MM:SSZ". */
void fixed_time_format(char out[TIME_TEXT_BYTES], uint64_t t);

#endif
