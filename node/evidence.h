/* evidence.h - evidence entries of conflicting proposals, built from the
 * consensus core's CONS_ACT_EVIDENCE (specs/node.md §7.8,
 * specs/encoding.md §5.8 proposal form); and, for the test-only
 * equivocating build, the conflicting twin of a proposed block. */
#ifndef ACCORD_NODE_EVIDENCE_H
#define ACCORD_NODE_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct node;
struct cons_msg;
struct key;

/*
 * The evidence entry (specs/encoding.md §5.8) of form (enum
 * evidence_form) against first's validator, carrying first then second
 * as they are (the caller puts them in the order §5.8 says, so that one
 * equivocation has one encoding), dated by the node's clock and signed by
 * this node's validator key. The driver's vote evidence and
 * evidence_proposals_entry both make theirs here. *bytes is heap
 * (free()). ACC_EINVAL if first's validator is not in the genesis;
 * entry_sign and entry_encode errors.
 */
int evidence_entry_encode(struct node *n, int form,
			  const struct cons_msg *first,
			  const struct cons_msg *second, uint8_t **bytes,
			  size_t *len, struct acc_err *err);

/*
 * The evidence entry (specs/encoding.md §5.8, proposal form) for two
 * conflicting proposals m1, m2 of one proposer (one height and round,
 * another block or valid round), the two in ascending order of their
 * sign bytes, signed by this node's validator key at the node's clock.
 * *bytes is heap (free()). ACC_EINVAL if the proposals are not such a
 * pair; entry_sign and entry_encode errors.
 */
int evidence_proposals_entry(struct node *n, const struct cons_msg *m1,
			     const struct cons_msg *m2, uint8_t **bytes,
			     size_t *len, struct acc_err *err);

/*
 * TEST ONLY (build/bin/accordd-equivocate with ACCORD_EQUIVOCATE=proposals,
 * never called by a deployed node): the wire form of a block like wire
 * (specs/wire.md, the header first as a var16) whose header's time is one
 * millisecond later, so its hash differs, and a proposal m signed by k
 * for it under chain_id: a conflicting proposal for the same height and
 * round. *twin_wire is heap (free()); twin gets m with the new hash and
 * signature. ACC_EDECODE if wire has no header; encoding and signing
 * errors.
 */
int evidence_twin_proposal(const struct cons_msg *m, const uint8_t *wire,
			   size_t len, const struct key *k,
			   const char *chain_id, struct cons_msg *twin,
			   uint8_t **twin_wire, size_t *twin_len,
			   struct acc_err *err);

#endif
