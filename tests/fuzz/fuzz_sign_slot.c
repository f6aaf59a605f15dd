/* fuzz_sign_slot.c - untrusted disk bytes into the decoder of a slot of
 * the signing record's file (specs/storage.md §7): an accepted slot's
 * record lies inside the input, within the bound, and a slot with one
 * byte of its record flipped is refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "storage/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t seq;
	const uint8_t *p;
	size_t len;
	if (store_sign_slot_decode(data, size, &seq, &p, &len) != 0)
		return 0;
	if (seq == 0 || len > STORE_SIGN_STATE_BYTES_MAX || p < data ||
	    p + len > data + size)
		abort();
	if (len > 0) {
		uint8_t *copy = malloc(size);
		if (copy == NULL)
			return 0;
		memcpy(copy, data, size);
		copy[p - data] ^= 1;
		if (store_sign_slot_decode(copy, size, &seq, &p, &len) !=
		    ACC_EDECODE)
			abort();
		free(copy);
	}
	return 0;
}
