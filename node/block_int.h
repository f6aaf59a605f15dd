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

struct block;
struct genesis;
struct node;

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

/* specs/node.md §6 steps 4-5 (and §7.3 for a block decided by
 * consensus): a checked block B, its hash HASH and certificate CERT,
 * committed in one synced transaction that runs the rules again on every
 * entry (any refusal aborts the block); then the node's head moves to it
 * and the commit counters count it. IDS and INS are its entries' ids and
 * filings; FIRST_INDEX is the log size before it. */
int node_block_store(struct node *n, const struct block *b,
		     const uint8_t hash[HASH_BYTES], const uint8_t *cert,
		     size_t cert_len, const uint8_t (*ids)[HASH_BYTES],
		     struct store_entry_in *ins, uint64_t first_index,
		     struct acc_err *err);

#endif
