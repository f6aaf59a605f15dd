/* chain.c - verifying one block against its predecessor (specs/chain.md
 * §2): each check once, for every caller. */
#include "ledger/chain.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"

static const char *const check_names[] = {
#define CHAIN_CHECK_NAME(name, what) what,
    CHAIN_CHECKS(CHAIN_CHECK_NAME)
#undef CHAIN_CHECK_NAME
};

const char *chain_check_name(enum chain_check c)
{
	if ((size_t)c >= sizeof check_names / sizeof check_names[0])
		return "unknown check";
	return check_names[c];
}

void chain_prev_genesis(struct chain_prev *p, const struct genesis *g)
{
	memset(p, 0, sizeof *p);
	memcpy(p->hash, g->hash, HASH_BYTES);
	merkle_frontier_init(&p->log);
}

/* The first 16 bytes of a hash in hex, for messages. */
static void short_hex(char out[33], const uint8_t *h)
{
	hex_encode(out, h, 16);
}

/*
 * Record a failure of `check` in f: the code, and the message prefixed
 * with the block ("block 7: ") or the entry ("block 7 entry 2 (log index
 * 40): "). Returns code.
 */
static int fail(struct chain_fail *f, enum chain_check check, int code,
		uint64_t height, size_t entry, uint64_t log_index,
		const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int fail(struct chain_fail *f, enum chain_check check, int code,
		uint64_t height, size_t entry, uint64_t log_index,
		const char *fmt, ...)
{
	if (code == 0)
		code = ACC_EINVAL; /* a failure always has a code */
	f->check = check;
	f->height = height;
	f->entry = entry;
	f->log_index = entry == CHAIN_NO_ENTRY ? 0 : log_index;
	f->err.code = code;
	int n;
	if (entry == CHAIN_NO_ENTRY)
		n = snprintf(f->err.msg, sizeof f->err.msg,
			     "block %llu: ", (unsigned long long)height);
	else
		n = snprintf(f->err.msg, sizeof f->err.msg,
			     "block %llu entry %zu (log index %llu): ",
			     (unsigned long long)height, entry,
			     (unsigned long long)log_index);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof f->err.msg) {
		va_list ap;
		va_start(ap, fmt);
		(void)vsnprintf(f->err.msg + n, sizeof f->err.msg - (size_t)n,
				fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A failure of the block as a whole. */
#define FAIL_BLOCK(f, check, code, height, ...) \
	fail((f), (check), (code), (height), CHAIN_NO_ENTRY, 0, __VA_ARGS__)

static void ok(struct chain_fail *f, uint64_t height)
{
	memset(f, 0, sizeof *f);
	f->check = CHAIN_OK;
	f->height = height;
	f->entry = CHAIN_NO_ENTRY;
}

/* §2 steps 1-7. */
int chain_header_check(const struct genesis *g, const struct chain_prev *prev,
		       const struct block_header *h, size_t entry_count,
		       struct chain_fail *f)
{
	uint64_t height = prev->height + 1;
	uint8_t vs[HASH_BYTES];
	char h1[2 * HASH_BYTES + 1], h2[2 * HASH_BYTES + 1];
	ok(f, height);
	if (strcmp(h->chain_id, g->chain_id) != 0)
		return FAIL_BLOCK(f, CHAIN_CHAIN_ID, ACC_ECHAIN, height,
				  "header: chain id \"%s\" is not the genesis "
				  "chain id \"%s\"",
				  h->chain_id, g->chain_id);
	if (h->height != height)
		return FAIL_BLOCK(f, CHAIN_HEIGHT, ACC_ECHAIN, height,
				  "header: height %llu out of sequence (the "
				  "previous block is %llu)",
				  (unsigned long long)h->height,
				  (unsigned long long)prev->height);
	if (memcmp(h->prev_hash, prev->hash, HASH_BYTES) != 0) {
		/* Whole hashes: a header field may differ in any byte. */
		hex_encode(h1, h->prev_hash, HASH_BYTES);
		hex_encode(h2, prev->hash, HASH_BYTES);
		return FAIL_BLOCK(f, CHAIN_PREV_HASH, ACC_ECHAIN, height,
				  "header: prev_hash %s does not link to %s "
				  "(%s)",
				  h1,
				  prev->height == 0 ? "the genesis hash"
						    : "the previous header",
				  h2);
	}
	/* The set in force is the genesis set: nothing changes it yet
	 * (specs/chain.md §2 step 4). */
	genesis_valset_hash(g, vs);
	if (memcmp(h->valset_hash, vs, HASH_BYTES) != 0)
		return FAIL_BLOCK(f, CHAIN_VALSET, ACC_ECHAIN, height,
				  "header: valset_hash is not the genesis "
				  "validator set's");
	if (h->proposer >= g->validator_count)
		return FAIL_BLOCK(f, CHAIN_PROPOSER, ACC_ECHAIN, height,
				  "header: proposer %u is not a validator (the "
				  "set has %zu)",
				  h->proposer, g->validator_count);
	/* specs/node.md §3: time never goes backwards; equal is allowed. */
	if (h->time_ms < prev->time_ms)
		return FAIL_BLOCK(f, CHAIN_TIME, ACC_ECHAIN, height,
				  "header: time goes backwards (%llu ms, the "
				  "previous block's %llu ms)",
				  (unsigned long long)h->time_ms,
				  (unsigned long long)prev->time_ms);
	if (h->entry_count != entry_count)
		return FAIL_BLOCK(f, CHAIN_ENTRY_COUNT, ACC_ECHAIN, height,
				  "header says %u entries, the block holds %zu",
				  h->entry_count, entry_count);
	return 0;
}

void chain_cert_pre_run(struct chain_cert_pre *pre, const struct genesis *g,
			const uint8_t *bytes, size_t len)
{
	struct cert c;
	memset(pre, 0, sizeof *pre);
	if (len == 0) {
		pre->rc = acc_err_set(&pre->err, ACC_ECERT, "missing");
		return;
	}
	pre->rc = cert_decode(&c, bytes, len, &pre->err);
	if (pre->rc != 0)
		return;
	pre->decoded = 1;
	pre->height = c.height;
	pre->round = c.round;
	memcpy(pre->block_hash, c.block_hash, HASH_BYTES);
	pre->rc = cert_verify(&c, g, c.height, c.block_hash, &pre->err);
	if (pre->rc == 0)
		pre->count = c.count;
}

/*
 * What the certificate pre (of len bytes) names against what the chain
 * expects: block exp_hash at exp_height. `what` names the certificate in
 * messages; `check` is the check it is. Where the hashes differ, whether
 * the certificate verifies for its own hash tells an altered header (it
 * does: the validators signed another header) from an altered
 * certificate.
 */
static int cert_match(struct chain_fail *f, enum chain_check check,
		      uint64_t height, const char *what, size_t len,
		      const struct chain_cert_pre *pre, uint64_t exp_height,
		      const uint8_t exp_hash[HASH_BYTES])
{
	char h1[33], h2[33];
	if (len == 0)
		return FAIL_BLOCK(f, check, ACC_ECERT, height, "%s is missing",
				  what);
	if (!pre->decoded)
		return FAIL_BLOCK(f, check, pre->rc, height,
				  "%s does not decode: %s", what, pre->err.msg);
	if (pre->height != exp_height)
		return FAIL_BLOCK(f, check, ACC_ECERT, height,
				  "%s is for height %llu, not %llu", what,
				  (unsigned long long)pre->height,
				  (unsigned long long)exp_height);
	if (memcmp(pre->block_hash, exp_hash, HASH_BYTES) != 0) {
		short_hex(h1, pre->block_hash);
		short_hex(h2, exp_hash);
		if (pre->rc == 0 && check == CHAIN_CERT)
			return FAIL_BLOCK(f, check, ACC_ECERT, height,
					  "header altered: it hashes to %s…, "
					  "but its certificate (which "
					  "verifies) commits block hash %s…",
					  h2, h1);
		if (pre->rc == 0)
			return FAIL_BLOCK(f, check, ACC_ECERT, height,
					  "%s (which verifies) commits block "
					  "hash %s…, not the previous header's "
					  "%s…",
					  what, h1, h2);
		return FAIL_BLOCK(f, check, ACC_ECERT, height,
				  "%s commits block hash %s…, not %s…, and "
				  "does not verify: %s",
				  what, h1, h2, pre->err.msg);
	}
	if (pre->rc != 0)
		return FAIL_BLOCK(f, check, pre->rc, height,
				  "%s does not verify: %s", what, pre->err.msg);
	return 0;
}

/* §2 steps 8-9. */
int chain_last_cert_check(const struct genesis *g,
			  const struct chain_prev *prev,
			  const struct block_header *h, const uint8_t *bytes,
			  size_t len, const struct chain_cert_pre *pre,
			  struct chain_fail *f)
{
	static const uint8_t zero[HASH_BYTES];
	uint64_t height = prev->height + 1;
	uint8_t ch[HASH_BYTES];
	struct chain_cert_pre here;
	char what[64];
	ok(f, height);
	if (height == 1) {
		if (len != 0)
			return FAIL_BLOCK(f, CHAIN_LAST_CERT_HASH, ACC_ECHAIN,
					  height,
					  "carries a previous certificate, but "
					  "there is none");
		if (memcmp(h->last_cert_hash, zero, HASH_BYTES) != 0)
			return FAIL_BLOCK(f, CHAIN_LAST_CERT_HASH, ACC_ECHAIN,
					  height,
					  "header: last_cert_hash is not zero");
		return 0;
	}
	cert_hash(bytes, len, ch);
	if (memcmp(ch, h->last_cert_hash, HASH_BYTES) != 0)
		return FAIL_BLOCK(f, CHAIN_LAST_CERT_HASH, ACC_ECHAIN, height,
				  "the certificate of block %llu it carries "
				  "does not hash to its header's "
				  "last_cert_hash (certificate or header "
				  "altered)",
				  (unsigned long long)prev->height);
	if (pre == NULL) {
		chain_cert_pre_run(&here, g, bytes, len);
		pre = &here;
	}
	(void)snprintf(what, sizeof what,
		       "the certificate of block %llu it carries",
		       (unsigned long long)prev->height);
	return cert_match(f, CHAIN_LAST_CERT, height, what, len, pre,
			  prev->height, prev->hash);
}

/* §2 step 10. */
int chain_cert_check(const struct genesis *g, uint64_t height,
		     const uint8_t hash[HASH_BYTES], const uint8_t *bytes,
		     size_t len, const struct chain_cert_pre *pre,
		     uint32_t *round, struct chain_fail *f)
{
	struct chain_cert_pre here;
	ok(f, height);
	if (pre == NULL) {
		chain_cert_pre_run(&here, g, bytes, len);
		pre = &here;
	}
	int rc = cert_match(f, CHAIN_CERT, height, "certificate", len, pre,
			    height, hash);
	if (rc == 0 && round != NULL)
		*round = pre->round;
	return rc;
}

uint16_t chain_proposer(const struct genesis *g, uint64_t height,
			uint32_t round)
{
	uint64_t n = g->validator_count;
	assert(n > 0); /* genesis has at least one validator */
	/* Each term reduced first: height + round cannot wrap. */
	return (uint16_t)((height % n + round % n) % n);
}

/* §2 step 11; specs/encoding.md §8.1 "proposer". */
int chain_proposer_check(const struct genesis *g, uint64_t height,
			 const struct block_header *h, uint32_t round_max,
			 struct chain_fail *f)
{
	uint64_t n = g->validator_count;
	assert(n > 0);
	ok(f, height);
	if (h->proposer >= n)
		return FAIL_BLOCK(f, CHAIN_PROPOSER, ACC_ECHAIN, height,
				  "header: proposer %u is not a validator (the "
				  "set has %llu)",
				  h->proposer, (unsigned long long)n);
	/* The first round in which h->proposer proposes at this height. */
	uint64_t first = (h->proposer + n - height % n) % n;
	if (first > round_max)
		return FAIL_BLOCK(
		    f, CHAIN_PROPOSER_ROUND, ACC_ECHAIN, height,
		    "header: proposer %u first proposes at this height in "
		    "round %llu, after round %u (the proposer of round %u is "
		    "%u)",
		    h->proposer, (unsigned long long)first, round_max,
		    round_max, chain_proposer(g, height, round_max));
	return 0;
}

/* §2 step 12. */
int chain_entry_check(const struct genesis *g, const uint8_t *bytes, size_t len,
		      struct entry *out, uint8_t id[HASH_BYTES],
		      struct acc_err *err)
{
	entry_id(id, bytes, len);
	return entry_check(bytes, len, g, out, err);
}

int chain_entry_fail(struct chain_fail *f, uint64_t height, size_t i,
		     uint64_t log_index, int rc, const struct acc_err *err)
{
	return fail(f, CHAIN_ENTRY, rc, height, i, log_index, "%s",
		    err != NULL && err->msg[0] ? err->msg : acc_strerror(rc));
}

/* §2 step 13. */
int chain_log_check(uint64_t height, const struct block_header *h,
		    const struct merkle_frontier *log, struct chain_fail *f)
{
	uint8_t root[HASH_BYTES];
	char h1[2 * HASH_BYTES + 1], h2[2 * HASH_BYTES + 1];
	ok(f, height);
	merkle_frontier_root(log, root);
	if (h->log_size == log->size &&
	    memcmp(root, h->log_root, HASH_BYTES) == 0)
		return 0;
	/* Whole roots: the header's may differ from ours in any byte. */
	hex_encode(h1, h->log_root, HASH_BYTES);
	hex_encode(h2, root, HASH_BYTES);
	return FAIL_BLOCK(f, CHAIN_LOG_ROOT, ACC_EMISMATCH, height,
			  "log root: the entries give size %llu root %s, the "
			  "header says size %llu root %s",
			  (unsigned long long)log->size, h2,
			  (unsigned long long)h->log_size, h1);
}

int chain_block_verify(const struct genesis *g, const struct chain_prev *prev,
		       const struct block *b, const uint8_t *cert,
		       size_t cert_len, chain_entry_fn entry_fn, void *ctx,
		       struct chain_prev *next, struct chain_fail *f)
{
	const struct block_header *h = &b->header;
	uint64_t height = prev->height + 1;
	uint8_t hash[HASH_BYTES];
	int rc;
	ok(f, height);
	if ((rc = chain_header_check(g, prev, h, b->entry_count, f)) != 0 ||
	    (rc = chain_last_cert_check(g, prev, h, b->last_cert.p,
					b->last_cert.len, NULL, f)) != 0)
		return rc;
	block_hash(b->header_bytes.p, b->header_bytes.len, hash);
	if (cert != NULL) {
		uint32_t round = 0;
		if ((rc = chain_cert_check(g, height, hash, cert, cert_len,
					   NULL, &round, f)) != 0 ||
		    (rc = chain_proposer_check(g, height, h, round, f)) != 0)
			return rc;
	}
	struct merkle_frontier log = prev->log;
	for (size_t i = 0; i < b->entry_count; i++) {
		struct entry e;
		struct acc_err err = {0};
		uint8_t id[HASH_BYTES];
		rc = chain_entry_check(g, b->entries[i].p, b->entries[i].len,
				       &e, id, &err);
		if (rc != 0)
			return chain_entry_fail(f, height, i, log.size, rc,
						&err);
		if (entry_fn != NULL)
			entry_fn(ctx, i, &e, id);
		entry_free(&e);
		if (merkle_frontier_append(&log, id, NULL, NULL) != 0)
			return FAIL_BLOCK(f, CHAIN_LOG_ROOT, ACC_EFULL, height,
					  "log size overflow");
	}
	if ((rc = chain_log_check(height, h, &log, f)) != 0)
		return rc;
	if (next != NULL) {
		next->height = height;
		memcpy(next->hash, hash, HASH_BYTES);
		next->time_ms = h->time_ms;
		next->log = log;
	}
	return 0;
}
