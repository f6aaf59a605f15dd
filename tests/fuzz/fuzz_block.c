/* fuzz_block.c - untrusted bytes into the block, block header and
 * certificate decoders. Accepted input must re-encode to the same bytes;
 * anything else is an error return, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/block.h"
#include "ledger/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct block_header h;
	uint8_t hb[BLOCK_HEADER_BYTES_MAX];
	size_t hl;
	if (block_header_decode(&h, data, size, NULL) == 0) {
		if (block_header_encode(&h, hb, &hl, NULL) != 0 || hl != size ||
		    memcmp(hb, data, size) != 0)
			abort();
	}

	struct cert c;
	uint8_t cb[CERT_BYTES_MAX];
	size_t cl;
	if (cert_decode(&c, data, size, NULL) == 0) {
		if (cert_encode(&c, cb, &cl, NULL) != 0 || cl != size ||
		    memcmp(cb, data, size) != 0)
			abort();
		json_decref(cert_to_json(&c));
	}

	struct block b;
	if (block_decode(&b, data, size, NULL) == 0) {
		uint8_t *out;
		size_t len;
		if (block_encode(&b.header, b.last_cert.p, b.last_cert.len,
				 b.entries, b.entry_count, &out, &len,
				 NULL) != 0 ||
		    len != size || memcmp(out, data, size) != 0)
			abort();
		free(out);
		json_decref(block_header_to_json(&b.header));
		block_free(&b);
	}
	return 0;
}
