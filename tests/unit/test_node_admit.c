/* test_node_admit.c - a node opened on a temporary data directory:
 * admission of good and bad submissions (specs/api.md "POST /v1/entries",
 * specs/node.md §4), one block produced and committed (§3), and start-up
 * checks (§2). Each refused submission leaves the mempool and the log as
 * they were. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/keyfile.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "node/node.h"
#include "node/producer.h"
#include "storage/store.h"
#include "tests/test.h"
#include "tests/unit/test_ledger_fixture.h"

static char dir[] = "/tmp/accord-test-node-XXXXXX";
static char genesis_path[256], key_path[256], data_path[256];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ASSERT(f != NULL);
	ASSERT(fputs(text, f) >= 0);
	ASSERT(fclose(f) == 0);
}

/* The fixture genesis with node0 holding 3 of 4 votes: it commits alone
 * (specs/node.md §2 step 3). */
static void setup(void)
{
	ASSERT(mkdtemp(dir) != NULL);
	snprintf(genesis_path, sizeof genesis_path, "%s/genesis.json", dir);
	snprintf(key_path, sizeof key_path, "%s/node0.key", dir);
	snprintf(data_path, sizeof data_path, "%s/data", dir);
	char *t = fixture_genesis_text();
	char *p = strstr(t, "\"power\": 1}");
	ASSERT(p != NULL);
	p[9] = '3';
	write_file(genesis_path, t);
	free(t);
	struct keyfile kf = {0};
	fixture_key(&kf.key, SEED_NODE0);
	strcpy(kf.role, "validator");
	strcpy(kf.id, "node0");
	struct acc_err err;
	ASSERT_OK(keyfile_save(&kf, key_path, 1, &err));
	keyfile_free(&kf);
}

static void config(struct node_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	strcpy(cfg->genesis_path, genesis_path);
	strcpy(cfg->key_path, key_path);
	strcpy(cfg->data_dir, data_path);
	cfg->validator = 0;
	cfg->http_threads = 1;
}

/* A signed agreement by CN-BJ (the vectors' first entry with its own
 * title), as canonical bytes and as JSON text. */
static void make_entry(const char *title, uint8_t seed, uint8_t **bytes,
		       size_t *len, char **json)
{
	json_error_t je;
	json_t *v = json_load_file("tests/vectors/entries.json", 0, &je);
	ASSERT(v != NULL);
	json_t *ej = json_deep_copy(
	    json_object_get(json_array_get(json_object_get(v, "vectors"), 0),
			    "json"));
	json_decref(v);
	ASSERT(ej != NULL);
	json_object_del(ej, "signatures");
	json_object_set_new(ej, "title", json_string(title));
	/* A historical record: its 2017 window reaches past today
	 * (specs/compliance.md R34). */
	json_object_set_new(ej, "grace_days", json_integer(7305));
	struct entry e;
	struct acc_err err;
	struct key k;
	ASSERT_OK(entry_from_json(&e, ej, &err));
	json_decref(ej);
	fixture_key(&k, seed);
	ASSERT_OK(entry_sign(&e, &k, TEST_CHAIN_ID, &err));
	key_free(&k);
	ASSERT_OK(entry_encode(&e, bytes, len, &err));
	json_t *out = entry_to_json(&e);
	ASSERT(out != NULL);
	*json = json_dumps(out, QTY_JSON_DUMP_FLAGS);
	json_decref(out);
	entry_free(&e);
}

static uint64_t log_size(struct node *n)
{
	struct store_rtxn *t;
	struct store_head h;
	struct acc_err err;
	ASSERT_OK(store_read_begin(n->store, &t, &err));
	ASSERT_OK(store_head_get(t, &h));
	store_read_end(t);
	return h.log_size;
}

/* Submit and expect code; a refusal must leave nothing behind. */
static void expect(struct node *n, const char *ct, const void *body,
		   size_t len, int code, const char *msg_part)
{
	struct admit_result res;
	struct acc_err err = {0};
	size_t before = n->mempool.count;
	uint64_t size = log_size(n);
	int rc = node_admit(n, ct, body, len, NULL, &res, &err);
	if (rc != code)
		FAIL_AT("admit: %s (%s), want %s", acc_errname(rc), err.msg,
			acc_errname(code));
	if (msg_part != NULL && strstr(err.msg, msg_part) == NULL)
		FAIL_AT("message \"%s\" does not name \"%s\"", err.msg,
			msg_part);
	if (code != 0) {
		ASSERT_EQ(n->mempool.count, before);
		ASSERT_U64_EQ(log_size(n), size);
	} else {
		ASSERT_EQ(n->mempool.count, before + 1);
	}
}

static void test_admit_and_commit(void)
{
	struct node n;
	struct node_config cfg;
	struct acc_err err;
	config(&cfg);
	ASSERT_OK(node_open(&n, &cfg, &err));
	ASSERT_U64_EQ(n.head.height, 0);

	uint8_t *good, *stranger;
	size_t good_len, stranger_len;
	char *good_json, *stranger_json;
	make_entry("first", SEED_BJ, &good, &good_len, &good_json);
	make_entry("by a stranger", SEED_STRANGER, &stranger, &stranger_len,
		   &stranger_json);

	/* Every kind of bad input of the issue, each refused. */
	expect(&n, "application/json", "{\"kind\":", 8, ACC_EJSON, NULL);
	expect(&n, NULL, "{\"kind\":7}", 10, ACC_ETYPE, "kind");
	expect(&n, NULL, "{\"kind\":\"treaty\"}", 17, ACC_EKIND, NULL);
	expect(&n, "text/plain", good_json, strlen(good_json), ACC_EINVAL,
	       "Content-Type");
	uint8_t *big = calloc(1, ENTRY_BYTES_MAX + 1);
	ASSERT(big != NULL);
	memcpy(big, good, good_len);
	expect(&n, "application/octet-stream", big, ENTRY_BYTES_MAX + 1,
	       ACC_ETOOBIG, NULL);
	free(big);
	/* Trailing bytes after a valid entry are not the canonical form. */
	uint8_t *longer = malloc(good_len + 1);
	memcpy(longer, good, good_len);
	longer[good_len] = 0;
	expect(&n, "application/octet-stream", longer, good_len + 1,
	       ACC_EDECODE, NULL);
	free(longer);
	/* A flipped bit in the signature (the last byte of the entry). */
	uint8_t *badsig = malloc(good_len);
	memcpy(badsig, good, good_len);
	badsig[good_len - 1] ^= 1;
	expect(&n, "application/octet-stream", badsig, good_len, ACC_EBADSIG,
	       NULL);
	free(badsig);
	/* The same in JSON: a signature of another body. */
	char *tampered = strdup(good_json);
	char *tp = strstr(tampered, "first");
	ASSERT(tp != NULL);
	tp[0] = 'F';
	expect(&n, NULL, tampered, strlen(tampered), ACC_EBADSIG, NULL);
	free(tampered);
	/* No signature at all. */
	json_t *unsigned_j = json_loads(good_json, 0, NULL);
	json_object_del(unsigned_j, "signatures");
	char *unsigned_text = json_dumps(unsigned_j, 0);
	json_decref(unsigned_j);
	expect(&n, NULL, unsigned_text, strlen(unsigned_text), ACC_EBADSIG,
	       "no signatures");
	free(unsigned_text);
	/* Signed by a key the genesis does not know. */
	expect(&n, NULL, stranger_json, strlen(stranger_json),
	       ACC_EUNKNOWNKEY, NULL);
	expect(&n, "application/octet-stream", stranger, stranger_len,
	       ACC_EUNKNOWNKEY, NULL);

	/* The good entry, as JSON; its binary form is then a pending
	 * replay. */
	expect(&n, "application/json; charset=utf-8", good_json,
	       strlen(good_json), 0, NULL);
	expect(&n, "application/octet-stream", good, good_len, ACC_EDUP,
	       "pending");

	/* One block with it (specs/node.md §3). */
	size_t count;
	ASSERT_OK(node_block_produce(&n, &count, &err));
	ASSERT_EQ(count, 1);
	ASSERT_U64_EQ(n.head.height, 1);
	ASSERT_U64_EQ(n.head.log_size, 1);
	ASSERT_EQ(n.mempool.count, 0);
	ASSERT_OK(node_block_produce(&n, &count, &err));
	ASSERT_EQ(count, 0); /* no empty blocks */
	ASSERT_U64_EQ(n.head.height, 1);
	/* A replay of a committed entry, in either form. */
	expect(&n, "application/octet-stream", good, good_len, ACC_EDUP,
	       "committed at index 0");
	expect(&n, NULL, good_json, strlen(good_json), ACC_EDUP,
	       "committed at index 0");
	node_close(&n);

	/* Reopened: the block is there and replays are still refused. */
	ASSERT_OK(node_open(&n, &cfg, &err));
	ASSERT_U64_EQ(n.head.height, 1);
	ASSERT_U64_EQ(n.head.log_size, 1);
	uint8_t id[HASH_BYTES];
	uint64_t index = 99;
	entry_id(id, good, good_len);
	ASSERT_OK(node_log_find(&n, id, &index, &err));
	ASSERT_U64_EQ(index, 0);
	expect(&n, "application/octet-stream", good, good_len, ACC_EDUP,
	       "committed");
	node_close(&n);
	free(good);
	free(stranger);
	free(good_json);
	free(stranger_json);
}

static void test_open_refusals(void)
{
	struct node n;
	struct node_config cfg;
	struct acc_err err = {0};
	/* Another validator's key. */
	config(&cfg);
	char other[300];
	snprintf(other, sizeof other, "%s/other.key", dir);
	struct keyfile kf = {0};
	fixture_key(&kf.key, SEED_NODE1);
	ASSERT_OK(keyfile_save(&kf, other, 1, &err));
	keyfile_free(&kf);
	strcpy(cfg.key_path, other);
	ASSERT_EQ(node_open(&n, &cfg, &err), ACC_ECONFIG);
	ASSERT(strstr(err.msg, "not the key of genesis validator 0") != NULL);
	/* The right key, readable by others: refused, saying how to fix it
	 * (issue 11); after the chmod the open passes this check. */
	config(&cfg);
	ASSERT_EQ(chmod(cfg.key_path, 0640), 0);
	ASSERT_EQ(node_open(&n, &cfg, &err), ACC_ECONFIG);
	ASSERT(strstr(err.msg, "chmod 600") != NULL);
	ASSERT(strstr(err.msg, "0640") != NULL);
	ASSERT_EQ(chmod(cfg.key_path, 0600), 0);
	ASSERT_OK(node_open(&n, &cfg, &err));
	node_close(&n);
	/* A validator index past the list. */
	config(&cfg);
	cfg.validator = 7;
	ASSERT_EQ(node_open(&n, &cfg, &err), ACC_ECONFIG);
	/* The data directory of another chain: same keys, other chain id. */
	char g2[300];
	snprintf(g2, sizeof g2, "%s/genesis2.json", dir);
	char *t = fixture_genesis_text();
	char *p = strstr(t, "\"power\": 1}");
	p[9] = '3';
	p = strstr(t, TEST_CHAIN_ID);
	p[0] = 'b';
	write_file(g2, t);
	free(t);
	config(&cfg);
	strcpy(cfg.genesis_path, g2);
	ASSERT_EQ(node_open(&n, &cfg, &err), ACC_ECONFIG);
	ASSERT(strstr(err.msg, "another chain") != NULL);
	/* A genesis where node0 cannot commit alone (equal power). */
	t = fixture_genesis_text();
	write_file(g2, t);
	free(t);
	ASSERT_EQ(node_open(&n, &cfg, &err), ACC_ECONFIG);
	ASSERT(strstr(err.msg, "multi-validator") != NULL);
}

int main(void)
{
	ASSERT(crypto_lib_init() == 0);
	setup();
	RUN(test_admit_and_commit);
	RUN(test_open_refusals);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ASSERT(system(cmd) == 0);
	printf("test_node_admit: ok\n");
	return 0;
}
