/* audit.c - recompute and check a chain from genesis (specs/cli.md §8). */
#include "cli/audit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/pool.h"
#include "common/hex.h"
#include "common/merkle.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"

static double now_s(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Per-block scratch for the parallel entry checks, grown as needed. */
struct entry_job {
	const struct genesis *g;
	const uint8_t *const *bytes;
	const size_t *lens;
	int *rc;
	struct acc_err *errs;
	uint8_t (*ids)[HASH_BYTES];
	size_t *sigs;
};

static void entry_job_fn(void *user, size_t i)
{
	struct entry_job *j = user;
	struct entry e;
	memset(&e, 0, sizeof e);
	/* entry_check decodes, checks every field bound, verifies every
	 * signature and finds every signer in genesis (specs/encoding.md §7):
	 * the signatures are the whole cost of an audit. */
	j->rc[i] = entry_check(j->bytes[i], j->lens[i], j->g, &e, &j->errs[i]);
	j->sigs[i] = j->rc[i] == 0 ? e.sig_count : 0;
	if (j->rc[i] == 0)
		entry_free(&e);
	entry_id(j->ids[i], j->bytes[i], j->lens[i]);
}

struct auditor {
	const struct audit_opts *o;
	const struct genesis *g;
	FILE *out;
	size_t failures_max;
	struct audit_result *res;
	/* Scratch. */
	size_t cap;
	int *rc;
	struct acc_err *errs;
	uint8_t (*ids)[HASH_BYTES];
	size_t *sigs;
};

/* Report one failure; returns 1 when the audit must stop (bound hit). */
static int fail(struct auditor *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(struct auditor *a, const char *fmt, ...)
{
	if (a->res->failures >= a->failures_max) {
		a->res->truncated = 1;
		return 1;
	}
	va_list ap;
	fprintf(a->out, "accord: audit: ");
	va_start(ap, fmt);
	vfprintf(a->out, fmt, ap);
	va_end(ap);
	fputc('\n', a->out);
	a->res->failures++;
	if (a->res->failures >= a->failures_max) {
		a->res->truncated = 1;
		return 1;
	}
	return 0;
}

static int scratch_grow(struct auditor *a, size_t n)
{
	if (n <= a->cap)
		return 0;
	size_t cap = a->cap ? a->cap : 64;
	while (cap < n)
		cap *= 2;
	int *rc = realloc(a->rc, cap * sizeof *rc);
	if (rc != NULL)
		a->rc = rc;
	struct acc_err *errs = realloc(a->errs, cap * sizeof *errs);
	if (errs != NULL)
		a->errs = errs;
	uint8_t(*ids)[HASH_BYTES] = realloc(a->ids, cap * sizeof *ids);
	if (ids != NULL)
		a->ids = ids;
	size_t *sigs = realloc(a->sigs, cap * sizeof *sigs);
	if (sigs != NULL)
		a->sigs = sigs;
	if (rc == NULL || errs == NULL || ids == NULL || sigs == NULL)
		return ACC_ENOMEM;
	a->cap = cap;
	return 0;
}

static void short_hex(char out[33], const uint8_t *h)
{
	hex_encode(out, h, 16);
}

/* Verify the certificate bytes c for block `height` whose header hashes to
 * hash. what names the certificate in messages. Returns 1 to stop. */
static int cert_check(struct auditor *a, uint64_t height, const char *what,
		      const uint8_t *cb, size_t clen,
		      const uint8_t hash[HASH_BYTES], uint64_t *sigs)
{
	struct cert c;
	struct acc_err e = {0};
	char h1[33], h2[33];
	if (clen == 0)
		return fail(a, "block %" PRIu64 ": %s is missing", height,
			    what);
	if (cert_decode(&c, cb, clen, &e) != 0)
		return fail(a, "block %" PRIu64 ": %s does not decode: %s",
			    height, what, e.msg);
	if (c.height != height)
		return fail(a, "block %" PRIu64 ": %s is for height %" PRIu64,
			    height, what, c.height);
	if (memcmp(c.block_hash, hash, HASH_BYTES) != 0) {
		/* Tell an altered header from an altered certificate: a
		 * certificate that verifies for the hash it names was made by
		 * the validators, so the header is what changed. */
		short_hex(h1, c.block_hash);
		short_hex(h2, hash);
		if (cert_verify(&c, a->g, c.height, c.block_hash, &e) == 0)
			return fail(
			    a,
			    "block %" PRIu64
			    ": header altered: it hashes to %s…, but its %s "
			    "(which verifies) commits block hash %s…",
			    height, h2, what, h1);
		return fail(
		    a,
		    "block %" PRIu64
		    ": %s commits block hash %s…, not this header's %s…, "
		    "and does not verify: %s",
		    height, what, h1, h2, e.msg);
	}
	if (cert_verify(&c, a->g, height, hash, &e) != 0)
		return fail(a, "block %" PRIu64 ": %s does not verify: %s",
			    height, what, e.msg);
	*sigs += c.count;
	return 0;
}

int audit_run(const struct audit_opts *o, const struct audit_source *src,
	      struct audit_result *res, struct acc_err *err)
{
	struct auditor a = {
	    .o = o,
	    .g = o->g,
	    .out = o->out ? o->out : stderr,
	    .failures_max =
		o->failures_max ? o->failures_max : AUDIT_FAILURES_DEFAULT,
	    .res = res,
	};
	struct pool pool;
	struct audit_head head;
	struct merkle_frontier fr;
	uint8_t prev_hash[HASH_BYTES], valset[HASH_BYTES],
	    zero[HASH_BYTES] = {0};
	uint8_t *prev_cert =
	    NULL; /* the certificate the source keeps for h-1 */
	size_t prev_cert_len = 0;
	int prev_cert_ok = 0;
	uint64_t prev_time_ms = 0;
	int roots_diverged = 0;
	int rc = 0;
	char h1[33], h2[33];
	double t0 = now_s();

	memset(res, 0, sizeof *res);
	size_t threads = o->threads ? o->threads : pool_cpus();
	if (pool_init(&pool, threads > 1 ? threads - 1 : 0) != 0)
		return acc_err_set(err, ACC_ENOMEM,
				   "cannot start verification threads");
	merkle_frontier_init(&fr);
	memcpy(prev_hash, a.g->hash, HASH_BYTES);
	genesis_valset_hash(a.g, valset);

	if ((rc = src->head(src->ctx, &head, err)) != 0) {
		(void)fail(&a, "%s: %s", src->name, err->msg);
		goto out;
	}
	if (head.has_genesis_hash &&
	    memcmp(head.genesis_hash, a.g->hash, HASH_BYTES) != 0) {
		short_hex(h1, head.genesis_hash);
		short_hex(h2, a.g->hash);
		if (fail(&a,
			 "%s belongs to another chain: genesis hash %s…, the "
			 "genesis file's is %s…",
			 src->name, h1, h2))
			goto out;
	}
	for (uint64_t h = 1; h <= head.height; h++) {
		struct audit_block b;
		struct block_header hd;
		struct acc_err e = {0};
		uint8_t hash[HASH_BYTES];
		memset(&b, 0, sizeof b);
		if ((rc = src->block(src->ctx, h, &b, err)) != 0) {
			(void)fail(&a, "block %" PRIu64 ": %s", h, err->msg);
			goto out;
		}
		res->blocks++;
		block_hash(b.header, b.header_len, hash);
		/* Header: decodes, names this chain and height, links to the
		 * previous header (block 1 to the genesis hash). */
		int hd_ok =
		    block_header_decode(&hd, b.header, b.header_len, &e) == 0;
		if (!hd_ok) {
			if (fail(&a,
				 "block %" PRIu64
				 ": header does not decode: %s",
				 h, e.msg))
				goto out;
		} else {
			if (strcmp(hd.chain_id, a.g->chain_id) != 0 &&
			    fail(&a,
				 "block %" PRIu64
				 ": header: chain id \"%s\" is not the genesis "
				 "chain id \"%s\"",
				 h, hd.chain_id, a.g->chain_id))
				goto out;
			if (hd.height != h &&
			    fail(&a,
				 "block %" PRIu64 ": header: height %" PRIu64
				 " out of sequence",
				 h, hd.height))
				goto out;
			if (memcmp(hd.prev_hash, prev_hash, HASH_BYTES) != 0) {
				short_hex(h1, hd.prev_hash);
				short_hex(h2, prev_hash);
				if (fail(&a,
					 "block %" PRIu64
					 ": header: prev_hash %s… does not "
					 "link to %s "
					 "(%s…)",
					 h, h1,
					 h == 1 ? "the genesis hash"
						: "the previous header",
					 h2))
					goto out;
			}
			if (memcmp(hd.valset_hash, valset, HASH_BYTES) != 0 &&
			    fail(&a,
				 "block %" PRIu64 ": header: valset_hash is "
						  "not the genesis validator "
				 "set's",
				 h))
				goto out;
			if (hd.proposer >= a.g->validator_count &&
			    fail(&a,
				 "block %" PRIu64
				 ": header: proposer %u is not a validator",
				 h, hd.proposer))
				goto out;
			if (hd.time_ms < prev_time_ms &&
			    fail(&a,
				 "block %" PRIu64
				 ": header: time goes backwards",
				 h))
				goto out;
			prev_time_ms = hd.time_ms;
			if (hd.entry_count != b.entry_count &&
			    fail(&a,
				 "block %" PRIu64
				 ": header says %u entries, %s holds %zu",
				 h, hd.entry_count, src->name, b.entry_count))
				goto out;
		}
		/* The previous block's certificate this block carries: it
		 * hashes to last_cert_hash and commits block h-1. */
		if (h == 1) {
			if (b.last_cert_len != 0 &&
			    fail(&a, "block 1: carries a previous certificate, "
				     "but there is none"))
				goto out;
			if (hd_ok &&
			    memcmp(hd.last_cert_hash, zero, HASH_BYTES) != 0 &&
			    fail(&a,
				 "block 1: header: last_cert_hash is not zero"))
				goto out;
		} else {
			uint8_t ch[HASH_BYTES];
			cert_hash(b.last_cert, b.last_cert_len, ch);
			if (hd_ok &&
			    memcmp(ch, hd.last_cert_hash, HASH_BYTES) != 0) {
				if (fail(&a,
					 "block %" PRIu64
					 ": the certificate of block %" PRIu64
					 " it carries does not hash to its "
					 "header's last_cert_hash "
					 "(certificate or header altered)",
					 h, h - 1))
					goto out;
			} else if (!(prev_cert_ok &&
				     prev_cert_len == b.last_cert_len &&
				     memcmp(prev_cert, b.last_cert,
					    prev_cert_len) == 0)) {
				/* Not the bytes already verified as block h-1's
				 * certificate: verify these. */
				char what[96];
				(void)snprintf(
				    what, sizeof what,
				    "certificate carried by block %" PRIu64, h);
				if (cert_check(&a, h - 1, what, b.last_cert,
					       b.last_cert_len, prev_hash,
					       &res->cert_sigs))
					goto out;
			}
			/* The source keeps the canonical certificate of h-1,
			 * which is the one h carries. */
			if (prev_cert != NULL &&
			    (prev_cert_len != b.last_cert_len ||
			     memcmp(prev_cert, b.last_cert, prev_cert_len) !=
				 0) &&
			    fail(&a,
				 "block %" PRIu64 ": the certificate %s keeps "
						  "for it differs from the "
				 "one block %" PRIu64 " carries",
				 h - 1, src->name, h))
				goto out;
		}
		/* This block's own certificate (the last block's is the only
		 * one not carried by a successor). */
		uint64_t before = a.res->failures;
		if (cert_check(&a, h, "certificate", b.cert, b.cert_len, hash,
			       &res->cert_sigs))
			goto out;
		prev_cert_ok = a.res->failures == before;
		free(prev_cert);
		prev_cert = NULL;
		prev_cert_len = 0;
		if (b.cert_len > 0) {
			prev_cert = malloc(b.cert_len);
			if (prev_cert == NULL) {
				rc = acc_err_set(err, ACC_ENOMEM,
						 "out of memory");
				goto out;
			}
			memcpy(prev_cert, b.cert, b.cert_len);
			prev_cert_len = b.cert_len;
		}
		/* Entries: checked in parallel, then folded into the log in
		 * order. */
		if (b.first_index != fr.size &&
		    fail(&a,
			 "block %" PRIu64
			 ": %s puts its first entry at log index %" PRIu64
			 ", the log so far has %" PRIu64,
			 h, src->name, b.first_index, fr.size))
			goto out;
		if (scratch_grow(&a, b.entry_count) != 0) {
			rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
			goto out;
		}
		struct entry_job job = {
		    .g = a.g,
		    .bytes = b.entries,
		    .lens = b.entry_lens,
		    .rc = a.rc,
		    .errs = a.errs,
		    .ids = a.ids,
		    .sigs = a.sigs,
		};
		for (size_t i = 0; i < b.entry_count; i++)
			a.errs[i].msg[0] = '\0';
		double tv = now_s();
		pool_run(&pool, b.entry_count, entry_job_fn, &job);
		res->verify_seconds += now_s() - tv;
		for (size_t i = 0; i < b.entry_count; i++) {
			uint64_t index = fr.size;
			if (a.rc[i] != 0 &&
			    fail(&a,
				 "block %" PRIu64
				 " entry %zu (log index %" PRIu64 "): %s",
				 h, i, index,
				 a.errs[i].msg[0] ? a.errs[i].msg
						  : acc_strerror(a.rc[i])))
				goto out;
			res->entry_sigs += a.sigs[i];
			if (b.ids != NULL &&
			    memcmp(b.ids[i], a.ids[i], HASH_BYTES) != 0) {
				short_hex(h1, b.ids[i]);
				short_hex(h2, a.ids[i]);
				if (fail(&a,
					 "block %" PRIu64
					 " entry %zu (log index %" PRIu64
					 "): filed "
					 "under id %s…, but its bytes hash to "
					 "%s…",
					 h, i, index, h1, h2))
					goto out;
			}
			if (merkle_frontier_append(&fr, a.ids[i], NULL, NULL) !=
			    0) {
				rc = acc_err_set(err, ACC_EFULL,
						 "log size overflow");
				goto out;
			}
			res->entries++;
		}
		/* The RFC 9162 root after this block's entries. */
		if (hd_ok && !roots_diverged) {
			uint8_t root[HASH_BYTES];
			merkle_frontier_root(&fr, root);
			if (hd.log_size != fr.size ||
			    memcmp(root, hd.log_root, HASH_BYTES) != 0) {
				short_hex(h1, hd.log_root);
				short_hex(h2, root);
				roots_diverged = 1;
				if (fail(&a,
					 "block %" PRIu64
					 ": log root: the entries give size "
					 "%" PRIu64 " root %s…, the header "
						    "says size %" PRIu64
					 " root %s… (later "
					 "roots not compared)",
					 h, fr.size, h2, hd.log_size, h1))
					goto out;
			}
		}
		memcpy(prev_hash, hash, HASH_BYTES);
	}
	res->log_size = fr.size;
	merkle_frontier_root(&fr, res->log_root);
	if (!roots_diverged &&
	    (head.log_size != fr.size ||
	     memcmp(head.log_root, res->log_root, HASH_BYTES) != 0)) {
		short_hex(h1, head.log_root);
		short_hex(h2, res->log_root);
		(void)fail(&a,
			   "%s reports log size %" PRIu64
			   " root %s…, the blocks give %" PRIu64 " root %s…",
			   src->name, head.log_size, h1, fr.size, h2);
	}
out:
	res->seconds = now_s() - t0;
	free(prev_cert);
	pool_free(&pool);
	free(a.rc);
	free(a.errs);
	free(a.ids);
	free(a.sigs);
	return rc;
}

double audit_raw_verify_rate(double seconds)
{
	struct key k;
	uint8_t msg[256], sig[SIG_BYTES];
	memset(msg, 0x5a, sizeof msg);
	if (key_new(&k) != 0)
		return 0;
	ed25519_sign(sig, &k, msg, sizeof msg);
	uint64_t n = 0;
	double t0 = now_s(), t;
	int bad = 0;
	do {
		for (int i = 0; i < 64; i++)
			bad |= ed25519_verify(sig, k.pk, msg, sizeof msg);
		n += 64;
		t = now_s() - t0;
	} while (t < seconds);
	key_free(&k);
	return bad ? 0 : (double)n / t;
}
