/* test_chain_verify.c - verifying a block against its predecessor
 * (ledger/chain.h, specs/chain.md §2): a valid chain passes, and each
 * check, broken alone, fails under its own name; a proposal (no
 * certificate yet) is verified without the certificate checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/merkle.h"
#include "common/vote.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/chain.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "tests/test.h"
#include "tests/unit/test_state_fixture.h"

/* Four validators of power 1 (a quorum is 3), keys from seeds 0x40+i;
 * one party, CN-BJ, that signs the entries. */
#define NVAL 4
#define PER_BLOCK 2
#define BLOCKS 3

static struct genesis g;
static struct key bj;
static const uint16_t quorum[] = {0, 1, 2};
static const uint16_t all4[] = {0, 1, 2, 3};
static const uint16_t two[] = {0, 3};

/* The entries: PER_BLOCK per block, and spares (owned). */
#define ENTRIES (PER_BLOCK * BLOCKS + 2)
static uint8_t *ebytes[ENTRIES];
static size_t elens[ENTRIES];

/* The valid chain: its blocks' parts and the predecessor of each. */
struct tblock {
	struct block_header h;
	uint8_t hb[BLOCK_HEADER_BYTES_MAX];
	size_t hl;
	uint8_t hash[HASH_BYTES];
	uint8_t last_cert[CERT_BYTES_MAX];
	size_t last_cert_len;
	struct bytes_view entries[PER_BLOCK + 2];
	size_t count;
	uint8_t cert[CERT_BYTES_MAX];
	size_t cert_len;
};
static struct tblock chain[BLOCKS + 1];	    /* [1..BLOCKS] */
static struct chain_prev prevs[BLOCKS + 1]; /* prevs[h]: before block h+1 */

static void genesis_make(void)
{
	char t[4096], bjk[65], v[NVAL][65];
	fixture_pk_hex(bjk, SEED_BJ);
	for (int i = 0; i < NVAL; i++)
		fixture_pk_hex(v[i], (uint8_t)(0x40 + i));
	snprintf(t, sizeof t,
		 "{\"chain_id\": \"" TEST_CHAIN_ID "\","
		 "\"genesis_time\": \"2025-01-01T00:00:00Z\","
		 "\"parties\": [{\"id\": \"CN-BJ\", \"name\": \"Beijing\", "
		 "\"keys\": [\"%s\"]}],"
		 "\"validators\": ["
		 "{\"name\": \"v0\", \"party\": \"CN-BJ\", \"key\": \"%s\", "
		 "\"address\": \"127.0.0.1:9700\"},"
		 "{\"name\": \"v1\", \"party\": \"CN-BJ\", \"key\": \"%s\", "
		 "\"address\": \"127.0.0.1:9701\"},"
		 "{\"name\": \"v2\", \"party\": \"CN-BJ\", \"key\": \"%s\", "
		 "\"address\": \"127.0.0.1:9702\"},"
		 "{\"name\": \"v3\", \"party\": \"CN-BJ\", \"key\": \"%s\", "
		 "\"address\": \"127.0.0.1:9703\"}],"
		 "\"verifiers\": [],"
		 "\"governance_threshold\": 1}",
		 bjk, v[0], v[1], v[2], v[3]);
	struct acc_err err;
	if (genesis_from_json_text(&g, t, strlen(t), &err) != 0)
		FAIL_AT("genesis: %s", err.msg);
	ASSERT_EQ(g.validator_count, NVAL);
}

static void entries_make(void)
{
	uint8_t aid[HASH_BYTES];
	memset(aid, 0x5a, sizeof aid);
	fixture_key(&bj, SEED_BJ);
	for (size_t i = 0; i < ENTRIES; i++) {
		struct entry e;
		struct acc_err err;
		report_init(
		    &e, aid, "CN-BJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, T("2024-01-01T00:00:00Z"),
		    T("2025-01-01T00:00:00Z"), (int64_t)(30000 + i), NULL);
		e.version = ENTRY_VERSION;
		e.time = T("2025-02-01T00:00:00Z");
		ASSERT_OK(entry_sign(&e, &bj, TEST_CHAIN_ID, &err));
		ASSERT_OK(entry_encode(&e, &ebytes[i], &elens[i], &err));
		entry_free(&e);
	}
}

/* A certificate of (height, round, hash) signed by signers[0..n). */
static void cert_make(uint8_t out[CERT_BYTES_MAX], size_t *len, uint64_t height,
		      uint32_t round, const uint8_t hash[HASH_BYTES],
		      const uint16_t *signers, size_t n)
{
	struct cert c;
	struct acc_err err;
	cert_init(&c, height, round, hash);
	for (size_t i = 0; i < n; i++) {
		struct key k;
		uint8_t sig[SIG_BYTES];
		fixture_key(&k, (uint8_t)(0x40 + signers[i]));
		ASSERT_OK(vote_sign(sig, &k, TEST_CHAIN_ID, VOTE_PRECOMMIT,
				    height, round, hash));
		key_free(&k);
		ASSERT_OK(cert_add_sig(&c, signers[i], sig, &err));
	}
	ASSERT_OK(cert_encode(&c, out, len, &err));
}

/* Everything right for a block after prev holding entries e[0..n),
 * carrying last_cert: the header's fields, then its bytes and hash, and
 * its certificate (round 0, a quorum). */
static void tblock_make(struct tblock *b, const struct chain_prev *prev,
			const size_t *e, size_t n, const uint8_t *last_cert,
			size_t last_cert_len)
{
	memset(b, 0, sizeof *b);
	struct block_header *h = &b->h;
	h->version = BLOCK_VERSION;
	strcpy(h->chain_id, g.chain_id);
	h->height = prev->height + 1;
	h->time_ms = 1735689600000ull + 1000u * h->height;
	memcpy(h->prev_hash, prev->hash, HASH_BYTES);
	h->proposer = chain_proposer(&g, h->height, 0);
	genesis_valset_hash(&g, h->valset_hash);
	h->entry_count = (uint32_t)n;
	struct merkle_frontier log = prev->log;
	for (size_t i = 0; i < n; i++) {
		uint8_t id[HASH_BYTES];
		b->entries[i].p = ebytes[e[i]];
		b->entries[i].len = elens[e[i]];
		entry_id(id, ebytes[e[i]], elens[e[i]]);
		ASSERT_OK(merkle_frontier_append(&log, id, NULL, NULL));
	}
	b->count = n;
	h->log_size = log.size;
	merkle_frontier_root(&log, h->log_root);
	if (last_cert_len > 0) {
		memcpy(b->last_cert, last_cert, last_cert_len);
		b->last_cert_len = last_cert_len;
		cert_hash(last_cert, last_cert_len, h->last_cert_hash);
	}
}

/* After changing b->h: its bytes, hash and a fresh certificate of
 * (round, signers), so that only what the test changed is wrong. */
static void tblock_seal(struct tblock *b, uint32_t round,
			const uint16_t *signers, size_t n)
{
	struct acc_err err;
	ASSERT_OK(block_header_encode(&b->h, b->hb, &b->hl, &err));
	block_hash(b->hb, b->hl, b->hash);
	cert_make(b->cert, &b->cert_len, b->h.height, round, b->hash, signers,
		  n);
}

/* The decoded view chain_block_verify takes, over b's parts. */
static void view(struct block *v, struct tblock *b)
{
	memset(v, 0, sizeof *v);
	v->header = b->h;
	v->header_bytes.p = b->hb;
	v->header_bytes.len = b->hl;
	v->last_cert.p = b->last_cert;
	v->last_cert.len = b->last_cert_len;
	v->entry_count = b->count;
	v->entries = b->entries;
}

/* Verify b after prev with its certificate (cert: 1) or as a proposal. */
static int verify(struct tblock *b, const struct chain_prev *prev, int cert,
		  struct chain_fail *f)
{
	struct block v;
	view(&v, b);
	int rc =
	    chain_block_verify(&g, prev, &v, cert ? b->cert : NULL,
			       cert ? b->cert_len : 0, NULL, NULL, NULL, f);
	if (rc != 0)
		fprintf(stderr, "    %s: %s\n", chain_check_name(f->check),
			f->err.msg);
	else
		ASSERT_EQ(f->check, CHAIN_OK);
	return rc;
}

/* Assert verification fails at `check` with `code`. */
#define ASSERT_FAILS(b, prev, cert, want_check, want_code)                \
	do {                                                              \
		struct chain_fail f_;                                     \
		ASSERT_EQ(verify((b), (prev), (cert), &f_), (want_code)); \
		ASSERT_EQ(f_.check, (want_check));                        \
		ASSERT_EQ(f_.err.code, (want_code));                      \
		ASSERT_U64_EQ(f_.height, (prev)->height + 1);             \
	} while (0)

/* Block 2 of the chain again, to break. */
static void fresh2(struct tblock *b)
{
	*b = chain[2];
}

/* ---- the valid chain ---- */

struct seen {
	size_t n;
	uint8_t ids[PER_BLOCK + 2][HASH_BYTES];
};

static void seen_cb(void *ctx, size_t i, const struct entry *e,
		    const uint8_t id[HASH_BYTES])
{
	struct seen *s = ctx;
	ASSERT_EQ(i, s->n);
	ASSERT_EQ(e->kind, ENTRY_REPORT);
	memcpy(s->ids[s->n++], id, HASH_BYTES);
}

static void chain_build(void)
{
	chain_prev_genesis(&prevs[0], &g);
	for (uint64_t h = 1; h <= BLOCKS; h++) {
		size_t e[PER_BLOCK];
		for (size_t i = 0; i < PER_BLOCK; i++)
			e[i] = (size_t)(h - 1) * PER_BLOCK + i;
		struct tblock *b = &chain[h];
		tblock_make(b, &prevs[h - 1], e, PER_BLOCK,
			    h > 1 ? chain[h - 1].cert : NULL,
			    h > 1 ? chain[h - 1].cert_len : 0);
		tblock_seal(b, 0, quorum, 3);
		/* Through the wire form, as a node receives it. */
		uint8_t *wire;
		size_t wl;
		struct block v;
		struct chain_fail f;
		struct seen s = {0};
		struct acc_err err;
		ASSERT_OK(block_encode(&b->h, b->last_cert, b->last_cert_len,
				       b->entries, b->count, &wire, &wl, &err));
		ASSERT_OK(block_decode(&v, wire, wl, &err));
		ASSERT_OK(chain_block_verify(&g, &prevs[h - 1], &v, b->cert,
					     b->cert_len, seen_cb, &s,
					     &prevs[h], &f));
		ASSERT_EQ(f.check, CHAIN_OK);
		block_free(&v);
		free(wire);
		ASSERT_EQ(s.n, PER_BLOCK);
		for (size_t i = 0; i < PER_BLOCK; i++) {
			uint8_t id[HASH_BYTES];
			entry_id(id, ebytes[e[i]], elens[e[i]]);
			ASSERT_MEM_EQ(s.ids[i], id, HASH_BYTES);
		}
		ASSERT_U64_EQ(prevs[h].height, h);
		ASSERT_MEM_EQ(prevs[h].hash, b->hash, HASH_BYTES);
		ASSERT_U64_EQ(prevs[h].time_ms, b->h.time_ms);
		ASSERT_U64_EQ(prevs[h].log.size, h * PER_BLOCK);
	}
}

static void test_valid_chain(void)
{
	struct chain_fail f;
	/* Built and verified by chain_build; block 1 links to genesis. */
	ASSERT_MEM_EQ(chain[1].h.prev_hash, g.hash, HASH_BYTES);
	ASSERT_OK(verify(&chain[3], &prevs[2], 1, &f));
	/* next may be prev itself. */
	struct chain_prev p = prevs[1];
	struct block v;
	view(&v, &chain[2]);
	ASSERT_OK(chain_block_verify(&g, &p, &v, chain[2].cert,
				     chain[2].cert_len, NULL, NULL, &p, &f));
	ASSERT_MEM_EQ(&p, &prevs[2], sizeof p);
	/* A block with no entries. */
	struct tblock b;
	tblock_make(&b, &prevs[3], NULL, 0, chain[3].cert, chain[3].cert_len);
	tblock_seal(&b, 0, all4, 4);
	ASSERT_OK(verify(&b, &prevs[3], 1, &f));
	/* Not after the right block: a chain does not verify out of order. */
	ASSERT_FAILS(&chain[3], &prevs[1], 1, CHAIN_HEIGHT, ACC_ECHAIN);
	ASSERT_EQ(strcmp(chain_check_name(CHAIN_LOG_ROOT), "log root"), 0);
	ASSERT_EQ(
	    strcmp(chain_check_name((enum chain_check)999), "unknown check"),
	    0);
}

/* ---- the header, checks 1-7 ---- */

static void test_header_links(void)
{
	struct tblock b;
	struct chain_fail f;
	fresh2(&b);
	strcpy(b.h.chain_id, "other-chain");
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_CHAIN_ID, ACC_ECHAIN);

	fresh2(&b);
	b.h.height = 3;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_HEIGHT, ACC_ECHAIN);

	fresh2(&b);
	b.h.prev_hash[7] ^= 1;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_PREV_HASH, ACC_ECHAIN);
	/* Block 1 must link to the genesis hash. */
	b = chain[1];
	memcpy(b.h.prev_hash, chain[2].hash, HASH_BYTES);
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_EQ(verify(&b, &prevs[0], 1, &f), ACC_ECHAIN);
	ASSERT_EQ(f.check, CHAIN_PREV_HASH);
	ASSERT(strstr(f.err.msg, "block 1: header: prev_hash") == f.err.msg);
	ASSERT(strstr(f.err.msg, "the genesis hash") != NULL);

	fresh2(&b);
	b.h.valset_hash[0] ^= 1;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_VALSET, ACC_ECHAIN);

	fresh2(&b);
	b.h.proposer = NVAL;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_PROPOSER, ACC_ECHAIN);

	fresh2(&b);
	b.h.time_ms = chain[1].h.time_ms - 1;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_TIME, ACC_ECHAIN);
	ASSERT_EQ(verify(&b, &prevs[1], 1, &f), ACC_ECHAIN);
	ASSERT(strstr(f.err.msg, "time goes backwards") != NULL);
	/* The same time as the block before is allowed. */
	b.h.time_ms = chain[1].h.time_ms;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_OK(verify(&b, &prevs[1], 1, &f));

	/* The header counts entries the block does not hold. */
	fresh2(&b);
	b.count = 1;
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_ENTRY_COUNT, ACC_ECHAIN);
}

/* ---- proposer rotation, check 11 ---- */

static void test_proposer_rotation(void)
{
	struct tblock b;
	struct chain_fail f;
	struct block_header h;
	/* The vector of specs/chain.md §4: n = 4, height 7. */
	ASSERT_EQ(chain_proposer(&g, 7, 0), 3);
	ASSERT_EQ(chain_proposer(&g, 7, 1), 0);
	ASSERT_EQ(chain_proposer(&g, 7, 2), 1);
	ASSERT_EQ(chain_proposer(&g, 7, 3), 2);
	ASSERT_EQ(chain_proposer(&g, UINT64_MAX, UINT32_MAX),
		  (uint16_t)((UINT64_MAX % 4 + UINT32_MAX % 4) % 4));
	memset(&h, 0, sizeof h);
	h.height = 7;
	static const struct {
		uint16_t proposer;
		uint32_t round;
		int ok;
	} cases[] = {
	    {3, 0, 1}, {0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 2, 1},
	    {0, 2, 1}, {1, 2, 1}, {2, 2, 0}, {2, 3, 1}, {2, 1000, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		h.proposer = cases[i].proposer;
		int rc = chain_proposer_check(&g, 7, &h, cases[i].round, &f);
		ASSERT_EQ(rc, cases[i].ok ? 0 : ACC_ECHAIN);
		ASSERT_EQ(f.check,
			  cases[i].ok ? CHAIN_OK : CHAIN_PROPOSER_ROUND);
	}

	/* Block 2, round 0: validator 2 proposes; 3 is not the proposer
	 * of round 0. */
	fresh2(&b);
	ASSERT_EQ(b.h.proposer, 2);
	b.h.proposer = 3;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_PROPOSER_ROUND, ACC_ECHAIN);
	ASSERT_EQ(verify(&b, &prevs[1], 1, &f), ACC_ECHAIN);
	ASSERT(strstr(f.err.msg, "block 2: header: proposer 3") == f.err.msg);
	/* Committed in round 1, the block validator 3 built in round 1
	 * passes; and so does validator 2's round-0 block re-proposed and
	 * committed in round 1. */
	tblock_seal(&b, 1, quorum, 3);
	ASSERT_OK(verify(&b, &prevs[1], 1, &f));
	fresh2(&b);
	tblock_seal(&b, 1, quorum, 3);
	ASSERT_OK(verify(&b, &prevs[1], 1, &f));
	/* Validator 0 first proposes at height 2 in round 2. */
	b.h.proposer = 0;
	tblock_seal(&b, 1, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_PROPOSER_ROUND, ACC_ECHAIN);
	/* A proposal is not checked against a round it does not have. */
	ASSERT_OK(verify(&b, &prevs[1], 0, &f));
}

/* ---- certificates, checks 8-10 ---- */

/* Certificate bytes with validator `dup` signing twice (the encoder
 * refuses them, so they are written by hand: specs/encoding.md §9). */
static size_t cert_repeated(uint8_t out[CERT_BYTES_MAX], uint64_t height,
			    const uint8_t hash[HASH_BYTES])
{
	uint8_t good[CERT_BYTES_MAX];
	size_t gl;
	cert_make(good, &gl, height, 0, hash, quorum, 3);
	/* Signatures 0 and 1 become validator 0's twice. */
	memcpy(out, good, gl);
	uint8_t *s0 = out + CERT_FIXED_BYTES;
	uint8_t *s1 = s0 + CERT_SIG_BYTES;
	memcpy(s1, s0, CERT_SIG_BYTES);
	return gl;
}

/* The kinds of bad certificate, for `height` and block `hash`. */
enum bad {
	BAD_SIG,
	BAD_SHORT,
	BAD_REPEATED,
	BAD_NO_QUORUM,
	BAD_OTHER_BLOCK,
	BAD_OTHER_HEIGHT,
	BAD_MISSING,
	BAD_COUNT
};
static const int bad_code[BAD_COUNT] = {ACC_EBADSIG, ACC_EDECODE, ACC_EDECODE,
					ACC_ECERT,   ACC_ECERT,	  ACC_ECERT,
					ACC_ECERT};
static const char *const bad_name[BAD_COUNT] = {
    "bad signature", "short",	       "repeated signer", "not a quorum",
    "another block", "another height", "missing"};

static size_t bad_cert(uint8_t out[CERT_BYTES_MAX], enum bad k, uint64_t height,
		       const uint8_t hash[HASH_BYTES])
{
	uint8_t other[HASH_BYTES];
	size_t len;
	memcpy(other, hash, HASH_BYTES);
	other[0] ^= 0xff;
	switch (k) {
	case BAD_SIG:
		cert_make(out, &len, height, 0, hash, quorum, 3);
		out[len - 1] ^= 1;
		return len;
	case BAD_SHORT:
		cert_make(out, &len, height, 0, hash, quorum, 3);
		return len - 1;
	case BAD_REPEATED:
		return cert_repeated(out, height, hash);
	case BAD_NO_QUORUM: /* 2 of 4 is not more than two thirds */
		cert_make(out, &len, height, 0, hash, two, 2);
		return len;
	case BAD_OTHER_BLOCK:
		cert_make(out, &len, height, 0, other, all4, 4);
		return len;
	case BAD_OTHER_HEIGHT:
		cert_make(out, &len, height + 1, 0, hash, all4, 4);
		return len;
	default:
		return 0;
	}
}

static void test_last_cert(void)
{
	struct tblock b;
	struct chain_fail f;
	/* It hashes to last_cert_hash, or the header and it disagree. */
	fresh2(&b);
	b.h.last_cert_hash[3] ^= 1;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_LAST_CERT_HASH, ACC_ECHAIN);
	/* Block 1 carries none. */
	b = chain[1];
	memcpy(b.last_cert, chain[1].cert, chain[1].cert_len);
	b.last_cert_len = chain[1].cert_len;
	ASSERT_FAILS(&b, &prevs[0], 1, CHAIN_LAST_CERT_HASH, ACC_ECHAIN);
	b.last_cert_len = 0;
	b.h.last_cert_hash[0] = 1;
	ASSERT_FAILS(&b, &prevs[0], 1, CHAIN_LAST_CERT_HASH, ACC_ECHAIN);

	/* Each bad certificate, hashed into the header, for block 1. */
	for (int k = 0; k < BAD_COUNT; k++) {
		uint8_t c[CERT_BYTES_MAX];
		size_t cl = bad_cert(c, (enum bad)k, 1, chain[1].hash);
		fprintf(stderr, "    last_cert %s:\n", bad_name[k]);
		fresh2(&b);
		memcpy(b.last_cert, c, cl);
		b.last_cert_len = cl;
		cert_hash(c, cl, b.h.last_cert_hash);
		tblock_seal(&b, 0, quorum, 3);
		ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_LAST_CERT, bad_code[k]);
		ASSERT_EQ(verify(&b, &prevs[1], 1, &f), bad_code[k]);
		ASSERT(strstr(f.err.msg, "block 2: the certificate of block 1 "
					 "it carries") == f.err.msg);
	}
	/* Another valid certificate of block 1 (another round, all four
	 * signers) is as good as the one its node kept. */
	fresh2(&b);
	cert_make(b.last_cert, &b.last_cert_len, 1, 5, chain[1].hash, all4, 4);
	cert_hash(b.last_cert, b.last_cert_len, b.h.last_cert_hash);
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_OK(verify(&b, &prevs[1], 1, &f));
}

static void test_own_cert(void)
{
	struct tblock b;
	struct chain_fail f;
	for (int k = 0; k < BAD_COUNT; k++) {
		fprintf(stderr, "    certificate %s:\n", bad_name[k]);
		fresh2(&b);
		b.cert_len = bad_cert(b.cert, (enum bad)k, 2, b.hash);
		ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_CERT, bad_code[k]);
	}
	/* A valid certificate of another header: the header is what
	 * changed. */
	fresh2(&b);
	b.cert_len = bad_cert(b.cert, BAD_OTHER_BLOCK, 2, b.hash);
	ASSERT_EQ(verify(&b, &prevs[1], 1, &f), ACC_ECERT);
	ASSERT(strstr(f.err.msg, "block 2: header altered") == f.err.msg);
	/* The certificate of block 1 offered for block 2. */
	fresh2(&b);
	memcpy(b.cert, chain[1].cert, chain[1].cert_len);
	b.cert_len = chain[1].cert_len;
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_CERT, ACC_ECERT);
}

/* The halves of a certificate check give what one call gives. */
static void test_cert_halves(void)
{
	struct chain_cert_pre pre;
	struct chain_fail f1, f2;
	uint32_t round = 99;
	chain_cert_pre_run(&pre, &g, chain[2].cert, chain[2].cert_len);
	ASSERT_OK(pre.rc);
	ASSERT_EQ(pre.count, 3);
	ASSERT_U64_EQ(pre.height, 2);
	ASSERT_OK(chain_cert_check(&g, 2, chain[2].hash, chain[2].cert,
				   chain[2].cert_len, &pre, &round, &f1));
	ASSERT_EQ(round, 0);
	for (int k = 0; k < BAD_COUNT; k++) {
		uint8_t c[CERT_BYTES_MAX];
		size_t cl = bad_cert(c, (enum bad)k, 2, chain[2].hash);
		chain_cert_pre_run(&pre, &g, c, cl);
		int a = chain_cert_check(&g, 2, chain[2].hash, c, cl, &pre,
					 NULL, &f1);
		int b = chain_cert_check(&g, 2, chain[2].hash, c, cl, NULL,
					 NULL, &f2);
		ASSERT_EQ(a, bad_code[k]);
		ASSERT_EQ(a, b);
		ASSERT_STR_EQ(f1.err.msg, f2.err.msg);
	}
}

/* ---- entries and the log, checks 12-13 ---- */

static void test_entries_and_log(void)
{
	struct tblock b;
	struct chain_fail f;
	/* A flipped byte in the last entry's signature. */
	uint8_t *bad = malloc(elens[3]);
	ASSERT(bad != NULL);
	memcpy(bad, ebytes[3], elens[3]);
	bad[elens[3] - 1] ^= 1;
	fresh2(&b);
	b.entries[1].p = bad;
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_ENTRY, ACC_EBADSIG);
	ASSERT_EQ(verify(&b, &prevs[1], 1, &f), ACC_EBADSIG);
	ASSERT_EQ(f.entry, 1);
	ASSERT_U64_EQ(f.log_index, PER_BLOCK + 1);
	ASSERT(strstr(f.err.msg, "block 2 entry 1 (log index 3): ") ==
	       f.err.msg);
	/* A proposal's entries are checked the same. */
	ASSERT_FAILS(&b, &prevs[1], 0, CHAIN_ENTRY, ACC_EBADSIG);
	/* Bytes that are no entry. */
	static const uint8_t junk[] = {0xff, 0x00, 0x01};
	fresh2(&b);
	b.entries[0].p = junk;
	b.entries[0].len = sizeof junk;
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_ENTRY, ACC_EDECODE);
	free(bad);

	/* The header claims another root, or another size. */
	fresh2(&b);
	b.h.log_root[31] ^= 1;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_LOG_ROOT, ACC_EMISMATCH);
	fresh2(&b);
	b.h.log_size++;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_LOG_ROOT, ACC_EMISMATCH);
	/* The entries of block 2 in the other order: the right size, not
	 * the right root. */
	fresh2(&b);
	struct bytes_view t = b.entries[0];
	b.entries[0] = b.entries[1];
	b.entries[1] = t;
	ASSERT_FAILS(&b, &prevs[1], 1, CHAIN_LOG_ROOT, ACC_EMISMATCH);
	/* Against a predecessor whose log is not the header's. */
	struct chain_prev p = prevs[1];
	uint8_t leaf[HASH_BYTES] = {1};
	ASSERT_OK(merkle_frontier_append(&p.log, leaf, NULL, NULL));
	ASSERT_FAILS(&chain[2], &p, 1, CHAIN_LOG_ROOT, ACC_EMISMATCH);
}

/* ---- a proposal: no certificate yet ---- */

static void test_proposal(void)
{
	struct tblock b;
	struct chain_fail f;
	struct chain_prev next;
	struct block v;
	/* A good block, without its certificate, passes; next is set. */
	fresh2(&b);
	b.cert_len = 0;
	view(&v, &b);
	ASSERT_OK(chain_block_verify(&g, &prevs[1], &v, NULL, 0, NULL, NULL,
				     &next, &f));
	ASSERT_MEM_EQ(&next, &prevs[2], sizeof next);
	/* The same block with an empty certificate is not a proposal. */
	ASSERT_EQ(chain_block_verify(&g, &prevs[1], &v, b.cert, 0, NULL, NULL,
				     NULL, &f),
		  ACC_ECERT);
	ASSERT_EQ(f.check, CHAIN_CERT);
	ASSERT(strstr(f.err.msg, "certificate is missing") != NULL);
	/* Everything but the certificate is still checked. */
	b.h.time_ms = 0;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 0, CHAIN_TIME, ACC_ECHAIN);
	fresh2(&b);
	b.last_cert_len =
	    bad_cert(b.last_cert, BAD_NO_QUORUM, 1, chain[1].hash);
	cert_hash(b.last_cert, b.last_cert_len, b.h.last_cert_hash);
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 0, CHAIN_LAST_CERT, ACC_ECERT);
	fresh2(&b);
	b.h.log_root[0] ^= 1;
	tblock_seal(&b, 0, quorum, 3);
	ASSERT_FAILS(&b, &prevs[1], 0, CHAIN_LOG_ROOT, ACC_EMISMATCH);
	/* A failed verification leaves next alone. */
	memset(&next, 0xee, sizeof next);
	struct chain_prev before = next;
	view(&v, &b);
	ASSERT_EQ(chain_block_verify(&g, &prevs[1], &v, NULL, 0, NULL, NULL,
				     &next, &f),
		  ACC_EMISMATCH);
	ASSERT_MEM_EQ(&next, &before, sizeof next);
}

/* With one validator, the proposer is 0 at every height and round, as
 * the single-validator producer writes (specs/node.md §3). */
static void test_one_validator(void)
{
	struct genesis one;
	struct block_header h;
	struct chain_fail f;
	one = g;
	one.validator_count = 1;
	memset(&h, 0, sizeof h);
	for (uint64_t height = 1; height < 10; height++)
		for (uint32_t r = 0; r < 3; r++) {
			ASSERT_EQ(chain_proposer(&one, height, r), 0);
			h.proposer = 0;
			ASSERT_OK(
			    chain_proposer_check(&one, height, &h, r, &f));
			h.proposer = 1;
			ASSERT_EQ(chain_proposer_check(&one, height, &h, r, &f),
				  ACC_ECHAIN);
			ASSERT_EQ(f.check, CHAIN_PROPOSER);
		}
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	genesis_make();
	entries_make();
	chain_build();
	RUN(test_valid_chain);
	RUN(test_header_links);
	RUN(test_proposer_rotation);
	RUN(test_last_cert);
	RUN(test_own_cert);
	RUN(test_cert_halves);
	RUN(test_entries_and_log);
	RUN(test_proposal);
	RUN(test_one_validator);
	for (size_t i = 0; i < ENTRIES; i++)
		free(ebytes[i]);
	key_free(&bj);
	genesis_free(&g);
	printf("test_chain_verify: ok\n");
	return 0;
}
