/* test_storage.c - the LMDB store: commit and read back, refusals that
 * leave nothing behind, proofs over a log of thousands of entries, reopen,
 * read-only open of a copy, and kill -9 in the middle of commits. */
#include "storage/store.h"

/* The on-disk layout of specs/storage.md §2.4 is checked with LMDB itself,
 * reading the file the store wrote: the store's own test is the one place
 * outside the storage sources that looks at the raw tables. */
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/codec.h"
#include "common/hex.h"
#include "common/crypto.h"
#include "common/error.h"
#include "common/merkle.h"
#include "tests/test.h"

static char base_dir[] = "/tmp/accord-test-storage-XXXXXX";

static void dir_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", base_dir, name);
}

static const struct store_opts fast = {(size_t)1 << 30, 1};
static const struct store_opts durable = {(size_t)1 << 30, 0};

/* ---- a block builder ---------------------------------------------------- */

#define ENTRY_LEN_MAX 96

struct test_block {
	struct store_block_in in;
	struct store_entry_in e[BLOCK_ENTRIES_MAX];
	uint8_t bytes[BLOCK_ENTRIES_MAX][ENTRY_LEN_MAX];
	uint8_t header[48];
	uint8_t cert[24];
	uint8_t last_cert[24];
};

static const char *parties[] = {"CN-BJ", "CN-TJ", "CN-HE", NULL};
static uint8_t agreement_a[32], agreement_b[32];

/* Entry i of the log: deterministic bytes (unique per log index and
 * seed), party i % 4, agreement A every third entry, B every fifth. */
static void entry_make(struct test_block *tb, uint32_t k, uint64_t index,
		       uint32_t seed)
{
	uint8_t *b = tb->bytes[k];
	size_t len = 20 + (size_t)(index % 70);
	memset(b, (int)(index & 0xff), len);
	be64_put(b, index);
	be32_put(b + 8, seed);
	struct store_entry_in *e = &tb->e[k];
	e->bytes = b;
	e->len = len;
	merkle_leaf_hash(e->id, b, len);
	e->party = parties[index % 4];
	e->agreement = index % 3 == 0	? agreement_a
		       : index % 5 == 0 ? agreement_b
					: NULL;
}

/* Build block `height` holding n entries starting at log index first. */
static void block_make(struct store *s, struct test_block *tb, uint64_t height,
		       uint64_t first, uint32_t n, uint32_t seed)
{
	memset(&tb->in, 0, sizeof tb->in);
	for (uint32_t k = 0; k < n; k++)
		entry_make(tb, k, first + k, seed);
	memset(tb->header, 0, sizeof tb->header);
	be64_put(tb->header, height);
	be64_put(tb->header + 8, first);
	be32_put(tb->header + 16, n);
	be32_put(tb->header + 20, seed);
	snprintf((char *)tb->cert, sizeof tb->cert, "cert-%llu",
		 (unsigned long long)height);
	snprintf((char *)tb->last_cert, sizeof tb->last_cert, "canon-%llu",
		 (unsigned long long)height - 1);
	tb->in.height = height;
	sha256(tb->in.hash, tb->header, sizeof tb->header);
	tb->in.header = tb->header;
	tb->in.header_len = sizeof tb->header;
	tb->in.cert = tb->cert;
	tb->in.cert_len = strlen((char *)tb->cert);
	tb->in.last_cert = height > 1 ? tb->last_cert : NULL;
	tb->in.last_cert_len = height > 1 ? strlen((char *)tb->last_cert) : 0;
	tb->in.entries = tb->e;
	tb->in.entry_count = n;
	uint8_t(*ids)[32] = malloc((size_t)(n ? n : 1) * 32);
	ASSERT(ids != NULL);
	for (uint32_t k = 0; k < n; k++)
		memcpy(ids[k], tb->e[k].id, 32);
	ASSERT_OK(store_log_root_after(s, (const uint8_t(*)[32])ids, n,
				       tb->in.log_root, &tb->in.log_size));
	free(ids);
}

static struct store_head head_of(struct store *s)
{
	struct store_rtxn *t;
	ASSERT_OK(store_read_begin(s, &t, NULL));
	struct store_head h;
	ASSERT_OK(store_head_get(t, &h));
	store_read_end(t);
	return h;
}

/* Commit `blocks` blocks of 0..max_entries entries each. */
static void commit_blocks(struct store *s, struct test_block *tb,
			  unsigned blocks, uint32_t max_entries, uint32_t seed)
{
	for (unsigned b = 0; b < blocks; b++) {
		struct store_head h = head_of(s);
		uint32_t n = (uint32_t)rand() % (max_entries + 1);
		block_make(s, tb, h.height + 1, h.log_size, n, seed);
		struct acc_err err;
		int rc = store_block_commit(s, &tb->in, &err);
		if (rc != 0)
			FAIL_AT("commit %llu: %s",
				(unsigned long long)h.height + 1, err.msg);
	}
}

/* ---- derived state via the apply callback ------------------------------ */

struct apply_ctx {
	uint64_t height;
	int fail;
};

static int apply_cb(void *ctx, struct store_wtxn *w, struct acc_err *err)
{
	struct apply_ctx *a = ctx;
	char key[32];
	snprintf(key, sizeof key, "h/%08llu", (unsigned long long)a->height);
	ASSERT_OK(store_state_put(w, key, strlen(key), "x", 1));
	const uint8_t *v;
	size_t vl;
	ASSERT_OK(store_state_get_w(w, key, strlen(key), &v, &vl));
	ASSERT_EQ(vl, 1);
	uint8_t count[8] = {0};
	if (store_state_get_w(w, "count", 5, &v, &vl) == 0) {
		ASSERT_EQ(vl, 8);
		memcpy(count, v, 8);
	}
	be64_put(count, be64_get(count) + 1);
	ASSERT_OK(store_state_put(w, "count", 5, count, 8));
	ASSERT_OK(store_state_put(w, "tmp", 3, "t", 1));
	ASSERT_OK(store_state_del(w, "tmp", 3));
	ASSERT_EQ(store_state_del(w, "tmp", 3), ACC_ENOTFOUND);
	if (a->fail)
		return acc_err_set(err, ACC_ERULE, "apply refused");
	return 0;
}

struct collect {
	uint64_t idx[4096];
	unsigned n;
	unsigned stop_after;
};

static int collect_cb(void *ctx, uint64_t index)
{
	struct collect *c = ctx;
	ASSERT(c->n < 4096);
	c->idx[c->n++] = index;
	return c->stop_after && c->n >= c->stop_after ? 1 : 0;
}

static int state_cb(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v,
		    size_t vl)
{
	unsigned *n = ctx;
	ASSERT(kl > 2 && memcmp(k, "h/", 2) == 0);
	ASSERT(vl == 1 && v[0] == 'x');
	(*n)++;
	return 0;
}

static void test_basic(void)
{
	char dir[256];
	dir_path(dir, sizeof dir, "basic/nested");
	struct store *s;
	struct acc_err err;
	ASSERT_OK(store_open(&s, dir, &fast, &err));
	struct store_head h = head_of(s);
	ASSERT_EQ(h.height, 0);
	ASSERT_EQ(h.log_size, 0);
	uint8_t empty[32];
	merkle_empty_root(empty);
	ASSERT_MEM_EQ(h.log_root, empty, 32);

	/* Metadata and the signing state. */
	uint8_t buf[64];
	size_t len;
	ASSERT_EQ(store_meta_get(s, "genesis", buf, sizeof buf, &len, &err),
		  ACC_ENOTFOUND);
	ASSERT_OK(store_meta_put(s, "genesis", "0123456789abcdef", 16, &err));
	ASSERT_OK(store_meta_get(s, "genesis", buf, sizeof buf, &len, &err));
	ASSERT_EQ(len, 16);
	ASSERT_MEM_EQ(buf, "0123456789abcdef", 16);
	ASSERT_EQ(store_meta_get(s, "genesis", buf, 4, &len, &err),
		  ACC_ETOOBIG);
	ASSERT_EQ(store_meta_put(s, "store.format", "x", 1, &err), ACC_EINVAL);
	ASSERT_EQ(store_sign_state_get(s, buf, sizeof buf, &len, &err),
		  ACC_ENOTFOUND);
	ASSERT_OK(store_sign_state_put(s, "h1r0s2", 6, &err));
	ASSERT_OK(store_sign_state_put(s, "h2r0s2", 6, &err));
	ASSERT_OK(store_sign_state_get(s, buf, sizeof buf, &len, &err));
	ASSERT_EQ(len, 6);
	ASSERT_MEM_EQ(buf, "h2r0s2", 6);

	static struct test_block tb;
	struct apply_ctx ac = {0, 0};
	uint64_t first = 0;
	const uint32_t counts[] = {3, 0, 7};
	for (uint64_t height = 1; height <= 3; height++) {
		uint32_t n = counts[height - 1];
		block_make(s, &tb, height, first, n, 1);
		ac.height = height;
		tb.in.apply = apply_cb;
		tb.in.apply_ctx = &ac;
		ASSERT_OK(store_block_commit(s, &tb.in, &err));
		first += n;
	}

	struct store_rtxn *t;
	ASSERT_OK(store_read_begin(s, &t, &err));
	ASSERT_OK(store_head_get(t, &h));
	ASSERT_EQ(h.height, 3);
	ASSERT_EQ(h.log_size, 10);
	ASSERT_MEM_EQ(h.log_root, tb.in.log_root, 32);
	ASSERT_MEM_EQ(h.block_hash, tb.in.hash, 32);
	for (uint64_t height = 1; height <= 3; height++) {
		const uint8_t *hd, *ce;
		size_t hl, cl;
		uint64_t fi;
		uint32_t ec;
		ASSERT_OK(
		    store_block_get(t, height, &hd, &hl, &ce, &cl, &fi, &ec));
		ASSERT_EQ(hl, 48);
		ASSERT_U64_EQ(be64_get(hd), height);
		ASSERT_EQ(ec, counts[height - 1]);
		ASSERT_U64_EQ(fi, height == 1 ? 0 : height == 2 ? 3 : 3);
		/* The stored certificate of a block is the canonical one its
		 * successor carried; the head keeps its own. */
		char want[24];
		if (height < 3)
			snprintf(want, sizeof want, "canon-%llu",
				 (unsigned long long)height);
		else
			snprintf(want, sizeof want, "cert-%llu",
				 (unsigned long long)height);
		ASSERT_EQ(cl, strlen(want));
		ASSERT_MEM_EQ(ce, want, cl);
		ASSERT_OK(store_block_last_cert(t, height, &ce, &cl));
		if (height == 1) {
			ASSERT_EQ(cl, 0);
		} else {
			snprintf(want, sizeof want, "canon-%llu",
				 (unsigned long long)height - 1);
			ASSERT_EQ(cl, strlen(want));
			ASSERT_MEM_EQ(ce, want, cl);
		}
		struct store_block_info bi;
		ASSERT_OK(store_block_info_get(t, height, &bi));
		ASSERT_U64_EQ(bi.log_size, fi + ec);
	}
	ASSERT_EQ(store_block_get(t, 4, NULL, NULL, NULL, NULL, NULL, NULL),
		  ACC_ENOTFOUND);
	ASSERT_EQ(store_block_get(t, 0, NULL, NULL, NULL, NULL, NULL, NULL),
		  ACC_ENOTFOUND);

	/* Entries: bytes, id lookups, heights. */
	for (uint64_t i = 0; i < 10; i++) {
		const uint8_t *b;
		size_t bl;
		ASSERT_OK(store_entry_get(t, i, &b, &bl));
		ASSERT_U64_EQ(be64_get(b), i);
		uint8_t id[32], id2[32];
		merkle_leaf_hash(id, b, bl);
		ASSERT_OK(store_entry_id(t, i, id2));
		ASSERT_MEM_EQ(id, id2, 32);
		uint64_t idx, height;
		ASSERT_OK(store_entry_find(t, id, &idx));
		ASSERT_U64_EQ(idx, i);
		ASSERT_OK(store_entry_height(t, i, &height));
		ASSERT_U64_EQ(height, i < 3 ? 1 : 3);
	}
	const uint8_t *b;
	size_t bl;
	ASSERT_EQ(store_entry_get(t, 10, &b, &bl), ACC_ENOTFOUND);
	uint8_t zero[32] = {0};
	uint64_t idx;
	ASSERT_EQ(store_entry_find(t, zero, &idx), ACC_ENOTFOUND);

	/* Indexes, in log order, with from and limit. */
	struct collect c = {0};
	ASSERT_OK(store_party_entries(t, "CN-BJ", 0, 100, collect_cb, &c));
	ASSERT_EQ(c.n, 3); /* 0, 4, 8 */
	ASSERT_EQ(c.idx[0], 0);
	ASSERT_EQ(c.idx[1], 4);
	ASSERT_EQ(c.idx[2], 8);
	c.n = 0;
	ASSERT_OK(store_party_entries(t, "CN-BJ", 1, 1, collect_cb, &c));
	ASSERT_EQ(c.n, 1);
	ASSERT_EQ(c.idx[0], 4);
	c.n = 0;
	ASSERT_OK(store_party_entries(t, "CN-B", 0, 100, collect_cb, &c));
	ASSERT_EQ(c.n, 0); /* a prefix of a party id is another party */
	ASSERT_EQ(store_party_entries(t, "", 0, 100, collect_cb, &c),
		  ACC_EINVAL);
	c.n = 0;
	ASSERT_OK(
	    store_agreement_entries(t, agreement_a, 0, 100, collect_cb, &c));
	ASSERT_EQ(c.n, 4); /* 0, 3, 6, 9 */
	ASSERT_EQ(c.idx[3], 9);
	c.n = 0;
	c.stop_after = 1;
	ASSERT_OK(
	    store_agreement_entries(t, agreement_b, 0, 100, collect_cb, &c));
	ASSERT_EQ(c.n, 1);
	ASSERT_EQ(c.idx[0], 5);

	/* Derived state. */
	const uint8_t *v;
	size_t vl;
	ASSERT_OK(store_state_get(t, "count", 5, &v, &vl));
	ASSERT_U64_EQ(be64_get(v), 3);
	ASSERT_EQ(store_state_get(t, "tmp", 3, &v, &vl), ACC_ENOTFOUND);
	unsigned ns = 0;
	ASSERT_OK(store_state_iter(t, "h/", 2, state_cb, &ns));
	ASSERT_EQ(ns, 3);
	store_read_end(t);

	/* A failing apply aborts the block. */
	block_make(s, &tb, 4, 10, 2, 1);
	ac.fail = 1;
	tb.in.apply = apply_cb;
	tb.in.apply_ctx = &ac;
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_ERULE);
	h = head_of(s);
	ASSERT_EQ(h.height, 3);
	ASSERT_EQ(h.log_size, 10);
	store_close(s);
}

/* ---- refusals leave nothing behind -------------------------------------- */

static void assert_nothing_of(struct store *s, const struct test_block *tb,
			      uint64_t height, uint64_t log_size)
{
	struct store_rtxn *t;
	ASSERT_OK(store_read_begin(s, &t, NULL));
	struct store_head h;
	ASSERT_OK(store_head_get(t, &h));
	ASSERT_EQ(h.height, height);
	ASSERT_EQ(h.log_size, log_size);
	for (uint32_t k = 0; k < tb->in.entry_count; k++) {
		uint64_t idx;
		int rc = store_entry_find(t, tb->e[k].id, &idx);
		/* Only ids committed earlier may be found, at their old place.
		 */
		if (rc == 0)
			ASSERT(idx < log_size);
		else
			ASSERT_EQ(rc, ACC_ENOTFOUND);
	}
	struct collect c = {0};
	ASSERT_OK(
	    store_party_entries(t, "CN-BJ", log_size, 100, collect_cb, &c));
	ASSERT_EQ(c.n, 0);
	store_read_end(t);
}

static void test_refusals(void)
{
	char dir[256];
	dir_path(dir, sizeof dir, "refusals");
	struct store *s;
	struct acc_err err;
	ASSERT_OK(store_open(&s, dir, &fast, &err));
	static struct test_block tb;
	block_make(s, &tb, 1, 0, 5, 2);
	ASSERT_OK(store_block_commit(s, &tb.in, &err));
	/* The id of entry 2 of block 1, to replay. */
	uint8_t replay_bytes[ENTRY_LEN_MAX];
	size_t replay_len = tb.e[2].len;
	memcpy(replay_bytes, tb.bytes[2], replay_len);

	/* Wrong height: too high, too low. */
	block_make(s, &tb, 3, 5, 4, 2);
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_ECHAIN);
	assert_nothing_of(s, &tb, 1, 5);
	block_make(s, &tb, 1, 5, 4, 2);
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_ECHAIN);
	assert_nothing_of(s, &tb, 1, 5);

	/* Wrong claimed root, wrong claimed size. */
	block_make(s, &tb, 2, 5, 4, 2);
	tb.in.log_root[0] ^= 1;
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_EMISMATCH);
	assert_nothing_of(s, &tb, 1, 5);
	block_make(s, &tb, 2, 5, 4, 2);
	tb.in.log_size++;
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_EMISMATCH);
	assert_nothing_of(s, &tb, 1, 5);

	/* An id that is not the leaf hash of its bytes. */
	block_make(s, &tb, 2, 5, 4, 2);
	tb.e[1].id[3] ^= 1;
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_EMISMATCH);

	/* A replayed entry (already in the log) as the last of the block:
	 * nothing of the block may remain. */
	block_make(s, &tb, 2, 5, 4, 2);
	memcpy(tb.bytes[3], replay_bytes, replay_len);
	tb.e[3].len = replay_len;
	merkle_leaf_hash(tb.e[3].id, replay_bytes, replay_len);
	{
		uint8_t ids[4][32];
		for (int k = 0; k < 4; k++)
			memcpy(ids[k], tb.e[k].id, 32);
		ASSERT_OK(store_log_root_after(s, (const uint8_t(*)[32])ids, 4,
					       tb.in.log_root,
					       &tb.in.log_size));
	}
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_EDUP);
	ASSERT(strstr(err.msg, "index 2") != NULL);
	assert_nothing_of(s, &tb, 1, 5);

	/* The same entry twice in one block. */
	block_make(s, &tb, 2, 5, 4, 2);
	memcpy(tb.bytes[2], tb.bytes[1], tb.e[1].len);
	tb.e[2].len = tb.e[1].len;
	memcpy(tb.e[2].id, tb.e[1].id, 32);
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_EDUP);
	assert_nothing_of(s, &tb, 1, 5);

	/* Bad sizes. */
	block_make(s, &tb, 2, 5, 4, 2);
	tb.in.header_len = 0;
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_ETOOBIG);
	block_make(s, &tb, 2, 5, 4, 2);
	tb.e[0].len = ENTRY_BYTES_MAX + 1;
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_ETOOBIG);
	block_make(s, &tb, 2, 5, 4, 2);
	tb.in.entry_count = BLOCK_ENTRIES_MAX + 1;
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_ETOOBIG);

	/* The frontier was not disturbed: the right block still commits. */
	block_make(s, &tb, 2, 5, 4, 2);
	ASSERT_OK(store_block_commit(s, &tb.in, &err));
	struct store_head h = head_of(s);
	ASSERT_EQ(h.height, 2);
	ASSERT_EQ(h.log_size, 9);
	store_close(s);
}

/* ---- proofs from storage on a log of thousands of entries --------------- */

static uint64_t rand64(uint64_t bound)
{
	uint64_t r = ((uint64_t)rand() << 31) ^ (uint64_t)rand();
	return r % bound;
}

static void check_proofs(struct store *s, unsigned pairs)
{
	struct store_rtxn *t;
	ASSERT_OK(store_read_begin(s, &t, NULL));
	struct store_head h;
	ASSERT_OK(store_head_get(t, &h));
	uint64_t n = h.log_size;
	ASSERT(n > 0);
	/* Every stored root equals a root recomputed from the entries. */
	uint8_t(*leaves)[32] = malloc((size_t)n * 32);
	ASSERT(leaves != NULL);
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *b;
		size_t bl;
		ASSERT_OK(store_entry_get(t, i, &b, &bl));
		merkle_leaf_hash(leaves[i], b, bl);
	}
	uint8_t root[32];
	ASSERT_OK(merkle_root_compute(root, (const uint8_t(*)[32])leaves, n));
	ASSERT_MEM_EQ(root, h.log_root, 32);
	uint8_t sr[32];
	ASSERT_OK(store_root_at(t, n, sr));
	ASSERT_MEM_EQ(sr, root, 32);
	ASSERT_EQ(store_root_at(t, n + 1, sr), ACC_ERANGE);

	uint8_t p[MERKLE_PROOF_HASHES_MAX][32];
	size_t c;
	for (unsigned k = 0; k < pairs; k++) {
		uint64_t size = 1 + rand64(n);
		uint64_t index = rand64(size);
		uint8_t r[32], want[32];
		ASSERT_OK(store_root_at(t, size, r));
		if (k % 50 == 0) {
			ASSERT_OK(merkle_root_compute(
			    want, (const uint8_t(*)[32])leaves, size));
			ASSERT_MEM_EQ(r, want, 32);
		}
		ASSERT_OK(store_proof_inclusion(t, index, size, p, &c));
		/* The entry bytes hash to the proven leaf. */
		const uint8_t *b;
		size_t bl;
		ASSERT_OK(store_entry_get(t, index, &b, &bl));
		uint8_t lh[32];
		merkle_leaf_hash(lh, b, bl);
		ASSERT_OK(merkle_inclusion_verify(
		    index, size, lh, (const uint8_t(*)[32])p, c, r));
		p[0][0] ^= c > 0 ? 1 : 0;
		if (c > 0)
			ASSERT_EQ(
			    merkle_inclusion_verify(
				index, size, lh, (const uint8_t(*)[32])p, c, r),
			    ACC_EPROOF);

		uint64_t m = 1 + rand64(size);
		uint8_t rm[32];
		ASSERT_OK(store_root_at(t, m, rm));
		ASSERT_OK(store_proof_consistency(t, m, size, p, &c));
		ASSERT_OK(merkle_consistency_verify(
		    m, size, rm, r, (const uint8_t(*)[32])p, c));
		if (c > 0) {
			p[c - 1][31] ^= 1;
			ASSERT_EQ(
			    merkle_consistency_verify(
				m, size, rm, r, (const uint8_t(*)[32])p, c),
			    ACC_EPROOF);
		}
	}
	ASSERT_EQ(store_proof_inclusion(t, 0, n + 1, p, &c), ACC_ERANGE);
	ASSERT_EQ(store_proof_consistency(t, 1, n + 1, p, &c), ACC_ERANGE);
	ASSERT_EQ(store_proof_consistency(t, 0, n, p, &c), ACC_EINVAL);
	ASSERT_EQ(store_proof_inclusion(t, n, n, p, &c), ACC_EINVAL);
	free(leaves);
	store_read_end(t);
}

static void test_proofs_and_reopen(void)
{
	char dir[256];
	dir_path(dir, sizeof dir, "big");
	struct store *s;
	struct acc_err err;
	ASSERT_OK(store_open(&s, dir, &fast, &err));
	static struct test_block tb;
	/* About 5,400 leaves over 60 blocks of 0..180 entries. */
	while (head_of(s).log_size < 5000)
		commit_blocks(s, &tb, 10, 180, 3);
	struct store_head before = head_of(s);
	fprintf(stderr, "  log: %llu blocks, %llu entries\n",
		(unsigned long long)before.height,
		(unsigned long long)before.log_size);
	check_proofs(s, 2000);
	store_close(s);

	/* Reopen: same head, same root, and the frontier goes on. */
	ASSERT_OK(store_open(&s, dir, &fast, &err));
	struct store_head after = head_of(s);
	ASSERT_MEM_EQ(&before, &after, sizeof before);
	commit_blocks(s, &tb, 3, 50, 3);
	check_proofs(s, 200);
	struct store_head h2 = head_of(s);
	store_close(s);

	/* Read-only open of a copy (data file only, no lock file). */
	char copy[256], cmd[1100];
	dir_path(copy, sizeof copy, "copy");
	snprintf(cmd, sizeof cmd, "mkdir -p %s && cp %s/data.mdb %s/", copy,
		 dir, copy);
	ASSERT_EQ(system(cmd), 0);
	ASSERT_OK(store_open_readonly(&s, copy, &err));
	struct store_head h3 = head_of(s);
	ASSERT_MEM_EQ(&h2, &h3, sizeof h2);
	check_proofs(s, 100);
	block_make(s, &tb, h3.height + 1, h3.log_size, 1, 3);
	ASSERT_EQ(store_block_commit(s, &tb.in, &err), ACC_ESTATE);
	ASSERT_EQ(store_sign_state_put(s, "x", 1, &err), ACC_ESTATE);
	/* Metadata reads while a read transaction is open (the audit does). */
	{
		struct store_rtxn *t;
		ASSERT_OK(store_read_begin(s, &t, &err));
		uint8_t g[32];
		size_t gl;
		ASSERT_EQ(store_meta_get(s, "genesis", g, sizeof g, &gl, &err),
			  ACC_ENOTFOUND);
		store_read_end(t);
	}
	store_close(s);
	/* And of a directory the auditor may not write to. */
	snprintf(cmd, sizeof cmd, "chmod 0500 %s", copy);
	ASSERT_EQ(system(cmd), 0);
	ASSERT_OK(store_open_readonly(&s, copy, &err));
	h3 = head_of(s);
	ASSERT_MEM_EQ(&h2, &h3, sizeof h2);
	store_close(s);
	snprintf(cmd, sizeof cmd, "chmod 0700 %s", copy);
	ASSERT_EQ(system(cmd), 0);
	/* Not a store at all. */
	dir_path(copy, sizeof copy, "nothing");
	ASSERT_NE(store_open_readonly(&s, copy, &err), 0);
}

/* ---- the on-disk layout (specs/storage.md §2.4) ------------------------- */

static MDB_val raw_get(MDB_env *env, const char *db, const void *k, size_t kl)
{
	MDB_txn *txn;
	ASSERT_EQ(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	MDB_dbi dbi;
	ASSERT_EQ(mdb_dbi_open(txn, db, 0, &dbi), 0);
	MDB_val key = {kl, (void *)k}, val = {0, NULL};
	int rc = mdb_get(txn, dbi, &key, &val);
	static uint8_t copy[70000];
	if (rc == 0) {
		ASSERT(val.mv_size <= sizeof copy);
		memcpy(copy, val.mv_data, val.mv_size);
		val.mv_data = copy;
	} else {
		val.mv_size = (size_t)-1;
	}
	mdb_txn_abort(txn);
	return val;
}

static void test_layout(void)
{
	char dir[256];
	dir_path(dir, sizeof dir, "big"); /* closed by now; > 256 entries */
	MDB_env *env;
	ASSERT_EQ(mdb_env_create(&env), 0);
	ASSERT_EQ(mdb_env_set_maxdbs(env, 16), 0);
	ASSERT_EQ(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	uint8_t key[16];

	/* Format version. */
	MDB_val v = raw_get(env, "meta", "store.format", 12);
	ASSERT_EQ(v.mv_size, 4);
	ASSERT_MEM_EQ(v.mv_data, "\x00\x00\x00\x01", 4);

	/* Entries row 0: height 1 then the bytes. */
	memset(key, 0, 8);
	v = raw_get(env, "entries", key, 8);
	ASSERT(v.mv_size > 8);
	ASSERT_MEM_EQ(v.mv_data, "\0\0\0\0\0\0\0\x01", 8);

	/* Merkle node (5, 7): key 050000000000000007, the root of leaves
	 * 224..255 recomputed from the entries rows. */
	uint8_t nk[9] = {0x05, 0, 0, 0, 0, 0, 0, 0, 0x07};
	v = raw_get(env, "nodes", nk, sizeof nk);
	ASSERT_EQ(v.mv_size, 32);
	uint8_t node[32];
	memcpy(node, v.mv_data, 32);
	uint8_t leaves[32][32];
	for (unsigned i = 0; i < 32; i++) {
		be64_put(key, 224 + i);
		v = raw_get(env, "entries", key, 8);
		ASSERT(v.mv_size > 8);
		merkle_leaf_hash(leaves[i], (uint8_t *)v.mv_data + 8,
				 v.mv_size - 8);
	}
	uint8_t want[32];
	ASSERT_OK(merkle_root_compute(want, (const uint8_t(*)[32])leaves, 32));
	ASSERT_MEM_EQ(node, want, 32);

	/* Party row CN-BJ at index 4: key 05434e2d424a0000000000000004. */
	const uint8_t pk[] = {0x05, 'C', 'N', '-', 'B', 'J', 0,
			      0,    0,	 0,   0,   0,	0,   4};
	v = raw_get(env, "party", pk, sizeof pk);
	ASSERT_EQ(v.mv_size, 0);
	mdb_env_close(env);
}

/* ---- kill -9 while committing ------------------------------------------- */

/* Everything a reopened store must satisfy after a crash: the head is a
 * whole block, every block's entries are there, every block's root is the
 * root recomputed from the entries. */
static void check_consistent(struct store *s)
{
	struct store_rtxn *t;
	ASSERT_OK(store_read_begin(s, &t, NULL));
	struct store_head h;
	ASSERT_OK(store_head_get(t, &h));
	struct merkle_frontier f;
	merkle_frontier_init(&f);
	uint64_t next = 0;
	for (uint64_t height = 1; height <= h.height; height++) {
		struct store_block_info bi;
		ASSERT_OK(store_block_info_get(t, height, &bi));
		ASSERT_U64_EQ(bi.first_index, next);
		for (uint32_t k = 0; k < bi.entry_count; k++) {
			const uint8_t *b;
			size_t bl;
			ASSERT_OK(store_entry_get(t, next + k, &b, &bl));
			uint8_t lh[32];
			merkle_leaf_hash(lh, b, bl);
			ASSERT_OK(merkle_frontier_append(&f, lh, NULL, NULL));
			uint64_t eh;
			ASSERT_OK(store_entry_height(t, next + k, &eh));
			ASSERT_U64_EQ(eh, height);
		}
		next += bi.entry_count;
		uint8_t r[32];
		merkle_frontier_root(&f, r);
		ASSERT_U64_EQ(f.size, bi.log_size);
		ASSERT_MEM_EQ(r, bi.log_root, 32);
	}
	ASSERT_U64_EQ(next, h.log_size);
	/* Nothing past the head. */
	const uint8_t *b;
	size_t bl;
	ASSERT_EQ(store_entry_get(t, next, &b, &bl), ACC_ENOTFOUND);
	ASSERT_EQ(store_block_info_get(t, h.height + 1,
				       &(struct store_block_info){0}),
		  ACC_ENOTFOUND);
	store_read_end(t);
}

/* ---- the signing record's file (specs/storage.md §7) -------------------- */

static void slot_read(const char *dir, int i, uint8_t *out)
{
	char path[300];
	snprintf(path, sizeof path, "%s/sign_state", dir);
	FILE *f = fopen(path, "rb");
	ASSERT(f != NULL);
	ASSERT_EQ(fseek(f, (long)i * STORE_SIGN_SLOT_BYTES, SEEK_SET), 0);
	ASSERT_EQ(fread(out, 1, STORE_SIGN_SLOT_BYTES, f),
		  STORE_SIGN_SLOT_BYTES);
	fclose(f);
}

static void slot_write_byte(const char *dir, long off, uint8_t b)
{
	char path[300];
	snprintf(path, sizeof path, "%s/sign_state", dir);
	FILE *f = fopen(path, "r+b");
	ASSERT(f != NULL);
	ASSERT_EQ(fseek(f, off, SEEK_SET), 0);
	ASSERT_EQ(fwrite(&b, 1, 1, f), 1);
	fclose(f);
}

struct signed_seen {
	int n;
	uint64_t height[4];
	uint8_t first[4];
	size_t len[4];
};

static void signed_cb(void *ctx, const struct store_sign_block *b)
{
	struct signed_seen *ss = ctx;
	ASSERT(ss->n < 4);
	ss->height[ss->n] = b->height;
	ss->first[ss->n] = b->bytes[0];
	ss->len[ss->n] = b->len;
	ss->n++;
}

static struct signed_seen signed_list(struct store *s)
{
	struct signed_seen ss = {0};
	struct acc_err err;
	ASSERT_OK(store_sign_blocks_list(s, signed_cb, &ss, &err));
	return ss;
}

/* specs/storage.md §7.1: the record with its blocks, one write. The
 * vector; the blocks read back with the newest record; a record without
 * blocks has none; a cut area invalidates its slot and the one before
 * (record and blocks) reads back; bad framing and bounds refused. */
static void test_sign_blocks(void)
{
	char dir[256];
	dir_path(dir, sizeof dir, "sign-blocks");
	struct store *s;
	struct acc_err err;
	ASSERT_OK(store_open(&s, dir, &durable, &err));
	struct store_sign_block b = {.height = 5, .bytes = (const uint8_t *)"blk",
				     .len = 3};
	memset(b.hash, 0x11, 32);
	ASSERT_OK(store_sign_state_put_blocks(s, "abc", 3, &b, 1, &err));
	store_close(s);
	/* The vector: slot 1, then its area at 2 slots + 1 area. */
	static uint8_t slot[STORE_SIGN_SLOT_BYTES];
	slot_read(dir, 1, slot);
	static const char *want_hex =
	    "415347320000000000000001000000030000002f"
	    "f8bfec11ed561532d28022f8403069fef895f7d3b3662877195006ac9d56d01d"
	    "616263";
	uint8_t want[55];
	ASSERT_EQ(strlen(want_hex), 2 * sizeof want);
	ASSERT_OK(hex_decode(want, sizeof want, want_hex));
	ASSERT_MEM_EQ(slot, want, sizeof want);
	char path[300];
	snprintf(path, sizeof path, "%s/sign_state", dir);
	FILE *f = fopen(path, "rb");
	ASSERT(f != NULL);
	uint8_t area[47];
	ASSERT_EQ(fseek(f, 50376704L, SEEK_SET), 0);
	ASSERT_EQ(fread(area, 1, sizeof area, f), sizeof area);
	fclose(f);
	ASSERT_EQ(be64_get(area), 5);
	ASSERT_EQ(area[8], 0x11);
	ASSERT_EQ(area[39], 0x11);
	ASSERT_EQ(be32_get(area + 40), 3);
	ASSERT_MEM_EQ(area + 44, "blk", 3);
	/* Decoders: the slot alone is refused (its sum covers the area);
	 * with the area it verifies; the area frames one block. */
	uint64_t seq;
	const uint8_t *p;
	size_t len;
	ASSERT_EQ(store_sign_slot_decode(slot, sizeof slot, &seq, &p, &len),
		  ACC_EDECODE);
	struct store_sign_slot sl;
	ASSERT_OK(store_sign_slot_parse(slot, sizeof slot, &sl));
	ASSERT_EQ(sl.version, 2);
	ASSERT_EQ(sl.seq, 1);
	ASSERT_EQ(sl.area_len, 47);
	ASSERT_OK(store_sign_slot_verify(slot, &sl, area));
	area[46] ^= 1;
	ASSERT_EQ(store_sign_slot_verify(slot, &sl, area), ACC_EDECODE);
	area[46] ^= 1;
	size_t off = 0;
	struct store_sign_block got;
	ASSERT_OK(store_sign_area_next(area, sizeof area, &off, &got));
	ASSERT_EQ(got.height, 5);
	ASSERT_EQ(got.len, 3);
	ASSERT_EQ(store_sign_area_next(area, sizeof area, &off, &got),
		  ACC_ENOTFOUND);
	off = 0;
	ASSERT_EQ(store_sign_area_next(area, 46, &off, &got), ACC_EDECODE);
	be32_put(area + 40, 0);
	off = 0;
	ASSERT_EQ(store_sign_area_next(area, sizeof area, &off, &got),
		  ACC_EDECODE);
	be32_put(slot + 16, STORE_SIGN_AREA_BYTES + 1u);
	ASSERT_EQ(store_sign_slot_parse(slot, sizeof slot, &sl), ACC_EDECODE);
	ASSERT_EQ(store_sign_slot_parse(slot, 51, &sl), ACC_EDECODE);

	/* Reopened: the record and its block. Two blocks with the next
	 * record (slot 0); then a record without blocks has none. */
	ASSERT_OK(store_open(&s, dir, &durable, &err));
	uint8_t buf[16];
	ASSERT_OK(store_sign_state_get(s, buf, sizeof buf, &len, &err));
	ASSERT_MEM_EQ(buf, "abc", 3);
	struct signed_seen ss = signed_list(s);
	ASSERT_EQ(ss.n, 1);
	ASSERT_EQ(ss.height[0], 5);
	ASSERT_EQ(ss.first[0], 'b');
	static uint8_t big[300000];
	memset(big, 'B', sizeof big);
	struct store_sign_block two[2] = {
	    {.height = 6, .bytes = (const uint8_t *)"x", .len = 1},
	    {.height = 6, .bytes = big, .len = sizeof big}};
	ASSERT_OK(store_sign_state_put_blocks(s, "rec-2", 5, two, 2, &err));
	ss = signed_list(s);
	ASSERT_EQ(ss.n, 2);
	ASSERT_EQ(ss.first[0], 'x');
	ASSERT_EQ(ss.len[1], sizeof big);
	ASSERT_OK(store_sign_state_put(s, "rec-3", 5, &err));
	ss = signed_list(s);
	ASSERT_EQ(ss.n, 0);
	/* Bounds: too many blocks, an empty one. */
	struct store_sign_block four[4] = {two[0], two[0], two[0], two[0]};
	ASSERT_EQ(store_sign_state_put_blocks(s, "r", 1, four, 4, &err),
		  ACC_ETOOBIG);
	struct store_sign_block empty = {.height = 1, .bytes = big, .len = 0};
	ASSERT_EQ(store_sign_state_put_blocks(s, "r", 1, &empty, 1, &err),
		  ACC_EINVAL);
	ASSERT_OK(store_sign_state_put_blocks(s, "rec-4", 5, two, 2, &err));
	store_close(s);
	/* rec-4 (seq 4) is in slot 0 with its area 0; a byte of that area
	 * damaged (a write cut before its sync returned): slot 0 is
	 * invalid, rec-3 (slot 1, no blocks) reads back, and the next write
	 * goes to slot 0 again. */
	slot_write_byte(dir, 2L * STORE_SIGN_SLOT_BYTES + 44 + 1 + 44 + 7,
			'Z');
	ASSERT_OK(store_open(&s, dir, &durable, &err));
	ASSERT_OK(store_sign_state_get(s, buf, sizeof buf, &len, &err));
	ASSERT_MEM_EQ(buf, "rec-3", 5);
	ss = signed_list(s);
	ASSERT_EQ(ss.n, 0);
	ASSERT_OK(store_sign_state_put_blocks(s, "rec-5", 5, two, 1, &err));
	store_close(s);
	slot_read(dir, 0, slot);
	ASSERT_OK(store_sign_slot_parse(slot, sizeof slot, &sl));
	ASSERT_EQ(sl.seq, 4);
	ASSERT_MEM_EQ(sl.rec, "rec-5", 5);
}

static void test_sign_file(void)
{
	char dir[256];
	dir_path(dir, sizeof dir, "sign");
	struct store *s;
	struct acc_err err = {0};
	uint8_t buf[64];
	size_t len = 0;
	/* no_sync does not apply to the record: it is synced always. */
	ASSERT_OK(store_open(&s, dir, &fast, &err));
	ASSERT_EQ(store_sign_state_get(s, buf, sizeof buf, &len, &err),
		  ACC_ENOTFOUND);
	ASSERT_OK(store_sign_state_put(s, "abc", 3, &err));
	ASSERT_OK(store_sign_state_put(s, "rec-22", 6, &err));
	store_close(s);

	/* The layout: seq 1 in slot 1, seq 2 in slot 0; magic, seq, len,
	 * SHA-256 over the head's 16 bytes and the record, the record. */
	static uint8_t slot[STORE_SIGN_SLOT_BYTES];
	slot_read(dir, 1, slot);
	uint8_t want[48 + 3] = {'A', 'S', 'G', '1', 0, 0, 0, 0, 0, 0, 0, 1,
				0, 0, 0, 3};
	memcpy(want + 48, "abc", 3);
	uint8_t msg[19];
	memcpy(msg, want, 16);
	memcpy(msg + 16, "abc", 3);
	sha256(want + 16, msg, sizeof msg);
	ASSERT_MEM_EQ(slot, want, sizeof want);
	uint64_t seq;
	const uint8_t *p;
	ASSERT_OK(store_sign_slot_decode(slot, sizeof slot, &seq, &p, &len));
	ASSERT_EQ(seq, 1);
	ASSERT_EQ(len, 3);
	ASSERT_MEM_EQ(p, "abc", 3);
	slot_read(dir, 0, slot);
	ASSERT_OK(store_sign_slot_decode(slot, sizeof slot, &seq, &p, &len));
	ASSERT_EQ(seq, 2);
	ASSERT_MEM_EQ(p, "rec-22", 6);
	/* Bad slots: short, never written, a flipped byte, seq 0, a length
	 * past the bound or the bytes given. */
	ASSERT_EQ(store_sign_slot_decode(slot, 47, &seq, &p, &len),
		  ACC_ENOTFOUND);
	ASSERT_EQ(store_sign_slot_decode(slot, 53, &seq, &p, &len),
		  ACC_EDECODE);
	slot[49] ^= 1;
	ASSERT_EQ(store_sign_slot_decode(slot, sizeof slot, &seq, &p, &len),
		  ACC_EDECODE);
	slot[49] ^= 1;
	memset(slot + 4, 0, 8);
	ASSERT_EQ(store_sign_slot_decode(slot, sizeof slot, &seq, &p, &len),
		  ACC_EDECODE);
	be64_put(slot + 4, 2);
	be32_put(slot + 12, STORE_SIGN_STATE_BYTES_MAX + 1u);
	ASSERT_EQ(store_sign_slot_decode(slot, sizeof slot, &seq, &p, &len),
		  ACC_EDECODE);
	memset(slot, 0, sizeof slot);
	ASSERT_EQ(store_sign_slot_decode(slot, sizeof slot, &seq, &p, &len),
		  ACC_ENOTFOUND);

	/* Reopened: the newest record; the next one goes to slot 1. */
	ASSERT_OK(store_open(&s, dir, &durable, &err));
	ASSERT_OK(store_sign_state_get(s, buf, sizeof buf, &len, &err));
	ASSERT_EQ(len, 6);
	ASSERT_MEM_EQ(buf, "rec-22", 6);
	ASSERT_EQ(store_sign_state_get(s, buf, 5, &len, &err), ACC_ETOOBIG);
	ASSERT_OK(store_sign_state_put(s, "third", 5, &err));
	ASSERT_OK(store_sign_state_get(s, buf, sizeof buf, &len, &err));
	ASSERT_MEM_EQ(buf, "third", 5);
	store_close(s);

	/* A write cut short (the newest slot torn): the record before it,
	 * the one whose sync returned last but one, is what reads back, and
	 * the next write reuses the torn slot. */
	slot_write_byte(dir, STORE_SIGN_SLOT_BYTES + 50, 'X');
	ASSERT_OK(store_open(&s, dir, &durable, &err));
	ASSERT_OK(store_sign_state_get(s, buf, sizeof buf, &len, &err));
	ASSERT_EQ(len, 6);
	ASSERT_MEM_EQ(buf, "rec-22", 6);
	ASSERT_OK(store_sign_state_put(s, "fourth", 6, &err));
	store_close(s);
	slot_read(dir, 1, slot);
	ASSERT_OK(store_sign_slot_decode(slot, sizeof slot, &seq, &p, &len));
	ASSERT_EQ(seq, 3);
	ASSERT_MEM_EQ(p, "fourth", 6);

	/* A data directory from before the file: the record an older
	 * version kept in LMDB's metadata reads back until the first put. */
	char legacy[256], path[300];
	dir_path(legacy, sizeof legacy, "sign-legacy");
	ASSERT_OK(store_open(&s, legacy, &durable, &err));
	store_close(s);
	snprintf(path, sizeof path, "%s/sign_state", legacy);
	ASSERT_EQ(unlink(path), 0);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	ASSERT_EQ(mdb_env_create(&env), 0);
	ASSERT_EQ(mdb_env_set_maxdbs(env, 16), 0);
	ASSERT_EQ(mdb_env_set_mapsize(env, (size_t)1 << 30), 0);
	ASSERT_EQ(mdb_env_open(env, legacy, 0, 0600), 0);
	ASSERT_EQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ASSERT_EQ(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	MDB_val k = {16, (void *)"store.sign_state"}, v = {3, (void *)"old"};
	ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
	ASSERT_EQ(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	ASSERT_OK(store_open(&s, legacy, &durable, &err));
	ASSERT_OK(store_sign_state_get(s, buf, sizeof buf, &len, &err));
	ASSERT_EQ(len, 3);
	ASSERT_MEM_EQ(buf, "old", 3);
	ASSERT_OK(store_sign_state_put(s, "new", 3, &err));
	ASSERT_OK(store_sign_state_get(s, buf, sizeof buf, &len, &err));
	ASSERT_MEM_EQ(buf, "new", 3);
	store_close(s);
}

static void test_crash(void)
{
	char dir[256];
	dir_path(dir, sizeof dir, "crash");
	uint64_t last_height = 0;
	for (int round = 0; round < 4; round++) {
		pid_t pid = fork();
		ASSERT(pid >= 0);
		if (pid == 0) {
			/* The child commits durably until it is killed. */
			struct store *s;
			struct acc_err err;
			if (store_open(&s, dir, &durable, &err) != 0)
				_exit(2);
			static struct test_block tb;
			srand((unsigned)getpid());
			for (;;)
				commit_blocks(s, &tb, 1, 40, (uint32_t)round);
		}
		struct timespec ts = {0, (long)(40 + rand() % 200) * 1000000L};
		nanosleep(&ts, NULL);
		ASSERT_EQ(kill(pid, SIGKILL), 0);
		int status;
		ASSERT_EQ(waitpid(pid, &status, 0), pid);
		ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		struct store *s;
		struct acc_err err;
		int rc = store_open(&s, dir, &durable, &err);
		if (rc != 0)
			FAIL_AT("reopen after kill: %s", err.msg);
		check_consistent(s);
		struct store_head h = head_of(s);
		fprintf(stderr, "  crash round %d: head %llu, %llu entries\n",
			round, (unsigned long long)h.height,
			(unsigned long long)h.log_size);
		ASSERT(h.height >= last_height);
		last_height = h.height;
		/* The reopened store goes on committing. */
		static struct test_block tb;
		commit_blocks(s, &tb, 1, 5, 99);
		last_height++;
		store_close(s);
	}
	ASSERT(last_height > 4);
}

struct pend_seen {
	int n;
	uint64_t height[8];
	uint8_t first[8];
	size_t len[8];
};

static void pend_cb(void *ctx, uint64_t height, const uint8_t hash[32],
		    const uint8_t *block, size_t len)
{
	struct pend_seen *ps = ctx;
	ASSERT(ps->n < 8);
	ASSERT_EQ(hash[0], block[0]); /* the test keys each block by byte 0 */
	ps->height[ps->n] = height;
	ps->first[ps->n] = block[0];
	ps->len[ps->n] = len;
	ps->n++;
}

/* Pending blocks (specs/storage.md §2.1): kept across a reopen, listed in
 * (height, hash) order from a height, pruned below one, apart from the
 * other metadata, larger than a metadata slot. */
static void test_pending(void)
{
	char dir[256];
	dir_path(dir, sizeof dir, "pending");
	struct store *s;
	struct acc_err err;
	ASSERT_OK(store_open(&s, dir, &fast, &err));
	ASSERT_OK(store_meta_put(s, "genesis", "g", 1, &err));
	ASSERT_OK(store_sign_state_put(s, "rec", 3, &err));
	static uint8_t big[200000];
	uint8_t hash[32] = {0};
	struct pend_seen ps = {0};
	ASSERT_OK(store_pending_list(s, 0, pend_cb, &ps, &err));
	ASSERT_EQ(ps.n, 0);
	/* (height, first byte = hash[0], length) */
	const struct {
		uint64_t h;
		uint8_t b;
		size_t len;
	} put[] = {{6, 0x20, 10}, {5, 0x90, 50}, {5, 0x10, sizeof big},
		   {7, 0x05, 1}};
	for (size_t i = 0; i < 4; i++) {
		memset(big, put[i].b, sizeof big);
		hash[0] = put[i].b;
		ASSERT_OK(store_pending_put(s, put[i].h, hash, big, put[i].len,
					    &err));
	}
	ASSERT_EQ(store_pending_put(s, 8, hash, big, 0, &err), ACC_EINVAL);
	store_close(s);

	ASSERT_OK(store_open(&s, dir, &fast, &err));
	ASSERT_OK(store_pending_list(s, 0, pend_cb, &ps, &err));
	ASSERT_EQ(ps.n, 4);
	ASSERT_EQ(ps.height[0], 5);
	ASSERT_EQ(ps.first[0], 0x10);
	ASSERT_EQ(ps.len[0], sizeof big);
	ASSERT_EQ(ps.height[1], 5);
	ASSERT_EQ(ps.first[1], 0x90);
	ASSERT_EQ(ps.height[2], 6);
	ASSERT_EQ(ps.height[3], 7);
	ASSERT_EQ(ps.len[3], 1);
	memset(&ps, 0, sizeof ps);
	ASSERT_OK(store_pending_list(s, 6, pend_cb, &ps, &err));
	ASSERT_EQ(ps.n, 2);
	ASSERT_EQ(ps.first[0], 0x20);
	/* Prune below 7: only height 7 is left; the other slots stay. */
	ASSERT_OK(store_pending_prune(s, 7, &err));
	memset(&ps, 0, sizeof ps);
	ASSERT_OK(store_pending_list(s, 0, pend_cb, &ps, &err));
	ASSERT_EQ(ps.n, 1);
	ASSERT_EQ(ps.height[0], 7);
	uint8_t buf[8];
	size_t len;
	ASSERT_OK(store_sign_state_get(s, buf, sizeof buf, &len, &err));
	ASSERT_EQ(len, 3);
	ASSERT_OK(store_meta_get(s, "genesis", buf, sizeof buf, &len, &err));
	ASSERT_EQ(len, 1);
	ASSERT_OK(store_pending_prune(s, UINT64_MAX, &err));
	memset(&ps, 0, sizeof ps);
	ASSERT_OK(store_pending_list(s, 0, pend_cb, &ps, &err));
	ASSERT_EQ(ps.n, 0);
	store_close(s);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	srand((unsigned)time(NULL));
	ASSERT(mkdtemp(base_dir) != NULL);
	sha256(agreement_a, "agreement A", 11);
	sha256(agreement_b, "agreement B", 11);
	RUN(test_basic);
	RUN(test_refusals);
	RUN(test_proofs_and_reopen);
	RUN(test_layout);
	RUN(test_sign_file);
	RUN(test_crash);
	RUN(test_pending);
	RUN(test_sign_blocks);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", base_dir);
	ASSERT_EQ(system(cmd), 0);
	return 0;
}
