/* test_cli_audit_window.c - the audit's read-ahead (specs/cli.md §8
 * "Speed") against a chain served from memory: results and failure lines
 * do not depend on the thread count, on whether the source's bytes
 * outlive its next block() call, or on where windows of blocks end; a
 * source that fails mid-chain is reported after every block before it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/audit.h"
#include "cli/build.h"
#include "cli/devnet.h"
#include "common/crypto.h"
#include "common/keyfile.h"
#include "common/merkle.h"
#include "common/vote.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "tests/test.h"
#include "tests/unit/test_cli_audit_fixture.h"

/* 17 pool jobs a block (16 entries and a certificate): the first window
 * of the read-ahead ends after block 61, the second holds 62..70. */
#define BLOCKS 70
#define PER_BLOCK 16
#define EDGE 61 /* the last block of the first window */

struct mblock {
	uint8_t header[BLOCK_HEADER_BYTES_MAX];
	size_t header_len;
	uint8_t cert[CERT_BYTES_MAX];
	size_t cert_len;
	uint8_t last_cert[CERT_BYTES_MAX];
	size_t last_cert_len;
	uint64_t first_index;
	uint8_t *entries[PER_BLOCK];
	size_t lens[PER_BLOCK];
	uint8_t ids[PER_BLOCK][HASH_BYTES];
	uint8_t hash[HASH_BYTES];
};

static char tmp[256], net[300];
static struct genesis g;
static struct keyfile vk;
static struct mblock chain[BLOCKS + 1]; /* 1-based */
static struct audit_head head;

/* A memory source. Unless stable, each block is served from a buffer
 * allocated for that call and freed at the next one, so a pointer the
 * audit keeps too long reads freed memory (ASan names it). */
struct msrc {
	const struct mblock *blocks;
	struct audit_head head;
	uint64_t fail_at; /* block() fails for this height (0: never) */
	uint8_t *buf;
	const uint8_t *ptrs[PER_BLOCK];
	size_t lens[PER_BLOCK];
	uint8_t ids[PER_BLOCK][HASH_BYTES];
};

static int msrc_head(void *ctx, struct audit_head *h, struct acc_err *err)
{
	struct msrc *m = ctx;
	(void)err;
	*h = m->head;
	return 0;
}

static uint8_t *put(uint8_t **p, const uint8_t *src, size_t n)
{
	uint8_t *at = *p;
	memcpy(at, src, n);
	*p += n;
	return at;
}

static int msrc_block(void *ctx, uint64_t height, struct audit_block *b,
		      struct acc_err *err)
{
	struct msrc *m = ctx;
	if (height == m->fail_at || height == 0 || height > m->head.height)
		return acc_err_set(err, ACC_ESTORE, "injected read failure");
	const struct mblock *c = &m->blocks[height];
	free(m->buf);
	m->buf = malloc(3 * CERT_BYTES_MAX + BLOCK_HEADER_BYTES_MAX +
			PER_BLOCK * ENTRY_BYTES_MAX);
	ASSERT(m->buf != NULL);
	uint8_t *p = m->buf;
	b->header = put(&p, c->header, c->header_len);
	b->header_len = c->header_len;
	b->cert = put(&p, c->cert, c->cert_len);
	b->cert_len = c->cert_len;
	b->last_cert = put(&p, c->last_cert, c->last_cert_len);
	b->last_cert_len = c->last_cert_len;
	b->first_index = c->first_index;
	b->entry_count = PER_BLOCK;
	for (size_t i = 0; i < PER_BLOCK; i++) {
		m->ptrs[i] = put(&p, c->entries[i], c->lens[i]);
		m->lens[i] = c->lens[i];
		memcpy(m->ids[i], c->ids[i], HASH_BYTES);
	}
	b->entries = m->ptrs;
	b->entry_lens = m->lens;
	b->ids = (const uint8_t(*)[HASH_BYTES])m->ids;
	return 0;
}

/* The stable flavour: the bytes are the chain's own, which last. */
static int msrc_block_stable(void *ctx, uint64_t height, struct audit_block *b,
			     struct acc_err *err)
{
	struct msrc *m = ctx;
	if (height == m->fail_at || height == 0 || height > m->head.height)
		return acc_err_set(err, ACC_ESTORE, "injected read failure");
	const struct mblock *c = &m->blocks[height];
	b->header = c->header;
	b->header_len = c->header_len;
	b->cert = c->cert;
	b->cert_len = c->cert_len;
	/* No bytes may come as NULL (block 1 carries no certificate). */
	b->last_cert = c->last_cert_len > 0 ? c->last_cert : NULL;
	b->last_cert_len = c->last_cert_len;
	b->first_index = c->first_index;
	b->entry_count = PER_BLOCK;
	for (size_t i = 0; i < PER_BLOCK; i++) {
		m->ptrs[i] = c->entries[i];
		m->lens[i] = c->lens[i];
		memcpy(m->ids[i], c->ids[i], HASH_BYTES);
	}
	b->entries = m->ptrs;
	b->entry_lens = m->lens;
	b->ids = (const uint8_t(*)[HASH_BYTES])m->ids;
	return 0;
}

static void msrc_close(void *ctx)
{
	struct msrc *m = ctx;
	free(m->buf);
	m->buf = NULL;
}

/* A certificate of block h (header hash `hash`) in round `round`. */
static void cert_make(uint8_t out[CERT_BYTES_MAX], size_t *len, uint64_t h,
		      uint32_t round, const uint8_t hash[HASH_BYTES])
{
	struct acc_err err = {0};
	struct cert c;
	uint8_t sig[SIG_BYTES];
	cert_init(&c, h, round, hash);
	ASSERT_OK(vote_sign(sig, &vk.key, g.chain_id, VOTE_PRECOMMIT, h, round,
			    hash));
	ASSERT_OK(cert_add_sig(&c, 0, sig, &err));
	ASSERT_OK(cert_encode(&c, out, len, &err));
}

static void chain_build(void)
{
	struct acc_err err = {0};
	struct devnet_keys keys;
	char path[400];
	ASSERT_OK(devnet_keys_load(&keys, net, &err));
	(void)snprintf(path, sizeof path, "%s/node0/validator.key", net);
	ASSERT_OK(keyfile_load(&vk, path, &err));
	struct merkle_frontier fr;
	merkle_frontier_init(&fr);
	for (uint64_t h = 1; h <= BLOCKS; h++) {
		struct mblock *b = &chain[h];
		b->first_index = fr.size;
		for (size_t i = 0; i < PER_BLOCK; i++) {
			const struct keyfile *kf =
			    devnet_keys_find(&keys, "party", g.parties[0].id);
			ASSERT(kf != NULL);
			struct entry e;
			if (h == 1 && i == 0)
				agreement_make(&e, &g);
			else
				report_make(&e, kf, h * 100 + i);
			ASSERT_OK(entry_sign(&e, &kf->key, g.chain_id, &err));
			ASSERT_OK(entry_encode(&e, &b->entries[i], &b->lens[i],
					       &err));
			entry_free(&e);
			entry_id(b->ids[i], b->entries[i], b->lens[i]);
			if (h == 1 && i == 0)
				memcpy(agreement_id, b->ids[i], HASH_BYTES);
			ASSERT_OK(
			    merkle_frontier_append(&fr, b->ids[i], NULL, NULL));
		}
		struct block_header hd;
		memset(&hd, 0, sizeof hd);
		hd.version = BLOCK_VERSION;
		(void)snprintf(hd.chain_id, sizeof hd.chain_id, "%s",
			       g.chain_id);
		hd.height = h;
		hd.time_ms = 1700000000000ull + h * 1000;
		memcpy(hd.prev_hash, h == 1 ? g.hash : chain[h - 1].hash,
		       HASH_BYTES);
		genesis_valset_hash(&g, hd.valset_hash);
		hd.entry_count = PER_BLOCK;
		hd.log_size = fr.size;
		merkle_frontier_root(&fr, hd.log_root);
		if (h > 1) {
			memcpy(b->last_cert, chain[h - 1].cert,
			       chain[h - 1].cert_len);
			b->last_cert_len = chain[h - 1].cert_len;
			cert_hash(b->last_cert, b->last_cert_len,
				  hd.last_cert_hash);
		}
		ASSERT_OK(
		    block_header_encode(&hd, b->header, &b->header_len, &err));
		block_hash(b->header, b->header_len, b->hash);
		cert_make(b->cert, &b->cert_len, h, 0, b->hash);
	}
	memset(&head, 0, sizeof head);
	head.height = BLOCKS;
	head.log_size = fr.size;
	merkle_frontier_root(&fr, head.log_root);
	head.has_genesis_hash = 1;
	memcpy(head.genesis_hash, g.hash, HASH_BYTES);
	devnet_keys_free(&keys);
}

struct run {
	int stable;
	size_t threads;
	size_t failures_max;
	uint64_t fail_at;
	const struct mblock *blocks; /* NULL: chain */
	const struct audit_head *head;
};

/* Audit; the failure lines go to out. Returns audit_run's rc. */
static int run_audit(const struct run *r, struct audit_result *res, char *out,
		     size_t cap)
{
	struct msrc m = {
	    .blocks = r->blocks ? r->blocks : chain,
	    .head = r->head ? *r->head : head,
	    .fail_at = r->fail_at,
	};
	struct audit_source src = {
	    .name = "memory source",
	    .head = msrc_head,
	    .block = r->stable ? msrc_block_stable : msrc_block,
	    .close = msrc_close,
	    .ctx = &m,
	    .bytes_stable = r->stable,
	};
	struct acc_err err = {0};
	memset(out, 0, cap);
	FILE *f = fmemopen(out, cap, "w");
	ASSERT(f != NULL);
	struct audit_opts o = {.g = &g,
			       .threads = r->threads,
			       .failures_max = r->failures_max,
			       .out = f};
	int rc = audit_run(&o, &src, res, &err);
	(void)fclose(f);
	src.close(src.ctx);
	return rc;
}

static size_t lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static struct mblock *chain_copy(void)
{
	struct mblock *c = malloc(sizeof chain);
	ASSERT(c != NULL);
	memcpy(c, chain, sizeof chain);
	return c;
}

static uint8_t *flipped[8];
static size_t nflipped;

/* Flip a byte of the signature of block h entry i in the copy c: the
 * entry still decodes and is filed under its new id, so its signature and
 * (once) the log root fail. */
static void entry_flip(struct mblock *c, uint64_t h, size_t i)
{
	uint8_t *e = malloc(c[h].lens[i]);
	ASSERT(e != NULL && nflipped < 8);
	memcpy(e, c[h].entries[i], c[h].lens[i]);
	e[c[h].lens[i] - 1] ^= 0x01;
	c[h].entries[i] = e;
	entry_id(c[h].ids[i], e, c[h].lens[i]);
	flipped[nflipped++] = e;
}

static void flipped_free(void)
{
	while (nflipped > 0)
		free(flipped[--nflipped]);
}

static void test_good_any_threads_and_source(void)
{
	static const struct run runs[] = {
	    {.stable = 0, .threads = 2},
	    {.stable = 1, .threads = 2},
	    {.stable = 0, .threads = 1},
	    {.stable = 1, .threads = 3},
	};
	for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
		char out[4096];
		struct audit_result res;
		ASSERT_OK(run_audit(&runs[k], &res, out, sizeof out));
		ASSERT_STR_EQ(out, "");
		ASSERT_EQ(res.failures, 0);
		ASSERT_EQ(res.blocks, BLOCKS);
		ASSERT_EQ(res.entries, BLOCKS * PER_BLOCK);
		ASSERT_EQ(res.entry_sigs, BLOCKS * PER_BLOCK);
		/* Each certificate once: the carried copies are the kept
		 * bytes already verified. */
		ASSERT_EQ(res.cert_sigs, BLOCKS);
		ASSERT_EQ(res.log_size, BLOCKS * PER_BLOCK);
		ASSERT_MEM_EQ(res.log_root, head.log_root, HASH_BYTES);
	}
}

static void test_source_failure_after_earlier_blocks(void)
{
	/* A bad entry in the last block of the first window, and the source
	 * failing on the first block of the second: the entry's failure
	 * comes first, the audit stops at the failing block. */
	struct mblock *c = chain_copy();
	entry_flip(c, EDGE, 3);
	for (int stable = 0; stable <= 1; stable++) {
		struct run r = {.stable = stable,
				.threads = 2,
				.fail_at = EDGE + 1,
				.blocks = c};
		char out[4096];
		struct audit_result res;
		ASSERT_EQ(run_audit(&r, &res, out, sizeof out), ACC_ESTORE);
		fprintf(stderr, "%s", out);
		ASSERT_EQ(lines(out), 3);
		const char *l1 = strstr(out, "accord: audit: block 61 entry 3 "
					     "(log index 963): signature 0");
		const char *l2 = strstr(out, "\naccord: audit: block 61: log "
					     "root: ");
		const char *l3 = strstr(out, "\naccord: audit: block 62: "
					     "injected read failure\n");
		ASSERT(l1 == out);
		ASSERT(l2 != NULL && l3 != NULL && l2 < l3);
		ASSERT_EQ(l3[strlen(l3) - 1], '\n');
		ASSERT_EQ(res.failures, 3);
		ASSERT_EQ(res.blocks, EDGE);
		ASSERT_EQ(res.entries, EDGE * PER_BLOCK);
		ASSERT_EQ(res.entry_sigs, EDGE * PER_BLOCK - 1);
	}
	/* The very first block. */
	struct run r = {.threads = 2, .fail_at = 1};
	char out[4096];
	struct audit_result res;
	ASSERT_EQ(run_audit(&r, &res, out, sizeof out), ACC_ESTORE);
	ASSERT_STR_EQ(out, "accord: audit: block 1: injected read failure\n");
	ASSERT_EQ(res.blocks, 0);
	flipped_free();
	free(c);
}

static void test_kept_cert_differs_across_windows(void)
{
	/* The source keeps another valid certificate (round 1) for the last
	 * block of a window than the one the next block carries: both
	 * verify, the difference is named once. */
	struct mblock *c = chain_copy();
	cert_make(c[EDGE].cert, &c[EDGE].cert_len, EDGE, 1, c[EDGE].hash);
	for (int stable = 0; stable <= 1; stable++) {
		struct run r = {.stable = stable, .threads = 2, .blocks = c};
		char out[4096];
		struct audit_result res;
		ASSERT_OK(run_audit(&r, &res, out, sizeof out));
		fprintf(stderr, "%s", out);
		ASSERT_STR_EQ(out, "accord: audit: block 61: the certificate "
				   "memory source keeps for it differs from "
				   "the one block 62 carries\n");
		ASSERT_EQ(res.failures, 1);
		ASSERT_EQ(res.cert_sigs, BLOCKS + 1);
	}
	/* The kept one altered instead: it fails, the carried one (not the
	 * same bytes) is verified on its own and passes. */
	memcpy(c[EDGE].cert, chain[EDGE].cert, chain[EDGE].cert_len);
	c[EDGE].cert_len = chain[EDGE].cert_len;
	c[EDGE].cert[c[EDGE].cert_len - 1] ^= 0x01;
	struct run r = {.threads = 2, .blocks = c};
	char out[4096];
	struct audit_result res;
	ASSERT_OK(run_audit(&r, &res, out, sizeof out));
	fprintf(stderr, "%s", out);
	ASSERT_EQ(lines(out), 2);
	ASSERT(strstr(out, "accord: audit: block 61: certificate does not "
			   "verify: ") == out);
	ASSERT(strstr(out, "\naccord: audit: block 61: the certificate memory "
			   "source keeps for it differs from the one block 62 "
			   "carries\n") != NULL);
	ASSERT_EQ(res.cert_sigs, BLOCKS);
	free(c);
}

static void test_failure_bound_across_windows(void)
{
	struct mblock *c = chain_copy();
	entry_flip(c, 2, 0);
	entry_flip(c, EDGE, 15);
	entry_flip(c, EDGE + 1, 0);
	entry_flip(c, BLOCKS, 7);
	struct run r = {.threads = 2, .failures_max = 3, .blocks = c};
	char out[4096];
	struct audit_result res;
	ASSERT_OK(run_audit(&r, &res, out, sizeof out));
	fprintf(stderr, "%s", out);
	/* block 2 entry 0, block 2's root, block 61 entry 15: stop. */
	ASSERT_EQ(lines(out), 3);
	ASSERT_EQ(res.failures, 3);
	ASSERT_EQ(res.truncated, 1);
	const char *f1 = strstr(out, "block 2 entry 0 ");
	const char *f2 = strstr(out, "block 2: log root");
	const char *f3 = strstr(out, "block 61 entry 15 ");
	ASSERT(f1 != NULL && f2 != NULL && f3 != NULL);
	ASSERT(f1 < f2 && f2 < f3);
	ASSERT(strstr(out, "block 62") == NULL);
	ASSERT_EQ(res.blocks, EDGE);
	/* Unbounded: the four entries in chain order, the first root, and
	 * nothing else. */
	r.failures_max = 100;
	ASSERT_OK(run_audit(&r, &res, out, sizeof out));
	ASSERT_EQ(lines(out), 5);
	const char *f4 = strstr(out, "block 62 entry 0 ");
	const char *f5 = strstr(out, "block 70 entry 7 ");
	ASSERT(f4 != NULL && f5 != NULL);
	ASSERT(strstr(out, "block 61 entry 15 ") < f4 && f4 < f5);
	ASSERT_EQ(res.truncated, 0);
	ASSERT_EQ(res.blocks, BLOCKS);
	ASSERT_EQ(res.entry_sigs, BLOCKS * PER_BLOCK - 4);
	flipped_free();
	free(c);
}

static void test_empty_chain(void)
{
	struct audit_head h = head;
	h.height = 0;
	h.log_size = 0;
	merkle_empty_root(h.log_root);
	struct run r = {.threads = 2, .head = &h};
	char out[4096];
	struct audit_result res;
	ASSERT_OK(run_audit(&r, &res, out, sizeof out));
	ASSERT_STR_EQ(out, "");
	ASSERT_EQ(res.blocks, 0);
	ASSERT_EQ(res.log_size, 0);
	/* A head that claims entries the (empty) chain does not have. */
	h.log_size = 1;
	ASSERT_OK(run_audit(&r, &res, out, sizeof out));
	ASSERT(strstr(out, "memory source reports log size 1 ") != NULL);
	ASSERT_EQ(res.failures, 1);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	(void)snprintf(tmp, sizeof tmp, "/tmp/test_cli_audit_window.XXXXXX");
	ASSERT(mkdtemp(tmp) != NULL);
	(void)snprintf(net, sizeof net, "%s/net", tmp);
	struct devnet_params p = {.dir = net, .nodes = 1, .http_port = 21010};
	struct acc_err err = {0};
	ASSERT_OK(devnet_init(&p, &err));
	char gpath[400];
	(void)snprintf(gpath, sizeof gpath, "%s/genesis.json", net);
	ASSERT_OK(genesis_load(&g, gpath, &err));
	chain_build();
	RUN(test_good_any_threads_and_source);
	RUN(test_source_failure_after_earlier_blocks);
	RUN(test_kept_cert_differs_across_windows);
	RUN(test_failure_bound_across_windows);
	RUN(test_empty_chain);
	for (uint64_t h = 1; h <= BLOCKS; h++)
		for (size_t i = 0; i < PER_BLOCK; i++)
			free(chain[h].entries[i]);
	keyfile_free(&vk);
	genesis_free(&g);
	char cmd[400];
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	ASSERT_EQ(system(cmd), 0);
	return 0;
}
