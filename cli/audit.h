/* audit.h - verify a whole chain from its genesis alone: every header,
 * link, certificate, entry signature, id and Merkle root, from a node's
 * API or a copied data directory (specs/cli.md §8). */
#ifndef ACCORD_CLI_AUDIT_H
#define ACCORD_CLI_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "common/crypto.h"
#include "common/error.h"
#include "ledger/compliance.h"

struct genesis;

/* Failures reported before the audit stops, by default. */
#define AUDIT_FAILURES_DEFAULT 20u

/*
 * One block as a source serves it. Every pointer is borrowed from the
 * source and valid until its next block() call or close; with
 * audit_source.bytes_stable, the bytes behind header, cert, last_cert and
 * each entries[i] (not the arrays entries, entry_lens and ids themselves)
 * stay valid until close.
 */
struct audit_block {
	const uint8_t *header;
	size_t header_len;
	const uint8_t *cert; /* the certificate the source keeps for it */
	size_t cert_len;
	const uint8_t *last_cert; /* the certificate of height-1 it carries */
	size_t last_cert_len;
	uint64_t first_index; /* what the source says */
	size_t entry_count;   /* entries served below */
	const uint8_t *const *entries;
	const size_t *entry_lens;
	/* The ids the source files the entries under (its id index, or the
	 * API's entry_ids), NULL when it has none. */
	const uint8_t (*ids)[HASH_BYTES];
};

/* What the source says the head is, to compare with the recomputation. */
struct audit_head {
	uint64_t height;
	uint64_t log_size;
	uint8_t log_root[HASH_BYTES];
	int has_genesis_hash;
	uint8_t genesis_hash[HASH_BYTES];
};

/* What the source says of the derived state (specs/compliance.md §5):
 * its digest at head `height`, and the compliance rows it serves (a
 * node's GET /v1/compliance) or NULL (a data directory has the state,
 * not the table). */
struct audit_state {
	uint64_t height;
	uint8_t digest[HASH_BYTES];
	json_t *rows; /* owned by the caller of state() */
};

struct audit_source {
	const char *name; /* "node http://…" or "data dir/" for messages */
	int (*head)(void *ctx, struct audit_head *h, struct acc_err *err);
	int (*block)(void *ctx, uint64_t height, struct audit_block *b,
		     struct acc_err *err);
	/* The derived state as the source holds it now. */
	int (*state)(void *ctx, struct audit_state *st, struct acc_err *err);
	void (*close)(void *ctx);
	void *ctx;
	/* The block bytes outlive the next block() call (a data directory's
	 * read snapshot): the audit then keeps pointers to them instead of
	 * copies while it reads ahead. */
	int bytes_stable;
};

/* Sources. On success *src owns its context until src->close(ctx). */
int audit_source_data(struct audit_source *src, const char *dir,
		      struct acc_err *err);
int audit_source_node(struct audit_source *src, const char *url,
		      struct acc_err *err);
/* A directory written by audit_source_save (specs/cli.md §8.1), read with
 * no node: ACC_EIO when it is not one. */
int audit_source_saved(struct audit_source *src, const char *dir,
		       struct acc_err *err);
/*
 * Wrap inner so that everything the audit reads from it is also written
 * under dir (specs/cli.md §8.1): dir must not exist or be empty (ACC_EDUP
 * otherwise; ACC_EIO when it cannot be made). *src takes over inner (its
 * close closes inner). A write that fails makes the read fail too, so an
 * audit that passes has saved everything it verified.
 */
int audit_source_save(struct audit_source *src, const struct audit_source *inner,
		      const char *dir, struct acc_err *err);

/* Growable arrays of one block's entries (audit_json.c). */
struct audit_arrays {
	size_t cap;
	const uint8_t **p;
	size_t *len;
	uint8_t (*ids)[HASH_BYTES];
};
int audit_arrays_grow(struct audit_arrays *a, size_t n); /* ACC_ENOMEM */
void audit_arrays_free(struct audit_arrays *a);

/* The owned bytes behind a block decoded from JSON. Zero it before use. */
struct audit_block_bufs {
	uint8_t *header, *cert, *last_cert, *entry_buf;
	size_t entry_buf_cap;
	struct audit_arrays ea;
};
/* Free header, cert and last_cert (kept: the reusable buffers). */
void audit_block_bufs_release(struct audit_block_bufs *bb);
void audit_block_bufs_free(struct audit_block_bufs *bb);

/*
 * Decode a block's JSON form (a node's GET /v1/blocks/H?full=1 answer, or a
 * saved blocks/H.json: header_hex, cert_hex, last_cert_hex, first_index,
 * entry_ids, entries_hex) into b, whose pointers point into bb and stay
 * valid until the next call or audit_block_bufs_free. Every size is
 * bounded (common/limits.h); nothing else is checked here: the audit does.
 * ACC_EDECODE naming the member, ACC_ENOMEM.
 */
int audit_block_from_json(const json_t *j, struct audit_block_bufs *bb,
			  struct audit_block *b, struct acc_err *err);
/* The same form of block b at height (b->ids required); new reference, NULL
 * when memory runs out. */
json_t *audit_block_to_json(uint64_t height, const struct audit_block *b);
/* A member of 64 hex digits; ACC_EDECODE naming it. */
int audit_json_hash(const json_t *j, const char *key, uint8_t out[HASH_BYTES],
		    struct acc_err *err);

struct audit_opts {
	const struct genesis *g;
	size_t failures_max; /* stop after this many (0 = default) */
	size_t threads;	     /* verification threads in all (0 = all CPUs) */
	FILE *out; /* failure lines, "accord: audit: …" (NULL = stderr) */
	/* Keep the recomputed compliance rows in audit_result.rows. */
	int keep_rows;
};

struct audit_result {
	uint64_t blocks;
	uint64_t entries;
	uint64_t entry_sigs; /* entry signatures verified */
	uint64_t cert_sigs;  /* certificate signatures verified */
	uint64_t log_size;
	uint8_t log_root[HASH_BYTES];
	size_t failures;
	int truncated;	       /* stopped at failures_max */
	/* Compliance, recomputed by replaying every entry through the rules
	 * at its block's time (specs/cli.md §8). */
	int state_replayed; /* every entry replayed, none refused */
	uint8_t state_digest[HASH_BYTES];
	uint64_t state_time_s; /* the head block's time: the table's */
	size_t obligations;
	size_t status_count[COMPLIANCE_STATUS_MAX + 1];
	int state_compared; /* 1: digest matched the source's; 2: rows too */
	/* With audit_opts.keep_rows: the recomputed rows (specs/compliance.md
	 * §7), owned by the caller (json_decref); NULL unless state_replayed. */
	json_t *rows;
	double seconds;	       /* wall time of the whole audit */
	double verify_seconds; /* wall time with signature checks running */
};

/*
 * Audit blocks 1..head of src against genesis. Returns 0 when the audit
 * ran to its end (look at res->failures: 0 means everything holds), or an
 * error when the source itself failed before the end (also counted as a
 * failure and printed).
 */
int audit_run(const struct audit_opts *o, const struct audit_source *src,
	      struct audit_result *res, struct acc_err *err);

/*
 * The machine's raw Ed25519 rate, measured now: verifications per second
 * over about `seconds` on `threads` threads (0 = every CPU) through a pool
 * like the audit's, over a fixed set of 256 distinct keys, 256-byte
 * messages and signatures, the same at every call and in every run (specs/
 * cli.md §9). 0 if the set cannot be made.
 */
double audit_raw_verify_rate_threads(double seconds, size_t threads);
/* The same on one thread. */
double audit_raw_verify_rate(double seconds);

#endif
