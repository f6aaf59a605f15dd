/* driver.c - the node on the peer network (specs/node.md §7). */
#include "node/driver.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/hex.h"
#include "common/vote.h"
#include "consensus/cons.h"
#include "consensus/msg.h"
#include "consensus/sync.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/chain.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "node/cosign.h"
#include "node/evidence.h"
#include "node/health.h"
#include "node/log.h"
#include "node/netmsg.h"
#include "node/node.h"
#include "node/producer.h"
#include "node/propose.h"
#include "p2p/p2p.h"
#include "storage/store.h"

/* §7.2: how often the core re-sends (CONS_EV_TICK), status goes out and
 * sync is re-evaluated. */
#define TICK_MS 1000u
/* §7.7: blocks above this size are asked for one at a time. */
#define SYNC_BIG_BLOCK_BYTES (1024u * 1024u)
/* Candidate blocks kept (this height and the next). */
#define CANDS_MAX 16u
/* Proposal blocks remembered per link as sent (§7.2): a re-sent
 * proposal goes without its block, except every RESEND_BLOCK_MS. */
#define SENT_BLOCKS 4u
#define RESEND_BLOCK_MS 10000u
/* Proposals for the next height kept until this node gets there. */
#define FUTURE_PROPOSALS_MAX 8u
/* Gossiped entries being checked on the thread pool at once. */
#define ADMITS_INFLIGHT_MAX 2048u
/* §7.5: gossiped entries of one loop iteration are checked as one job of
 * at most this many (one thread hand-off and one wake-up for all). */
#define ADMIT_BATCH_MAX 64u
/* Consensus timeouts never grow past this. */
#define TIMEOUT_MAX_MS 60000u

/* A block someone proposed (or this node built), kept by hash. */
struct cand {
	int used;
	uint64_t height;
	uint8_t hash[HASH_BYTES];
	uint8_t *wire; /* the block's wire form; owned */
	size_t len;
	int checked; /* node_block_check ran: verdict in ok */
	int ok;
	uint64_t time_ms; /* the block's time (once checked) */
	uint64_t used_seq;
	int durable; /* signed for: written with the record (blocks_durable) */
};

/* A proposal for the next height, held until the core gets there. */
struct future_prop {
	int used;
	int proposer_ok; /* the header names a proposer the round allows */
	struct cons_msg msg;
	uint64_t recv_ms; /* driver clock at receipt, for proposer-based time */
};

struct peer {
	int validator; /* genesis index, or -1 for a follower */
	int up;
	int has_status;
	struct netmsg_status st;
	uint64_t last_seen_ms; /* wall clock */
	/* A peer that did not answer a block request, or sent a block that
	 * failed, is not asked (and its height not believed) until then
	 * (monotonic): a false status must not stall catch-up. */
	uint64_t distrust_until_ms;
	/* Blocks of proposals sent on the current link, and when. */
	uint8_t sent_hash[SENT_BLOCKS][HASH_BYTES];
	uint64_t sent_ms[SENT_BLOCKS]; /* monotonic; 0 = empty slot */
	unsigned sent_next;
};

struct ctimer {
	uv_timer_t t;
	struct driver *d;
	enum cons_timeout kind;
	uint64_t height;
	uint32_t round;
};

struct driver {
	struct node *n;
	uv_loop_t *loop;
	struct p2p *p2p;
	size_t n_peers;
	struct p2p_peer_cfg pcfg[PEERS_MAX];
	struct peer peers[PEERS_MAX];

	/* Consensus (validators that cannot commit alone). */
	int votes;	   /* this node is a voting validator */
	struct cons *core; /* NULL while catching up */
	struct cons_config ccfg;
	uint8_t (*pubkeys)[PUBKEY_BYTES];
	uint64_t *power;
	struct ctimer timers[3]; /* propose, prevote, precommit */
	uv_timer_t value_timer;	 /* the proposer's wait for entries */
	int value_pending;
	uint64_t value_height;
	uint32_t value_round;
	uint64_t value_deadline_ms; /* monotonic */
	uint64_t value_due_ms;	    /* when value_timer fires; 0 unarmed */
	struct cand cands[CANDS_MAX];
	uint64_t cand_seq;
	/* The messages of the record on disk (signatures), to tell the new
	 * ones of a PERSIST from those already out (blocks_durable). */
	int rec_has[3];
	uint8_t rec_sig[3][SIG_BYTES];
	struct future_prop future[FUTURE_PROPOSALS_MAX];
	int in_step; /* re-entrancy guard for core_feed */
	/* Rounds of fed_height whose proposal the core already has (it
	 * keeps the first of a round): gossip's re-sends are not judged
	 * again. Rounds >= 64 are always fed. */
	uint64_t fed_height;
	uint64_t fed_rounds;
	uint64_t height_start_ms; /* monotonic, for the timing metrics */

	/* Sync (§7.7). */
	int syncing; /* more than SYNC_VOTE_GAP behind: no vote */
	int req_active;
	size_t req_peer;
	uint64_t req_end;	  /* last height asked */
	uint64_t req_sent_ms;	  /* monotonic */
	uint64_t behind_since_ms; /* monotonic; 0 = not behind */
	uint32_t sync_batch;	  /* blocks asked per request */

	/* Gossip (§7.5). */
	uint64_t gossip_seq;	/* highest mempool seq considered */
	size_t admits_inflight; /* entries in jobs; jobs count in handles_open */
	uv_check_t admit_check; /* hands the batch over once per iteration */
	struct wbuf admit;	/* the batch: var32 entries (u32 length ‖ entry) */
	size_t admit_count;

	struct cosign *cosign;	  /* checkpoint cosignatures (§7.9) */
	uint64_t cosigned_height; /* the head head_changed last saw */
	int has_cosig;		  /* my_cosig is this validator's, for it */
	uint8_t my_cosig[COSIG_BYTES];

	uv_timer_t tick;
	struct wbuf w; /* scratch encoder, loop thread */
	int handles_open;
	int closing;
};

static void core_feed(struct driver *d, const struct cons_event *ev);
static void future_replay(struct driver *d);
static void driver_free(struct driver *d);
static void sync_consider(struct driver *d);
static void view_publish(struct driver *d);

uint64_t driver_clock_ms(const struct node *n)
{
	return node_clock_ms(n);
}

int driver_time_timely(uint64_t time_ms, uint64_t now_ms, uint32_t round)
{
	/* CometBFT PBTS: the message delay bound grows by a tenth per round
	 * so that a network slower than assumed still decides eventually. */
	uint64_t r = round < 100u ? round : 100u;
	uint64_t delay = DRIVER_MSGDELAY_MS + DRIVER_MSGDELAY_MS * r / 10u;
	uint64_t lo = now_ms > DRIVER_PRECISION_MS + delay
			  ? now_ms - DRIVER_PRECISION_MS - delay
			  : 0;
	return time_ms >= lo && time_ms <= now_ms + DRIVER_PRECISION_MS;
}

int driver_wanted(const struct node *n)
{
	return !node_solo(n) || n->cfg.peer_count > 0 ||
	       n->cfg.follower_count > 0 || n->cfg.has_p2p;
}

static const char *key_short(const uint8_t *pk, char buf[17])
{
	hex_encode(buf, pk, 8);
	buf[16] = '\0';
	return buf;
}

/* ---- sending ---- */

static void send_to(struct driver *d, size_t peer, const uint8_t *p, size_t n)
{
	if (!d->peers[peer].up)
		return;
	int rc = p2p_send(d->p2p, peer, p, n);
	/* ACC_EFULL: dropped; the core's gossip on TICK re-sends what
	 * matters (§7.2). */
	if (rc == ACC_EFULL) {
		pthread_mutex_lock(&d->n->mu);
		d->n->net.msgs_dropped_full++;
		pthread_mutex_unlock(&d->n->mu);
	}
}

/* To every validator peer (validators_only) or every peer. */
static void send_all(struct driver *d, int validators_only)
{
	if (wbuf_error(&d->w) != 0)
		return;
	for (size_t i = 0; i < d->n_peers; i++)
		if (!validators_only || d->peers[i].validator >= 0)
			send_to(d, i, d->w.data, d->w.len);
}

static void status_fill(struct driver *d, struct netmsg_status *st)
{
	struct node *n = d->n;
	pthread_mutex_lock(&n->mu);
	st->height = n->head.height;
	memcpy(st->hash, n->head.hash, HASH_BYTES);
	st->log_size = n->head.log_size;
	memcpy(st->log_root, n->head.log_root, HASH_BYTES);
	pthread_mutex_unlock(&n->mu);
	st->flags = (uint8_t)((d->votes ? NETMSG_STATUS_VALIDATOR : 0) |
			      (d->syncing ? NETMSG_STATUS_SYNCING : 0));
}

/* §7.7: status to one peer, or to all (peer == SIZE_MAX). */
static void status_send(struct driver *d, size_t peer)
{
	struct netmsg_status st;
	status_fill(d, &st);
	wbuf_reset(&d->w);
	netmsg_status_encode(&d->w, &st);
	if (peer == SIZE_MAX)
		send_all(d, 0);
	else if (wbuf_error(&d->w) == 0)
		send_to(d, peer, d->w.data, d->w.len);
}

/* ---- candidate blocks ---- */

static struct cand *cand_find(struct driver *d, const uint8_t hash[HASH_BYTES])
{
	for (size_t i = 0; i < CANDS_MAX; i++)
		if (d->cands[i].used &&
		    memcmp(d->cands[i].hash, hash, HASH_BYTES) == 0) {
			d->cands[i].used_seq = ++d->cand_seq;
			return &d->cands[i];
		}
	return NULL;
}

static void cand_drop(struct cand *c)
{
	free(c->wire);
	memset(c, 0, sizeof *c);
}

/* Keep a copy of block (or take ownership of *owned when not NULL). */
static struct cand *cand_add(struct driver *d, uint64_t height,
			     const uint8_t hash[HASH_BYTES],
			     const uint8_t *block, size_t len, uint8_t **owned)
{
	struct cand *c = cand_find(d, hash);
	if (c != NULL) {
		if (owned != NULL) {
			free(*owned);
			*owned = NULL;
		}
		return c;
	}
	struct cand *victim = &d->cands[0];
	for (size_t i = 0; i < CANDS_MAX; i++) {
		if (!d->cands[i].used) {
			victim = &d->cands[i];
			break;
		}
		/* A block signed for (durable) goes last: a re-proposal or
		 * a peer may still need it. */
		if (d->cands[i].durable < victim->durable ||
		    (d->cands[i].durable == victim->durable &&
		     d->cands[i].used_seq < victim->used_seq))
			victim = &d->cands[i];
	}
	cand_drop(victim);
	uint8_t *copy;
	if (owned != NULL) {
		copy = *owned;
		*owned = NULL;
	} else {
		copy = malloc(len);
		if (copy == NULL)
			return NULL;
		memcpy(copy, block, len);
	}
	victim->used = 1;
	victim->height = height;
	memcpy(victim->hash, hash, HASH_BYTES);
	victim->wire = copy;
	victim->len = len;
	victim->used_seq = ++d->cand_seq;
	return victim;
}

/* Blocks of decided heights are of no more use. */
static void cands_prune(struct driver *d, uint64_t height)
{
	for (size_t i = 0; i < CANDS_MAX; i++)
		if (d->cands[i].used && d->cands[i].height < height)
			cand_drop(&d->cands[i]);
}

/* §7.3: the block's verdict, computed once per candidate. */
static int cand_check(struct driver *d, struct cand *c)
{
	if (!c->checked) {
		struct acc_err err = {0};
		int rc = node_block_check(d->n, c->wire, c->len, c->hash,
					  &c->time_ms, &err);
		c->checked = 1;
		c->ok = rc == 0;
		if (rc != 0)
			LOG_WARN("proposed block %llu is invalid: %s (%s)",
				 (unsigned long long)c->height, err.msg,
				 acc_errname(rc));
	}
	return c->ok;
}

/*
 * specs/consensus.md "Durable before what": the block of every proposal,
 * prevote and precommit in the signing record about to be written goes to
 * disk with the record, in one synced write (specs/storage.md §7.1), so a
 * validator never has a signed message out for a block it could not
 * produce after a crash. Called at the PERSIST step: fills blocks (at most
 * STORE_SIGN_BLOCKS_MAX, one per distinct hash) from the candidates; which
 * messages need theirs, the core's cons_signstate_blocks says (the
 * simulator follows the same). The block of a new message that is not
 * here (never expected: the core votes only for blocks fed with their
 * bytes) refuses the write, so the message does not leave. A message
 * already on disk whose block is gone (signed by a version without this
 * rule) goes on without it: broadcast drops a proposal without its block
 * and the round fails.
 */
static int blocks_durable(struct driver *d, const struct cons_signstate *rec,
			  struct store_sign_block *blocks, size_t *n,
			  struct acc_err *err)
{
	const struct cons_msg *ms[3];
	size_t nm = cons_signstate_blocks(rec, ms);
	*n = 0;
	for (size_t j = 0; j < nm; j++) {
		const struct cons_msg *m = ms[j];
		ptrdiff_t k = m - rec->last; /* 0 proposal, 1, 2 votes */
		int old = d->rec_has[k] &&
			  memcmp(d->rec_sig[k], m->sig, SIG_BYTES) == 0;
		struct cand *c = cand_find(d, m->hash);
		if (c == NULL && (old || k == 0))
			continue;
		if (c == NULL)
			return acc_err_set(err, ACC_ENOTFOUND,
					   "the block of a message to sign at "
					   "%llu/%u is not here",
					   (unsigned long long)m->height,
					   (unsigned)m->round);
		size_t i = 0;
		while (i < *n && memcmp(blocks[i].hash, c->hash, HASH_BYTES))
			i++;
		if (i < *n)
			continue; /* the same block for two messages */
		blocks[i].height = c->height;
		memcpy(blocks[i].hash, c->hash, HASH_BYTES);
		blocks[i].bytes = c->wire;
		blocks[i].len = c->len;
		(*n)++;
	}
	return 0;
}

/* The record and its blocks are on disk: those blocks are kept last
 * among the candidates. */
static void blocks_signed(struct driver *d,
			  const struct store_sign_block *blocks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cand *c = cand_find(d, blocks[i].hash);
		if (c != NULL)
			c->durable = 1;
	}
}

/* A block from disk (the signing record's, or one an older version kept
 * in LMDB), above the head: back into the candidates. */
static void block_restore(struct driver *d, uint64_t height,
			  const uint8_t hash[32], const uint8_t *block,
			  size_t len)
{
	struct block_header bh;
	struct acc_err err = {0};
	uint8_t got[HASH_BYTES];
	uint64_t head;
	pthread_mutex_lock(&d->n->mu);
	head = d->n->head.height;
	pthread_mutex_unlock(&d->n->mu);
	if (height <= head)
		return;
	/* Disk bytes: the header (the block's first var16) must hash to the
	 * key's hash and name its height, as a proposal's (§7.3). */
	if (len < 2 || 2u + be16_get(block) > len ||
	    block_header_decode(&bh, block + 2, be16_get(block), &err) != 0)
		return;
	block_hash(block + 2, be16_get(block), got);
	if (memcmp(got, hash, HASH_BYTES) != 0 || bh.height != height) {
		LOG_WARN("pending block %llu does not match its key",
			 (unsigned long long)height);
		return;
	}
	int here = cand_find(d, hash) != NULL;
	struct cand *c = cand_add(d, height, hash, block, len, NULL);
	if (c != NULL) {
		c->durable = 1;
		if (!here)
			LOG_INFO("block %llu signed for before the restart "
				 "is back from disk",
				 (unsigned long long)height);
	}
}

static void pending_restore_cb(void *ctx, uint64_t height,
			       const uint8_t hash[32], const uint8_t *block,
			       size_t len)
{
	block_restore(ctx, height, hash, block, len);
}

static void signed_restore_cb(void *ctx, const struct store_sign_block *b)
{
	block_restore(ctx, b->height, b->hash, b->bytes, b->len);
}

/* The record rec is on disk now (or was read back from it). */
static void record_written(struct driver *d, const struct cons_signstate *rec)
{
	for (int k = 0; k < 3; k++) {
		d->rec_has[k] = rec != NULL && rec->has[k];
		if (d->rec_has[k])
			memcpy(d->rec_sig[k], rec->last[k].sig, SIG_BYTES);
	}
}

/* At start: the blocks signed for above the head come back into the
 * candidates (checked again when fed): those written with the record,
 * and those an older version kept in LMDB (pruned below the head). */
static void blocks_restore(struct driver *d, uint64_t height)
{
	struct acc_err err = {0};
	if (store_sign_blocks_list(d->n->store, signed_restore_cb, d, &err) !=
	    0)
		LOG_ERROR("blocks of the signing record: %s", err.msg);
	if (store_pending_prune(d->n->store, height, &err) != 0 ||
	    store_pending_list(d->n->store, height, pending_restore_cb, d,
			       &err) != 0)
		LOG_ERROR("pending blocks: %s", err.msg);
}

/* ---- the core ---- */

/* §7.2 "Signing": read the record this validator last persisted. */
static int record_load(struct driver *d, struct cons_signstate *rec, int *has,
		       struct acc_err *err)
{
	uint8_t buf[CONS_SIGNSTATE_BYTES_MAX];
	size_t len = 0;
	*has = 0;
	int rc = store_sign_state_get(d->n->store, buf, sizeof buf, &len, err);
	if (rc == ACC_ENOTFOUND || (rc == 0 && len == 0))
		return 0;
	if (rc != 0)
		return rc;
	rc = cons_signstate_decode(buf, len, rec);
	if (rc != 0)
		return acc_err_set(err, rc,
				   "the signing record on disk does "
				   "not decode: %s",
				   acc_strerror(rc));
	*has = 1;
	return 0;
}

static void timers_stop(struct driver *d)
{
	for (size_t i = 0; i < 3; i++)
		(void)uv_timer_stop(&d->timers[i].t);
	(void)uv_timer_stop(&d->value_timer);
	d->value_pending = 0;
	d->value_due_ms = 0;
}

/* (Re)start the core at head + 1 with the record from disk (§7.2, and
 * after a catch-up §7.7). */
static int core_start(struct driver *d, struct acc_err *err)
{
	struct cons_signstate rec;
	int has;
	cons_free(d->core);
	d->core = NULL;
	timers_stop(d);
	int rc = record_load(d, &rec, &has, err);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&d->n->mu);
	uint64_t height = d->n->head.height + 1;
	pthread_mutex_unlock(&d->n->mu);
	rc = cons_init(&d->core, &d->ccfg, height, has ? &rec : NULL);
	if (rc != 0)
		return acc_err_set(err, rc, "consensus core: %s",
				   acc_strerror(rc));
	cands_prune(d, height);
	blocks_restore(d, height);
	record_written(d, has ? &rec : NULL);
	d->fed_rounds = 0;
	d->height_start_ms = node_now_ms();
	LOG_INFO("consensus at height %llu%s", (unsigned long long)height,
		 has && rec.height == height ? " (resuming the signed round)"
					     : "");
	struct cons_event ev = {.kind = CONS_EV_START};
	core_feed(d, &ev);
	future_replay(d); /* proposals held for this height */
	return 0;
}

static void ctimer_cb(uv_timer_t *t)
{
	struct ctimer *ct = t->data;
	struct cons_event ev = {
	    .kind = CONS_EV_TIMEOUT,
	    .timeout = ct->kind,
	    .height = ct->height,
	    .round = ct->round,
	};
	if (ct->d->core != NULL)
		core_feed(ct->d, &ev);
}

/* §7.4: build the block to propose and hand it to the core. */
static void value_make(struct driver *d)
{
	struct node *n = d->n;
	struct acc_err err = {0};
	uint8_t *wire = NULL;
	size_t len = 0, count = 0;
	uint8_t hash[HASH_BYTES];
	if (!d->value_pending || d->core == NULL)
		return;
	d->value_pending = 0;
	d->value_due_ms = 0;
	(void)uv_timer_stop(&d->value_timer);
	if (cons_height(d->core) != d->value_height ||
	    cons_round(d->core) != d->value_round)
		return;
	/* Proposer-based time: the proposer's clock, strictly after the
	 * previous block's (specs/consensus.md "Block time"). */
	pthread_mutex_lock(&n->mu);
	uint64_t prev_ms = n->head.time_ms;
	pthread_mutex_unlock(&n->mu);
	uint64_t now = driver_clock_ms(n);
	uint64_t time_ms = now > prev_ms ? now : prev_ms + 1;
	int rc =
	    node_block_propose(n, time_ms, &wire, &len, hash, &count, &err);
	if (rc != 0) {
		LOG_ERROR("building a block to propose: %s (%s)", err.msg,
			  acc_errname(rc));
		return; /* the propose timeout moves the round on */
	}
	struct cand *c = cand_add(d, d->value_height, hash, NULL, len, &wire);
	if (c == NULL) {
		free(wire);
		return;
	}
	c->checked = 1; /* built here from checked entries */
	c->ok = 1;
	c->time_ms = time_ms;
	LOG_DEBUG("proposing block %llu round %u: %zu entries",
		  (unsigned long long)d->value_height, (unsigned)d->value_round,
		  count);
	struct cons_event ev = {
	    .kind = CONS_EV_VALUE,
	    .height = d->value_height,
	    .round = d->value_round,
	};
	memcpy(ev.hash, hash, HASH_BYTES);
	core_feed(d, &ev);
}

static void value_timer_cb(uv_timer_t *t)
{
	value_make(t->data);
}

/* §7.4 "When": with entries waiting, after the batching delay; with none,
 * once block_interval_ms have passed since the height began (an empty
 * block keeps block time moving); at once in later rounds. */
static void value_arm(struct driver *d)
{
	struct node *n = d->n;
	if (!d->value_pending)
		return;
	pthread_mutex_lock(&n->mu);
	size_t count = n->mempool.count;
	pthread_mutex_unlock(&n->mu);
	uint64_t now = node_now_ms();
	uint64_t due = d->value_deadline_ms;
	if (count > 0) {
		uint64_t gather = now + node_block_delay_ms(n);
		if (gather < due)
			due = gather;
	}
	/* An armed timer is never pushed back: the gathering delay counts
	 * from the first entry, however many follow. */
	if (d->value_due_ms != 0 && d->value_due_ms <= due)
		return;
	d->value_due_ms = due;
	(void)uv_timer_start(&d->value_timer, value_timer_cb,
			     due > now ? due - now : 0, 0);
}

int driver_evidence_entry(struct node *n, const struct cons_msg *m1,
			  const struct cons_msg *m2, uint8_t **bytes,
			  size_t *len, struct acc_err *err)
{
	const struct genesis *g = n->genesis;
	if (m1->validator != m2->validator ||
	    m1->validator >= g->validator_count || m1->type != m2->type ||
	    (m1->type != CONS_MSG_PREVOTE && m1->type != CONS_MSG_PRECOMMIT))
		return acc_err_set(err, ACC_EINVAL,
				   "evidence needs two votes of one type by "
				   "one validator");
	/* specs/encoding.md §5.8: the votes in ascending block-hash order,
	 * one encoding per equivocation. */
	if (memcmp(m1->hash, m2->hash, HASH_BYTES) > 0)
		return evidence_entry_encode(n, EVIDENCE_VOTES, m2, m1, bytes,
					     len, err);
	return evidence_entry_encode(n, EVIDENCE_VOTES, m1, m2, bytes, len,
				     err);
}

/* §7.8: two votes of one validator for one (height, round, type) become
 * an evidence entry signed by this validator, admitted here and gossiped
 * like a client's entry. The core reports each equivocation once; the
 * rules keep one evidence per (validator, height, round) (R32), so the
 * same offence reported by several validators lands once. */
static void evidence_submit(struct driver *d, const struct cons_action *a)
{
	struct acc_err err = {0};
	struct admit_result res;
	uint8_t *bytes = NULL;
	size_t len = 0;
	/* Two proposals take the proposal form of the entry (§5.8,
	 * node/evidence.c); R32 keeps it apart from the votes' form. */
	int props = a->msg.type == CONS_MSG_PROPOSAL;
	LOG_WARN("validator %u signed two %s at height %llu round %u: "
		 "submitting evidence",
		 (unsigned)a->msg.validator,
		 props				   ? "proposals"
		 : a->msg.type == CONS_MSG_PREVOTE ? "prevotes"
						   : "precommits",
		 (unsigned long long)a->msg.height, (unsigned)a->msg.round);
	int rc = props ? evidence_proposals_entry(d->n, &a->msg, &a->msg2,
						  &bytes, &len, &err)
		       : driver_evidence_entry(d->n, &a->msg, &a->msg2, &bytes,
					       &len, &err);
	if (rc == 0)
		rc = node_admit(d->n, "application/octet-stream", bytes, len,
				NULL, &res, &err);
	free(bytes);
	if (rc != 0 && rc != ACC_EDUP)
		LOG_WARN("evidence not admitted: %s (%s)", err.msg,
			 acc_errname(rc));
}

/* Whether the block of hash went to peer on this link less than
 * RESEND_BLOCK_MS ago; if not, it is recorded as going now. */
static int block_sent_recently(struct peer *pe, const uint8_t *hash,
			       uint64_t now)
{
	for (unsigned i = 0; i < SENT_BLOCKS; i++)
		if (pe->sent_ms[i] != 0 &&
		    memcmp(pe->sent_hash[i], hash, HASH_BYTES) == 0) {
			if (now - pe->sent_ms[i] < RESEND_BLOCK_MS)
				return 1;
			pe->sent_ms[i] = now;
			return 0;
		}
	unsigned k = pe->sent_next++ % SENT_BLOCKS;
	memcpy(pe->sent_hash[k], hash, HASH_BYTES);
	pe->sent_ms[k] = now;
	return 0;
}

/* §7.2 BROADCAST: votes as they are; a proposal with its block, or
 * without it to a validator that got it on this link recently: gossip
 * re-sends proposals every TICK, and a block may be megabytes. */
#ifdef ACCORD_TEST_EQUIVOCATE
/* TEST ONLY (build/bin/accordd-equivocate, never deployed): with each of
 * its prevotes this validator also signs and sends a prevote for another
 * block (every hash byte inverted), bypassing the core's double-sign
 * guard, so that the others see an equivocation (specs/node.md §7.8). */
/* ACCORD_EQUIVOCATE=proposals picks the proposal mode instead (below). */
static int equivocate_proposals(void)
{
	const char *mode = getenv("ACCORD_EQUIVOCATE");
	return mode != NULL && strcmp(mode, "proposals") == 0;
}

/* TEST ONLY, proposal mode: with each proposal (and its re-sends) this
 * proposer also sends a conflicting one for a twin block one millisecond
 * later (node/evidence.c), so that the others report conflicting
 * proposals (specs/node.md §7.8). */
static void equivocate_proposal(struct driver *d, const struct cons_msg *m,
				const struct cand *c)
{
	struct cons_msg twin;
	uint8_t *wire = NULL;
	size_t len = 0;
	struct acc_err err = {0};
	if (evidence_twin_proposal(m, c->wire, c->len, &d->n->key.key,
				   d->n->genesis->chain_id, &twin, &wire, &len,
				   &err) != 0) {
		LOG_WARN("equivocate: %s", err.msg);
		return;
	}
	wbuf_reset(&d->w);
	netmsg_proposal_encode(&d->w, &twin, wire, len);
	if (wbuf_error(&d->w) == 0)
		for (size_t i = 0; i < d->n_peers; i++)
			if (d->peers[i].validator >= 0 && d->peers[i].up)
				(void)p2p_send(d->p2p, i, d->w.data, d->w.len);
	free(wire);
}

static void equivocate(struct driver *d, const struct cons_msg *m)
{
	struct node *n = d->n;
	if (equivocate_proposals() || m->type != CONS_MSG_PREVOTE ||
	    m->validator != n->cfg.validator)
		return;
	struct cons_msg twin = *m;
	for (size_t i = 0; i < HASH_BYTES; i++)
		twin.hash[i] = (uint8_t)~m->hash[i];
	if (vote_sign(twin.sig, &n->key.key, n->genesis->chain_id, VOTE_PREVOTE,
		      twin.height, twin.round, twin.hash) != 0)
		return;
	wbuf_reset(&d->w);
	netmsg_consensus_encode(&d->w, &twin);
	send_all(d, 1);
}
#endif

static void broadcast(struct driver *d, const struct cons_msg *m)
{
	wbuf_reset(&d->w);
	if (m->type != CONS_MSG_PROPOSAL) {
		netmsg_consensus_encode(&d->w, m);
		send_all(d, 1);
#ifdef ACCORD_TEST_EQUIVOCATE
		equivocate(d, m);
#endif
		return;
	}
	struct cand *c = cand_find(d, m->hash);
	if (c == NULL) {
		/* A proposal signed before a restart whose block went with the
		 * process: the round fails and the next proposer moves on. */
		LOG_DEBUG("no block for our proposal at %llu/%u",
			  (unsigned long long)m->height, (unsigned)m->round);
		return;
	}
	uint64_t now = node_now_ms();
	for (size_t i = 0; i < d->n_peers; i++) {
		struct peer *pe = &d->peers[i];
		if (pe->validator < 0 || !pe->up)
			continue;
		int bare = block_sent_recently(pe, m->hash, now);
		wbuf_reset(&d->w);
		netmsg_proposal_encode(&d->w, m, bare ? NULL : c->wire,
				       bare ? 0 : c->len);
		if (wbuf_error(&d->w) != 0)
			return;
		if (p2p_send(d->p2p, i, d->w.data, d->w.len) != 0 && !bare) {
			/* Not queued: the next re-send carries the block. */
			for (unsigned k = 0; k < SENT_BLOCKS; k++)
				if (memcmp(pe->sent_hash[k], m->hash,
					   HASH_BYTES) == 0)
					pe->sent_ms[k] = 0;
		}
	}
#ifdef ACCORD_TEST_EQUIVOCATE
	if (equivocate_proposals())
		equivocate_proposal(d, m, c);
#endif
}

/* §7.9: this validator's cosignature of its head, to every peer; sent
 * again on each TICK for a peer that was behind when it first went. */
static void cosig_send(struct driver *d)
{
	if (!d->has_cosig)
		return;
	wbuf_reset(&d->w);
	netmsg_cosig_encode(&d->w, d->cosigned_height,
			    (uint16_t)d->n->cfg.validator, d->my_cosig);
	send_all(d, 0);
}

/* §7.9: the head moved: a validator cosigns its checkpoint and sends the
 * cosignature to every peer; cosignatures held for it now count. */
static void head_changed(struct driver *d)
{
	struct node *n = d->n;
	uint8_t mine[COSIG_BYTES];
	struct node_head head;
	pthread_mutex_lock(&n->mu);
	head = n->head;
	pthread_mutex_unlock(&n->mu);
	if (head.height == 0)
		return;
	d->cosigned_height = head.height;
	int self =
	    n->cfg.role == NODE_ROLE_VALIDATOR ? (int)n->cfg.validator : -1;
	d->has_cosig = cosign_head(d->cosign, &head, self, mine) == 1;
	if (d->has_cosig) {
		memcpy(d->my_cosig, mine, COSIG_BYTES);
		cosig_send(d);
	}
}

/* specs/node.md §8: a failed write to the store (a commit, the signing
 * record) is reported by status, /healthz and 503s until one succeeds. */
static void storage_failed(struct driver *d, int rc, const char *msg)
{
	(void)node_health_commit_failed(&d->n->health, rc, msg, &d->n->cfg,
					node_wall_ms());
}

/* §7.4 COMMIT: the decided block with the certificate it was decided
 * with, one synced transaction. */
static int commit(struct driver *d, const struct cons_cert *cc)
{
	struct acc_err err = {0};
	struct cand *c = cand_find(d, cc->hash);
	if (c == NULL) {
		LOG_ERROR("decided block %llu is not here",
			  (unsigned long long)cc->height);
		return ACC_ENOTFOUND;
	}
	uint64_t c0 = node_now_ms();
	struct wbuf cw;
	wbuf_init(&cw, CERT_BYTES_MAX);
	cons_cert_encode(cc, &cw);
	int rc = wbuf_error(&cw);
	if (rc == 0)
		rc = node_block_commit_decided(d->n, c->wire, c->len, cw.data,
					       cw.len, &err);
	wbuf_free(&cw);
	if (rc != 0) {
		LOG_ERROR("committing decided block %llu: %s (%s)",
			  (unsigned long long)cc->height, err.msg,
			  acc_errname(rc));
		storage_failed(d, rc, err.msg);
		return rc;
	}
	if (node_health_commit_ok(&d->n->health))
		LOG_INFO("block commits recovered");
	head_changed(d);
	uint64_t now = node_now_ms();
	uint64_t took = now - d->height_start_ms;
	d->height_start_ms = now;
	pthread_mutex_lock(&d->n->mu);
	struct node_net_view *v = &d->n->net;
	v->heights_decided++;
	v->height_ms_sum += took;
	v->rounds_sum += (uint64_t)cc->round + 1u;
	v->last_height_ms = took;
	v->last_rounds = cc->round + 1u;
	pthread_mutex_unlock(&d->n->mu);
	LOG_DEBUG("committed block %llu (round %u, height took %llu ms, the "
		  "commit %llu ms)",
		  (unsigned long long)cc->height, (unsigned)cc->round,
		  (unsigned long long)took, (unsigned long long)(now - c0));
	return 0;
}

/*
 * Feed one event and carry out the actions (specs/consensus.md "Driving
 * the core"). PERSIST is written once per step, with the newest record,
 * and acknowledged only after the sync; the signed messages it guards
 * come out of the core after that acknowledgement.
 */
static void core_feed(struct driver *d, const struct cons_event *first)
{
	struct cons_event ev = *first;
	int again = 1;
	int need_restart = 0;
	uint64_t h_start = d->core != NULL ? cons_height(d->core) : 0;
	if (d->in_step) {
		LOG_ERROR("consensus core re-entered");
		return;
	}
	d->in_step = 1;
	while (again && d->core != NULL) {
		const struct cons_action *acts;
		size_t n_acts;
		uint64_t h0 = cons_height(d->core);
		again = 0;
		int rc = cons_step(d->core, &ev, &acts, &n_acts);
		if (rc != 0) {
			LOG_DEBUG("consensus refused an event (kind %d): %s",
				  (int)ev.kind, acc_errname(rc));
			break;
		}
		const struct cons_signstate *rec = NULL;
		uint64_t seq = 0;
		for (size_t i = 0; i < n_acts; i++) {
			const struct cons_action *a = &acts[i];
			switch (a->kind) {
			case CONS_ACT_BROADCAST:
				broadcast(d, &a->msg);
				break;
			case CONS_ACT_TIMER: {
				struct ctimer *t = &d->timers[a->timeout - 1];
				t->kind = a->timeout;
				t->height = a->height;
				t->round = a->round;
				(void)uv_timer_start(&t->t, ctimer_cb,
						     a->duration_ms, 0);
				break;
			}
			case CONS_ACT_PERSIST:
				rec = a->signstate;
				seq = a->seq;
				break;
			case CONS_ACT_GET_VALUE:
				d->value_pending = 1;
				d->value_due_ms = 0;
				d->value_height = a->height;
				d->value_round = a->round;
				d->value_deadline_ms =
				    node_now_ms() +
				    (a->round == 0 ? d->n->genesis->params
							 .block_interval_ms
						   : 0);
				value_arm(d);
				break;
			case CONS_ACT_COMMIT:
				if (commit(d, a->cert) != 0)
					need_restart = 1;
				break;
			case CONS_ACT_EVIDENCE:
				evidence_submit(d, a);
				break;
			}
		}
		if (rec != NULL) {
			/* §7.2: synced before PERSISTED lets a vote out. */
			struct wbuf rw;
			struct acc_err err = {0};
			wbuf_init(&rw, CONS_SIGNSTATE_BYTES_MAX);
			cons_signstate_encode(rec, &rw);
			rc = wbuf_error(&rw);
			/* "Durable before what": the blocks with it. */
			struct store_sign_block blocks[STORE_SIGN_BLOCKS_MAX];
			size_t nb = 0;
			if (rc == 0)
				rc = blocks_durable(d, rec, blocks, &nb, &err);
			if (rc == 0)
				rc = store_sign_state_put_blocks(
				    d->n->store, rw.data, rw.len, blocks, nb,
				    &err);
			if (rc == 0)
				blocks_signed(d, blocks, nb);
			wbuf_free(&rw);
			LOG_DEBUG("signing record %llu/%u step %u synced",
				  (unsigned long long)rec->height,
				  (unsigned)rec->round, (unsigned)rec->step);
			if (rc != 0) {
				/* Without the record on disk nothing signed
				 * may leave: stay silent (safe). */
				LOG_ERROR("writing the signing record: %s (%s)",
					  err.msg, acc_errname(rc));
				if (rc != ACC_ENOTFOUND) /* blocks_durable */
					storage_failed(d, rc, err.msg);
			} else {
				record_written(d, rec);
				memset(&ev, 0, sizeof ev);
				ev.kind = CONS_EV_PERSISTED;
				ev.seq = seq;
				again = 1;
			}
		}
		if (d->core != NULL && cons_height(d->core) != h0) {
			cands_prune(d, cons_height(d->core));
			status_send(d, SIZE_MAX);
		}
	}
	d->in_step = 0;
	if (need_restart) {
		/* The core moved on but the block did not commit: start
		 * again from the head (catch-up may bring the block). */
		struct acc_err err = {0};
		if (core_start(d, &err) != 0)
			LOG_ERROR("restarting consensus: %s", err.msg);
	}
	/* Proposals held for the height just entered. */
	if (d->core != NULL && cons_height(d->core) != h_start)
		future_replay(d);
	view_publish(d);
}

/* A proposal with its block, for the core's current height. */
static void proposal_feed(struct driver *d, const struct cons_msg *m,
			  int proposer_ok, uint64_t recv_ms)
{
	struct cand *c = cand_find(d, m->hash);
	if (c == NULL)
		return;
	if (d->fed_height != m->height) {
		d->fed_height = m->height;
		d->fed_rounds = 0;
	}
	if (m->round < 64) {
		if (d->fed_rounds & (1ull << m->round)) {
			/* Judged once: the core drops a re-send before any
			 * signature check and reports a conflicting one as
			 * evidence (specs/consensus.md "Evidence"); its
			 * verdict is never used, the first proposal stands. */
			struct cons_event again = {.kind = CONS_EV_PROPOSAL,
						   .msg = *m,
						   .valid = false};
			core_feed(d, &again);
			return;
		}
		d->fed_rounds |= 1ull << m->round;
	}
	uint64_t t0 = node_now_ms();
	int valid = proposer_ok && cand_check(d, c);
	LOG_DEBUG("proposal %llu/%u judged %s in %llu ms",
		  (unsigned long long)m->height, (unsigned)m->round,
		  valid ? "valid" : "invalid",
		  (unsigned long long)(node_now_ms() - t0));
	/* §7.3, specs/consensus.md "Block time": a fresh proposal's time must
	 * be near this node's clock; a re-proposal keeps the time it had. */
	if (valid && m->valid_round == -1 &&
	    !driver_time_timely(c->time_ms, recv_ms, m->round)) {
		long long skew = (long long)c->time_ms - (long long)recv_ms;
		LOG_WARN("proposal %llu/%u by validator %u is untimely: block "
			 "time is %+lld ms from this node's clock (allowed "
			 "-%u..+%u ms); prevoting nil",
			 (unsigned long long)m->height, (unsigned)m->round,
			 (unsigned)m->validator, skew,
			 DRIVER_PRECISION_MS + DRIVER_MSGDELAY_MS +
			     DRIVER_MSGDELAY_MS *
				 (m->round < 100 ? m->round : 100) / 10u,
			 DRIVER_PRECISION_MS);
		valid = 0;
		pthread_mutex_lock(&d->n->mu);
		d->n->net.proposals_untimely++;
		pthread_mutex_unlock(&d->n->mu);
	}
	struct cons_event ev = {
	    .kind = CONS_EV_PROPOSAL, .msg = *m, .valid = valid != 0};
	core_feed(d, &ev);
}

static void future_replay(struct driver *d)
{
	if (d->core == NULL)
		return;
	uint64_t h = cons_height(d->core);
	for (size_t i = 0; i < FUTURE_PROPOSALS_MAX; i++) {
		struct future_prop *f = &d->future[i];
		if (!f->used)
			continue;
		if (f->msg.height < h) {
			f->used = 0;
		} else if (f->msg.height == h) {
			f->used = 0;
			struct cons_msg m = f->msg;
			proposal_feed(d, &m, f->proposer_ok, f->recv_ms);
			if (d->core == NULL || cons_height(d->core) != h)
				return;
		}
	}
}

/* ---- messages from peers ---- */

static void on_proposal(struct driver *d, size_t peer, const struct netmsg *m)
{
	const struct genesis *g = d->n->genesis;
	const struct cons_msg *p = &m->msg;
	if (d->core == NULL || d->peers[peer].validator < 0)
		return;
	uint64_t h = cons_height(d->core);
	if (p->height != h && p->height != h + 1)
		return;
	/* Checked before the block is: a proposal not signed by the
	 * round's proposer costs one signature check, not a block's. */
	if (p->validator >= g->validator_count ||
	    cons_proposer(p->height, p->round, (uint16_t)g->validator_count) !=
		p->validator ||
	    cons_msg_verify(p, g->chain_id, g->validators[p->validator].key) !=
		0) {
		LOG_DEBUG("proposal %llu/%u refused: not signed by its "
			  "proposer",
			  (unsigned long long)p->height, (unsigned)p->round);
		return;
	}
	struct block_header bh;
	struct acc_err err = {0};
	uint8_t hash[HASH_BYTES];
	const uint8_t *blk = m->bytes;
	size_t blen = m->len;
	if (blen == 0) {
		/* Sent before on this link (specs/wire.md §6): the block is
		 * here unless it was dropped; then the sender's next full
		 * re-send brings it. */
		struct cand *c = cand_find(d, p->hash);
		if (c == NULL)
			return;
		blk = c->wire;
		blen = c->len;
	}
	/* The header is the block's first var16: its hash is the block's
	 * hash. */
	if (blen < 2 || 2u + be16_get(blk) > blen ||
	    block_header_decode(&bh, blk + 2, be16_get(blk), &err) != 0)
		return;
	block_hash(blk + 2, be16_get(blk), hash);
	if (memcmp(hash, p->hash, HASH_BYTES) != 0 || bh.height != p->height)
		return;
	/* specs/chain.md check 11 for a proposal: a new block names the
	 * round's proposer (the signer); a re-proposal one of a round up to
	 * its valid round. A block that fails it could never be followed. */
	struct chain_fail cf;
	int proposer_ok =
	    p->valid_round < 0
		? bh.proposer == p->validator
		: chain_proposer_check(g, p->height, &bh,
				       (uint32_t)p->valid_round, &cf) == 0;
	if (!proposer_ok)
		LOG_WARN("proposal %llu/%u: the block names proposer %u, "
			 "not one of this round",
			 (unsigned long long)p->height, (unsigned)p->round,
			 (unsigned)bh.proposer);
	if (m->len != 0 &&
	    cand_add(d, p->height, hash, m->bytes, m->len, NULL) == NULL)
		return;
	uint64_t now = driver_clock_ms(d->n);
	if (p->height == h) {
		proposal_feed(d, p, proposer_ok, now);
		return;
	}
	/* Next height: held until the core gets there (§7.3). */
	struct future_prop *slot = NULL;
	for (size_t i = 0; i < FUTURE_PROPOSALS_MAX; i++) {
		struct future_prop *f = &d->future[i];
		if (f->used && f->msg.height == p->height &&
		    f->msg.round == p->round)
			return; /* the first proposal of a round is kept */
		if (!f->used && slot == NULL)
			slot = f;
	}
	if (slot == NULL)
		return;
	slot->used = 1;
	slot->proposer_ok = proposer_ok;
	slot->msg = *p;
	slot->recv_ms = now;
}

static void on_consensus(struct driver *d, size_t peer, const struct netmsg *m)
{
	if (d->core == NULL || d->peers[peer].validator < 0)
		return;
	if (m->cons_type == CONS_MSG_COMMIT)
		return; /* catch-up goes by blocks (§7.7) */
	struct cons_event ev = {.kind = CONS_EV_VOTE, .msg = m->msg};
	core_feed(d, &ev);
}

/* §7.5: gossiped entries are checked on the thread pool (signatures are
 * the costly part) and admitted as from a peer, those of one loop
 * iteration in one job. */
struct admit_job {
	uv_work_t work;
	struct driver *d;
	uint8_t *buf; /* (u32 length ‖ entry) repeated; owned */
	size_t len, count, admitted;
};

static void admit_work_cb(uv_work_t *w)
{
	struct admit_job *j = w->data;
	for (size_t off = 0; off + 4 <= j->len;) {
		size_t n = be32_get(j->buf + off);
		struct acc_err err = {0};
		if (node_admit_peer(j->d->n, j->buf + off + 4, n, &err) == 0)
			j->admitted++;
		off += 4 + n;
	}
}

static void admit_after_cb(uv_work_t *w, int status)
{
	struct admit_job *j = w->data;
	struct driver *d = j->d;
	(void)status;
	d->admits_inflight -= j->count;
	/* node_admit_peer does not wake the loop: one wake for the job
	 * (the proposer's value timer, a solo validator's producer). */
	if (j->admitted > 0 && !d->closing)
		node_wake(d->n);
	free(j->buf);
	free(j);
	if (--d->handles_open == 0)
		driver_free(d);
}

/* The batch so far, to the thread pool. */
static void admit_flush(struct driver *d)
{
	if (d->admit_count == 0)
		return;
	struct admit_job *j = calloc(1, sizeof *j);
	if (j == NULL || wbuf_error(&d->admit) != 0)
		goto drop;
	j->work.data = j;
	j->d = d;
	j->count = d->admit_count;
	j->buf = wbuf_take(&d->admit, &j->len);
	d->admit_count = 0;
	if (uv_queue_work(d->loop, &j->work, admit_work_cb, admit_after_cb) !=
	    0) {
		free(j->buf);
		free(j);
		return; /* the entries will come in a block, or again */
	}
	d->admits_inflight += j->count;
	d->handles_open++;
	return;
drop: /* out of memory: the entries will come in a block, or again */
	free(j);
	wbuf_reset(&d->admit);
	d->admit_count = 0;
}

static void admit_check_cb(uv_check_t *h)
{
	struct driver *d = h->data;
	if (!d->closing)
		admit_flush(d);
}

static void on_entry(struct driver *d, const struct netmsg *m)
{
	if (d->admits_inflight + d->admit_count >= ADMITS_INFLIGHT_MAX)
		return; /* the entry will come in a block, or again */
	wbuf_var32(&d->admit, m->bytes, m->len);
	if (++d->admit_count >= ADMIT_BATCH_MAX)
		admit_flush(d);
}

/* §7.7: serve committed blocks in their wire form with the certificate
 * stored for them. */
static void on_blocks_get(struct driver *d, size_t peer, const struct netmsg *m)
{
	struct store_rtxn *t;
	struct acc_err err = {0};
	if (store_read_begin(d->n->store, &t, &err) != 0)
		return;
	struct store_head head;
	if (store_head_get(t, &head) != 0)
		goto out;
	for (uint64_t h = m->height;
	     h < m->height + m->count && h <= head.height; h++) {
		const uint8_t *hb, *cb, *lcb = NULL;
		size_t hl, cl, lcl = 0;
		uint64_t first;
		uint32_t count;
		if (store_block_get(t, h, &hb, &hl, &cb, &cl, &first, &count) !=
			0 ||
		    (h > 1 && store_block_last_cert(t, h, &lcb, &lcl) != 0))
			break;
		struct wbuf bw;
		wbuf_init(&bw, MSG_BYTES_MAX);
		wbuf_var16(&bw, hb, hl);
		wbuf_var32(&bw, lcb, lcl);
		for (uint32_t i = 0; i < count; i++) {
			const uint8_t *eb;
			size_t el;
			if (store_entry_get(t, first + i, &eb, &el) != 0) {
				wbuf_free(&bw);
				goto out;
			}
			wbuf_var32(&bw, eb, el);
		}
		wbuf_reset(&d->w);
		if (wbuf_error(&bw) == 0)
			netmsg_block_encode(&d->w, h, bw.data, bw.len, cb, cl);
		wbuf_free(&bw);
		if (wbuf_error(&d->w) != 0 || !d->peers[peer].up)
			break;
		if (p2p_send(d->p2p, peer, d->w.data, d->w.len) != 0)
			break; /* full: the peer asks again */
	}
out:
	store_read_end(t);
}

/* §7.7: apply the next block from a peer, verified like any block made
 * elsewhere (node_block_apply). */
static void on_block(struct driver *d, size_t peer, const struct netmsg *m)
{
	struct node *n = d->n;
	struct acc_err err = {0};
	pthread_mutex_lock(&n->mu);
	uint64_t head = n->head.height;
	pthread_mutex_unlock(&n->mu);
	if (m->height != head + 1) {
		/* Consensus got here first (or the block is from further
		 * on): a request whose last block is here is answered. */
		if (d->req_active && head >= d->req_end)
			d->req_active = 0;
		return;
	}
	/* The core may be deciding this very height; a block that commits
	 * here ends its height (the core restarts below). */
	int rc = node_block_apply(n, m->bytes, m->len, m->cert_bytes,
				  m->cert_len, &err);
	if (rc == ACC_ESTORE || rc == ACC_EFULL || rc == ACC_EIO)
		storage_failed(d, rc, err.msg);
	if (rc != 0) {
		char ks[17];
		LOG_WARN("block %llu from peer %s refused: %s (%s)",
			 (unsigned long long)m->height,
			 key_short(d->pcfg[peer].pubkey, ks), err.msg,
			 acc_errname(rc));
		d->peers[peer].distrust_until_ms =
		    node_now_ms() + SYNC_DISTRUST_MS;
		if (d->req_peer == peer)
			d->req_active = 0;
		return;
	}
	LOG_DEBUG("caught up block %llu", (unsigned long long)m->height);
	if (node_health_commit_ok(&n->health))
		LOG_INFO("block commits recovered");
	head_changed(d);
	/* Big blocks take the loop a while to verify (every signature):
	 * ask for fewer at once, so that it keeps answering its peers
	 * (keepalives, votes) between them. */
	d->sync_batch = m->len > SYNC_BIG_BLOCK_BYTES ? 1u
			: m->len > SYNC_BIG_BLOCK_BYTES / 16u
			    ? 4u
			    : NETMSG_BLOCKS_GET_MAX;
	if (m->height >= d->req_end)
		d->req_active = 0;
	status_send(d, SIZE_MAX);
	sync_consider(d);
}

static void on_status(struct driver *d, size_t peer, const struct netmsg *m)
{
	d->peers[peer].has_status = 1;
	d->peers[peer].st = m->status;
	sync_consider(d);
}

static void on_message(void *ctx, size_t peer, const uint8_t *msg, size_t len)
{
	struct driver *d = ctx;
	struct netmsg m;
	if (d->closing || peer >= d->n_peers)
		return;
	d->peers[peer].last_seen_ms = node_wall_ms();
	int rc = netmsg_decode(msg, len, &m);
	if (rc != 0) {
		char ks[17];
		LOG_DEBUG("undecodable message from %s: %s",
			  key_short(d->pcfg[peer].pubkey, ks), acc_errname(rc));
		return;
	}
	switch (m.type) {
	case NETMSG_CONSENSUS:
		on_consensus(d, peer, &m);
		break;
	case NETMSG_PROPOSAL:
		on_proposal(d, peer, &m);
		break;
	case NETMSG_ENTRY:
		on_entry(d, &m);
		break;
	case NETMSG_STATUS:
		on_status(d, peer, &m);
		break;
	case NETMSG_BLOCKS_GET:
		on_blocks_get(d, peer, &m);
		break;
	case NETMSG_BLOCK:
		on_block(d, peer, &m);
		break;
	case NETMSG_COSIG:
		rc = cosign_add(d->cosign, m.height, m.validator, m.cosig);
		if (rc != 0)
			LOG_DEBUG("checkpoint cosignature of validator %u for "
				  "height %llu refused: %s",
				  (unsigned)m.validator,
				  (unsigned long long)m.height,
				  acc_errname(rc));
		break;
	default:
		break;
	}
}

/* Send every entry message of batch (u32 length ‖ message, repeated) to
 * peer, or to every validator peer when peer is SIZE_MAX. Never called
 * with node.mu held: p2p_send may report a link down (on_peer), which
 * takes it. Stops sending to a peer whose queue is full. */
static void batch_send(struct driver *d, const struct wbuf *batch, size_t peer)
{
	for (size_t i = 0; i < d->n_peers; i++) {
		if (peer != SIZE_MAX && i != peer)
			continue;
		if (d->peers[i].validator < 0)
			continue;
		size_t off = 0;
		while (off + 4 <= batch->len && d->peers[i].up) {
			size_t len = be32_get(batch->data + off);
			if (p2p_send(d->p2p, i, batch->data + off + 4, len) !=
			    0)
				break;
			off += 4 + len;
		}
	}
}

/* Under node.mu: the entry messages of the client entries in the mempool
 * (fresh: only those newer than gossip_seq, which advances), at most
 * bytes_max of them, into batch. */
static void batch_collect(struct driver *d, int fresh, struct wbuf *batch,
			  size_t bytes_max)
{
	struct node *n = d->n;
	struct mempool_item *it = n->mempool.head;
	if (fresh) {
		it = n->mempool.tail;
		while (it != NULL && it->prev != NULL &&
		       it->prev->seq > d->gossip_seq)
			it = it->prev;
	}
	for (; it != NULL && batch->len < bytes_max; it = it->next) {
		if (fresh) {
			if (it->seq <= d->gossip_seq)
				continue;
			d->gossip_seq = it->seq;
		} else if (it->seq > d->gossip_seq) {
			break; /* the next kick sends those */
		}
		if (it->from_peer)
			continue;
		wbuf_u32(batch, (uint32_t)(1u + it->len));
		netmsg_entry_encode(batch, it->bytes, it->len);
	}
}

/* Bytes of entries one kick or one link-up sends at most; the rest
 * arrives in blocks. */
#define GOSSIP_BATCH_BYTES_MAX (16u * 1024u * 1024u)

/* §7.5: a validator whose link (re)comes up is sent every entry admitted
 * here from a client that is still pending: it may have missed them
 * while the link was down. */
static void gossip_resend(struct driver *d, size_t peer)
{
	struct wbuf batch;
	if (d->peers[peer].validator < 0)
		return;
	wbuf_init(&batch, GOSSIP_BATCH_BYTES_MAX + MSG_BYTES_MAX);
	pthread_mutex_lock(&d->n->mu);
	batch_collect(d, 0, &batch, GOSSIP_BATCH_BYTES_MAX);
	pthread_mutex_unlock(&d->n->mu);
	if (wbuf_error(&batch) == 0)
		batch_send(d, &batch, peer);
	wbuf_free(&batch);
}

static void on_peer(void *ctx, size_t peer, bool up)
{
	struct driver *d = ctx;
	char ks[17];
	if (d->closing || peer >= d->n_peers)
		return;
	d->peers[peer].up = up;
	memset(d->peers[peer].sent_ms, 0, sizeof d->peers[peer].sent_ms);
	if (!up)
		d->peers[peer].has_status = 0;
	if (!up && d->req_active && d->req_peer == peer)
		d->req_active = 0;
	LOG_INFO("peer %s %s", key_short(d->pcfg[peer].pubkey, ks),
		 up ? "connected" : "disconnected");
	if (up) {
		status_send(d, peer);
		gossip_resend(d, peer);
	}
	view_publish(d);
}

/* ---- sync (§7.7) ---- */

/* §7.7: the decisions are consensus/sync.c's (the simulator runs the
 * same); this carries them out. */
static void sync_consider(struct driver *d)
{
	static const struct sync_config cfg = {
	    .lag_ms = SYNC_LAG_MS,
	    .timeout_ms = SYNC_TIMEOUT_MS,
	    .vote_gap = SYNC_VOTE_GAP,
	};
	struct node *n = d->n;
	const struct genesis *g = n->genesis;
	struct sync_peer peers[PEERS_MAX];
	pthread_mutex_lock(&n->mu);
	uint64_t head = n->head.height;
	pthread_mutex_unlock(&n->mu);
	uint64_t now = node_now_ms();
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct peer *pe = &d->peers[i];
		peers[i].height = pe->st.height;
		peers[i].power = pe->validator >= 0
				     ? g->validators[pe->validator].power
				     : 0;
		peers[i].status = pe->up && pe->has_status;
		peers[i].trusted = pe->distrust_until_ms <= now;
	}
	struct sync_state st = {
	    .syncing = d->syncing != 0,
	    .behind = d->behind_since_ms != 0,
	    .behind_since_ms = d->behind_since_ms,
	    .req_active = d->req_active != 0,
	    .req_peer = d->req_peer,
	    .req_end = d->req_end,
	    .req_sent_ms = d->req_sent_ms,
	};
	struct sync_in in = {
	    .cfg = &cfg,
	    .head = head,
	    .votes = d->votes != 0,
	    .has_core = d->core != NULL,
	    .core_height = d->core != NULL ? cons_height(d->core) : 0,
	    .peers = peers,
	    .n_peers = d->n_peers,
	    .total_power = genesis_total_power(g),
	    .now_ms = now,
	    .batch = d->sync_batch,
	};
	struct sync_out out;
	sync_decide(&st, &in, &out);
	d->syncing = st.syncing;
	d->req_active = st.req_active;
	/* 0 is "not behind" here: the monotonic clock is past 0. */
	d->behind_since_ms = st.behind ? st.behind_since_ms : 0;
	if (out.timed_out != SIZE_MAX) {
		char ks[17];
		LOG_WARN("peer %s did not answer a block request: asking "
			 "others",
			 key_short(d->pcfg[out.timed_out].pubkey, ks));
		d->peers[out.timed_out].distrust_until_ms =
		    now + SYNC_DISTRUST_MS;
	}
	struct acc_err err = {0};
	switch (out.core) {
	case SYNC_CORE_STOP:
		LOG_INFO("%llu heights behind: not voting until caught up",
			 (unsigned long long)(out.third - head));
		cons_free(d->core);
		d->core = NULL;
		timers_stop(d);
		break;
	case SYNC_CORE_START:
		LOG_INFO("caught up at height %llu", (unsigned long long)head);
		if (core_start(d, &err) != 0)
			LOG_ERROR("starting consensus: %s", err.msg);
		break;
	case SYNC_CORE_RESTART:
		/* A block applied by catch-up ended the core's height. */
		if (core_start(d, &err) != 0)
			LOG_ERROR("starting consensus: %s", err.msg);
		break;
	case SYNC_CORE_KEEP:
		break;
	}
	if (out.ask != SIZE_MAX) {
		wbuf_reset(&d->w);
		netmsg_blocks_get_encode(&d->w, head + 1, out.count);
		if (wbuf_error(&d->w) == 0 &&
		    p2p_send(d->p2p, out.ask, d->w.data, d->w.len) == 0) {
			d->req_active = 1;
			d->req_peer = out.ask;
			d->req_end = head + out.count;
			d->req_sent_ms = now;
		}
	}
	view_publish(d);
}

/* ---- gossip of local entries (§7.5) ---- */

void driver_kick(struct driver *d)
{
	if (d == NULL || d->closing)
		return;
	/* A validator sends its clients' entries to the other validators;
	 * a follower forwards them to the validators it knows. Copied under
	 * the lock, sent after it. */
	struct wbuf batch;
	wbuf_init(&batch, GOSSIP_BATCH_BYTES_MAX + MSG_BYTES_MAX);
	pthread_mutex_lock(&d->n->mu);
	batch_collect(d, 1, &batch, GOSSIP_BATCH_BYTES_MAX);
	pthread_mutex_unlock(&d->n->mu);
	if (wbuf_error(&batch) == 0)
		batch_send(d, &batch, SIZE_MAX);
	wbuf_free(&batch);
	value_arm(d);
}

/* ---- tick, status view ---- */

static void tick_cb(uv_timer_t *t)
{
	struct driver *d = t->data;
	if (d->closing)
		return;
	if (d->core != NULL) {
		struct cons_event ev = {.kind = CONS_EV_TICK};
		core_feed(d, &ev);
	}
	/* A validator that commits alone (the producer) moves the head
	 * without the driver: its followers learn of it here. */
	pthread_mutex_lock(&d->n->mu);
	uint64_t head = d->n->head.height;
	pthread_mutex_unlock(&d->n->mu);
	if (head != d->cosigned_height)
		head_changed(d);
	else
		cosig_send(d);
	status_send(d, SIZE_MAX);
	sync_consider(d);
}

static void view_publish(struct driver *d)
{
	struct node *n = d->n;
	pthread_mutex_lock(&n->mu);
	struct node_net_view *v = &n->net;
	v->enabled = 1;
	v->consensus = d->votes;
	v->syncing = d->syncing;
	v->cons_height = d->core != NULL ? cons_height(d->core) : 0;
	v->round = d->core != NULL ? cons_round(d->core) : 0;
	v->step = d->core != NULL ? (int)cons_step_get(d->core) : 0;
	v->peer_count = d->n_peers;
	for (size_t i = 0; i < d->n_peers; i++) {
		struct node_peer_view *p = &v->peers[i];
		memcpy(p->key, d->pcfg[i].pubkey, PUBKEY_BYTES);
		p->validator = d->peers[i].validator;
		p->connected = d->peers[i].up;
		p->has_status = d->peers[i].has_status;
		p->height = d->peers[i].st.height;
		p->log_size = d->peers[i].st.log_size;
		p->last_seen_ms = d->peers[i].last_seen_ms;
	}
	pthread_mutex_unlock(&n->mu);
}

/* ---- life cycle ---- */

static int peers_setup(struct driver *d, struct acc_err *err)
{
	const struct node_config *cfg = &d->n->cfg;
	const struct genesis *g = d->n->genesis;
	size_t k = 0;
	for (size_t i = 0; i < cfg->peer_count; i++, k++) {
		struct p2p_peer_cfg *p = &d->pcfg[k];
		memcpy(p->pubkey, cfg->peers[i].key, PUBKEY_BYTES);
		snprintf(p->host, sizeof p->host, "%s",
			 cfg->peers[i].addr.host);
		p->port = cfg->peers[i].addr.port;
		d->peers[k].validator =
		    (int)genesis_validator_by_key(g, p->pubkey);
	}
	for (size_t i = 0; i < cfg->follower_count; i++, k++) {
		if (k >= PEERS_MAX)
			return acc_err_set(err, ACC_ECONFIG,
					   "more than %u peers and followers",
					   PEERS_MAX);
		memcpy(d->pcfg[k].pubkey, cfg->followers[i], PUBKEY_BYTES);
		d->pcfg[k].port = 0; /* accepted, never dialled */
		d->peers[k].validator = -1;
	}
	d->n_peers = k;
	return 0;
}

static int consensus_setup(struct driver *d)
{
	const struct genesis *g = d->n->genesis;
	size_t nv = g->validator_count;
	d->pubkeys = calloc(nv, PUBKEY_BYTES);
	d->power = calloc(nv, sizeof *d->power);
	if (d->pubkeys == NULL || d->power == NULL)
		return ACC_ENOMEM;
	for (size_t i = 0; i < nv; i++) {
		memcpy(d->pubkeys[i], g->validators[i].key, PUBKEY_BYTES);
		d->power[i] = g->validators[i].power;
	}
	const struct genesis_params *gp = &g->params;
	struct cons_config *c = &d->ccfg;
	c->chain_id = g->chain_id;
	c->n = (uint16_t)nv;
	c->pubkeys = (const uint8_t(*)[PUBKEY_BYTES])d->pubkeys;
	c->power = d->power;
	c->self = (int)d->n->cfg.validator;
	c->key = &d->n->key.key;
	/* §7.4: the proposer may wait block_interval_ms for entries, so the
	 * others' propose timeout is longer by that much. */
	c->propose_ms = gp->timeout_propose_ms + gp->block_interval_ms;
	c->prevote_ms = gp->timeout_prevote_ms;
	c->precommit_ms = gp->timeout_precommit_ms;
	c->delta_ms = gp->timeout_delta_ms;
	c->timeout_max_ms = TIMEOUT_MAX_MS;
	return 0;
}

int driver_open(struct driver **out, struct node *n, uv_loop_t *loop,
		struct acc_err *err)
{
	struct driver *d = calloc(1, sizeof *d);
	int rc;
	if (d == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	d->n = n;
	d->loop = loop;
	d->sync_batch = NETMSG_BLOCKS_GET_MAX;
	wbuf_init(&d->w, MSG_BYTES_MAX);
	wbuf_init(&d->admit, ADMIT_BATCH_MAX * (4u + ENTRY_BYTES_MAX));
	if ((rc = peers_setup(d, err)) != 0)
		goto fail;
	if (cosign_open(&d->cosign, n) != 0) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto fail;
	}
	d->votes = n->cfg.role == NODE_ROLE_VALIDATOR && !node_solo(n);
	if (d->votes && (rc = consensus_setup(d)) != 0) {
		acc_err_set(err, rc, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < 3; i++) {
		(void)uv_timer_init(loop, &d->timers[i].t);
		d->timers[i].t.data = &d->timers[i];
		d->timers[i].d = d;
	}
	(void)uv_timer_init(loop, &d->value_timer);
	d->value_timer.data = d;
	(void)uv_timer_init(loop, &d->tick);
	d->tick.data = d;
	(void)uv_check_init(loop, &d->admit_check);
	d->admit_check.data = d;
	(void)uv_check_start(&d->admit_check, admit_check_cb);
	d->handles_open = 6;
	struct p2p_config pc = {
	    .chain_id = n->genesis->chain_id,
	    .key = &n->key.key,
	    .listen_host = n->cfg.has_p2p ? n->cfg.p2p.host : NULL,
	    .listen_port = n->cfg.p2p.port,
	    .peers = d->pcfg,
	    .n_peers = d->n_peers,
	    .on_message = on_message,
	    .on_peer = on_peer,
	    .ctx = d,
	};
	rc = p2p_open(&d->p2p, loop, &pc, err);
	if (rc != 0) {
		d->p2p = NULL;
		driver_close(d);
		return rc;
	}
	if (n->cfg.has_p2p)
		LOG_INFO("p2p listening on %s:%u", n->cfg.p2p.host,
			 (unsigned)p2p_listen_port(d->p2p));
	/* Entries admitted before the driver ran are not gossiped. */
	pthread_mutex_lock(&n->mu);
	d->gossip_seq = n->mempool.seq_next - 1;
	pthread_mutex_unlock(&n->mu);
	(void)uv_timer_start(&d->tick, tick_cb, TICK_MS, TICK_MS);
	head_changed(d);
	if (d->votes && (rc = core_start(d, err)) != 0) {
		driver_close(d);
		return rc;
	}
	view_publish(d);
	*out = d;
	return 0;
fail:
	cosign_free(d->cosign);
	wbuf_free(&d->w);
	free(d->pubkeys);
	free(d->power);
	free(d);
	return rc;
}

static void driver_free(struct driver *d)
{
	for (size_t i = 0; i < CANDS_MAX; i++)
		cand_drop(&d->cands[i]);
	cons_free(d->core);
	cosign_free(d->cosign);
	wbuf_free(&d->w);
	wbuf_free(&d->admit);
	free(d->pubkeys);
	free(d->power);
	free(d);
}

static void handle_closed_cb(uv_handle_t *h)
{
	struct driver *d = h->data;
	if (h->type == UV_TIMER && h != (uv_handle_t *)&d->value_timer &&
	    h != (uv_handle_t *)&d->tick)
		d = ((struct ctimer *)h->data)->d;
	if (--d->handles_open == 0)
		driver_free(d);
}

static void p2p_closed_cb(void *ctx)
{
	struct driver *d = ctx;
	if (--d->handles_open == 0)
		driver_free(d);
}

void driver_close(struct driver *d)
{
	if (d == NULL || d->closing)
		return;
	d->closing = 1;
	if (d->p2p != NULL) {
		d->handles_open++;
		p2p_close(d->p2p, p2p_closed_cb, d);
	}
	for (size_t i = 0; i < 3; i++)
		uv_close((uv_handle_t *)&d->timers[i].t, handle_closed_cb);
	uv_close((uv_handle_t *)&d->value_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&d->tick, handle_closed_cb);
	uv_close((uv_handle_t *)&d->admit_check, handle_closed_cb);
}
