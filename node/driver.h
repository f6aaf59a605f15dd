/* driver.h - the node on the peer network (specs/node.md §7): the p2p
 * transport, the consensus core driven from peer messages, timers and the
 * mempool, entry gossip, status exchange and block catch-up. Loop thread
 * only; the HTTP threads see its state through node.net (node.h). */
#ifndef ACCORD_NODE_DRIVER_H
#define ACCORD_NODE_DRIVER_H

#include <stdint.h>
#include <uv.h>

#include <stddef.h>

#include "common/error.h"

struct node;
struct driver;

/* Whether this node runs the driver: it has peers, or it cannot commit
 * alone (specs/node.md §2 step 3). */
int driver_wanted(const struct node *n);

/* Open the transport and, for a validator that cannot commit alone, the
 * consensus core at the head + 1 with the signing record read from disk.
 * 0, ACC_ECONFIG, ACC_EIO, ACC_ENOMEM, store errors. */
int driver_open(struct driver **out, struct node *n, uv_loop_t *loop,
		struct acc_err *err);

/* The mempool grew: gossip new local entries, wake a waiting proposer.
 * NULL-safe. */
void driver_kick(struct driver *d);

/* Stop timers, close the transport; d is freed once every handle is
 * closed (the loop must keep running until then). NULL-safe. */
void driver_close(struct driver *d);

/* The wall clock this node's consensus uses: node_wall_ms plus the
 * config's test-only clock_skew_ms. */
uint64_t driver_clock_ms(const struct node *n);

/*
 * Proposer-based time (specs/consensus.md "Block time"): whether a fresh
 * proposal's time_ms is timely at local time now_ms in round: within
 * [now - PRECISION - MSGDELAY(round), now + PRECISION]. Pure.
 */
int driver_time_timely(uint64_t time_ms, uint64_t now_ms, uint32_t round);

struct cons_msg;

/*
 * The evidence entry (specs/encoding.md §5.8) for two conflicting votes
 * m1, m2 of one validator (one type, height and round), signed by this
 * node's validator key at the node's clock. *bytes is heap (free()).
 * ACC_EINVAL if the votes are not such a pair; entry_sign and
 * entry_encode errors.
 */
int driver_evidence_entry(struct node *n, const struct cons_msg *m1,
			  const struct cons_msg *m2, uint8_t **bytes,
			  size_t *len, struct acc_err *err);

/* Bounds of proposer-based time (specs/consensus.md "Block time"). */
#define DRIVER_PRECISION_MS 500u
#define DRIVER_MSGDELAY_MS 3000u

#endif
