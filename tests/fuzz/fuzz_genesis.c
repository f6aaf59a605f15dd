/* fuzz_genesis.c - untrusted JSON text into the genesis parser. An
 * accepted genesis must survive its own JSON form with the same hash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "ledger/genesis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct genesis g, g2;
	if (crypto_lib_init() != 0)
		abort();
	if (genesis_from_json_text(&g, (const char *)data, size, NULL) != 0)
		return 0;
	json_t *j = genesis_to_json(&g);
	if (j == NULL || genesis_from_json(&g2, j, NULL) != 0)
		abort();
	if (memcmp(g.hash, g2.hash, HASH_BYTES) != 0)
		abort();
	json_decref(j);
	genesis_free(&g2);
	genesis_free(&g);
	return 0;
}
