/* evidence.c - inclusion evidence kept and checked with no node
 * (specs/cli.md §7.1). Pure: bytes in, a verdict out; the files are read
 * and written by cmd_proof.c. */
#include "cli/evidence.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"

int evidence_proof_format(uint64_t index, uint64_t size,
			  const uint8_t leaf[HASH_BYTES],
			  const uint8_t root[HASH_BYTES],
			  const uint8_t (*proof)[MERKLE_HASH_BYTES],
			  size_t count, char **out, size_t *len)
{
	char lh[2 * HASH_BYTES + 1], rh[2 * HASH_BYTES + 1];
	*out = NULL;
	*len = 0;
	if (count > MERKLE_PROOF_HASHES_MAX)
		return ACC_ETOOBIG;
	/* Each hash is 64 digits, two quotes and a comma. */
	size_t cap = 256 + count * (2 * HASH_BYTES + 3);
	char *t = malloc(cap);
	if (t == NULL)
		return ACC_ENOMEM;
	hex_encode(lh, leaf, HASH_BYTES);
	hex_encode(rh, root, HASH_BYTES);
	size_t o = (size_t)snprintf(
	    t, cap,
	    "{\"index\":%llu,\"tree_size\":%llu,\"leaf_hash\":\"%s\","
	    "\"root\":\"%s\",\"proof\":[",
	    (unsigned long long)index, (unsigned long long)size, lh, rh);
	for (size_t i = 0; i < count; i++) {
		hex_encode(lh, proof[i], HASH_BYTES);
		o += (size_t)snprintf(t + o, cap - o, "%s\"%s\"", i ? "," : "",
				      lh);
	}
	o += (size_t)snprintf(t + o, cap - o, "]}\n");
	*out = t;
	*len = o;
	return 0;
}

/* genesis.hash: exactly g's hash in lower-case hex and a newline. */
static int genesis_hash_check(const struct genesis *g,
			      const struct incl_evidence *ev,
			      struct acc_err *err)
{
	char want[2 * HASH_BYTES + 2];
	hex_encode(want, g->hash, HASH_BYTES);
	want[2 * HASH_BYTES] = '\n';
	want[2 * HASH_BYTES + 1] = '\0';
	if (ev->genesis_hash_len == sizeof want - 1 &&
	    memcmp(ev->genesis_hash, want, sizeof want - 1) == 0)
		return 0;
	if (ev->genesis_hash_len >= 2 * HASH_BYTES &&
	    memcmp(ev->genesis_hash, want, 2 * HASH_BYTES) == 0)
		return acc_err_set(err, ACC_EDECODE,
				   EVIDENCE_GENESIS ": not exactly 64 hex "
						    "digits and a newline");
	return acc_err_set(err, ACC_EMISMATCH,
			   EVIDENCE_GENESIS ": the evidence names genesis "
					    "\"%.64s\", the genesis file's "
					    "hash is %.64s",
			   ev->genesis_hash_len >= 2 * HASH_BYTES
			       ? ev->genesis_hash
			       : "(too short)",
			   want);
}

/*
 * The note: checkpoint_verify, then strictness so that no byte of the file
 * can change and the evidence still pass: every signature line is a
 * validator's cosignature that verified (none ignored, none twice) and its
 * base64 is canonical.
 */
static int note_check(const struct genesis *g, const struct incl_evidence *ev,
		      struct checkpoint_verdict *cv, struct acc_err *err)
{
	struct acc_err e = {0};
	int rc = checkpoint_verify(g, ev->note, ev->note_len, cv, &e);
	if (rc != 0)
		return acc_err_set(err, rc, EVIDENCE_NOTE ": %s", e.msg);
	struct note *n = malloc(sizeof *n);
	if (n == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	rc = note_parse(n, ev->note, ev->note_len, &e);
	if (rc == 0 && n->sig_count != cv->signers)
		rc = acc_err_set(&e, ACC_EBADSIG,
				 "%zu signature lines, %zu of them validators' "
				 "cosignatures that verify",
				 n->sig_count, cv->signers);
	for (size_t i = 0; rc == 0 && i < n->sig_count; i++) {
		char b64[NOTE_SIG_B64_BYTES_MAX + 1],
		    again[NOTE_SIG_B64_BYTES_MAX + 8];
		uint8_t raw[NOTE_SIG_B64_BYTES_MAX];
		size_t len = n->sigs[i].b64_len, got = 0;
		if (len > NOTE_SIG_B64_BYTES_MAX) {
			rc = acc_err_set(&e, ACC_EDECODE, "line %zu too long",
					 i + 1);
			break;
		}
		memcpy(b64, n->sigs[i].b64, len);
		b64[len] = '\0';
		if (base64_decode(raw, sizeof raw, &got, b64) != 0 ||
		    base64_encoded_len(got) > sizeof again) {
			rc = acc_err_set(&e, ACC_EDECODE,
					 "signature line %zu: bad base64",
					 i + 1);
			break;
		}
		base64_encode(again, sizeof again, raw, got);
		if (strcmp(again, b64) != 0)
			rc = acc_err_set(&e, ACC_EDECODE,
					 "signature line %zu: base64 not in "
					 "its canonical form",
					 i + 1);
	}
	free(n);
	if (rc != 0)
		return acc_err_set(err, rc, EVIDENCE_NOTE ": %s", e.msg);
	return 0;
}

/* proof.json: parse, then it must be exactly its canonical form. */
static int proof_read(const struct incl_evidence *ev, uint64_t *index,
		      uint64_t *size, uint8_t leaf[HASH_BYTES],
		      uint8_t root[HASH_BYTES],
		      uint8_t (*proof)[MERKLE_HASH_BYTES], size_t *count,
		      struct acc_err *err)
{
	json_error_t je;
	if (ev->proof_len > EVIDENCE_PROOF_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG,
				   EVIDENCE_PROOF ": over %u bytes",
				   EVIDENCE_PROOF_BYTES_MAX);
	json_t *j =
	    json_loadb(ev->proof, ev->proof_len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		return acc_err_set(err, ACC_EJSON, EVIDENCE_PROOF ": %s",
				   je.text);
	int rc = 0;
	const json_t *ji = json_object_get(j, "index"),
		     *js = json_object_get(j, "tree_size"),
		     *jp = json_object_get(j, "proof");
	const char *lh = json_string_value(json_object_get(j, "leaf_hash"));
	const char *rh = json_string_value(json_object_get(j, "root"));
	if (!json_is_integer(ji) || json_integer_value(ji) < 0 ||
	    !json_is_integer(js) || json_integer_value(js) < 0 || lh == NULL ||
	    rh == NULL || strlen(lh) != 2 * HASH_BYTES ||
	    strlen(rh) != 2 * HASH_BYTES || hex_decode(leaf, HASH_BYTES, lh) ||
	    hex_decode(root, HASH_BYTES, rh) || !json_is_array(jp) ||
	    json_array_size(jp) > MERKLE_PROOF_HASHES_MAX) {
		rc = acc_err_set(err, ACC_EDECODE,
				 EVIDENCE_PROOF ": not an inclusion proof "
						"(index, tree_size, leaf_hash, "
						"root, proof)");
		goto out;
	}
	*index = (uint64_t)json_integer_value(ji);
	*size = (uint64_t)json_integer_value(js);
	*count = json_array_size(jp);
	for (size_t i = 0; i < *count; i++) {
		const char *h = json_string_value(json_array_get(jp, i));
		if (h == NULL || strlen(h) != 2 * HASH_BYTES ||
		    hex_decode(proof[i], HASH_BYTES, h) != 0) {
			rc = acc_err_set(err, ACC_EDECODE,
					 EVIDENCE_PROOF ": proof[%zu] is not "
							"a hash",
					 i);
			goto out;
		}
	}
	char *canon = NULL;
	size_t clen = 0;
	rc = evidence_proof_format(*index, *size, leaf, root,
				   (const uint8_t(*)[MERKLE_HASH_BYTES])proof,
				   *count, &canon, &clen);
	if (rc != 0) {
		rc = acc_err_set(err, rc, EVIDENCE_PROOF ": %s",
				 acc_strerror(rc));
		goto out;
	}
	if (clen != ev->proof_len || memcmp(canon, ev->proof, clen) != 0)
		rc = acc_err_set(err, ACC_EDECODE,
				 EVIDENCE_PROOF ": not in its canonical form "
						"(one line, members in order, "
						"lower-case hex)");
	free(canon);
out:
	json_decref(j);
	return rc;
}

int evidence_check(const struct genesis *g, const struct incl_evidence *ev,
		   struct evidence_verdict *v, struct acc_err *err)
{
	uint8_t root[HASH_BYTES], got[HASH_BYTES];
	uint64_t size = 0;
	int rc;
	memset(v, 0, sizeof *v);
	if ((rc = genesis_hash_check(g, ev, err)) != 0 ||
	    (rc = note_check(g, ev, &v->cp, err)) != 0)
		return rc;
	uint8_t(*proof)[MERKLE_HASH_BYTES] =
	    malloc(MERKLE_PROOF_HASHES_MAX * sizeof *proof);
	if (proof == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	if ((rc = proof_read(ev, &v->index, &size, v->leaf, root, proof,
			     &v->proof_hashes, err)) != 0)
		goto out;
	/* The proof leads to the root the validators cosigned. */
	if (size != v->cp.cp.size ||
	    memcmp(root, v->cp.cp.root, HASH_BYTES) != 0) {
		rc = acc_err_set(err, ACC_EMISMATCH,
				 EVIDENCE_PROOF ": the proof is for the tree "
						"of size %llu, the checkpoint "
						"cosigns size %llu and another "
						"root",
				 (unsigned long long)size,
				 (unsigned long long)v->cp.cp.size);
		goto out;
	}
	merkle_leaf_hash(got, ev->entry, ev->entry_len);
	if (memcmp(got, v->leaf, HASH_BYTES) != 0) {
		rc = acc_err_set(err, ACC_EMISMATCH,
				 EVIDENCE_ENTRY ": its bytes do not hash to "
						"the proven leaf");
		goto out;
	}
	rc = merkle_inclusion_verify(v->index, size, v->leaf,
				     (const uint8_t(*)[MERKLE_HASH_BYTES])proof,
				     v->proof_hashes, root);
	if (rc != 0) {
		rc =
		    acc_err_set(err, ACC_EPROOF,
				EVIDENCE_PROOF ": the proof of %zu hashes does "
					       "not lead from leaf %llu to the "
					       "cosigned root of size %llu",
				v->proof_hashes, (unsigned long long)v->index,
				(unsigned long long)size);
		goto out;
	}
	struct entry e;
	struct acc_err ee = {0};
	rc = entry_check(ev->entry, ev->entry_len, g, &e, &ee);
	if (rc != 0) {
		rc = acc_err_set(err, rc, EVIDENCE_ENTRY ": %s", ee.msg);
		goto out;
	}
	v->kind = e.kind;
	entry_free(&e);
out:
	free(proof);
	return rc;
}
