/* pending.c - blocks a validator signed for but has not committed
 * (specs/storage.md §2.1 "store.pending.", specs/consensus.md "Durable
 * before what"). */
#include <string.h>

#include "common/codec.h"
#include "storage/store_int.h"

#define PENDING_PREFIX "store.pending."
#define PENDING_PREFIX_BYTES (sizeof PENDING_PREFIX - 1u)
#define PENDING_KEY_BYTES (PENDING_PREFIX_BYTES + 8u + 32u)

static void pending_key(uint8_t key[PENDING_KEY_BYTES], uint64_t height,
			const uint8_t hash[32])
{
	memcpy(key, PENDING_PREFIX, PENDING_PREFIX_BYTES);
	be64_put(key + PENDING_PREFIX_BYTES, height);
	memcpy(key + PENDING_PREFIX_BYTES + 8u, hash, 32);
}

int store_pending_put(struct store *s, uint64_t height, const uint8_t hash[32],
		      const void *block, size_t len, struct acc_err *err)
{
	if (s->readonly)
		return acc_err_set(err, ACC_ESTATE, "store is read only");
	if (len == 0 || block == NULL)
		return acc_err_set(err, ACC_EINVAL, "pending block: empty");
	uint8_t key[PENDING_KEY_BYTES];
	pending_key(key, height, hash);
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc != 0)
		return store_lmdb_err(err, rc, "write txn");
	MDB_val k = {sizeof key, key}, v = {len, (void *)block};
	if ((rc = mdb_put(txn, s->db_meta, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return store_lmdb_err(err, rc, "pending block");
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_lmdb_err(err, rc, "pending block");
	/* Callers rely on it surviving a crash (as the signing state). */
	if (s->no_sync && (rc = mdb_env_sync(s->env, 1)) != 0)
		return store_lmdb_err(err, rc, "sync");
	return 0;
}

/* Walk the pending keys of txn in (height, hash) order; with del,
 * delete those below min_height instead of reporting them. An LMDB code. */
static int pending_walk_txn(struct store *s, MDB_txn *txn, uint64_t min_height,
			    int del, store_pending_fn fn, void *ctx)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, s->db_meta, &cur);
	if (rc != 0)
		return rc;
	uint8_t start[PENDING_KEY_BYTES];
	uint8_t zero[32] = {0};
	pending_key(start, 0, zero);
	MDB_val k = {PENDING_PREFIX_BYTES, start}, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0) {
		if (k.mv_size < PENDING_PREFIX_BYTES ||
		    memcmp(k.mv_data, PENDING_PREFIX, PENDING_PREFIX_BYTES) != 0)
			break;
		const uint8_t *kp = k.mv_data;
		if (k.mv_size == PENDING_KEY_BYTES) {
			uint64_t h = be64_get(kp + PENDING_PREFIX_BYTES);
			if (del && h < min_height) {
				if ((rc = mdb_cursor_del(cur, 0)) != 0)
					break;
			} else if (!del && h >= min_height && fn != NULL) {
				fn(ctx, h, kp + PENDING_PREFIX_BYTES + 8u,
				   v.mv_data, v.mv_size);
			}
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* pending_walk_txn in a transaction of its own. */
static int pending_walk(struct store *s, uint64_t min_height, int del,
			store_pending_fn fn, void *ctx, struct acc_err *err)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, del ? 0 : MDB_RDONLY, &txn);
	if (rc != 0)
		return store_lmdb_err(err, rc, "pending txn");
	rc = pending_walk_txn(s, txn, min_height, del, fn, ctx);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return store_lmdb_err(err, rc, "pending blocks");
	}
	if (!del) {
		mdb_txn_abort(txn);
		return 0;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_lmdb_err(err, rc, "pending prune");
	return 0;
}

int store_pending_list(struct store *s, uint64_t min_height,
		       store_pending_fn fn, void *ctx, struct acc_err *err)
{
	return pending_walk(s, min_height, 0, fn, ctx, err);
}

int store_pending_prune(struct store *s, uint64_t below_height,
			struct acc_err *err)
{
	if (s->readonly)
		return acc_err_set(err, ACC_ESTATE, "store is read only");
	return pending_walk(s, below_height, 1, NULL, NULL, err);
}
