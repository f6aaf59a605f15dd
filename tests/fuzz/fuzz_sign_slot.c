/* fuzz_sign_slot.c - untrusted disk bytes into the decoders of the
 * signing record's file (specs/storage.md §7, §7.1): a slot, and a block
 * area. The first two input bytes choose where the slot ends and the
 * area begins. An accepted slot's record lies inside the slot, within
 * the bound, and with one byte of its record flipped it is refused; each
 * block framed from an area lies inside the area and is not empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "storage/store.h"

/* Every block of area a (n bytes) lies inside it; the walk ends. */
static void area_walk(const uint8_t *a, size_t n)
{
	size_t off = 0, prev = 0;
	struct store_sign_block b;
	int rc;
	while ((rc = store_sign_area_next(a, n, &off, &b)) == 0) {
		if (b.len == 0 || b.bytes < a || b.bytes + b.len > a + n ||
		    off <= prev || off > n)
			abort();
		prev = off;
	}
	if (rc != ACC_ENOTFOUND && rc != ACC_EDECODE)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t split = ((size_t)data[0] | (size_t)data[1] << 8) % (size - 1);
	const uint8_t *slot = data + 2, *area = slot + split;
	size_t slot_n = split, area_n = size - 2 - split;
	area_walk(area, area_n);

	uint64_t seq;
	const uint8_t *p;
	size_t len;
	if (store_sign_slot_decode(slot, slot_n, &seq, &p, &len) == 0) {
		if (seq == 0 || len > STORE_SIGN_STATE_BYTES_MAX ||
		    p < slot || p + len > slot + slot_n)
			abort();
		if (len > 0) {
			uint8_t *copy = malloc(slot_n);
			if (copy == NULL)
				return 0;
			memcpy(copy, slot, slot_n);
			copy[p - slot] ^= 1;
			if (store_sign_slot_decode(copy, slot_n, &seq, &p,
						   &len) != ACC_EDECODE)
				abort();
			free(copy);
		}
	}
	struct store_sign_slot sl;
	if (store_sign_slot_parse(slot, slot_n, &sl) != 0)
		return 0;
	if (sl.seq == 0 || sl.len > STORE_SIGN_STATE_BYTES_MAX ||
	    sl.rec < slot || sl.rec + sl.len > slot + slot_n ||
	    sl.area_len > STORE_SIGN_AREA_BYTES ||
	    (sl.version != 1 && sl.version != 2))
		abort();
	if (sl.area_len <= area_n &&
	    store_sign_slot_verify(slot, &sl, sl.area_len ? area : NULL) == 0)
		area_walk(area, sl.area_len);
	return 0;
}
