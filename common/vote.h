/* vote.h - the bytes a validator signs for a consensus vote or proposal;
 * shared by the consensus core (which signs), block certificates and
 * evidence entries (which carry them). */
#ifndef ACCORD_COMMON_VOTE_H
#define ACCORD_COMMON_VOTE_H

#include <stdint.h>

#include "common/crypto.h"

#define VOTE_CONTEXT "accord/vote/v1"

enum vote_type {
	VOTE_PREVOTE = 1,
	VOTE_PRECOMMIT = 2,
};

/* type u8 ‖ height u64 ‖ round u32 ‖ block hash (32 zero bytes = nil). */
#define VOTE_PAYLOAD_BYTES (1u + 8u + 4u + HASH_BYTES)

/* The payload signed, under ed25519_sign_ctx(VOTE_CONTEXT, chain id, …),
 * by a vote (specs/consensus.md §sign-bytes). block_hash NULL means nil. */
void vote_payload(uint8_t out[VOTE_PAYLOAD_BYTES], enum vote_type type,
		  uint64_t height, uint32_t round,
		  const uint8_t block_hash[HASH_BYTES]);

/* Sign / verify one vote; 0, or the error of ed25519_*_ctx. */
int vote_sign(uint8_t sig[SIG_BYTES], const struct key *k,
	      const char *chain_id, enum vote_type type, uint64_t height,
	      uint32_t round, const uint8_t block_hash[HASH_BYTES]);
int vote_verify(const uint8_t sig[SIG_BYTES], const uint8_t pk[PUBKEY_BYTES],
		const char *chain_id, enum vote_type type, uint64_t height,
		uint32_t round, const uint8_t block_hash[HASH_BYTES]);

#define PROPOSAL_CONTEXT "accord/proposal/v1"

/* height u64 ‖ round u32 ‖ valid_round u32 ‖ block hash. */
#define PROPOSAL_PAYLOAD_BYTES (8u + 4u + 4u + HASH_BYTES)

/* The payload signed, under ed25519_sign_ctx(PROPOSAL_CONTEXT, chain id,
 * …), by a proposal (specs/consensus.md "Proposal sign bytes"); valid_round
 * -1 is written as 0xffffffff. The same bytes as consensus/msg.h's
 * cons_proposal_payload, for modules that must not depend on consensus/. */
void proposal_payload(uint8_t out[PROPOSAL_PAYLOAD_BYTES], uint64_t height,
		      uint32_t round, int32_t valid_round,
		      const uint8_t block_hash[HASH_BYTES]);

/* Sign / verify one proposal; 0, or the error of ed25519_*_ctx. */
int proposal_sign(uint8_t sig[SIG_BYTES], const struct key *k,
		  const char *chain_id, uint64_t height, uint32_t round,
		  int32_t valid_round, const uint8_t block_hash[HASH_BYTES]);
int proposal_verify(const uint8_t sig[SIG_BYTES],
		    const uint8_t pk[PUBKEY_BYTES], const char *chain_id,
		    uint64_t height, uint32_t round, int32_t valid_round,
		    const uint8_t block_hash[HASH_BYTES]);

#endif
