/* vote.c - vote and proposal sign bytes (specs/consensus.md, "Vote sign
 * bytes", "Proposal sign bytes"). */
#include "common/vote.h"

#include <string.h>

#include "common/codec.h"

void vote_payload(uint8_t out[VOTE_PAYLOAD_BYTES], enum vote_type type,
		  uint64_t height, uint32_t round,
		  const uint8_t block_hash[HASH_BYTES])
{
	out[0] = (uint8_t)type;
	be64_put(out + 1, height);
	be32_put(out + 9, round);
	if (block_hash != NULL)
		memcpy(out + 13, block_hash, HASH_BYTES);
	else
		memset(out + 13, 0, HASH_BYTES);
}

int vote_sign(uint8_t sig[SIG_BYTES], const struct key *k,
	      const char *chain_id, enum vote_type type, uint64_t height,
	      uint32_t round, const uint8_t block_hash[HASH_BYTES])
{
	uint8_t p[VOTE_PAYLOAD_BYTES];
	vote_payload(p, type, height, round, block_hash);
	return ed25519_sign_ctx(sig, k, VOTE_CONTEXT, chain_id, p, sizeof p);
}

int vote_verify(const uint8_t sig[SIG_BYTES], const uint8_t pk[PUBKEY_BYTES],
		const char *chain_id, enum vote_type type, uint64_t height,
		uint32_t round, const uint8_t block_hash[HASH_BYTES])
{
	uint8_t p[VOTE_PAYLOAD_BYTES];
	vote_payload(p, type, height, round, block_hash);
	return ed25519_verify_ctx(sig, pk, VOTE_CONTEXT, chain_id, p, sizeof p);
}

void proposal_payload(uint8_t out[PROPOSAL_PAYLOAD_BYTES], uint64_t height,
		      uint32_t round, int32_t valid_round,
		      const uint8_t block_hash[HASH_BYTES])
{
	be64_put(out, height);
	be32_put(out + 8, round);
	be32_put(out + 12, (uint32_t)valid_round); /* -1 is 0xffffffff */
	memcpy(out + 16, block_hash, HASH_BYTES);
}

int proposal_sign(uint8_t sig[SIG_BYTES], const struct key *k,
		  const char *chain_id, uint64_t height, uint32_t round,
		  int32_t valid_round, const uint8_t block_hash[HASH_BYTES])
{
	uint8_t p[PROPOSAL_PAYLOAD_BYTES];
	proposal_payload(p, height, round, valid_round, block_hash);
	return ed25519_sign_ctx(sig, k, PROPOSAL_CONTEXT, chain_id, p,
				sizeof p);
}

int proposal_verify(const uint8_t sig[SIG_BYTES],
		    const uint8_t pk[PUBKEY_BYTES], const char *chain_id,
		    uint64_t height, uint32_t round, int32_t valid_round,
		    const uint8_t block_hash[HASH_BYTES])
{
	uint8_t p[PROPOSAL_PAYLOAD_BYTES];
	proposal_payload(p, height, round, valid_round, block_hash);
	return ed25519_verify_ctx(sig, pk, PROPOSAL_CONTEXT, chain_id, p,
				  sizeof p);
}
