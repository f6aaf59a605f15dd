/* hex.c - hex and base64 text forms; base64 goes through libsodium. */
#include "common/hex.h"

#include <sodium.h>
#include <string.h>

#include "common/error.h"

void hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(uint8_t *out, size_t n, const char *in)
{
	for (size_t i = 0; i < n; i++) {
		if (in[2 * i] == '\0' || in[2 * i + 1] == '\0')
			return ACC_EDECODE;
		int hi = nibble(in[2 * i]);
		int lo = nibble(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return ACC_EDECODE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return in[2 * n] == '\0' ? 0 : ACC_EDECODE;
}

size_t base64_encoded_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
}

void base64_encode(char *out, size_t out_len, const uint8_t *in, size_t n)
{
	(void)sodium_bin2base64(out, out_len, in, n,
				sodium_base64_VARIANT_ORIGINAL);
}

int base64_decode(uint8_t *out, size_t out_max, size_t *n, const char *in)
{
	const char *end = NULL;
	size_t len = strlen(in);
	/* The standard alphabet and padding only: libsodium's decoder lets
	 * some bytes >= 0x80 through. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		      c == '='))
			return ACC_EDECODE;
	}
	if (sodium_base642bin(out, out_max, in, len, NULL, n, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return ACC_EDECODE;
	if (end != in + len)
		return ACC_EDECODE;
	return 0;
}
