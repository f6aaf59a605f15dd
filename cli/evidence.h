/* evidence.h - saved evidence that an entry is in a consortium's log (a
 * cosigned checkpoint, an RFC 9162 inclusion proof, the entry's bytes and
 * the genesis hash), checked later from the genesis file alone, with no
 * node (specs/cli.md §7.1). */
#ifndef ACCORD_CLI_EVIDENCE_H
#define ACCORD_CLI_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/merkle.h"
#include "ledger/checkpoint.h"

struct genesis;

/* The files of an evidence directory (specs/cli.md §7.1). */
#define EVIDENCE_NOTE "checkpoint.note"
#define EVIDENCE_PROOF "proof.json"
#define EVIDENCE_ENTRY "entry.bin"
#define EVIDENCE_GENESIS "genesis.hash"
/* proof.json: its members and at most MERKLE_PROOF_HASHES_MAX hashes. */
#define EVIDENCE_PROOF_BYTES_MAX (16u * 1024u)

/* The four files' bytes, borrowed for the call. */
struct incl_evidence {
	const char *note;
	size_t note_len;
	const char *proof;
	size_t proof_len;
	const uint8_t *entry;
	size_t entry_len;
	const char *genesis_hash;
	size_t genesis_hash_len;
};

/* What a check established. Plain value. */
struct evidence_verdict {
	struct checkpoint_verdict cp; /* who cosigned which size and root */
	uint64_t index;		      /* the entry's log index */
	uint8_t leaf[HASH_BYTES];     /* its id */
	size_t proof_hashes;
	int kind; /* the entry's kind (enum entry_kind) */
};

/*
 * Write the canonical proof.json for an inclusion proof into a new
 * NUL-terminated buffer (*out, free()): one line
 * {"index":I,"tree_size":N,"leaf_hash":HEX,"root":HEX,"proof":[HEX,…]}
 * and a newline. ACC_ENOMEM, ACC_ETOOBIG (count over the bound).
 */
int evidence_proof_format(uint64_t index, uint64_t size,
			  const uint8_t leaf[HASH_BYTES],
			  const uint8_t root[HASH_BYTES],
			  const uint8_t (*proof)[MERKLE_HASH_BYTES],
			  size_t count, char **out, size_t *len);

/*
 * Check evidence against genesis g (specs/cli.md §7.1), every file byte
 * for byte: genesis.hash is g's hash as 64 lower-case hex digits and a
 * newline (ACC_EMISMATCH: another consortium); the note is a checkpoint
 * of g's chain cosigned by more than 2/3 of the validators' power, every
 * one of its lines a validator's cosignature that verifies, in canonical
 * base64 (checkpoint_verify's errors; ACC_EBADSIG for a line that is not
 * a validator's); proof.json is canonical (evidence_proof_format) and its
 * size and root are the checkpoint's (ACC_EMISMATCH); the entry's bytes
 * hash to its leaf (ACC_EMISMATCH); the proof verifies (ACC_EPROOF); the
 * entry passes entry_check against g. err says which file failed and why.
 */
int evidence_check(const struct genesis *g, const struct incl_evidence *ev,
		   struct evidence_verdict *v, struct acc_err *err);

#endif
