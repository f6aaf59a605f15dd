/* crypto.c - thin wrappers over libsodium; no other file includes it for
 * signing or hashing. */
#include "common/crypto.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* Domain-separated messages are assembled on the stack up to this size and
 * on the heap above it. */
#define CTX_STACK_BYTES 1024u
#define CTX_MSG_BYTES_MAX (1024u * 1024u)

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(struct sha256_ctx),
	       "sha256_ctx too small for libsodium state");

int crypto_lib_init(void)
{
	return sodium_init() < 0 ? ACC_ECRYPTO : 0;
}

void sha256(uint8_t out[HASH_BYTES], const void *p, size_t n)
{
	(void)crypto_hash_sha256(out, p, n);
}

void sha256_init(struct sha256_ctx *c)
{
	(void)crypto_hash_sha256_init((crypto_hash_sha256_state *)c->opaque);
}

void sha256_update(struct sha256_ctx *c, const void *p, size_t n)
{
	(void)crypto_hash_sha256_update((crypto_hash_sha256_state *)c->opaque,
					p, n);
}

void sha256_final(struct sha256_ctx *c, uint8_t out[HASH_BYTES])
{
	(void)crypto_hash_sha256_final((crypto_hash_sha256_state *)c->opaque,
				       out);
}

int key_from_seed(struct key *k, const uint8_t seed[SEED_BYTES])
{
	k->sk = sodium_malloc(SECKEY_BYTES);
	if (k->sk == NULL)
		return ACC_ENOMEM;
	(void)crypto_sign_seed_keypair(k->pk, k->sk, seed);
	return 0;
}

int key_new(struct key *k)
{
	uint8_t seed[SEED_BYTES];
	randombytes_buf(seed, sizeof seed);
	int rc = key_from_seed(k, seed);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

void key_seed(const struct key *k, uint8_t seed[SEED_BYTES])
{
	(void)crypto_sign_ed25519_sk_to_seed(seed, k->sk);
}

void key_free(struct key *k)
{
	if (k->sk != NULL)
		sodium_free(k->sk); /* wipes before freeing */
	k->sk = NULL;
	memset(k->pk, 0, sizeof k->pk);
}

void ed25519_sign(uint8_t sig[SIG_BYTES], const struct key *k,
		  const void *msg, size_t n)
{
	assert(k->sk != NULL);
	(void)crypto_sign_detached(sig, NULL, msg, n, k->sk);
}

/*
 * The cache of good signatures (specs/node.md §7.10): SHA-256(pk ‖ sig ‖
 * msg) of signatures that verified, direct-mapped on the digest's first
 * bytes. A hit means this exact (key, signature, message) verified
 * before; a collision of SHA-256 is what a forged hit would take. Misses
 * and evictions only cost a verification. Off (NULL) until enabled.
 */
static struct {
	pthread_mutex_t mu;
	uint8_t (*slot)[HASH_BYTES];
	size_t mask;
	atomic_uint_fast64_t hits, misses;
} sigcache = {.mu = PTHREAD_MUTEX_INITIALIZER};

int sigcache_enable(size_t slots)
{
	pthread_mutex_lock(&sigcache.mu);
	int rc = 0;
	if (sigcache.slot == NULL && slots > 0) {
		size_t n = 1;
		while (n < slots)
			n <<= 1;
		sigcache.slot = calloc(n, HASH_BYTES);
		if (sigcache.slot == NULL)
			rc = ACC_ENOMEM;
		else
			sigcache.mask = n - 1;
	}
	pthread_mutex_unlock(&sigcache.mu);
	return rc;
}

void sigcache_stats(uint64_t *hits, uint64_t *misses)
{
	*hits = atomic_load(&sigcache.hits);
	*misses = atomic_load(&sigcache.misses);
}

/* The cache key; slot index from its first bytes. Zero digests are
 * never stored (an empty slot is all zero). */
static size_t sigcache_key(uint8_t key[HASH_BYTES], const uint8_t *sig,
			   const uint8_t *pk, const void *msg, size_t n)
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, pk, PUBKEY_BYTES);
	crypto_hash_sha256_update(&st, sig, SIG_BYTES);
	crypto_hash_sha256_update(&st, msg, n);
	crypto_hash_sha256_final(&st, key);
	uint64_t i;
	memcpy(&i, key, sizeof i);
	return (size_t)i & sigcache.mask;
}

int ed25519_verify(const uint8_t sig[SIG_BYTES],
		   const uint8_t pk[PUBKEY_BYTES], const void *msg, size_t n)
{
	static const uint8_t zero[HASH_BYTES];
	uint8_t key[HASH_BYTES];
	size_t i = 0;
	int cached = sigcache.slot != NULL;
	if (cached) {
		i = sigcache_key(key, sig, pk, msg, n);
		pthread_mutex_lock(&sigcache.mu);
		int hit = memcmp(sigcache.slot[i], key, HASH_BYTES) == 0;
		pthread_mutex_unlock(&sigcache.mu);
		if (hit) {
			atomic_fetch_add(&sigcache.hits, 1);
			return 0;
		}
		atomic_fetch_add(&sigcache.misses, 1);
	}
	if (crypto_sign_verify_detached(sig, msg, n, pk) != 0)
		return ACC_EBADSIG;
	if (cached && memcmp(key, zero, HASH_BYTES) != 0) {
		pthread_mutex_lock(&sigcache.mu);
		memcpy(sigcache.slot[i], key, HASH_BYTES);
		pthread_mutex_unlock(&sigcache.mu);
	}
	return 0;
}

/* Build context ‖ 0x00 ‖ len ‖ chain_id ‖ payload into buf (stack) or a
 * heap block; *heap is set when the caller must free the result. */
static int ctx_message(uint8_t *stack, const char *context,
		       const char *chain_id, const void *payload, size_t n,
		       uint8_t **msg, size_t *len)
{
	size_t cl = strlen(context);
	size_t il = strlen(chain_id);
	if (il > 255 || cl > 255 || n > CTX_MSG_BYTES_MAX)
		return ACC_ETOOBIG;
	size_t total = cl + 1 + 1 + il + n;
	uint8_t *m = total <= CTX_STACK_BYTES ? stack : malloc(total);
	if (m == NULL)
		return ACC_ENOMEM;
	memcpy(m, context, cl);
	m[cl] = 0;
	m[cl + 1] = (uint8_t)il;
	memcpy(m + cl + 2, chain_id, il);
	if (n > 0)
		memcpy(m + cl + 2 + il, payload, n);
	*msg = m;
	*len = total;
	return 0;
}

int ed25519_sign_ctx(uint8_t sig[SIG_BYTES], const struct key *k,
		     const char *context, const char *chain_id,
		     const void *payload, size_t n)
{
	uint8_t stack[CTX_STACK_BYTES];
	uint8_t *m;
	size_t len;
	int rc = ctx_message(stack, context, chain_id, payload, n, &m, &len);
	if (rc != 0)
		return rc;
	ed25519_sign(sig, k, m, len);
	if (m != stack)
		free(m);
	return 0;
}

int ed25519_verify_ctx(const uint8_t sig[SIG_BYTES],
		       const uint8_t pk[PUBKEY_BYTES], const char *context,
		       const char *chain_id, const void *payload, size_t n)
{
	uint8_t stack[CTX_STACK_BYTES];
	uint8_t *m;
	size_t len;
	int rc = ctx_message(stack, context, chain_id, payload, n, &m, &len);
	if (rc != 0)
		return rc;
	rc = ed25519_verify(sig, pk, m, len);
	if (m != stack)
		free(m);
	return rc;
}

_Static_assert(SHORTHASH_KEY_BYTES == crypto_shorthash_KEYBYTES,
	       "SipHash key size");

uint64_t shorthash(const void *p, size_t n,
		   const uint8_t key[SHORTHASH_KEY_BYTES])
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t h;
	(void)crypto_shorthash(out, p, n, key);
	memcpy(&h, out, sizeof h);
	return h;
}

void random_bytes(void *p, size_t n)
{
	randombytes_buf(p, n);
}

int bytes_cmp_ct(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0 ? 0 : 1;
}

void memzero(void *p, size_t n)
{
	sodium_memzero(p, n);
}
