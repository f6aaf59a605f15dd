/* decimal.h - decimal text of unsigned 64-bit integers: the one parser
 * behind checkpoint sizes, HTTP numbers and command-line counts. */
#ifndef ACCORD_COMMON_DECIMAL_H
#define ACCORD_COMMON_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* How strict dec_u64_parse is. */
#define DEC_CANONICAL 1 /* no leading zero but "0" itself (one spelling per
			   value: checkpoints, signed texts, HTTP) */
#define DEC_LENIENT 0	/* leading zeros allowed (a person typing "007") */

/*
 * Parse s[0..len) as an unsigned decimal: ASCII digits only, no sign, no
 * blanks, no trailing bytes, at least one digit. Reads exactly len bytes
 * (no NUL needed). Returns 0 with *out set, ACC_EINVAL (not a decimal, or
 * a leading zero under DEC_CANONICAL) or ACC_ERANGE (over 2^64-1); *out is
 * untouched on error.
 */
int dec_u64_parse(const char *s, size_t len, int canonical, uint64_t *out);

#endif
