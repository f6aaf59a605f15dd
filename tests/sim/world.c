/* world.c - one simulated run: nodes, network, disk, clock and the run
 * itself (specs/consensus.md, "Simulator"); the checkers are in check.c,
 * the Byzantine validators in byz.c. */
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
#include "tests/sim/world.h"

static const char *const byz_name[] = {"correct", "equivocate", "random",
				       "silent", "coalition", "forger"};
static const char *const attack_name[] = {"any", "mix", "lock", "forge"};

struct signer {
	struct world *w;
	int i;
};
static struct signer signers[SIM_NODES_MAX];

/* ---- PRNG, hashing ----------------------------------------------------- */

uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t rnd(struct world *w)
{
	w->rng += 0x9e3779b97f4a7c15ull;
	uint64_t x = w->rng;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t below(struct world *w, uint64_t n)
{
	return n == 0 ? 0 : rnd(w) % n;
}

static bool chance_pm(struct world *w, unsigned pm)
{
	return below(w, 1000) < pm;
}

uint64_t fnv(uint64_t h, const void *p, size_t n)
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
void msg_sign(struct world *w, int i, struct cons_msg *m)
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

bool msg_ok(struct world *w, const struct cons_msg *m)
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
void value_make(struct world *w, uint64_t h, int proposer, uint32_t ctr,
		uint8_t out[HASH_BYTES])
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

bool value_valid(const struct world *w, const uint8_t v[HASH_BYTES], uint64_t h)
{
	uint64_t x = w->value_key;
	for (int k = 0; k < 3; k++)
		x = mix64(x ^ be64_get(v + 8 * k));
	return be64_get(v + 24) == x && be64_get(v) == h;
}

void value_random(struct world *w, uint8_t out[HASH_BYTES])
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

void at(struct world *w, uint64_t delay, struct ev e)
{
	e.t = w->now + delay;
	ev_push(w, e);
}

/* ---- network ---------------------------------------------------------- */

/* The scheduler holds e until the heal, or the next change of the
 * network (until): any reordering within the bound. */
void hold(struct world *w, struct ev e, uint8_t until)
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

struct ev deliver_ev(int from, int to, const uint8_t *p, size_t len)
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

void net_send(struct world *w, int from, int to, const uint8_t *p, size_t len)
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

void send_msg(struct world *w, int from, int to, const struct cons_msg *m)
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

