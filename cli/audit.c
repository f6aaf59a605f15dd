/* audit.c - recompute and check a chain from genesis (specs/cli.md §8). */
#include "cli/audit.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/pool.h"
#include "common/hex.h"
#include "common/merkle.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/chain.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "ledger/rules.h"
#include "ledger/state.h"

/*
 * How the work is laid out (specs/cli.md §8 "Speed"). Signatures are the
 * cost, so they are all that goes to the thread pool: every entry check
 * and every certificate verification. What must follow the chain's order
 * (links, times, roots, the failure lines) runs in the main thread, from
 * the pool's results.
 *
 * Blocks are read into windows of whole blocks holding about WINDOW_ITEMS
 * pool jobs. While the pool verifies window k+1, the main thread runs the
 * ordered checks of window k and then reads window k+2, and only then
 * joins the pool. So no core waits for the ordered work, threads meet
 * once per window rather than once per block, and no more threads than
 * --threads ever run: the main thread's ordered work takes turns with its
 * own share of the verification instead of competing for a core.
 */
#define WINDOW_ITEMS 1024u
#define WINDOW_BLOCKS 1024u
/* And about this many bytes of blocks (a source whose bytes do not last
 * has them copied). */
#define WINDOW_BYTES ((size_t)32 << 20)
/* Bytes of a chunk of copies, for sources whose bytes do not last. */
#define ARENA_CHUNK_BYTES ((size_t)1 << 20)

static double now_s(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- copies of block bytes for a window ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t cap, used;
	uint8_t data[];
};

/* Chunks kept from window to window; reset reuses them from the first. */
struct arena {
	struct arena_chunk *first, *last, *cur;
};

static void arena_reset(struct arena *ar)
{
	ar->cur = ar->first;
	if (ar->cur != NULL)
		ar->cur->used = 0;
}

/* A copy of p[0..n), n > 0, that lives until the next reset, or NULL (no
 * memory). */
static const uint8_t *arena_copy(struct arena *ar, const uint8_t *p, size_t n)
{
	struct arena_chunk *c = ar->cur;
	while (c != NULL && c->cap - c->used < n) {
		c = c->next;
		if (c != NULL)
			c->used = 0;
	}
	if (c == NULL) {
		size_t cap = n > ARENA_CHUNK_BYTES ? n : ARENA_CHUNK_BYTES;
		c = malloc(sizeof *c + cap);
		if (c == NULL)
			return NULL;
		c->next = NULL;
		c->cap = cap;
		c->used = 0;
		if (ar->last != NULL)
			ar->last->next = c;
		else
			ar->first = c;
		ar->last = c;
	}
	ar->cur = c;
	uint8_t *q = c->data + c->used;
	memcpy(q, p, n);
	c->used += n;
	return q;
}

static void arena_free(struct arena *ar)
{
	struct arena_chunk *c = ar->first;
	while (c != NULL) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	memset(ar, 0, sizeof *ar);
}

/* ---- windows ---- */

struct wblock {
	uint64_t height;
	const uint8_t *header, *cert, *last_cert;
	size_t header_len, cert_len, last_cert_len;
	uint64_t first_index; /* what the source says */
	size_t entry_count;
	size_t first; /* its first entry in the window's entry arrays */
	int has_ids;  /* the source filed ids (window src_ids) */
	int last_pre; /* last_cert_pre was computed */
	/* The pool's half of the certificate checks (ledger/chain.h). */
	struct chain_cert_pre cert_pre, last_cert_pre;
};

/* A certificate job: block index in the window, and which one. */
struct wcert {
	size_t block;
	int carried;
};

struct window {
	const struct genesis *g;
	size_t nblocks, blocks_cap;
	struct wblock *blocks;
	size_t ncerts, certs_cap;
	struct wcert *certs;
	/* Entries of all its blocks, in log order. */
	size_t nentries, entries_cap;
	size_t block_bytes; /* of its headers, certificates and entries */
	const uint8_t **bytes;
	size_t *lens;
	uint8_t (*src_ids)[HASH_BYTES]; /* what the source files them under */
	/* Filled by the pool. */
	int *rc;
	struct acc_err *errs;
	uint8_t (*ids)[HASH_BYTES]; /* their leaf hashes */
	size_t *sigs;
	/* The entries the pool decoded and checked (rc 0), kept for the
	 * replay so that it neither decodes nor hashes them again; live[i]
	 * while ents[i] owns heap parts. */
	struct entry *ents;
	uint8_t *live;
	struct arena arena;
	/* Reading stopped after the last block because of this, at
	 * stop_height; a source failure is reported (stop_fail) after the
	 * blocks before it are checked. */
	int stop_rc;
	int stop_fail;
	uint64_t stop_height;
	struct acc_err stop_err;
};

static int blocks_reserve(struct window *w, size_t n)
{
	if (n <= w->blocks_cap)
		return 0;
	size_t cap = w->blocks_cap ? w->blocks_cap : 64;
	while (cap < n)
		cap *= 2;
	struct wblock *b = realloc(w->blocks, cap * sizeof *b);
	if (b == NULL)
		return ACC_ENOMEM;
	w->blocks = b;
	w->blocks_cap = cap;
	return 0;
}

static int certs_reserve(struct window *w, size_t n)
{
	if (n <= w->certs_cap)
		return 0;
	size_t cap = w->certs_cap ? w->certs_cap : 128;
	while (cap < n)
		cap *= 2;
	struct wcert *c = realloc(w->certs, cap * sizeof *c);
	if (c == NULL)
		return ACC_ENOMEM;
	w->certs = c;
	w->certs_cap = cap;
	return 0;
}

/* Each array is only replaced once its realloc worked, so a failure
 * leaves the window consistent at the old capacity. */
#define GROW(ptr, cap)                                             \
	do {                                                       \
		void *np_ = realloc((ptr), (cap) * sizeof *(ptr)); \
		if (np_ == NULL)                                   \
			return ACC_ENOMEM;                         \
		(ptr) = np_;                                       \
	} while (0)

static int entries_reserve(struct window *w, size_t n)
{
	if (n <= w->entries_cap)
		return 0;
	size_t cap = w->entries_cap ? w->entries_cap : 1024;
	while (cap < n)
		cap *= 2;
	GROW(w->bytes, cap);
	GROW(w->lens, cap);
	GROW(w->src_ids, cap);
	GROW(w->rc, cap);
	GROW(w->errs, cap);
	GROW(w->ids, cap);
	GROW(w->sigs, cap);
	GROW(w->ents, cap);
	GROW(w->live, cap);
	w->entries_cap = cap;
	return 0;
}

/* Free the decoded entries the replay did not take. */
static void window_entries_free(struct window *w)
{
	for (size_t i = 0; i < w->nentries; i++)
		if (w->live[i]) {
			entry_free(&w->ents[i]);
			w->live[i] = 0;
		}
}

static void window_reset(struct window *w)
{
	window_entries_free(w);
	w->nblocks = 0;
	w->ncerts = 0;
	w->nentries = 0;
	w->block_bytes = 0;
	w->stop_rc = 0;
	w->stop_fail = 0;
	w->stop_height = 0;
	memset(&w->stop_err, 0, sizeof w->stop_err);
	arena_reset(&w->arena);
}

static void window_free(struct window *w)
{
	window_entries_free(w);
	free(w->blocks);
	free(w->certs);
	free(w->bytes);
	free(w->lens);
	free(w->src_ids);
	free(w->rc);
	free(w->errs);
	free(w->ids);
	free(w->sigs);
	free(w->ents);
	free(w->live);
	arena_free(&w->arena);
	memset(w, 0, sizeof *w);
}

static size_t window_items(const struct window *w)
{
	return w->ncerts + w->nentries;
}

/* Pool job i of a window: its certificates first (a certificate may carry
 * many signatures, so they go before the single-signature entries), then
 * its entries. */
static void window_job_fn(void *user, size_t i)
{
	struct window *w = user;
	if (i < w->ncerts) {
		struct wblock *b = &w->blocks[w->certs[i].block];
		if (w->certs[i].carried)
			chain_cert_pre_run(&b->last_cert_pre, w->g,
					   b->last_cert, b->last_cert_len);
		else
			chain_cert_pre_run(&b->cert_pre, w->g, b->cert,
					   b->cert_len);
		return;
	}
	i -= w->ncerts;
	struct entry *e = &w->ents[i];
	w->errs[i].msg[0] = '\0';
	/* The per-entry check of specs/chain.md §2: decoding, every field
	 * bound, every signature, every signer in genesis, and the id. The
	 * signatures are the whole cost of an audit. The decoded entry and
	 * its id stay for the replay. */
	w->rc[i] = chain_entry_check(w->g, w->bytes[i], w->lens[i], e,
				     w->ids[i], &w->errs[i]);
	w->live[i] = w->rc[i] == 0;
	w->sigs[i] = w->rc[i] == 0 ? e->sig_count : 0;
}

/* ---- the audit ---- */

struct auditor {
	const struct audit_opts *o;
	const struct audit_source *src;
	const struct genesis *g;
	FILE *out;
	size_t failures_max;
	struct audit_result *res;
	/* Reading ahead. */
	uint64_t next_height, head_height;
	/* The own certificate of the block last read. */
	const uint8_t *fill_prev_cert;
	size_t fill_prev_cert_len;
	/* The ordered checks' state: the block before the next one, with
	 * the log recomputed so far (prev.log). */
	struct chain_prev prev;
	uint8_t *prev_cert; /* the certificate the source keeps for h-1 */
	size_t prev_cert_len, prev_cert_cap;
	int have_prev_cert;
	struct chain_cert_pre prev_cert_pre; /* its pool result */
	int roots_diverged;
	/* Compliance: the derived state rebuilt from the entries. */
	struct kv state;
	int state_diverged; /* an entry was refused: later ones not replayed */
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

static void short_hex(char out[33], const uint8_t *h)
{
	hex_encode(out, h, 16);
}

/* Keep the n bytes at p in window w: the source's own bytes when they last,
 * else a copy. NULL only when memory runs out. */
static const uint8_t *keep(struct window *w, int stable, const uint8_t *p,
			   size_t n)
{
	static const uint8_t empty[1];
	if (n == 0)
		return empty;
	if (stable)
		return p;
	return arena_copy(&w->arena, p, n);
}

/* Read blocks a->next_height.. into w until it holds WINDOW_ITEMS jobs,
 * WINDOW_BLOCKS blocks, WINDOW_BYTES or the head. A failure stops the reading
 * and is kept in w for its turn. */
static void window_fill(struct auditor *a, struct window *w)
{
	const struct audit_source *src = a->src;
	int stable = src->bytes_stable;
	window_reset(w);
	while (a->next_height <= a->head_height &&
	       window_items(w) < WINDOW_ITEMS && w->nblocks < WINDOW_BLOCKS &&
	       w->block_bytes < WINDOW_BYTES) {
		uint64_t h = a->next_height;
		struct audit_block b;
		memset(&b, 0, sizeof b);
		w->stop_height = h;
		w->stop_rc = src->block(src->ctx, h, &b, &w->stop_err);
		if (w->stop_rc != 0) {
			w->stop_fail = 1;
			return;
		}
		if (blocks_reserve(w, w->nblocks + 1) != 0 ||
		    certs_reserve(w, w->ncerts + 2) != 0 ||
		    entries_reserve(w, w->nentries + b.entry_count) != 0)
			goto nomem;
		struct wblock *wb = &w->blocks[w->nblocks];
		memset(wb, 0, sizeof *wb);
		wb->height = h;
		wb->header_len = b.header_len;
		wb->cert_len = b.cert_len;
		wb->last_cert_len = b.last_cert_len;
		w->block_bytes += b.header_len + b.cert_len + b.last_cert_len;
		wb->header = keep(w, stable, b.header, b.header_len);
		wb->cert = keep(w, stable, b.cert, b.cert_len);
		wb->last_cert = keep(w, stable, b.last_cert, b.last_cert_len);
		if (wb->header == NULL || wb->cert == NULL ||
		    wb->last_cert == NULL)
			goto nomem;
		wb->first_index = b.first_index;
		wb->entry_count = b.entry_count;
		wb->first = w->nentries;
		wb->has_ids = b.ids != NULL;
		for (size_t i = 0; i < b.entry_count; i++) {
			size_t k = w->nentries + i;
			w->bytes[k] =
			    keep(w, stable, b.entries[i], b.entry_lens[i]);
			if (w->bytes[k] == NULL)
				goto nomem;
			w->lens[k] = b.entry_lens[i];
			w->live[k] = 0;
			w->block_bytes += b.entry_lens[i];
			if (b.ids != NULL)
				memcpy(w->src_ids[k], b.ids[i], HASH_BYTES);
		}
		/* Certificates for the pool: this block's own, and the one it
		 * carries for h-1 unless those are the bytes of h-1's own
		 * (the usual case: they are checked once). */
		if (wb->cert_len > 0)
			w->certs[w->ncerts++] =
			    (struct wcert){.block = w->nblocks, .carried = 0};
		if (h > 1 && wb->last_cert_len > 0 &&
		    !(a->fill_prev_cert_len == wb->last_cert_len &&
		      memcmp(a->fill_prev_cert, wb->last_cert,
			     wb->last_cert_len) == 0)) {
			w->certs[w->ncerts++] =
			    (struct wcert){.block = w->nblocks, .carried = 1};
			wb->last_pre = 1;
		}
		/* The block stays readable while the next window is read:
		 * windows alternate. */
		a->fill_prev_cert = wb->cert;
		a->fill_prev_cert_len = wb->cert_len;
		w->nentries += b.entry_count;
		w->nblocks++;
		a->next_height++;
	}
	w->stop_height = 0;
	return;
nomem:
	w->stop_rc = acc_err_set(&w->stop_err, ACC_ENOMEM, "out of memory");
	w->stop_fail = 0;
	a->next_height = a->head_height + 1;
}

/* Report a check of ledger/chain.h that failed; returns 1 to stop. */
static int fail_chain(struct auditor *a, const struct chain_fail *f)
{
	return fail(a, "%s", f->err.msg);
}

/* Keep block h's own certificate and its pool result: block h+1 should
 * carry the same bytes. Returns ACC_ENOMEM or 0. */
static int keep_cert(struct auditor *a, const struct wblock *b)
{
	a->have_prev_cert = 0;
	a->prev_cert_len = 0;
	if (b->cert_len == 0)
		return 0;
	if (b->cert_len > a->prev_cert_cap) {
		uint8_t *pc = realloc(a->prev_cert, b->cert_len);
		if (pc == NULL)
			return ACC_ENOMEM;
		a->prev_cert = pc;
		a->prev_cert_cap = b->cert_len;
	}
	memcpy(a->prev_cert, b->cert, b->cert_len);
	a->prev_cert_len = b->cert_len;
	a->prev_cert_pre = b->cert_pre;
	a->have_prev_cert = 1;
	return 0;
}

/* §2 steps 1-7: the header decodes and links to the block before. Sets
 * *hd_ok. Returns 1 to stop. */
static int header_step(struct auditor *a, const struct wblock *b,
		       struct block_header *hd, int *hd_ok)
{
	struct acc_err e = {0};
	struct chain_fail f;
	*hd_ok = block_header_decode(hd, b->header, b->header_len, &e) == 0;
	if (!*hd_ok)
		return fail(a, "block %" PRIu64 ": header does not decode: %s",
			    b->height, e.msg);
	if (chain_header_check(a->g, &a->prev, hd, b->entry_count, &f) != 0)
		return fail_chain(a, &f);
	return 0;
}

/*
 * §2 steps 8-11: the certificate of h-1 it carries (bytes equal to h-1's
 * own certificate take that one's pool result: they were verified once),
 * the one the source keeps for h-1, its own certificate (the last block's
 * is the only one no successor carries) and the proposer of its round.
 * hd is NULL when the header does not decode. Returns 1 to stop.
 */
static int cert_step(struct auditor *a, const struct wblock *b,
		     const struct block_header *hd,
		     const uint8_t hash[HASH_BYTES])
{
	struct audit_result *res = a->res;
	struct chain_fail f;
	uint64_t h = b->height;
	int same_as_kept =
	    h > 1 && a->have_prev_cert &&
	    a->prev_cert_len == b->last_cert_len &&
	    memcmp(a->prev_cert, b->last_cert, b->last_cert_len) == 0;
	if (hd != NULL) {
		const struct chain_cert_pre *pre =
		    b->last_pre	   ? &b->last_cert_pre
		    : same_as_kept ? &a->prev_cert_pre
				   : NULL;
		if (chain_last_cert_check(a->g, &a->prev, hd, b->last_cert,
					  b->last_cert_len, pre, &f) != 0) {
			if (fail_chain(a, &f))
				return 1;
		} else if (b->last_pre) {
			res->cert_sigs += b->last_cert_pre.count;
		}
	}
	/* The source keeps the canonical certificate of h-1, which is the
	 * one h carries. */
	if (h > 1 && a->have_prev_cert && !same_as_kept &&
	    fail(a,
		 "block %" PRIu64 ": the certificate %s keeps for it "
		 "differs from the one block %" PRIu64 " carries",
		 h - 1, a->src->name, h))
		return 1;
	uint32_t round = 0;
	if (chain_cert_check(a->g, h, hash, b->cert, b->cert_len,
			     b->cert_len > 0 ? &b->cert_pre : NULL, &round,
			     &f) != 0)
		return fail_chain(a, &f);
	res->cert_sigs += b->cert_pre.count;
	if (hd != NULL && chain_proposer_check(a->g, h, hd, round, &f) != 0)
		return fail_chain(a, &f);
	return 0;
}

/*
 * §2 step 12 and the replay: the entries of block b, checked by the pool,
 * folded into the log in order and replayed through the rules at the
 * block's time (hd NULL: the header does not decode, the replay stops).
 * Returns 1 to stop (the failure bound, or an error in *rc).
 */
static int entries_step(struct auditor *a, struct window *w,
			const struct wblock *b, const struct block_header *hd,
			int *rc, struct acc_err *err)
{
	struct audit_result *res = a->res;
	struct chain_fail f;
	uint64_t h = b->height;
	char h1[33], h2[33];
	if (b->first_index != a->prev.log.size &&
	    fail(a,
		 "block %" PRIu64 ": %s puts its first entry at log index "
		 "%" PRIu64 ", the log so far has %" PRIu64,
		 h, a->src->name, b->first_index, a->prev.log.size))
		return 1;
	for (size_t i = 0; i < b->entry_count; i++) {
		size_t k = b->first + i;
		uint64_t index = a->prev.log.size;
		if (w->rc[k] != 0) {
			(void)chain_entry_fail(&f, h, i, index, w->rc[k],
					       &w->errs[k]);
			if (fail_chain(a, &f))
				return 1;
		}
		res->entry_sigs += w->sigs[k];
		if (b->has_ids &&
		    memcmp(w->src_ids[k], w->ids[k], HASH_BYTES) != 0) {
			short_hex(h1, w->src_ids[k]);
			short_hex(h2, w->ids[k]);
			if (fail(a,
				 "block %" PRIu64 " entry %zu (log index "
				 "%" PRIu64
				 "): filed under id %s…, but its bytes hash "
				 "to %s…",
				 h, i, index, h1, h2))
				return 1;
		}
		if (merkle_frontier_append(&a->prev.log, w->ids[k], NULL,
					   NULL) != 0) {
			*rc = acc_err_set(err, ACC_EFULL, "log size overflow");
			return 1;
		}
		res->entries++;
		/* The rules, at the block's time (specs/compliance.md §2):
		 * a node must never have committed an entry they refuse. */
		if (!a->state_diverged && (hd == NULL || w->rc[k] != 0))
			a->state_diverged = 1;
		if (a->state_diverged)
			continue;
		/* What state_replay_entry does, from the pool's decoding and
		 * id. */
		struct acc_err e = {0};
		int r = rules_apply(&a->state, a->g, &w->ents[k], w->ids[k],
				    index, hd->time_ms / 1000u, &e);
		entry_free(&w->ents[k]);
		w->live[k] = 0;
		if (r == ACC_ENOMEM) {
			*rc = acc_err_set(err, r, "out of memory");
			return 1;
		}
		if (r != 0) {
			a->state_diverged = 1;
			if (fail(a,
				 "block %" PRIu64 " entry %zu (log index "
				 "%" PRIu64
				 "): the rules refuse it: %s (compliance not "
				 "recomputed past it)",
				 h, i, index, e.msg))
				return 1;
		}
	}
	return 0;
}

/*
 * The ordered checks of block j of w, its signatures already verified by
 * the pool: the checks of specs/chain.md §2 (ledger/chain.h, piece by
 * piece, each failure reported and the audit going on), what the source
 * says beside the blocks (where the log continues, the ids it files, the
 * certificate it keeps), and the replay through the rules. Returns 1 to
 * stop (the failure bound, or an error in *rc).
 */
static int block_check(struct auditor *a, struct window *w, size_t j, int *rc,
		       struct acc_err *err)
{
	const struct wblock *b = &w->blocks[j];
	struct block_header hd;
	struct chain_fail f;
	uint8_t hash[HASH_BYTES];
	int hd_ok;

	a->res->blocks++;
	block_hash(b->header, b->header_len, hash);
	if (header_step(a, b, &hd, &hd_ok) ||
	    cert_step(a, b, hd_ok ? &hd : NULL, hash))
		return 1;
	if (keep_cert(a, b) != 0) {
		*rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		return 1;
	}
	if (entries_step(a, w, b, hd_ok ? &hd : NULL, rc, err))
		return 1;
	/* §2 step 13: the RFC 9162 root after this block's entries. Once the
	 * log differs, every later root does too: it is named once. */
	if (hd_ok && !a->roots_diverged &&
	    chain_log_check(b->height, &hd, &a->prev.log, &f) != 0) {
		a->roots_diverged = 1;
		if (fail(a, "%s (later roots not compared)", f.err.msg))
			return 1;
	}
	/* The next block links to this one, whatever failed here. */
	a->prev.height = b->height;
	memcpy(a->prev.hash, hash, HASH_BYTES);
	if (hd_ok)
		a->prev.time_ms = hd.time_ms;
	return 0;
}

/* ---- compliance ---- */

struct rows_ctx {
	struct audit_result *res;
	json_t *rows;
};

static int rows_cb(void *ctx, const struct compliance_row *r)
{
	struct rows_ctx *c = ctx;
	c->res->obligations++;
	if (r->status >= 1 && r->status <= COMPLIANCE_STATUS_MAX)
		c->res->status_count[r->status]++;
	json_t *j = compliance_row_to_json(r);
	if (j == NULL || json_array_append_new(c->rows, j) != 0)
		return ACC_ENOMEM;
	return 0;
}

/* A short name of a row for messages: agreement…/party/scope. */
static void row_name(char *out, size_t cap, const json_t *row)
{
	const char *ag = json_string_value(json_object_get(row, "agreement"));
	const char *party = json_string_value(json_object_get(row, "party"));
	const char *scope = json_string_value(json_object_get(row, "scope"));
	(void)snprintf(out, cap, "%.12s…/%s%s%s", ag ? ag : "?",
		       party ? party : "?", scope && scope[0] ? "/" : "",
		       scope ? scope : "");
}

/* The replayed state's digest and table: a job for a second thread. */
struct eval_job {
	const struct kv *kv;
	uint64_t t;
	struct rows_ctx *rows;
	uint8_t *digest;
	int rc;
	struct acc_err err;
};

static void eval_job_run(struct eval_job *j)
{
	j->rc = state_digest(j->kv, j->digest);
	if (j->rc == 0)
		j->rc = compliance_eval(j->kv, j->t, NULL, NULL, rows_cb,
					j->rows, &j->err);
}

static void *eval_job_thread(void *p)
{
	eval_job_run(p);
	return NULL;
}

/*
 * The compliance table and digest of the replayed state at the head
 * block's time, compared with what the source holds (specs/cli.md §8).
 * Both digests are a pass over the whole state after the last entry,
 * with no signature left to overlap them: ours runs on a second thread
 * while this one asks the source for its own.
 */
/* The recomputed rows: kept in the result when asked for, else freed. */
static void rows_keep(struct auditor *a, json_t *rows)
{
	if (a->o->keep_rows && a->res->state_replayed) {
		json_decref(a->res->rows);
		a->res->rows = rows;
	} else {
		json_decref(rows);
	}
}

static int state_check(struct auditor *a, uint64_t head_height, int *rc,
		       struct acc_err *err)
{
	struct audit_result *res = a->res;
	struct rows_ctx rc_ = {res, json_array()};
	char h1[33], h2[33], name[200];
	pthread_t th;
	if (rc_.rows == NULL) {
		*rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		return 1;
	}
	res->state_time_s = a->prev.time_ms / 1000u;
	struct eval_job job = {
	    .kv = &a->state,
	    .t = res->state_time_s,
	    .rows = &rc_,
	    .digest = res->state_digest,
	};
	int threaded = pthread_create(&th, NULL, eval_job_thread, &job) == 0;
	if (!threaded)
		eval_job_run(&job);
	struct audit_state st = {0};
	struct acc_err se = {0};
	int st_rc = a->src->state != NULL
			? a->src->state(a->src->ctx, &st, &se)
			: ACC_ENOTFOUND;
	int have_st = st_rc == 0 && st.height == head_height;
	if (threaded)
		(void)pthread_join(th, NULL);
	if (job.rc != 0) {
		json_decref(st.rows);
		json_decref(rc_.rows);
		(void)fail(a, "compliance: cannot evaluate the replayed state: "
			      "%s",
			   job.err.msg[0] ? job.err.msg : acc_strerror(job.rc));
		return 1;
	}
	res->state_replayed = 1;
	if (a->src->state != NULL && st_rc != 0) {
		/* A source that cannot show its state fails the audit: it
		 * could be hiding a difference. */
		json_decref(st.rows);
		rows_keep(a, rc_.rows);
		(void)fail(a, "%s: cannot read its derived state: %s",
			   a->src->name,
			   se.msg[0] ? se.msg : acc_strerror(st_rc));
		return 1;
	}
	if (!have_st) {
		/* Nothing to compare with (a node that moved on): the
		 * recomputed table stands on its own. */
		json_decref(st.rows);
		rows_keep(a, rc_.rows);
		return 0;
	}
	int stop = 0;
	if (memcmp(st.digest, res->state_digest, HASH_BYTES) != 0) {
		short_hex(h1, st.digest);
		short_hex(h2, res->state_digest);
		stop = fail(a,
			    "%s holds derived state %s…, replaying the log "
			    "gives %s…",
			    a->src->name, h1, h2);
	} else {
		res->state_compared = 1;
	}
	if (!stop && st.rows != NULL) {
		size_t n = json_array_size(st.rows),
		       m = json_array_size(rc_.rows), bad = 0;
		if (n != m)
			stop = fail(a,
				    "%s serves %zu compliance rows, the log "
				    "gives %zu",
				    a->src->name, n, m);
		for (size_t i = 0; !stop && i < n && i < m; i++) {
			json_t *theirs = json_array_get(st.rows, i);
			json_t *ours = json_array_get(rc_.rows, i);
			if (json_equal(theirs, ours))
				continue;
			bad++;
			row_name(name, sizeof name, ours);
			const char *ts = json_string_value(
			    json_object_get(theirs, "status"));
			const char *os =
			    json_string_value(json_object_get(ours, "status"));
			stop = fail(a,
				    "compliance row %zu (%s): %s serves status "
				    "%s, the log gives %s%s",
				    i, name, a->src->name, ts ? ts : "?",
				    os ? os : "?",
				    ts && os && strcmp(ts, os) == 0
					? " (other fields differ)"
					: "");
		}
		if (!stop && n == m && bad == 0 && res->state_compared)
			res->state_compared = 2;
	}
	json_decref(st.rows);
	rows_keep(a, rc_.rows);
	return stop;
}

int audit_run(const struct audit_opts *o, const struct audit_source *src,
	      struct audit_result *res, struct acc_err *err)
{
	struct auditor a = {
	    .o = o,
	    .src = src,
	    .g = o->g,
	    .out = o->out ? o->out : stderr,
	    .failures_max =
		o->failures_max ? o->failures_max : AUDIT_FAILURES_DEFAULT,
	    .res = res,
	    .next_height = 1,
	};
	struct pool pool;
	struct audit_head head;
	struct window win[2];
	int running = 0; /* the pool holds a window's job */
	double tv = 0;
	int rc = 0;
	char h1[33], h2[33];
	double t0 = now_s();

	memset(res, 0, sizeof *res);
	memset(win, 0, sizeof win);
	win[0].g = win[1].g = a.g;
	size_t threads = o->threads ? o->threads : pool_cpus();
	if (pool_init(&pool, threads > 1 ? threads - 1 : 0) != 0)
		return acc_err_set(err, ACC_ENOMEM,
				   "cannot start verification threads");
	/* The replay's KV is a hash table: it reads and writes a few keys per
	 * entry and iterates only at the end (specs/cli.md §8 "Speed"). */
	if (kv_hash_open(&a.state) != 0) {
		pool_free(&pool);
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	}
	chain_prev_genesis(&a.prev, a.g);

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
	a.head_height = head.height;
	/* The pipeline: the pool verifies window cur while this thread reads
	 * the next one, then (the pool on the next window) checks cur in
	 * order. */
	int cur = 0;
	window_fill(&a, &win[cur]);
	tv = now_s();
	pool_start(&pool, window_items(&win[cur]), window_job_fn, &win[cur]);
	running = 1;
	for (;;) {
		struct window *w = &win[cur], *nw = &win[cur ^ 1];
		int more = w->stop_rc == 0 && a.next_height <= a.head_height;
		if (more)
			window_fill(&a, nw);
		pool_wait(&pool);
		running = 0;
		if (more) {
			pool_start(&pool, window_items(nw), window_job_fn, nw);
			running = 1;
		} else {
			res->verify_seconds += now_s() - tv;
		}
		for (size_t j = 0; j < w->nblocks; j++)
			if (block_check(&a, w, j, &rc, err))
				goto out;
		if (w->stop_rc != 0) {
			/* The block after the last one read: the source failed
			 * (which stops the audit), or memory ran out. */
			rc = w->stop_rc;
			*err = w->stop_err;
			if (w->stop_fail)
				(void)fail(&a, "block %" PRIu64 ": %s",
					   w->stop_height, err->msg);
			goto out;
		}
		if (!more)
			break;
		cur ^= 1;
	}
	res->log_size = a.prev.log.size;
	merkle_frontier_root(&a.prev.log, res->log_root);
	if (!a.roots_diverged &&
	    (head.log_size != a.prev.log.size ||
	     memcmp(head.log_root, res->log_root, HASH_BYTES) != 0)) {
		short_hex(h1, head.log_root);
		short_hex(h2, res->log_root);
		(void)fail(&a,
			   "%s reports log size %" PRIu64
			   " root %s…, the blocks give %" PRIu64 " root %s…",
			   src->name, head.log_size, h1, a.prev.log.size, h2);
	}
	if (!a.state_diverged)
		(void)state_check(&a, head.height, &rc, err);
out:
	if (running) {
		pool_wait(&pool);
		res->verify_seconds += now_s() - tv;
	}
	pool_free(&pool);
	res->seconds = now_s() - t0;
	free(a.prev_cert);
	kv_hash_close(&a.state);
	window_free(&win[0]);
	window_free(&win[1]);
	return rc;
}

/* ---- the machine's raw rate ---- */

/*
 * The raw rate is measured over a fixed set of distinct signatures: the
 * cost of an Ed25519 verification varies by a few percent from one key and
 * signature to the next (the double scalar multiplication is variable
 * time), so one random signature would make each measurement a draw. Keys
 * come from fixed seeds, so every call and every run verifies the same set,
 * like an audit verifies many signers' signatures. Messages are 256 bytes,
 * the SHA-512 blocks of a typical entry's signed message.
 */
#define RAW_SET 256u
#define RAW_MSG_BYTES 256u
#define RAW_BATCH 1024u /* jobs per pool run: about an audit window */

struct raw_set {
	uint8_t pk[RAW_SET][PUBKEY_BYTES];
	uint8_t sig[RAW_SET][SIG_BYTES];
	uint8_t msg[RAW_SET][RAW_MSG_BYTES];
	_Atomic int bad;
};

static int raw_set_make(struct raw_set *s)
{
	for (size_t i = 0; i < RAW_SET; i++) {
		uint8_t seed[SEED_BYTES];
		struct key k;
		memset(seed, 0xa5, sizeof seed);
		seed[0] = (uint8_t)i;
		if (key_from_seed(&k, seed) != 0)
			return ACC_ENOMEM;
		for (size_t j = 0; j < RAW_MSG_BYTES; j++)
			s->msg[i][j] = (uint8_t)(i * 31u + j);
		ed25519_sign(s->sig[i], &k, s->msg[i], RAW_MSG_BYTES);
		memcpy(s->pk[i], k.pk, PUBKEY_BYTES);
		key_free(&k);
	}
	s->bad = 0;
	return 0;
}

static void raw_job_fn(void *user, size_t i)
{
	struct raw_set *s = user;
	size_t k = i % RAW_SET;
	if (ed25519_verify(s->sig[k], s->pk[k], s->msg[k], RAW_MSG_BYTES) != 0)
		s->bad = 1;
}

double audit_raw_verify_rate_threads(double seconds, size_t threads)
{
	struct raw_set *s = malloc(sizeof *s);
	struct pool pool;
	if (s == NULL)
		return 0;
	if (raw_set_make(s) != 0) {
		free(s);
		return 0;
	}
	if (threads == 0)
		threads = pool_cpus();
	if (pool_init(&pool, threads - 1) != 0) {
		free(s);
		return 0;
	}
	uint64_t n = 0;
	double t0 = now_s(), t;
	do {
		pool_run(&pool, RAW_BATCH, raw_job_fn, s);
		n += RAW_BATCH;
		t = now_s() - t0;
	} while (t < seconds);
	pool_free(&pool);
	int bad = s->bad;
	free(s);
	return bad ? 0 : (double)n / t;
}

double audit_raw_verify_rate(double seconds)
{
	return audit_raw_verify_rate_threads(seconds, 1);
}
