/* cert.h - block certificates: the precommit signatures of more than two
 * thirds of the voting power (specs/encoding.md §9, specs/consensus.md
 * "Certificate"). */
#ifndef ACCORD_LEDGER_CERT_H
#define ACCORD_LEDGER_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"

struct genesis;
struct genesis_validator;

/* height u64 ‖ round u32 ‖ block_hash[32] ‖ count u16 */
#define CERT_FIXED_BYTES (8u + 4u + HASH_BYTES + 2u)
#define CERT_SIG_BYTES (2u + SIG_BYTES)
#define CERT_BYTES_MAX (CERT_FIXED_BYTES + VALIDATORS_MAX * CERT_SIG_BYTES)
/* Rounds above this are refused (specs/consensus.md "Wire messages"). */
#define CERT_ROUND_MAX 0x7fffffffu

struct cert_sig {
	uint16_t validator; /* index in the validator set */
	uint8_t sig[SIG_BYTES];
};

/* A certificate; plain value, nothing to free. */
struct cert {
	uint64_t height;
	uint32_t round;
	uint8_t block_hash[HASH_BYTES];
	uint16_t count; /* signatures, validator indices strictly ascending */
	struct cert_sig sigs[VALIDATORS_MAX];
};

/* Start an empty certificate for (height, round, block_hash). */
void cert_init(struct cert *c, uint64_t height, uint32_t round,
	       const uint8_t block_hash[HASH_BYTES]);

/*
 * Insert validator's signature keeping indices ascending. ACC_EDUP if the
 * index is already there, ACC_EFULL at VALIDATORS_MAX, ACC_ERANGE for an
 * index >= VALIDATORS_MAX. The signature is not checked here.
 */
int cert_add_sig(struct cert *c, uint16_t validator,
		 const uint8_t sig[SIG_BYTES], struct acc_err *err);

/* Encode into out (CERT_BYTES_MAX bytes). ACC_EINVAL if c breaks the
 * layout's rules (no signatures, unsorted, round too large). */
int cert_encode(const struct cert *c, uint8_t out[CERT_BYTES_MAX],
		size_t *len, struct acc_err *err);

/*
 * Decode exactly len bytes. ACC_EDECODE (short, trailing bytes, zero
 * signers, indices not strictly ascending or >= VALIDATORS_MAX, round >
 * CERT_ROUND_MAX, height 0, nil block hash), ACC_ETOOBIG (count >
 * VALIDATORS_MAX). Signatures are not checked.
 */
int cert_decode(struct cert *c, const uint8_t *p, size_t len,
		struct acc_err *err);

/* SHA-256 of the encoded certificate: what a block's last_cert_hash
 * holds (§8.1). */
void cert_hash(const uint8_t *cert_bytes, size_t len, uint8_t out[HASH_BYTES]);

/*
 * Verify c commits block_hash at height under genesis: heights and hashes
 * match (ACC_ECERT), every index names a validator (ACC_ECERT), every
 * signature is a precommit by that validator's key (ACC_EBADSIG, naming
 * the validator), and 3 × signed power > 2 × total power (ACC_ECERT).
 */
int cert_verify(const struct cert *c, const struct genesis *g,
		uint64_t height, const uint8_t block_hash[HASH_BYTES],
		struct acc_err *err);

/* The same against any validator set (after validator set changes). */
int cert_verify_valset(const struct cert *c, const char *chain_id,
		       const struct genesis_validator *vals, size_t n,
		       uint64_t height, const uint8_t block_hash[HASH_BYTES],
		       struct acc_err *err);

/* {"height":H,"round":R,"block_hash":"…","signatures":[{"validator":i,
 * "sig":"…"}]}; new reference, NULL on allocation failure. */
json_t *cert_to_json(const struct cert *c);

#endif
