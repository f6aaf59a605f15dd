/* world.c - one simulated run: nodes, network, disk, clock, Byzantine
 * behaviour and the checkers (specs/consensus.md, "Simulator"). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/error.h"
#include "common/vote.h"
#include "consensus/cons.h"
#include "consensus/msg.h"
#include "tests/sim/sim.h"

#define CHAIN_ID "accord-sim"
#define EVENTS_MAX 4000000u      /* a run that needs more is stuck */
#define LIVE_BOUND_MS 90000u     /* after the heal, time to make progress */
#define TICK_MS 400u             /* gossip period of each node */
#define CATCHUP_GAP_MS 50u       /* at most one commit reply per peer */
#define WRITES_MAX 16u           /* signing-state writes in flight */
#define PAIRS 1024u              /* Byzantine proposals remembered */
#define CHAIN_SYNC_MS 300u       /* a stored block is synced within this */
#define LATENT_MAX 8u            /* latent polkas the coalition keeps */

enum { BYZ_NONE, BYZ_EQUIVOCATE, BYZ_RANDOM, BYZ_SILENT, BYZ_COALITION,
       BYZ_FORGER };
static const char *const byz_name[] = {"correct", "equivocate", "random",
				       "silent", "coalition", "forger"};
static const char *const attack_name[] = {"any", "mix", "lock", "forge"};

/* Values are tagged by who made them (the counter in value_make): the
 * checkers refuse a correct node's vote for, or commit of, a value that
 * only a rule-breaking core could accept. */
#define TAG_EQUIV 0x40000000u  /* an equivocating proposer's second value */
#define TAG_EQUIV_NIL 0x50000000u
#define TAG_COALITION 0x60000000u /* the coalition's conflicting value */
#define TAG_OUT_OF_TURN 0x68000000u /* proposed by a non-proposer */
#define TAG_FORGED 0x70000000u /* only ever backed by forged signatures */
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
};

/* When a held message is let go (the scheduler, before the heal). */
enum { HOLD_HEAL, HOLD_NET };

struct ev {
	uint64_t t, seq;
	uint8_t kind, node, from, tk;
	uint32_t inc; /* incarnation of node the event belongs to */
	uint64_t h;
	uint32_t r;
	uint64_t pseq;
	uint8_t *bytes; /* EV_DELIVER: owned wire bytes; EV_INJECT: an
			   owned struct cons_cert */
	uint32_t len;
	uint8_t until;  /* held: HOLD_HEAL or HOLD_NET */
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

struct node {
	struct cons *core;
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
	uint64_t catchup_ms[SIM_NODES_MAX];
	uint32_t values;
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
	int64_t w_round;    /* the round of the conflicting proposal */
	uint8_t w[HASH_BYTES];
	struct latent latent[LATENT_MAX];
	unsigned latent_len;
	bool crash;         /* crash the nodes that lock at this height */
	uint32_t crashed;   /* nodes already considered for a crash */
	bool active;        /* attacking this height (else honest) */
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

struct signer {
	struct world *w;
	int i;
};
static struct signer signers[SIM_NODES_MAX];

/* ---- PRNG, hashing ----------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t rnd(struct world *w)
{
	w->rng += 0x9e3779b97f4a7c15ull;
	uint64_t x = w->rng;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t below(struct world *w, uint64_t n)
{
	return n == 0 ? 0 : rnd(w) % n;
}

static bool chance_pm(struct world *w, unsigned pm)
{
	return below(w, 1000) < pm;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void trace_u64(struct world *w, uint64_t v)
{
	w->trace = fnv(w->trace, &v, sizeof v);
}

/* ---- fake and real signatures -------------------------------------- */

static void fake_sig(const struct world *w, int i, uint8_t sig[SIG_BYTES],
		     const char *context, const uint8_t *payload, size_t n)
{
	uint64_t h = fnv(0xcbf29ce484222325ull ^ w->secret[i], context,
			 strlen(context));
	h = mix64(fnv(h, payload, n));
	for (int k = 0; k < 8; k++)
		be64_put(sig + 8 * k, mix64(h + (uint64_t)k));
}

static int fake_sign(void *ctx, uint8_t sig[SIG_BYTES], const char *context,
		     const uint8_t *payload, size_t n)
{
	struct signer *s = ctx;
	fake_sig(s->w, s->i, sig, context, payload, n);
	return 0;
}

static int fake_verify(void *ctx, uint16_t validator,
		       const uint8_t sig[SIG_BYTES], const char *context,
		       const uint8_t *payload, size_t n)
{
	struct signer *s = ctx;
	uint8_t want[SIG_BYTES];
	if (validator >= s->w->n)
		return ACC_EBADSIG;
	fake_sig(s->w, validator, want, context, payload, n);
	return memcmp(want, sig, SIG_BYTES) == 0 ? 0 : ACC_EBADSIG;
}

/* Sign m as node i, the way a Byzantine node forges its own messages. */
static void msg_sign(struct world *w, int i, struct cons_msg *m)
{
	uint8_t payload[CONS_PROPOSAL_PAYLOAD_BYTES];
	const char *context;
	size_t n = cons_msg_sign_bytes(m, &context, payload);
	m->validator = (uint16_t)i;
	if (w->o->real_crypto) {
		int rc = ed25519_sign_ctx(m->sig, &w->nodes[i].key, context,
					  CHAIN_ID, payload, n);
		assert(rc == 0);
		(void)rc;
	} else {
		fake_sig(w, i, m->sig, context, payload, n);
	}
}

static bool msg_ok(struct world *w, const struct cons_msg *m)
{
	if (m->validator >= w->n)
		return false;
	if (w->o->real_crypto)
		return cons_msg_verify(m, CHAIN_ID, w->pubkeys[m->validator]) ==
		       0;
	uint8_t payload[CONS_PROPOSAL_PAYLOAD_BYTES];
	const char *context;
	size_t n = cons_msg_sign_bytes(m, &context, payload);
	struct signer s = {w, 0};
	return fake_verify(&s, m->validator, m->sig, context, payload, n) == 0;
}

/* ---- values (blocks) --------------------------------------------------- */

/* A block is named by its hash; a valid one carries a keyed check over
 * its height, so validity is a pure function every node agrees on. */
static void value_make(struct world *w, uint64_t h, int proposer,
		       uint32_t ctr, uint8_t out[HASH_BYTES])
{
	memset(out, 0, HASH_BYTES);
	be64_put(out, h);
	be16_put(out + 8, (uint16_t)proposer);
	be32_put(out + 10, ctr);
	uint64_t x = w->value_key;
	for (int k = 0; k < 3; k++)
		x = mix64(x ^ be64_get(out + 8 * k));
	be64_put(out + 24, x);
}

static bool value_valid(const struct world *w, const uint8_t v[HASH_BYTES],
			uint64_t h)
{
	uint64_t x = w->value_key;
	for (int k = 0; k < 3; k++)
		x = mix64(x ^ be64_get(v + 8 * k));
	return be64_get(v + 24) == x && be64_get(v) == h;
}

static void value_random(struct world *w, uint8_t out[HASH_BYTES])
{
	for (int k = 0; k < 4; k++)
		be64_put(out + 8 * k, rnd(w) | 1u);
}

/* ---- events ----------------------------------------------------------- */

static bool ev_less(const struct ev *a, const struct ev *b)
{
	return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void ev_push(struct world *w, struct ev e)
{
	if (w->heap_len == w->heap_cap) {
		w->heap_cap = w->heap_cap ? 2 * w->heap_cap : 1024;
		w->heap = realloc(w->heap, w->heap_cap * sizeof *w->heap);
		assert(w->heap != NULL);
	}
	e.seq = w->seq++;
	size_t i = w->heap_len++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ev_less(&e, &w->heap[p]))
			break;
		w->heap[i] = w->heap[p];
		i = p;
	}
	w->heap[i] = e;
}

static struct ev ev_pop(struct world *w)
{
	struct ev top = w->heap[0], last = w->heap[--w->heap_len];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= w->heap_len)
			break;
		if (c + 1 < w->heap_len && ev_less(&w->heap[c + 1], &w->heap[c]))
			c++;
		if (!ev_less(&w->heap[c], &last))
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->heap_len > 0)
		w->heap[i] = last;
	return top;
}

static void at(struct world *w, uint64_t delay, struct ev e)
{
	e.t = w->now + delay;
	ev_push(w, e);
}

/* ---- network ---------------------------------------------------------- */

static void violation(struct world *w, bool safety, const char *fmt,
		      uint64_t a, uint64_t b);

/* The scheduler holds e until the heal, or the next change of the
 * network (until): any reordering within the bound. */
static void hold(struct world *w, struct ev e, uint8_t until)
{
	if (w->held_len == w->held_cap) {
		w->held_cap = w->held_cap ? 2 * w->held_cap : 256;
		w->held = realloc(w->held, w->held_cap * sizeof *w->held);
		assert(w->held != NULL);
	}
	e.until = until;
	w->held[w->held_len++] = e;
}

/* Let go of the held messages whose event came (all of them at the
 * heal), in a shuffled order. */
static void release(struct world *w, bool all)
{
	size_t keep = 0;
	for (size_t k = 0; k < w->held_len; k++) {
		struct ev e = w->held[k];
		if (!all && e.until != HOLD_NET) {
			w->held[keep++] = e;
			continue;
		}
		at(w, 1 + below(w, 40), e);
	}
	w->held_len = keep;
}

static struct ev deliver_ev(int from, int to, const uint8_t *p, size_t len)
{
	struct ev e = {0};
	e.kind = EV_DELIVER;
	e.node = (uint8_t)to;
	e.from = (uint8_t)from;
	e.bytes = malloc(len);
	assert(e.bytes != NULL);
	memcpy(e.bytes, p, len);
	e.len = (uint32_t)len;
	return e;
}

static void net_send(struct world *w, int from, int to, const uint8_t *p,
		     size_t len)
{
	if (from == to || w->blocked[from][to])
		return;
	if (!w->healed && chance_pm(w, w->loss_pm))
		return;
	int copies = !w->healed && chance_pm(w, w->dup_pm) ? 2 : 1;
	for (int c = 0; c < copies; c++) {
		struct ev e = deliver_ev(from, to, p, len);
		if (!w->healed && w->victim[from]) {
			hold(w, e, HOLD_HEAL); /* the coalition's victims */
			continue;
		}
		if (!w->healed && chance_pm(w, w->hold_pm)) {
			hold(w, e, below(w, 2) ? HOLD_HEAL : HOLD_NET);
			continue;
		}
		uint64_t delay = 1 + below(w, 30);
		if (!w->healed && chance_pm(w, w->spike_pm))
			delay += below(w, 1500);
		at(w, delay, e);
	}
}

static void send_msg(struct world *w, int from, int to,
		     const struct cons_msg *m)
{
	uint8_t buf[CONS_PROPOSAL_WIRE_BYTES];
	struct wbuf b;
	wbuf_init(&b, sizeof buf);
	cons_msg_encode(m, &b);
	if (wbuf_error(&b) != 0)
		violation(w, true, "encoding: node %" PRIu64
				   " emitted a message it cannot encode at height %" PRIu64,
			  (uint64_t)from, m->height);
	else
		net_send(w, from, to, b.data, b.len);
	wbuf_free(&b);
}

/* ---- checkers ----------------------------------------------------------- */

/* kind: true = safety, false = liveness; rule_violation() for the rule
 * checks. The first violation of a run stops it. */
static void violation_of(struct world *w, int kind, const char *fmt,
			 uint64_t a, uint64_t b)
{
	if (w->res->safety || w->res->liveness || w->res->rule)
		return;
	if (kind == 1)
		w->res->safety = 1;
	else if (kind == 0)
		w->res->liveness = 1;
	else
		w->res->rule = 1;
	snprintf(w->res->what, sizeof w->res->what, fmt, a, b);
	if (w->o->trace)
		printf("VIOLATION %s\n", w->res->what);
}

static void violation(struct world *w, bool safety, const char *fmt,
		      uint64_t a, uint64_t b)
{
	violation_of(w, safety ? 1 : 0, fmt, a, b);
}

static void rule_violation(struct world *w, const char *fmt, uint64_t a,
			   uint64_t b)
{
	violation_of(w, 2, fmt, a, b);
}

static uint32_t value_tag(const uint8_t v[HASH_BYTES])
{
	return be32_get(v + 10) & TAG_MASK;
}

static bool is_nil(const uint8_t v[HASH_BYTES])
{
	static const uint8_t nil[HASH_BYTES];
	return memcmp(v, nil, HASH_BYTES) == 0;
}

static bool sim_quorum(const struct world *w, uint64_t p)
{
	if (w->o->unsafe)
		return p * 2 > w->total_power;
	return p * 3 > w->total_power * 2;
}

static uint64_t mask_power(const struct world *w, uint32_t mask)
{
	uint64_t p = 0;
	for (int i = 0; i < w->n; i++)
		if (mask & (1u << i))
			p += w->power[i];
	return p;
}

static bool cert_ok(struct world *w, const struct cons_cert *c)
{
	uint64_t p = 0;
	if (c->count == 0 || c->count > w->n)
		return false;
	for (uint16_t i = 0; i < c->count; i++) {
		struct cons_msg m = {0};
		if (c->index[i] >= w->n || (i > 0 && c->index[i] <= c->index[i - 1]))
			return false;
		m.type = CONS_MSG_PRECOMMIT;
		m.validator = c->index[i];
		m.height = c->height;
		m.round = c->round;
		memcpy(m.hash, c->hash, HASH_BYTES);
		memcpy(m.sig, c->sig[i], SIG_BYTES);
		if (!msg_ok(w, &m))
			return false;
		p += w->power[c->index[i]];
	}
	return sim_quorum(w, p);
}

/* Agreement, validity and certificate checks on one commit. */
static void check_commit(struct world *w, int i, const struct cons_cert *c)
{
	uint64_t h = c->height;
	if (!value_valid(w, c->hash, h))
		violation(w, true, "validity: node %" PRIu64
				   " committed an unproposed block at %" PRIu64,
			  (uint64_t)i, h);
	if (value_tag(c->hash) == TAG_OUT_OF_TURN)
		violation(w, true, "validity: node %" PRIu64
				   " committed a block proposed out of turn at %" PRIu64,
			  (uint64_t)i, h);
	if (!cert_ok(w, c))
		violation(w, true, "certificate: node %" PRIu64
				   " bad certificate at height %" PRIu64,
			  (uint64_t)i, h);
	if (h >= w->decided_cap) {
		uint64_t cap = 2 * h + 16;
		w->decided = realloc(w->decided, cap * HASH_BYTES);
		w->decided_set = realloc(w->decided_set, cap);
		assert(w->decided && w->decided_set);
		memset(w->decided_set + w->decided_cap, 0, cap - w->decided_cap);
		w->decided_cap = cap;
	}
	if (!w->decided_set[h]) {
		w->decided_set[h] = true;
		memcpy(w->decided[h], c->hash, HASH_BYTES);
		w->res->heights++;
	} else if (memcmp(w->decided[h], c->hash, HASH_BYTES) != 0) {
		violation(w, true, "agreement: node %" PRIu64
				   " committed a different block at height %" PRIu64,
			  (uint64_t)i, h);
	}
}

/* A correct node never signs two different messages for one (height,
 * round, type), even across restarts. */
static void check_signed(struct world *w, int i, const struct cons_msg *m)
{
	/* What a correct node proposes or votes for is a valid block of
	 * that height, never one proposed out of turn or backed only by
	 * forged signatures. */
	if (!is_nil(m->hash) && (!value_valid(w, m->hash, m->height) ||
				 value_tag(m->hash) == TAG_OUT_OF_TURN ||
				 value_tag(m->hash) == TAG_FORGED))
		violation(w, true, "validity: node %" PRIu64
				   " signed a vote or proposal for a block it must refuse at %" PRIu64,
			  (uint64_t)i, m->height);
	uint64_t k = mix64(m->height * 131 + m->round * 7 + m->type + 1000u * (uint64_t)i);
	for (size_t probe = 0; probe < w->signed_cap; probe++) {
		struct signed_key *s = &w->signed_tab[(k + probe) % w->signed_cap];
		if (!s->used) {
			s->used = 1;
			s->h = m->height;
			s->r = m->round;
			s->type = m->type;
			s->node = (uint8_t)i;
			memcpy(s->hash, m->hash, HASH_BYTES);
			return;
		}
		if (s->h == m->height && s->r == m->round && s->type == m->type &&
		    s->node == i) {
			if (memcmp(s->hash, m->hash, HASH_BYTES) != 0)
				violation(w, true, "double sign: node %" PRIu64
						   " at height %" PRIu64,
					  (uint64_t)i, m->height);
			return;
		}
	}
	/* Table full: grow and rehash. */
	size_t old_cap = w->signed_cap;
	struct signed_key *old = w->signed_tab;
	w->signed_cap = old_cap * 2;
	w->signed_tab = calloc(w->signed_cap, sizeof *w->signed_tab);
	assert(w->signed_tab != NULL);
	for (size_t j = 0; j < old_cap; j++) {
		struct cons_msg o = {0};
		o.height = old[j].h;
		o.round = old[j].r;
		o.type = old[j].type;
		memcpy(o.hash, old[j].hash, HASH_BYTES);
		check_signed(w, old[j].node, &o);
	}
	free(old);
	check_signed(w, i, m);
}

/* ---- rule checks -------------------------------------------------------- */

static const uint8_t ANY[HASH_BYTES] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct seen_key *seen_find(struct world *w, int node, uint8_t type,
				  uint64_t h, uint32_t r, const uint8_t *hash,
				  bool make)
{
	if (make && (w->seen_len + 1) * 2 > w->seen_cap) {
		size_t old_cap = w->seen_cap;
		struct seen_key *old = w->seen_tab;
		w->seen_cap = old_cap ? 2 * old_cap : 4096;
		w->seen_tab = calloc(w->seen_cap, sizeof *w->seen_tab);
		assert(w->seen_tab != NULL);
		w->seen_len = 0;
		for (size_t k = 0; k < old_cap; k++) {
			if (!old[k].used)
				continue;
			struct seen_key *e = seen_find(w, old[k].node, old[k].type,
						       old[k].h, old[k].r,
						       old[k].hash, true);
			e->mask = old[k].mask;
		}
		free(old);
	}
	if (w->seen_cap == 0)
		return NULL;
	uint64_t k = fnv(mix64(h * 1000003u + r * 31u + type * 7u +
			       (uint64_t)node * 65537u),
			 hash, HASH_BYTES);
	for (size_t probe = 0;; probe++) {
		struct seen_key *e = &w->seen_tab[(k + probe) % w->seen_cap];
		if (!e->used) {
			if (!make)
				return NULL;
			e->used = 1;
			e->node = (uint8_t)node;
			e->type = type;
			e->h = h;
			e->r = r;
			memcpy(e->hash, hash, HASH_BYTES);
			w->seen_len++;
			return e;
		}
		if (e->node == node && e->type == type && e->h == h &&
		    e->r == r && memcmp(e->hash, hash, HASH_BYTES) == 0)
			return e;
	}
}

/* A validly signed vote m reached node (or node signed it). */
static void seen_add(struct world *w, int node, const struct cons_msg *m)
{
	if (!w->o->rule_checks || m->type == CONS_MSG_PROPOSAL)
		return;
	struct seen_key *e = seen_find(w, node, m->type, m->height, m->round,
				       m->hash, true);
	e->mask |= 1u << m->validator;
	e = seen_find(w, node, m->type, m->height, m->round, ANY, true);
	e->mask |= 1u << m->validator;
}

static bool seen_quorum(struct world *w, int node, uint8_t type, uint64_t h,
			uint32_t r, const uint8_t *hash)
{
	const struct seen_key *e = seen_find(w, node, type, h, r, hash, false);
	return e != NULL && sim_quorum(w, mask_power(w, e->mask));
}

/* Rules 34 and 47: a timer only after a quorum of votes (counting each
 * validator once) reached the node; rule 36: a precommit for a block
 * only after a quorum of prevotes for it. */
static void check_timer(struct world *w, int i, const struct cons_action *a)
{
	if (!w->o->rule_checks || a->timeout == CONS_TIMEOUT_PROPOSE)
		return;
	uint8_t type = a->timeout == CONS_TIMEOUT_PREVOTE ? CONS_MSG_PREVOTE
							  : CONS_MSG_PRECOMMIT;
	if (!seen_quorum(w, i, type, a->height, a->round, ANY))
		rule_violation(w, "rule 34/47: node %" PRIu64
				  " started a timer without a quorum of votes at height %" PRIu64,
			       (uint64_t)i, a->height);
}

static void check_precommit(struct world *w, int i, const struct cons_msg *m)
{
	if (!w->o->rule_checks || m->type != CONS_MSG_PRECOMMIT || is_nil(m->hash))
		return;
	if (!seen_quorum(w, i, CONS_MSG_PREVOTE, m->height, m->round, m->hash))
		rule_violation(w, "rule 36: node %" PRIu64
				  " precommitted a block without a polka at height %" PRIu64,
			       (uint64_t)i, m->height);
}

static void check_evidence(struct world *w, int i, const struct cons_action *a)
{
	const struct cons_msg *x = &a->msg, *y = &a->msg2;
	w->res->evidence++;
	/* Two votes conflict in their hash; two proposals in their hash or
	 * valid round (spec "Evidence"). */
	bool differ = memcmp(x->hash, y->hash, HASH_BYTES) != 0 ||
		      (x->type == CONS_MSG_PROPOSAL &&
		       x->valid_round != y->valid_round);
	if (!msg_ok(w, x) || !msg_ok(w, y) || x->validator != y->validator ||
	    x->height != y->height || x->round != y->round ||
	    x->type != y->type || !differ)
		violation(w, true, "evidence: node %" PRIu64
				   " reported invalid evidence at %" PRIu64,
			  (uint64_t)i, x->height);
	else if (w->nodes[x->validator].byz == BYZ_NONE)
		violation(w, true, "evidence: against correct node %" PRIu64
				   " at height %" PRIu64,
			  (uint64_t)x->validator, x->height);
}

/* ---- Byzantine behaviour ---------------------------------------------- */

static struct pair *pair_slot(struct world *w, uint64_t h, uint32_t r)
{
	return &w->pairs[(h * 31u + r) % PAIRS];
}

/* The split-brain liar lies to the two sides of the partition of the
 * moment, or to two fixed halves while the network is whole. */
static bool side_a(const struct world *w, int j)
{
	return w->parted ? w->side[j] : w->in_a[j];
}

static void send_all(struct world *w, int from, const struct cons_msg *m)
{
	for (int j = 0; j < w->n; j++)
		send_msg(w, from, j, m);
}

/* The coalition's plan for height h; NULL for a height it has left. */
static struct coalition *coal_at(struct world *w, uint64_t h)
{
	struct coalition *c = &w->coal;
	if (h < c->h)
		return NULL;
	if (h > c->h) {
		memset(c, 0, sizeof *c);
		c->h = h;
		c->lock_round = -1;
		c->w_round = -1;
		/* Attack a height whose round 0 or 1 a member proposes (with
		 * round 1, round 0 may leave a latent polka); let the others
		 * pass, to get there. Only before the heal: victims wait. */
		uint16_t p0 = cons_proposer(h, 0, (uint16_t)w->n);
		uint16_t p1 = cons_proposer(h, 1, (uint16_t)w->n);
		c->crash = below(w, 2) == 0;
		c->active = !w->healed &&
			    (w->nodes[p0].byz != BYZ_NONE ||
			     (w->nodes[p1].byz != BYZ_NONE && below(w, 2) == 0));
	}
	return c;
}

static struct latent *latent_find(struct coalition *c, uint32_t r)
{
	for (unsigned k = 0; k < c->latent_len; k++)
		if (c->latent[k].r == r)
			return &c->latent[k];
	return NULL;
}

/* A latent polka: prevotes of a quorum the coalition holds for a block,
 * its own among them, sent to nobody yet. */
static struct latent *latent_ready(struct world *w, struct coalition *c)
{
	for (unsigned k = 0; k < c->latent_len; k++) {
		struct latent *lt = &c->latent[k];
		uint64_t p = 0;
		if ((int64_t)lt->r >= c->lock_round ||
		    memcmp(lt->hash, c->v, HASH_BYTES) == 0)
			continue;
		for (int j = 0; j < w->n; j++)
			if (lt->have[j])
				p += w->power[j];
		if (sim_quorum(w, p))
			return lt;
	}
	return NULL;
}

/* Crash a node that just locked on the coalition's value (at some
 * attacked heights): a restart must not forget the lock, and may lose the
 * unsynced tail of the stored chain, leaving the signing record ahead of
 * it. */
static void coal_crash(struct world *w, struct coalition *c, int j)
{
	struct ev e = {0};
	if (!c->crash || w->healed || (c->crashed & (1u << j)))
		return;
	c->crashed |= 1u << j;
	if (below(w, 3) == 0)
		return;
	uint64_t t = 1 + below(w, 100);
	e.kind = EV_CRASH;
	e.node = (uint8_t)j;
	at(w, t, e);
	e.kind = EV_RESTART;
	at(w, t + 50 + below(w, 600), e);
}

/* Every member signs a vote of type for hash at (c->h, r); victims_only:
 * the others get it only after the heal (the lock-breaker). */
static void coal_vote(struct world *w, struct coalition *c, uint8_t type,
		      uint32_t r, const uint8_t *hash, bool victims_only)
{
	for (int k = 0; k < w->n; k++) {
		if (w->nodes[k].byz == BYZ_NONE)
			continue;
		struct cons_msg v = {0};
		v.type = type;
		v.height = c->h;
		v.round = r;
		v.valid_round = -1;
		memcpy(v.hash, hash, HASH_BYTES);
		msg_sign(w, k, &v);
		if (!victims_only || w->healed) {
			send_all(w, k, &v);
			continue;
		}
		/* The others get nil now (so that their round ends) and the
		 * vote itself after the heal. */
		struct cons_msg nil = v;
		memset(nil.hash, 0, HASH_BYTES);
		msg_sign(w, k, &nil);
		uint8_t buf[CONS_PROPOSAL_WIRE_BYTES];
		struct wbuf b;
		wbuf_init(&b, sizeof buf);
		cons_msg_encode(&v, &b);
		assert(wbuf_error(&b) == 0);
		for (int j = 0; j < w->n; j++) {
			if (j == k)
				continue;
			if (w->victim[j]) {
				net_send(w, k, j, b.data, b.len);
			} else {
				send_msg(w, k, j, &nil);
				hold(w, deliver_ev(k, j, b.data, b.len), HOLD_HEAL);
			}
		}
		wbuf_free(&b);
	}
}

/* Round r of the attacked height is about to start at the non-victims:
 * if a member proposes it, make them lock on a fresh block the victims
 * decide (the first time), or offer a conflicting block (afterwards):
 * fresh, with a forged valid round, with the lock's own round, or with
 * the stale valid round of a latent polka released now. A correct core
 * resists every move. */
static void coal_round(struct world *w, struct coalition *c, uint32_t r)
{
	if (r >= 64 || (c->proposed & (1ull << r)))
		return;
	c->proposed |= 1ull << r;
	int b = cons_proposer(c->h, r, (uint16_t)w->n);
	if (w->nodes[b].byz == BYZ_NONE)
		return;
	struct cons_msg p = {0};
	p.type = CONS_MSG_PROPOSAL;
	p.height = c->h;
	p.round = r;
	p.valid_round = -1;
	if (c->lock_round < 0) {
		value_make(w, c->h, b, w->nodes[b].values++, p.hash);
		c->lock_round = r;
		memcpy(c->v, p.hash, HASH_BYTES);
		if (w->o->trace)
			printf("%8" PRIu64 " COALITION h=%" PRIu64 " r=%u: the others are to lock on this proposal\n",
			       w->now, c->h, r);
		msg_sign(w, b, &p);
		send_all(w, b, &p);
		coal_vote(w, c, CONS_MSG_PREVOTE, r, c->v, false);
		coal_vote(w, c, CONS_MSG_PRECOMMIT, r, c->v, true);
		return;
	}
	unsigned style = (unsigned)below(w, 4);
	struct latent *lt = style == 2 ? latent_ready(w, c) : NULL;
	if (lt != NULL) {
		memcpy(p.hash, lt->hash, HASH_BYTES);
		p.valid_round = (int32_t)lt->r;
		for (int j = 0; j < w->n; j++)
			if (lt->have[j])
				send_all(w, b, &lt->votes[j]);
	} else {
		value_make(w, c->h, b, TAG_COALITION | r, p.hash);
		p.valid_round = style == 1 && r > 0 ? (int32_t)r - 1
				: style == 3 ? (int32_t)c->lock_round
					     : -1;
	}
	c->w_round = r;
	memcpy(c->w, p.hash, HASH_BYTES);
	if (w->o->trace)
		printf("%8" PRIu64 " COALITION h=%" PRIu64 " r=%u proposes the conflicting block with vr=%d (lock round %" PRId64 ")\n",
		       w->now, c->h, r, p.valid_round, c->lock_round);
	msg_sign(w, b, &p);
	send_all(w, b, &p);
	coal_vote(w, c, CONS_MSG_PREVOTE, r, p.hash, false);
	coal_vote(w, c, CONS_MSG_PRECOMMIT, r, p.hash, false);
}

/* The coalition's members' own cores are silenced at the attacked
 * height: the coalition speaks for them. */
static void coal_broadcast(struct world *w, int i, const struct cons_msg *m)
{
	struct coalition *c = coal_at(w, m->height);
	if (c == NULL || !c->active || w->healed) {
		send_all(w, i, m);
		return;
	}
	if (m->type == CONS_MSG_PROPOSAL)
		coal_round(w, c, m->round);
}

/* What a member hears at the attacked height from a correct node drives
 * the coalition: a proposal before the lock becomes a latent polka;
 * prevotes for it are collected; each round's votes get the members' nil
 * votes (so that rounds end), and the end of a round starts the next. */
static void coal_hear(struct world *w, const struct cons_msg *m, bool valid)
{
	struct coalition *c = coal_at(w, m->height);
	if (c == NULL || !c->active || w->healed ||
	    w->nodes[m->validator].byz != BYZ_NONE || m->round >= 64)
		return;
	if (c->proposed == 0)
		coal_round(w, c, 0);
	struct latent *lt = latent_find(c, m->round);
	if (m->type == CONS_MSG_PROPOSAL) {
		if (c->lock_round >= 0 || !valid || m->valid_round != -1 ||
		    lt != NULL || c->latent_len == LATENT_MAX)
			return;
		lt = &c->latent[c->latent_len++];
		memset(lt, 0, sizeof *lt);
		lt->r = m->round;
		memcpy(lt->hash, m->hash, HASH_BYTES);
		return;
	}
	if (lt != NULL && m->type == CONS_MSG_PREVOTE &&
	    memcmp(m->hash, lt->hash, HASH_BYTES) == 0 && !lt->have[m->validator]) {
		lt->votes[m->validator] = *m;
		lt->have[m->validator] = true;
	}
	bool ours = (int64_t)m->round == c->lock_round ||
		    (int64_t)m->round == c->w_round;
	uint64_t bit = 1ull << m->round;
	if (m->type == CONS_MSG_PREVOTE && !ours && !(c->prevoted & bit)) {
		static const uint8_t nil[HASH_BYTES];
		c->prevoted |= bit;
		/* Nil now; a prevote for the round's block kept for later. */
		for (int k = 0; lt != NULL && k < w->n; k++) {
			if (w->nodes[k].byz == BYZ_NONE || lt->have[k])
				continue;
			struct cons_msg v = *m;
			memcpy(v.hash, lt->hash, HASH_BYTES);
			msg_sign(w, k, &v);
			lt->votes[k] = v;
			lt->have[k] = true;
		}
		coal_vote(w, c, CONS_MSG_PREVOTE, m->round, nil, false);
	}
	if (m->type == CONS_MSG_PRECOMMIT && (int64_t)m->round == c->lock_round &&
	    memcmp(m->hash, c->v, HASH_BYTES) == 0)
		coal_crash(w, c, m->validator);
	if (m->type == CONS_MSG_PRECOMMIT && !(c->precommitted & bit)) {
		static const uint8_t nil[HASH_BYTES];
		c->precommitted |= bit;
		if (!ours)
			coal_vote(w, c, CONS_MSG_PRECOMMIT, m->round, nil, false);
		coal_round(w, c, m->round + 1);
	}
}

/* ---- the forger (attack "forge") ---------------------------------------- */

static void garbage_sig(struct world *w, uint8_t sig[SIG_BYTES])
{
	for (int k = 0; k < 8; k++)
		be64_put(sig + 8 * k, rnd(w));
}

static void cert_sign(struct world *w, struct cons_cert *c, uint16_t k,
		      int signer, bool forge)
{
	struct cons_msg m = {0};
	m.type = CONS_MSG_PRECOMMIT;
	m.height = c->height;
	m.round = c->round;
	memcpy(m.hash, c->hash, HASH_BYTES);
	if (forge)
		garbage_sig(w, m.sig);
	else
		msg_sign(w, signer, &m);
	c->index[k] = (uint16_t)signer;
	memcpy(c->sig[k], m.sig, SIG_BYTES);
}

static void send_cert(struct world *w, int from, int to,
		      const struct cons_cert *c)
{
	struct wbuf b;
	wbuf_init(&b, CONS_WIRE_BYTES_MAX);
	cons_commit_encode(c, &b);
	assert(wbuf_error(&b) == 0);
	net_send(w, from, to, b.data, b.len);
	wbuf_free(&b);
}

/* One forgery by Byzantine node i against correct node j: certificates
 * that are short, carry one signer many times or forged signatures;
 * votes and proposals with bad signatures in correct validators' names;
 * a proposal out of turn; messages for future rounds and heights;
 * bytes that do not decode. */
static void forge(struct world *w, int i)
{
	static struct cons_cert cert;
	int j = (int)below(w, (uint64_t)w->n);
	struct node *t = &w->nodes[j];
	if (t->byz != BYZ_NONE || !t->up)
		return;
	uint64_t h = cons_height(t->core);
	uint32_t r = cons_round(t->core);
	memset(&cert, 0, sizeof cert);
	cert.height = h;
	cert.round = r;
	value_make(w, h, i, TAG_FORGED | (uint32_t)below(w, 1u << 20), cert.hash);
	switch (below(w, 7)) {
	case 0: /* short: the Byzantine signatures only */
		for (int k = 0; k < w->n; k++)
			if (w->nodes[k].byz != BYZ_NONE)
				cert_sign(w, &cert, cert.count++, k, false);
		send_cert(w, i, j, &cert);
		break;
	case 1: { /* one signer again and again: the wire decoder refuses
		     it, so it is handed to the core decoded, as another
		     driver path might */
		uint64_t p = 0;
		while (cert.count < w->n && !sim_quorum(w, p)) {
			cert_sign(w, &cert, cert.count++, i, false);
			p += w->power[i];
		}
		struct ev e = {0};
		e.kind = EV_INJECT;
		e.node = (uint8_t)j;
		e.from = (uint8_t)i;
		e.bytes = malloc(sizeof cert);
		assert(e.bytes != NULL);
		memcpy(e.bytes, &cert, sizeof cert);
		e.len = sizeof cert;
		at(w, 1 + below(w, 30), e);
		break;
	}
	case 2: /* everyone's name, forged signatures but the liars' */
		for (int k = 0; k < w->n; k++)
			cert_sign(w, &cert, cert.count++, k,
				  w->nodes[k].byz == BYZ_NONE);
		send_cert(w, i, j, &cert);
		break;
	case 3: { /* bad signatures in correct validators' names */
		struct cons_msg m = {0};
		m.height = h;
		m.round = r;
		m.valid_round = -1;
		memcpy(m.hash, cert.hash, HASH_BYTES);
		m.type = CONS_MSG_PROPOSAL;
		m.validator = cons_proposer(h, r, (uint16_t)w->n);
		garbage_sig(w, m.sig);
		send_msg(w, i, j, &m);
		for (int k = 0; k < w->n; k++) {
			if (w->nodes[k].byz != BYZ_NONE)
				continue;
			m.validator = (uint16_t)k;
			m.type = below(w, 2) ? CONS_MSG_PREVOTE : CONS_MSG_PRECOMMIT;
			garbage_sig(w, m.sig);
			send_msg(w, i, j, &m);
		}
		break;
	}
	case 4: { /* a proposal out of turn, and the liars' votes for it */
		struct cons_msg m = {0};
		if (cons_proposer(h, r, (uint16_t)w->n) == i)
			break;
		m.type = CONS_MSG_PROPOSAL;
		m.height = h;
		m.round = r;
		m.valid_round = -1;
		value_make(w, h, i, TAG_OUT_OF_TURN | r, m.hash);
		msg_sign(w, i, &m);
		send_all(w, i, &m);
		for (int k = 0; k < w->n; k++) {
			if (w->nodes[k].byz == BYZ_NONE)
				continue;
			struct cons_msg v = m;
			v.valid_round = -1;
			v.type = CONS_MSG_PREVOTE;
			msg_sign(w, k, &v);
			send_all(w, k, &v);
			v.type = CONS_MSG_PRECOMMIT;
			msg_sign(w, k, &v);
			send_all(w, k, &v);
		}
		break;
	}
	case 5: { /* future rounds and heights */
		struct cons_msg m = {0};
		m.type = below(w, 2) ? CONS_MSG_PREVOTE : CONS_MSG_PRECOMMIT;
		m.height = h + (below(w, 3) == 0 ? 1 + below(w, 3) : 0);
		m.round = r + 1 + (uint32_t)below(w, 3);
		m.valid_round = -1;
		msg_sign(w, i, &m);
		send_all(w, i, &m);
		break;
	}
	default: { /* bytes that do not decode (or decode to junk) */
		uint8_t junk[160];
		size_t len = 1 + (size_t)below(w, sizeof junk);
		for (size_t k = 0; k < len; k++)
			junk[k] = (uint8_t)rnd(w);
		junk[0] = (uint8_t)below(w, 6);
		net_send(w, i, j, junk, len);
		break;
	}
	}
}

/* The round racer (attack "forge"): as a correct node starts round r, a
 * forger sends it a message for round r + 1. One validator is less than a
 * third: a correct core must not skip a round on it (rule 55). */
static void race(struct world *w, int i, uint64_t h, uint32_t r)
{
	if (w->attack != SIM_ATTACK_FORGE || r >= CONS_ROUND_MAX)
		return;
	for (int k = 0; k < w->n; k++) {
		if (w->nodes[k].byz != BYZ_FORGER)
			continue;
		struct cons_msg m = {0};
		m.type = CONS_MSG_PREVOTE;
		m.height = h;
		m.round = r + 1;
		m.valid_round = -1;
		msg_sign(w, k, &m);
		send_msg(w, k, i, &m);
		return;
	}
}

static void byz_broadcast(struct world *w, int i, const struct cons_msg *m)
{
	struct node *nd = &w->nodes[i];
	if (nd->byz == BYZ_SILENT)
		return;
	if (m->validator != i) { /* relaying someone else's: pass it on */
		send_all(w, i, m);
		return;
	}
	if (nd->byz == BYZ_COALITION) {
		coal_broadcast(w, i, m);
		return;
	}
	if (nd->byz == BYZ_FORGER) {
		send_all(w, i, m);
		return;
	}
	struct cons_msg a = *m, b = *m;
	if (nd->byz == BYZ_RANDOM) {
		for (int j = 0; j < w->n; j++) {
			if (below(w, 2))
				continue;
			if (m->type == CONS_MSG_PROPOSAL || below(w, 2))
				value_random(w, a.hash);
			else
				memset(a.hash, 0, HASH_BYTES);
			msg_sign(w, i, &a);
			send_msg(w, i, j, &a);
		}
		return;
	}
	/* Equivocate: side A hears one thing, side B another. Colluding
	 * Byzantine nodes vote for the two proposals of a Byzantine
	 * proposer the same way. */
	struct pair *p = pair_slot(w, m->height, m->round);
	if (m->type == CONS_MSG_PROPOSAL) {
		value_make(w, m->height, i, TAG_EQUIV | m->round, b.hash);
		b.valid_round = -1;
		p->used = true;
		p->h = m->height;
		p->r = m->round;
		memcpy(p->v1, a.hash, HASH_BYTES);
		memcpy(p->v2, b.hash, HASH_BYTES);
	} else if (p->used && p->h == m->height && p->r == m->round) {
		memcpy(a.hash, p->v1, HASH_BYTES);
		memcpy(b.hash, p->v2, HASH_BYTES);
	} else {
		static const uint8_t nil[HASH_BYTES];
		if (memcmp(m->hash, nil, HASH_BYTES) != 0)
			memset(b.hash, 0, HASH_BYTES);
		else
			value_make(w, m->height, i, TAG_EQUIV_NIL | m->round,
				   b.hash);
	}
	msg_sign(w, i, &a);
	msg_sign(w, i, &b);
	for (int j = 0; j < w->n; j++)
		send_msg(w, i, j, side_a(w, j) ? &a : &b);
}

/* ---- driver: carry out a core's actions ------------------------------ */

static void trace_msg(struct world *w, const char *what, int i,
		      const struct cons_msg *m)
{
	static const char *const names[] = {"?", "PREVOTE", "PRECOMMIT",
					    "PROPOSAL", "COMMIT"};
	if (!w->o->trace)
		return;
	printf("%8" PRIu64 " n%d %s %s from %u h=%" PRIu64 " r=%u vr=%d %02x%02x%02x%02x\n",
	       w->now, i, what, names[m->type <= 4 ? m->type : 0], m->validator,
	       m->height, m->round, m->valid_round, m->hash[0], m->hash[1],
	       m->hash[24], m->hash[25]);
}

static void chain_add(struct world *w, int i, const struct cons_cert *c)
{
	struct node *nd = &w->nodes[i];
	struct wbuf b;
	if (c->height != nd->chain_len + 1) {
		violation(w, true, "commit: node %" PRIu64
				   " committed height %" PRIu64 " out of order",
			  (uint64_t)i, c->height);
		return;
	}
	if (nd->chain_len == nd->chain_cap) {
		nd->chain_cap = nd->chain_cap ? 2 * nd->chain_cap : 16;
		nd->chain = realloc(nd->chain, nd->chain_cap * sizeof *nd->chain);
		assert(nd->chain != NULL);
	}
	struct block *bl = &nd->chain[nd->chain_len++];
	memcpy(bl->hash, c->hash, HASH_BYTES);
	/* The block reaches the disk a little later (group commit); a crash
	 * before that loses it. */
	struct ev e = {0};
	e.kind = EV_SYNC;
	e.node = (uint8_t)i;
	e.inc = nd->inc;
	e.h = nd->chain_len;
	at(w, below(w, CHAIN_SYNC_MS), e);
	wbuf_init(&b, CONS_WIRE_BYTES_MAX);
	cons_commit_encode(c, &b);
	if (wbuf_error(&b) != 0)
		violation(w, true, "certificate: node %" PRIu64
				   " cannot encode its certificate of height %" PRIu64,
			  (uint64_t)i, c->height);
	bl->cert = wbuf_take(&b, &bl->cert_len);
}

static void apply(struct world *w, int i, const struct cons_action *acts,
		  size_t n)
{
	struct node *nd = &w->nodes[i];
	if (nd->byz == BYZ_FORGER && n > 0 && below(w, 2) == 0)
		forge(w, i);
	for (size_t k = 0; k < n; k++) {
		const struct cons_action *a = &acts[k];
		struct ev e = {0};
		e.node = (uint8_t)i;
		e.inc = nd->inc;
		trace_u64(w, ((uint64_t)a->kind << 32) ^ a->height ^
				     ((uint64_t)a->round << 40) ^ a->seq);
		switch (a->kind) {
		case CONS_ACT_BROADCAST:
			w->trace = fnv(w->trace, a->msg.hash, HASH_BYTES);
			trace_msg(w, "send", i, &a->msg);
			if (nd->byz != BYZ_NONE) {
				byz_broadcast(w, i, &a->msg);
				break;
			}
			if (a->msg.validator == i) {
				check_signed(w, i, &a->msg);
				seen_add(w, i, &a->msg);
				check_precommit(w, i, &a->msg);
			}
			for (int j = 0; j < w->n; j++)
				send_msg(w, i, j, &a->msg);
			break;
		case CONS_ACT_TIMER:
			if (nd->byz == BYZ_NONE)
				check_timer(w, i, a);
			if (nd->byz == BYZ_NONE && a->timeout == CONS_TIMEOUT_PROPOSE)
				race(w, i, a->height, a->round);
			e.kind = EV_TIMER;
			e.tk = (uint8_t)a->timeout;
			e.h = a->height;
			e.r = a->round;
			at(w, a->duration_ms, e);
			break;
		case CONS_ACT_PERSIST: {
			struct wbuf b;
			struct cons_signstate back;
			if (nd->writes_len == WRITES_MAX) {
				violation(w, true, "record: node %" PRIu64
						   " has more than %" PRIu64 " writes in flight",
					  (uint64_t)i, (uint64_t)WRITES_MAX);
				break;
			}
			struct write *wr = &nd->writes[nd->writes_len++];
			wbuf_init(&b, sizeof wr->bytes);
			cons_signstate_encode(a->signstate, &b);
			/* A record that does not read back is a restart that
			 * cannot happen: report it, with the seed. */
			if (wbuf_error(&b) != 0 || b.len > sizeof wr->bytes ||
			    cons_signstate_decode(b.data, b.len, &back) != 0) {
				violation(w, true, "record: node %" PRIu64
						   " wrote a signing record that does not decode (height %" PRIu64 ")",
					  (uint64_t)i, a->signstate->height);
				wbuf_free(&b);
				nd->writes_len--;
				break;
			}
			memcpy(wr->bytes, b.data, b.len);
			/* What the node signed counts for it from now on (a
			 * restart counts it again from the record). */
			for (int t = 0; t < 3; t++)
				if (a->signstate->has[t])
					seen_add(w, i, &a->signstate->last[t]);
			wr->len = b.len;
			wr->seq = a->seq;
			wbuf_free(&b);
			e.kind = EV_PERSIST;
			e.pseq = a->seq;
			at(w, nd->byz != BYZ_NONE ? 0 : below(w, 4), e);
			break;
		}
		case CONS_ACT_GET_VALUE:
			e.kind = EV_VALUE;
			e.h = a->height;
			e.r = a->round;
			at(w, below(w, 5), e);
			break;
		case CONS_ACT_COMMIT:
			if (w->o->trace)
				printf("%8" PRIu64 " n%d COMMIT h=%" PRIu64
				       " r=%u %02x%02x signers=%u\n",
				       w->now, i, a->cert->height,
				       a->cert->round, a->cert->hash[8],
				       a->cert->hash[13], a->cert->count);
			w->trace = fnv(w->trace, a->cert->hash, HASH_BYTES);
			chain_add(w, i, a->cert);
			if (nd->byz == BYZ_NONE)
				check_commit(w, i, a->cert);
			break;
		case CONS_ACT_EVIDENCE:
			trace_msg(w, "EVIDENCE", i, &a->msg);
			if (nd->byz == BYZ_NONE)
				check_evidence(w, i, a);
			break;
		}
	}
}

static void feed(struct world *w, int i, const struct cons_event *ev)
{
	const struct cons_action *acts;
	size_t n;
	struct node *nd = &w->nodes[i];
	if (!nd->up)
		return;
	int rc = cons_step(nd->core, ev, &acts, &n);
	trace_u64(w, (uint64_t)(int64_t)rc);
	if (rc == 0)
		apply(w, i, acts, n);
}

/* ---- node life cycle -------------------------------------------------- */

static void node_start(struct world *w, int i)
{
	struct node *nd = &w->nodes[i];
	struct cons_config cfg = {0};
	struct cons_signstate rec;
	cfg.chain_id = CHAIN_ID;
	cfg.n = (uint16_t)w->n;
	cfg.pubkeys = (const uint8_t(*)[PUBKEY_BYTES])w->pubkeys;
	cfg.power = w->power;
	cfg.self = i;
	cfg.key = &nd->key;
	cfg.crypto = w->o->real_crypto ? NULL : &nd->crypto;
	cfg.propose_ms = 300;
	cfg.prevote_ms = 150;
	cfg.precommit_ms = 150;
	cfg.delta_ms = 100;
	cfg.timeout_max_ms = 3000;
	cfg.unsafe_majority = w->o->unsafe;
	bool have = nd->disk_len > 0;
	if (have && cons_signstate_decode(nd->disk, nd->disk_len, &rec) != 0) {
		violation(w, true, "record: node %" PRIu64
				   " cannot read its signing record back (%" PRIu64 " bytes)",
			  (uint64_t)i, (uint64_t)nd->disk_len);
		return;
	}
	int rc = cons_init(&nd->core, &cfg, nd->chain_len + 1, have ? &rec : NULL);
	if (rc != 0) {
		violation(w, true, "restart: node %" PRIu64
				   " cannot start from its disk (error %" PRIu64 ")",
			  (uint64_t)i, (uint64_t)(-(int64_t)rc));
		return;
	}
	nd->up = true;
	nd->inc++;
	nd->writes_len = 0;
	memset(nd->catchup_ms, 0, sizeof nd->catchup_ms);
	struct cons_event ev = {0};
	ev.kind = CONS_EV_START;
	feed(w, i, &ev);
	struct ev t = {0};
	t.kind = EV_TICK;
	t.node = (uint8_t)i;
	t.inc = nd->inc;
	at(w, 1 + below(w, TICK_MS), t);
}

static void node_crash(struct world *w, int i)
{
	struct node *nd = &w->nodes[i];
	if (!nd->up)
		return;
	/* Writes in flight reach the disk in order; the crash cuts the
	 * sequence at a random point (maybe after a write whose ack never
	 * arrived). */
	size_t keep = (size_t)below(w, nd->writes_len + 1);
	if (keep > 0) {
		memcpy(nd->disk, nd->writes[keep - 1].bytes,
		       nd->writes[keep - 1].len);
		nd->disk_len = nd->writes[keep - 1].len;
	}
	nd->writes_len = 0;
	/* The stored chain loses its unsynced tail, at a random point; the
	 * signing record may then be ahead of it. The last copy that correct
	 * nodes hold of a block is never lost (spec "Durable before what"). */
	uint64_t others = 0, len = nd->chain_len;
	for (int j = 0; j < w->n; j++)
		if (j != i && w->nodes[j].byz == BYZ_NONE &&
		    w->nodes[j].chain_len > others)
			others = w->nodes[j].chain_len;
	if (nd->chain_len <= others && nd->chain_synced < nd->chain_len) {
		uint64_t cut = nd->chain_synced +
			       below(w, nd->chain_len - nd->chain_synced + 1);
		while (nd->chain_len > cut)
			free(nd->chain[--nd->chain_len].cert);
	}
	cons_free(nd->core);
	nd->core = NULL;
	nd->up = false;
	nd->inc++; /* timers and acks of the old life are void */
	if (w->o->trace)
		printf("%8" PRIu64 " n%d CRASH (kept %zu writes, %" PRIu64
		       " of %" PRIu64 " blocks)\n",
		       w->now, i, keep, nd->chain_len, len);
}

static void on_persist(struct world *w, const struct ev *e)
{
	struct node *nd = &w->nodes[e->node];
	size_t k = 0;
	while (k < nd->writes_len && nd->writes[k].seq <= e->pseq)
		k++;
	if (k > 0) {
		memcpy(nd->disk, nd->writes[k - 1].bytes, nd->writes[k - 1].len);
		nd->disk_len = nd->writes[k - 1].len;
		memmove(nd->writes, nd->writes + k,
			(nd->writes_len - k) * sizeof *nd->writes);
		nd->writes_len -= k;
	}
	struct cons_event ev = {0};
	ev.kind = CONS_EV_PERSISTED;
	ev.seq = e->pseq;
	feed(w, e->node, &ev);
}

/* The coalition does not hand out the block of the height it attacks. */
static bool coal_hides(const struct world *w, int i, uint64_t h)
{
	return w->nodes[i].byz == BYZ_COALITION && w->coal.active &&
	       w->coal.h == h && !w->healed;
}

static void on_deliver(struct world *w, const struct ev *e)
{
	static struct cons_cert cert; /* large; the simulator is one thread */
	struct node *nd = &w->nodes[e->node];
	struct cons_event ev = {0};
	uint8_t type;
	if (!nd->up)
		return;
	int rc = cons_wire_decode(e->bytes, e->len, &type, &ev.msg, &cert);
	if (rc != 0) {
		/* The simulated network does not corrupt bytes: a correct
		 * node sent something undecodable. Byzantine garbage is
		 * dropped, as a node would. */
		if (w->nodes[e->from].byz == BYZ_NONE)
			violation(w, true, "decode: node %" PRIu64
					   " sent an undecodable message to node %" PRIu64,
				  (uint64_t)e->from, (uint64_t)e->node);
		return;
	}
	if (type == CONS_MSG_COMMIT) {
		ev.kind = CONS_EV_COMMIT;
		ev.cert = &cert;
		ev.valid = value_valid(w, cert.hash, cert.height);
		if (cert.height == cons_height(nd->core))
			feed(w, e->node, &ev);
		return;
	}
	trace_msg(w, "recv", e->node, &ev.msg);
	bool valid = ev.msg.type == CONS_MSG_PROPOSAL &&
		     value_valid(w, ev.msg.hash, ev.msg.height);
	if ((w->o->rule_checks || nd->byz == BYZ_COALITION) && msg_ok(w, &ev.msg)) {
		seen_add(w, e->node, &ev.msg);
		if (nd->byz == BYZ_COALITION)
			coal_hear(w, &ev.msg, valid);
	}
	/* Block catch-up: the sender is ahead; the receiver asks it for the
	 * block it lacks (the request is not modelled, the answer travels
	 * like any message). */
	struct node *snd = &w->nodes[e->from];
	uint64_t mine = cons_height(nd->core);
	if (ev.msg.height > mine && snd->up && snd->byz != BYZ_SILENT &&
	    !coal_hides(w, e->from, mine) &&
	    snd->chain_len >= mine &&
	    (snd->catchup_ms[e->node] == 0 ||
	     w->now >= snd->catchup_ms[e->node] + CATCHUP_GAP_MS)) {
		snd->catchup_ms[e->node] = w->now;
		const struct block *bl = &snd->chain[mine - 1];
		net_send(w, e->from, e->node, bl->cert, bl->cert_len);
	}
	/* Catch-up: the sender is behind; answer with the certificate of
	 * the height it is working on, if we have it. */
	uint64_t h = ev.msg.height;
	if (h <= nd->chain_len && nd->byz != BYZ_SILENT && !coal_hides(w, e->node, h) &&
	    (nd->catchup_ms[e->from] == 0 ||
	     w->now >= nd->catchup_ms[e->from] + CATCHUP_GAP_MS)) {
		nd->catchup_ms[e->from] = w->now;
		const struct block *bl = &nd->chain[h - 1];
		net_send(w, e->node, e->from, bl->cert, bl->cert_len);
	}
	if (ev.msg.type == CONS_MSG_PROPOSAL) {
		ev.kind = CONS_EV_PROPOSAL;
		ev.valid = valid;
	} else {
		ev.kind = CONS_EV_VOTE;
	}
	feed(w, e->node, &ev);
}

static void on_value(struct world *w, const struct ev *e)
{
	struct node *nd = &w->nodes[e->node];
	struct cons_event ev = {0};
	ev.kind = CONS_EV_VALUE;
	ev.height = e->h;
	ev.round = e->r;
	value_make(w, e->h, e->node, nd->values++, ev.hash);
	feed(w, e->node, &ev);
}

/* ---- faults ----------------------------------------------------------- */

static void net_change(struct world *w)
{
	memset(w->blocked, 0, sizeof w->blocked);
	w->parted = false;
	release(w, false);
	if (w->healed || below(w, 3) == 0) {
		if (w->o->trace)
			printf("%8" PRIu64 " NET healed\n", w->now);
		return; /* this change heals */
	}
	bool side[SIM_NODES_MAX];
	bool one_way = below(w, 2) == 0;
	int cnt = 0;
	for (int i = 0; i < w->n; i++) {
		side[i] = below(w, 2) == 0;
		cnt += side[i];
	}
	if (cnt == 0 || cnt == w->n)
		side[below(w, (uint64_t)w->n)] ^= true;
	memcpy(w->side, side, sizeof w->side);
	w->parted = true;
	for (int i = 0; i < w->n; i++)
		for (int j = 0; j < w->n; j++)
			if (side[i] && !side[j])
				w->blocked[i][j] = true;
			else if (!side[i] && side[j] && !one_way)
				w->blocked[i][j] = true;
	if (w->o->trace)
		printf("%8" PRIu64 " NET partition (%s)\n", w->now,
		       one_way ? "one-way" : "symmetric");
}

static void heal(struct world *w)
{
	w->healed = true;
	w->parted = false;
	memset(w->blocked, 0, sizeof w->blocked);
	release(w, true);
	for (int i = 0; i < w->n; i++)
		if (!w->nodes[i].up)
			node_start(w, i);
	uint64_t maxh = 0;
	for (int i = 0; i < w->n; i++)
		if (w->nodes[i].byz == BYZ_NONE && w->nodes[i].chain_len > maxh)
			maxh = w->nodes[i].chain_len;
	w->heal_ms = w->now;
	w->target = (uint64_t)w->o->heights;
	if (maxh + 2 > w->target)
		w->target = maxh + 2;
	if (w->o->trace)
		printf("%8" PRIu64 " HEAL: every correct node must reach height %" PRIu64 "\n",
		       w->now, w->target);
}

static void schedule_faults(struct world *w)
{
	struct ev e = {0};
	uint64_t chaos = !w->o->faults ? 0
			 : w->attack == SIM_ATTACK_LOCK ? 2000 + below(w, 8000)
							: 500 + below(w, 6000);
	if (w->o->faults) {
		w->loss_pm = (unsigned)below(w, 250);
		w->dup_pm = (unsigned)below(w, 150);
		w->spike_pm = (unsigned)below(w, 100);
		w->hold_pm = below(w, 2) ? (unsigned)below(w, 80) : 0;
		uint64_t parts = below(w, 5);
		for (uint64_t k = 0; k < parts; k++) {
			e.kind = EV_NET;
			at(w, below(w, chaos), e);
		}
		uint64_t crashes = below(w, 4);
		for (uint64_t k = 0; k < crashes; k++) {
			int i = (int)below(w, (uint64_t)w->n);
			if (w->nodes[i].byz != BYZ_NONE)
				continue;
			uint64_t t = below(w, chaos);
			e.kind = EV_CRASH;
			e.node = (uint8_t)i;
			at(w, t, e);
			e.kind = EV_RESTART;
			at(w, t + 50 + below(w, 2000), e);
		}
	}
	e.kind = EV_HEAL;
	at(w, chaos, e);
}

/* ---- the run ---------------------------------------------------------- */

static bool done(struct world *w)
{
	if (!w->healed)
		return false;
	for (int i = 0; i < w->n; i++)
		if (w->nodes[i].byz == BYZ_NONE &&
		    w->nodes[i].chain_len < w->target)
			return false;
	return true;
}

static void world_free(struct world *w)
{
	for (int i = 0; i < w->n; i++) {
		struct node *nd = &w->nodes[i];
		cons_free(nd->core);
		for (uint64_t h = 0; h < nd->chain_len; h++)
			free(nd->chain[h].cert);
		free(nd->chain);
		key_free(&nd->key);
	}
	for (size_t k = 0; k < w->heap_len; k++)
		free(w->heap[k].bytes);
	for (size_t k = 0; k < w->held_len; k++)
		free(w->held[k].bytes);
	free(w->held);
	free(w->seen_tab);
	free(w->heap);
	free(w->decided);
	free(w->decided_set);
	free(w->signed_tab);
}

int sim_run(const struct sim_opts *o, struct sim_result *res)
{
	static struct world world;
	struct world *w = &world;
	if (o->n < 1 || o->n > SIM_NODES_MAX || o->f < 0 || o->f >= o->n)
		return ACC_EINVAL;
	memset(w, 0, sizeof *w);
	memset(res, 0, sizeof *res);
	w->o = o;
	w->res = res;
	w->n = o->n;
	w->rng = o->seed;
	w->trace = 0xcbf29ce484222325ull;
	w->value_key = rnd(w);
	w->signed_cap = 4096;
	w->signed_tab = calloc(w->signed_cap, sizeof *w->signed_tab);
	if (w->signed_tab == NULL)
		return ACC_ENOMEM;

	/* Keys, Byzantine roles, and the two sides liars split. */
	for (int i = 0; i < w->n; i++) {
		struct node *nd = &w->nodes[i];
		w->secret[i] = rnd(w);
		signers[i].w = w;
		signers[i].i = i;
		nd->crypto.sign = fake_sign;
		nd->crypto.verify = fake_verify;
		nd->crypto.ctx = &signers[i];
		if (o->real_crypto) {
			uint8_t seed[SEED_BYTES] = {0};
			be64_put(seed, w->secret[i]);
			if (key_from_seed(&nd->key, seed) != 0)
				return ACC_ECRYPTO;
			memcpy(w->pubkeys[i], nd->key.pk, PUBKEY_BYTES);
		}
	}
	/* The attack of this run, and who carries it out. */
	w->attack = o->attack;
	if (w->attack <= SIM_ATTACK_ANY || w->attack >= SIM_ATTACK_COUNT)
		w->attack = SIM_ATTACK_MIX + (int)below(w, SIM_ATTACK_COUNT - 1);
	if (o->unsafe || o->f == 0)
		w->attack = SIM_ATTACK_MIX;
	res->attack = w->attack;
	for (int k = 0; k < o->f;) {
		int i = (int)below(w, (uint64_t)w->n);
		if (w->nodes[i].byz != BYZ_NONE)
			continue;
		uint64_t b = below(w, 4);
		w->nodes[i].byz = w->attack == SIM_ATTACK_LOCK    ? BYZ_COALITION
			       : w->attack == SIM_ATTACK_FORGE   ? BYZ_FORGER
			       : o->unsafe || b < 2              ? BYZ_EQUIVOCATE
			       : b == 2                          ? BYZ_RANDOM
								 : BYZ_SILENT;
		k++;
	}
	/* Voting power: equal, or unequal with the Byzantine validators
	 * holding less than a third of it. */
	uint64_t byz_power = 0;
	w->total_power = 0;
	for (int i = 0; i < w->n; i++) {
		w->power[i] = o->random_power ? 1 + below(w, 4) : 1;
		w->total_power += w->power[i];
		if (w->nodes[i].byz != BYZ_NONE)
			byz_power += w->power[i];
	}
	while (byz_power * 3 >= w->total_power) {
		int i = (int)below(w, (uint64_t)w->n);
		if (w->nodes[i].byz != BYZ_NONE)
			continue;
		w->power[i]++;
		w->total_power++;
	}
	/* The coalition's victims: correct nodes whose messages wait for
	 * the heal, until the other correct nodes are no quorum alone. */
	if (w->attack == SIM_ATTACK_LOCK) {
		uint64_t rest = w->total_power - byz_power;
		while (sim_quorum(w, rest)) {
			int i = (int)below(w, (uint64_t)w->n);
			if (w->nodes[i].byz != BYZ_NONE || w->victim[i])
				continue;
			w->victim[i] = true;
			rest -= w->power[i];
		}
	}
	int correct = 0;
	for (int i = 0; i < w->n; i++) {
		if (w->nodes[i].byz != BYZ_NONE) {
			w->in_a[i] = true;
			continue;
		}
		w->in_a[i] = correct < (w->n - o->f + 1) / 2;
		correct++;
	}
	if (o->trace)
		printf("attack: %s\n", attack_name[w->attack]);
	if (o->trace)
		for (int i = 0; i < w->n; i++)
			printf("node %d: power %" PRIu64 " %s%s%s\n", i, w->power[i],
			       byz_name[w->nodes[i].byz],
			       w->victim[i] ? " victim" : "",
			       w->nodes[i].byz == BYZ_NONE
				   ? (w->in_a[i] ? " (side A)" : " (side B)")
				   : "");

	schedule_faults(w);
	for (int i = 0; i < w->n; i++)
		node_start(w, i);

	while (w->heap_len > 0 && !res->safety) {
		if (done(w))
			break;
		if (res->events >= EVENTS_MAX ||
		    (w->healed && w->now > w->heal_ms + LIVE_BOUND_MS)) {
			uint64_t worst = UINT64_MAX;
			int who = 0;
			for (int i = 0; i < w->n; i++)
				if (w->nodes[i].byz == BYZ_NONE &&
				    w->nodes[i].chain_len < worst) {
					worst = w->nodes[i].chain_len;
					who = i;
				}
			if (o->trace)
				for (int i = 0; i < w->n; i++)
					if (w->nodes[i].up)
						printf("node %d: h=%" PRIu64 " r=%u step=%d locked=%d\n",
						       i, cons_height(w->nodes[i].core),
						       cons_round(w->nodes[i].core),
						       (int)cons_step_get(w->nodes[i].core),
						       cons_locked_round(w->nodes[i].core));
			violation(w, false, "liveness: node %" PRIu64
					    " stuck at height %" PRIu64,
				  (uint64_t)who, worst + 1);
			break;
		}
		struct ev e = ev_pop(w);
		w->now = e.t;
		res->events++;
		trace_u64(w, e.t ^ ((uint64_t)e.kind << 56) ^
				     ((uint64_t)e.node << 48));
		struct node *nd = &w->nodes[e.node];
		struct cons_event ev = {0};
		switch (e.kind) {
		case EV_DELIVER:
			on_deliver(w, &e);
			free(e.bytes);
			break;
		case EV_TIMER:
			if (e.inc != nd->inc)
				break;
			ev.kind = CONS_EV_TIMEOUT;
			ev.timeout = (enum cons_timeout)e.tk;
			ev.height = e.h;
			ev.round = e.r;
			feed(w, e.node, &ev);
			break;
		case EV_PERSIST:
			if (e.inc == nd->inc)
				on_persist(w, &e);
			break;
		case EV_VALUE:
			if (e.inc == nd->inc)
				on_value(w, &e);
			break;
		case EV_TICK:
			if (e.inc != nd->inc)
				break;
			ev.kind = CONS_EV_TICK;
			feed(w, e.node, &ev);
			at(w, TICK_MS, e);
			break;
		case EV_CRASH:
			if (!w->healed)
				node_crash(w, e.node);
			break;
		case EV_RESTART:
			if (!nd->up)
				node_start(w, e.node);
			break;
		case EV_NET:
			net_change(w);
			break;
		case EV_HEAL:
			heal(w);
			break;
		case EV_SYNC:
			if (e.inc == nd->inc && e.h <= nd->chain_len &&
			    e.h > nd->chain_synced)
				nd->chain_synced = e.h;
			break;
		case EV_INJECT: {
			/* A decoded certificate, as another driver path (block
			 * catch-up) might hand one over. */
			const struct cons_cert *c = (const struct cons_cert *)e.bytes;
			if (nd->up && c->height == cons_height(nd->core)) {
				ev.kind = CONS_EV_COMMIT;
				ev.cert = c;
				ev.valid = value_valid(w, c->hash, c->height);
				feed(w, e.node, &ev);
			}
			free(e.bytes);
			break;
		}
		}
	}
	res->trace_hash = w->trace;
	res->sim_ms = w->now;
	world_free(w);
	return 0;
}
