/* cons.h - the Tendermint BFT core as a pure state machine: events in,
 * actions out, no I/O, clock or randomness (specs/consensus.md). */
#ifndef ACCORD_CONSENSUS_CONS_H
#define ACCORD_CONSENSUS_CONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/limits.h"
#include "consensus/msg.h"

/* Bounds (specs/consensus.md, "Buffering"). */
#define CONS_ROUND_SLOTS 8u      /* rounds of the current height kept */
#define CONS_FUTURE_PER_VALIDATOR 4u /* next-height messages kept per signer */
#define CONS_PENDING_MAX 8u      /* signed messages awaiting their persist */

enum cons_step {
	CONS_STEP_PROPOSE = 1,
	CONS_STEP_PREVOTE = 2,
	CONS_STEP_PRECOMMIT = 3,
};

enum cons_timeout {
	CONS_TIMEOUT_PROPOSE = 1,
	CONS_TIMEOUT_PREVOTE = 2,
	CONS_TIMEOUT_PRECOMMIT = 3,
};

/*
 * How the core signs and checks signatures. NULL in the config means
 * Ed25519 with the config's key and public keys (ed25519_sign_ctx and
 * ed25519_verify_ctx over cons_msg_sign_bytes). The simulator passes a
 * cheap keyed-hash stand-in so that it can run many heights per second.
 */
struct cons_crypto {
	/* Sign payload under context as this node; 0 or an error. */
	int (*sign)(void *ctx, uint8_t sig[SIG_BYTES], const char *context,
		    const uint8_t *payload, size_t n);
	/* 0 if sig is validator's signature of payload, else ACC_EBADSIG. */
	int (*verify)(void *ctx, uint16_t validator,
		      const uint8_t sig[SIG_BYTES], const char *context,
		      const uint8_t *payload, size_t n);
	void *ctx; /* the caller's, passed back untouched */
};

struct cons_config {
	const char *chain_id; /* copied; at most CHAIN_ID_BYTES_MAX bytes */
	uint16_t n;           /* validators, 1..VALIDATORS_MAX */
	const uint8_t (*pubkeys)[PUBKEY_BYTES]; /* n keys; copied */
	const uint64_t *power; /* n powers, each 1..2^32; copied; NULL: all 1 */
	int self;              /* our validator index, or -1 to only follow */
	const struct key *key; /* borrowed for the core's lifetime; signs
				  when crypto is NULL and self >= 0 */
	const struct cons_crypto *crypto; /* borrowed; NULL: Ed25519 */
	/* Timeout of round r is base + r * delta, at most max (rule 57). */
	uint32_t propose_ms, prevote_ms, precommit_ms, delta_ms, timeout_max_ms;
	/* TEST ONLY: decide on a simple majority instead of more than two
	 * thirds. Unsafe; the simulator's canary uses it to show that its
	 * checkers can fail. Never set it in a node. */
	bool unsafe_majority;
};

enum cons_event_kind {
	CONS_EV_START = 1, /* once, after init: StartRound (rule 10) */
	CONS_EV_PROPOSAL,  /* msg (signature not yet checked), valid */
	CONS_EV_VOTE,      /* msg (signature not yet checked) */
	CONS_EV_TIMEOUT,   /* timeout, height, round from a TIMER action */
	CONS_EV_VALUE,     /* height, round, hash: answer to GET_VALUE */
	CONS_EV_PERSISTED, /* seq: the PERSIST action with this seq (and all
			      before it) is on disk */
	CONS_EV_COMMIT,    /* cert: a certificate for the current height */
	CONS_EV_TICK,      /* re-send what others may have missed */
};

struct cons_event {
	enum cons_event_kind kind;
	struct cons_msg msg;  /* PROPOSAL, VOTE */
	/* PROPOSAL: the driver's verdict on the block msg.hash names (it
	 * has the block, it decodes and validates it against the ledger).
	 * COMMIT: the driver has the block and it is valid. */
	bool valid;
	enum cons_timeout timeout; /* TIMEOUT */
	uint64_t height;           /* TIMEOUT, VALUE */
	uint32_t round;            /* TIMEOUT, VALUE */
	uint8_t hash[HASH_BYTES];  /* VALUE: the block to propose */
	uint64_t seq;              /* PERSISTED */
	const struct cons_cert *cert; /* COMMIT; borrowed for the call */
};

enum cons_action_kind {
	CONS_ACT_BROADCAST = 1, /* send msg to every validator */
	CONS_ACT_TIMER,         /* after duration_ms, feed TIMEOUT back */
	CONS_ACT_PERSIST,       /* write signstate, sync, then PERSISTED(seq) */
	CONS_ACT_GET_VALUE,     /* we propose at (height, round): feed VALUE */
	CONS_ACT_COMMIT,        /* the block cert->hash is decided */
	CONS_ACT_EVIDENCE,      /* msg and msg2: one signer, two conflicting
				   votes (same type, height, round) or two
				   conflicting proposals (same height and
				   round, different hash or valid round);
				   once per signer, height, round and type */
};

struct cons_action {
	enum cons_action_kind kind;
	struct cons_msg msg;  /* BROADCAST; EVIDENCE: the vote or proposal
				 seen first */
	struct cons_msg msg2; /* EVIDENCE: the conflicting one (same type) */
	enum cons_timeout timeout; /* TIMER */
	uint64_t height;           /* TIMER, GET_VALUE */
	uint32_t round;            /* TIMER, GET_VALUE */
	uint32_t duration_ms;      /* TIMER */
	/* PERSIST: the record to write, borrowed until the next step (a
	 * later PERSIST of the same step points at the same, newer record,
	 * which supersedes the older one). */
	const struct cons_signstate *signstate;
	uint64_t seq;                    /* PERSIST */
	const struct cons_cert *cert; /* COMMIT; valid until the next step */
};

struct cons; /* opaque */

/*
 * Allocate a core for cfg at height (the first undecided height: last
 * committed + 1). rec is the signing state read back from disk, or NULL
 * if this validator never signed. rec may be ahead of height (the stored
 * chain lost blocks the record outlived): the core signs nothing below
 * rec's height and resumes rec's round and lock when it gets there
 * (specs/consensus.md, "Durable before what"). All memory is allocated
 * here; steps never allocate. Returns 0, ACC_ECONFIG or ACC_ENOMEM.
 */
int cons_init(struct cons **out, const struct cons_config *cfg,
	      uint64_t height, const struct cons_signstate *rec);
void cons_free(struct cons *s);

/*
 * Feed one event. *acts receives the actions to carry out in order,
 * *n_acts their count; both belong to the core and stay valid until the
 * next cons_step or cons_free. The driver must carry out a PERSIST before
 * feeding its PERSISTED, and BROADCASTs only as they come (the core emits
 * a signed message only after its PERSISTED). Returns 0 when the event
 * was used or harmlessly ignored (stale, duplicate), or an error when it
 * was refused: ACC_EBADSIG, ACC_EUNKNOWNKEY (signer not a validator),
 * ACC_ERULE (proposal not from the round's proposer), ACC_ECERT,
 * ACC_EINVAL (malformed event). A refused event changes nothing.
 */
int cons_step(struct cons *s, const struct cons_event *ev,
	      const struct cons_action **acts, size_t *n_acts);

/* The proposer of (height, round): (height + round) mod n. */
uint16_t cons_proposer(uint64_t height, uint32_t round, uint16_t n);

/* Where the core stands, for status pages and tests. */
uint64_t cons_height(const struct cons *s);
uint32_t cons_round(const struct cons *s);
enum cons_step cons_step_get(const struct cons *s);
int32_t cons_locked_round(const struct cons *s);
/* How many times the core declined to sign (double-sign guard). */
uint64_t cons_refused_count(const struct cons *s);

#endif
