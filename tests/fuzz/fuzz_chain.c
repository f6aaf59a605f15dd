/* fuzz_chain.c - untrusted blocks and certificates into the chain verifier
 * (ledger/chain.h, specs/chain.md): the one call and each of its pieces.
 * Input: u32 block_len ‖ block (specs/encoding.md §8.3) ‖ its certificate
 * (the rest; empty = a proposal). Every failure must name its check, carry
 * the error returned and a message; nothing may crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/merkle.h"
#include "ledger/block.h"
#include "ledger/chain.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "tests/unit/test_ledger_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The test genesis of specs/encoding.md §10 (two validators). */
static struct genesis g;
static int ready;

/* rc and f must tell the same story. */
static void agree(int rc, const struct chain_fail *f)
{
	if ((rc != 0) != (f->check != CHAIN_OK))
		abort();
	if (rc != 0 && (f->err.code != rc || f->err.msg[0] == '\0'))
		abort();
	if (chain_check_name(f->check)[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready) {
		if (crypto_lib_init() != 0)
			abort();
		fixture_genesis(&g);
		ready = 1;
	}
	struct chain_cert_pre pre;
	chain_cert_pre_run(&pre, &g, data, size);
	if (size < 4)
		return 0;
	uint32_t bl = be32_get(data);
	if (bl > size - 4)
		return 0;
	const uint8_t *bp = data + 4, *cp = bp + bl;
	size_t cl = size - 4 - bl;
	struct block b;
	if (block_decode(&b, bp, bl, NULL) != 0)
		return 0;
	const struct block_header *h = &b.header;
	struct chain_fail f;
	struct chain_prev prev, next;

	/* From genesis, as a node would take block 1. */
	chain_prev_genesis(&prev, &g);
	agree(chain_block_verify(&g, &prev, &b, cl ? cp : NULL, cl, NULL, NULL,
				 &next, &f),
	      &f);
	/* A predecessor the header links to, so that the later pieces are
	 * reached whatever the header says. */
	prev.height = h->height - 1;
	memcpy(prev.hash, h->prev_hash, HASH_BYTES);
	prev.time_ms = h->time_ms;
	agree(chain_header_check(&g, &prev, h, b.entry_count, &f), &f);
	agree(chain_last_cert_check(&g, &prev, h, b.last_cert.p,
				    b.last_cert.len, NULL, &f),
	      &f);
	uint8_t hash[HASH_BYTES];
	uint32_t round = 0;
	block_hash(b.header_bytes.p, b.header_bytes.len, hash);
	int rc =
	    chain_cert_check(&g, h->height, hash, cp, cl, NULL, &round, &f);
	agree(rc, &f);
	agree(chain_proposer_check(&g, h->height, h, round, &f), &f);
	struct merkle_frontier log = prev.log;
	for (size_t i = 0; i < b.entry_count; i++) {
		struct entry e;
		struct acc_err err = {0};
		uint8_t id[HASH_BYTES];
		rc = chain_entry_check(&g, b.entries[i].p, b.entries[i].len, &e,
				       id, &err);
		if (rc == 0)
			entry_free(&e);
		else
			agree(chain_entry_fail(&f, h->height, i, log.size, rc,
					       &err),
			      &f);
		if (merkle_frontier_append(&log, id, NULL, NULL) != 0)
			abort();
	}
	agree(chain_log_check(h->height, h, &log, &f), &f);
	block_free(&b);
	return 0;
}
