/* hex.h - lowercase hex and standard base64 text forms of byte strings. */
#ifndef ACCORD_COMMON_HEX_H
#define ACCORD_COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Write 2n lowercase hex digits and a NUL to out (2n+1 bytes). */
void hex_encode(char *out, const uint8_t *in, size_t n);

/* Decode exactly n bytes from a string of exactly 2n hex digits (either
 * case). Returns 0 or ACC_EDECODE; never reads past strlen(in). */
int hex_decode(uint8_t *out, size_t n, const char *in);

/* Bytes needed for base64 of n bytes, with padding and NUL. */
size_t base64_encoded_len(size_t n);

/* Standard alphabet with padding; out holds base64_encoded_len(n). */
void base64_encode(char *out, size_t out_len, const uint8_t *in, size_t n);

/* Decode standard padded base64 into at most out_max bytes; *n gets the
 * decoded length. ACC_EDECODE on any bad character, bad padding or
 * overflow. */
int base64_decode(uint8_t *out, size_t out_max, size_t *n, const char *in);

#endif
