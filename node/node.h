/* node.h - one accord node: genesis, key, store, mempool, commit waiters,
 * block producer, HTTP server and the libuv loop that drives them
 * (specs/node.md). */
#ifndef ACCORD_NODE_NODE_H
#define ACCORD_NODE_NODE_H

#include <pthread.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/keyfile.h"
#include "node/config.h"
#include "node/health.h"
#include "node/mempool.h"
#include "node/metrics.h"

struct genesis;
struct store;
struct http_server;
struct producer;
struct node_loop;
struct driver;

/* How long a ?wait=commit request may stay parked (specs/api.md). */
#define NODE_WAIT_MS 30000u

/*
 * A request parked on ?wait=commit. The HTTP server owns the memory (it
 * lives in the request's context); the node links it into its waiter list
 * under n->mu from admission until it is resolved, and never touches it
 * after resolving. All fields are read and written under n->mu.
 */
struct waiter {
	struct waiter *prev, *next; /* node's list, oldest first */
	struct mempool_item *item;  /* the pending entry, until resolved */
	uint64_t deadline_ms;       /* monotonic */
	/* Called under n->mu when resolved if suspended is set: the server
	 * resumes the parked request. */
	void (*resume)(struct waiter *w);
	void *ctx;     /* the server's connection */
	int suspended; /* the server parked the request */
	int done;      /* resolved: rc, index, height are final */
	int rc;        /* 0 = committed, else the error to answer */
	char msg[ACC_ERRMSG_BYTES_MAX]; /* rc's detail; "" = acc_strerror */
	uint64_t index;
	uint64_t height;
	uint8_t id[HASH_BYTES];
};

/* A summary of the head, cached so status and producer need no read txn. */
struct node_head {
	uint64_t height;   /* 0 = no block yet */
	uint64_t log_size; /* entries in the log */
	uint64_t time_ms;  /* of the head block */
	uint8_t hash[HASH_BYTES];
	uint8_t log_root[HASH_BYTES];
};

/* One peer as the status page shows it (specs/api.md "GET /v1/status"). */
struct node_peer_view {
	uint8_t key[PUBKEY_BYTES];
	int validator; /* genesis index, or -1 for a follower */
	int connected;
	int has_status; /* height and log_size are known */
	uint64_t height, log_size;
	uint64_t last_seen_ms; /* wall clock of its last message; 0 never */
};

/* The network side of the node, published by the loop for the HTTP
 * threads (guarded by node.mu). */
struct node_net_view {
	int enabled;   /* peers are configured: the driver runs */
	int consensus; /* this node votes */
	int syncing;   /* catching up: more than 2 heights behind */
	uint64_t cons_height;
	uint32_t round;
	int step; /* enum cons_step; 0 when not voting */
	size_t peer_count;
	struct node_peer_view peers[PEERS_MAX];
	/* Consensus timing, over the heights this node decided. */
	uint64_t heights_decided, height_ms_sum, rounds_sum;
	uint64_t last_height_ms;
	uint32_t last_rounds;
	uint64_t proposals_untimely, msgs_dropped_full;
};

struct node {
	struct node_config cfg;
	struct genesis *genesis; /* owned */
	struct keyfile key;   /* the validator's key; owned */
	struct store *store;  /* owned */
	struct metrics metrics;
	struct node_health health; /* storage failure state; own lock */

	/* Everything below up to the loop is guarded by mu. */
	pthread_mutex_t mu;
	struct mempool mempool;
	struct waiter *waiters_head, *waiters_tail;
	size_t waiters;
	int stopping; /* shutting down: no new waiters */
	struct node_head head;
	struct node_net_view net;
	/* The latest checkpoint note cosigned by more than 2/3 of the power
	 * (specs/node.md §7.9); heap, NULL before the first. */
	char *cp_note;
	size_t cp_note_len;
	uint64_t cp_note_height;

	/* Loop-side state; only touched by the loop thread. */
	struct node_loop *loop;     /* NULL until node_run */
	struct producer *producer; /* block production, loop thread only */
	struct driver *driver;     /* peers and consensus, loop thread only */
	struct http_server *http;
};

/* The admission result of one submitted entry. */
struct admit_result {
	uint8_t id[HASH_BYTES];
	size_t entry_len;
};

/*
 * Load genesis and key, open the store and check it belongs to this
 * genesis (specs/node.md §2). n is caller memory; on failure everything
 * acquired is released. The loop and server are not started.
 */
int node_open(struct node *n, const struct node_config *cfg,
	      struct acc_err *err);

/*
 * `accordd --check-config` (specs/node.md §1): everything node_open checks
 * before it starts anything, without writing: genesis, key file (mode and
 * role), peers, and the data directory (missing is fine; existing, it
 * must be a directory this user may write, and a store in it must record
 * this genesis, opened read only). 0 with a one-line summary, or the
 * error node_open would give.
 */
int node_config_check(const struct node_config *cfg, char *summary,
		      size_t summary_len, struct acc_err *err);

/* Whether this node commits alone with the one-validator producer
 * (specs/node.md §3): a validator holding more than 2/3 of the power.
 * Otherwise blocks are decided by consensus over peers (§7). */
int node_solo(const struct node *n);

/* Release everything node_open acquired. Safe after a failed open. */
void node_close(struct node *n);

/*
 * Admit one submitted entry (specs/api.md "POST /v1/entries"):
 * content_type selects JSON ("application/json", or NULL) or the raw signed
 * bytes ("application/octet-stream"); the entry is decoded, checked against
 * genesis, checked for replay against the log and the mempool, and added to
 * the mempool. With w non-NULL the request is linked as a commit waiter in
 * the same critical section. Nothing is stored or queued on error. Any
 * thread. 0 or the error (ACC_EDUP, ACC_EFULL, decoding and check errors).
 */
int node_admit(struct node *n, const char *content_type, const uint8_t *body,
	       size_t len, struct waiter *w, struct admit_result *out,
	       struct acc_err *err);

/* Admit an entry a peer gossiped (its signed bytes): the checks of
 * node_admit; the entry is marked as from a peer so that it is never
 * gossiped on (specs/node.md §7.5). Unlike node_admit it does not wake
 * the loop: the caller does, once for a batch (node_wake). Any thread. */
int node_admit_peer(struct node *n, const uint8_t *bytes, size_t len,
		    struct acc_err *err);

/*
 * Called by the block producer (loop thread) once a block is durably
 * committed: remove its entries from the mempool and answer their waiters.
 * items are the block's entries in order; first_index is the log index of
 * items[0].
 */
void node_block_committed(struct node *n, struct mempool_item **items,
			  size_t count, uint64_t first_index, uint64_t height,
			  const struct node_head *head);

/* The same for a block made elsewhere (node_block_apply): ids are its
 * entries; those pending here leave the mempool, their waiters answered. */
void node_block_followed(struct node *n, const uint8_t (*ids)[HASH_BYTES],
			 size_t count, uint64_t first_index, uint64_t height,
			 const struct node_head *head);

/* Resolve w with rc under n->mu (held by the caller). */
void node_waiter_resolve_locked(struct node *n, struct waiter *w, int rc);
/* Resolve w with the error rc and its detail msg (copied); n->mu held. */
void node_waiter_fail_locked(struct node *n, struct waiter *w, int rc,
			     const char *msg);
/* Unlink w if still linked (the server drops a request). Takes n->mu. */
void node_waiter_drop(struct node *n, struct waiter *w);

/* Whether entry id is in the log; *index gets its log index. 0,
 * ACC_ENOTFOUND, or a store error. Any thread (own read transaction). */
int node_log_find(struct node *n, const uint8_t id[HASH_BYTES],
		  uint64_t *index, struct acc_err *err);

/* Monotonic milliseconds. */
uint64_t node_now_ms(void);
/* Wall-clock milliseconds since the Unix epoch. */
uint64_t node_wall_ms(void);
/* This node's clock: node_wall_ms plus the config's test-only
 * clock_skew_ms (specs/node.md §1). What block times and admission are
 * judged by. */
uint64_t node_clock_ms(const struct node *n);

/* Run the loop and the HTTP server until SIGINT/SIGTERM or node_stop.
 * 0 or an error that stopped the node. */
int node_run(struct node *n, struct acc_err *err);
/* Ask a running node to stop; any thread (async-signal-safe it is not). */
void node_stop(struct node *n);
/* Tell the loop the mempool grew; any thread. */
void node_wake(struct node *n);

#endif
