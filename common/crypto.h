/* crypto.h - the only door to libsodium: SHA-256, Ed25519, randomness. */
#ifndef ACCORD_COMMON_CRYPTO_H
#define ACCORD_COMMON_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define HASH_BYTES 32u
#define PUBKEY_BYTES 32u
#define SECKEY_BYTES 64u /* libsodium's seed ‖ public key form */
#define SEED_BYTES 32u
#define SIG_BYTES 64u

/* Call once before anything else; 0 or ACC_ECRYPTO. Idempotent. */
int crypto_lib_init(void);

/* SHA-256 of one buffer. */
void sha256(uint8_t out[HASH_BYTES], const void *p, size_t n);

/* Incremental SHA-256. The state is opaque storage sized for libsodium. */
struct sha256_ctx {
	_Alignas(16) uint8_t opaque[128];
};
void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
void sha256_final(struct sha256_ctx *c, uint8_t out[HASH_BYTES]);

/*
 * A secret signing key. It lives in sodium_malloc() memory (guarded,
 * locked, wiped on free); create with key_new/key_from_seed, destroy with
 * key_free. The public half is kept beside it.
 */
struct key {
	uint8_t *sk; /* SECKEY_BYTES in sodium_malloc memory */
	uint8_t pk[PUBKEY_BYTES];
};

/* Fresh random key; 0, ACC_ENOMEM. */
int key_new(struct key *k);
/* Deterministic key from a 32-byte seed (tests, key files). */
int key_from_seed(struct key *k, const uint8_t seed[SEED_BYTES]);
/* Copy out the 32-byte seed (for writing a key file). */
void key_seed(const struct key *k, uint8_t seed[SEED_BYTES]);
/* Wipe and free; safe on a zeroed or already-freed key. */
void key_free(struct key *k);

/* Ed25519 over msg. */
void ed25519_sign(uint8_t sig[SIG_BYTES], const struct key *k,
		  const void *msg, size_t n);
/* 0 if sig is a valid signature of msg by pk, else ACC_EBADSIG. With the
 * cache enabled, a (pk, sig, msg) that verified before is not verified
 * again. Any thread. */
int ed25519_verify(const uint8_t sig[SIG_BYTES],
		   const uint8_t pk[PUBKEY_BYTES], const void *msg, size_t n);

/* Turn on the process-wide cache of good signatures (specs/node.md
 * §7.10) with at least `slots` entries (rounded up to a power of two);
 * once, before threads verify; later calls change nothing. The node
 * enables it: a block's certificate repeats votes it verified, a proposal
 * is checked by the driver and the core, catch-up repeats gossiped
 * entries. 0 or ACC_ENOMEM. */
int sigcache_enable(size_t slots);
/* Lookups that hit and that missed (tests, metrics). */
void sigcache_stats(uint64_t *hits, uint64_t *misses);

/*
 * Domain-separated signing: pure Ed25519 (RFC 8032 §5.1, not its
 * Ed25519ctx variant: no dom2 prefix) over the message
 *   context ‖ 0x00 ‖ u8 len(chain_id) ‖ chain_id ‖ payload
 * (specs/encoding.md §4.3). context is a fixed ASCII string naming what is
 * signed ("accord/entry/v1", "accord/vote/v1", ...). Messages over 1 MiB
 * are refused with ACC_ETOOBIG.
 */
int ed25519_sign_ctx(uint8_t sig[SIG_BYTES], const struct key *k,
		     const char *context, const char *chain_id,
		     const void *payload, size_t n);
int ed25519_verify_ctx(const uint8_t sig[SIG_BYTES],
		       const uint8_t pk[PUBKEY_BYTES], const char *context,
		       const char *chain_id, const void *payload, size_t n);

/* SipHash-2-4 of p under a 16-byte secret key: a keyed hash for hash
 * tables fed untrusted keys (their buckets cannot be aimed at). */
#define SHORTHASH_KEY_BYTES 16u
uint64_t shorthash(const void *p, size_t n,
		   const uint8_t key[SHORTHASH_KEY_BYTES]);

/* Cryptographically random bytes. */
void random_bytes(void *p, size_t n);

/* Constant-time comparison of n bytes: 0 if equal. */
int bytes_cmp_ct(const void *a, const void *b, size_t n);

/* Wipe memory the compiler may not elide. */
void memzero(void *p, size_t n);

#endif
