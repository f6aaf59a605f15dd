/* block_int.h - what node/block.c shares with the consensus driver's
 * block check and commit (node/propose.c): how an entry is filed for
 * storage (specs/node.md §3, specs/storage.md §2). Internal to node/. */
#ifndef ACCORD_NODE_BLOCK_INT_H
#define ACCORD_NODE_BLOCK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/limits.h"
#include "ledger/entry.h"
#include "storage/store.h"

struct genesis;

/* The index keys of one entry (specs/storage.md: party and agreement
 * indexes): the party of its first signer, and the agreement it is
 * about. */
struct entry_keys {
	char party[PARTY_ID_BYTES_MAX + 1];
	uint8_t agreement[HASH_BYTES];
	int has_party, has_agreement;
};

void entry_keys_of(const struct genesis *g, const struct entry *e,
		   const uint8_t id[HASH_BYTES], struct entry_keys *k);

/* One entry as storage takes it, filed under its keys (all borrowed). */
void entry_in_set(struct store_entry_in *in, const uint8_t *bytes, size_t len,
		  const uint8_t id[HASH_BYTES], const struct entry_keys *k);

#endif
