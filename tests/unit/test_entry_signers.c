/* test_entry_signers.c - the evidence rows of the signer table
 * (specs/encoding.md §7.1) that the stateless check decides: who may sign
 * an evidence entry, and that a nil vote is an equivocation. */
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/vote.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "tests/test.h"
#include "tests/unit/test_ledger_fixture.h"

/* Node1's two precommits at height 7, round 0, for hash_a and hash_b
 * (ascending), in an evidence entry signed by the key of signer_seed;
 * returns entry_check's verdict. */
static int check_evidence(const struct genesis *g, const uint8_t *hash_a,
			  const uint8_t *hash_b, uint8_t signer_seed)
{
	struct entry e;
	struct key accused, signer;
	struct acc_err err;
	uint8_t *b;
	size_t n;
	memset(&e, 0, sizeof e);
	e.version = ENTRY_VERSION;
	e.kind = ENTRY_EVIDENCE;
	e.time = 1522713600; /* 2018-04-03 */
	fixture_key(&accused, SEED_NODE1);
	memcpy(e.evidence.validator, accused.pk, PUBKEY_BYTES);
	const uint8_t *hashes[2] = {hash_a, hash_b};
	for (int i = 0; i < 2; i++) {
		struct evidence_vote *v = &e.evidence.votes[i];
		v->type = VOTE_PRECOMMIT;
		v->height = 7;
		v->round = 0;
		memcpy(v->block_hash, hashes[i], HASH_BYTES);
		ASSERT_OK(vote_sign(v->sig, &accused, TEST_CHAIN_ID,
				    VOTE_PRECOMMIT, 7, 0, v->block_hash));
	}
	fixture_key(&signer, signer_seed);
	ASSERT_OK(entry_sign(&e, &signer, TEST_CHAIN_ID, &err));
	ASSERT_OK(entry_encode(&e, &b, &n, &err));
	int rc = entry_check(b, n, g, NULL, &err);
	free(b);
	key_free(&signer);
	key_free(&accused);
	entry_free(&e);
	return rc;
}

static void test_evidence_signers(void)
{
	struct genesis g;
	uint8_t nil[HASH_BYTES], a[HASH_BYTES], b[HASH_BYTES];
	memset(nil, 0, sizeof nil);
	memset(a, 0xaa, sizeof a);
	memset(b, 0xbb, sizeof b);
	fixture_genesis(&g);
	/* Any validator of genesis may carry it, the accused included. */
	ASSERT_OK(check_evidence(&g, a, b, SEED_NODE0));
	ASSERT_OK(check_evidence(&g, a, b, SEED_NODE1));
	/* A nil vote and a block vote of one round are an equivocation;
	 * the nil one sorts first. */
	ASSERT_OK(check_evidence(&g, nil, b, SEED_NODE0));
	ASSERT_EQ(check_evidence(&g, b, nil, SEED_NODE0), ACC_ERULE);
	/* The same vote twice is no equivocation. */
	ASSERT_EQ(check_evidence(&g, a, a, SEED_NODE0), ACC_ERULE);
	/* Not a validator key: a party key, a verifier key, no role. */
	ASSERT_EQ(check_evidence(&g, a, b, SEED_BJ), ACC_ERULE);
	ASSERT_EQ(check_evidence(&g, a, b, SEED_CNEMC), ACC_ERULE);
	ASSERT_EQ(check_evidence(&g, a, b, SEED_STRANGER), ACC_EUNKNOWNKEY);
	genesis_free(&g);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	RUN(test_evidence_signers);
	return 0;
}
