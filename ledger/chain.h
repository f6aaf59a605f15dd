/* chain.h - verifying one block against its predecessor: the header's
 * links, the certificate it carries, its own certificate, its entries and
 * the log root (specs/chain.md). The one place these checks are written:
 * node_block_apply, the consensus driver (for a proposal), catch-up,
 * followers and `accord audit` all call it.
 *
 * The rules over derived state (ledger/rules.h) are not part of it: they
 * need the state, which each caller holds differently (the node inside its
 * commit, the audit in its replay).
 *
 * chain_block_verify does everything in one call. The audit verifies the
 * signatures of many blocks on a thread pool and the ordered checks after
 * them, so the pieces chain_block_verify is made of are public too, in the
 * order it runs them; a caller that composes them must run every one. No
 * function here keeps state, allocates, or touches any global: all are
 * safe from any thread on distinct arguments.
 */
#ifndef ACCORD_LEDGER_CHAIN_H
#define ACCORD_LEDGER_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/merkle.h"

struct block;
struct block_header;
struct entry;
struct genesis;

/*
 * The checks, in the order chain_block_verify makes them (specs/chain.md
 * §2 lists each one): name, and what the failure is about. The first
 * failing one is reported.
 */
#define CHAIN_CHECKS(X)                                  \
	X(CHAIN_OK, "ok")                                \
	X(CHAIN_CHAIN_ID, "chain id")                    \
	X(CHAIN_HEIGHT, "height")                        \
	X(CHAIN_PREV_HASH, "previous hash")              \
	X(CHAIN_VALSET, "validator set")                 \
	X(CHAIN_PROPOSER, "proposer index")              \
	X(CHAIN_TIME, "time")                            \
	X(CHAIN_ENTRY_COUNT, "entry count")              \
	X(CHAIN_LAST_CERT_HASH, "last certificate hash") \
	X(CHAIN_LAST_CERT, "last certificate")           \
	X(CHAIN_CERT, "certificate")                     \
	X(CHAIN_PROPOSER_ROUND, "proposer rotation")     \
	X(CHAIN_ENTRY, "entry")                          \
	X(CHAIN_LOG_ROOT, "log root")

enum chain_check {
#define CHAIN_CHECK_ENUM(name, what) name,
	CHAIN_CHECKS(CHAIN_CHECK_ENUM)
#undef CHAIN_CHECK_ENUM
};

/* "previous hash", … for c; "unknown check" outside the table. Static. */
const char *chain_check_name(enum chain_check c);

/*
 * The predecessor: what a block is verified against. Plain value (about
 * 2 KiB, the log's frontier): copy it freely.
 */
struct chain_prev {
	uint64_t height;	  /* 0: no block yet */
	uint8_t hash[HASH_BYTES]; /* its block hash; at height 0 the genesis
				     hash, which block 1 links to */
	uint64_t time_ms;	  /* its header's time_ms; 0 at height 0 */
	/* The log after its entries: log.size is the log size, and the
	 * frontier gives the root after this block's entries are added. */
	struct merkle_frontier log;
};

/* The predecessor of block 1: height 0, the genesis hash, an empty log. */
void chain_prev_genesis(struct chain_prev *p, const struct genesis *g);

/* Where no entry is concerned (struct chain_fail.entry). */
#define CHAIN_NO_ENTRY SIZE_MAX

/* What failed. */
struct chain_fail {
	enum chain_check check; /* CHAIN_OK: nothing failed */
	uint64_t height;	/* the block: prev->height + 1 */
	size_t entry;		/* index in the block, or CHAIN_NO_ENTRY */
	uint64_t log_index;	/* the entry's log index, when entry is one */
	/* err.code is the error returned; err.msg the whole message, naming
	 * the block (and entry and log index): "block 7: header: …". */
	struct acc_err err;
};

/* ---- one call ---- */

/*
 * Called by chain_block_verify once for each entry that passed its checks,
 * in order, with the decoded entry (valid during the call) and its id. The
 * block may still fail a later check: act on nothing before
 * chain_block_verify returns 0.
 */
typedef void (*chain_entry_fn)(void *ctx, size_t i, const struct entry *e,
			       const uint8_t id[HASH_BYTES]);

/*
 * Verify decoded block b (ledger/block.h) against its predecessor prev
 * under genesis g: every check of specs/chain.md §2 in order, stopping at
 * the first failure.
 *
 * cert/cert_len: the certificate that commits b. cert == NULL means a
 * proposal, not yet certified: the own-certificate and proposer-rotation
 * checks are skipped (the consensus driver checks the proposer against
 * the proposal's round: chain_proposer_check).
 *
 * entry_fn (may be NULL) sees each entry that passed. next (may be NULL,
 * may be prev) receives the predecessor of the block after b, on success
 * only.
 *
 * Returns 0, or the failure's error with f filled: ACC_ECHAIN (header
 * links, entry count, last_cert_hash, proposer rotation), ACC_ECERT /
 * ACC_EBADSIG / ACC_EDECODE / ACC_ETOOBIG (either certificate),
 * entry_check's errors (an entry), ACC_EMISMATCH (log size or root),
 * ACC_EFULL (log size overflow).
 */
int chain_block_verify(const struct genesis *g, const struct chain_prev *prev,
		       const struct block *b, const uint8_t *cert,
		       size_t cert_len, chain_entry_fn entry_fn, void *ctx,
		       struct chain_prev *next, struct chain_fail *f);

/* ---- the pieces, in the order chain_block_verify runs them ---- */

/*
 * The header links (specs/chain.md §2 steps 1-7): chain id, height
 * prev->height + 1, prev_hash, validator set hash, proposer index in the
 * set, time_ms not below prev's, and entry_count equal to the entries the
 * block holds (entry_count). 0 or ACC_ECHAIN.
 */
int chain_header_check(const struct genesis *g, const struct chain_prev *prev,
		       const struct block_header *h, size_t entry_count,
		       struct chain_fail *f);

/*
 * A certificate decoded and verified against what it names itself: its own
 * height and block hash (signatures, signers, quorum under genesis). This
 * is the whole cost of a certificate, so it is the part that may run on
 * another thread, before the block's predecessor is known; chain_*_check
 * below then compare what it names with what the chain expects. Plain
 * value.
 */
struct chain_cert_pre {
	int rc;	     /* 0: decodes and verifies for what it names */
	int decoded; /* the fields below are set */
	uint64_t height;
	uint32_t round;
	uint8_t block_hash[HASH_BYTES];
	uint16_t count;	    /* signatures verified (rc 0) */
	struct acc_err err; /* the failure, when rc != 0 */
};

/* Run the expensive part on bytes[0..len) (len 0: missing). */
void chain_cert_pre_run(struct chain_cert_pre *pre, const struct genesis *g,
			const uint8_t *bytes, size_t len);

/*
 * The certificate block h carries for its predecessor (steps 8-9): empty
 * at height 1; above, it hashes to h->last_cert_hash (ACC_ECHAIN) and
 * commits prev's hash at prev's height (the certificate's errors, or
 * ACC_ECERT for another block). pre: chain_cert_pre_run of exactly these
 * bytes (or of bytes known equal), or NULL to run it here.
 */
int chain_last_cert_check(const struct genesis *g,
			  const struct chain_prev *prev,
			  const struct block_header *h, const uint8_t *bytes,
			  size_t len, const struct chain_cert_pre *pre,
			  struct chain_fail *f);

/*
 * The block's own certificate (step 10): commits hash (the block's hash)
 * at height. pre as above. On success *round (may be NULL) is the
 * certificate's round, for chain_proposer_check.
 */
int chain_cert_check(const struct genesis *g, uint64_t height,
		     const uint8_t hash[HASH_BYTES], const uint8_t *bytes,
		     size_t len, const struct chain_cert_pre *pre,
		     uint32_t *round, struct chain_fail *f);

/*
 * Proposer rotation (step 11; specs/encoding.md §8.1): the proposer of
 * round r at height h is validator (h + r) mod n. A block is built by the
 * proposer of the round it is first proposed in and re-proposed unchanged
 * in later rounds, so the header's proposer p must be the proposer of a
 * round at most round_max: (p - height) mod n <= round_max, height being
 * the block's (prev->height + 1). round_max is the
 * certificate's round, or for a proposal its valid round (a re-proposal)
 * or its round (a new block: then chain_proposer(g, h, round) == p
 * exactly). 0 or ACC_ECHAIN.
 */
int chain_proposer_check(const struct genesis *g, uint64_t height,
			 const struct block_header *h, uint32_t round_max,
			 struct chain_fail *f);

/* The proposer of (height, round): (height + round) mod n. */
uint16_t chain_proposer(const struct genesis *g, uint64_t height,
			uint32_t round);

/*
 * One entry (step 12): entry_check against genesis (decoding, bounds,
 * every signature, signers known in genesis in a role the kind allows),
 * and its id, the leaf hash of its bytes, which is written to id whatever
 * the result. On success *out (may be NULL) holds the decoded entry, owned
 * by the caller (entry_free). The per-entry part, safe on any thread.
 * Returns entry_check's result with the detail in err.
 */
int chain_entry_check(const struct genesis *g, const uint8_t *bytes, size_t len,
		      struct entry *out, uint8_t id[HASH_BYTES],
		      struct acc_err *err);

/*
 * Report an entry's failure from chain_entry_check's result (rc, err) as
 * f: entry i of block height, at log_index. Returns rc.
 */
int chain_entry_fail(struct chain_fail *f, uint64_t height, size_t i,
		     uint64_t log_index, int rc, const struct acc_err *err);

/*
 * The log after block `height`'s entries (step 13): log is the predecessor's
 * frontier with the block's entry ids appended in order; the header's
 * log_size and log_root must be its size and root. 0 or ACC_EMISMATCH.
 */
int chain_log_check(uint64_t height, const struct block_header *h,
		    const struct merkle_frontier *log, struct chain_fail *f);

#endif
