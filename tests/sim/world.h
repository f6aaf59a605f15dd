/* world.h - the simulator's insides, shared by world.c (nodes, network,
 * disk, clock, the run), check.c (the checkers) and byz.c (the Byzantine
 * validators and attacks); specs/consensus.md, "Simulator". Not a public
 * interface: every function here works on the one struct world of a run. */
#ifndef ACCORD_TESTS_SIM_WORLD_H
#define ACCORD_TESTS_SIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "consensus/cons.h"
#include "consensus/msg.h"
#include "consensus/sync.h"
#include "tests/sim/sim.h"

#define CHAIN_ID "accord-sim"
#define EVENTS_MAX 4000000u  /* a run that needs more is stuck */
#define LIVE_BOUND_MS 90000u /* after the heal, time to make progress */
#define TICK_MS 400u	     /* gossip period of each node */
#define WRITES_MAX 16u	     /* signing-state writes in flight */
#define PAIRS 1024u	     /* Byzantine proposals remembered */
#define CHAIN_SYNC_MS 300u   /* a stored block is synced within this */
#define LATENT_MAX 8u	     /* latent polkas the coalition keeps */
/* Catch-up (specs/node.md §7.7) with the node's rule (consensus/sync.c)
 * and vote gap, its times scaled to the simulator's shorter rounds. */
#define SIM_SYNC_LAG_MS 200u
#define SIM_SYNC_TIMEOUT_MS 1000u
#define SIM_SYNC_DISTRUST_MS 4000u
#define SIM_SYNC_BATCH 16u
#define CANDS_MAX 32u /* candidate blocks a node holds */

enum {
	BYZ_NONE,
	BYZ_EQUIVOCATE,
	BYZ_RANDOM,
	BYZ_SILENT,
	BYZ_COALITION,
	BYZ_FORGER
};

/* Values are tagged by who made them (the counter in value_make): the
 * checkers refuse a correct node's vote for, or commit of, a value that
 * only a rule-breaking core could accept. */
#define TAG_EQUIV 0x40000000u /* an equivocating proposer's second value */
#define TAG_EQUIV_NIL 0x50000000u
#define TAG_COALITION 0x60000000u   /* the coalition's conflicting value */
#define TAG_OUT_OF_TURN 0x68000000u /* proposed by a non-proposer */
#define TAG_FORGED 0x70000000u	    /* only ever backed by forged signatures */
#define TAG_MASK 0xff000000u

enum {
	EV_DELIVER = 1,
	EV_TIMER,
	EV_PERSIST,
	EV_VALUE,
	EV_TICK,
	EV_CRASH,
	EV_RESTART,
	EV_NET,
	EV_HEAL,
	EV_SYNC,   /* the stored chain of node is synced up to h */
	EV_INJECT, /* a decoded certificate handed to a core directly */
	EV_POWERCUT, /* arm the power cut: every correct node crashes at
			once, right after the next precommit for a block */
};

/* What an EV_DELIVER carries: a consensus message (or certificate), or
 * one of the node's catch-up messages (specs/wire.md §6, types 4-6). */
enum { CH_CONS, CH_STATUS, CH_BLOCKS_GET, CH_BLOCK };

/* When a held message is let go (the scheduler, before the heal). */
enum { HOLD_HEAL, HOLD_NET };

struct ev {
	uint64_t t, seq;
	uint8_t kind, node, from, tk;
	uint32_t inc; /* incarnation of node the event belongs to */
	uint32_t cinc; /* TIMER, PERSIST, VALUE: of the node's core */
	uint8_t ch;    /* DELIVER: CH_* */
	uint64_t h;
	uint32_t r;
	uint64_t pseq;
	uint8_t *bytes; /* EV_DELIVER: owned wire bytes; EV_INJECT: an
			   owned struct cons_cert */
	uint32_t len;
	uint8_t until; /* held: HOLD_HEAL or HOLD_NET */
};

struct write {
	uint64_t seq;
	size_t len;
	uint8_t bytes[CONS_SIGNSTATE_BYTES_MAX];
};

struct block {
	uint8_t hash[HASH_BYTES];
	uint8_t *cert; /* encoded commit message, owned */
	size_t cert_len;
};

/* A block the node holds in memory (from a proposal, or its own), by
 * hash; durable ones were written before a record that signs for them
 * (specs/consensus.md "Durable before what", rule 4) and survive a
 * crash. */
struct cand {
	bool used, durable;
	uint64_t h, seq;
	uint8_t hash[HASH_BYTES];
};

struct node {
	struct cons *core; /* NULL while down, or not voting (catch-up) */
	bool up;
	uint32_t inc;
	int byz;
	struct key key; /* real crypto only */
	struct cons_crypto crypto;
	/* Disk: the signing record and the committed chain survive crashes. */
	uint8_t disk[CONS_SIGNSTATE_BYTES_MAX];
	size_t disk_len;
	struct write writes[WRITES_MAX];
	size_t writes_len;
	struct block *chain; /* chain[h - 1] */
	uint64_t chain_len, chain_cap;
	uint64_t chain_synced; /* blocks on disk for sure; a crash may lose
				  the rest */
	uint32_t values;
	uint32_t cinc; /* core incarnation: bumped at each core (re)start */
	bool restart_core; /* the core decided a block not here */
	struct cand cands[CANDS_MAX];
	uint64_t cand_seq;
	/* The messages of the record last handed to the disk (their
	 * blocks are durable already, as the driver's rec_sig). */
	bool rec_has[3];
	uint8_t rec_sig[3][SIG_BYTES];
	/* Catch-up, as the driver keeps it (§7.7). */
	struct sync_state sync;
	bool peer_status[SIM_NODES_MAX];
	uint64_t peer_height[SIM_NODES_MAX];
	uint64_t distrust_until[SIM_NODES_MAX];
	/* The height of a record this node restarted with that signs for a
	 * block it could not produce (0: none); the liveness report names
	 * it. */
	uint64_t lost_h;
};

struct pair {
	bool used;
	uint64_t h;
	uint32_t r;
	uint8_t v1[HASH_BYTES], v2[HASH_BYTES];
};

/* The coalition's plan for one height (attack "lock"). */
struct latent { /* a polka the coalition can complete when it likes */
	uint32_t r;
	uint8_t hash[HASH_BYTES];
	struct cons_msg votes[SIM_NODES_MAX]; /* prevotes for hash at r */
	bool have[SIM_NODES_MAX];
};

struct coalition {
	uint64_t h;
	int64_t lock_round; /* the round whose value they made lock, or -1 */
	uint8_t v[HASH_BYTES];
	int64_t w_round; /* the round of the conflicting proposal */
	uint8_t w[HASH_BYTES];
	struct latent latent[LATENT_MAX];
	unsigned latent_len;
	bool crash;	  /* crash the nodes that lock at this height */
	uint32_t crashed; /* nodes already considered for a crash */
	bool active;	  /* attacking this height (else honest) */
	uint64_t proposed, prevoted, precommitted; /* rounds acted on */
};

/* Rule checkers: per node, the validators whose signed vote of one type
 * at (h, r) for one value (or, with ANY, for anything) reached it. */
struct seen_key {
	uint64_t h;
	uint32_t r;
	uint8_t node, type, used;
	uint8_t hash[HASH_BYTES];
	uint32_t mask;
};

struct signed_key { /* double-sign checker: what a correct node signed */
	uint64_t h;
	uint32_t r;
	uint8_t type, node, used;
	uint8_t hash[HASH_BYTES];
};

struct world {
	const struct sim_opts *o;
	struct sim_result *res;
	uint64_t rng;
	uint64_t now, seq;
	struct ev *heap;
	size_t heap_len, heap_cap;
	struct node nodes[SIM_NODES_MAX];
	int n;
	uint64_t secret[SIM_NODES_MAX]; /* fake crypto keys */
	uint64_t value_key;
	uint8_t pubkeys[SIM_NODES_MAX][PUBKEY_BYTES];
	bool in_a[SIM_NODES_MAX]; /* the side Byzantine nodes lie to first */
	uint64_t power[SIM_NODES_MAX];
	uint64_t total_power;
	int attack;
	/* The coalition: victims see everything, but what they send is held
	 * until the heal; the others lock on what the coalition wants. */
	bool victim[SIM_NODES_MAX];
	struct coalition coal;
	/* Network. */
	bool blocked[SIM_NODES_MAX][SIM_NODES_MAX];
	bool side[SIM_NODES_MAX]; /* of the partition of the moment */
	bool parted;
	unsigned loss_pm, dup_pm, spike_pm, hold_pm;
	struct ev *held; /* the scheduler's held messages, until an event */
	size_t held_len, held_cap;
	bool healed;
	bool cut_armed; /* EV_POWERCUT came: cut at the next precommit */
	uint64_t heal_ms, target;
	/* Checkers. */
	uint8_t (*decided)[HASH_BYTES];
	bool *decided_set;
	uint64_t decided_cap;
	struct signed_key *signed_tab;
	size_t signed_cap;
	struct seen_key *seen_tab;
	size_t seen_len, seen_cap;
	struct pair pairs[PAIRS];
	uint64_t trace;
};

/* world.c: randomness, signatures, blocks, events, network. */
uint64_t mix64(uint64_t x);
uint64_t rnd(struct world *w);
uint64_t below(struct world *w, uint64_t n);
uint64_t fnv(uint64_t h, const void *p, size_t n);
void msg_sign(struct world *w, int i, struct cons_msg *m);
bool msg_ok(struct world *w, const struct cons_msg *m);
void value_make(struct world *w, uint64_t h, int proposer, uint32_t ctr,
		uint8_t out[HASH_BYTES]);
bool value_valid(const struct world *w, const uint8_t v[HASH_BYTES],
		 uint64_t h);
void value_random(struct world *w, uint8_t out[HASH_BYTES]);
void at(struct world *w, uint64_t delay, struct ev e);
void hold(struct world *w, struct ev e, uint8_t until);
struct ev deliver_ev(int from, int to, const uint8_t *p, size_t len);
void net_send(struct world *w, int from, int to, const uint8_t *p, size_t len);
void net_send_ch(struct world *w, int from, int to, uint8_t ch,
		 const uint8_t *p, size_t len);
void send_msg(struct world *w, int from, int to, const struct cons_msg *m);

/* check.c: the checkers. */
void violation(struct world *w, bool safety, const char *fmt, uint64_t a,
	       uint64_t b);
bool sim_quorum(const struct world *w, uint64_t p);
bool cert_verify(struct world *w, const struct cons_cert *c);
void check_commit(struct world *w, int i, const struct cons_cert *c);
void check_signed(struct world *w, int i, const struct cons_msg *m);
void seen_add(struct world *w, int node, const struct cons_msg *m);
void check_timer(struct world *w, int i, const struct cons_action *a);
void check_precommit(struct world *w, int i, const struct cons_msg *m);
void check_evidence(struct world *w, int i, const struct cons_action *a);

/* byz.c: the Byzantine validators. */
void coal_hear(struct world *w, const struct cons_msg *m, bool valid);
void forge(struct world *w, int i);
void race(struct world *w, int i, uint64_t h, uint32_t r);
void byz_broadcast(struct world *w, int i, const struct cons_msg *m);

#endif
