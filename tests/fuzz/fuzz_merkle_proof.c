/* fuzz_merkle_proof.c - untrusted sizes, indexes, roots and proof hashes
 * into both RFC 9162 verifiers (and the implied-old-root helper): they
 * must return 0 or an error and never crash, read out of bounds or loop
 * without bound, whatever the sizes (specs/merkle.md §5).
 *
 * Input layout (short inputs are zero-extended):
 *   u8  mode      bit 0: shrink sizes to small values (reach real shapes)
 *   u64 a         index / old size
 *   u64 b         size / new size
 *   u8  count     proof hashes claimed (may exceed what follows)
 *   32  h1        leaf hash / old root
 *   32  h2        root / new root
 *   ... proof hashes, 32 bytes each
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/error.h"
#include "common/merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		if (crypto_lib_init() != 0)
			abort();
		init = 1;
	}
	uint8_t head[1 + 8 + 8 + 1 + 32 + 32];
	memset(head, 0, sizeof head);
	memcpy(head, data, size < sizeof head ? size : sizeof head);
	const uint8_t *rest = size > sizeof head ? data + sizeof head : NULL;
	size_t rest_len = size > sizeof head ? size - sizeof head : 0;

	uint8_t mode = head[0];
	uint64_t a = be64_get(head + 1), b = be64_get(head + 9);
	if (mode & 1u) {
		a &= 0x3ff;
		b &= 0x3ff;
	}
	size_t claimed = head[17];
	const uint8_t *h1 = head + 18, *h2 = head + 50;

	/* The proof is a heap copy of exactly the hashes present, so ASan
	 * catches any read past them; the count passed may claim more only
	 * if the bytes are there. */
	size_t present = rest_len / 32;
	if (present > MERKLE_PROOF_HASHES_MAX)
		present = MERKLE_PROOF_HASHES_MAX;
	size_t count = claimed < present ? claimed : present;
	uint8_t(*proof)[32] = NULL;
	if (count > 0) {
		proof = malloc(count * 32);
		if (proof == NULL)
			return 0;
		memcpy(proof, rest, count * 32);
	}
	const uint8_t(*cp)[32] = (const uint8_t(*)[32])proof;

	int rc = merkle_inclusion_verify(a, b, h1, cp, count, h2);
	if (rc != 0 && rc != ACC_EPROOF && rc != ACC_EINVAL)
		abort();
	rc = merkle_consistency_verify(a, b, h1, h2, cp, count);
	if (rc != 0 && rc != ACC_EPROOF && rc != ACC_EINVAL)
		abort();
	uint8_t old_root[32];
	rc = merkle_consistency_old_root(a, b, h2, cp, count, old_root);
	if (rc != 0 && rc != ACC_EPROOF && rc != ACC_EINVAL)
		abort();
	/* Whatever the verifier accepts had the length §4 predicts. */
	if (merkle_inclusion_verify(a, b, h1, cp, count, h2) == 0 &&
	    count != merkle_inclusion_proof_len(a, b))
		abort();
	if (merkle_consistency_proof_len(a, b) > MERKLE_PROOF_HASHES_MAX)
		abort();
	free(proof);
	return 0;
}
