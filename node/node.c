/* node.c - opening and closing a node: config, genesis, key, store and the
 * check that the data directory belongs to this chain (specs/node.md §2). */
#include "node/node.h"

#include <string.h>

#include "common/hex.h"
#include "ledger/block.h"
#include "ledger/genesis.h"
#include "node/log.h"
#include "node/producer.h"
#include "storage/store.h"

/* The store metadata slot holding the genesis hash (specs/storage.md). */
#define META_GENESIS "genesis"

/* Fill n->head from the store's committed head. */
static int head_load(struct node *n, struct acc_err *err)
{
	struct store_rtxn *t;
	struct store_head h;
	int rc = store_read_begin(n->store, &t, err);
	if (rc != 0)
		return rc;
	rc = store_head_get(t, &h);
	if (rc != 0) {
		store_read_end(t);
		return acc_err_set(err, rc, "reading the head: %s",
				   acc_strerror(rc));
	}
	memset(&n->head, 0, sizeof n->head);
	n->head.height = h.height;
	n->head.log_size = h.log_size;
	memcpy(n->head.log_root, h.log_root, HASH_BYTES);
	memcpy(n->head.hash, h.block_hash, HASH_BYTES);
	if (h.height > 0) {
		const uint8_t *hb;
		size_t hl;
		struct block_header bh;
		rc = store_block_get(t, h.height, &hb, &hl, NULL, NULL, NULL,
				     NULL);
		if (rc == 0)
			rc = block_header_decode(&bh, hb, hl, err);
		if (rc != 0) {
			store_read_end(t);
			return acc_err_set(err, rc, "head block %llu: %s",
					   (unsigned long long)h.height,
					   acc_strerror(rc));
		}
		n->head.time_ms = bh.time_ms;
	}
	store_read_end(t);
	return 0;
}

/* Step 4 of §2: a new store records the genesis hash; an old one must
 * record the same. */
static int genesis_check(struct node *n, struct acc_err *err)
{
	uint8_t stored[HASH_BYTES];
	size_t len = 0;
	int rc = store_meta_get(n->store, META_GENESIS, stored, sizeof stored,
				&len, err);
	if (rc == ACC_ENOTFOUND)
		return store_meta_put(n->store, META_GENESIS, n->genesis->hash,
				      HASH_BYTES, err);
	if (rc != 0)
		return rc;
	if (len != HASH_BYTES || memcmp(stored, n->genesis->hash,
					HASH_BYTES) != 0) {
		char want[2 * HASH_BYTES + 1];
		hex_encode(want, n->genesis->hash, HASH_BYTES);
		return acc_err_set(err, ACC_ECONFIG,
				   "data directory %s belongs to another chain "
				   "(genesis hash is not %s)",
				   n->cfg.data_dir, want);
	}
	return 0;
}

int node_open(struct node *n, const struct node_config *cfg,
	      struct acc_err *err)
{
	int rc;
	memset(n, 0, sizeof *n);
	n->cfg = *cfg;
	metrics_init(&n->metrics);
	if (node_health_init(&n->health) != 0)
		return acc_err_set(err, ACC_ENOMEM, "pthread_mutex_init");
	if (pthread_mutex_init(&n->mu, NULL) != 0) {
		node_health_destroy(&n->health);
		return acc_err_set(err, ACC_ENOMEM, "pthread_mutex_init");
	}
	rc = mempool_init(&n->mempool, MEMPOOL_ENTRIES_MAX, MEMPOOL_BYTES_MAX);
	if (rc != 0) {
		acc_err_set(err, rc, "mempool: %s", acc_strerror(rc));
		goto fail;
	}
	n->genesis = calloc(1, sizeof *n->genesis);
	if (n->genesis == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto fail;
	}
	/* §2 step 1: genesis and key. */
	rc = genesis_load(n->genesis, cfg->genesis_path, err);
	if (rc != 0) {
		acc_err_prefix(err, "genesis %s: ", cfg->genesis_path);
		goto fail;
	}
	if (cfg->validator >= n->genesis->validator_count) {
		rc = acc_err_set(err, ACC_ECONFIG,
				 "validator %u: the genesis lists %zu "
				 "validator(s)",
				 (unsigned)cfg->validator,
				 n->genesis->validator_count);
		goto fail;
	}
	rc = keyfile_check_private(cfg->key_path, err);
	if (rc != 0)
		goto fail;
	rc = keyfile_load(&n->key, cfg->key_path, err);
	if (rc != 0) {
		acc_err_prefix(err, "key %s: ", cfg->key_path);
		goto fail;
	}
	/* §2 step 2: the key is the validator's. */
	if (memcmp(n->key.key.pk, n->genesis->validators[cfg->validator].key,
		   PUBKEY_BYTES) != 0) {
		rc = acc_err_set(err, ACC_ECONFIG,
				 "key %s is not the key of genesis validator "
				 "%u (%s)",
				 cfg->key_path, (unsigned)cfg->validator,
				 n->genesis->validators[cfg->validator].name);
		goto fail;
	}
	/* §2 step 3: this build commits alone. */
	rc = producer_check(n, err);
	if (rc != 0)
		goto fail;
	/* §2 step 4: the store. */
	struct store_opts so = {.map_bytes = (size_t)cfg->lmdb_map_bytes};
	rc = store_open(&n->store, cfg->data_dir, &so, err);
	if (rc != 0) {
		acc_err_prefix(err, "data directory %s: ", cfg->data_dir);
		goto fail;
	}
	rc = genesis_check(n, err);
	if (rc != 0)
		goto fail;
	rc = head_load(n, err);
	if (rc != 0)
		goto fail;
	return 0;
fail:
	node_close(n);
	return rc;
}

void node_close(struct node *n)
{
	/* node_open zeroes n first, so every field is either set or zero. */
	if (n->store != NULL)
		store_close(n->store);
	n->store = NULL;
	keyfile_free(&n->key);
	if (n->genesis != NULL) {
		genesis_free(n->genesis);
		free(n->genesis);
		n->genesis = NULL;
	}
	if (n->mempool.buckets != NULL)
		mempool_free(&n->mempool);
	memset(&n->mempool, 0, sizeof n->mempool);
	pthread_mutex_destroy(&n->mu);
	node_health_destroy(&n->health);
}

int node_log_find(struct node *n, const uint8_t id[HASH_BYTES],
		  uint64_t *index, struct acc_err *err)
{
	struct store_rtxn *t;
	int rc = store_read_begin(n->store, &t, err);
	if (rc != 0)
		return rc;
	rc = store_entry_find(t, id, index);
	store_read_end(t);
	if (rc != 0 && rc != ACC_ENOTFOUND)
		return acc_err_set(err, rc, "looking up an entry: %s",
				   acc_strerror(rc));
	return rc;
}
