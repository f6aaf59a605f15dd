/* state.h - the derived state's KV interface (ledger/kv.h) over the
 * node's LMDB transactions (specs/storage.md, specs/compliance.md §3). */
#ifndef ACCORD_NODE_STATE_H
#define ACCORD_NODE_STATE_H

#include "common/kv.h"

struct store_rtxn;
struct store_wtxn;

/* A KV over the write transaction of a block being committed: get, put
 * and del; iter is refused (ACC_ESTATE: rules never scan). Valid while w
 * is. */
void store_kv_write(struct kv *kv, struct store_wtxn *w);

/* A read-only KV over a read transaction (a snapshot): get and iter; put
 * and del are refused (ACC_ESTATE). Valid while t is. */
void store_kv_read(struct kv *kv, struct store_rtxn *t);

#endif
