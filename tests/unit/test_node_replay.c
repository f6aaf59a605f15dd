/* test_node_replay.c - a log replayed into an empty node gives the same
 * chain, the same derived-state digest and the same compliance table
 * (issue 4; specs/node.md §3 "Rules" and §6). Node A makes blocks from
 * submitted entries; node B, empty, applies A's blocks one by one as a
 * follower would. Blocks that break a link, a certificate, a signature or
 * a rule are refused whole. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/keyfile.h"
#include "common/vote.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "node/node.h"
#include "node/producer.h"
#include "storage/kv_store.h"
#include "storage/store.h"
#include "tests/unit/test_state_fixture.h"

static char dir[] = "/tmp/accord-test-replay-XXXXXX";
static char genesis_path[300], key_path[300];
static struct world w;

static void open_node(struct node *n, const char *name)
{
	struct node_config cfg;
	struct acc_err err;
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.genesis_path, sizeof cfg.genesis_path, "%s", genesis_path);
	snprintf(cfg.key_path, sizeof cfg.key_path, "%s", key_path);
	snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s/%s", dir, name);
	if (node_open(n, &cfg, &err) != 0)
		FAIL_AT("node_open %s: %s", name, err.msg);
}

/* Sign e as who, submit its bytes to n; returns node_admit's code. */
static int submit(struct node *n, struct entry *e, int who, uint8_t *id)
{
	uint8_t *bytes;
	size_t len;
	struct admit_result res;
	struct acc_err err;
	e->version = ENTRY_VERSION;
	e->time = (uint64_t)time(NULL);
	ASSERT_OK(entry_sign(e, &w.keys[who], TEST_CHAIN_ID, &err));
	ASSERT_OK(entry_encode(e, &bytes, &len, &err));
	entry_free(e);
	if (id != NULL)
		entry_id(id, bytes, len);
	int rc = node_admit(n, "application/octet-stream", bytes, len, NULL,
			    &res, &err);
	free(bytes);
	return rc;
}

static void produce(struct node *n, size_t want)
{
	size_t count;
	struct acc_err err;
	ASSERT_OK(node_block_produce(n, &count, &err));
	ASSERT_EQ(count, want);
}

/* Block h of n in wire form, and its certificate (malloc'ed). */
static void block_of(struct node *n, uint64_t h, uint8_t **blk, size_t *blen,
		     uint8_t **cert, size_t *clen)
{
	struct store_rtxn *t;
	struct acc_err err;
	const uint8_t *hb, *cb, *lcb;
	size_t hl, cl, lcl;
	uint64_t first;
	uint32_t count;
	ASSERT_OK(store_read_begin(n->store, &t, &err));
	ASSERT_OK(store_block_get(t, h, &hb, &hl, &cb, &cl, &first, &count));
	ASSERT_OK(store_block_last_cert(t, h, &lcb, &lcl));
	struct block_header hd;
	ASSERT_OK(block_header_decode(&hd, hb, hl, &err));
	struct bytes_view *ev = calloc(count ? count : 1, sizeof *ev);
	for (uint32_t i = 0; i < count; i++)
		ASSERT_OK(store_entry_get(t, first + i, &ev[i].p, &ev[i].len));
	ASSERT_OK(block_encode(&hd, lcl ? lcb : NULL, lcl, ev, count, blk,
			       blen, &err));
	*cert = malloc(cl);
	memcpy(*cert, cb, cl);
	*clen = cl;
	free(ev);
	store_read_end(t);
}

/* The digest of n's derived state and its compliance rows as JSON text
 * at time t. */
static int rows_json_cb(void *ctx, const struct compliance_row *r)
{
	return json_array_append_new(ctx, compliance_row_to_json(r));
}

static void state_of(struct node *n, uint64_t t, uint8_t digest[HASH_BYTES],
		     char **rows)
{
	struct store_rtxn *tx;
	struct acc_err err;
	struct kv kv;
	ASSERT_OK(store_read_begin(n->store, &tx, &err));
	store_kv_read(&kv, tx);
	ASSERT_OK(state_digest(&kv, digest));
	json_t *a = json_array();
	ASSERT_OK(compliance_eval(&kv, t, NULL, NULL, rows_json_cb, a, &err));
	*rows = json_dumps(a, JSON_COMPACT | QTY_JSON_DUMP_FLAGS);
	json_decref(a);
	store_read_end(tx);
}

/* A block at the head of n carrying one entry, certified by node0 (the
 * key the test holds): what a faulty proposer could send. */
static void forged_block(struct node *n, const uint8_t *entry, size_t elen,
			 uint8_t **blk, size_t *blen, uint8_t **cert,
			 size_t *clen)
{
	struct acc_err err;
	struct block_header h;
	memset(&h, 0, sizeof h);
	h.version = BLOCK_VERSION;
	strcpy(h.chain_id, TEST_CHAIN_ID);
	h.height = n->head.height + 1;
	h.time_ms = n->head.time_ms + 1000;
	memcpy(h.prev_hash, n->head.height ? n->head.hash : n->genesis->hash,
	       HASH_BYTES);
	genesis_valset_hash(n->genesis, h.valset_hash);
	h.entry_count = 1;
	uint8_t leaf[1][HASH_BYTES];
	entry_id(leaf[0], entry, elen);
	ASSERT_OK(store_log_root_after(n->store, (const uint8_t(*)[32])leaf, 1,
				       h.log_root, &h.log_size));
	uint8_t last[CERT_BYTES_MAX];
	size_t last_len = 0;
	uint8_t *b0, *c0;
	size_t b0l, c0l;
	if (n->head.height > 0) {
		block_of(n, n->head.height, &b0, &b0l, &c0, &c0l);
		memcpy(last, c0, c0l);
		last_len = c0l;
		cert_hash(last, last_len, h.last_cert_hash);
		free(b0);
		free(c0);
	}
	struct bytes_view ev = {entry, elen};
	ASSERT_OK(block_encode(&h, last_len ? last : NULL, last_len, &ev, 1,
			       blk, blen, &err));
	uint8_t hash[HASH_BYTES], sig[SIG_BYTES];
	ASSERT_OK(block_header_hash(&h, hash, &err));
	ASSERT_OK(vote_sign(sig, &w.keys[W_NODE0], TEST_CHAIN_ID,
			    VOTE_PRECOMMIT, h.height, 0, hash));
	struct cert c;
	cert_init(&c, h.height, 0, hash);
	ASSERT_OK(cert_add_sig(&c, 0, sig, &err));
	*cert = malloc(CERT_BYTES_MAX);
	ASSERT_OK(cert_encode(&c, *cert, clen, &err));
}

int main(void)
{
	struct acc_err err;
	world_open(&w);
	ASSERT(mkdtemp(dir) != NULL);
	snprintf(genesis_path, sizeof genesis_path, "%s/genesis.json", dir);
	snprintf(key_path, sizeof key_path, "%s/node0.key", dir);
	ASSERT_OK(genesis_save(&w.g, genesis_path, &err));
	struct keyfile kf = {0};
	fixture_key(&kf.key, SEED_NODE0);
	ASSERT_OK(keyfile_save(&kf, key_path, 1, &err));
	keyfile_free(&kf);

	struct node a, b;
	open_node(&a, "a");
	/* This calendar year, reported by 31 March of the next. */
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char ps[32], pe[32], dl[32];
	snprintf(ps, sizeof ps, "%04d-01-01T00:00:00Z", tm.tm_year + 1900);
	snprintf(pe, sizeof pe, "%04d-01-01T00:00:00Z", tm.tm_year + 1901);
	snprintf(dl, sizeof dl, "%04d-03-31T23:59:59Z", tm.tm_year + 1901);

	struct entry e;
	uint8_t aid[HASH_BYTES], r_bj[HASH_BYTES], r_tj[HASH_BYTES];
	agreement_init(&e, "replay test", "CN-BJ,CN-TJ", "CNEMC", 90, 1, 2);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, T(ps),
			     T(pe), T(dl));
	agreement_obligation(&e, "CN-TJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, T(ps),
			     T(pe), T(dl));
	agreement_compensation(&e, 400000000, "CNY", "CN-BJ");
	ASSERT_OK(submit(&a, &e, W_BJ, aid));
	produce(&a, 1);
	/* A report before the agreement is active: refused at admission. */
	report_init(&e, aid, "CN-BJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, T(ps), T(pe), 30000, NULL);
	ASSERT_EQ(submit(&a, &e, W_BJ, NULL), ACC_ERULE);
	ASSERT_EQ(a.mempool.count, 0);
	endorsement_init(&e, aid);
	ASSERT_OK(submit(&a, &e, W_TJ, NULL));
	produce(&a, 1);
	/* Two reports in one block. */
	report_init(&e, aid, "CN-BJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, T(ps), T(pe), 30000, NULL);
	ASSERT_OK(submit(&a, &e, W_BJ, r_bj));
	report_init(&e, aid, "CN-TJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, T(ps), T(pe), 50500, NULL);
	ASSERT_OK(submit(&a, &e, W_TJ, r_tj));
	produce(&a, 2);
	/* Two attestations of one report by one verifier: both pass
	 * admission (neither is recorded yet), the block keeps the first
	 * and drops the second (specs/node.md §3 "Rules"). */
	attestation_init(&e, r_tj, OPINION_VERIFIED);
	ASSERT_OK(submit(&a, &e, W_CNEMC, NULL));
	attestation_init(&e, r_tj, OPINION_VERIFIED_WITH_COMMENTS);
	ASSERT_OK(submit(&a, &e, W_CNEMC, NULL));
	attestation_init(&e, r_bj, OPINION_VERIFIED);
	ASSERT_OK(submit(&a, &e, W_CNEMC, NULL));
	produce(&a, 2);
	ASSERT_EQ(a.mempool.count, 0);
	/* A challenge stays open: Tianjin's row is disputed. */
	challenge_init(&e, r_tj);
	ASSERT_OK(submit(&a, &e, W_BJ, NULL));
	produce(&a, 1);
	ASSERT_U64_EQ(a.head.height, 5);
	ASSERT_U64_EQ(a.head.log_size, 7);

	uint8_t da[HASH_BYTES], db[HASH_BYTES];
	char *rows_a, *rows_b;
	uint64_t t = a.head.time_ms / 1000u;
	state_of(&a, t, da, &rows_a);
	ASSERT(strstr(rows_a, "\"status\":\"met\"") != NULL);
	ASSERT(strstr(rows_a, "\"status\":\"disputed\"") != NULL);

	/* Node B, empty, applies A's blocks. Out of order first. */
	open_node(&b, "b");
	uint8_t *blk, *cert;
	size_t blen, clen;
	block_of(&a, 2, &blk, &blen, &cert, &clen);
	ASSERT_EQ(node_block_apply(&b, blk, blen, cert, clen, &err),
		  ACC_ECHAIN);
	free(blk);
	free(cert);
	for (uint64_t h = 1; h <= a.head.height; h++) {
		block_of(&a, h, &blk, &blen, &cert, &clen);
		if (h == 3) {
			/* A certificate of another block is refused. */
			uint8_t *c1, *b1;
			size_t c1l, b1l;
			block_of(&a, 1, &b1, &b1l, &c1, &c1l);
			ASSERT_EQ(node_block_apply(&b, blk, blen, c1, c1l,
						   &err),
				  ACC_ECERT);
			free(b1);
			free(c1);
			/* A flipped byte in an entry's signature. */
			blk[blen - 1] ^= 1;
			ASSERT_EQ(node_block_apply(&b, blk, blen, cert, clen,
						   &err),
				  ACC_EBADSIG);
			blk[blen - 1] ^= 1;
			ASSERT_U64_EQ(b.head.height, 2);
		}
		if (node_block_apply(&b, blk, blen, cert, clen, &err) != 0)
			FAIL_AT("block %llu: %s", (unsigned long long)h,
				err.msg);
		free(blk);
		free(cert);
	}
	ASSERT_U64_EQ(b.head.height, a.head.height);
	ASSERT(memcmp(b.head.hash, a.head.hash, HASH_BYTES) == 0);
	ASSERT(memcmp(b.head.log_root, a.head.log_root, HASH_BYTES) == 0);
	state_of(&b, t, db, &rows_b);
	ASSERT(memcmp(da, db, HASH_BYTES) == 0);
	ASSERT_STR_EQ(rows_a, rows_b);

	/* A validly certified block whose entry breaks a rule (a report
	 * for an agreement nobody made) is refused whole: B's head, log
	 * and state stay as they were. */
	uint8_t bogus[HASH_BYTES];
	memset(bogus, 0x42, sizeof bogus);
	report_init(&e, bogus, "CN-BJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, T(ps), T(pe), 1000, NULL);
	e.version = ENTRY_VERSION;
	e.time = (uint64_t)now;
	ASSERT_OK(entry_sign(&e, &w.keys[W_BJ], TEST_CHAIN_ID, &err));
	uint8_t *eb;
	size_t el;
	ASSERT_OK(entry_encode(&e, &eb, &el, &err));
	entry_free(&e);
	forged_block(&b, eb, el, &blk, &blen, &cert, &clen);
	ASSERT_EQ(node_block_apply(&b, blk, blen, cert, clen, &err),
		  ACC_ERULE);
	ASSERT(strstr(err.msg, "log index 7") != NULL);
	ASSERT_U64_EQ(b.head.height, a.head.height);
	free(rows_b);
	state_of(&b, t, db, &rows_b);
	ASSERT(memcmp(da, db, HASH_BYTES) == 0);
	free(blk);
	free(cert);
	free(eb);

	free(rows_a);
	free(rows_b);
	node_close(&a);
	node_close(&b);
	world_close(&w);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ASSERT(system(cmd) == 0);
	printf("test_node_replay: ok\n");
	return 0;
}
