/* read.c - read transactions: head, blocks, entries, Merkle roots and
 * proofs, index and state iteration (specs/storage.md §2, §6). */
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/error.h"
#include "common/merkle.h"
#include "storage/store.h"
#include "storage/store_int.h"

int store_read_begin(struct store *s, struct store_rtxn **t,
		     struct acc_err *err)
{
	struct store_rtxn *r = calloc(1, sizeof *r);
	if (r == NULL)
		return acc_err_set(err, ACC_ENOMEM, "read txn");
	r->s = s;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &r->txn);
	if (rc != 0) {
		free(r);
		return store_lmdb_err(err, rc, "read txn");
	}
	/* Every proof and range check needs the head: read it once. */
	if ((rc = store_head_read(s, r->txn, &r->head)) != 0) {
		mdb_txn_abort(r->txn);
		free(r);
		return acc_err_set(err, rc, "head block record is corrupt");
	}
	*t = r;
	return 0;
}

void store_read_end(struct store_rtxn *t)
{
	if (t == NULL)
		return;
	mdb_txn_abort(t->txn);
	free(t);
}

int store_head_get(struct store_rtxn *t, struct store_head *h)
{
	*h = t->head;
	return 0;
}

static int block_rec_get(struct store_rtxn *t, uint64_t height,
			 struct block_rec *b)
{
	if (height == 0 || height > t->head.height)
		return ACC_ENOTFOUND;
	uint8_t k[U64_KEY_BYTES];
	be64_put(k, height);
	MDB_val key = {sizeof k, k}, val;
	int rc = mdb_get(t->txn, t->s->db_blocks, &key, &val);
	if (rc != 0)
		return store_lmdb_code(rc);
	return store_block_rec_decode(val.mv_data, val.mv_size, height, b);
}

int store_block_get(struct store_rtxn *t, uint64_t height,
		    const uint8_t **header, size_t *hlen, const uint8_t **cert,
		    size_t *clen, uint64_t *first_index, uint32_t *entry_count)
{
	struct block_rec b;
	int rc = block_rec_get(t, height, &b);
	if (rc != 0)
		return rc;
	if (cert != NULL || clen != NULL) {
		uint8_t k[U64_KEY_BYTES];
		be64_put(k, height);
		MDB_val key = {sizeof k, k}, val;
		rc = mdb_get(t->txn, t->s->db_certs, &key, &val);
		if (rc != 0)
			return ACC_ESTORE; /* every block has a cert row */
		if (cert != NULL)
			*cert = val.mv_data;
		if (clen != NULL)
			*clen = val.mv_size;
	}
	if (header != NULL)
		*header = b.header;
	if (hlen != NULL)
		*hlen = b.header_len;
	if (first_index != NULL)
		*first_index = b.info.first_index;
	if (entry_count != NULL)
		*entry_count = b.info.entry_count;
	return 0;
}

int store_block_info_get(struct store_rtxn *t, uint64_t height,
			 struct store_block_info *info)
{
	struct block_rec b;
	int rc = block_rec_get(t, height, &b);
	if (rc != 0)
		return rc;
	*info = b.info;
	return 0;
}

int store_block_last_cert(struct store_rtxn *t, uint64_t height,
			  const uint8_t **cert, size_t *clen)
{
	struct block_rec b;
	int rc = block_rec_get(t, height, &b);
	if (rc != 0)
		return rc;
	*cert = b.last_cert;
	*clen = b.last_cert_len;
	return 0;
}

/* The raw entry row: height u64 ‖ bytes. */
static int entry_row(struct store_rtxn *t, uint64_t index, MDB_val *val)
{
	if (index >= t->head.log_size)
		return ACC_ENOTFOUND;
	uint8_t k[U64_KEY_BYTES];
	be64_put(k, index);
	MDB_val key = {sizeof k, k};
	int rc = mdb_get(t->txn, t->s->db_entries, &key, val);
	if (rc != 0)
		return store_lmdb_code(rc);
	if (val->mv_size <= 8)
		return ACC_ESTORE;
	return 0;
}

int store_entry_get(struct store_rtxn *t, uint64_t index, const uint8_t **bytes,
		    size_t *len)
{
	MDB_val val;
	int rc = entry_row(t, index, &val);
	if (rc != 0)
		return rc;
	*bytes = (const uint8_t *)val.mv_data + 8;
	*len = val.mv_size - 8;
	return 0;
}

int store_entry_height(struct store_rtxn *t, uint64_t index, uint64_t *height)
{
	MDB_val val;
	int rc = entry_row(t, index, &val);
	if (rc != 0)
		return rc;
	*height = be64_get(val.mv_data);
	return 0;
}

int store_entry_find(struct store_rtxn *t, const uint8_t id[32],
		     uint64_t *index)
{
	MDB_val key = {32, (void *)id}, val;
	int rc = mdb_get(t->txn, t->s->db_ids, &key, &val);
	if (rc != 0)
		return store_lmdb_code(rc);
	if (val.mv_size != U64_KEY_BYTES)
		return ACC_ESTORE;
	*index = be64_get(val.mv_data);
	return 0;
}

int store_entry_id(struct store_rtxn *t, uint64_t index, uint8_t id[32])
{
	if (index >= t->head.log_size)
		return ACC_ENOTFOUND;
	/* The leaf hash is the level-0 Merkle node. */
	struct node_ctx c = {t->s, t->txn};
	return store_node_read(&c, 0, index, id);
}

int store_root_at(struct store_rtxn *t, uint64_t size, uint8_t root[32])
{
	if (size > t->head.log_size)
		return ACC_ERANGE;
	struct node_ctx c = {t->s, t->txn};
	return merkle_root_at(size, store_node_read, &c, root);
}

int store_proof_inclusion(struct store_rtxn *t, uint64_t index, uint64_t size,
			  uint8_t (*proof)[32], size_t *count)
{
	if (size > t->head.log_size)
		return ACC_ERANGE;
	struct node_ctx c = {t->s, t->txn};
	return merkle_inclusion_prove(index, size, store_node_read, &c, proof,
				      count);
}

int store_proof_consistency(struct store_rtxn *t, uint64_t old_size,
			    uint64_t new_size, uint8_t (*proof)[32],
			    size_t *count)
{
	if (new_size > t->head.log_size)
		return ACC_ERANGE;
	struct node_ctx c = {t->s, t->txn};
	return merkle_consistency_prove(old_size, new_size, store_node_read, &c,
					proof, count);
}

/*
 * Walk keys prefix ‖ index (index big-endian, 8 bytes) from index `from`,
 * calling fn with each index, at most limit times.
 */
static int index_walk(struct store_rtxn *t, MDB_dbi dbi, const uint8_t *prefix,
		      size_t plen, uint64_t from, uint32_t limit,
		      int (*fn)(void *ctx, uint64_t index), void *ctx)
{
	uint8_t k[64];
	if (plen + 8 > sizeof k)
		return ACC_EINVAL;
	memcpy(k, prefix, plen);
	be64_put(k + plen, from);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(t->txn, dbi, &cur);
	if (rc != 0)
		return ACC_ESTORE;
	MDB_val key = {plen + 8, k}, val;
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	int out = 0;
	for (uint32_t n = 0; n < limit && rc == 0; n++) {
		if (key.mv_size != plen + 8 ||
		    memcmp(key.mv_data, prefix, plen) != 0)
			break;
		int r = fn(ctx, be64_get((const uint8_t *)key.mv_data + plen));
		if (r != 0) {
			out = r > 0 ? 0 : r;
			rc = MDB_NOTFOUND;
			break;
		}
		rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (out != 0)
		return out;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_lmdb_code(rc);
	return 0;
}

int store_party_entries(struct store_rtxn *t, const char *party, uint64_t from,
			uint32_t limit, int (*fn)(void *ctx, uint64_t index),
			void *ctx)
{
	size_t n = party ? strlen(party) : 0;
	if (n == 0 || n > PARTY_ID_BYTES_MAX)
		return ACC_EINVAL;
	uint8_t p[1 + PARTY_ID_BYTES_MAX];
	p[0] = (uint8_t)n;
	memcpy(p + 1, party, n);
	return index_walk(t, t->s->db_party, p, 1 + n, from, limit, fn, ctx);
}

int store_agreement_entries(struct store_rtxn *t, const uint8_t agreement[32],
			    uint64_t from, uint32_t limit,
			    int (*fn)(void *ctx, uint64_t index), void *ctx)
{
	return index_walk(t, t->s->db_agreement, agreement, 32, from, limit, fn,
			  ctx);
}

int store_state_get(struct store_rtxn *t, const void *key, size_t klen,
		    const uint8_t **val, size_t *vlen)
{
	if (key == NULL || klen == 0 || klen > STORE_KEY_BYTES_MAX)
		return ACC_EINVAL;
	MDB_val k = {klen, (void *)key}, v;
	int rc = mdb_get(t->txn, t->s->db_state, &k, &v);
	if (rc != 0)
		return store_lmdb_code(rc);
	*val = v.mv_data;
	*vlen = v.mv_size;
	return 0;
}

int store_state_iter(struct store_rtxn *t, const void *prefix, size_t plen,
		     int (*fn)(void *ctx, const uint8_t *k, size_t kl,
			       const uint8_t *v, size_t vl),
		     void *ctx)
{
	if (plen > STORE_KEY_BYTES_MAX || (plen > 0 && prefix == NULL))
		return ACC_EINVAL;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(t->txn, t->s->db_state, &cur);
	if (rc != 0)
		return ACC_ESTORE;
	MDB_val key = {plen, (void *)prefix}, val;
	rc = mdb_cursor_get(cur, &key, &val, plen ? MDB_SET_RANGE : MDB_FIRST);
	int out = 0;
	while (rc == 0) {
		if (key.mv_size < plen ||
		    (plen > 0 && memcmp(key.mv_data, prefix, plen) != 0))
			break;
		int r =
		    fn(ctx, key.mv_data, key.mv_size, val.mv_data, val.mv_size);
		if (r != 0) {
			out = r > 0 ? 0 : r;
			rc = MDB_NOTFOUND;
			break;
		}
		rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (out != 0)
		return out;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_lmdb_code(rc);
	return 0;
}
