/* merkle.h - the RFC 9162 Merkle tree of the log: hashing, roots, the
 * compact frontier, and inclusion and consistency proofs (specs/merkle.md). */
#ifndef ACCORD_COMMON_MERKLE_H
#define ACCORD_COMMON_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

#define MERKLE_HASH_BYTES 32u

/* A log of 64-bit size has at most 64 perfect subtrees on its right edge
 * (one per set bit of the size), so the frontier holds at most 64 hashes
 * and an inclusion proof at most 64 hashes (specs/merkle.md §4). */
#define MERKLE_LEVELS_MAX 64u

/*
 * Hashing (RFC 9162 §2.1.1, specs/merkle.md §2). None can fail.
 *   leaf = SHA-256(0x00 ‖ data)
 *   node = SHA-256(0x01 ‖ left ‖ right)
 *   empty root = SHA-256("")
 */
void merkle_leaf_hash(uint8_t out[MERKLE_HASH_BYTES], const void *data,
		      size_t n);
void merkle_node_hash(uint8_t out[MERKLE_HASH_BYTES],
		      const uint8_t left[MERKLE_HASH_BYTES],
		      const uint8_t right[MERKLE_HASH_BYTES]);
void merkle_empty_root(uint8_t out[MERKLE_HASH_BYTES]);

/*
 * Root of the n leaf hashes leaf_hashes[0..n) (borrowed, read only), with
 * O(log n) extra memory and no recursion. n = 0 gives the empty root.
 * Returns 0, or ACC_EINVAL if leaf_hashes is NULL while n > 0.
 */
int merkle_root_compute(uint8_t out[MERKLE_HASH_BYTES],
			const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES],
			uint64_t n);

/*
 * The compact range of a log: for each set bit L of size, the root of the
 * perfect subtree of 2^L leaves that the bit stands for. hash[L] is only
 * meaningful when bit L of size is set. Plain data, copyable by value:
 * copy it to compute the root after a candidate batch without touching the
 * original (about 2 KiB).
 */
struct merkle_frontier {
	uint64_t size; /* leaves appended so far */
	uint8_t hash[MERKLE_LEVELS_MAX][MERKLE_HASH_BYTES];
};

/*
 * Called once per perfect subtree that an append completes, lowest level
 * first: the leaf itself (level 0, index = its log index), then each
 * subtree it closes. The subtree covers leaves
 * [index << level, (index + 1) << level). hash is borrowed for the call.
 * Return 0 to go on or a negative ACC_E* to make the append fail.
 */
typedef int (*merkle_subtree_fn)(void *ctx, unsigned level, uint64_t index,
				 const uint8_t hash[MERKLE_HASH_BYTES]);

/* Empty frontier (size 0). */
void merkle_frontier_init(struct merkle_frontier *f);

/*
 * Append one leaf hash. cb (may be NULL) sees every newly completed perfect
 * subtree, so storage can persist the Merkle nodes. f changes only if every
 * callback returned 0; otherwise the callback's error is returned and f is
 * as before. ACC_EFULL if the size would pass 2^64 - 1.
 */
int merkle_frontier_append(struct merkle_frontier *f,
			   const uint8_t leaf_hash[MERKLE_HASH_BYTES],
			   merkle_subtree_fn cb, void *ctx);

/* Root of the log the frontier describes (the empty root at size 0). */
void merkle_frontier_root(const struct merkle_frontier *f,
			  uint8_t out[MERKLE_HASH_BYTES]);

/*
 * The "perfect subtree" oracle proofs are built from: write to out the
 * hash of the perfect subtree covering leaves
 * [index << level, (index + 1) << level), level 0 being a leaf hash.
 * Return 0, or a negative ACC_E* that the caller passes up unchanged.
 * Callers only ask for subtrees that lie wholly inside the size they were
 * given.
 */
typedef int (*merkle_node_fn)(void *ctx, unsigned level, uint64_t index,
			      uint8_t out[MERKLE_HASH_BYTES]);

/*
 * Load the frontier of a log of `size` leaves from the oracle (one read per
 * set bit of size): what storage does on open. 0 or the oracle's error.
 */
int merkle_frontier_load(struct merkle_frontier *f, uint64_t size,
			 merkle_node_fn fn, void *ctx);

/*
 * MTH(D[start:end]) of RFC 9162 §2.1.1, composed from at most 64 perfect
 * subtrees. The range must be a node of some tree: end > start and start a
 * multiple of 2^floor(log2(end - start)) (every range a proof needs is);
 * ACC_EINVAL otherwise.
 */
int merkle_range_hash(uint64_t start, uint64_t end, merkle_node_fn fn,
		      void *ctx, uint8_t out[MERKLE_HASH_BYTES]);

/* Root of the first `size` leaves (the empty root for 0). */
int merkle_root_at(uint64_t size, merkle_node_fn fn, void *ctx,
		   uint8_t out[MERKLE_HASH_BYTES]);

/*
 * Expected proof lengths, computable before any hashing
 * (specs/merkle.md §4). Both return 0 for arguments that admit no proof.
 *   inclusion: inner = bit length of (index XOR (size - 1)),
 *              border = popcount(index >> inner), length = inner + border.
 */
size_t merkle_inclusion_proof_len(uint64_t index, uint64_t size);
size_t merkle_consistency_proof_len(uint64_t old_size, uint64_t new_size);

/*
 * PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf-side first, written to
 * proof[0..*count). ACC_EINVAL if index >= size. At most 64 hashes.
 */
int merkle_inclusion_prove(
    uint64_t index, uint64_t size, merkle_node_fn fn, void *ctx,
    uint8_t proof[MERKLE_PROOF_HASHES_MAX][MERKLE_HASH_BYTES], size_t *count);

/*
 * PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1. old_size = new_size
 * (> 0) gives the empty proof; old_size = 0 or old_size > new_size is
 * ACC_EINVAL (specs/merkle.md §5: no proof from the empty tree).
 */
int merkle_consistency_prove(
    uint64_t old_size, uint64_t new_size, merkle_node_fn fn, void *ctx,
    uint8_t proof[MERKLE_PROOF_HASHES_MAX][MERKLE_HASH_BYTES], size_t *count);

/*
 * RFC 9162 §2.1.3.2. 0 if proof[0..count) proves leaf_hash is leaf `index`
 * of the tree of `size` leaves with this root; ACC_EPROOF if not (including
 * a proof of the wrong length); ACC_EINVAL if index >= size.
 */
int merkle_inclusion_verify(uint64_t index, uint64_t size,
			    const uint8_t leaf_hash[MERKLE_HASH_BYTES],
			    const uint8_t (*proof)[MERKLE_HASH_BYTES],
			    size_t count,
			    const uint8_t root[MERKLE_HASH_BYTES]);

/*
 * RFC 9162 §2.1.4.2. 0 if the proof shows the tree (new_size, new_root)
 * extends (old_size, old_root); ACC_EPROOF if not. Equal sizes need an
 * empty proof and equal roots. old_size = 0 is always ACC_EPROOF
 * (specs/merkle.md §5); old_size > new_size is ACC_EINVAL.
 */
int merkle_consistency_verify(uint64_t old_size, uint64_t new_size,
			      const uint8_t old_root[MERKLE_HASH_BYTES],
			      const uint8_t new_root[MERKLE_HASH_BYTES],
			      const uint8_t (*proof)[MERKLE_HASH_BYTES],
			      size_t count);

/*
 * The old root a consistency proof implies, checking only that it leads to
 * new_root (the first half of §2.1.4.2): for a client that holds the new
 * tree head and wants the old one, or a test whose old root is unknown.
 * Same return values as merkle_consistency_verify; old_size must be in
 * (0, new_size) and not a power of two (then the old root is not in the
 * proof: the verifier supplies it), else ACC_EINVAL.
 */
int merkle_consistency_old_root(uint64_t old_size, uint64_t new_size,
				const uint8_t new_root[MERKLE_HASH_BYTES],
				const uint8_t (*proof)[MERKLE_HASH_BYTES],
				size_t count,
				uint8_t old_root[MERKLE_HASH_BYTES]);

#endif
