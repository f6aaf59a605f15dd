/* evidence.c - evidence entries of conflicting proposals (specs/node.md
 * §7.8, specs/encoding.md §5.8). */
#include "node/evidence.h"

#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/vote.h"
#include "consensus/msg.h"
#include "ledger/block.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "node/driver.h"
#include "node/node.h"

int evidence_entry_encode(struct node *n, int form,
			  const struct cons_msg *first,
			  const struct cons_msg *second, uint8_t **bytes,
			  size_t *len, struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	const struct cons_msg *v[2] = {first, second};
	struct entry e;
	if (first->validator >= g->validator_count)
		return acc_err_set(err, ACC_EINVAL,
				   "evidence against no validator");
	memset(&e, 0, sizeof e);
	e.version = ENTRY_VERSION;
	e.kind = ENTRY_EVIDENCE;
	e.time = driver_clock_ms(n) / 1000u;
	memcpy(e.evidence.validator, g->validators[first->validator].key,
	       PUBKEY_BYTES);
	e.evidence.form = form;
	for (size_t i = 0; i < 2; i++) {
		if (form == EVIDENCE_PROPOSALS) {
			struct evidence_proposal *p = &e.evidence.proposals[i];
			p->height = v[i]->height;
			p->round = v[i]->round;
			p->valid_round = v[i]->valid_round;
			memcpy(p->block_hash, v[i]->hash, HASH_BYTES);
			memcpy(p->sig, v[i]->sig, SIG_BYTES);
		} else {
			struct evidence_vote *ev = &e.evidence.votes[i];
			ev->type = v[i]->type;
			ev->height = v[i]->height;
			ev->round = v[i]->round;
			memcpy(ev->block_hash, v[i]->hash, HASH_BYTES);
			memcpy(ev->sig, v[i]->sig, SIG_BYTES);
		}
	}
	int rc = entry_sign(&e, &n->key.key, g->chain_id, err);
	if (rc == 0)
		rc = entry_encode(&e, bytes, len, err);
	entry_free(&e);
	return rc;
}

int evidence_proposals_entry(struct node *n, const struct cons_msg *m1,
			     const struct cons_msg *m2, uint8_t **bytes,
			     size_t *len, struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	uint8_t p1[PROPOSAL_PAYLOAD_BYTES], p2[PROPOSAL_PAYLOAD_BYTES];
	if (m1->type != CONS_MSG_PROPOSAL || m2->type != CONS_MSG_PROPOSAL ||
	    m1->validator != m2->validator ||
	    m1->validator >= g->validator_count || m1->height != m2->height ||
	    m1->round != m2->round)
		return acc_err_set(err, ACC_EINVAL,
				   "evidence needs two proposals of one round "
				   "by one proposer");
	proposal_payload(p1, m1->height, m1->round, m1->valid_round, m1->hash);
	proposal_payload(p2, m2->height, m2->round, m2->valid_round, m2->hash);
	int order = memcmp(p1, p2, sizeof p1);
	if (order == 0)
		return acc_err_set(err, ACC_EINVAL,
				   "the same proposal twice is no evidence");
	/* §5.8: ascending sign bytes, one encoding per equivocation. */
	return order < 0
		   ? evidence_entry_encode(n, EVIDENCE_PROPOSALS, m1, m2, bytes,
					   len, err)
		   : evidence_entry_encode(n, EVIDENCE_PROPOSALS, m2, m1, bytes,
					   len, err);
}

int evidence_twin_proposal(const struct cons_msg *m, const uint8_t *wire,
			   size_t len, const struct key *k,
			   const char *chain_id, struct cons_msg *twin,
			   uint8_t **twin_wire, size_t *twin_len,
			   struct acc_err *err)
{
	struct block_header h;
	uint8_t hb[BLOCK_HEADER_BYTES_MAX];
	size_t hl;
	*twin_wire = NULL;
	*twin_len = 0;
	if (len < 2 || 2u + be16_get(wire) > len)
		return acc_err_set(err, ACC_EDECODE, "block without a header");
	size_t old = be16_get(wire);
	int rc = block_header_decode(&h, wire + 2, old, err);
	if (rc != 0)
		return rc;
	h.time_ms++;
	rc = block_header_encode(&h, hb, &hl, err);
	if (rc != 0)
		return rc;
	if (hl > 0xffffu)
		return acc_err_set(err, ACC_EINVAL, "header of %zu bytes", hl);
	uint8_t *out = malloc(2 + hl + (len - 2 - old));
	if (out == NULL)
		return acc_err_set(err, ACC_ENOMEM, "twin block");
	be16_put(out, (uint16_t)hl);
	memcpy(out + 2, hb, hl);
	memcpy(out + 2 + hl, wire + 2 + old, len - 2 - old);
	*twin = *m;
	block_hash(hb, hl, twin->hash);
	rc = proposal_sign(twin->sig, k, chain_id, twin->height, twin->round,
			   twin->valid_round, twin->hash);
	if (rc != 0) {
		free(out);
		return acc_err_set(err, rc, "signing the twin proposal");
	}
	*twin_wire = out;
	*twin_len = 2 + hl + (len - 2 - old);
	return 0;
}
