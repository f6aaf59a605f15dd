/* cosign.h - checkpoints cosigned by a quorum of validators
 * (specs/checkpoint.md §6, specs/node.md §7.9): each validator cosigns
 * the checkpoint of each head it commits and sends the cosignature to
 * its peers; every node collects them for its own head, verifies each,
 * and publishes the note once more than 2/3 of the power cosigned it.
 * Loop thread; the note is published in node.cp_note under node.mu. */
#ifndef ACCORD_NODE_COSIGN_H
#define ACCORD_NODE_COSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "ledger/checkpoint.h"

struct node;
struct node_head;
struct cosign;

int cosign_open(struct cosign **out, struct node *n);
void cosign_free(struct cosign *c); /* NULL-safe */

/*
 * The node's head changed to head: start the table for its checkpoint
 * (text of chain id, log size and root; time = the head block's time in
 * seconds). A validator (self >= 0) cosigns it: *mine gets its
 * cosignature bytes (key id ‖ time ‖ signature) and the call returns 1;
 * else 0. Cosignatures held for this height are verified and counted.
 */
int cosign_head(struct cosign *c, const struct node_head *head, int self,
		uint8_t mine[COSIG_BYTES]);

/*
 * A peer's cosignature by validator for the checkpoint of height. For
 * the current head it is verified now (ACC_EBADSIG if it does not verify
 * or its time is not the head block's); one height ahead it is held
 * until this node commits that height; otherwise ignored. 0 or an error.
 */
int cosign_add(struct cosign *c, uint64_t height, uint16_t validator,
	       const uint8_t raw[COSIG_BYTES]);

#endif
