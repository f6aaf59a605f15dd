/* commit.c - committing a block in one LMDB write transaction, and the
 * derived-state writes made inside it (specs/storage.md §3). */
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/error.h"
#include "common/merkle.h"
#include "storage/store.h"
#include "storage/store_int.h"

/* A test-only build (EXTRA_CFLAGS=-DACCORD_TEST_NOSYNC) commits blocks
 * without syncing, so that tests/integration/powerloss.sh can show that it
 * catches a missing sync. Never in a real build: a commit must be durable
 * when it returns (specs/storage.md §3). LMDB 0.9 takes MDB_NOSYNC only
 * on the environment, not per transaction. */
#ifdef ACCORD_TEST_NOSYNC
#define TEST_NOSYNC(env) (void)mdb_env_set_flags((env), MDB_NOSYNC, 1)
#else
#define TEST_NOSYNC(env) ((void)0)
#endif

/* Check everything about the block that needs no transaction, so a bad
 * block costs no write lock. */
static int block_check(const struct store_block_in *b, struct acc_err *err)
{
	if (b->height == 0)
		return acc_err_set(err, ACC_ECHAIN, "height 0");
	if (b->header == NULL || b->header_len == 0 ||
	    b->header_len > STORE_HEADER_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG, "header of %zu bytes",
				   b->header_len);
	if (b->cert_len > STORE_CERT_BYTES_MAX ||
	    (b->cert_len > 0 && b->cert == NULL) ||
	    b->last_cert_len > STORE_CERT_BYTES_MAX ||
	    (b->last_cert_len > 0 && b->last_cert == NULL))
		return acc_err_set(err, ACC_ETOOBIG, "certificate size");
	if (b->entry_count > BLOCK_ENTRIES_MAX)
		return acc_err_set(err, ACC_ETOOBIG, "%u entries in a block",
				   b->entry_count);
	if (b->entry_count > 0 && b->entries == NULL)
		return acc_err_set(err, ACC_EINVAL, "entries missing");
	for (uint32_t i = 0; i < b->entry_count; i++) {
		const struct store_entry_in *e = &b->entries[i];
		if (e->bytes == NULL || e->len == 0 || e->len > ENTRY_BYTES_MAX)
			return acc_err_set(err, ACC_ETOOBIG,
					   "entry %u: %zu bytes", i, e->len);
		if (e->party != NULL) {
			size_t n = strlen(e->party);
			if (n == 0 || n > PARTY_ID_BYTES_MAX)
				return acc_err_set(err, ACC_EINVAL,
						   "entry %u: party id length",
						   i);
		}
		/* The id is the log leaf: storing bytes under a wrong id
		 * would make every proof about it a lie. */
		uint8_t id[32];
		merkle_leaf_hash(id, e->bytes, e->len);
		if (memcmp(id, e->id, 32) != 0)
			return acc_err_set(err, ACC_EMISMATCH,
					   "entry %u: id is not its leaf hash",
					   i);
	}
	return 0;
}

struct node_put_ctx {
	struct store *s;
	MDB_txn *txn;
	int lmdb_rc;
};

/* merkle_subtree_fn: persist each completed perfect subtree. */
static int node_put(void *ctx, unsigned level, uint64_t index,
		    const uint8_t hash[MERKLE_HASH_BYTES])
{
	struct node_put_ctx *c = ctx;
	uint8_t k[NODE_KEY_BYTES];
	store_node_key(k, level, index);
	MDB_val key = {sizeof k, k}, val = {MERKLE_HASH_BYTES, (void *)hash};
	int rc = mdb_put(c->txn, c->s->db_nodes, &key, &val, 0);
	if (rc != 0) {
		c->lmdb_rc = rc;
		return store_lmdb_code(rc);
	}
	return 0;
}

/* Write one entry: id, bytes, indexes, Merkle nodes. */
static int entry_put(struct store *s, MDB_txn *txn, struct merkle_frontier *f,
		     const struct store_entry_in *e, uint64_t index,
		     uint64_t height, struct acc_err *err)
{
	uint8_t ik[U64_KEY_BYTES];
	be64_put(ik, index);
	MDB_val key = {32, (void *)e->id}, val = {sizeof ik, ik};
	int rc = mdb_put(txn, s->db_ids, &key, &val, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		uint64_t other = be64_get(val.mv_data);
		return acc_err_set(err, ACC_EDUP,
				   "entry already in the log at index %llu",
				   (unsigned long long)other);
	}
	if (rc != 0)
		return store_lmdb_err(err, rc, "ids");

	/* Entry value: height u64 ‖ bytes, written in place (MDB_RESERVE). */
	key = (MDB_val){sizeof ik, ik};
	val = (MDB_val){8 + e->len, NULL};
	rc = mdb_put(txn, s->db_entries, &key, &val, MDB_APPEND | MDB_RESERVE);
	if (rc != 0)
		return store_lmdb_err(err, rc, "entries");
	be64_put(val.mv_data, height);
	memcpy((uint8_t *)val.mv_data + 8, e->bytes, e->len);

	MDB_val empty = {0, NULL};
	if (e->party != NULL) {
		uint8_t pk[PARTY_KEY_BYTES_MAX];
		size_t n = strlen(e->party);
		pk[0] = (uint8_t)n;
		memcpy(pk + 1, e->party, n);
		be64_put(pk + 1 + n, index);
		key = (MDB_val){1 + n + 8, pk};
		if ((rc = mdb_put(txn, s->db_party, &key, &empty, 0)) != 0)
			return store_lmdb_err(err, rc, "party index");
	}
	if (e->agreement != NULL) {
		uint8_t ak[AGREEMENT_KEY_BYTES];
		memcpy(ak, e->agreement, 32);
		be64_put(ak + 32, index);
		key = (MDB_val){sizeof ak, ak};
		if ((rc = mdb_put(txn, s->db_agreement, &key, &empty, 0)) != 0)
			return store_lmdb_err(err, rc, "agreement index");
	}

	struct node_put_ctx c = {s, txn, 0};
	rc = merkle_frontier_append(f, e->id, node_put, &c);
	if (rc != 0) {
		if (c.lmdb_rc != 0)
			return store_lmdb_err(err, c.lmdb_rc, "Merkle nodes");
		return acc_err_set(err, rc, "Merkle frontier");
	}
	return 0;
}

/* Block record (specs/storage.md §2.2). */
static int block_put(struct store *s, MDB_txn *txn,
		     const struct store_block_in *b, uint64_t first_index,
		     struct acc_err *err)
{
	uint8_t hk[U64_KEY_BYTES];
	be64_put(hk, b->height);
	size_t len =
	    BLOCK_REC_FIXED_BYTES + 4 + b->header_len + 4 + b->last_cert_len;
	MDB_val key = {sizeof hk, hk}, val = {len, NULL};
	int rc =
	    mdb_put(txn, s->db_blocks, &key, &val, MDB_APPEND | MDB_RESERVE);
	if (rc != 0)
		return store_lmdb_err(err, rc, "blocks");
	uint8_t *p = val.mv_data;
	memcpy(p, b->hash, 32);
	be64_put(p + 32, first_index);
	be32_put(p + 40, b->entry_count);
	be64_put(p + 44, b->log_size);
	memcpy(p + 52, b->log_root, 32);
	p += BLOCK_REC_FIXED_BYTES;
	be32_put(p, (uint32_t)b->header_len);
	memcpy(p + 4, b->header, b->header_len);
	p += 4 + b->header_len;
	be32_put(p, (uint32_t)b->last_cert_len);
	if (b->last_cert_len > 0)
		memcpy(p + 4, b->last_cert, b->last_cert_len);

	/* This block's certificate, and the canonical one of the previous
	 * block replacing whatever that block was committed with. */
	val = (MDB_val){b->cert_len, (void *)b->cert};
	if ((rc = mdb_put(txn, s->db_certs, &key, &val, MDB_APPEND)) != 0)
		return store_lmdb_err(err, rc, "certs");
	if (b->height > 1 && b->last_cert_len > 0) {
		be64_put(hk, b->height - 1);
		key = (MDB_val){sizeof hk, hk};
		val = (MDB_val){b->last_cert_len, (void *)b->last_cert};
		if ((rc = mdb_put(txn, s->db_certs, &key, &val, 0)) != 0)
			return store_lmdb_err(err, rc, "certs");
	}
	return 0;
}

int store_block_commit(struct store *s, const struct store_block_in *b,
		       struct acc_err *err)
{
	if (s->readonly)
		return acc_err_set(err, ACC_ESTATE, "store is read only");
	int rc = block_check(b, err);
	if (rc != 0)
		return rc;

	MDB_txn *txn;
	TEST_NOSYNC(s->env);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return store_lmdb_err(err, rc, "write txn");
	/* LMDB admits one write transaction at a time, so the head and the
	 * frontier cannot move under us until commit or abort. */
	struct store_head head;
	if ((rc = store_head_read(s, txn, &head)) != 0) {
		acc_err_set(err, rc, "head block record is corrupt");
		goto abort;
	}
	if (b->height != head.height + 1) {
		rc = acc_err_set(err, ACC_ECHAIN,
				 "block height %llu, head is %llu",
				 (unsigned long long)b->height,
				 (unsigned long long)head.height);
		goto abort;
	}
	struct merkle_frontier f;
	pthread_mutex_lock(&s->mu);
	f = s->frontier;
	pthread_mutex_unlock(&s->mu);
	if (f.size != head.log_size) {
		rc = acc_err_set(err, ACC_ESTORE,
				 "frontier size %llu != log "
				 "size %llu",
				 (unsigned long long)f.size,
				 (unsigned long long)head.log_size);
		goto abort;
	}
	uint64_t first_index = head.log_size;
	for (uint32_t i = 0; i < b->entry_count; i++) {
		rc = entry_put(s, txn, &f, &b->entries[i], first_index + i,
			       b->height, err);
		if (rc != 0)
			goto abort;
	}
	uint8_t root[32];
	merkle_frontier_root(&f, root);
	if (f.size != b->log_size || memcmp(root, b->log_root, 32) != 0) {
		rc = acc_err_set(err, ACC_EMISMATCH,
				 "block %llu claims log size %llu and another "
				 "root; the log gives size %llu",
				 (unsigned long long)b->height,
				 (unsigned long long)b->log_size,
				 (unsigned long long)f.size);
		goto abort;
	}
	if ((rc = block_put(s, txn, b, first_index, err)) != 0)
		goto abort;
	if (b->apply != NULL) {
		struct store_wtxn w = {s, txn};
		rc = b->apply(b->apply_ctx, &w, err);
		if (rc != 0) {
			if (err != NULL && err->code != rc)
				acc_err_set(err, rc, "derived state");
			goto abort;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		rc = store_lmdb_err(err, rc, "commit");
		/* Whether any of it reached the disk is unknown; the frontier
		 * must follow the disk, so read it back. */
		(void)store_frontier_load(s, NULL);
		return rc;
	}
	pthread_mutex_lock(&s->mu);
	s->frontier = f;
	pthread_mutex_unlock(&s->mu);
	return 0;
abort:
	mdb_txn_abort(txn);
	return rc;
}

static int state_key_check(const void *key, size_t klen)
{
	if (key == NULL || klen == 0 || klen > STORE_KEY_BYTES_MAX)
		return ACC_EINVAL;
	return 0;
}

int store_state_put(struct store_wtxn *w, const void *key, size_t klen,
		    const void *val, size_t vlen)
{
	if (state_key_check(key, klen) != 0 || (vlen > 0 && val == NULL))
		return ACC_EINVAL;
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	int rc = mdb_put(w->txn, w->s->db_state, &k, &v, 0);
	return rc == 0 ? 0 : store_lmdb_code(rc);
}

int store_state_get_w(struct store_wtxn *w, const void *key, size_t klen,
		      const uint8_t **val, size_t *vlen)
{
	if (state_key_check(key, klen) != 0)
		return ACC_EINVAL;
	MDB_val k = {klen, (void *)key}, v;
	int rc = mdb_get(w->txn, w->s->db_state, &k, &v);
	if (rc != 0)
		return store_lmdb_code(rc);
	*val = v.mv_data;
	*vlen = v.mv_size;
	return 0;
}

int store_state_del(struct store_wtxn *w, const void *key, size_t klen)
{
	if (state_key_check(key, klen) != 0)
		return ACC_EINVAL;
	MDB_val k = {klen, (void *)key};
	int rc = mdb_del(w->txn, w->s->db_state, &k, NULL);
	return rc == 0 ? 0 : store_lmdb_code(rc);
}
