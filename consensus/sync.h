/* sync.h - when a node fetches blocks from its peers and when a validator
 * stops and resumes voting (specs/node.md §7.7), as pure decisions: no I/O,
 * clock or allocation. node/driver.c (sync_consider) and the simulator
 * (tests/sim/world.c) both call sync_decide, so the simulator tests the
 * rule the node runs (specs/consensus.md, "Simulator"). */
#ifndef ACCORD_CONSENSUS_SYNC_H
#define ACCORD_CONSENSUS_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The node's values (§7.7); the simulator scales the times down. */
#define SYNC_LAG_MS 1500u /* one height behind this long: fetch */
#define SYNC_TIMEOUT_MS                                                \
	5000u			/* a request unanswered this long: ask \
				   another peer */
#define SYNC_DISTRUST_MS 30000u /* a peer that failed is ignored this long */
#define SYNC_VOTE_GAP 2u	/* more heights behind: stop voting */

struct sync_config {
	uint64_t lag_ms;     /* SYNC_LAG_MS */
	uint64_t timeout_ms; /* SYNC_TIMEOUT_MS */
	uint64_t vote_gap;   /* SYNC_VOTE_GAP */
};

/* What a node knows of one peer. */
struct sync_peer {
	uint64_t height; /* the head its last status reported */
	uint64_t power;	 /* its voting power; 0 for a follower */
	bool status;	 /* link up and a status received on it: height is
			    meaningful */
	bool trusted;	 /* not distrusted (§7.7): may be asked and its
			    height is believed for catch-up */
};

/*
 * The caller's sync state, carried from one call to the next; all zero at
 * start. sync_decide updates it; the caller also clears req_active when
 * the request is answered (the block of req_end applied), refused (a bad
 * block: distrust the peer too) or its peer's link goes down, and sets the
 * request with sync_request_sent.
 */
struct sync_state {
	bool syncing;		  /* validator: not voting; follower: more
				     than vote_gap behind */
	bool behind;		  /* a trusted peer was ahead at the last
				     call, since behind_since_ms */
	uint64_t behind_since_ms; /* the caller's monotonic clock */
	bool req_active;	  /* a block request is out */
	size_t req_peer;
	uint64_t req_end;     /* the last height it asked */
	uint64_t req_sent_ms; /* when */
};

struct sync_in {
	const struct sync_config *cfg;
	uint64_t head;	      /* the last block in the store */
	bool votes;	      /* a voting validator (else a follower, or a
				 validator that commits alone) */
	bool has_core;	      /* votes: a consensus core is running */
	uint64_t core_height; /* has_core: the height it decides */
	const struct sync_peer *peers; /* n_peers of them; borrowed */
	size_t n_peers;		       /* at most PEERS_MAX */
	uint64_t total_power;	       /* of the whole validator set, >= 1 */
	uint64_t now_ms;	       /* the caller's monotonic clock */
	uint32_t batch; /* blocks asked per request at most, >= 1 */
};

/* What the caller does about its core (votes only). */
enum sync_core {
	SYNC_CORE_KEEP = 0, /* nothing */
	SYNC_CORE_STOP,	    /* free it: more than vote_gap behind the
			       height of a third; it signs nothing more */
	SYNC_CORE_START,    /* caught up: start one at head + 1 from the
			       signing record on disk */
	SYNC_CORE_RESTART,  /* a block applied by catch-up ended its height:
			       start one at head + 1 from the record */
};

struct sync_out {
	enum sync_core core;
	size_t timed_out; /* SIZE_MAX, or the peer whose request went
			     unanswered for timeout_ms: distrust it */
	size_t ask;	  /* SIZE_MAX, or ask this peer for count blocks
			     from head + 1 (then sync_request_sent) */
	uint32_t count;	  /* 1..batch when ask is a peer */
	uint64_t third;	  /* sync_height_of_a_third of the peers */
	uint64_t best;	  /* the highest height a trusted peer reports,
			     at least head */
};

/*
 * §7.7, in this order: a request whose last height the head has reached
 * is done (whatever brought the head there); a request out for timeout_ms
 * times out (its peer is reported in timed_out and not asked now); a
 * voting validator more than vote_gap behind the height of a third stops
 * voting, and one that stops
 * voting resumes once that height is at most its head; a running core whose
 * height is at or below head is restarted; a follower is syncing while the
 * best trusted peer is more than vote_gap ahead. Then, if a trusted peer
 * is ahead, the best one is asked for up to batch blocks, unless a
 * request is out: at once when 2 or more behind, not voting (no core) or
 * a follower, else after lag_ms of being 1 behind.
 */
void sync_decide(struct sync_state *st, const struct sync_in *in,
		 struct sync_out *out);

/* The request of out->ask went to peer at now_ms, asking up to height
 * end. */
void sync_request_sent(struct sync_state *st, size_t peer, uint64_t end,
		       uint64_t now_ms);

/*
 * Of n validator peers reporting heights[i] with power[i], the highest
 * height h such that those reporting at least h hold more than a third of
 * total_power; head when no height above head has that backing (§7.7: a
 * third holds a correct validator, so lying validators alone cannot make
 * a correct one stop voting).
 */
uint64_t sync_height_of_a_third(const uint64_t *heights, const uint64_t *power,
				size_t n, uint64_t total_power, uint64_t head);

#endif
