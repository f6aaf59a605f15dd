/* bench_merkle.c - RFC 9162 Merkle tree throughput: leaf appends,
 * proof generation from an in-memory oracle, proof verification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/merkle.h"

#define LEAVES (1u << 20)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Perfect subtrees of the whole log, level by level. */
static uint8_t (*nodes[21])[32];

static int record(void *ctx, unsigned level, uint64_t index,
		  const uint8_t hash[32])
{
	(void)ctx;
	memcpy(nodes[level][index], hash, 32);
	return 0;
}

static int oracle(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	(void)ctx;
	memcpy(out, nodes[level][index], 32);
	return 0;
}

int main(void)
{
	if (crypto_lib_init() != 0)
		return 1;
	for (unsigned l = 0; l <= 20; l++) {
		nodes[l] = calloc((LEAVES >> l) + 1, 32);
		if (nodes[l] == NULL)
			return 1;
	}
	struct merkle_frontier f;
	merkle_frontier_init(&f);
	double t0 = now_s();
	for (uint32_t i = 0; i < LEAVES; i++) {
		uint8_t leaf[32];
		merkle_leaf_hash(leaf, &i, sizeof i);
		if (merkle_frontier_append(&f, leaf, record, NULL) != 0)
			return 1;
	}
	double t1 = now_s();
	printf("merkle append (leaf hash + nodes): %.0f leaves/s\n",
	       LEAVES / (t1 - t0));

	uint8_t p[MERKLE_PROOF_HASHES_MAX][32], root[32];
	size_t c;
	const unsigned rounds = 200000;
	uint64_t size = LEAVES - 12345;
	if (merkle_root_at(size, oracle, NULL, root) != 0)
		return 1;
	srand(1);
	t0 = now_s();
	for (unsigned k = 0; k < rounds; k++) {
		uint64_t i = (uint64_t)rand() % size;
		if (merkle_inclusion_prove(i, size, oracle, NULL, p, &c) != 0)
			return 1;
	}
	t1 = now_s();
	printf("inclusion proofs generated (n=%llu): %.0f/s\n",
	       (unsigned long long)size, rounds / (t1 - t0));
	if (merkle_inclusion_prove(777, size, oracle, NULL, p, &c) != 0)
		return 1;
	t0 = now_s();
	for (unsigned k = 0; k < rounds; k++) {
		if (merkle_inclusion_verify(777, size, nodes[0][777],
					    (const uint8_t(*)[32])p, c,
					    root) != 0)
			return 1;
	}
	t1 = now_s();
	printf("inclusion proofs verified (%zu hashes): %.0f/s\n", c,
	       rounds / (t1 - t0));
	uint8_t old[32];
	if (merkle_root_at(1000, oracle, NULL, old) != 0 ||
	    merkle_consistency_prove(1000, size, oracle, NULL, p, &c) != 0)
		return 1;
	t0 = now_s();
	for (unsigned k = 0; k < rounds; k++) {
		if (merkle_consistency_verify(1000, size, old, root,
					      (const uint8_t(*)[32])p, c) != 0)
			return 1;
	}
	t1 = now_s();
	printf("consistency proofs verified (%zu hashes): %.0f/s\n", c,
	       rounds / (t1 - t0));
	for (unsigned l = 0; l <= 20; l++)
		free(nodes[l]);
	return 0;
}
