/* producer.h - block production with one validator: mempool → block →
 * the validator's own precommit certificate → commit (specs/node.md §3),
 * for a validator that commits alone; node_block_propose builds the
 * blocks the consensus driver proposes (node/driver.c, §7). */
#ifndef ACCORD_NODE_PRODUCER_H
#define ACCORD_NODE_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"

struct node;
struct producer;

/*
 * Check the genesis lets this node commit alone (it is the only
 * validator, or holds more than 2/3 of the power) — ACC_ECONFIG otherwise
 * — and set up the block timer on uv_loop (a uv_loop_t *, kept opaque so
 * that only node/ sources see libuv). Loop thread.
 */
int producer_check(const struct node *n, struct acc_err *err);
int producer_open(struct producer **out, struct node *n, void *uv_loop,
		  struct acc_err *err);

/* The mempool may have grown: arm the block timer. Loop thread; NULL-safe. */
void producer_kick(struct producer *p);

/* Stop the timer and free once libuv has closed it. NULL-safe. */
void producer_close(struct producer *p);

/*
 * Build, sign and durably commit one block from the oldest mempool
 * entries, then answer their waiters. Sets *count to the number of entries
 * committed (0 = the mempool held nothing committable and no block was
 * made). Synchronous; the timer calls it, and so do the tests.
 */
int node_block_produce(struct node *n, size_t *count, struct acc_err *err);

/*
 * Build the next block from the oldest mempool entries at time_ms without
 * signing or committing it (the consensus proposer, specs/node.md §7):
 * the same batch, replay and rule checks as node_block_produce, but an
 * empty mempool gives an empty block. *wire gets the block's wire form
 * (specs/encoding.md §8.3; heap, the caller frees), hash its hash, *count
 * its entries. Loop thread.
 */
int node_block_propose(struct node *n, uint64_t time_ms, uint8_t **wire,
		       size_t *wire_len, uint8_t hash[HASH_BYTES],
		       size_t *count, struct acc_err *err);

/*
 * Apply a block made elsewhere (specs/node.md §6): the wire form of
 * specs/encoding.md §8.3 and the certificate that commits it. Checks the
 * header against this node's head, both certificates against genesis,
 * every entry (entry_check), runs the rules on this node's own state and
 * commits in one synced transaction; all or nothing. Answers the waiters
 * of any of its entries that were pending here. Loop thread (or tests).
 * ACC_ECHAIN, ACC_ECERT, ACC_EBADSIG, ACC_ERULE, ACC_EMISMATCH, decode
 * and store errors.
 */
int node_block_apply(struct node *n, const uint8_t *block, size_t len,
		     const uint8_t *cert, size_t cert_len, struct acc_err *err);

/* The batching delay: the config's block_delay_ms, or the smaller of 5 ms
 * and the genesis block interval (specs/node.md §3). */
uint32_t node_block_delay_ms(const struct node *n);

#endif
