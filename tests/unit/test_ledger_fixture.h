/* test_ledger_fixture.h - fixed keys and the test genesis shared by the
 * ledger tests and the vector generator (specs/encoding.md §10). */
#ifndef ACCORD_TESTS_LEDGER_FIXTURE_H
#define ACCORD_TESTS_LEDGER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/hex.h"
#include "ledger/genesis.h"
#include "tests/test.h"

/* Seeds: 32 bytes of this value (specs/encoding.md §10.1). */
enum {
	SEED_BJ = 0x01,    /* party CN-BJ */
	SEED_CNEMC = 0x02, /* verifier CNEMC */
	SEED_TJ = 0x03,    /* party CN-TJ */
	SEED_NODE0 = 0x04, /* validator node0 (CN-BJ) */
	SEED_NODE1 = 0x05, /* validator node1 (CN-TJ) */
	SEED_HE = 0x06,    /* party CN-HE */
	SEED_STRANGER = 0x09, /* in no role */
};

#define TEST_CHAIN_ID "accord-test"

static inline void fixture_key(struct key *k, uint8_t seed_byte)
{
	uint8_t s[SEED_BYTES];
	memset(s, seed_byte, sizeof s);
	ASSERT_OK(key_from_seed(k, s));
}

static inline void fixture_pk_hex(char out[2 * PUBKEY_BYTES + 1],
				  uint8_t seed_byte)
{
	struct key k;
	fixture_key(&k, seed_byte);
	hex_encode(out, k.pk, PUBKEY_BYTES);
	key_free(&k);
}

/* The test genesis as JSON text (heap; free()). */
static inline char *fixture_genesis_text(void)
{
	char bj[65], tj[65], he[65], cnemc[65], n0[65], n1[65];
	fixture_pk_hex(bj, SEED_BJ);
	fixture_pk_hex(tj, SEED_TJ);
	fixture_pk_hex(he, SEED_HE);
	fixture_pk_hex(cnemc, SEED_CNEMC);
	fixture_pk_hex(n0, SEED_NODE0);
	fixture_pk_hex(n1, SEED_NODE1);
	char *t = malloc(4096);
	ASSERT(t != NULL);
	snprintf(t, 4096,
		 "{\n"
		 "  \"chain_id\": \"" TEST_CHAIN_ID "\",\n"
		 "  \"genesis_time\": \"2025-01-01T00:00:00Z\",\n"
		 "  \"parties\": [\n"
		 "    {\"id\": \"CN-BJ\", \"name\": \"Beijing\", \"keys\": "
		 "[\"%s\"]},\n"
		 "    {\"id\": \"CN-TJ\", \"name\": \"Tianjin\", \"keys\": "
		 "[\"%s\"]},\n"
		 "    {\"id\": \"CN-HE\", \"name\": \"Hebei\", \"keys\": "
		 "[\"%s\"]}\n"
		 "  ],\n"
		 "  \"validators\": [\n"
		 "    {\"name\": \"node0\", \"party\": \"CN-BJ\", \"key\": "
		 "\"%s\", \"address\": \"127.0.0.1:9700\", \"http\": "
		 "\"127.0.0.1:8700\", \"power\": 1},\n"
		 "    {\"name\": \"node1\", \"party\": \"CN-TJ\", \"key\": "
		 "\"%s\", \"address\": \"127.0.0.1:9701\", \"http\": "
		 "\"127.0.0.1:8701\", \"power\": 1}\n"
		 "  ],\n"
		 "  \"verifiers\": [\n"
		 "    {\"id\": \"CNEMC\", \"name\": \"China National "
		 "Environmental Monitoring Centre\", \"key\": \"%s\"}\n"
		 "  ],\n"
		 "  \"params\": {\"block_interval_ms\": 1000, "
		 "\"block_entries_max\": 4096, \"timeout_propose_ms\": 3000, "
		 "\"timeout_prevote_ms\": 1000, \"timeout_precommit_ms\": "
		 "1000, \"timeout_delta_ms\": 500, \"grace_days_default\": "
		 "90},\n"
		 "  \"governance_threshold\": 2\n"
		 "}\n",
		 bj, tj, he, n0, n1, cnemc);
	return t;
}

static inline void fixture_genesis(struct genesis *g)
{
	char *t = fixture_genesis_text();
	struct acc_err err;
	int rc = genesis_from_json_text(g, t, strlen(t), &err);
	if (rc != 0)
		FAIL_AT("fixture genesis: %s", err.msg);
	free(t);
}

#endif
