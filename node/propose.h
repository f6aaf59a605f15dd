/* propose.h - a proposed block judged and a decided block committed, for
 * the consensus driver (specs/node.md §7.3-§7.4). Loop thread. */
#ifndef ACCORD_NODE_PROPOSE_H
#define ACCORD_NODE_PROPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"

struct node;

/*
 * The validity of a proposed block (the wire form, specs/encoding.md
 * §8.3) as the next block after this node's head: what node_block_apply
 * checks except the block's own certificate, with the rules on an
 * overlay that is dropped. hash, if not NULL, is the hash the proposal
 * names. An entry already in this node's mempool with identical bytes is
 * not verified again (its signatures were checked on admission).
 * *time_ms gets the block's time. 0, or the first reason it is invalid:
 * ACC_EDECODE, ACC_EMISMATCH (hash, log root, log size), ACC_ECHAIN,
 * ACC_ECERT, ACC_EBADSIG, ACC_EDUP, ACC_ERULE, ...; err says which.
 */
int node_block_check(struct node *n, const uint8_t *block, size_t len,
		     const uint8_t hash[HASH_BYTES], uint64_t *time_ms,
		     struct acc_err *err);

/*
 * Commit a block this node checked with node_block_check (on the same
 * head) and the certificate consensus decided it with, in one synced
 * transaction; the rules run again inside it. Entries pending here leave
 * the mempool and their waiters are answered. Errors of
 * store_block_commit and of the rules.
 */
int node_block_commit_decided(struct node *n, const uint8_t *block, size_t len,
			      const uint8_t *cert, size_t cert_len,
			      struct acc_err *err);

#endif
