/* test_ledger_chain.c - genesis (load errors, hash vector, lookups),
 * certificates (quorum, bad signatures, layout) and block headers and
 * blocks (codec, hash). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "common/vote.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/genesis.h"
#include "tests/test.h"
#include "tests/unit/test_ledger_fixture.h"

/* The hash of tests/vectors/genesis.json, as printed in specs/genesis.md. */
#define GENESIS_HASH_HEX \
	"402d1a310f230e6cafa5abed394260e5bb7579cdfeb462b22905be4c3dec92f2"

static int genesis_rc(const char *text, struct acc_err *err)
{
	struct genesis g;
	int rc = genesis_from_json_text(&g, text, strlen(text), err);
	if (rc == 0)
		genesis_free(&g);
	return rc;
}

/* Apply one textual edit to the fixture text and parse it. */
static int edited(const char *from, const char *to, struct acc_err *err)
{
	char *t = fixture_genesis_text();
	char *p = strstr(t, from);
	if (p == NULL)
		FAIL_AT("edit: \"%s\" not in fixture", from);
	size_t n = strlen(t) - strlen(from) + strlen(to) + 1;
	char *u = malloc(n);
	snprintf(u, n, "%.*s%s%s", (int)(p - t), t, to, p + strlen(from));
	int rc = genesis_rc(u, err);
	free(u);
	free(t);
	return rc;
}

static void test_genesis_load(void)
{
	struct genesis g, g2;
	struct acc_err err;
	ASSERT_OK(genesis_load(&g, "tests/vectors/genesis.json", &err));
	ASSERT_STR_EQ(g.chain_id, TEST_CHAIN_ID);
	ASSERT_EQ(g.party_count, 3);
	ASSERT_EQ(g.validator_count, 2);
	ASSERT_EQ(g.verifier_count, 1);
	ASSERT_EQ(g.governance_threshold, 2);
	ASSERT_U64_EQ(genesis_total_power(&g), 2);
	char hx[65];
	hex_encode(hx, g.hash, HASH_BYTES);
	if (strcmp(GENESIS_HASH_HEX, "@GENESIS_HASH@") != 0)
		ASSERT_STR_EQ(hx, GENESIS_HASH_HEX);
	else
		printf("genesis hash %s\n", hx);

	/* JSON round trip keeps the hash; save and load again. */
	json_t *j = genesis_to_json(&g);
	ASSERT_OK(genesis_from_json(&g2, j, &err));
	ASSERT_MEM_EQ(g.hash, g2.hash, HASH_BYTES);
	json_t *j2 = genesis_to_json(&g2);
	ASSERT(json_equal(j, j2));
	json_decref(j);
	json_decref(j2);
	genesis_free(&g2);
	char path[] = "/tmp/accord-genesis-XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0);
	close(fd);
	ASSERT_OK(genesis_save(&g, path, &err));
	ASSERT_OK(genesis_load(&g2, path, &err));
	ASSERT_MEM_EQ(g.hash, g2.hash, HASH_BYTES);
	genesis_free(&g2);
	unlink(path);
	ASSERT_EQ(genesis_load(&g2, "/nonexistent/genesis.json", &err),
		  ACC_EIO);

	/* Lookups. */
	struct key k;
	enum key_role role;
	size_t idx;
	fixture_key(&k, SEED_TJ);
	ASSERT_EQ(genesis_party_by_key(&g, k.pk), 1);
	ASSERT_OK(genesis_key_role(&g, k.pk, &role, &idx));
	ASSERT_EQ(role, ROLE_PARTY);
	ASSERT_EQ(idx, 1);
	key_free(&k);
	fixture_key(&k, SEED_CNEMC);
	ASSERT_OK(genesis_key_role(&g, k.pk, &role, &idx));
	ASSERT_EQ(role, ROLE_VERIFIER);
	key_free(&k);
	fixture_key(&k, SEED_NODE1);
	ASSERT_OK(genesis_key_role(&g, k.pk, &role, &idx));
	ASSERT_EQ(role, ROLE_VALIDATOR);
	ASSERT_EQ(idx, 1);
	key_free(&k);
	fixture_key(&k, SEED_STRANGER);
	ASSERT_EQ(genesis_key_role(&g, k.pk, &role, &idx), ACC_EUNKNOWNKEY);
	ASSERT_EQ(role, ROLE_NONE);
	key_free(&k);
	ASSERT_EQ(genesis_party_by_id(&g, "CN-HE"), 2);
	ASSERT_EQ(genesis_verifier_by_id(&g, "CNEMC"), 0);
	ASSERT_EQ(genesis_party_by_id(&g, "CN-SD"), -1);

	/* The valset hash depends on keys and powers only. */
	uint8_t v1[HASH_BYTES], v2[HASH_BYTES];
	genesis_valset_hash(&g, v1);
	snprintf(g.validators[0].name, sizeof g.validators[0].name, "renamed");
	genesis_valset_hash(&g, v2);
	ASSERT_MEM_EQ(v1, v2, HASH_BYTES);
	g.validators[0].power = 2;
	genesis_valset_hash(&g, v2);
	ASSERT(memcmp(v1, v2, HASH_BYTES) != 0);
	genesis_free(&g);

	/* Defaults: params, power, governance threshold, verifiers. */
	char bj[65], n0[65], t[1024];
	fixture_pk_hex(bj, SEED_BJ);
	fixture_pk_hex(n0, SEED_NODE0);
	snprintf(t, sizeof t,
		 "{\"chain_id\":\"c\",\"genesis_time\":\"2025-01-01T00:00:00Z\","
		 "\"parties\":[{\"id\":\"A\",\"name\":\"a\",\"keys\":[\"%s\"]}],"
		 "\"validators\":[{\"name\":\"v\",\"party\":\"A\",\"key\":\"%s\","
		 "\"address\":\"h:1\"}]}",
		 bj, n0);
	ASSERT_OK(genesis_from_json_text(&g, t, strlen(t), &err));
	ASSERT_EQ(g.validators[0].power, 1);
	ASSERT_EQ(g.governance_threshold, 1);
	ASSERT_EQ(g.params.block_entries_max, BLOCK_ENTRIES_MAX);
	ASSERT_STR_EQ(g.validators[0].http, "");
	genesis_free(&g);
}

static void test_genesis_errors(void)
{
	struct acc_err err;
	char k[65];
	fixture_pk_hex(k, SEED_BJ);
	/* Missing field, unknown field, wrong type. */
	ASSERT_EQ(edited("\"chain_id\": \"accord-test\",", "", &err), ACC_EJSON);
	ASSERT(strstr(err.msg, "chain_id") != NULL);
	ASSERT_EQ(edited("\"governance_threshold\"", "\"quorum\"", &err),
		  ACC_EJSON);
	ASSERT_EQ(edited("\"power\": 1}", "\"power\": \"1\"}", &err), ACC_ETYPE);
	ASSERT_EQ(edited("\"power\": 1}", "\"power\": 0}", &err), ACC_ERANGE);
	/* Duplicate party id. */
	ASSERT_EQ(edited("\"CN-TJ\", \"name\"", "\"CN-BJ\", \"name\"", &err),
		  ACC_ECONFIG);
	ASSERT(strstr(err.msg, "duplicate") != NULL);
	/* Bad key hex: short, non-hex. */
	ASSERT_EQ(edited(k, "abcd", &err), ACC_EDECODE);
	char bad[65];
	memcpy(bad, k, 65);
	bad[10] = 'g';
	ASSERT_EQ(edited(k, bad, &err), ACC_EDECODE);
	ASSERT(strstr(err.msg, "parties[0].keys[0]") != NULL);
	/* Zero validators. */
	char *t = fixture_genesis_text();
	char *a = strstr(t, "\"validators\": [");
	char *b = strstr(t, "\"verifiers\"");
	char z[4096];
	snprintf(z, sizeof z, "%.*s\"validators\": [],\n  %s", (int)(a - t), t,
		 b);
	ASSERT_EQ(genesis_rc(z, &err), ACC_ECONFIG);
	free(t);
	/* Validator of an unlisted party; a key used twice in one role. */
	ASSERT_EQ(edited("\"party\": \"CN-TJ\"", "\"party\": \"CN-XX\"", &err),
		  ACC_ECONFIG);
	char n0[65];
	fixture_pk_hex(n0, SEED_NODE0);
	char n1[65];
	fixture_pk_hex(n1, SEED_NODE1);
	ASSERT_EQ(edited(n1, n0, &err), ACC_ECONFIG);
	/* A key in two roles is allowed (a party key may also validate). */
	ASSERT_OK(edited(n1, k, &err));
	/* Verifier id colliding with a party id. */
	ASSERT_EQ(edited("\"CNEMC\"", "\"CN-HE\"", &err), ACC_ECONFIG);
	/* Funds (optional): an id clashing with a party's, an unknown
	 * field, a missing name; a good one changes the hash, and the JSON
	 * form round-trips. */
	ASSERT_EQ(edited("\"verifiers\": [",
			 "\"funds\": [{\"id\": \"CN-BJ\", \"name\": \"x\"}], "
			 "\"verifiers\": [",
			 &err),
		  ACC_ECONFIG);
	ASSERT(strstr(err.msg, "funds[0]") != NULL);
	ASSERT_EQ(edited("\"verifiers\": [",
			 "\"funds\": [{\"id\": \"F\", \"name\": \"x\", "
			 "\"key\": \"00\"}], \"verifiers\": [",
			 &err),
		  ACC_EJSON);
	ASSERT_EQ(edited("\"verifiers\": [",
			 "\"funds\": [{\"id\": \"F\"}], \"verifiers\": [", &err),
		  ACC_EJSON);
	{
		char *gt = fixture_genesis_text();
		char *v = strstr(gt, "\"verifiers\": [");
		char f[8192];
		struct genesis g0, g1, g2;
		ASSERT(v != NULL);
		snprintf(f, sizeof f,
			 "%.*s\"funds\": [{\"id\": \"CN-FUND\", \"name\": "
			 "\"Regional air fund\"}], %s",
			 (int)(v - gt), gt, v);
		ASSERT_OK(genesis_from_json_text(&g0, gt, strlen(gt), &err));
		ASSERT_OK(genesis_from_json_text(&g1, f, strlen(f), &err));
		ASSERT_EQ(g1.fund_count, 1);
		ASSERT_EQ(genesis_fund_by_id(&g1, "CN-FUND"), 0);
		ASSERT_EQ(genesis_fund_by_id(&g0, "CN-FUND"), -1);
		ASSERT(memcmp(g0.hash, g1.hash, HASH_BYTES) != 0);
		json_t *j = genesis_to_json(&g1);
		ASSERT(j != NULL);
		ASSERT_OK(genesis_from_json(&g2, j, &err));
		ASSERT_MEM_EQ(g2.hash, g1.hash, HASH_BYTES);
		json_decref(j);
		j = genesis_to_json(&g0);
		ASSERT(j != NULL && json_object_get(j, "funds") == NULL);
		json_decref(j);
		genesis_free(&g0);
		genesis_free(&g1);
		genesis_free(&g2);
		free(gt);
	}
	/* Threshold above the number of parties. */
	ASSERT_EQ(edited("\"governance_threshold\": 2",
			 "\"governance_threshold\": 4", &err),
		  ACC_ECONFIG);
	/* A validator name that cannot name a checkpoint key. */
	ASSERT_EQ(edited("\"name\": \"node1\"", "\"name\": \"node 1\"", &err),
		  ACC_ECONFIG);
	ASSERT(strstr(err.msg, "validators[1].name") != NULL);
	ASSERT_EQ(edited("\"name\": \"node1\"", "\"name\": \"node+1\"", &err),
		  ACC_ECONFIG);
	/* Bad chain id, bad time. */
	ASSERT_EQ(edited("accord-test", "accord test", &err), ACC_EDECODE);
	ASSERT_EQ(edited("2025-01-01T00:00:00Z", "2025-01-01", &err),
		  ACC_EDECODE);
	/* Parameters out of range. */
	ASSERT_EQ(edited("\"block_entries_max\": 4096",
			 "\"block_entries_max\": 4097", &err),
		  ACC_ERANGE);
	ASSERT_EQ(edited("\"timeout_propose_ms\": 3000",
			 "\"timeout_propose_ms\": 0", &err),
		  ACC_ERANGE);
	/* Duplicate keys in the JSON object. */
	ASSERT_EQ(edited("\"governance_threshold\": 2",
			 "\"governance_threshold\": 2, \"governance_threshold\": 2",
			 &err),
		  ACC_EJSON);
	ASSERT_EQ(genesis_rc("not json", &err), ACC_EJSON);
}

/* ---- certificates ---- */

/* A genesis of n validators of the given powers (keys from seeds 0x40+i). */
static void valset(struct genesis *g, size_t n, const uint64_t *power)
{
	memset(g, 0, sizeof *g);
	snprintf(g->chain_id, sizeof g->chain_id, "%s", TEST_CHAIN_ID);
	g->party_count = 1;
	g->parties = calloc(1, sizeof *g->parties);
	snprintf(g->parties[0].id, sizeof g->parties[0].id, "P");
	snprintf(g->parties[0].name, sizeof g->parties[0].name, "p");
	g->parties[0].key_count = 1;
	g->parties[0].keys[0][0] = 1;
	g->validator_count = n;
	g->validators = calloc(n, sizeof *g->validators);
	for (size_t i = 0; i < n; i++) {
		struct key k;
		fixture_key(&k, (uint8_t)(0x40 + i));
		memcpy(g->validators[i].key, k.pk, PUBKEY_BYTES);
		key_free(&k);
		snprintf(g->validators[i].name, sizeof g->validators[i].name,
			 "v%zu", i);
		snprintf(g->validators[i].party, sizeof g->validators[i].party,
			 "P");
		snprintf(g->validators[i].address,
			 sizeof g->validators[i].address, "h:%zu", i);
		g->validators[i].power = power[i];
	}
	g->verifiers = calloc(1, sizeof *g->verifiers);
	genesis_params_default(&g->params);
	g->governance_threshold = 1;
	struct acc_err err;
	ASSERT_OK(genesis_validate(g, &err));
}

static void cert_sign(struct cert *c, uint16_t v)
{
	struct key k;
	uint8_t sig[SIG_BYTES];
	struct acc_err err;
	fixture_key(&k, (uint8_t)(0x40 + v));
	ASSERT_OK(vote_sign(sig, &k, TEST_CHAIN_ID, VOTE_PRECOMMIT, c->height,
			    c->round, c->block_hash));
	key_free(&k);
	ASSERT_OK(cert_add_sig(c, v, sig, &err));
}

static void test_cert(void)
{
	struct genesis g;
	struct cert c, d;
	struct acc_err err;
	uint8_t bh[HASH_BYTES], buf[CERT_BYTES_MAX];
	size_t len;
	uint64_t p4[4] = {1, 1, 1, 1};
	memset(bh, 0x5a, sizeof bh);
	valset(&g, 4, p4);

	/* 3 of 4 is more than two thirds; signatures added out of order. */
	cert_init(&c, 9, 2, bh);
	cert_sign(&c, 3);
	cert_sign(&c, 0);
	ASSERT_EQ(cert_verify(&c, &g, 9, bh, &err), ACC_ECERT); /* 2 of 4 */
	cert_sign(&c, 1);
	ASSERT_OK(cert_verify(&c, &g, 9, bh, &err));
	ASSERT_EQ(c.sigs[0].validator, 0);
	ASSERT_EQ(c.sigs[2].validator, 3);
	ASSERT_EQ(cert_add_sig(&c, 1, c.sigs[0].sig, &err), ACC_EDUP);
	ASSERT_EQ(cert_verify(&c, &g, 10, bh, &err), ACC_ECERT);
	uint8_t other[HASH_BYTES];
	memset(other, 0x5b, sizeof other);
	ASSERT_EQ(cert_verify(&c, &g, 9, other, &err), ACC_ECERT);

	/* Codec round trip. */
	ASSERT_OK(cert_encode(&c, buf, &len, &err));
	ASSERT_EQ(len, CERT_FIXED_BYTES + 3 * CERT_SIG_BYTES);
	ASSERT_OK(cert_decode(&d, buf, len, &err));
	ASSERT_MEM_EQ(&c, &d, sizeof c);
	json_t *j = cert_to_json(&c);
	ASSERT_EQ(json_integer_value(json_object_get(j, "height")), 9);
	json_decref(j);

	/* A wrong signature is named. */
	d.sigs[1].sig[5] ^= 1;
	ASSERT_EQ(cert_verify(&d, &g, 9, bh, &err), ACC_EBADSIG);
	ASSERT(strstr(err.msg, "validator 1 (v1)") != NULL);
	/* An index beyond the validator set. */
	ASSERT_OK(cert_decode(&d, buf, len, &err));
	d.sigs[2].validator = 7;
	ASSERT_EQ(cert_verify(&d, &g, 9, bh, &err), ACC_ECERT);

	/* Exactly two thirds is not enough: powers 1,1,1 and two sign. */
	genesis_free(&g);
	uint64_t p3[3] = {1, 1, 1};
	valset(&g, 3, p3);
	cert_init(&c, 9, 0, bh);
	cert_sign(&c, 0);
	cert_sign(&c, 2);
	ASSERT_EQ(cert_verify(&c, &g, 9, bh, &err), ACC_ECERT);
	cert_sign(&c, 1);
	ASSERT_OK(cert_verify(&c, &g, 9, bh, &err));
	genesis_free(&g);
	/* Weighted: one validator with 3 of 4 power is not a quorum; 3 of
	 * 4 with 1 more is (power 3,1: 3*3 = 9 > 8). */
	uint64_t pw[2] = {3, 1};
	valset(&g, 2, pw);
	cert_init(&c, 9, 0, bh);
	cert_sign(&c, 0);
	ASSERT_OK(cert_verify(&c, &g, 9, bh, &err));
	cert_init(&c, 9, 0, bh);
	cert_sign(&c, 1);
	ASSERT_EQ(cert_verify(&c, &g, 9, bh, &err), ACC_ECERT);
	genesis_free(&g);

	/* Layout rejections: duplicate / unsorted indices, zero signers,
	 * too many, truncation, trailing, round too large, nil hash. */
	valset(&g, 4, p4);
	cert_init(&c, 9, 2, bh);
	cert_sign(&c, 0);
	cert_sign(&c, 1);
	ASSERT_OK(cert_encode(&c, buf, &len, &err));
	uint8_t m[CERT_BYTES_MAX + 1];
	memcpy(m, buf, len);
	be16_put(m + CERT_FIXED_BYTES + CERT_SIG_BYTES, 0); /* dup 0 */
	ASSERT_EQ(cert_decode(&d, m, len, &err), ACC_EDECODE);
	be16_put(m + CERT_FIXED_BYTES, 1); /* 1 then 0 */
	ASSERT_EQ(cert_decode(&d, m, len, &err), ACC_EDECODE);
	for (size_t n = 0; n < len; n++)
		ASSERT(cert_decode(&d, buf, n, &err) != 0);
	memcpy(m, buf, len);
	m[len] = 0;
	ASSERT_EQ(cert_decode(&d, m, len + 1, &err), ACC_EDECODE);
	memcpy(m, buf, len);
	be16_put(m + 44, 0);
	ASSERT_EQ(cert_decode(&d, m, CERT_FIXED_BYTES, &err), ACC_EDECODE);
	be16_put(m + 44, VALIDATORS_MAX + 1);
	ASSERT_EQ(cert_decode(&d, m, len, &err), ACC_ETOOBIG);
	memcpy(m, buf, len);
	be32_put(m + 8, 0x80000000u);
	ASSERT_EQ(cert_decode(&d, m, len, &err), ACC_EDECODE);
	memcpy(m, buf, len);
	memset(m + 12, 0, HASH_BYTES);
	ASSERT_EQ(cert_decode(&d, m, len, &err), ACC_EDECODE);
	memcpy(m, buf, len);
	be64_put(m, 0);
	ASSERT_EQ(cert_decode(&d, m, len, &err), ACC_EDECODE);
	genesis_free(&g);
}

/* ---- headers and blocks ---- */

static void header_example(struct block_header *h, const struct genesis *g)
{
	memset(h, 0, sizeof *h);
	h->version = BLOCK_VERSION;
	snprintf(h->chain_id, sizeof h->chain_id, "%s", g->chain_id);
	h->height = 1;
	h->time_ms = 1735689600123ULL;
	memcpy(h->prev_hash, g->hash, HASH_BYTES);
	h->proposer = 0;
	genesis_valset_hash(g, h->valset_hash);
	h->entry_count = 2;
	h->log_size = 2;
	memset(h->log_root, 0x11, HASH_BYTES);
}

static void test_header(void)
{
	struct genesis g;
	struct block_header h, d;
	struct acc_err err;
	uint8_t buf[BLOCK_HEADER_BYTES_MAX + 1], hh[HASH_BYTES], h2[HASH_BYTES];
	size_t len;
	fixture_genesis(&g);
	header_example(&h, &g);
	ASSERT_OK(block_header_encode(&h, buf, &len, &err));
	ASSERT_EQ(len, BLOCK_HEADER_FIXED_BYTES + strlen(TEST_CHAIN_ID));
	ASSERT_OK(block_header_decode(&d, buf, len, &err));
	ASSERT_MEM_EQ(&h, &d, sizeof h);
	block_hash(buf, len, hh);
	ASSERT_OK(block_header_hash(&h, h2, &err));
	ASSERT_MEM_EQ(hh, h2, HASH_BYTES);
	/* The hash is SHA-256("accord/block/v1" ‖ 0x00 ‖ header). */
	uint8_t pre[16 + BLOCK_HEADER_BYTES_MAX];
	memcpy(pre, "accord/block/v1", 16);
	memcpy(pre + 16, buf, len);
	sha256(h2, pre, 16 + len);
	ASSERT_MEM_EQ(hh, h2, HASH_BYTES);
	/* The vector of specs/encoding.md §10.4. */
	{
		struct block_header hv = h;
		char hx[65];
		hv.time_ms = 1735689600000ULL;
		ASSERT_OK(block_header_hash(&hv, h2, &err));
		hex_encode(hx, h2, HASH_BYTES);
		ASSERT_STR_EQ(hx, "20b2cc33f5e33066ab8db0b4dc7d2d5c01a3a209624ec5"
				  "05be952edb88c17e4f");
	}
	json_t *j = block_header_to_json(&h);
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "time")),
		      "2025-01-01T00:00:00Z");
	json_decref(j);
	/* §8.4: "time" is time_ms rounded down to the second, never up. */
	{
		struct block_header hr = h;
		hr.time_ms = 1735689600999ULL;
		j = block_header_to_json(&hr);
		ASSERT_STR_EQ(json_string_value(json_object_get(j, "time")),
			      "2025-01-01T00:00:00Z");
		json_decref(j);
		hr.time_ms = 1735689601000ULL;
		j = block_header_to_json(&hr);
		ASSERT_STR_EQ(json_string_value(json_object_get(j, "time")),
			      "2025-01-01T00:00:01Z");
		json_decref(j);
	}

	for (size_t n = 0; n < len; n++)
		ASSERT(block_header_decode(&d, buf, n, &err) != 0);
	buf[len] = 0;
	ASSERT_EQ(block_header_decode(&d, buf, len + 1, &err), ACC_EDECODE);
	/* Rule violations are refused by both sides. */
	struct block_header bad = h;
	bad.height = 0;
	ASSERT_EQ(block_header_encode(&bad, buf, &len, &err), ACC_EINVAL);
	bad = h;
	bad.entry_count = 3; /* above log size */
	ASSERT_EQ(block_header_encode(&bad, buf, &len, &err), ACC_EINVAL);
	bad = h;
	bad.last_cert_hash[0] = 1; /* height 1 with a cert hash */
	ASSERT_EQ(block_header_encode(&bad, buf, &len, &err), ACC_EINVAL);
	bad.height = 2;
	ASSERT_OK(block_header_encode(&bad, buf, &len, &err));
	buf[0] = 2; /* version */
	ASSERT_EQ(block_header_decode(&d, buf, len, &err), ACC_EDECODE);
	genesis_free(&g);
}

static void test_block(void)
{
	struct genesis g;
	struct block_header h;
	struct acc_err err;
	struct block b;
	uint8_t *out;
	size_t len;
	uint8_t e1[3] = {1, 2, 3}, e2[1] = {9};
	struct bytes_view ev[2] = {{e1, 3}, {e2, 1}};
	fixture_genesis(&g);
	header_example(&h, &g);
	ASSERT_OK(block_encode(&h, NULL, 0, ev, 2, &out, &len, &err));
	ASSERT_OK(block_decode(&b, out, len, &err));
	ASSERT_EQ(b.entry_count, 2);
	ASSERT_EQ(b.entries[0].len, 3);
	ASSERT(b.entries[0].p == out + len - 3 - 4 - 1);
	ASSERT_EQ(b.last_cert.len, 0);
	block_free(&b);
	for (size_t n = 0; n < len; n++)
		ASSERT(block_decode(&b, out, n, &err) != 0);
	uint8_t *more = malloc(len + 1);
	memcpy(more, out, len);
	more[len] = 0;
	ASSERT_EQ(block_decode(&b, more, len + 1, &err), ACC_EDECODE);
	free(more);
	free(out);
	/* Count mismatch, a cert at height 1, empty entries. */
	ASSERT_EQ(block_encode(&h, NULL, 0, ev, 1, &out, &len, &err),
		  ACC_EINVAL);
	ASSERT_EQ(block_encode(&h, e1, 3, ev, 2, &out, &len, &err), ACC_EINVAL);
	ev[1].len = 0;
	ASSERT_EQ(block_encode(&h, NULL, 0, ev, 2, &out, &len, &err),
		  ACC_EINVAL);
	ev[1].len = 1;

	/* Height 2 carries the certificate of height 1, matched by hash. */
	uint8_t hb[BLOCK_HEADER_BYTES_MAX], bh[HASH_BYTES], cb[CERT_BYTES_MAX];
	size_t hl, cl;
	struct cert c;
	ASSERT_OK(block_header_encode(&h, hb, &hl, &err));
	block_hash(hb, hl, bh);
	cert_init(&c, 1, 0, bh);
	for (uint16_t i = 0; i < 2; i++) {
		struct key k;
		uint8_t sig[SIG_BYTES];
		fixture_key(&k, i == 0 ? SEED_NODE0 : SEED_NODE1);
		ASSERT_OK(vote_sign(sig, &k, TEST_CHAIN_ID, VOTE_PRECOMMIT, 1, 0,
				    bh));
		key_free(&k);
		ASSERT_OK(cert_add_sig(&c, i, sig, &err));
	}
	ASSERT_OK(cert_verify(&c, &g, 1, bh, &err));
	ASSERT_OK(cert_encode(&c, cb, &cl, &err));
	h.height = 2;
	memcpy(h.prev_hash, bh, HASH_BYTES);
	cert_hash(cb, cl, h.last_cert_hash);
	h.log_size = 4;
	ASSERT_OK(block_encode(&h, cb, cl, ev, 2, &out, &len, &err));
	ASSERT_OK(block_decode(&b, out, len, &err));
	ASSERT_EQ(b.last_cert.len, cl);
	struct cert d;
	ASSERT_OK(cert_decode(&d, b.last_cert.p, b.last_cert.len, &err));
	ASSERT_OK(cert_verify(&d, &g, 1, bh, &err));
	block_free(&b);
	free(out);
	/* A certificate that does not match last_cert_hash. */
	h.last_cert_hash[0] ^= 1;
	ASSERT_OK(block_encode(&h, cb, cl, ev, 2, &out, &len, &err));
	ASSERT_EQ(block_decode(&b, out, len, &err), ACC_EDECODE);
	free(out);
	/* An entry count the input cannot hold is refused before
	 * allocating. */
	h.last_cert_hash[0] ^= 1;
	h.entry_count = BLOCK_ENTRIES_MAX;
	h.log_size = BLOCK_ENTRIES_MAX;
	ASSERT_OK(block_header_encode(&h, hb, &hl, &err));
	struct wbuf w;
	wbuf_init(&w, 1 << 20);
	wbuf_var16(&w, hb, hl);
	wbuf_var32(&w, cb, cl);
	ASSERT_EQ(block_decode(&b, w.data, w.len, &err), ACC_EDECODE);
	wbuf_free(&w);
	genesis_free(&g);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	RUN(test_genesis_load);
	RUN(test_genesis_errors);
	RUN(test_cert);
	RUN(test_header);
	RUN(test_block);
	return 0;
}
