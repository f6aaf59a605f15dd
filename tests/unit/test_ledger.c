/* test_ledger.c - entries: the vectors of specs/encoding.md §10, the
 * canonical round-trip property over random entries, every decoder
 * rejection, and entry_check against genesis.
 *
 * `build/tests/test_ledger --write-vectors` regenerates
 * tests/vectors/{genesis,entries}.json and the fuzz seed corpora and
 * prints the vector table for the spec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "common/vote.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"
#include "tests/test.h"
#include "tests/unit/test_ledger_fixture.h"

#define VECTORS_PATH "tests/vectors/entries.json"

/* ---- vector templates (unsigned JSON; @X@ are filled in order) ---- */

struct vtemplate {
	const char *name;
	uint8_t seeds[3]; /* signers, 0-terminated */
	const char *json;
};

static const struct vtemplate templates[] = {
    {"agreement",
     {SEED_BJ},
     "{\"kind\":\"agreement\",\"time\":\"2014-01-01T00:00:00Z\","
     "\"title\":\"Beijing-Tianjin-Hebei joint PM2.5 action 2013-2017\","
     "\"parties\":[\"CN-BJ\",\"CN-TJ\",\"CN-HE\"],"
     "\"obligations\":["
     "{\"party\":\"CN-BJ\",\"scope\":\"\",\"pollutant\":\"PM2.5\","
     "\"metric\":\"annual_mean_concentration\",\"baseline_year\":2013,"
     "\"baseline_value\":89.5,\"target\":60,\"default_value\":89.5,"
     "\"period_start\":\"2017-01-01T00:00:00Z\","
     "\"period_end\":\"2018-01-01T00:00:00Z\","
     "\"deadline\":\"2018-03-31T00:00:00Z\",\"frequency\":\"annual\"},"
     "{\"party\":\"CN-TJ\",\"scope\":\"\",\"pollutant\":\"PM2.5\","
     "\"metric\":\"percent_reduction\",\"baseline_year\":2013,"
     "\"baseline_value\":96,\"target\":25,\"default_value\":0,"
     "\"period_start\":\"2017-01-01T00:00:00Z\","
     "\"period_end\":\"2018-01-01T00:00:00Z\","
     "\"deadline\":\"2018-03-31T00:00:00Z\",\"frequency\":\"annual\"},"
     "{\"party\":\"CN-HE\",\"scope\":\"Shijiazhuang\",\"pollutant\":"
     "\"PM10\",\"metric\":\"annual_mean_concentration\",\"target\":70,"
     "\"default_value\":100,\"period_start\":\"2017-01-01T00:00:00Z\","
     "\"period_end\":\"2018-01-01T00:00:00Z\","
     "\"deadline\":\"2018-03-31T00:00:00Z\",\"frequency\":\"annual\"}],"
     "\"grace_days\":90,"
     "\"verification\":{\"verifiers\":[\"CNEMC\"],"
     "\"peer_parties_may_attest\":false,\"attestations_required\":1},"
     "\"compensation\":{\"rate\":400000,\"currency\":\"CNY\","
     "\"payee\":\"CN-HE\"},"
     "\"resolution_threshold\":2,\"amendment_threshold\":3,"
     "\"challenge_days\":30,"
     "\"legal_text_hash\":\"@LEGAL@\","
     "\"legal_text_uri\":"
     "\"https://www.gov.cn/zwgk/2013-09/12/content_2486773.htm\"}"},
    {"endorsement",
     {SEED_TJ},
     "{\"kind\":\"endorsement\",\"time\":\"2014-01-02T09:30:00Z\","
     "\"agreement_id\":\"@agreement@\"}"},
    {"report",
     {SEED_BJ},
     "{\"kind\":\"report\",\"time\":\"2018-02-15T08:00:00Z\","
     "\"agreement_id\":\"@agreement@\",\"party\":\"CN-BJ\",\"scope\":\"\","
     "\"pollutant\":\"PM2.5\",\"metric\":\"annual_mean_concentration\","
     "\"period_start\":\"2017-01-01T00:00:00Z\","
     "\"period_end\":\"2018-01-01T00:00:00Z\",\"value\":58,"
     "\"unit\":\"\\u00b5g/m\\u00b3\","
     "\"method\":\"GB 3095-2012 annual mean, 35 stations\","
     "\"data_source\":\"https://example.org/cn-bj/2017-pm25.csv\","
     "\"uncertainty\":2.5,\"attachments\":[\"@ATTACH@\"]}"},
    {"report_notation",
     {SEED_TJ},
     "{\"kind\":\"report\",\"time\":\"2018-03-01T00:00:00Z\","
     "\"agreement_id\":\"@agreement@\",\"party\":\"CN-TJ\",\"scope\":\"\","
     "\"pollutant\":\"PM2.5\",\"metric\":\"percent_reduction\","
     "\"period_start\":\"2017-01-01T00:00:00Z\","
     "\"period_end\":\"2018-01-01T00:00:00Z\",\"notation_key\":\"NE\","
     "\"unit\":\"%\",\"method\":\"\",\"data_source\":\"\","
     "\"attachments\":[]}"},
    {"attestation",
     {SEED_CNEMC},
     "{\"kind\":\"attestation\",\"time\":\"2018-03-10T10:00:00Z\","
     "\"report_id\":\"@report@\",\"opinion\":\"verified_with_comments\","
     "\"reasons\":\"Station data reconciled with the national network\","
     "\"comments\":\"Two stations relocated in 2017\"}"},
    {"challenge",
     {SEED_TJ},
     "{\"kind\":\"challenge\",\"time\":\"2018-03-12T00:00:00Z\","
     "\"target_id\":\"@report@\","
     "\"reason\":\"Station relocation not reflected in the annual mean\"}"},
    {"resolution",
     {SEED_BJ, SEED_TJ},
     "{\"kind\":\"resolution\",\"time\":\"2018-03-20T00:00:00Z\","
     "\"challenge_id\":\"@challenge@\",\"outcome\":\"dismissed\","
     "\"note\":\"Relocation effect within the stated uncertainty\"}"},
    {"governance_add_verifier",
     {SEED_BJ, SEED_TJ},
     "{\"kind\":\"governance\",\"time\":\"2018-04-01T00:00:00Z\","
     "\"action\":\"add_verifier\",\"verifier\":\"SDEMC\","
     "\"name\":\"Shandong Environmental Monitoring Centre\","
     "\"key\":\"@KEY7@\"}"},
    {"governance_set_param",
     {SEED_BJ, SEED_HE},
     "{\"kind\":\"governance\",\"time\":\"2018-04-02T00:00:00Z\","
     "\"action\":\"set_param\",\"param\":\"block_interval_ms\","
     "\"value\":500}"},
    {"evidence",
     {SEED_NODE0},
     "{\"kind\":\"evidence\",\"time\":\"2018-04-03T00:00:00Z\","
     "\"validator\":\"@KEYNODE1@\",\"votes\":["
     "{\"type\":\"precommit\",\"height\":7,\"round\":0,"
     "\"block_hash\":\"@HASHA@\",\"sig\":\"@SIGA@\"},"
     "{\"type\":\"precommit\",\"height\":7,\"round\":0,"
     "\"block_hash\":\"@HASHB@\",\"sig\":\"@SIGB@\"}]}"},
    /* A greenhouse gas report in kt CO2e (encoding §3.1). */
    {"report_ghg",
     {SEED_HE},
     "{\"kind\":\"report\",\"time\":\"2018-04-04T00:00:00Z\","
     "\"agreement_id\":\"@agreement@\",\"party\":\"CN-HE\","
     "\"scope\":\"Tangshan iron and steel\",\"pollutant\":\"CO2e\","
     "\"metric\":\"total_emissions\","
     "\"period_start\":\"2017-01-01T00:00:00Z\","
     "\"period_end\":\"2018-01-01T00:00:00Z\",\"value\":186.25,"
     "\"unit\":\"kt CO2e\",\"method\":\"EU MRR tier 3 mass balance\","
     "\"data_source\":\"\",\"attachments\":[]}"},
    /* Evidence of two proposals (§5.8): node1 at height 7, round 1,
     * re-proposing bb..bb (valid round 0) and proposing aa..aa; in
     * ascending order of their sign bytes. */
    {"evidence_proposals",
     {SEED_NODE0},
     "{\"kind\":\"evidence\",\"time\":\"2018-04-05T00:00:00Z\","
     "\"validator\":\"@KEYNODE1@\",\"proposals\":["
     "{\"height\":7,\"round\":1,\"valid_round\":0,"
     "\"block_hash\":\"@HASHB@\",\"sig\":\"@SIGPB@\"},"
     "{\"height\":7,\"round\":1,\"valid_round\":-1,"
     "\"block_hash\":\"@HASHA@\",\"sig\":\"@SIGPA@\"}]}"},
};
#define NTEMPLATES (sizeof templates / sizeof templates[0])

/* Replace every "@name@" in s by val (heap result). */
static char *subst(const char *s, const char *name, const char *val)
{
	char pat[64];
	snprintf(pat, sizeof pat, "@%s@", name);
	size_t out_cap = strlen(s) * 2 + 4096;
	char *out = malloc(out_cap);
	ASSERT(out != NULL);
	out[0] = 0;
	const char *p = s;
	for (;;) {
		const char *q = strstr(p, pat);
		if (q == NULL) {
			strcat(out, p);
			break;
		}
		strncat(out, p, (size_t)(q - p));
		strcat(out, val);
		p = q + strlen(pat);
	}
	return out;
}

struct vector {
	char name[40];
	char *json_text; /* signed JSON, dumped */
	uint8_t *bytes;
	size_t len;
	uint8_t id[HASH_BYTES];
};

static void hex_of_sha(char out[65], const char *s)
{
	uint8_t h[HASH_BYTES];
	sha256(h, s, strlen(s));
	hex_encode(out, h, HASH_BYTES);
}

/* Build every vector from the templates (deterministic Ed25519). */
static void vectors_build(struct vector *v)
{
	char ids[NTEMPLATES][65];
	char legal[65], attach[65], key7[65], node1[65], ha[65], hb[65];
	char siga[129], sigb[129], sigpa[129], sigpb[129];
	uint8_t hash_a[HASH_BYTES], hash_b[HASH_BYTES], sig[SIG_BYTES];
	struct key k;

	hex_of_sha(legal, "Air Pollution Prevention and Control Action Plan");
	hex_of_sha(attach, "cn-bj-2017-pm25.csv");
	fixture_pk_hex(key7, 0x07);
	fixture_pk_hex(node1, SEED_NODE1);
	memset(hash_a, 0xaa, sizeof hash_a);
	memset(hash_b, 0xbb, sizeof hash_b);
	hex_encode(ha, hash_a, HASH_BYTES);
	hex_encode(hb, hash_b, HASH_BYTES);
	fixture_key(&k, SEED_NODE1);
	ASSERT_OK(vote_sign(sig, &k, TEST_CHAIN_ID, VOTE_PRECOMMIT, 7, 0,
			    hash_a));
	hex_encode(siga, sig, SIG_BYTES);
	ASSERT_OK(vote_sign(sig, &k, TEST_CHAIN_ID, VOTE_PRECOMMIT, 7, 0,
			    hash_b));
	hex_encode(sigb, sig, SIG_BYTES);
	ASSERT_OK(proposal_sign(sig, &k, TEST_CHAIN_ID, 7, 1, -1, hash_a));
	hex_encode(sigpa, sig, SIG_BYTES);
	ASSERT_OK(proposal_sign(sig, &k, TEST_CHAIN_ID, 7, 1, 0, hash_b));
	hex_encode(sigpb, sig, SIG_BYTES);
	key_free(&k);

	for (size_t i = 0; i < NTEMPLATES; i++) {
		const char *names[] = {"LEGAL", "ATTACH", "KEY7",  "KEYNODE1",
				       "HASHA", "HASHB",  "SIGA",  "SIGB",
				       "SIGPA", "SIGPB"};
		const char *vals[] = {legal, attach, key7,  node1, ha,
				      hb,    siga,   sigb,  sigpa, sigpb};
		char *t = subst(templates[i].json, "agreement", ids[0]);
		for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
			char *t2 = subst(t, names[n], vals[n]);
			free(t);
			t = t2;
		}
		char *t2 = subst(t, "report", ids[2]);
		free(t);
		t = subst(t2, "challenge", ids[5]);
		free(t2);

		struct entry e;
		struct acc_err err;
		if (entry_from_json_text(&e, t, strlen(t), &err) != 0)
			FAIL_AT("template %s: %s", templates[i].name, err.msg);
		free(t);
		for (int s = 0; templates[i].seeds[s] != 0; s++) {
			fixture_key(&k, templates[i].seeds[s]);
			ASSERT_OK(entry_sign(&e, &k, TEST_CHAIN_ID, &err));
			key_free(&k);
		}
		snprintf(v[i].name, sizeof v[i].name, "%s", templates[i].name);
		ASSERT_OK(entry_encode(&e, &v[i].bytes, &v[i].len, &err));
		entry_id(v[i].id, v[i].bytes, v[i].len);
		hex_encode(ids[i], v[i].id, HASH_BYTES);
		json_t *j = entry_to_json(&e);
		ASSERT(j != NULL);
		v[i].json_text =
		    json_dumps(j, JSON_INDENT(2) | QTY_JSON_DUMP_FLAGS);
		json_decref(j);
		entry_free(&e);
	}
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		FAIL_AT("cannot write %s", path);
	ASSERT(fwrite(p, 1, n, f) == n);
	ASSERT(fclose(f) == 0);
}

static char *hex_alloc(const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);
	ASSERT(h != NULL);
	hex_encode(h, p, n);
	return h;
}

/* Write the vector files and corpora; print the spec's table. */
static void vectors_write(void)
{
	struct vector v[NTEMPLATES];
	char path[1200];
	vectors_build(v);

	char *gt = fixture_genesis_text();
	write_file("tests/vectors/genesis.json", gt, strlen(gt));
	(void)mkdir("tests/fuzz/corpus", 0755);
	(void)mkdir("tests/fuzz/corpus/fuzz_genesis", 0755);
	(void)mkdir("tests/fuzz/corpus/fuzz_entry", 0755);
	(void)mkdir("tests/fuzz/corpus/fuzz_block", 0755);
	write_file("tests/fuzz/corpus/fuzz_genesis/genesis.json", gt,
		   strlen(gt));

	json_t *root = json_object();
	json_t *arr = json_array();
	json_object_set_new(root, "chain_id", json_string(TEST_CHAIN_ID));
	json_object_set_new(root, "genesis", json_string("genesis.json"));
	for (size_t i = 0; i < NTEMPLATES; i++) {
		json_t *o = json_object();
		json_t *seeds = json_array();
		json_error_t je;
		for (int s = 0; templates[i].seeds[s] != 0; s++)
			json_array_append_new(
			    seeds, json_integer(templates[i].seeds[s]));
		char *hx = hex_alloc(v[i].bytes, v[i].len);
		char idh[65];
		hex_encode(idh, v[i].id, HASH_BYTES);
		json_object_set_new(o, "name", json_string(v[i].name));
		json_object_set_new(o, "seeds", seeds);
		json_object_set_new(o, "json",
				    json_loads(v[i].json_text, 0, &je));
		json_object_set_new(o, "hex", json_string(hx));
		json_object_set_new(o, "id", json_string(idh));
		json_array_append_new(arr, o);

		snprintf(path, sizeof path,
			 "tests/fuzz/corpus/fuzz_entry/%s.bin", v[i].name);
		write_file(path, v[i].bytes, v[i].len);
		snprintf(path, sizeof path,
			 "tests/fuzz/corpus/fuzz_entry/%s.json", v[i].name);
		write_file(path, v[i].json_text, strlen(v[i].json_text));

		printf("### %s\n\nSigned by seed(s)", v[i].name);
		for (int s = 0; templates[i].seeds[s] != 0; s++)
			printf(" 0x%02x", templates[i].seeds[s]);
		printf(".\n\n```json\n%s\n```\n\nhex (%zu bytes):\n\n```\n",
		       v[i].json_text, v[i].len);
		for (size_t c = 0; c < strlen(hx); c += 96)
			printf("%.96s\n", hx + c);
		printf("```\n\nid: `%s`\n\n", idh);
		free(hx);
	}
	json_object_set_new(root, "vectors", arr);
	char *all = json_dumps(root, JSON_INDENT(1) | QTY_JSON_DUMP_FLAGS);
	size_t n = strlen(all);
	write_file(VECTORS_PATH, all, n);
	free(all);
	json_decref(root);

	/* Block corpus: a height-1 block holding two vectors, its header, and
	 * a height-2 block carrying a certificate. */
	struct genesis g;
	fixture_genesis(&g);
	struct block_header h;
	memset(&h, 0, sizeof h);
	h.version = BLOCK_VERSION;
	snprintf(h.chain_id, sizeof h.chain_id, "%s", TEST_CHAIN_ID);
	h.height = 1;
	h.time_ms = 1735689600000ULL;
	memcpy(h.prev_hash, g.hash, HASH_BYTES);
	genesis_valset_hash(&g, h.valset_hash);
	h.entry_count = 2;
	h.log_size = 2;
	memset(h.log_root, 0x11, HASH_BYTES);
	struct bytes_view ev[2] = {{v[0].bytes, v[0].len},
				   {v[1].bytes, v[1].len}};
	uint8_t *blk;
	size_t blen;
	struct acc_err err;
	ASSERT_OK(block_encode(&h, NULL, 0, ev, 2, &blk, &blen, &err));
	write_file("tests/fuzz/corpus/fuzz_block/block1.bin", blk, blen);
	free(blk);
	uint8_t hb[BLOCK_HEADER_BYTES_MAX], bh[HASH_BYTES];
	size_t hl;
	ASSERT_OK(block_header_encode(&h, hb, &hl, &err));
	write_file("tests/fuzz/corpus/fuzz_block/header1.bin", hb, hl);
	block_hash(hb, hl, bh);
	{
		char *x = hex_alloc(hb, hl);
		char y[65];
		hex_encode(y, bh, HASH_BYTES);
		printf("### block header (height 1)\n\n```\n%s\n```\n\n"
		       "block hash: `%s`\n\n",
		       x, y);
		free(x);
	}
	struct cert c;
	uint8_t sig[SIG_BYTES], cb[CERT_BYTES_MAX];
	size_t cl;
	cert_init(&c, 1, 0, bh);
	for (uint16_t i = 0; i < 2; i++) {
		struct key k;
		fixture_key(&k, i == 0 ? SEED_NODE0 : SEED_NODE1);
		ASSERT_OK(vote_sign(sig, &k, TEST_CHAIN_ID, VOTE_PRECOMMIT, 1,
				    0, bh));
		ASSERT_OK(cert_add_sig(&c, i, sig, &err));
		key_free(&k);
	}
	ASSERT_OK(cert_encode(&c, cb, &cl, &err));
	write_file("tests/fuzz/corpus/fuzz_block/cert1.bin", cb, cl);
	{
		char *x = hex_alloc(cb, cl);
		uint8_t ch[HASH_BYTES];
		char y[65];
		cert_hash(cb, cl, ch);
		hex_encode(y, ch, HASH_BYTES);
		printf("### certificate of height 1 (node0, node1; round 0)"
		       "\n\n```\n");
		for (size_t c2 = 0; c2 < strlen(x); c2 += 96)
			printf("%.96s\n", x + c2);
		printf("```\n\ncert hash: `%s`\n\n", y);
		free(x);
	}
	h.height = 2;
	memcpy(h.prev_hash, bh, HASH_BYTES);
	cert_hash(cb, cl, h.last_cert_hash);
	h.entry_count = 1;
	h.log_size = 3;
	struct bytes_view ev2[1] = {{v[2].bytes, v[2].len}};
	ASSERT_OK(block_encode(&h, cb, cl, ev2, 1, &blk, &blen, &err));
	write_file("tests/fuzz/corpus/fuzz_block/block2.bin", blk, blen);
	free(blk);
	genesis_free(&g);
	free(gt);
	for (size_t i = 0; i < NTEMPLATES; i++) {
		free(v[i].bytes);
		free(v[i].json_text);
	}
}

/* ---- the vectors, checked byte for byte ---- */

static void test_vectors(void)
{
	json_error_t je;
	json_t *root = json_load_file(VECTORS_PATH, 0, &je);
	if (root == NULL)
		FAIL_AT("%s: %s", VECTORS_PATH, je.text);
	struct genesis g;
	ASSERT_OK(genesis_load(&g, "tests/vectors/genesis.json", NULL));
	json_t *arr = json_object_get(root, "vectors");
	ASSERT(json_array_size(arr) == NTEMPLATES);
	struct vector built[NTEMPLATES];
	vectors_build(built);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *hx = json_string_value(json_object_get(o, "hex"));
		const char *idh = json_string_value(json_object_get(o, "id"));
		json_t *js = json_object_get(o, "json");
		struct acc_err err;
		struct entry e;
		uint8_t *b;
		size_t n;
		ASSERT(name && hx && idh && js);

		/* JSON -> entry -> bytes matches the hex. */
		if (entry_from_json(&e, js, &err) != 0)
			FAIL_AT("%s: %s", name, err.msg);
		ASSERT_OK(entry_encode(&e, &b, &n, &err));
		char *got = hex_alloc(b, n);
		if (strcmp(got, hx) != 0)
			FAIL_AT("vector %s: encoding differs", name);
		free(got);
		entry_free(&e);

		/* hex -> entry -> JSON matches the JSON. */
		uint8_t *raw = malloc(strlen(hx) / 2);
		ASSERT_OK(hex_decode(raw, strlen(hx) / 2, hx));
		ASSERT_MEM_EQ(raw, b, n);
		ASSERT_OK(entry_decode(&e, raw, n, &err));
		json_t *back = entry_to_json(&e);
		ASSERT(back != NULL);
		if (!json_equal(back, js))
			FAIL_AT("vector %s: JSON differs", name);
		json_decref(back);

		/* Signatures, check against genesis, id. */
		ASSERT_OK(entry_verify_sigs(raw, n, TEST_CHAIN_ID, &err));
		if (entry_check(raw, n, &g, NULL, &err) != 0)
			FAIL_AT("vector %s: entry_check: %s", name, err.msg);
		uint8_t id[HASH_BYTES];
		char idx[65];
		entry_id(id, raw, n);
		hex_encode(idx, id, HASH_BYTES);
		ASSERT_STR_EQ(idx, idh);

		/* The code regenerates exactly the stored vector. */
		ASSERT_STR_EQ(built[i].name, name);
		ASSERT_EQ(built[i].len, n);
		ASSERT_MEM_EQ(built[i].bytes, raw, n);

		/* Re-signing the unsigned form gives the same bytes. */
		struct entry u;
		json_t *unsigned_js = json_deep_copy(js);
		json_object_del(unsigned_js, "signatures");
		ASSERT_OK(entry_from_json(&u, unsigned_js, &err));
		json_decref(unsigned_js);
		json_t *seeds = json_object_get(o, "seeds");
		for (size_t s = 0; s < json_array_size(seeds); s++) {
			struct key k;
			fixture_key(&k, (uint8_t)json_integer_value(
					    json_array_get(seeds, s)));
			ASSERT_OK(entry_sign(&u, &k, TEST_CHAIN_ID, &err));
			key_free(&k);
		}
		uint8_t *b2;
		size_t n2;
		ASSERT_OK(entry_encode(&u, &b2, &n2, &err));
		ASSERT_EQ(n2, n);
		ASSERT_MEM_EQ(b2, raw, n);
		free(b2);
		entry_free(&u);
		entry_free(&e);
		free(raw);
		free(b);
	}
	for (size_t i = 0; i < NTEMPLATES; i++) {
		free(built[i].bytes);
		free(built[i].json_text);
	}
	genesis_free(&g);
	json_decref(root);
}

/* ---- random entries: the canonical round-trip property ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure replays. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return n == 0 ? 0 : rnd() % n;
}

static char *rnd_text(size_t max, bool nonempty)
{
	static const char *const pieces[] = {
	    "a", "Z", " ", "7", "-", "\xc2\xb5", "\xc2\xb3", "\xe4\xba\xac",
	    "\xf0\x9f\x98\x80", "\"", "\\", "\n", "/"};
	size_t target;
	if (rnd_below(30) == 0)
		target = max; /* exercise the bound exactly */
	else
		target = rnd_below(max < 24 ? max + 1 : 24);
	if (nonempty && target == 0)
		target = 1;
	char *s = malloc(max + 1);
	ASSERT(s != NULL);
	size_t n = 0;
	while (n < target) {
		const char *p = pieces[rnd_below(sizeof pieces / sizeof *pieces)];
		size_t l = strlen(p);
		if (n + l > target)
			p = "x", l = 1;
		memcpy(s + n, p, l);
		n += l;
	}
	s[n] = 0;
	return s;
}

static char *rnd_id(void)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
	size_t n = 1 + rnd_below(PARTY_ID_BYTES_MAX);
	char *s = malloc(n + 1);
	ASSERT(s != NULL);
	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rnd_below(sizeof alphabet - 1)];
	s[n] = 0;
	return s;
}

static int64_t rnd_milli(void)
{
	switch (rnd_below(4)) {
	case 0:
		return (int64_t)rnd_below(1000000) - 500000;
	case 1:
		return QTY_MILLI_MAX - (int64_t)rnd_below(3);
	case 2:
		return -QTY_MILLI_MAX + (int64_t)rnd_below(3);
	default:
		return (int64_t)rnd_below(2 * (uint64_t)QTY_MILLI_MAX + 1) -
		       QTY_MILLI_MAX;
	}
}

static uint64_t rnd_time(void)
{
	return rnd_below(4) == 0 ? TIME_MAX - rnd_below(2)
				 : rnd_below(TIME_MAX + 1);
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static char **rnd_ids(size_t n)
{
	char **v = n ? calloc(n, sizeof *v) : NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = rnd_id();
	return v;
}

static void rnd_entry(struct entry *e, int kind)
{
	memset(e, 0, sizeof *e);
	e->version = ENTRY_VERSION;
	e->kind = (uint8_t)kind;
	e->time = rnd_time();
	switch (kind) {
	case ENTRY_AGREEMENT: {
		struct agreement *a = &e->agreement;
		a->title = rnd_text(NAME_BYTES_MAX, true);
		a->party_count = rnd_below(5);
		a->parties = rnd_ids(a->party_count);
		a->obligation_count = rnd_below(4);
		a->obligations = a->obligation_count
				     ? calloc(a->obligation_count,
					      sizeof *a->obligations)
				     : NULL;
		for (size_t i = 0; i < a->obligation_count; i++) {
			struct obligation *o = &a->obligations[i];
			o->party = rnd_id();
			o->scope = rnd_text(NAME_BYTES_MAX, false);
			o->pollutant = (uint8_t)(1 + rnd_below(POLLUTANT_MAX));
			o->metric = (uint8_t)(1 + rnd_below(METRIC_MAX));
			o->has_baseline = rnd_below(2);
			if (o->has_baseline) {
				o->baseline_year = (uint16_t)rnd();
				o->baseline_value = rnd_milli();
			}
			o->target = rnd_milli();
			o->period_start = rnd_time();
			o->period_end = rnd_time();
			o->deadline = rnd_time();
			o->frequency = (uint8_t)(1 + rnd_below(FREQUENCY_MAX));
		}
		a->grace_days = (uint32_t)rnd();
		a->verifier_count = rnd_below(3);
		a->verifiers = rnd_ids(a->verifier_count);
		a->peer_parties_may_attest = rnd_below(2);
		a->attestations_required = (uint8_t)rnd();
		a->has_compensation = rnd_below(2);
		if (a->has_compensation) {
			a->compensation_rate = rnd_milli();
			for (int i = 0; i < 3; i++)
				a->currency[i] = (char)('A' + rnd_below(26));
			a->payee = rnd_id();
		}
		a->resolution_threshold = (uint8_t)rnd();
		a->has_supersedes = rnd_below(2);
		if (a->has_supersedes)
			rnd_bytes(a->supersedes, HASH_BYTES);
		rnd_bytes(a->legal_text_hash, HASH_BYTES);
		a->legal_text_uri = rnd_text(URI_BYTES_MAX, false);
		break;
	}
	case ENTRY_ENDORSEMENT:
		rnd_bytes(e->endorsement.agreement_id, HASH_BYTES);
		break;
	case ENTRY_REPORT: {
		struct report *r = &e->report;
		rnd_bytes(r->agreement_id, HASH_BYTES);
		r->party = rnd_id();
		r->scope = rnd_text(NAME_BYTES_MAX, false);
		r->pollutant = (uint8_t)(1 + rnd_below(POLLUTANT_MAX));
		r->metric = (uint8_t)(1 + rnd_below(METRIC_MAX));
		r->period_start = rnd_time();
		r->period_end = rnd_time();
		r->has_value = rnd_below(2);
		if (r->has_value)
			r->value = rnd_milli();
		else
			r->notation_key = rnd_text(NAME_BYTES_MAX, true);
		r->unit = (uint8_t)(1 + rnd_below(UNIT_MAX));
		r->method = rnd_text(NAME_BYTES_MAX, false);
		r->data_source = rnd_text(URI_BYTES_MAX, false);
		r->has_uncertainty = rnd_below(2);
		if (r->has_uncertainty)
			r->uncertainty = rnd_milli();
		r->attachment_count = rnd_below(4);
		if (r->attachment_count) {
			r->attachments =
			    calloc(r->attachment_count, sizeof *r->attachments);
			rnd_bytes(r->attachments[0],
				  HASH_BYTES * r->attachment_count);
		}
		break;
	}
	case ENTRY_ATTESTATION:
		rnd_bytes(e->attestation.report_id, HASH_BYTES);
		e->attestation.opinion = (uint8_t)(1 + rnd_below(OPINION_MAX));
		e->attestation.reasons = rnd_text(TEXT_BYTES_MAX, false);
		e->attestation.comments = rnd_text(TEXT_BYTES_MAX, false);
		break;
	case ENTRY_CHALLENGE:
		rnd_bytes(e->challenge.target_id, HASH_BYTES);
		e->challenge.reason = rnd_text(TEXT_BYTES_MAX, false);
		break;
	case ENTRY_RESOLUTION:
		rnd_bytes(e->resolution.challenge_id, HASH_BYTES);
		e->resolution.outcome = (uint8_t)(1 + rnd_below(OUTCOME_MAX));
		e->resolution.note = rnd_text(TEXT_BYTES_MAX, false);
		break;
	case ENTRY_GOVERNANCE: {
		struct governance *g = &e->governance;
		g->action = (uint8_t)(1 + rnd_below(GOV_ACTION_MAX));
		switch (g->action) {
		case GOV_ADD_PARTY:
			g->party = rnd_id();
			g->name = rnd_text(NAME_BYTES_MAX, true);
			g->key_count = rnd_below(KEYS_PER_PARTY_MAX + 1);
			if (g->key_count) {
				g->keys = calloc(g->key_count, sizeof *g->keys);
				rnd_bytes(g->keys[0],
					  PUBKEY_BYTES * g->key_count);
			}
			break;
		case GOV_REMOVE_PARTY:
			g->party = rnd_id();
			break;
		case GOV_ADD_VALIDATOR:
			g->name = rnd_text(NAME_BYTES_MAX, true);
			g->party = rnd_id();
			rnd_bytes(g->key, PUBKEY_BYTES);
			g->address = rnd_text(NAME_BYTES_MAX, true);
			if (rnd_below(2))
				g->http = rnd_text(NAME_BYTES_MAX, true);
			g->power = rnd() >> 1;
			break;
		case GOV_REMOVE_VALIDATOR:
			rnd_bytes(g->key, PUBKEY_BYTES);
			break;
		case GOV_ADD_VERIFIER:
			g->verifier = rnd_id();
			g->name = rnd_text(NAME_BYTES_MAX, true);
			rnd_bytes(g->key, PUBKEY_BYTES);
			break;
		case GOV_REMOVE_VERIFIER:
			g->verifier = rnd_id();
			break;
		case GOV_ROTATE_KEY:
			rnd_bytes(g->key, PUBKEY_BYTES);
			rnd_bytes(g->new_key, PUBKEY_BYTES);
			break;
		default:
			g->param = rnd_id();
			g->value = (int64_t)rnd();
			break;
		}
		break;
	}
	default: {
		struct evidence *ev = &e->evidence;
		rnd_bytes(ev->validator, PUBKEY_BYTES);
		if (rnd_below(2) == 0) {
			ev->form = EVIDENCE_PROPOSALS;
			for (int i = 0; i < 2; i++) {
				struct evidence_proposal *p = &ev->proposals[i];
				p->height = rnd() >> 1;
				p->round = (uint32_t)rnd();
				p->valid_round = rnd_below(3) == 0
						     ? -1
						     : (int32_t)(rnd() >> 33);
				rnd_bytes(p->block_hash, HASH_BYTES);
				rnd_bytes(p->sig, SIG_BYTES);
			}
			break;
		}
		for (int i = 0; i < 2; i++) {
			ev->votes[i].type = (uint8_t)(1 + rnd_below(2));
			ev->votes[i].height = rnd() >> 1;
			ev->votes[i].round = (uint32_t)rnd();
			rnd_bytes(ev->votes[i].block_hash, HASH_BYTES);
			rnd_bytes(ev->votes[i].sig, SIG_BYTES);
		}
		break;
	}
	}
	/* Signatures: random keys in ascending order. */
	size_t n = entry_kind_multisig(kind) ? 1 + rnd_below(ENTRY_SIGS_MAX) : 1;
	for (size_t i = 0; i < n; i++) {
		rnd_bytes(e->sigs[i].key, PUBKEY_BYTES);
		e->sigs[i].key[0] = (uint8_t)(i * (256 / ENTRY_SIGS_MAX));
		rnd_bytes(e->sigs[i].sig, SIG_BYTES);
	}
	e->sig_count = n;
}

static void test_roundtrip_random(void)
{
	for (int iter = 0; iter < 3000; iter++) {
		int kind = 1 + iter % ENTRY_KIND_MAX;
		struct entry e, d, f;
		struct acc_err err;
		uint8_t *b1, *b2, *b3;
		size_t n1, n2, n3;
		rnd_entry(&e, kind);
		if (entry_encode(&e, &b1, &n1, &err) != 0)
			FAIL_AT("iter %d kind %d: %s", iter, kind, err.msg);
		if (entry_decode(&d, b1, n1, &err) != 0)
			FAIL_AT("iter %d kind %d: decode: %s", iter, kind,
				err.msg);
		ASSERT_OK(entry_encode(&d, &b2, &n2, &err));
		ASSERT_EQ(n1, n2);
		ASSERT_MEM_EQ(b1, b2, n1);

		/* JSON both ways, through text, with and without tidy
		 * number printing. */
		json_t *j1 = entry_to_json(&d);
		ASSERT(j1 != NULL);
		size_t flags = iter % 2 ? QTY_JSON_DUMP_FLAGS : 0;
		char *text = json_dumps(j1, flags);
		ASSERT(text != NULL);
		if (entry_from_json_text(&f, text, strlen(text), &err) != 0)
			FAIL_AT("iter %d kind %d: JSON back: %s\n%s", iter,
				kind, err.msg, text);
		ASSERT_OK(entry_encode(&f, &b3, &n3, &err));
		ASSERT_EQ(n1, n3);
		ASSERT_MEM_EQ(b1, b3, n1);
		json_t *j2 = entry_to_json(&f);
		ASSERT(json_equal(j1, j2));

		/* entry_copy is a deep copy. */
		struct entry c;
		ASSERT_OK(entry_copy(&c, &f));
		uint8_t *b4;
		size_t n4;
		ASSERT_OK(entry_encode(&c, &b4, &n4, &err));
		ASSERT_MEM_EQ(b1, b4, n1);
		entry_free(&c);
		free(b4);

		json_decref(j1);
		json_decref(j2);
		free(text);
		free(b1);
		free(b2);
		free(b3);
		entry_free(&e);
		entry_free(&d);
		entry_free(&f);
	}
}

/* ---- decoder rejections ---- */

/* Decoding never succeeds on a prefix or with a trailing byte; any
 * single-byte change that still decodes re-encodes to itself. */
static void test_decode_mutations(void)
{
	struct vector v[NTEMPLATES];
	vectors_build(v);
	static const uint8_t probes[] = {0x00, 0x01, 0x02, 0x03, 0x09,
					 0x7f, 0x80, 0xc0, 0xff};
	for (size_t i = 0; i < NTEMPLATES; i++) {
		struct entry e;
		struct acc_err err;
		uint8_t *buf = malloc(v[i].len + 1);
		for (size_t n = 0; n < v[i].len; n++) {
			int rc = entry_decode(&e, v[i].bytes, n, &err);
			if (rc == 0)
				FAIL_AT("%s: prefix of %zu bytes decoded",
					v[i].name, n);
		}
		memcpy(buf, v[i].bytes, v[i].len);
		buf[v[i].len] = 0;
		ASSERT_EQ(entry_decode(&e, buf, v[i].len + 1, &err),
			  ACC_EDECODE);
		for (size_t pos = 0; pos < v[i].len; pos++) {
			for (size_t p = 0; p < sizeof probes + 1; p++) {
				memcpy(buf, v[i].bytes, v[i].len);
				buf[pos] = p < sizeof probes
					       ? probes[p]
					       : (uint8_t)(buf[pos] ^ 1);
				if (entry_decode(&e, buf, v[i].len, &err) != 0)
					continue;
				uint8_t *b;
				size_t n;
				ASSERT_OK(entry_encode(&e, &b, &n, &err));
				if (n != v[i].len ||
				    memcmp(b, buf, n) != 0)
					FAIL_AT("%s: byte %zu = %02x decodes "
						"but re-encodes differently",
						v[i].name, pos, buf[pos]);
				free(b);
				entry_free(&e);
			}
		}
		free(buf);
		free(v[i].bytes);
		free(v[i].json_text);
	}
}

/* A hand-built entry: body fields written by the caller, then one
 * dummy signature record. */
struct hb {
	struct wbuf w;
};

static void hb_start(struct hb *h, uint8_t kind)
{
	wbuf_init(&h->w, 1u << 20);
	wbuf_u8(&h->w, ENTRY_VERSION);
	wbuf_u8(&h->w, kind);
	wbuf_u64(&h->w, 1514764800); /* 2018-01-01 */
}

static int hb_decode(struct hb *h, struct acc_err *err)
{
	uint8_t rec[ENTRY_SIG_RECORD_BYTES];
	struct entry e;
	memset(rec, 0x42, sizeof rec);
	wbuf_u8(&h->w, 1);
	wbuf_bytes(&h->w, rec, sizeof rec);
	ASSERT_OK(wbuf_error(&h->w));
	int rc = entry_decode(&e, h->w.data, h->w.len, err);
	if (rc == 0)
		entry_free(&e);
	wbuf_free(&h->w);
	return rc;
}

static void put_str(struct wbuf *w, const char *s, size_t n)
{
	wbuf_var16(w, s, n);
}

/* An attestation with a given opinion code and reasons bytes. */
static int attestation_with(uint8_t opinion, const char *reasons, size_t n)
{
	struct hb h;
	struct acc_err err;
	uint8_t id[HASH_BYTES] = {0};
	hb_start(&h, ENTRY_ATTESTATION);
	wbuf_bytes(&h.w, id, HASH_BYTES);
	wbuf_u8(&h.w, opinion);
	put_str(&h.w, reasons, n);
	put_str(&h.w, "", 0);
	return hb_decode(&h, &err);
}

/* A report with a given has_value byte, unit and attachment count. */
static int report_with(uint8_t has_value, uint8_t unit, uint16_t attachments,
		       const char *party)
{
	struct hb h;
	struct acc_err err;
	uint8_t id[HASH_BYTES] = {0};
	hb_start(&h, ENTRY_REPORT);
	wbuf_bytes(&h.w, id, HASH_BYTES);
	put_str(&h.w, party, strlen(party));
	put_str(&h.w, "", 0);
	wbuf_u8(&h.w, POLLUTANT_PM25);
	wbuf_u8(&h.w, METRIC_ANNUAL_MEAN_CONCENTRATION);
	wbuf_u64(&h.w, 1483228800);
	wbuf_u64(&h.w, 1514764800);
	wbuf_u8(&h.w, has_value);
	if (has_value == 1)
		wbuf_i64(&h.w, 58000);
	else
		put_str(&h.w, "NE", 2);
	wbuf_u8(&h.w, unit);
	put_str(&h.w, "m", 1);
	put_str(&h.w, "", 0);
	wbuf_u8(&h.w, 0);
	wbuf_u16(&h.w, attachments);
	for (uint16_t i = 0; i < attachments; i++)
		wbuf_bytes(&h.w, id, HASH_BYTES);
	return hb_decode(&h, &err);
}

static void test_decode_rejects(void)
{
	char big[TEXT_BYTES_MAX + 2];
	memset(big, 'x', sizeof big);

	/* The baseline of the hand-built entries decodes. */
	ASSERT_OK(attestation_with(OPINION_VERIFIED, "ok", 2));
	ASSERT_OK(report_with(1, UNIT_UG_M3, 0, "CN-BJ"));
	ASSERT_OK(report_with(0, UNIT_UG_M3, LIST_ITEMS_MAX, "CN-BJ"));
	ASSERT_OK(attestation_with(1, big, TEXT_BYTES_MAX));

	/* Enums out of range. */
	ASSERT_EQ(attestation_with(0, "", 0), ACC_EDECODE);
	ASSERT_EQ(attestation_with(OPINION_MAX + 1, "", 0), ACC_EDECODE);
	ASSERT_EQ(report_with(1, 0, 0, "CN-BJ"), ACC_EDECODE);
	ASSERT_EQ(report_with(1, UNIT_MAX + 1, 0, "CN-BJ"), ACC_EDECODE);
	/* A presence byte other than 0 or 1. */
	ASSERT_EQ(report_with(2, UNIT_UG_M3, 0, "CN-BJ"), ACC_EDECODE);
	ASSERT_EQ(report_with(0xff, UNIT_UG_M3, 0, "CN-BJ"), ACC_EDECODE);
	/* Too many list items. */
	ASSERT_EQ(report_with(1, UNIT_UG_M3, LIST_ITEMS_MAX + 1, "CN-BJ"),
		  ACC_EDECODE);
	/* Ids: syntax. */
	ASSERT_EQ(report_with(1, UNIT_UG_M3, 0, "CN BJ"), ACC_EDECODE);
	ASSERT_EQ(report_with(1, UNIT_UG_M3, 0, ""), ACC_EDECODE);
	/* Over-long string. */
	ASSERT_EQ(attestation_with(1, big, TEXT_BYTES_MAX + 1), ACC_EDECODE);
	/* Bad UTF-8: lone continuation, overlong, surrogate, above U+10FFFF,
	 * truncated sequence, NUL. */
	ASSERT_EQ(attestation_with(1, "\x80", 1), ACC_EDECODE);
	ASSERT_EQ(attestation_with(1, "\xc0\xaf", 2), ACC_EDECODE);
	ASSERT_EQ(attestation_with(1, "\xe0\x80\xaf", 3), ACC_EDECODE);
	ASSERT_EQ(attestation_with(1, "\xed\xa0\x80", 3), ACC_EDECODE);
	ASSERT_EQ(attestation_with(1, "\xf4\x90\x80\x80", 4), ACC_EDECODE);
	ASSERT_EQ(attestation_with(1, "\xe4\xba", 2), ACC_EDECODE);
	ASSERT_EQ(attestation_with(1, "a\0b", 3), ACC_EDECODE);
	ASSERT_OK(attestation_with(1, "\xf0\x9f\x98\x80\xe4\xba\xac", 7));

	/* Version, kind, time. */
	struct hb h;
	struct acc_err err;
	uint8_t id[HASH_BYTES] = {0};
	for (int kind = 0; kind <= 255; kind += 255 - 9) {
		wbuf_init(&h.w, 1024);
		wbuf_u8(&h.w, 1);
		wbuf_u8(&h.w, (uint8_t)(kind == 0 ? 0 : 9));
		wbuf_u64(&h.w, 0);
		wbuf_bytes(&h.w, id, HASH_BYTES);
		ASSERT_EQ(hb_decode(&h, &err), ACC_EKIND);
	}
	wbuf_init(&h.w, 1024);
	wbuf_u8(&h.w, 2);
	wbuf_u8(&h.w, ENTRY_ENDORSEMENT);
	wbuf_u64(&h.w, 0);
	wbuf_bytes(&h.w, id, HASH_BYTES);
	ASSERT_EQ(hb_decode(&h, &err), ACC_EDECODE);
	wbuf_init(&h.w, 1024);
	wbuf_u8(&h.w, 1);
	wbuf_u8(&h.w, ENTRY_ENDORSEMENT);
	wbuf_u64(&h.w, TIME_MAX + 1);
	wbuf_bytes(&h.w, id, HASH_BYTES);
	ASSERT_EQ(hb_decode(&h, &err), ACC_EDECODE);
	wbuf_init(&h.w, 1024);
	wbuf_u8(&h.w, 1);
	wbuf_u8(&h.w, ENTRY_ENDORSEMENT);
	wbuf_u64(&h.w, TIME_MAX);
	wbuf_bytes(&h.w, id, HASH_BYTES);
	ASSERT_OK(hb_decode(&h, &err));

	/* Governance: unknown action, bad flag, too many keys. */
	hb_start(&h, ENTRY_GOVERNANCE);
	wbuf_u8(&h.w, GOV_ACTION_MAX + 1);
	ASSERT_EQ(hb_decode(&h, &err), ACC_EDECODE);
	for (uint8_t flag = 0; flag < 3; flag++) {
		hb_start(&h, ENTRY_GOVERNANCE);
		wbuf_u8(&h.w, GOV_ADD_VALIDATOR);
		put_str(&h.w, "node9", 5);
		put_str(&h.w, "CN-BJ", 5);
		wbuf_bytes(&h.w, id, HASH_BYTES);
		put_str(&h.w, "h:1", 3);
		wbuf_u8(&h.w, flag);
		if (flag == 1)
			put_str(&h.w, "h:2", 3);
		wbuf_u64(&h.w, 1);
		ASSERT_EQ(hb_decode(&h, &err), flag < 2 ? 0 : ACC_EDECODE);
	}
	for (uint16_t nk = KEYS_PER_PARTY_MAX; nk <= KEYS_PER_PARTY_MAX + 1;
	     nk++) {
		hb_start(&h, ENTRY_GOVERNANCE);
		wbuf_u8(&h.w, GOV_ADD_PARTY);
		put_str(&h.w, "CN-SD", 5);
		put_str(&h.w, "Shandong", 8);
		wbuf_u16(&h.w, nk);
		for (uint16_t i = 0; i < nk; i++)
			wbuf_bytes(&h.w, id, HASH_BYTES);
		ASSERT_EQ(hb_decode(&h, &err),
			  nk <= KEYS_PER_PARTY_MAX ? 0 : ACC_EDECODE);
	}
	/* Quantities beyond the bound. */
	hb_start(&h, ENTRY_GOVERNANCE);
	wbuf_u8(&h.w, GOV_SET_PARAM);
	put_str(&h.w, "p", 1);
	wbuf_i64(&h.w, INT64_MIN);
	ASSERT_OK(hb_decode(&h, &err)); /* a param value is a plain int64 */

	/* Signatures: count 0, count 17, unsorted, two on a single-signer
	 * kind. */
	struct vector v[NTEMPLATES];
	vectors_build(v);
	const struct vector *res = &v[6]; /* resolution, two signers */
	const struct vector *end = &v[1]; /* endorsement, one signer */
	ASSERT_STR_EQ(res->name, "resolution");
	size_t body = res->len - 1 - 2 * ENTRY_SIG_RECORD_BYTES;
	uint8_t *buf = malloc(res->len + 17 * ENTRY_SIG_RECORD_BYTES);
	struct entry e;
	memcpy(buf, res->bytes, res->len);
	buf[body] = 0;
	ASSERT_EQ(entry_decode(&e, buf, body + 1, &err), ACC_EDECODE);
	buf[body] = 17;
	for (int i = 0; i < 17; i++) {
		memset(buf + body + 1 + i * ENTRY_SIG_RECORD_BYTES, i + 1,
		       ENTRY_SIG_RECORD_BYTES);
	}
	ASSERT_EQ(entry_decode(&e, buf, body + 1 + 17 * ENTRY_SIG_RECORD_BYTES,
			       &err),
		  ACC_EDECODE);
	buf[body] = 16;
	ASSERT_OK(entry_decode(&e, buf, body + 1 + 16 * ENTRY_SIG_RECORD_BYTES,
			       &err));
	entry_free(&e);
	/* swap the two records of the resolution: unsorted */
	memcpy(buf, res->bytes, res->len);
	memcpy(buf + body + 1, res->bytes + body + 1 + ENTRY_SIG_RECORD_BYTES,
	       ENTRY_SIG_RECORD_BYTES);
	memcpy(buf + body + 1 + ENTRY_SIG_RECORD_BYTES, res->bytes + body + 1,
	       ENTRY_SIG_RECORD_BYTES);
	ASSERT_EQ(entry_decode(&e, buf, res->len, &err), ACC_EDECODE);
	/* the same key twice */
	memcpy(buf + body + 1, buf + body + 1 + ENTRY_SIG_RECORD_BYTES,
	       ENTRY_SIG_RECORD_BYTES);
	ASSERT_EQ(entry_decode(&e, buf, res->len, &err), ACC_EDECODE);
	/* an endorsement with two signature records */
	size_t ebody = end->len - 1 - ENTRY_SIG_RECORD_BYTES;
	memcpy(buf, end->bytes, end->len);
	buf[ebody] = 2;
	memset(buf + end->len, 0xff, ENTRY_SIG_RECORD_BYTES);
	ASSERT_EQ(entry_decode(&e, buf, end->len + ENTRY_SIG_RECORD_BYTES,
			       &err),
		  ACC_EDECODE);
	free(buf);

	/* Oversize: the bound is checked before anything else. */
	uint8_t *huge = calloc(1, ENTRY_BYTES_MAX + 1);
	memcpy(huge, v[0].bytes, v[0].len);
	ASSERT_EQ(entry_decode(&e, huge, ENTRY_BYTES_MAX + 1, &err),
		  ACC_ETOOBIG);
	free(huge);
	for (size_t i = 0; i < NTEMPLATES; i++) {
		free(v[i].bytes);
		free(v[i].json_text);
	}
}

/* An agreement whose fields are all within bounds but whose encoding is
 * over ENTRY_BYTES_MAX is refused by the encoder. */
static void test_encode_oversize(void)
{
	struct entry e;
	struct acc_err err;
	uint8_t *b;
	size_t n;
	memset(&e, 0, sizeof e);
	e.version = ENTRY_VERSION;
	e.kind = ENTRY_AGREEMENT;
	e.agreement.title = strdup("big");
	e.agreement.obligation_count = OBLIGATIONS_MAX;
	e.agreement.obligations =
	    calloc(OBLIGATIONS_MAX, sizeof *e.agreement.obligations);
	for (size_t i = 0; i < OBLIGATIONS_MAX; i++) {
		struct obligation *o = &e.agreement.obligations[i];
		o->party = malloc(PARTY_ID_BYTES_MAX + 1);
		memset(o->party, 'P', PARTY_ID_BYTES_MAX);
		o->party[PARTY_ID_BYTES_MAX] = 0;
		o->scope = malloc(NAME_BYTES_MAX + 1);
		memset(o->scope, 's', NAME_BYTES_MAX);
		o->scope[NAME_BYTES_MAX] = 0;
		o->pollutant = 1;
		o->metric = 1;
		o->frequency = 1;
	}
	e.agreement.party_count = LIST_ITEMS_MAX;
	e.agreement.parties = calloc(LIST_ITEMS_MAX, sizeof(char *));
	for (size_t i = 0; i < LIST_ITEMS_MAX; i++) {
		e.agreement.parties[i] = malloc(PARTY_ID_BYTES_MAX + 1);
		memset(e.agreement.parties[i], 'Q', PARTY_ID_BYTES_MAX);
		e.agreement.parties[i][PARTY_ID_BYTES_MAX] = 0;
	}
	e.agreement.verifier_count = LIST_ITEMS_MAX;
	e.agreement.verifiers = calloc(LIST_ITEMS_MAX, sizeof(char *));
	for (size_t i = 0; i < LIST_ITEMS_MAX; i++) {
		e.agreement.verifiers[i] = malloc(PARTY_ID_BYTES_MAX + 1);
		memset(e.agreement.verifiers[i], 'V', PARTY_ID_BYTES_MAX);
		e.agreement.verifiers[i][PARTY_ID_BYTES_MAX] = 0;
	}
	e.agreement.legal_text_uri = malloc(URI_BYTES_MAX + 1);
	memset(e.agreement.legal_text_uri, 'u', URI_BYTES_MAX);
	e.agreement.legal_text_uri[URI_BYTES_MAX] = 0;
	ASSERT_EQ(entry_body_encode(&e, &b, &n, &err), ACC_ETOOBIG);
	/* Unsigned: the full form needs a signature. */
	e.agreement.obligation_count = 1;
	ASSERT_OK(entry_body_encode(&e, &b, &n, &err));
	free(b);
	ASSERT_EQ(entry_encode(&e, &b, &n, &err), ACC_EINVAL);
	e.agreement.obligation_count = OBLIGATIONS_MAX;
	entry_free(&e);
}

/* ---- JSON rejections ---- */

static int json_rc(const char *text, struct acc_err *err)
{
	struct entry e;
	int rc = entry_from_json_text(&e, text, strlen(text), err);
	if (rc == 0)
		entry_free(&e);
	return rc;
}

#define END_JSON(extra)                                                   \
	"{\"kind\":\"endorsement\",\"time\":\"2018-01-01T00:00:00Z\","    \
	"\"agreement_id\":\"" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"" \
	extra "}"

#define ZERO64 \
	"0000000000000000000000000000000000000000000000000000000000000000"

static void test_json_rejects(void)
{
	struct acc_err err;
	ASSERT_OK(json_rc(END_JSON(""), &err));
	/* Upper-case hex is accepted on input. */
	ASSERT_OK(json_rc("{\"kind\":\"endorsement\",\"time\":"
			  "\"2018-01-01T00:00:00Z\",\"agreement_id\":"
			  "\"00112233445566778899AABBCCDDEEFF00112233445566778899"
			  "AABBCCDDEEFF\"}",
			  &err));
	ASSERT_EQ(json_rc(END_JSON(",\"colour\":1"), &err), ACC_EJSON);
	ASSERT(strstr(err.msg, "colour") != NULL);
	ASSERT_EQ(json_rc("{\"kind\":\"treaty\",\"time\":\"x\"}", &err),
		  ACC_EKIND);
	ASSERT_EQ(json_rc("{\"kind\":7}", &err), ACC_ETYPE);
	ASSERT_EQ(json_rc("{\"time\":\"2018-01-01T00:00:00Z\"}", &err),
		  ACC_EJSON);
	ASSERT_EQ(json_rc("[1]", &err), ACC_ETYPE);
	ASSERT_EQ(json_rc("{\"kind\":", &err), ACC_EJSON);
	ASSERT_EQ(json_rc("{\"kind\":\"endorsement\",\"time\":"
			  "\"2018-01-01T00:00:00Z\",\"agreement_id\":5}",
			  &err),
		  ACC_ETYPE);
	ASSERT(strstr(err.msg, "agreement_id") != NULL);
	ASSERT_EQ(json_rc("{\"kind\":\"endorsement\",\"time\":"
			  "\"2018-01-01T00:00:00Z\",\"agreement_id\":\"00\"}",
			  &err),
		  ACC_EDECODE);
	ASSERT_EQ(json_rc("{\"kind\":\"endorsement\",\"kind\":\"endorsement\"}",
			  &err),
		  ACC_EJSON);
	/* Times: exactly YYYY-MM-DDTHH:MM:SSZ. */
	const char *bad_times[] = {
	    "2018-01-01T00:00:00+00:00", "2018-01-01 00:00:00Z",
	    "2018-01-01t00:00:00z",      "2018-02-30T00:00:00Z",
	    "2018-01-01T24:00:00Z",      "2018-01-01T00:00:60Z",
	    "1969-12-31T23:59:59Z",      "2018-01-01T00:00:00.5Z",
	    "2018-1-01T00:00:00Z"};
	for (size_t i = 0; i < sizeof bad_times / sizeof *bad_times; i++) {
		char t[512];
		snprintf(t, sizeof t,
			 "{\"kind\":\"challenge\",\"time\":\"%s\","
			 "\"target_id\":\"%064d\",\"reason\":\"r\"}",
			 bad_times[i], 0);
		ASSERT_EQ(json_rc(t, &err), ACC_EDECODE);
	}
	/* Signatures: empty array, bad key, duplicate key; given unsorted
	 * they are sorted. */
	ASSERT_EQ(json_rc(END_JSON(",\"signatures\":[]"), &err), ACC_EDECODE);
	ASSERT_EQ(json_rc(END_JSON(",\"signatures\":[{\"key\":\"00\","
				   "\"sig\":\"00\"}]"),
			  &err),
		  ACC_EDECODE);
	ASSERT_EQ(json_rc(END_JSON(",\"signatures\":[{\"key\":\"x\"}]"), &err),
		  ACC_EDECODE);
	ASSERT_EQ(json_rc(END_JSON(",\"signatures\":[{\"key\":\"" ZERO64
				   "\"}]"),
			  &err),
		  ACC_EJSON);
	ASSERT(strstr(err.msg, "signatures[0].sig") != NULL);
	ASSERT_EQ(json_rc(END_JSON(",\"signatures\":[{\"key\":\"" ZERO64
				   "\",\"sig\":\"" ZERO64 ZERO64
				   "\"},{\"key\":\"" ZERO64 "\",\"sig\":\"" ZERO64
				   ZERO64 "\"}]"),
			  &err),
		  ACC_EDECODE);
}

/* Report JSON with a value field text, unit text. */
static int report_json(const char *value_part, const char *unit,
		       struct entry *out, struct acc_err *err)
{
	char t[1024];
	snprintf(t, sizeof t,
		 "{\"kind\":\"report\",\"time\":\"2018-02-15T08:00:00Z\","
		 "\"agreement_id\":\"%064d\",\"party\":\"CN-BJ\",\"scope\":\"\","
		 "\"pollutant\":\"PM2.5\",\"metric\":\"annual_mean_concentration\","
		 "\"period_start\":\"2017-01-01T00:00:00Z\","
		 "\"period_end\":\"2018-01-01T00:00:00Z\",%s"
		 "\"unit\":\"%s\",\"method\":\"m\",\"data_source\":\"\","
		 "\"attachments\":[]}",
		 0, value_part, unit);
	struct entry e;
	int rc = entry_from_json_text(&e, t, strlen(t), err);
	if (rc == 0) {
		if (out != NULL)
			*out = e;
		else
			entry_free(&e);
	}
	return rc;
}

static void test_json_quantities(void)
{
	struct acc_err err;
	struct entry e;
	ASSERT_OK(report_json("\"value\":60.5,", "ug/m3", &e, &err));
	ASSERT_EQ(e.report.value, 60500);
	ASSERT_EQ(e.report.unit, UNIT_UG_M3);
	json_t *j = entry_to_json(&e);
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "unit")),
		      "\xc2\xb5g/m\xc2\xb3");
	char *t = json_dumps(json_object_get(j, "value"),
			     JSON_ENCODE_ANY | QTY_JSON_DUMP_FLAGS);
	ASSERT_STR_EQ(t, "60.5");
	free(t);
	json_decref(j);
	entry_free(&e);

	ASSERT_OK(report_json("\"value\":0.1,", "t", &e, &err));
	ASSERT_EQ(e.report.value, 100);
	j = entry_to_json(&e);
	t = json_dumps(json_object_get(j, "value"),
		       JSON_ENCODE_ANY | QTY_JSON_DUMP_FLAGS);
	ASSERT_STR_EQ(t, "0.1");
	free(t);
	json_decref(j);
	entry_free(&e);

	ASSERT_OK(report_json("\"value\":-999999999999.999,", "t", &e, &err));
	ASSERT_EQ(e.report.value, -QTY_MILLI_MAX + 1);
	entry_free(&e);
	ASSERT_OK(report_json("\"value\":1000000000000,", "t", NULL, &err));
	ASSERT_EQ(report_json("\"value\":1000000000000.001,", "t", NULL, &err),
		  ACC_ERANGE);
	ASSERT_EQ(report_json("\"value\":1000000000001,", "t", NULL, &err),
		  ACC_ERANGE);
	ASSERT_EQ(report_json("\"value\":1e300,", "t", NULL, &err), ACC_ERANGE);
	ASSERT_EQ(report_json("\"value\":60.0001,", "t", NULL, &err),
		  ACC_ERANGE);
	ASSERT_EQ(report_json("\"value\":\"60\",", "t", NULL, &err),
		  ACC_ETYPE);
	ASSERT(strstr(err.msg, "value") != NULL);
	/* value xor notation key */
	ASSERT_EQ(report_json("", "t", NULL, &err), ACC_EJSON);
	ASSERT_EQ(report_json("\"value\":1,\"notation_key\":\"NE\",", "t", NULL,
			      &err),
		  ACC_EJSON);
	ASSERT_OK(report_json("\"notation_key\":\"NE\",", "t", NULL, &err));
	ASSERT_EQ(report_json("\"notation_key\":\"\",", "t", NULL, &err),
		  ACC_EDECODE);
	ASSERT_EQ(report_json("\"value\":1,", "mg", NULL, &err), ACC_EDECODE);
}

static void test_fixed_text(void)
{
	int64_t v;
	char buf[QTY_TEXT_BYTES_MAX];
	struct {
		const char *in;
		int rc;
		int64_t milli;
		const char *out;
	} cases[] = {
	    {"60.5", 0, 60500, "60.5"},
	    {"60", 0, 60000, "60"},
	    {"-0.001", 0, -1, "-0.001"},
	    {"0.010", 0, 10, "0.01"},
	    {"007.25", 0, 7250, "7.25"},
	    {"999999999999.999", 0, QTY_MILLI_MAX - 1, "999999999999.999"},
	    {"1000000000000", 0, QTY_MILLI_MAX, "1000000000000"},
	    {"1000000000000.001", ACC_ERANGE, 0, NULL},
	    {"1.2345", ACC_ERANGE, 0, NULL},
	    {"", ACC_EDECODE, 0, NULL},
	    {"-", ACC_EDECODE, 0, NULL},
	    {"1.", ACC_EDECODE, 0, NULL},
	    {".5", ACC_EDECODE, 0, NULL},
	    {"+1", ACC_EDECODE, 0, NULL},
	    {"1e3", ACC_EDECODE, 0, NULL},
	    {" 1", ACC_EDECODE, 0, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc = fixed_milli_parse(&v, cases[i].in,
					   strlen(cases[i].in), NULL);
		if (rc != cases[i].rc)
			FAIL_AT("parse \"%s\": %d", cases[i].in, rc);
		if (rc == 0) {
			ASSERT_EQ(v, cases[i].milli);
			fixed_milli_format(buf, v);
			ASSERT_STR_EQ(buf, cases[i].out);
		}
	}
	uint64_t t;
	char tb[TIME_TEXT_BYTES];
	ASSERT_OK(fixed_time_parse(&t, "1970-01-01T00:00:00Z", NULL));
	ASSERT_U64_EQ(t, 0);
	ASSERT_OK(fixed_time_parse(&t, "2017-12-31T23:59:59Z", NULL));
	ASSERT_U64_EQ(t, 1514764799);
	ASSERT_OK(fixed_time_parse(&t, "2016-02-29T12:00:00Z", NULL));
	ASSERT_U64_EQ(t, 1456747200);
	ASSERT_OK(fixed_time_parse(&t, "9999-12-31T23:59:59Z", NULL));
	ASSERT_U64_EQ(t, TIME_MAX);
	ASSERT(fixed_time_parse(&t, "2100-02-29T00:00:00Z", NULL) != 0);
	ASSERT_OK(fixed_time_parse(&t, "2000-02-29T00:00:00Z", NULL));
	/* Format inverts parse over a spread of times. */
	for (uint64_t x = 0; x < TIME_MAX; x += TIME_MAX / 9973) {
		uint64_t y;
		fixed_time_format(tb, x);
		ASSERT_OK(fixed_time_parse(&y, tb, NULL));
		ASSERT_U64_EQ(x, y);
	}
	fixed_time_format(tb, 1514764799);
	ASSERT_STR_EQ(tb, "2017-12-31T23:59:59Z");
}

/* ---- entry_check ---- */

/* Sign the JSON text with the seeds and run entry_check. */
static int check_json(const struct genesis *g, const char *text,
		      const uint8_t *seeds, size_t nseeds, struct acc_err *err)
{
	struct entry e;
	uint8_t *b;
	size_t n;
	if (entry_from_json_text(&e, text, strlen(text), err) != 0)
		FAIL_AT("check_json: %s", err->msg);
	for (size_t i = 0; i < nseeds; i++) {
		struct key k;
		fixture_key(&k, seeds[i]);
		ASSERT_OK(entry_sign(&e, &k, TEST_CHAIN_ID, err));
		key_free(&k);
	}
	ASSERT_OK(entry_encode(&e, &b, &n, err));
	int rc = entry_check(b, n, g, NULL, err);
	if (rc == 0)
		ASSERT_OK(entry_check_decoded(&e, b, n, g, err));
	free(b);
	entry_free(&e);
	return rc;
}

/* An entry built in memory without a signature is refused by
 * entry_check_decoded too (issue 11: it read the first signer's party
 * uninitialised). */
static void test_check_unsigned(void)
{
	struct genesis g;
	struct acc_err err;
	fixture_genesis(&g);
	const char *text =
	    "{\"kind\":\"report\",\"time\":\"2018-02-15T08:00:00Z\","
	    "\"agreement_id\":\"%064d\",\"party\":\"CN-BJ\","
	    "\"scope\":\"\",\"pollutant\":\"PM2.5\","
	    "\"metric\":\"annual_mean_concentration\","
	    "\"period_start\":\"2017-01-01T00:00:00Z\","
	    "\"period_end\":\"2018-01-01T00:00:00Z\",\"value\":58,"
	    "\"unit\":\"ug/m3\",\"method\":\"m\","
	    "\"data_source\":\"\",\"attachments\":[]}";
	char t[1024];
	(void)snprintf(t, sizeof t, text, 0);
	struct entry e;
	ASSERT_OK(entry_from_json_text(&e, t, strlen(t), &err));
	ASSERT_EQ(e.sig_count, 0);
	uint8_t *b;
	size_t n;
	ASSERT_OK(entry_body_encode(&e, &b, &n, &err));
	ASSERT_EQ(entry_check_decoded(&e, b, n, &g, &err), ACC_EDECODE);
	ASSERT(strstr(err.msg, "signatures") != NULL);
	free(b);
	entry_free(&e);
	genesis_free(&g);
}

static void fixture_pk(uint8_t out[PUBKEY_BYTES], uint8_t seed)
{
	struct key k;
	fixture_key(&k, seed);
	memcpy(out, k.pk, PUBKEY_BYTES);
	key_free(&k);
}

/* e, re-signed by seed and encoded, through entry_check: its result. */
static int check_resigned(const struct genesis *g, struct entry *e,
			  uint8_t seed, struct acc_err *err)
{
	struct key k;
	uint8_t *b;
	size_t n;
	e->sig_count = 0;
	fixture_key(&k, seed);
	ASSERT_OK(entry_sign(e, &k, TEST_CHAIN_ID, err));
	key_free(&k);
	ASSERT_OK(entry_encode(e, &b, &n, err));
	int rc = entry_check(b, n, g, NULL, err);
	free(b);
	return rc;
}

/* §7.2 evidence of two proposals: every condition refused on its own
 * (the vector, proposals by node1 at 7/1, passes). */
static void check_evidence_proposals(const struct genesis *g,
				     const struct vector *vp)
{
	struct acc_err err;
	struct entry e, orig;
	struct key k1;
	ASSERT_OK(entry_decode(&orig, vp->bytes, vp->len, &err));
	ASSERT_EQ(orig.evidence.form, EVIDENCE_PROPOSALS);
	ASSERT_OK(check_resigned(g, &orig, SEED_NODE0, &err));
	fixture_key(&k1, SEED_NODE1);

	/* A forged proposal signature. */
	e = orig;
	e.evidence.proposals[0].sig[5] ^= 1;
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_EBADSIG);
	/* A vote signature over the same fields is no proposal signature
	 * (the contexts differ). */
	e = orig;
	ASSERT_OK(vote_sign(e.evidence.proposals[1].sig, &k1, TEST_CHAIN_ID,
			    VOTE_PREVOTE, 7, 1,
			    e.evidence.proposals[1].block_hash));
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_EBADSIG);
	/* Signed under another chain id. */
	e = orig;
	ASSERT_OK(proposal_sign(e.evidence.proposals[0].sig, &k1,
				"accord-other", 7, 1, 0,
				e.evidence.proposals[0].block_hash));
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_EBADSIG);
	/* The same proposal twice is no equivocation. */
	e = orig;
	e.evidence.proposals[0] = e.evidence.proposals[1];
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_ERULE);
	/* Swapped: not in ascending order of sign bytes. */
	e = orig;
	e.evidence.proposals[0] = orig.evidence.proposals[1];
	e.evidence.proposals[1] = orig.evidence.proposals[0];
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_ERULE);
	/* Different heights, each validly signed. */
	e = orig;
	e.evidence.proposals[1].height = 8;
	ASSERT_OK(proposal_sign(e.evidence.proposals[1].sig, &k1,
				TEST_CHAIN_ID, 8, 1, -1,
				e.evidence.proposals[1].block_hash));
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_ERULE);
	ASSERT(strstr(err.msg, "height or round") != NULL);
	/* Different rounds, each validly signed. */
	e = orig;
	e.evidence.proposals[1].round = 2;
	ASSERT_OK(proposal_sign(e.evidence.proposals[1].sig, &k1,
				TEST_CHAIN_ID, 7, 2, -1,
				e.evidence.proposals[1].block_hash));
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_ERULE);
	/* Same block, valid rounds -1 and 0: an equivocation too. */
	e = orig;
	memcpy(e.evidence.proposals[0].block_hash,
	       orig.evidence.proposals[1].block_hash, HASH_BYTES);
	ASSERT_OK(proposal_sign(e.evidence.proposals[0].sig, &k1,
				TEST_CHAIN_ID, 7, 1, 0,
				e.evidence.proposals[0].block_hash));
	ASSERT_OK(check_resigned(g, &e, SEED_NODE0, &err));
	/* A valid round not below the round: no correct core signs it. */
	e = orig;
	e.evidence.proposals[0].valid_round = 1;
	ASSERT_OK(proposal_sign(e.evidence.proposals[0].sig, &k1,
				TEST_CHAIN_ID, 7, 1, 1,
				e.evidence.proposals[0].block_hash));
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_ERULE);
	/* Height 0. */
	e = orig;
	e.evidence.proposals[0].height = 0;
	e.evidence.proposals[1].height = 0;
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_ERULE);
	/* The accused is not a validator (a party key signed both). */
	e = orig;
	fixture_pk(e.evidence.validator, SEED_BJ);
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE0, &err), ACC_EUNKNOWNKEY);
	/* The reporter is not a validator. */
	e = orig;
	ASSERT_EQ(check_resigned(g, &e, SEED_BJ, &err), ACC_ERULE);
	/* Signed by another validator than the one named. */
	e = orig;
	fixture_pk(e.evidence.validator, SEED_NODE0);
	ASSERT_EQ(check_resigned(g, &e, SEED_NODE1, &err), ACC_EBADSIG);

	/* Bytes: a valid round above 2^31-1 other than 0xffffffff, and a
	 * form byte that is neither a vote type nor 3, do not decode. */
	{
		/* body: version, kind, time (8), validator (32), form. */
		size_t form_at = 1 + 1 + 8 + PUBKEY_BYTES;
		size_t vr_at = form_at + 1 + 8 + 4;
		uint8_t *b = malloc(vp->len);
		ASSERT(b != NULL);
		ASSERT_EQ(vp->bytes[form_at], EVIDENCE_PROPOSALS_CODE);
		ASSERT_EQ(be32_get(vp->bytes + vr_at), 0u); /* valid round 0 */
		memcpy(b, vp->bytes, vp->len);
		be32_put(b + vr_at, 0x80000000u);
		ASSERT_EQ(entry_decode(&e, b, vp->len, &err), ACC_EDECODE);
		be32_put(b + vr_at, 0xfffffffeu);
		ASSERT_EQ(entry_decode(&e, b, vp->len, &err), ACC_EDECODE);
		memcpy(b, vp->bytes, vp->len);
		for (unsigned f = 0; f < 256; f++) {
			if (f == 1 || f == 2 || f == 3)
				continue;
			b[form_at] = (uint8_t)f;
			ASSERT_EQ(entry_decode(&e, b, vp->len, &err),
				  ACC_EDECODE);
		}
		free(b);
	}

	/* JSON: both forms at once, a valid round below -1, none. */
	{
		json_t *j = entry_to_json(&orig);
		ASSERT(j != NULL);
		json_t *p0 = json_array_get(json_object_get(j, "proposals"), 0);
		ASSERT_EQ(json_integer_value(json_object_get(p0, "valid_round")),
			  0);
		json_object_set_new(p0, "valid_round", json_integer(-2));
		char *t = json_dumps(j, 0);
		ASSERT_EQ(entry_from_json_text(&e, t, strlen(t), &err),
			  ACC_ERANGE);
		free(t);
		json_object_set_new(p0, "valid_round", json_integer(0));
		json_object_set_new(j, "votes", json_array());
		t = json_dumps(j, 0);
		ASSERT_EQ(entry_from_json_text(&e, t, strlen(t), &err),
			  ACC_EJSON);
		free(t);
		json_object_del(j, "votes");
		json_object_del(j, "proposals");
		t = json_dumps(j, 0);
		ASSERT_EQ(entry_from_json_text(&e, t, strlen(t), &err),
			  ACC_EJSON);
		free(t);
		json_decref(j);
	}
	key_free(&k1);
	entry_free(&orig);
}

static void test_check(void)
{
	struct genesis g;
	struct acc_err err;
	fixture_genesis(&g);
	struct vector v[NTEMPLATES];
	vectors_build(v);

	/* Every vector passes, and out receives the entry. */
	for (size_t i = 0; i < NTEMPLATES; i++) {
		struct entry e;
		if (entry_check(v[i].bytes, v[i].len, &g, &e, &err) != 0)
			FAIL_AT("%s: %s", v[i].name, err.msg);
		ASSERT_EQ(e.kind, entry_kind_parse(
				      i == 3 || i == 10 ? "report"
				      : i >= 7 && i <= 8 ? "governance"
				      : i == 11	  ? "evidence"
							  : v[i].name));
		entry_free(&e);
	}

	/* A flipped signature bit; a flipped body bit. */
	uint8_t *b = malloc(v[2].len);
	memcpy(b, v[2].bytes, v[2].len);
	b[v[2].len - 1] ^= 1;
	ASSERT_EQ(entry_check(b, v[2].len, &g, NULL, &err), ACC_EBADSIG);
	ASSERT_EQ(entry_verify_sigs(b, v[2].len, TEST_CHAIN_ID, &err),
		  ACC_EBADSIG);
	memcpy(b, v[2].bytes, v[2].len);
	b[12] ^= 1; /* inside the agreement id */
	ASSERT_EQ(entry_check(b, v[2].len, &g, NULL, &err), ACC_EBADSIG);
	/* Another chain id. */
	ASSERT_EQ(entry_verify_sigs(v[2].bytes, v[2].len, "accord-other", &err),
		  ACC_EBADSIG);
	free(b);

	const char *rep = "{\"kind\":\"report\",\"time\":\"2018-02-15T08:00:00Z\","
			  "\"agreement_id\":\"%064d\",\"party\":\"%s\","
			  "\"scope\":\"\",\"pollutant\":\"PM2.5\","
			  "\"metric\":\"%s\","
			  "\"period_start\":\"2017-01-01T00:00:00Z\","
			  "\"period_end\":\"%s\",\"value\":58,"
			  "\"unit\":\"%s\",\"method\":\"m\","
			  "\"data_source\":\"\",\"attachments\":[]}";
	char t[2048];
	uint8_t s_bj = SEED_BJ, s_tj = SEED_TJ, s_cnemc = SEED_CNEMC,
		s_str = SEED_STRANGER, s_n0 = SEED_NODE0;
#define REP(party, metric, end, unit)                                      \
	(snprintf(t, sizeof t, rep, 0, party, metric, end, unit), t)
	const char *conc = "annual_mean_concentration";
	const char *end = "2018-01-01T00:00:00Z";
	ASSERT_OK(check_json(&g, REP("CN-BJ", conc, end, "ug/m3"), &s_bj, 1,
			     &err));
	/* Key not in genesis. */
	ASSERT_EQ(check_json(&g, REP("CN-BJ", conc, end, "ug/m3"), &s_str, 1,
			     &err),
		  ACC_EUNKNOWNKEY);
	/* Wrong role: a verifier, a validator signing a report. */
	ASSERT_EQ(check_json(&g, REP("CN-BJ", conc, end, "ug/m3"), &s_cnemc, 1,
			     &err),
		  ACC_ERULE);
	ASSERT_EQ(check_json(&g, REP("CN-BJ", conc, end, "ug/m3"), &s_n0, 1,
			     &err),
		  ACC_ERULE);
	/* A report about another party. */
	ASSERT_EQ(check_json(&g, REP("CN-BJ", conc, end, "ug/m3"), &s_tj, 1,
			     &err),
		  ACC_ERULE);
	ASSERT(strstr(err.msg, "another party") != NULL);
	/* Unit and metric disagree. */
	ASSERT_EQ(check_json(&g, REP("CN-BJ", conc, end, "t"), &s_bj, 1, &err),
		  ACC_ERULE);
	ASSERT(strstr(err.msg, "unit") != NULL);
	ASSERT_OK(check_json(&g, REP("CN-BJ", "total_emissions", end, "t"),
			     &s_bj, 1, &err));
	/* Period reversed. */
	ASSERT_EQ(check_json(&g, REP("CN-BJ", conc, "2016-01-01T00:00:00Z",
				     "ug/m3"),
			     &s_bj, 1, &err),
		  ACC_ERULE);

	/* Attestations and challenges: verifier or party, never validator
	 * only. */
	const char *att =
	    "{\"kind\":\"attestation\",\"time\":\"2018-03-10T10:00:00Z\","
	    "\"report_id\":\"%064d\",\"opinion\":\"%s\",\"reasons\":\"%s\","
	    "\"comments\":\"\"}";
	snprintf(t, sizeof t, att, 0, "verified", "");
	ASSERT_OK(check_json(&g, t, &s_cnemc, 1, &err));
	ASSERT_OK(check_json(&g, t, &s_tj, 1, &err));
	ASSERT_EQ(check_json(&g, t, &s_n0, 1, &err), ACC_ERULE);
	snprintf(t, sizeof t, att, 0, "not_verified", "");
	ASSERT_EQ(check_json(&g, t, &s_cnemc, 1, &err), ACC_ERULE);
	snprintf(t, sizeof t, att, 0, "verified_with_comments", "r");
	ASSERT_EQ(check_json(&g, t, &s_cnemc, 1, &err), ACC_ERULE);

	/* Multi-signature kinds: one party may not count twice; a verifier
	 * may not sign governance. */
	const char *gov = "{\"kind\":\"governance\",\"time\":"
			  "\"2018-04-02T00:00:00Z\",\"action\":\"set_param\","
			  "\"param\":\"block_interval_ms\",\"value\":500}";
	uint8_t two[2] = {SEED_BJ, SEED_CNEMC};
	ASSERT_EQ(check_json(&g, gov, two, 2, &err), ACC_ERULE);
	uint8_t three[3] = {SEED_BJ, SEED_TJ, SEED_HE};
	ASSERT_OK(check_json(&g, gov, three, 3, &err));

	/* Single-signer kinds refuse a second key when signing. */
	{
		struct entry e;
		struct key k;
		ASSERT_OK(entry_decode(&e, v[1].bytes, v[1].len, &err));
		fixture_key(&k, SEED_BJ);
		ASSERT_EQ(entry_sign(&e, &k, TEST_CHAIN_ID, &err), ACC_EINVAL);
		key_free(&k);
		/* Re-signing by the same key replaces, not adds. */
		fixture_key(&k, SEED_TJ);
		ASSERT_OK(entry_sign(&e, &k, TEST_CHAIN_ID, &err));
		ASSERT_EQ(e.sig_count, 1);
		key_free(&k);
		entry_free(&e);
	}

	/* Agreements: obligation party must be listed, periods ordered,
	 * thresholds in range, percent_reduction needs a baseline. */
	const char *agr =
	    "{\"kind\":\"agreement\",\"time\":\"2014-01-01T00:00:00Z\","
	    "\"title\":\"t\",\"parties\":[\"CN-BJ\",\"CN-TJ\"],"
	    "\"obligations\":[{\"party\":\"%s\",\"scope\":\"\","
	    "\"pollutant\":\"PM2.5\",\"metric\":\"%s\",\"target\":60,"
	    "\"default_value\":80,\"period_start\":\"2017-01-01T00:00:00Z\","
	    "\"period_end\":\"2018-01-01T00:00:00Z\","
	    "\"deadline\":\"%s\",\"frequency\":\"annual\"}],"
	    "\"grace_days\":90,\"verification\":{\"verifiers\":[%s],"
	    "\"peer_parties_may_attest\":false,\"attestations_required\":1},"
	    "\"resolution_threshold\":%d,\"amendment_threshold\":1,"
	    "\"challenge_days\":30,\"legal_text_hash\":\"%064d\","
	    "\"legal_text_uri\":\"\"}";
#define AGR(party, metric, deadline, verifiers, thr)                       \
	(snprintf(t, sizeof t, agr, party, metric, deadline, verifiers, thr, \
		  0),                                                        \
	 t)
	const char *dl = "2018-03-31T00:00:00Z";
	ASSERT_OK(check_json(&g, AGR("CN-TJ", conc, dl, "\"CNEMC\"", 2),
			     &s_bj, 1, &err));
	ASSERT_EQ(check_json(&g, AGR("CN-HE", conc, dl, "\"CNEMC\"", 2),
			     &s_bj, 1, &err),
		  ACC_ERULE);
	ASSERT_EQ(check_json(&g,
			     AGR("CN-TJ", conc, "2017-12-31T00:00:00Z",
				 "\"CNEMC\"", 2),
			     &s_bj, 1, &err),
		  ACC_ERULE);
	ASSERT_EQ(check_json(&g, AGR("CN-TJ", conc, dl, "\"CNEMC\"", 3),
			     &s_bj, 1, &err),
		  ACC_ERULE);
	ASSERT_EQ(check_json(&g, AGR("CN-TJ", conc, dl, "", 1), &s_bj, 1,
			     &err),
		  ACC_ERULE);
	ASSERT_EQ(check_json(&g,
			     AGR("CN-TJ", "percent_reduction", dl, "\"CNEMC\"",
				 1),
			     &s_bj, 1, &err),
		  ACC_ERULE);

	/* Evidence: the votes must verify and conflict. */
	{
		struct entry e;
		struct key k;
		uint8_t *eb;
		size_t en;
		ASSERT_OK(entry_decode(&e, v[9].bytes, v[9].len, &err));
		e.evidence.votes[1].sig[0] ^= 1;
		fixture_key(&k, SEED_NODE0);
		ASSERT_OK(entry_sign(&e, &k, TEST_CHAIN_ID, &err));
		ASSERT_OK(entry_encode(&e, &eb, &en, &err));
		ASSERT_EQ(entry_check(eb, en, &g, NULL, &err), ACC_EBADSIG);
		free(eb);
		e.evidence.votes[1].sig[0] ^= 1;
		e.evidence.votes[1].round = 1; /* no longer the same round */
		ASSERT_OK(entry_sign(&e, &k, TEST_CHAIN_ID, &err));
		ASSERT_OK(entry_encode(&e, &eb, &en, &err));
		ASSERT_EQ(entry_check(eb, en, &g, NULL, &err), ACC_ERULE);
		free(eb);
		key_free(&k);
		entry_free(&e);
	}
	check_evidence_proposals(&g, &v[NTEMPLATES - 1]);
	for (size_t i = 0; i < NTEMPLATES; i++) {
		free(v[i].bytes);
		free(v[i].json_text);
	}
	genesis_free(&g);
}

static void test_names(void)
{
	for (int k = 1; k <= ENTRY_KIND_MAX; k++)
		ASSERT_EQ(entry_kind_parse(entry_kind_name(k)), k);
	for (int p = 1; p <= POLLUTANT_MAX; p++)
		ASSERT_EQ(pollutant_parse(pollutant_name(p)), p);
	for (int m = 1; m <= METRIC_MAX; m++) {
		ASSERT_EQ(metric_parse(metric_name(m)), m);
		ASSERT(metric_unit(m) >= 1);
	}
	for (int a = 1; a <= GOV_ACTION_MAX; a++)
		ASSERT_EQ(gov_action_parse(gov_action_name(a)), a);
	ASSERT(entry_kind_name(0) == NULL);
	ASSERT(entry_kind_name(9) == NULL);
	ASSERT_EQ(entry_kind_parse("Agreement"), -1);
	ASSERT_EQ(unit_parse("ug/m3"), UNIT_UG_M3);
}

/* Signatures given out of order in JSON are put in key order. */
static void test_json_sig_order(void)
{
	struct vector v[NTEMPLATES];
	struct acc_err err;
	struct entry e;
	uint8_t *b;
	size_t n;
	json_error_t je;
	vectors_build(v);
	json_t *j = json_loads(v[6].json_text, 0, &je); /* resolution */
	json_t *sigs = json_object_get(j, "signatures");
	ASSERT_EQ(json_array_size(sigs), 2);
	json_t *first = json_incref(json_array_get(sigs, 0));
	ASSERT_OK(json_array_remove(sigs, 0));
	ASSERT_OK(json_array_append_new(sigs, first));
	ASSERT_OK(entry_from_json(&e, j, &err));
	ASSERT_OK(entry_encode(&e, &b, &n, &err));
	ASSERT_EQ(n, v[6].len);
	ASSERT_MEM_EQ(b, v[6].bytes, n);
	free(b);
	entry_free(&e);
	json_decref(j);
	for (size_t i = 0; i < NTEMPLATES; i++) {
		free(v[i].bytes);
		free(v[i].json_text);
	}
}

int main(int argc, char **argv)
{
	ASSERT_OK(crypto_lib_init());
	if (argc > 1 && strcmp(argv[1], "--write-vectors") == 0) {
		vectors_write();
		return 0;
	}
	RUN(test_names);
	RUN(test_fixed_text);
	RUN(test_vectors);
	RUN(test_roundtrip_random);
	RUN(test_decode_mutations);
	RUN(test_decode_rejects);
	RUN(test_encode_oversize);
	RUN(test_json_rejects);
	RUN(test_json_quantities);
	RUN(test_check);
	RUN(test_check_unsigned);
	RUN(test_json_sig_order);
	return 0;
}
