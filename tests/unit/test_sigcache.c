/* test_sigcache.c - the cache of good signatures (specs/node.md §7.10):
 * a signature that verified is not verified again; a bad one is never
 * cached, nor a good signature of another message or by another key. Its
 * own binary: the cache is process-wide and cannot be turned off. */
#include <string.h>

#include "common/crypto.h"
#include "common/error.h"
#include "tests/test.h"


static void test_cache(void)
{
	struct key a, b;
	uint8_t seed[SEED_BYTES];
	memset(seed, 1, sizeof seed);
	ASSERT_OK(key_from_seed(&a, seed));
	memset(seed, 2, sizeof seed);
	ASSERT_OK(key_from_seed(&b, seed));
	uint8_t sig[SIG_BYTES], bad[SIG_BYTES];
	ed25519_sign(sig, &a, "vote", 4);
	uint64_t h0, m0, h, m;

	/* Off: nothing counted. */
	ASSERT_OK(ed25519_verify(sig, a.pk, "vote", 4));
	sigcache_stats(&h0, &m0);
	ASSERT_EQ(h0, 0);
	ASSERT_EQ(m0, 0);

	ASSERT_OK(sigcache_enable(3)); /* rounded up to 4 slots */
	ASSERT_OK(ed25519_verify(sig, a.pk, "vote", 4));
	sigcache_stats(&h, &m);
	ASSERT_EQ(h, 0);
	ASSERT_EQ(m, 1);
	ASSERT_OK(ed25519_verify(sig, a.pk, "vote", 4));
	sigcache_stats(&h, &m);
	ASSERT_EQ(h, 1);
	ASSERT_EQ(m, 1);

	/* The same signature over another message, by another key, a
	 * flipped signature: misses, and the bad ones fail every time. */
	ASSERT_EQ(ed25519_verify(sig, a.pk, "votf", 4), ACC_EBADSIG);
	ASSERT_EQ(ed25519_verify(sig, b.pk, "vote", 4), ACC_EBADSIG);
	memcpy(bad, sig, sizeof bad);
	bad[10] ^= 1;
	ASSERT_EQ(ed25519_verify(bad, a.pk, "vote", 4), ACC_EBADSIG);
	ASSERT_EQ(ed25519_verify(bad, a.pk, "vote", 4), ACC_EBADSIG);
	sigcache_stats(&h, &m);
	ASSERT_EQ(h, 1);
	ASSERT_EQ(m, 5);

	/* The context form goes through it too. */
	uint8_t csig[SIG_BYTES];
	ASSERT_OK(ed25519_sign_ctx(csig, &b, "accord/test/v1", "chain", "p",
				   1));
	ASSERT_OK(ed25519_verify_ctx(csig, b.pk, "accord/test/v1", "chain",
				     "p", 1));
	ASSERT_OK(ed25519_verify_ctx(csig, b.pk, "accord/test/v1", "chain",
				     "p", 1));
	ASSERT_EQ(ed25519_verify_ctx(csig, b.pk, "accord/test/v1", "chaim",
				     "p", 1),
		  ACC_EBADSIG);
	sigcache_stats(&h, &m);
	ASSERT_EQ(h, 2);
	ASSERT_EQ(m, 7);

	/* Many signatures through 4 slots: evictions only cost a check,
	 * every good one still verifies. */
	for (int i = 0; i < 64; i++) {
		uint8_t msg[2] = {(uint8_t)i, 7};
		uint8_t s2[SIG_BYTES];
		ed25519_sign(s2, &a, msg, sizeof msg);
		ASSERT_OK(ed25519_verify(s2, a.pk, msg, sizeof msg));
		s2[0] ^= 0x40;
		ASSERT_EQ(ed25519_verify(s2, a.pk, msg, sizeof msg),
			  ACC_EBADSIG);
	}
	key_free(&a);
	key_free(&b);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	RUN(test_cache);
	return 0;
}
