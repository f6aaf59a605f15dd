/* block.c - one block with one validator: the oldest mempool entries, a
 * header over the log after them, the validator's own precommit as the
 * certificate, and one synced commit (specs/node.md §3). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/vote.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/chain.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "common/kv.h"
#include "ledger/rules.h"
#include "node/log.h"
#include "node/node.h"
#include "node/block_int.h"
#include "node/producer.h"
#include "storage/kv_store.h"
#include "storage/store.h"

/* Derived-state key of the signing state written with each block (§3
 * "Signing"): height u64 ‖ round u32 ‖ step u8 ‖ block hash. */
#define SIGN_STATE_KEY "node/sign"
#define SIGN_STATE_BYTES (8u + 4u + 1u + HASH_BYTES)

/* specs/node.md §3 (one validator) and §7.4 (a consortium: each height
 * costs every validator votes to check, records to sync and a commit, so
 * its proposer gathers a little longer). */
uint32_t node_block_delay_ms(const struct node *n)
{
	if (n->cfg.block_delay_ms != 0)
		return n->cfg.block_delay_ms;
	uint32_t dflt = node_solo(n) ? 5u : 10u;
	uint32_t interval = n->genesis->params.block_interval_ms;
	return interval != 0 && interval < dflt ? interval : dflt;
}

int producer_check(const struct node *n, struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	uint64_t total = genesis_total_power(g);
	uint64_t mine = g->validators[n->cfg.validator].power;
	/* §2 step 3: a certificate needs more than 2/3 of the power. */
	if (g->validator_count == 1 || 3u * mine > 2u * total)
		return 0;
	return acc_err_set(err, ACC_ECONFIG,
			   "multi-validator genesis (%zu validators) needs the "
			   "network issue (consensus over peers); this build "
			   "runs one validator",
			   g->validator_count);
}

/* What the commit's apply callback needs. */
struct apply_ctx {
	uint8_t sign_state[SIGN_STATE_BYTES];
	struct kv *changes; /* the block's derived-state changes (overlay) */
};

static int apply_block(void *ctx, struct store_wtxn *w, struct acc_err *err)
{
	struct apply_ctx *a = ctx;
	/* §3 "Signing": the precommit leaves this node only inside the
	 * committed block, so recording it in the block's transaction is
	 * recording it before it is sent. */
	int rc = store_state_put(w, SIGN_STATE_KEY, sizeof SIGN_STATE_KEY - 1,
				 a->sign_state, sizeof a->sign_state);
	if (rc != 0)
		return acc_err_set(err, rc, "storing the signing state: %s",
				   acc_strerror(rc));
	/* §3 "Rules": the changes the block's entries made to the derived
	 * state when the block was built, on the same committed state and
	 * at the same block time. */
	struct kv dst;
	store_kv_write(&dst, w);
	rc = kv_overlay_flush(a->changes, &dst);
	if (rc != 0)
		return acc_err_set(err, rc, "writing the derived state: %s",
				   acc_strerror(rc));
	return 0;
}

/* The index keys of one entry (specs/storage.md: party and agreement
 * indexes): the party of its first signer, and the agreement it is
 * about. Entries were checked on admission, so a decode failure here is
 * a bug; it is reported rather than assumed away. */
void entry_keys_of(const struct genesis *g, const struct entry *e,
			  const uint8_t id[HASH_BYTES], struct entry_keys *k)
{
	memset(k, 0, sizeof *k);
	if (e->sig_count > 0) {
		long p = genesis_party_by_key(g, e->sigs[0].key);
		if (p >= 0) {
			strcpy(k->party, g->parties[p].id);
			k->has_party = 1;
		}
	}
	switch (e->kind) {
	case ENTRY_AGREEMENT:
		memcpy(k->agreement, id, HASH_BYTES);
		k->has_agreement = 1;
		break;
	case ENTRY_ENDORSEMENT:
		memcpy(k->agreement, e->endorsement.agreement_id, HASH_BYTES);
		k->has_agreement = 1;
		break;
	case ENTRY_REPORT:
		memcpy(k->agreement, e->report.agreement_id, HASH_BYTES);
		k->has_agreement = 1;
		/* A report is filed under the party it is about. */
		if (strlen(e->report.party) <= PARTY_ID_BYTES_MAX) {
			strcpy(k->party, e->report.party);
			k->has_party = 1;
		}
		break;
	default:
		break;
	}
}

/* One entry as storage takes it, filed under its keys (borrowed). */
void entry_in_set(struct store_entry_in *in, const uint8_t *bytes,
			 size_t len, const uint8_t id[HASH_BYTES],
			 const struct entry_keys *k)
{
	in->bytes = bytes;
	in->len = len;
	memcpy(in->id, id, HASH_BYTES);
	in->party = k->has_party ? k->party : NULL;
	in->agreement = k->has_agreement ? k->agreement : NULL;
}

/* Answer the waiter of an entry dropped from the block and remove it. */
static void drop_item(struct node *n, struct mempool_item *it, int rc,
		      const char *msg)
{
	pthread_mutex_lock(&n->mu);
	if (it->user != NULL)
		node_waiter_fail_locked(n, it->user, rc, msg);
	mempool_remove(&n->mempool, it);
	pthread_mutex_unlock(&n->mu);
}

/* The certificate stored for the head block: block height+1 carries it
 * as its last_cert (§3 table, "last_cert_hash"). Borrowed from t. */
static int head_cert(struct store_rtxn *t, uint64_t height,
		     const uint8_t **cert, size_t *len, struct acc_err *err)
{
	int rc = store_block_get(t, height, NULL, NULL, cert, len, NULL, NULL);
	if (rc == 0 && (*len == 0 || *len > CERT_BYTES_MAX))
		rc = ACC_EDECODE;
	if (rc != 0)
		return acc_err_set(err, rc, "certificate of block %llu: %s",
				   (unsigned long long)height,
				   acc_strerror(rc));
	return 0;
}

/* The batch: the oldest entries within the block bounds (§3 "What").
 * Items stay valid without the lock: only this (loop) thread removes. */
static size_t batch_take(struct node *n, struct mempool_item **items,
			 struct node_head *head)
{
	size_t count = 0, bytes = 0;
	pthread_mutex_lock(&n->mu);
	*head = n->head;
	for (struct mempool_item *it = n->mempool.head;
	     it != NULL && count < BLOCK_ENTRIES_MAX; it = it->next) {
		if (bytes + it->len > BLOCK_BYTES_MAX)
			break;
		bytes += it->len;
		items[count++] = it;
	}
	pthread_mutex_unlock(&n->mu);
	return count;
}

/* Drop entries already in the log (a replay that raced admission cannot
 * happen with one validator, but a commit with one would fail whole). */
static size_t batch_drop_committed(struct node *n, struct store_rtxn *t,
				   struct mempool_item **items, size_t count)
{
	size_t kept = 0;
	for (size_t i = 0; i < count; i++) {
		uint64_t index;
		if (store_entry_find(t, items[i]->id, &index) == 0) {
			LOG_WARN("dropping an entry already committed at "
				 "index %llu", (unsigned long long)index);
			drop_item(n, items[i], ACC_EDUP, "already committed");
			continue;
		}
		items[kept++] = items[i];
	}
	return kept;
}

/*
 * §3 "Rules": apply the rules of every entry, in order, to an overlay over
 * the committed state at the block's time; an entry they refuse is
 * dropped and its waiter answered with the rule's error. Fills keys for
 * the kept ones. Returns the number kept; *rc is set on a failure that
 * stops the whole block (the store, memory).
 */
static size_t batch_apply_rules(struct node *n, struct mempool_item **items,
				size_t count, uint64_t first_index,
				uint64_t block_time_s, struct kv *ov,
				struct entry_keys *keys, struct acc_err *err,
				int *rc)
{
	const struct genesis *g = n->genesis;
	size_t kept = 0;
	*rc = 0;
	for (size_t i = 0; i < count; i++) {
		struct entry e;
		struct acc_err rerr = {0};
		int r = entry_decode(&e, items[i]->bytes, items[i]->len, &rerr);
		if (r == 0)
			r = rules_apply(ov, g, &e, items[i]->id,
					first_index + kept, block_time_s, &rerr);
		if (r == 0)
			entry_keys_of(g, &e, items[i]->id, &keys[kept]);
		entry_free(&e);
		if (r == ACC_ENOMEM || r == ACC_ESTORE || r == ACC_EFULL) {
			*rc = acc_err_set(err, r, "applying the rules: %s",
					  rerr.msg);
			return 0;
		}
		if (r != 0) {
			LOG_INFO("entry refused at block time: %s (%s)",
				 rerr.msg, acc_errname(r));
			drop_item(n, items[i], r, rerr.msg);
			continue;
		}
		items[kept++] = items[i];
	}
	return kept;
}

/*
 * A block built from the mempool (§3 "What"), not yet signed or
 * committed. Items point into the mempool: valid while only this (loop)
 * thread removes from it. last_cert is borrowed from snap.
 */
struct build {
	struct node_head head;
	struct mempool_item **items;
	struct store_entry_in *ins;
	uint8_t (*leaves)[HASH_BYTES];
	struct entry_keys *keys;
	struct store_rtxn *snap;
	struct kv base, changes;
	size_t count;
	struct block_header h;
	uint8_t hb[BLOCK_HEADER_BYTES_MAX];
	size_t hl;
	uint8_t hash[HASH_BYTES];
	const uint8_t *last_cert;
	size_t last_cert_len;
};

static void build_free(struct build *b)
{
	kv_overlay_close(&b->changes);
	store_read_end(b->snap);
	free(b->keys);
	free(b->leaves);
	free(b->ins);
	free(b->items);
	memset(b, 0, sizeof *b);
}

/* Build the next block at time_ms from the oldest mempool entries. With
 * allow_empty unset, b->count == 0 means no block (nothing committable).
 * On error b is freed. */
static int build_block(struct node *n, uint64_t time_ms, int allow_empty,
		       struct build *b, struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	int rc = 0;
	memset(b, 0, sizeof *b);
	b->items = malloc(BLOCK_ENTRIES_MAX * sizeof *b->items);
	if (b->items == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	size_t count = batch_take(n, b->items, &b->head);
	if (count == 0 && !allow_empty)
		return 0;
	/* One snapshot of the committed state for the whole block: this
	 * thread is the only writer, so it is the head batch_take saw. */
	rc = store_read_begin(n->store, &b->snap, err);
	if (rc != 0)
		goto fail;
	count = batch_drop_committed(n, b->snap, b->items, count);
	if (count == 0 && !allow_empty)
		return 0;
	b->ins = calloc(count ? count : 1, sizeof *b->ins);
	b->leaves = malloc((count ? count : 1) * sizeof *b->leaves);
	b->keys = malloc((count ? count : 1) * sizeof *b->keys);
	if (b->ins == NULL || b->leaves == NULL || b->keys == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto fail;
	}
	store_kv_read(&b->base, b->snap);
	rc = kv_overlay_open(&b->changes, &b->base);
	if (rc != 0) {
		rc = acc_err_set(err, rc, "out of memory");
		goto fail;
	}
	count = batch_apply_rules(n, b->items, count, b->head.log_size,
				  time_ms / 1000u, &b->changes, b->keys, err,
				  &rc);
	if (rc != 0)
		goto fail;
	b->count = count;
	if (count == 0 && !allow_empty)
		return 0;
	for (size_t i = 0; i < count; i++) {
		memcpy(b->leaves[i], b->items[i]->id, HASH_BYTES);
		entry_in_set(&b->ins[i], b->items[i]->bytes, b->items[i]->len,
			     b->items[i]->id, &b->keys[i]);
	}

	/* §3 table: the header. */
	struct block_header *h = &b->h;
	h->version = BLOCK_VERSION;
	strcpy(h->chain_id, g->chain_id);
	h->height = b->head.height + 1;
	h->time_ms = time_ms;
	memcpy(h->prev_hash,
	       b->head.height == 0 ? n->genesis->hash : b->head.hash,
	       HASH_BYTES);
	h->proposer = (uint16_t)n->cfg.validator;
	genesis_valset_hash(g, h->valset_hash);
	h->entry_count = (uint32_t)count;
	rc = store_log_root_after(n->store, (const uint8_t(*)[32])b->leaves,
				  (uint32_t)count, h->log_root, &h->log_size);
	if (rc != 0) {
		rc = acc_err_set(err, rc, "log root: %s", acc_strerror(rc));
		goto fail;
	}
	if (b->head.height > 0) {
		rc = head_cert(b->snap, b->head.height, &b->last_cert,
			       &b->last_cert_len, err);
		if (rc != 0)
			goto fail;
		cert_hash(b->last_cert, b->last_cert_len, h->last_cert_hash);
	}
	rc = block_header_encode(h, b->hb, &b->hl, err);
	if (rc != 0)
		goto fail;
	block_hash(b->hb, b->hl, b->hash);
	return 0;
fail:
	build_free(b);
	return rc;
}

int node_block_propose(struct node *n, uint64_t time_ms, uint8_t **wire,
		       size_t *wire_len, uint8_t hash[HASH_BYTES],
		       size_t *count, struct acc_err *err)
{
	struct build b;
	int rc = build_block(n, time_ms, 1, &b, err);
	if (rc != 0)
		return rc;
	struct bytes_view *views =
	    malloc((b.count ? b.count : 1) * sizeof *views);
	if (views == NULL) {
		build_free(&b);
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < b.count; i++) {
		views[i].p = b.items[i]->bytes;
		views[i].len = b.items[i]->len;
	}
	rc = block_encode(&b.h, b.last_cert, b.last_cert_len, views, b.count,
			  wire, wire_len, err);
	if (rc == 0) {
		memcpy(hash, b.hash, HASH_BYTES);
		*count = b.count;
	}
	free(views);
	build_free(&b);
	return rc;
}

int node_block_produce(struct node *n, size_t *count_out,
		       struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	struct build b;
	int rc;
	*count_out = 0;
	/* §3 table: time_ms never goes backwards. */
	pthread_mutex_lock(&n->mu);
	uint64_t head_ms = n->head.time_ms;
	pthread_mutex_unlock(&n->mu);
	uint64_t now = node_clock_ms(n);
	uint64_t time_ms = now > head_ms ? now : head_ms;
	rc = build_block(n, time_ms, 0, &b, err);
	if (rc != 0 || b.count == 0)
		goto out;
	const struct block_header *h = &b.h;

	/* §3 "Signing": the validator's precommit, round 0. */
	struct apply_ctx actx = {.changes = &b.changes};
	uint8_t *p = actx.sign_state;
	be64_put(p, h->height);
	be32_put(p + 8, 0);
	p[12] = VOTE_PRECOMMIT;
	memcpy(p + 13, b.hash, HASH_BYTES);
	struct cert c;
	uint8_t sig[SIG_BYTES];
	rc = vote_sign(sig, &n->key.key, g->chain_id, VOTE_PRECOMMIT, h->height,
		       0, b.hash);
	if (rc != 0) {
		rc = acc_err_set(err, rc, "signing the precommit: %s",
				 acc_strerror(rc));
		goto out;
	}
	cert_init(&c, h->height, 0, b.hash);
	rc = cert_add_sig(&c, (uint16_t)n->cfg.validator, sig, err);
	if (rc != 0)
		goto out;
	uint8_t cb[CERT_BYTES_MAX];
	size_t cl;
	rc = cert_encode(&c, cb, &cl, err);
	if (rc != 0)
		goto out;

	/* §3 "Commit": one synced transaction. */
	struct store_block_in in = {
	    .height = h->height,
	    .header = b.hb,
	    .header_len = b.hl,
	    .cert = cb,
	    .cert_len = cl,
	    .last_cert = b.last_cert,
	    .last_cert_len = b.last_cert_len,
	    .entries = b.ins,
	    .entry_count = (uint32_t)b.count,
	    .log_size = h->log_size,
	    .apply = apply_block,
	    .apply_ctx = &actx,
	};
	memcpy(in.hash, b.hash, HASH_BYTES);
	memcpy(in.log_root, h->log_root, HASH_BYTES);
	rc = store_block_commit(n->store, &in, err);
	if (rc != 0)
		goto out;

	struct node_head nh = {
	    .height = h->height,
	    .log_size = h->log_size,
	    .time_ms = h->time_ms,
	};
	memcpy(nh.hash, b.hash, HASH_BYTES);
	memcpy(nh.log_root, h->log_root, HASH_BYTES);
	node_block_committed(n, b.items, b.count, b.head.log_size, h->height,
			     &nh);
	atomic_fetch_add(&n->metrics.entries_committed, b.count);
	atomic_fetch_add(&n->metrics.blocks_committed, 1);
	LOG_DEBUG("block %llu: %zu entries, log size %llu",
		  (unsigned long long)h->height, b.count,
		  (unsigned long long)h->log_size);
	*count_out = b.count;
out:
	build_free(&b);
	return rc;
}

/* ---- applying a block made elsewhere (§6) ---- */

struct follow_ctx {
	const struct genesis *g;
	const struct block *b;
	const uint8_t (*ids)[HASH_BYTES];
	uint64_t first_index;
};

/* §6 step 4: the rules of every entry, on this node's own state, in the
 * block's transaction; any refusal refuses the whole block. */
static int apply_followed(void *ctx, struct store_wtxn *w, struct acc_err *err)
{
	struct follow_ctx *f = ctx;
	struct kv kv;
	store_kv_write(&kv, w);
	for (size_t i = 0; i < f->b->entry_count; i++) {
		struct entry e;
		int rc = entry_decode(&e, f->b->entries[i].p,
				      f->b->entries[i].len, err);
		if (rc == 0)
			rc = rules_apply(&kv, f->g, &e, f->ids[i],
					 f->first_index + i,
					 f->b->header.time_ms / 1000u, err);
		entry_free(&e);
		if (rc != 0) {
			acc_err_prefix(err, "entry %zu (log index %llu): ", i,
				       (unsigned long long)(f->first_index + i));
			return rc;
		}
	}
	return 0;
}

int node_block_store(struct node *n, const struct block *b,
		     const uint8_t hash[HASH_BYTES], const uint8_t *cert,
		     size_t cert_len, const uint8_t (*ids)[HASH_BYTES],
		     struct store_entry_in *ins, uint64_t first_index,
		     struct acc_err *err)
{
	const struct block_header *h = &b->header;
	struct follow_ctx fc = {
	    .g = n->genesis,
	    .b = b,
	    .ids = ids,
	    .first_index = first_index,
	};
	/* §6 step 5: one synced commit; storage recomputes the log root too
	 * and refuses a header that claims another. */
	struct store_block_in in = {
	    .height = h->height,
	    .header = b->header_bytes.p,
	    .header_len = b->header_bytes.len,
	    .cert = cert,
	    .cert_len = cert_len,
	    .last_cert = b->last_cert.len ? b->last_cert.p : NULL,
	    .last_cert_len = b->last_cert.len,
	    .entries = ins,
	    .entry_count = (uint32_t)b->entry_count,
	    .log_size = h->log_size,
	    .apply = apply_followed,
	    .apply_ctx = &fc,
	};
	memcpy(in.hash, hash, HASH_BYTES);
	memcpy(in.log_root, h->log_root, HASH_BYTES);
	int rc = store_block_commit(n->store, &in, err);
	if (rc != 0)
		return rc;
	struct node_head nh = {
	    .height = h->height,
	    .log_size = h->log_size,
	    .time_ms = h->time_ms,
	};
	memcpy(nh.hash, hash, HASH_BYTES);
	memcpy(nh.log_root, h->log_root, HASH_BYTES);
	node_block_followed(n, ids, b->entry_count, first_index, h->height,
			    &nh);
	atomic_fetch_add(&n->metrics.entries_committed, b->entry_count);
	atomic_fetch_add(&n->metrics.blocks_committed, 1);
	return 0;
}

/* chain_block_verify's view of each entry that passed: its id, and the
 * entry filed for storage under its keys (node_block_apply's arrays; the
 * bytes are borrowed from the block). */
struct keep_ctx {
	const struct genesis *g;
	const struct block *b;
	uint8_t (*ids)[HASH_BYTES];
	struct entry_keys *keys;
	struct store_entry_in *ins;
};

static void keep_entry(void *ctx, size_t i, const struct entry *e,
		       const uint8_t id[HASH_BYTES])
{
	struct keep_ctx *k = ctx;
	memcpy(k->ids[i], id, HASH_BYTES);
	entry_keys_of(k->g, e, k->ids[i], &k->keys[i]);
	entry_in_set(&k->ins[i], k->b->entries[i].p, k->b->entries[i].len,
		     k->ids[i], &k->keys[i]);
}

int node_block_apply(struct node *n, const uint8_t *block, size_t len,
		     const uint8_t *cert, size_t cert_len, struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	struct block b;
	struct node_head head;
	struct chain_prev prev, next;
	struct chain_fail f;
	struct store_entry_in *ins = NULL;
	struct entry_keys *keys = NULL;
	uint8_t(*ids)[HASH_BYTES] = NULL;
	int rc = block_decode(&b, block, len, err);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&n->mu);
	head = n->head;
	pthread_mutex_unlock(&n->mu);
	/* §6 step 2: the predecessor is this node's head, and the log
	 * after it. */
	chain_prev_genesis(&prev, g);
	if (head.height > 0) {
		prev.height = head.height;
		memcpy(prev.hash, head.hash, HASH_BYTES);
		prev.time_ms = head.time_ms;
	}
	store_log_frontier(n->store, &prev.log);
	if (prev.log.size != head.log_size) {
		rc = acc_err_set(err, ACC_ESTATE,
				 "the store's log has %llu entries, the head "
				 "%llu",
				 (unsigned long long)prev.log.size,
				 (unsigned long long)head.log_size);
		goto out;
	}
	size_t count = b.entry_count;
	ins = calloc(count ? count : 1, sizeof *ins);
	keys = calloc(count ? count : 1, sizeof *keys);
	ids = calloc(count ? count : 1, sizeof *ids);
	if (ins == NULL || keys == NULL || ids == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto out;
	}
	/* §6 step 3: the header's links, both certificates, every entry
	 * and the log root, as specs/chain.md §2 says; the rules (step 4)
	 * run in the commit (apply_followed). */
	struct keep_ctx k = {
	    .g = g, .b = &b, .ids = ids, .keys = keys, .ins = ins};
	rc = chain_block_verify(g, &prev, &b, cert, cert_len, keep_entry, &k,
				&next, &f);
	if (rc != 0) {
		if (err != NULL)
			*err = f.err;
		goto out;
	}
	rc = node_block_store(n, &b, next.hash, cert, cert_len,
			      (const uint8_t(*)[HASH_BYTES])ids, ins,
			      head.log_size, err);
out:
	free(ids);
	free(keys);
	free(ins);
	block_free(&b);
	return rc;
}
