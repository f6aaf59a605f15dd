/* fuzz_entry.c - untrusted bytes into the entry decoders, as binary
 * (entry_decode, entry_check) and as JSON text (entry_from_json_text).
 * Whatever is accepted must re-encode to exactly the accepted bytes
 * (binary) or to a stable encoding (JSON); otherwise abort(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"

static struct genesis *genesis_get(void)
{
	static struct genesis g;
	static int ready;
	if (!ready) {
		/* A small genesis so that entry_check runs past decoding. */
		static const char text[] =
		    "{\"chain_id\":\"accord-test\",\"genesis_time\":"
		    "\"2025-01-01T00:00:00Z\",\"parties\":[{\"id\":\"CN-BJ\","
		    "\"name\":\"Beijing\",\"keys\":[\"8a88e3dd7409f195fd52db2d"
		    "3cba5d72ca6709bf1d94121bf3748801b40f6f5c\"]}],"
		    "\"validators\":[{\"name\":\"n\",\"party\":\"CN-BJ\","
		    "\"key\":\"8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121b"
		    "f3748801b40f6f5c\",\"address\":\"h:1\"}]}";
		if (crypto_lib_init() != 0 ||
		    genesis_from_json_text(&g, text, sizeof text - 1, NULL) != 0)
			abort();
		ready = 1;
	}
	return &g;
}

static void check_binary(const uint8_t *data, size_t size)
{
	struct entry e;
	uint8_t *b;
	size_t n;
	if (entry_decode(&e, data, size, NULL) != 0)
		return;
	if (entry_encode(&e, &b, &n, NULL) != 0)
		abort();
	if (n != size || memcmp(b, data, size) != 0)
		abort();
	/* The JSON form converts back to the same bytes. */
	json_t *j = entry_to_json(&e);
	struct entry f;
	if (j == NULL || entry_from_json(&f, j, NULL) != 0)
		abort();
	uint8_t *b2;
	size_t n2;
	if (entry_encode(&f, &b2, &n2, NULL) != 0 || n2 != n ||
	    memcmp(b2, b, n) != 0)
		abort();
	free(b2);
	entry_free(&f);
	json_decref(j);
	(void)entry_check(b, n, genesis_get(), NULL, NULL);
	free(b);
	entry_free(&e);
}

static void check_json(const uint8_t *data, size_t size)
{
	struct entry e, d;
	uint8_t *b, *b2;
	size_t n, n2;
	if (entry_from_json_text(&e, (const char *)data, size, NULL) != 0)
		return;
	/* Unsigned or oversize entries have no full encoding. */
	int rc = entry_encode(&e, &b, &n, NULL);
	if (rc != 0) {
		uint8_t *body;
		size_t bn;
		rc = entry_body_encode(&e, &body, &bn, NULL);
		if (rc == 0)
			free(body);
		else if (rc != ACC_ETOOBIG)
			abort();
		entry_free(&e);
		return;
	}
	if (entry_decode(&d, b, n, NULL) != 0)
		abort();
	if (entry_encode(&d, &b2, &n2, NULL) != 0 || n2 != n ||
	    memcmp(b, b2, n) != 0)
		abort();
	free(b2);
	free(b);
	entry_free(&d);
	entry_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)genesis_get();
	check_binary(data, size);
	check_json(data, size);
	return 0;
}
