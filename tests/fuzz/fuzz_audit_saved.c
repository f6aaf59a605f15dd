/* fuzz_audit_saved.c - untrusted bytes as what an auditor reads from a
 * node or a saved directory (specs/cli.md §7.1, §8.1): a block's JSON form
 * (audit_block_from_json), and the four files of inclusion evidence
 * (evidence_check against a fixed two-validator genesis; the input is
 * split at its first two 0xff bytes into note, proof.json and entry).
 * Nothing may crash; a block accepted must write back to JSON that decodes
 * to the same bytes; evidence from random bytes must never verify. The
 * fuzz build links only libaccord.a, so the CLI modules are compiled in. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/audit_json.c"
#include "cli/evidence.c"

#include "common/crypto.h"
#include "ledger/genesis.h"
#include "tests/unit/test_ledger_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct genesis G;

static void init_once(void)
{
	static int done;
	if (done)
		return;
	if (crypto_lib_init() != 0)
		abort();
	fixture_genesis(&G);
	done = 1;
}

static void block_round_trip(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	struct audit_block_bufs bb, bb2;
	struct audit_block b, b2;
	memset(&bb, 0, sizeof bb);
	memset(&bb2, 0, sizeof bb2);
	if (j != NULL && audit_block_from_json(j, &bb, &b, NULL) == 0) {
		json_t *back = audit_block_to_json(1, &b);
		if (back == NULL ||
		    audit_block_from_json(back, &bb2, &b2, NULL) != 0 ||
		    b2.header_len != b.header_len ||
		    b2.entry_count != b.entry_count ||
		    b2.first_index != b.first_index ||
		    (b.header_len &&
		     memcmp(b2.header, b.header, b.header_len) != 0))
			abort();
		for (size_t i = 0; i < b.entry_count; i++)
			if (b2.entry_lens[i] != b.entry_lens[i] ||
			    (b.entry_lens[i] &&
			     memcmp(b2.entries[i], b.entries[i],
				    b.entry_lens[i]) != 0) ||
			    memcmp(b2.ids[i], b.ids[i], HASH_BYTES) != 0)
				abort();
		json_decref(back);
	}
	json_decref(j);
	audit_block_bufs_free(&bb);
	audit_block_bufs_free(&bb2);
}

static void evidence_random(const uint8_t *data, size_t size)
{
	const uint8_t *cut1 = memchr(data, 0xff, size);
	if (cut1 == NULL)
		return;
	const uint8_t *rest = cut1 + 1;
	size_t rest_len = size - (size_t)(rest - data);
	const uint8_t *cut2 = memchr(rest, 0xff, rest_len);
	if (cut2 == NULL)
		return;
	char gh[2 * HASH_BYTES + 2];
	hex_encode(gh, G.hash, HASH_BYTES);
	gh[2 * HASH_BYTES] = '\n';
	struct incl_evidence ev = {
	    .note = (const char *)data,
	    .note_len = (size_t)(cut1 - data),
	    .proof = (const char *)rest,
	    .proof_len = (size_t)(cut2 - rest),
	    .entry = cut2 + 1,
	    .entry_len = size - (size_t)(cut2 + 1 - data),
	    .genesis_hash = gh,
	    .genesis_hash_len = 2 * HASH_BYTES + 1,
	};
	struct evidence_verdict v;
	/* No fuzzer finds two validators' Ed25519 cosignatures. */
	if (evidence_check(&G, &ev, &v, NULL) == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	block_round_trip(data, size);
	evidence_random(data, size);
	return 0;
}
