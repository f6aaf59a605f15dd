/* msg.h - consensus wire messages, proposal sign bytes and the persisted
 * signing state: the only place consensus bytes are encoded and decoded
 * (specs/consensus.md, "Wire messages", "Signing state"). */
#ifndef ACCORD_CONSENSUS_MSG_H
#define ACCORD_CONSENSUS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/limits.h"

#define CONS_PROPOSAL_CONTEXT "accord/proposal/v1"

/* The first byte of every wire message. Votes reuse enum vote_type. */
enum cons_msg_type {
	CONS_MSG_PREVOTE = 1,   /* == VOTE_PREVOTE */
	CONS_MSG_PRECOMMIT = 2, /* == VOTE_PRECOMMIT */
	CONS_MSG_PROPOSAL = 3,
	CONS_MSG_COMMIT = 4, /* a certificate, for a node that is behind */
};

/* Rounds stay below 2^31 so that valid_round fits an int32_t with -1. */
#define CONS_ROUND_MAX 0x7fffffffu
/* valid_round on the wire when there is none (-1). */
#define CONS_VALID_ROUND_NONE 0xffffffffu

/* height u64 ‖ round u32 ‖ valid_round u32 ‖ block_hash[32]. */
#define CONS_PROPOSAL_PAYLOAD_BYTES (8u + 4u + 4u + HASH_BYTES)

#define CONS_VOTE_WIRE_BYTES (1u + 8u + 4u + HASH_BYTES + 2u + SIG_BYTES)
#define CONS_PROPOSAL_WIRE_BYTES (1u + 8u + 4u + 4u + HASH_BYTES + 2u + SIG_BYTES)
#define CONS_CERT_BYTES_MAX \
	(8u + 4u + HASH_BYTES + 2u + VALIDATORS_MAX * (2u + SIG_BYTES))
/* The largest consensus wire message (a commit). */
#define CONS_WIRE_BYTES_MAX (1u + CONS_CERT_BYTES_MAX)

/*
 * A signed proposal or vote, decoded. For a vote, valid_round is unused
 * (-1) and a zero hash means nil. For a proposal, validator is the
 * proposer and the hash is never zero.
 */
struct cons_msg {
	uint8_t type;        /* enum cons_msg_type, never CONS_MSG_COMMIT */
	uint16_t validator;  /* signer's index in the validator set */
	uint64_t height;
	uint32_t round;      /* <= CONS_ROUND_MAX */
	int32_t valid_round; /* proposal only: -1 or < round */
	uint8_t hash[HASH_BYTES];
	uint8_t sig[SIG_BYTES];
};

/* A commit certificate (specs/consensus.md, "Certificate"): precommits
 * for one block at one height and round, signers strictly ascending. */
struct cons_cert {
	uint64_t height;
	uint32_t round;
	uint8_t hash[HASH_BYTES];
	uint16_t count; /* 1..VALIDATORS_MAX */
	uint16_t index[VALIDATORS_MAX];
	uint8_t sig[VALIDATORS_MAX][SIG_BYTES];
};

/* The sign bytes of a proposal, signed under CONS_PROPOSAL_CONTEXT. */
void cons_proposal_payload(uint8_t out[CONS_PROPOSAL_PAYLOAD_BYTES],
			   uint64_t height, uint32_t round, int32_t valid_round,
			   const uint8_t hash[HASH_BYTES]);

/*
 * The context string and payload a message's signature covers: votes
 * use common/vote.h's vote_payload under VOTE_CONTEXT, proposals the
 * payload above. out must hold CONS_PROPOSAL_PAYLOAD_BYTES (the larger).
 * Returns the payload length. m->type must be a vote or a proposal.
 */
size_t cons_msg_sign_bytes(const struct cons_msg *m, const char **context,
			   uint8_t out[CONS_PROPOSAL_PAYLOAD_BYTES]);

/* 0 if m carries a valid Ed25519 signature by pk under chain_id, else
 * ACC_EBADSIG. */
int cons_msg_verify(const struct cons_msg *m, const char *chain_id,
		    const uint8_t pk[PUBKEY_BYTES]);

/* Append the wire form of m (a vote or a proposal) to w; check
 * wbuf_error(w) afterwards. */
void cons_msg_encode(const struct cons_msg *m, struct wbuf *w);

/* Append the certificate bytes (no type byte) to w. */
void cons_cert_encode(const struct cons_cert *c, struct wbuf *w);
/* Append CONS_MSG_COMMIT ‖ certificate to w. */
void cons_commit_encode(const struct cons_cert *c, struct wbuf *w);

/*
 * Decode one wire message of n bytes at p (untrusted). On success *type
 * says which: CONS_MSG_COMMIT fills *cert, anything else fills *m. cert
 * may be NULL, in which case a commit is refused with ACC_EDECODE.
 * Returns 0, ACC_EDECODE (malformed, trailing bytes, unknown type),
 * ACC_ERANGE (round or valid_round out of range) or ACC_ETOOBIG (more
 * signers than VALIDATORS_MAX). Never reads outside p[0..n).
 */
int cons_wire_decode(const uint8_t *p, size_t n, uint8_t *type,
		     struct cons_msg *m, struct cons_cert *cert);

/* The bare certificate (no type byte), with the same errors. */
int cons_cert_decode(const uint8_t *p, size_t n, struct cons_cert *cert);

/*
 * What a validator must have on disk, synced, before anything it signed
 * leaves the node (specs/consensus.md, "Signing state"). The core never
 * signs a message at (height, round, step) not strictly above the
 * record's, so a restarted node cannot contradict itself.
 */
struct cons_signstate {
	uint64_t height;
	uint32_t round;
	uint8_t step; /* 0: nothing signed yet; else enum cons_step */
	int32_t locked_round;             /* -1: not locked */
	uint8_t locked_hash[HASH_BYTES];  /* zero when not locked */
	/* The latest proposal, prevote and precommit signed at height
	 * (index step - 1), re-sent after a restart: a message lost with the
	 * crash could otherwise never be sent again, and without it the
	 * others may lack a quorum. */
	bool has[3];
	struct cons_msg last[3];
	/* The prevotes of more than two thirds for the locked block in the
	 * locked round (rule 36), in certificate form. Others need them to
	 * accept a re-proposal with that valid round (rule 28); a restart
	 * must not lose them. */
	bool has_polka;
	struct cons_cert polka;
};

#define CONS_SIGNSTATE_BYTES_MAX                                   \
	(1u + 8u + 4u + 1u + 4u + HASH_BYTES + 1u +                \
	 CONS_PROPOSAL_WIRE_BYTES + 2u * CONS_VOTE_WIRE_BYTES + 1u + \
	 CONS_CERT_BYTES_MAX)

void cons_signstate_encode(const struct cons_signstate *st, struct wbuf *w);
/* 0, ACC_EDECODE or ACC_ERANGE. */
int cons_signstate_decode(const uint8_t *p, size_t n,
			  struct cons_signstate *st);

/*
 * The messages of rec that sign for a block (not nil) at rec's height:
 * the block of each must be written, synced, before rec is
 * (specs/consensus.md "Durable before what", rule 4). Fills out[0..count)
 * with pointers into rec (borrowed while rec lives), in the order
 * proposal, prevote, precommit; returns count (0..3). Pure; the driver
 * (node/driver.c blocks_durable) and the simulator follow it.
 */
size_t cons_signstate_blocks(const struct cons_signstate *rec,
			     const struct cons_msg *out[3]);

#endif
