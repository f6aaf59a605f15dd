/* bench_storage.c - LMDB store throughput: durable block commits of
 * batched entries, and proofs served from stored Merkle nodes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/merkle.h"
#include "storage/store.h"

#define ENTRY_LEN 400
#define PER_BLOCK 1000
#define BLOCKS 100

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t bytes[PER_BLOCK][ENTRY_LEN];
static uint8_t ids[PER_BLOCK][32];
static struct store_entry_in ents[PER_BLOCK];

static int commit(struct store *s, uint64_t height, uint64_t first, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		memset(bytes[k], 0x5a, ENTRY_LEN);
		be64_put(bytes[k], first + k);
		ents[k].bytes = bytes[k];
		ents[k].len = ENTRY_LEN;
		merkle_leaf_hash(ids[k], bytes[k], ENTRY_LEN);
		memcpy(ents[k].id, ids[k], 32);
		ents[k].party = (first + k) % 2 ? "CN-BJ" : "CN-TJ";
		ents[k].agreement = NULL;
	}
	uint8_t header[64] = {0};
	be64_put(header, height);
	struct store_block_in b = {0};
	b.height = height;
	sha256(b.hash, header, sizeof header);
	b.header = header;
	b.header_len = sizeof header;
	b.cert = header;
	b.cert_len = 32;
	b.entries = ents;
	b.entry_count = n;
	if (store_log_root_after(s, (const uint8_t(*)[32])ids, n, b.log_root,
				 &b.log_size) != 0)
		return -1;
	struct acc_err err;
	int rc = store_block_commit(s, &b, &err);
	if (rc != 0)
		fprintf(stderr, "commit: %s\n", err.msg);
	return rc;
}

int main(void)
{
	if (crypto_lib_init() != 0)
		return 1;
	char dir[] = "/tmp/accord-bench-storage-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	struct store *s;
	struct acc_err err;
	struct store_opts o = {(size_t)4 << 30, 0};
	if (store_open(&s, dir, &o, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	double t0 = now_s();
	for (uint64_t h = 1; h <= BLOCKS; h++)
		if (commit(s, h, (h - 1) * PER_BLOCK, PER_BLOCK) != 0)
			return 1;
	double t1 = now_s();
	printf("durable commits, %u entries of %u B per block: %.1f blocks/s, "
	       "%.0f entries/s\n",
	       PER_BLOCK, ENTRY_LEN, BLOCKS / (t1 - t0),
	       BLOCKS * PER_BLOCK / (t1 - t0));
	t0 = now_s();
	for (uint64_t h = BLOCKS + 1; h <= BLOCKS + 200; h++)
		if (commit(s, h, BLOCKS * PER_BLOCK + (h - BLOCKS - 1), 1) != 0)
			return 1;
	t1 = now_s();
	printf("durable commits of 1-entry blocks: %.0f blocks/s\n",
	       200 / (t1 - t0));

	struct store_rtxn *t;
	if (store_read_begin(s, &t, &err) != 0)
		return 1;
	struct store_head head;
	store_head_get(t, &head);
	uint8_t p[MERKLE_PROOF_HASHES_MAX][32], root[32];
	size_t c;
	const unsigned rounds = 100000;
	srand(1);
	t0 = now_s();
	for (unsigned k = 0; k < rounds; k++) {
		uint64_t size = 1 + (uint64_t)rand() % head.log_size;
		uint64_t i = (uint64_t)rand() % size;
		if (store_proof_inclusion(t, i, size, p, &c) != 0)
			return 1;
	}
	t1 = now_s();
	printf("inclusion proofs from LMDB (n=%llu, random sizes): %.0f/s "
	       "(%.1f us each)\n",
	       (unsigned long long)head.log_size, rounds / (t1 - t0),
	       (t1 - t0) / rounds * 1e6);
	t0 = now_s();
	for (unsigned k = 0; k < rounds; k++) {
		uint64_t n = 2 + (uint64_t)rand() % (head.log_size - 1);
		uint64_t m = 1 + (uint64_t)rand() % (n - 1);
		if (store_proof_consistency(t, m, n, p, &c) != 0)
			return 1;
	}
	t1 = now_s();
	printf("consistency proofs from LMDB: %.0f/s (%.1f us each)\n",
	       rounds / (t1 - t0), (t1 - t0) / rounds * 1e6);
	t0 = now_s();
	for (unsigned k = 0; k < rounds; k++) {
		if (store_root_at(t, 1 + (uint64_t)rand() % head.log_size,
				  root) != 0)
			return 1;
	}
	t1 = now_s();
	printf("roots at random sizes from LMDB: %.0f/s\n", rounds / (t1 - t0));
	t0 = now_s();
	for (unsigned k = 0; k < rounds; k++) {
		struct store_rtxn *t2;
		if (store_read_begin(s, &t2, &err) != 0)
			return 1;
		store_read_end(t2);
	}
	t1 = now_s();
	printf("read txn begin+end: %.0f/s\n", rounds / (t1 - t0));
	store_read_end(t);
	store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
