/* merkle.c - RFC 9162 Merkle tree hashing, frontier and proofs, all
 * iterative (specs/merkle.md). */
#include "common/merkle.h"

#include <assert.h>
#include <string.h>

#include "common/crypto.h"
#include "common/error.h"

/* Bit length of x: 0 for 0, else 1 + index of the highest set bit. */
static unsigned bit_len(uint64_t x)
{
	return x == 0 ? 0u : 64u - (unsigned)__builtin_clzll(x);
}

static unsigned pop_count(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

static unsigned trailing_zeros(uint64_t x)
{
	return x == 0 ? 64u : (unsigned)__builtin_ctzll(x);
}

void merkle_leaf_hash(uint8_t out[MERKLE_HASH_BYTES], const void *data,
		      size_t n)
{
	static const uint8_t prefix = 0x00;
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, &prefix, 1);
	sha256_update(&c, data, n);
	sha256_final(&c, out);
}

/* out may alias left or right: both are read before out is written. */
void merkle_node_hash(uint8_t out[MERKLE_HASH_BYTES],
		      const uint8_t left[MERKLE_HASH_BYTES],
		      const uint8_t right[MERKLE_HASH_BYTES])
{
	uint8_t buf[1 + 2 * MERKLE_HASH_BYTES];
	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH_BYTES);
	memcpy(buf + 1 + MERKLE_HASH_BYTES, right, MERKLE_HASH_BYTES);
	sha256(out, buf, sizeof buf);
}

void merkle_empty_root(uint8_t out[MERKLE_HASH_BYTES])
{
	sha256(out, "", 0);
}

void merkle_frontier_init(struct merkle_frontier *f)
{
	memset(f, 0, sizeof *f);
}

int merkle_frontier_append(struct merkle_frontier *f,
			   const uint8_t leaf_hash[MERKLE_HASH_BYTES],
			   merkle_subtree_fn cb, void *ctx)
{
	if (f->size == UINT64_MAX)
		return ACC_EFULL;
	uint8_t h[MERKLE_HASH_BYTES];
	memcpy(h, leaf_hash, sizeof h);
	uint64_t index = f->size;
	unsigned level = 0;
	if (cb != NULL) {
		int rc = cb(ctx, 0, index, h);
		if (rc != 0)
			return rc;
	}
	/* Each trailing one bit of the size is a perfect subtree of the same
	 * height as the one just completed, on its left: they merge, like a
	 * binary counter's carry (specs/merkle.md §3). size < 2^64 - 1 has a
	 * zero bit, so level stays below 64. */
	while ((f->size >> level) & 1u) {
		merkle_node_hash(h, f->hash[level], h);
		level++;
		index >>= 1;
		if (cb != NULL) {
			int rc = cb(ctx, level, index, h);
			if (rc != 0)
				return rc;
		}
	}
	assert(level < MERKLE_LEVELS_MAX);
	/* Only now is f written, so a failing callback leaves it intact; the
	 * levels below `level` become stale but their bits are clear. */
	memcpy(f->hash[level], h, sizeof h);
	f->size++;
	return 0;
}

void merkle_frontier_root(const struct merkle_frontier *f,
			  uint8_t out[MERKLE_HASH_BYTES])
{
	if (f->size == 0) {
		merkle_empty_root(out);
		return;
	}
	/* The smallest subtree is the rightmost; fold leftwards. */
	unsigned low = trailing_zeros(f->size);
	uint8_t r[MERKLE_HASH_BYTES];
	memcpy(r, f->hash[low], sizeof r);
	for (unsigned l = low + 1; l < MERKLE_LEVELS_MAX; l++) {
		if ((f->size >> l) & 1u)
			merkle_node_hash(r, f->hash[l], r);
	}
	memcpy(out, r, sizeof r);
}

int merkle_frontier_load(struct merkle_frontier *f, uint64_t size,
			 merkle_node_fn fn, void *ctx)
{
	struct merkle_frontier t;
	merkle_frontier_init(&t);
	t.size = size;
	for (unsigned l = 0; l < MERKLE_LEVELS_MAX; l++) {
		if (!((size >> l) & 1u))
			continue;
		/* Bit l of size stands for the subtree just left of the
		 * smaller ones: leaves [((size >> l) - 1) << l, ...). */
		int rc = fn(ctx, l, (size >> l) - 1, t.hash[l]);
		if (rc != 0)
			return rc;
	}
	*f = t;
	return 0;
}

int merkle_root_compute(uint8_t out[MERKLE_HASH_BYTES],
			const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES],
			uint64_t n)
{
	if (leaf_hashes == NULL && n > 0)
		return ACC_EINVAL;
	struct merkle_frontier f;
	merkle_frontier_init(&f);
	for (uint64_t i = 0; i < n; i++) {
		int rc = merkle_frontier_append(&f, leaf_hashes[i], NULL, NULL);
		if (rc != 0)
			return rc;
	}
	merkle_frontier_root(&f, out);
	return 0;
}

int merkle_range_hash(uint64_t start, uint64_t end, merkle_node_fn fn,
		      void *ctx, uint8_t out[MERKLE_HASH_BYTES])
{
	if (end <= start)
		return ACC_EINVAL;
	uint64_t len = end - start;
	unsigned top = bit_len(len) - 1;
	if (start & ((UINT64_C(1) << top) - 1))
		return ACC_EINVAL;
	/* MTH of a range aligned like this splits at its highest bit every
	 * time, so it is the right fold of the perfect subtrees of len's
	 * binary decomposition, largest first (RFC 9162 §2.1.1). */
	uint8_t parts[MERKLE_LEVELS_MAX][MERKLE_HASH_BYTES];
	unsigned n = 0;
	uint64_t pos = start;
	for (unsigned i = 0; i <= top; i++) {
		unsigned l = top - i;
		if (!((len >> l) & 1u))
			continue;
		int rc = fn(ctx, l, pos >> l, parts[n]);
		if (rc != 0)
			return rc;
		n++;
		pos += UINT64_C(1) << l;
	}
	assert(n >= 1 && pos == end);
	for (unsigned i = n - 1; i > 0; i--)
		merkle_node_hash(parts[i - 1], parts[i - 1], parts[i]);
	memcpy(out, parts[0], MERKLE_HASH_BYTES);
	return 0;
}

int merkle_root_at(uint64_t size, merkle_node_fn fn, void *ctx,
		   uint8_t out[MERKLE_HASH_BYTES])
{
	if (size == 0) {
		merkle_empty_root(out);
		return 0;
	}
	return merkle_range_hash(0, size, fn, ctx, out);
}

size_t merkle_inclusion_proof_len(uint64_t index, uint64_t size)
{
	if (index >= size)
		return 0;
	unsigned inner = bit_len(index ^ (size - 1));
	unsigned border = inner >= 64 ? 0 : pop_count(index >> inner);
	return (size_t)inner + border;
}

size_t merkle_consistency_proof_len(uint64_t old_size, uint64_t new_size)
{
	if (old_size == 0 || old_size >= new_size)
		return 0;
	/* The proof is the inclusion proof of leaf old_size - 1 in the new
	 * tree with the levels below the old tree's smallest perfect subtree
	 * cut off, plus that subtree's root unless it is the whole old tree
	 * (RFC 9162 §2.1.4.2 prepends old_root then). */
	unsigned shift = trailing_zeros(old_size);
	unsigned inner = bit_len((old_size - 1) ^ (new_size - 1));
	unsigned border = inner >= 64 ? 0 : pop_count((old_size - 1) >> inner);
	size_t seed = old_size == (UINT64_C(1) << shift) ? 0 : 1;
	assert(inner > shift);
	return (size_t)(inner - shift) + border + seed;
}

/* A half-open leaf range [a, b) of a proof, computed once it is known. */
struct range {
	uint64_t a, b;
};

/* Largest power of two strictly below n (n >= 2): RFC 9162's k. */
static uint64_t split_point(uint64_t n)
{
	assert(n >= 2);
	return UINT64_C(1) << (bit_len(n - 1) - 1);
}

int merkle_inclusion_prove(
    uint64_t index, uint64_t size, merkle_node_fn fn, void *ctx,
    uint8_t proof[MERKLE_PROOF_HASHES_MAX][MERKLE_HASH_BYTES], size_t *count)
{
	if (index >= size)
		return ACC_EINVAL;
	/* Walk from the root down to the leaf, noting the sibling range at
	 * each split; PATH lists them leaf-side first, so emit in reverse
	 * (RFC 9162 §2.1.3.1). Each step at least halves b - a: at most 64. */
	struct range sib[MERKLE_LEVELS_MAX];
	unsigned n = 0;
	uint64_t a = 0, b = size;
	while (b - a > 1) {
		assert(n < MERKLE_LEVELS_MAX);
		uint64_t k = split_point(b - a);
		if (index < a + k) {
			sib[n++] = (struct range){a + k, b};
			b = a + k;
		} else {
			sib[n++] = (struct range){a, a + k};
			a = a + k;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct range *r = &sib[n - 1 - i];
		int rc = merkle_range_hash(r->a, r->b, fn, ctx, proof[i]);
		if (rc != 0)
			return rc;
	}
	*count = n;
	assert(n == merkle_inclusion_proof_len(index, size));
	return 0;
}

int merkle_consistency_prove(
    uint64_t old_size, uint64_t new_size, merkle_node_fn fn, void *ctx,
    uint8_t proof[MERKLE_PROOF_HASHES_MAX][MERKLE_HASH_BYTES], size_t *count)
{
	if (old_size == 0 || old_size > new_size)
		return ACC_EINVAL;
	if (old_size == new_size) {
		*count = 0;
		return 0;
	}
	/* SUBPROOF(m, D[a:b], flag) of RFC 9162 §2.1.4.1 unrolled: descend,
	 * collecting the sibling at each split; at the bottom (m = b - a)
	 * the range itself is emitted unless flag still holds (it is then
	 * the old root, which the verifier has). Output order is bottom
	 * first, then siblings from the deepest up. */
	struct range sib[MERKLE_LEVELS_MAX];
	unsigned n = 0;
	uint64_t a = 0, b = new_size, m = old_size;
	int flag = 1;
	while (m != b - a) {
		assert(n < MERKLE_LEVELS_MAX && m < b - a);
		uint64_t k = split_point(b - a);
		if (m <= k) {
			sib[n++] = (struct range){a + k, b};
			b = a + k;
		} else {
			sib[n++] = (struct range){a, a + k};
			m -= k;
			a += k;
			flag = 0;
		}
	}
	size_t out = 0;
	if (!flag) {
		int rc = merkle_range_hash(a, b, fn, ctx, proof[out]);
		if (rc != 0)
			return rc;
		out++;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct range *r = &sib[n - 1 - i];
		int rc = merkle_range_hash(r->a, r->b, fn, ctx, proof[out]);
		if (rc != 0)
			return rc;
		out++;
	}
	*count = out;
	assert(out == merkle_consistency_proof_len(old_size, new_size));
	return 0;
}

int merkle_inclusion_verify(uint64_t index, uint64_t size,
			    const uint8_t leaf_hash[MERKLE_HASH_BYTES],
			    const uint8_t (*proof)[MERKLE_HASH_BYTES],
			    size_t count, const uint8_t root[MERKLE_HASH_BYTES])
{
	if (index >= size)
		return ACC_EINVAL;
	/* A proof of the wrong length can never verify; say so before
	 * hashing anything (specs/merkle.md §4). */
	if (count != merkle_inclusion_proof_len(index, size))
		return ACC_EPROOF;
	if (count > 0 && proof == NULL)
		return ACC_EINVAL;
	/* RFC 9162 §2.1.3.2, step by step. */
	uint64_t fn = index, sn = size - 1;
	uint8_t r[MERKLE_HASH_BYTES];
	memcpy(r, leaf_hash, sizeof r);
	for (size_t i = 0; i < count; i++) {
		if (sn == 0)
			return ACC_EPROOF;
		if ((fn & 1u) || fn == sn) {
			merkle_node_hash(r, proof[i], r);
			if (!(fn & 1u)) {
				while (!(fn & 1u) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			merkle_node_hash(r, r, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return ACC_EPROOF;
	return memcmp(r, root, sizeof r) == 0 ? 0 : ACC_EPROOF;
}

/*
 * The shared part of RFC 9162 §2.1.4.2 for 0 < m < n: fold the proof
 * (with seed prepended when m is a power of two) into fr (the old root it
 * implies) and sr (the new root it implies).
 */
static int consistency_fold(uint64_t m, uint64_t n, const uint8_t *seed,
			    const uint8_t (*proof)[MERKLE_HASH_BYTES],
			    size_t count, uint8_t fr[MERKLE_HASH_BYTES],
			    uint8_t sr[MERKLE_HASH_BYTES])
{
	if (count != merkle_consistency_proof_len(m, n))
		return ACC_EPROOF;
	if (count > 0 && proof == NULL)
		return ACC_EINVAL;
	size_t i = 0;
	const uint8_t *first;
	if (m == (UINT64_C(1) << trailing_zeros(m))) {
		if (seed == NULL)
			return ACC_EINVAL;
		first = seed;
	} else {
		first = proof[i++];
	}
	uint64_t fn = m - 1, sn = n - 1;
	while (fn & 1u) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, first, MERKLE_HASH_BYTES);
	memcpy(sr, first, MERKLE_HASH_BYTES);
	for (; i < count; i++) {
		if (sn == 0)
			return ACC_EPROOF;
		if ((fn & 1u) || fn == sn) {
			merkle_node_hash(fr, proof[i], fr);
			merkle_node_hash(sr, proof[i], sr);
			if (!(fn & 1u)) {
				while (!(fn & 1u) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			merkle_node_hash(sr, sr, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 ? 0 : ACC_EPROOF;
}

int merkle_consistency_verify(uint64_t old_size, uint64_t new_size,
			      const uint8_t old_root[MERKLE_HASH_BYTES],
			      const uint8_t new_root[MERKLE_HASH_BYTES],
			      const uint8_t (*proof)[MERKLE_HASH_BYTES],
			      size_t count)
{
	if (old_size > new_size)
		return ACC_EINVAL;
	/* specs/merkle.md §5: nothing is consistent "from" the empty tree;
	 * transparency-dev's consistency/additional vectors demand it. */
	if (old_size == 0)
		return ACC_EPROOF;
	if (old_size == new_size) {
		if (count != 0)
			return ACC_EPROOF;
		return memcmp(old_root, new_root, MERKLE_HASH_BYTES) == 0
			   ? 0
			   : ACC_EPROOF;
	}
	uint8_t fr[MERKLE_HASH_BYTES], sr[MERKLE_HASH_BYTES];
	int rc = consistency_fold(old_size, new_size, old_root, proof, count,
				  fr, sr);
	if (rc != 0)
		return rc;
	if (memcmp(fr, old_root, sizeof fr) != 0 ||
	    memcmp(sr, new_root, sizeof sr) != 0)
		return ACC_EPROOF;
	return 0;
}

int merkle_consistency_old_root(uint64_t old_size, uint64_t new_size,
				const uint8_t new_root[MERKLE_HASH_BYTES],
				const uint8_t (*proof)[MERKLE_HASH_BYTES],
				size_t count,
				uint8_t old_root[MERKLE_HASH_BYTES])
{
	if (old_size == 0 || old_size >= new_size)
		return ACC_EINVAL;
	/* When old_size is a power of two the old root is the proof's
	 * implicit first element and cannot be derived (ACC_EINVAL). */
	uint8_t fr[MERKLE_HASH_BYTES], sr[MERKLE_HASH_BYTES];
	int rc =
	    consistency_fold(old_size, new_size, NULL, proof, count, fr, sr);
	if (rc != 0)
		return rc;
	if (memcmp(sr, new_root, sizeof sr) != 0)
		return ACC_EPROOF;
	memcpy(old_root, fr, sizeof fr);
	return 0;
}
