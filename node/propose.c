/* propose.c - judging a proposed block and committing a decided one
 * (specs/node.md §7.3, §7.4). */
#include "node/propose.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/kv.h"
#include "common/merkle.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/chain.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "ledger/rules.h"
#include "node/block_int.h"
#include "node/node.h"
#include "storage/kv_store.h"
#include "storage/store.h"

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

/* The predecessor of the next block: this node's head and its log. */
static int prev_of_head(struct node *n, struct chain_prev *prev,
			struct node_head *head, struct acc_err *err)
{
	pthread_mutex_lock(&n->mu);
	*head = n->head;
	pthread_mutex_unlock(&n->mu);
	chain_prev_genesis(prev, n->genesis);
	if (head->height > 0) {
		prev->height = head->height;
		memcpy(prev->hash, head->hash, HASH_BYTES);
		prev->time_ms = head->time_ms;
	}
	store_log_frontier(n->store, &prev->log);
	if (prev->log.size != head->log_size)
		return acc_err_set(err, ACC_ESTATE,
				   "the store's log has %llu entries, the head "
				   "%llu",
				   (unsigned long long)prev->log.size,
				   (unsigned long long)head->log_size);
	return 0;
}

/* §7.3 step 1, on top of specs/chain.md checks 1-7: block time strictly
 * increases (specs/consensus.md "Block time"), and the genesis bound on
 * entries per block. */
static int header_more(const struct node *n, const struct block_header *h,
		       const struct node_head *head, struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	if (head->height > 0 && h->time_ms <= head->time_ms)
		return acc_err_set(err, ACC_ECHAIN,
				   "block %llu: time %llu is not after the "
				   "previous block's %llu",
				   (unsigned long long)h->height,
				   (unsigned long long)h->time_ms,
				   (unsigned long long)head->time_ms);
	if (h->entry_count > g->params.block_entries_max)
		return acc_err_set(err, ACC_ECHAIN,
				   "block %llu: %u entries, over the genesis "
				   "bound %u",
				   (unsigned long long)h->height,
				   (unsigned)h->entry_count,
				   (unsigned)g->params.block_entries_max);
	return 0;
}

/* Whether the mempool holds exactly these bytes under id: then their
 * signatures were verified on admission (specs/node.md §7.5). */
static int admitted_here(struct node *n, const uint8_t id[HASH_BYTES],
			 const uint8_t *bytes, size_t len)
{
	pthread_mutex_lock(&n->mu);
	struct mempool_item *it = mempool_find(&n->mempool, id);
	int same =
	    it != NULL && it->len == len && memcmp(it->bytes, bytes, len) == 0;
	pthread_mutex_unlock(&n->mu);
	return same;
}

/* §7.3 step 3: each entry (specs/chain.md check 12, or its decoding only
 * for one admitted here with the same bytes), no entry twice, none in the
 * log, then the rules in order on an overlay over snap at the block's
 * time. ids receives the entries' ids. */
static int entries_check(struct node *n, const struct block *b,
			 const struct node_head *head, struct store_rtxn *snap,
			 uint8_t (*ids)[HASH_BYTES], struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	size_t count = b->entry_count;
	struct kv base, ov = {0};
	uint8_t(*sorted)[HASH_BYTES] = NULL;
	struct entry *es = calloc(count ? count : 1, sizeof *es);
	size_t decoded = 0;
	int rc = 0;
	if (es == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	for (size_t i = 0; i < count; i++, decoded++) {
		const uint8_t *p = b->entries[i].p;
		size_t len = b->entries[i].len;
		entry_id(ids[i], p, len);
		if (admitted_here(n, ids[i], p, len))
			rc = entry_decode(&es[i], p, len, err);
		else
			rc = chain_entry_check(g, p, len, &es[i], ids[i], err);
		if (rc != 0) {
			acc_err_prefix(err, "entry %zu: ", i);
			goto out;
		}
	}
	if (count > 1) {
		sorted = malloc(count * sizeof *sorted);
		if (sorted == NULL) {
			rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(sorted, ids, count * sizeof *sorted);
		qsort(sorted, count, HASH_BYTES, id_cmp);
		for (size_t i = 1; i < count; i++)
			if (memcmp(sorted[i - 1], sorted[i], HASH_BYTES) == 0) {
				rc = acc_err_set(err, ACC_EDUP,
						 "an entry is twice in the "
						 "block");
				goto out;
			}
	}
	for (size_t i = 0; i < count; i++) {
		uint64_t index;
		if (store_entry_find(snap, ids[i], &index) == 0) {
			rc = acc_err_set(err, ACC_EDUP,
					 "entry %zu is already committed at "
					 "index %llu",
					 i, (unsigned long long)index);
			goto out;
		}
	}
	store_kv_read(&base, snap);
	rc = kv_overlay_open(&ov, &base);
	if (rc != 0) {
		rc = acc_err_set(err, rc, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		rc = rules_apply(&ov, g, &es[i], ids[i], head->log_size + i,
				 b->header.time_ms / 1000u, err);
		if (rc != 0) {
			acc_err_prefix(err, "entry %zu: ", i);
			goto out;
		}
	}
out:
	kv_overlay_close(&ov);
	for (size_t i = 0; i < decoded; i++)
		entry_free(&es[i]);
	free(es);
	free(sorted);
	return rc;
}

int node_block_check(struct node *n, const uint8_t *block, size_t len,
		     const uint8_t hash[HASH_BYTES], uint64_t *time_ms,
		     struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	struct block b;
	struct node_head head;
	struct chain_prev prev;
	struct chain_fail f;
	struct store_rtxn *snap = NULL;
	uint8_t(*ids)[HASH_BYTES] = NULL;
	uint8_t got[HASH_BYTES];
	int rc = block_decode(&b, block, len, err);
	if (rc != 0)
		return rc;
	block_hash(b.header_bytes.p, b.header_bytes.len, got);
	if (hash != NULL && memcmp(got, hash, HASH_BYTES) != 0) {
		rc = acc_err_set(err, ACC_EMISMATCH,
				 "the block is not the one the proposal names");
		goto out;
	}
	*time_ms = b.header.time_ms;
	/* One snapshot: the loop thread is the only writer, so the head
	 * read under the lock is the snapshot's. */
	rc = prev_of_head(n, &prev, &head, err);
	if (rc != 0)
		goto out;
	/* §7.3 steps 1-2: specs/chain.md checks 1-9 (the header's links and
	 * the certificate it carries), and the driver's own on top. */
	rc = chain_header_check(g, &prev, &b.header, b.entry_count, &f);
	if (rc == 0)
		rc = chain_last_cert_check(g, &prev, &b.header, b.last_cert.p,
					   b.last_cert.len, NULL, &f);
	if (rc != 0) {
		if (err != NULL)
			*err = f.err;
		goto out;
	}
	rc = header_more(n, &b.header, &head, err);
	if (rc != 0)
		goto out;
	ids = malloc((b.entry_count ? b.entry_count : 1) * sizeof *ids);
	if (ids == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto out;
	}
	rc = store_read_begin(n->store, &snap, err);
	if (rc != 0)
		goto out;
	rc = entries_check(n, &b, &head, snap, ids, err);
	if (rc != 0)
		goto out;
	/* §7.3 step 4: specs/chain.md check 13, the log after it. */
	for (size_t i = 0; i < b.entry_count; i++)
		if ((rc = merkle_frontier_append(&prev.log, ids[i], NULL,
						 NULL)) != 0) {
			rc = acc_err_set(err, rc, "log size overflow");
			goto out;
		}
	rc = chain_log_check(b.header.height, &b.header, &prev.log, &f);
	if (rc != 0 && err != NULL)
		*err = f.err;
out:
	store_read_end(snap);
	free(ids);
	block_free(&b);
	return rc;
}

/* ---- commit ---- */

int node_block_commit_decided(struct node *n, const uint8_t *block, size_t len,
			      const uint8_t *cert, size_t cert_len,
			      struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	struct block b;
	struct node_head head;
	struct store_entry_in *ins = NULL;
	struct entry_keys *keys = NULL;
	uint8_t(*ids)[HASH_BYTES] = NULL;
	uint64_t t0 = metrics_now_us();
	int rc = block_decode(&b, block, len, err);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&n->mu);
	head = n->head;
	pthread_mutex_unlock(&n->mu);
	size_t count = b.entry_count;
	ins = calloc(count ? count : 1, sizeof *ins);
	keys = calloc(count ? count : 1, sizeof *keys);
	ids = calloc(count ? count : 1, sizeof *ids);
	if (ins == NULL || keys == NULL || ids == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		struct entry e;
		entry_id(ids[i], b.entries[i].p, b.entries[i].len);
		rc = entry_decode(&e, b.entries[i].p, b.entries[i].len, err);
		if (rc != 0)
			goto out;
		entry_keys_of(g, &e, ids[i], &keys[i]);
		entry_free(&e);
		entry_in_set(&ins[i], b.entries[i].p, b.entries[i].len, ids[i],
			     &keys[i]);
	}
	uint8_t hash[HASH_BYTES];
	block_hash(b.header_bytes.p, b.header_bytes.len, hash);
	rc = node_block_store(n, &b, hash, cert, cert_len,
			      (const uint8_t(*)[HASH_BYTES])ids, ins,
			      head.log_size, err);
	if (rc != 0)
		goto out;
	metrics_block_commit_observe(&n->metrics, metrics_now_us() - t0);
out:
	free(ids);
	free(keys);
	free(ins);
	block_free(&b);
	return rc;
}
