/* node.c - opening and closing a node: config, genesis, key, store and the
 * check that the data directory belongs to this chain (specs/node.md §2). */
#include "node/node.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int node_solo(const struct node *n)
{
	const struct genesis *g = n->genesis;
	if (n->cfg.role != NODE_ROLE_VALIDATOR ||
	    n->cfg.validator >= g->validator_count)
		return 0;
	/* A certificate needs more than 2/3 of the power. */
	uint64_t mine = g->validators[n->cfg.validator].power;
	return g->validator_count == 1 ||
	       3u * mine > 2u * genesis_total_power(g);
}

/* §2 steps 2-3: a validator's key is its genesis validator's; a
 * follower's key is no validator's; peers name genesis validators (a
 * follower may only dial validators; validators list the others);
 * a multi-validator network needs p2p (specs/node.md §1). */
static int node_role_check(struct node *n, struct acc_err *err)
{
	const struct node_config *cfg = &n->cfg;
	const struct genesis *g = n->genesis;
	long self = genesis_validator_by_key(g, n->key.key.pk);
	if (cfg->role == NODE_ROLE_FOLLOWER) {
		if (self >= 0)
			return acc_err_set(err, ACC_ECONFIG,
					   "key %s is a validator's key: a "
					   "follower has its own key",
					   cfg->key_path);
		if (cfg->peer_count == 0)
			return acc_err_set(err, ACC_ECONFIG,
					   "a follower needs \"peers\" (the "
					   "validators it dials)");
	} else {
		if (cfg->validator >= g->validator_count)
			return acc_err_set(err, ACC_ECONFIG,
					   "validator %u: the genesis lists %zu "
					   "validator(s)",
					   (unsigned)cfg->validator,
					   g->validator_count);
		if (memcmp(n->key.key.pk, g->validators[cfg->validator].key,
			   PUBKEY_BYTES) != 0)
			return acc_err_set(err, ACC_ECONFIG,
					   "key %s is not the key of genesis "
					   "validator %u (%s)",
					   cfg->key_path,
					   (unsigned)cfg->validator,
					   g->validators[cfg->validator].name);
		if (!node_solo(n) && !cfg->has_p2p)
			return acc_err_set(err, ACC_ECONFIG,
					   "multi-validator genesis (%zu "
					   "validators) where this validator "
					   "cannot commit alone: it needs "
					   "\"p2p_listen\" and \"peers\"",
					   g->validator_count);
	}
	for (size_t i = 0; i < cfg->peer_count; i++) {
		long v = genesis_validator_by_key(g, cfg->peers[i].key);
		if (v < 0 || v == self)
			return acc_err_set(err, ACC_ECONFIG,
					   "peers[%zu]: not another genesis "
					   "validator's key", i);
	}
	for (size_t i = 0; i < cfg->follower_count; i++)
		if (genesis_validator_by_key(g, cfg->followers[i]) >= 0)
			return acc_err_set(err, ACC_ECONFIG,
					   "followers[%zu] is a validator's "
					   "key", i);
	return 0;
}

/* §2 steps 1-3: genesis, key file (its mode, then its contents), and
 * the key's role against the genesis. n->genesis is allocated. */
static int identity_load(struct node *n, struct acc_err *err)
{
	const struct node_config *cfg = &n->cfg;
	int rc = genesis_load(n->genesis, cfg->genesis_path, err);
	if (rc != 0) {
		acc_err_prefix(err, "genesis %s: ", cfg->genesis_path);
		return rc;
	}
	rc = keyfile_check_private(cfg->key_path, err);
	if (rc != 0)
		return rc;
	rc = keyfile_load(&n->key, cfg->key_path, err);
	if (rc != 0) {
		acc_err_prefix(err, "key %s: ", cfg->key_path);
		return rc;
	}
	return node_role_check(n, err);
}

/* §2 step 4 without writing: a data directory that exists must be one
 * the node may use, and a store in it must record this genesis. */
static int data_dir_check(struct node *n, uint64_t *height,
			  struct acc_err *err)
{
	const char *dir = n->cfg.data_dir;
	struct stat st;
	*height = 0;
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			return 0; /* created at the first start */
		return acc_err_set(err, ACC_EIO, "data directory %s: %s", dir,
				   strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return acc_err_set(err, ACC_ECONFIG,
				   "data directory %s is not a directory",
				   dir);
	if (access(dir, R_OK | W_OK | X_OK) != 0)
		return acc_err_set(err, ACC_ECONFIG,
				   "data directory %s: not writable by this "
				   "user (%s)",
				   dir, strerror(errno));
	char path[CONFIG_PATH_BYTES_MAX + 16];
	(void)snprintf(path, sizeof path, "%s/data.mdb", dir);
	if (stat(path, &st) != 0)
		return 0; /* empty: a new store */
	int rc = store_open_readonly(&n->store, dir, err);
	if (rc != 0) {
		acc_err_prefix(err, "data directory %s: ", dir);
		return rc;
	}
	uint8_t stored[HASH_BYTES];
	size_t len = 0;
	rc = store_meta_get(n->store, META_GENESIS, stored, sizeof stored,
			    &len, err);
	if (rc == ACC_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (len != HASH_BYTES ||
	    memcmp(stored, n->genesis->hash, HASH_BYTES) != 0)
		return acc_err_set(err, ACC_ECONFIG,
				   "data directory %s belongs to another chain",
				   dir);
	struct store_rtxn *t;
	struct store_head h;
	if ((rc = store_read_begin(n->store, &t, err)) != 0)
		return rc;
	rc = store_head_get(t, &h);
	store_read_end(t);
	if (rc != 0)
		return acc_err_set(err, rc, "data directory %s: head: %s", dir,
				   acc_strerror(rc));
	*height = h.height;
	return 0;
}

int node_config_check(const struct node_config *cfg, char *summary,
		      size_t summary_len, struct acc_err *err)
{
	struct node n;
	memset(&n, 0, sizeof n);
	n.cfg = *cfg;
	n.genesis = calloc(1, sizeof *n.genesis);
	if (n.genesis == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	uint64_t height = 0;
	int rc = identity_load(&n, err);
	if (rc == 0)
		rc = data_dir_check(&n, &height, err);
	if (rc == 0) {
		const char *role = cfg->role == NODE_ROLE_FOLLOWER
				       ? "follower"
				       : "validator";
		(void)snprintf(summary, summary_len,
			       "config OK: chain %s, %s%s%s, data directory "
			       "%s at height %llu",
			       n.genesis->chain_id, role,
			       cfg->role == NODE_ROLE_FOLLOWER ? "" : " ",
			       cfg->role == NODE_ROLE_FOLLOWER
				   ? ""
				   : n.genesis->validators[cfg->validator].name,
			       cfg->data_dir, (unsigned long long)height);
	}
	store_close(n.store);
	keyfile_free(&n.key);
	genesis_free(n.genesis);
	free(n.genesis);
	return rc;
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
	/* §2 steps 1-3: genesis, key, the role and the peers. */
	rc = identity_load(n, err);
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
	free(n->cp_note);
	n->cp_note = NULL;
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
