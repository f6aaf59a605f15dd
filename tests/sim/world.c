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
#include "consensus/sync.h"
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
	net_send_ch(w, from, to, CH_CONS, p, len);
}

/* Every message, consensus or catch-up, meets the same faults. */
void net_send_ch(struct world *w, int from, int to, uint8_t ch,
		 const uint8_t *p, size_t len)
{
	if (from == to || w->blocked[from][to])
		return;
	if (!w->healed && chance_pm(w, w->loss_pm))
		return;
	int copies = !w->healed && chance_pm(w, w->dup_pm) ? 2 : 1;
	for (int c = 0; c < copies; c++) {
		struct ev e = deliver_ev(from, to, p, len);
		e.ch = ch;
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

/* The simulator's driver follows node/driver.c where it adds rules to the
 * core (specs/consensus.md, "Simulator"): the record before any signed
 * message, the blocks before the record (rule 4 of "Durable before
 * what"), and catch-up by blocks with certificates (specs/node.md §7.7,
 * the decisions of consensus/sync.c). */

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

static bool is_nil_hash(const uint8_t h[HASH_BYTES])
{
	static const uint8_t nil[HASH_BYTES];
	return memcmp(h, nil, HASH_BYTES) == 0;
}

/* ---- candidate blocks -------------------------------------------------- */

static struct cand *cand_find(struct node *nd, const uint8_t hash[HASH_BYTES])
{
	for (size_t k = 0; k < CANDS_MAX; k++)
		if (nd->cands[k].used &&
		    memcmp(nd->cands[k].hash, hash, HASH_BYTES) == 0)
			return &nd->cands[k];
	return NULL;
}

/* The node now holds block hash of height h (a proposal brought it, or it
 * made it). When full, the oldest block not on disk makes room. */
static void cand_add(struct node *nd, uint64_t h, const uint8_t hash[HASH_BYTES])
{
	struct cand *slot = NULL;
	if (h <= nd->chain_len || cand_find(nd, hash) != NULL)
		return;
	for (size_t k = 0; k < CANDS_MAX; k++) {
		struct cand *c = &nd->cands[k];
		if (!c->used) {
			slot = c;
			break;
		}
		if (!c->durable && (slot == NULL || c->seq < slot->seq))
			slot = c;
	}
	if (slot == NULL)
		return;
	memset(slot, 0, sizeof *slot);
	slot->used = true;
	slot->h = h;
	slot->seq = ++nd->cand_seq;
	memcpy(slot->hash, hash, HASH_BYTES);
}

/* Blocks of committed heights go; those on disk only once the chain is
 * synced past them (a crash may cut the chain below them again). */
static void cands_prune(struct node *nd)
{
	for (size_t k = 0; k < CANDS_MAX; k++) {
		struct cand *c = &nd->cands[k];
		if (c->used && c->h <= nd->chain_len &&
		    (!c->durable || c->h <= nd->chain_synced))
			c->used = false;
	}
}

/* The node holds block hash: a candidate, or in its chain. */
static bool holds(const struct node *nd, uint64_t h,
		  const uint8_t hash[HASH_BYTES])
{
	for (size_t k = 0; k < CANDS_MAX; k++)
		if (nd->cands[k].used &&
		    memcmp(nd->cands[k].hash, hash, HASH_BYTES) == 0)
			return true;
	return h >= 1 && h <= nd->chain_len &&
	       memcmp(nd->chain[h - 1].hash, hash, HASH_BYTES) == 0;
}

/* ---- the stored chain ------------------------------------------------ */

static void status_send(struct world *w, int i);

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
	cands_prune(nd);
	/* §7.7: a status to every peer after each commit. */
	status_send(w, i);
}

/* ---- the signing record and its blocks ------------------------------- */

/* Writes handed to the disk are on it (the driver writes synchronously:
 * none is in flight when it starts or drops its core). */
static void writes_flush(struct node *nd)
{
	if (nd->writes_len > 0) {
		struct write *last = &nd->writes[nd->writes_len - 1];
		memcpy(nd->disk, last->bytes, last->len);
		nd->disk_len = last->len;
	}
	nd->writes_len = 0;
}

static void record_written(struct node *nd, const struct cons_signstate *rec)
{
	for (int k = 0; k < 3; k++) {
		nd->rec_has[k] = rec != NULL && rec->has[k];
		if (nd->rec_has[k])
			memcpy(nd->rec_sig[k], rec->last[k].sig, SIG_BYTES);
	}
}

/*
 * "Durable before what" rule 4, as node/driver.c blocks_durable: before
 * the record rec is written, the block of each message that signs for one
 * (cons_signstate_blocks) is written, synced. A new vote whose block is
 * not here refuses the write (the vote never leaves); a proposal whose
 * block is gone goes on (its broadcast is dropped). False: no write.
 */
static bool blocks_durable(struct node *nd, const struct cons_signstate *rec)
{
	const struct cons_msg *ms[3];
	size_t n = cons_signstate_blocks(rec, ms);
	for (size_t k = 0; k < n; k++) {
		const struct cons_msg *m = ms[k];
		int idx = (int)(m - rec->last);
		bool old = nd->rec_has[idx] &&
			   memcmp(nd->rec_sig[idx], m->sig, SIG_BYTES) == 0;
		struct cand *c = cand_find(nd, m->hash);
		if (c == NULL && (old || m->type == CONS_MSG_PROPOSAL))
			continue;
		if (c == NULL)
			return false;
		c->durable = true;
	}
	return true;
}

static void persist(struct world *w, int i, const struct cons_action *a)
{
	struct node *nd = &w->nodes[i];
	struct wbuf b;
	struct cons_signstate back;
	struct ev e = {0};
	if (nd->writes_len == WRITES_MAX) {
		violation(w, true, "record: node %" PRIu64
				   " has more than %" PRIu64 " writes in flight",
			  (uint64_t)i, (uint64_t)WRITES_MAX);
		return;
	}
	if (!blocks_durable(nd, a->signstate)) {
		if (w->o->trace)
			printf("%8" PRIu64 " n%d RECORD refused: the block of a new vote is not here\n",
			       w->now, i);
		return;
	}
	struct write *wr = &nd->writes[nd->writes_len++];
	wbuf_init(&b, sizeof wr->bytes);
	cons_signstate_encode(a->signstate, &b);
	/* A record that does not read back is a restart that cannot happen:
	 * report it, with the seed. */
	if (wbuf_error(&b) != 0 || b.len > sizeof wr->bytes ||
	    cons_signstate_decode(b.data, b.len, &back) != 0) {
		violation(w, true, "record: node %" PRIu64
				   " wrote a signing record that does not decode (height %" PRIu64 ")",
			  (uint64_t)i, a->signstate->height);
		wbuf_free(&b);
		nd->writes_len--;
		return;
	}
	memcpy(wr->bytes, b.data, b.len);
	record_written(nd, a->signstate);
	/* What the node signed counts for it from now on (a restart counts
	 * it again from the record). */
	for (int t = 0; t < 3; t++)
		if (a->signstate->has[t])
			seen_add(w, i, &a->signstate->last[t]);
	wr->len = b.len;
	wr->seq = a->seq;
	wbuf_free(&b);
	e.kind = EV_PERSIST;
	e.node = (uint8_t)i;
	e.inc = nd->inc;
	e.cinc = nd->cinc;
	e.pseq = a->seq;
	at(w, nd->byz != BYZ_NONE ? 0 : below(w, 4), e);
}

/* ---- faults: the power cut ------------------------------------------- */

/* Every correct node crashes at once (within a few ms) and comes back:
 * only what each wrote to disk survives. Triggered right after a
 * precommit for a block, when more than two thirds may have signed for a
 * block that no one has committed yet. */
static void power_cut(struct world *w)
{
	uint64_t back = 100 + below(w, 1500);
	w->cut_armed = false;
	if (w->o->trace)
		printf("%8" PRIu64 " POWER CUT\n", w->now);
	for (int j = 0; j < w->n; j++) {
		if (w->nodes[j].byz != BYZ_NONE)
			continue;
		struct ev e = {0};
		e.kind = EV_CRASH;
		e.node = (uint8_t)j;
		at(w, below(w, 5), e);
		e.kind = EV_RESTART;
		at(w, back + below(w, 50), e);
	}
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
		e.cinc = nd->cinc;
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
			/* A proposal goes with its block: without it (signed
			 * before a crash that took it), the round fails. */
			if (a->msg.type == CONS_MSG_PROPOSAL &&
			    cand_find(nd, a->msg.hash) == NULL)
				break;
			if (a->msg.validator == i) {
				check_signed(w, i, &a->msg);
				seen_add(w, i, &a->msg);
				check_precommit(w, i, &a->msg);
			}
			for (int j = 0; j < w->n; j++)
				send_msg(w, i, j, &a->msg);
			if (w->cut_armed && !w->healed &&
			    a->msg.type == CONS_MSG_PRECOMMIT &&
			    !is_nil_hash(a->msg.hash))
				power_cut(w);
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
		case CONS_ACT_PERSIST:
			persist(w, i, a);
			break;
		case CONS_ACT_GET_VALUE:
			e.kind = EV_VALUE;
			e.h = a->height;
			e.r = a->round;
			at(w, below(w, 5), e);
			break;
		case CONS_ACT_COMMIT:
			if (w->o->trace)
				printf("%8" PRIu64 " n%d COMMIT h=%" PRIu64
				       " r=%u %02x%02x signers=%u%s\n",
				       w->now, i, a->cert->height,
				       a->cert->round, a->cert->hash[8],
				       a->cert->hash[13], a->cert->count,
				       cand_find(nd, a->cert->hash) ? ""
				       : " (block not here: core restarts)");
			w->trace = fnv(w->trace, a->cert->hash, HASH_BYTES);
			/* What a correct core decides is checked whether or
			 * not the node can store it. */
			if (nd->byz == BYZ_NONE)
				check_commit(w, i, a->cert);
			/* driver.c commit: "decided block is not here"; the
			 * core starts again at the head, catch-up may bring
			 * the block. A later height decided in the same step
			 * is refused too (not at head + 1). */
			if (nd->restart_core ||
			    cand_find(nd, a->cert->hash) == NULL) {
				nd->restart_core = true;
				break;
			}
			chain_add(w, i, a->cert);
			break;
		case CONS_ACT_EVIDENCE:
			trace_msg(w, "EVIDENCE", i, &a->msg);
			if (nd->byz == BYZ_NONE)
				check_evidence(w, i, a);
			break;
		}
	}
}

static void core_start(struct world *w, int i);

static void feed(struct world *w, int i, const struct cons_event *ev)
{
	const struct cons_action *acts;
	size_t n;
	struct node *nd = &w->nodes[i];
	if (!nd->up || nd->core == NULL)
		return;
	int rc = cons_step(nd->core, ev, &acts, &n);
	trace_u64(w, (uint64_t)(int64_t)rc);
	if (rc == 0)
		apply(w, i, acts, n);
	if (nd->restart_core) {
		nd->restart_core = false;
		core_start(w, i);
	}
}

/* ---- node life cycle -------------------------------------------------- */

/* The checker's own reading of a record (not cons_signstate_blocks, the
 * code under test): a message of rec at rec's height for a block that
 * node does not hold. */
static bool record_lacks_block(const struct node *nd,
			       const struct cons_signstate *rec)
{
	for (int k = 0; k < 3; k++)
		if (rec->has[k] && rec->last[k].height == rec->height &&
		    !is_nil_hash(rec->last[k].hash) &&
		    !holds(nd, rec->height, rec->last[k].hash))
			return true;
	return false;
}

/* driver.c core_start: a core at head + 1 from the record on disk. */
static void core_start(struct world *w, int i)
{
	struct node *nd = &w->nodes[i];
	struct cons_config cfg = {0};
	struct cons_signstate rec;
	cons_free(nd->core);
	nd->core = NULL;
	writes_flush(nd);
	nd->cinc++; /* timers, acks and values of the old core are void */
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
	record_written(nd, have ? &rec : NULL);
	nd->lost_h = 0;
	if (have && rec.height > nd->chain_len && record_lacks_block(nd, &rec))
		nd->lost_h = rec.height;
	if (w->o->trace)
		printf("%8" PRIu64 " n%d CORE at h=%" PRIu64 "%s\n", w->now, i,
		       nd->chain_len + 1,
		       nd->lost_h ? " (its record signs for a block it lacks)" : "");
	struct cons_event ev = {0};
	ev.kind = CONS_EV_START;
	feed(w, i, &ev);
}

/* §7.7: drop the core; it signs nothing until catch-up starts another. */
static void core_stop(struct node *nd)
{
	cons_free(nd->core);
	nd->core = NULL;
	writes_flush(nd);
	nd->cinc++;
}

static void node_start(struct world *w, int i)
{
	struct node *nd = &w->nodes[i];
	nd->up = true;
	nd->inc++;
	nd->writes_len = 0;
	memset(&nd->sync, 0, sizeof nd->sync);
	memset(nd->peer_status, 0, sizeof nd->peer_status);
	memset(nd->distrust_until, 0, sizeof nd->distrust_until);
	core_start(w, i);
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
	/* Blocks held only in memory are gone; those written before a
	 * record (rule 4) come back from disk. */
	size_t kept = 0;
	for (size_t k = 0; k < CANDS_MAX; k++) {
		if (nd->cands[k].used && !nd->cands[k].durable)
			nd->cands[k].used = false;
		kept += nd->cands[k].used;
	}
	cons_free(nd->core);
	nd->core = NULL;
	nd->up = false;
	nd->inc++; /* timers and acks of the old life are void */
	if (w->o->trace)
		printf("%8" PRIu64 " n%d CRASH (kept %zu writes, %" PRIu64
		       " of %" PRIu64 " blocks, %zu candidate blocks)\n",
		       w->now, i, keep, nd->chain_len, len, kept);
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

/* ---- catch-up (specs/node.md §7.7) ----------------------------------- */

static const struct sync_config sim_sync_cfg = {
    .lag_ms = SIM_SYNC_LAG_MS,
    .timeout_ms = SIM_SYNC_TIMEOUT_MS,
    .vote_gap = SYNC_VOTE_GAP,
};

/* A Byzantine validator (but a silent one) may lie about its height, to
 * make correct ones stop voting or ask it in vain. */
static uint64_t status_height(struct world *w, int i)
{
	const struct node *nd = &w->nodes[i];
	if (nd->byz != BYZ_NONE && below(w, 2) == 0)
		return nd->chain_len + 3 + below(w, 10);
	return nd->chain_len;
}

static void status_send(struct world *w, int i)
{
	if (w->nodes[i].byz == BYZ_SILENT)
		return;
	for (int j = 0; j < w->n; j++) {
		uint8_t b[8];
		be64_put(b, status_height(w, i));
		net_send_ch(w, i, j, CH_STATUS, b, sizeof b);
	}
}

/* driver.c sync_consider: the decisions of consensus/sync.c, carried
 * out. */
static void sync_consider(struct world *w, int i)
{
	struct node *nd = &w->nodes[i];
	struct sync_peer peers[SIM_NODES_MAX];
	struct sync_out out;
	if (!nd->up)
		return;
	for (int j = 0; j < w->n; j++) {
		peers[j].height = nd->peer_height[j];
		peers[j].power = w->power[j];
		peers[j].status = j != i && nd->peer_status[j];
		peers[j].trusted = nd->distrust_until[j] <= w->now;
	}
	struct sync_in in = {
	    .cfg = &sim_sync_cfg,
	    .head = nd->chain_len,
	    .votes = true,
	    .has_core = nd->core != NULL,
	    .core_height = nd->core != NULL ? cons_height(nd->core) : 0,
	    .peers = peers,
	    .n_peers = (size_t)w->n,
	    .total_power = w->total_power,
	    .now_ms = w->now,
	    .batch = SIM_SYNC_BATCH,
	};
	sync_decide(&nd->sync, &in, &out);
	trace_u64(w, ((uint64_t)out.core << 56) ^ out.ask ^ ((uint64_t)out.count << 32));
	if (out.timed_out != SIZE_MAX)
		nd->distrust_until[out.timed_out] = w->now + SIM_SYNC_DISTRUST_MS;
	switch (out.core) {
	case SYNC_CORE_STOP:
		if (w->o->trace)
			printf("%8" PRIu64 " n%d STOP VOTING (head %" PRIu64
			       ", a third at %" PRIu64 ")\n",
			       w->now, i, nd->chain_len, out.third);
		w->res->stops++;
		core_stop(nd);
		break;
	case SYNC_CORE_START:
	case SYNC_CORE_RESTART:
		core_start(w, i);
		break;
	case SYNC_CORE_KEEP:
		break;
	}
	if (out.ask != SIZE_MAX) {
		uint8_t b[12];
		be64_put(b, nd->chain_len + 1);
		be32_put(b + 8, out.count);
		net_send_ch(w, i, (int)out.ask, CH_BLOCKS_GET, b, sizeof b);
		sync_request_sent(&nd->sync, out.ask, nd->chain_len + out.count,
				  w->now);
	}
}

/* The coalition does not hand out the block of the height it attacks. */
static bool coal_hides(const struct world *w, int i, uint64_t h)
{
	return w->nodes[i].byz == BYZ_COALITION && w->coal.active &&
	       w->coal.h == h && !w->healed;
}

/* A forger's answer: a block of the height asked with a certificate of
 * the Byzantine signatures only; the node must refuse it and distrust
 * the sender. */
static void forged_block(struct world *w, int i, int to, uint64_t h)
{
	static struct cons_cert c;
	struct wbuf b;
	memset(&c, 0, sizeof c);
	c.height = h;
	value_make(w, h, i, TAG_FORGED | (uint32_t)below(w, 1u << 20), c.hash);
	for (int k = 0; k < w->n; k++) {
		if (w->nodes[k].byz == BYZ_NONE)
			continue;
		struct cons_msg m = {0};
		m.type = CONS_MSG_PRECOMMIT;
		m.height = h;
		memcpy(m.hash, c.hash, HASH_BYTES);
		msg_sign(w, k, &m);
		c.index[c.count] = (uint16_t)k;
		memcpy(c.sig[c.count++], m.sig, SIG_BYTES);
	}
	wbuf_init(&b, CONS_WIRE_BYTES_MAX);
	cons_commit_encode(&c, &b);
	if (wbuf_error(&b) == 0)
		net_send_ch(w, i, to, CH_BLOCK, b.data, b.len);
	wbuf_free(&b);
}

/* The record on disk is of a height above h. */
static bool record_ahead(const struct node *nd, uint64_t h)
{
	struct cons_signstate rec;
	return nd->disk_len > 0 &&
	       cons_signstate_decode(nd->disk, nd->disk_len, &rec) == 0 &&
	       rec.height > h;
}

/* A correct node answers with the blocks it has (each with the
 * certificate it stores). A Byzantine one answers half the time (never
 * with --byz-withhold, nor a silent one, nor the coalition at the height
 * it attacks); a forger may answer with a forged certificate instead. */
static void on_blocks_get(struct world *w, const struct ev *e)
{
	struct node *nd = &w->nodes[e->node];
	if (e->len != 12)
		return;
	uint64_t from = be64_get(e->bytes);
	uint32_t count = be32_get(e->bytes + 8);
	if (nd->byz != BYZ_NONE) {
		if (w->o->byz_withhold || nd->byz == BYZ_SILENT ||
		    below(w, 2) == 0)
			return;
		if (nd->byz == BYZ_FORGER && below(w, 2) == 0) {
			forged_block(w, e->node, e->from, from);
			return;
		}
	}
	for (uint64_t h = from; h >= 1 && h < from + count && h <= nd->chain_len; h++) {
		if (coal_hides(w, e->node, h))
			break;
		net_send_ch(w, e->node, e->from, CH_BLOCK, nd->chain[h - 1].cert,
			    nd->chain[h - 1].cert_len);
	}
}

/* driver.c on_block: the next block, verified as node_block_apply does
 * (a valid block of its height, a certificate of more than two thirds),
 * is committed outside the core; a peer that sends a bad one is
 * distrusted. */
static void on_block(struct world *w, const struct ev *e)
{
	static struct cons_cert cert;
	struct node *nd = &w->nodes[e->node];
	struct cons_msg m;
	uint8_t type;
	if (cons_wire_decode(e->bytes, e->len, &type, &m, &cert) != 0 ||
	    type != CONS_MSG_COMMIT) {
		if (w->nodes[e->from].byz == BYZ_NONE)
			violation(w, true, "decode: node %" PRIu64
					   " sent a block that does not decode to node %" PRIu64,
				  (uint64_t)e->from, (uint64_t)e->node);
		return;
	}
	if (cert.height != nd->chain_len + 1)
		return;
	if (!value_valid(w, cert.hash, cert.height) || !cert_verify(w, &cert)) {
		nd->distrust_until[e->from] = w->now + SIM_SYNC_DISTRUST_MS;
		if (nd->sync.req_peer == e->from)
			nd->sync.req_active = false;
		return;
	}
	w->res->fetched++;
	if (w->o->trace)
		printf("%8" PRIu64 " n%d FETCHED h=%" PRIu64 " from n%u\n",
		       w->now, e->node, cert.height, e->from);
	/* driver.c commits the block itself and restarts the core (in
	 * sync_consider below). Half the time the simulator hands a block
	 * of the core's own height to the core instead, as the certificate
	 * CONS_EV_COMMIT takes (a driver may do either): the core decides
	 * it and enters the next height itself. Always so when the record
	 * is ahead of the block (only the simulator's lazy chain makes
	 * that): the core must then resume the record's round and lock when
	 * it gets there ("Durable before what" 2, mutant
	 * lock-lost-record-ahead). */
	if (nd->core != NULL && cons_height(nd->core) == cert.height &&
	    (record_ahead(nd, cert.height) || below(w, 2) == 0)) {
		struct cons_event ev = {0};
		cand_add(nd, cert.height, cert.hash);
		ev.kind = CONS_EV_COMMIT;
		ev.cert = &cert;
		ev.valid = true;
		feed(w, e->node, &ev);
	}
	if (nd->chain_len < cert.height) {
		chain_add(w, e->node, &cert);
		if (nd->byz == BYZ_NONE)
			check_commit(w, e->node, &cert);
	}
	if (cert.height >= nd->sync.req_end)
		nd->sync.req_active = false;
	sync_consider(w, e->node);
}

static void on_status(struct world *w, const struct ev *e)
{
	struct node *nd = &w->nodes[e->node];
	if (e->len != 8)
		return;
	nd->peer_status[e->from] = true;
	nd->peer_height[e->from] = be64_get(e->bytes);
	sync_consider(w, e->node);
}

static void on_deliver(struct world *w, const struct ev *e)
{
	static struct cons_cert cert; /* large; the simulator is one thread */
	struct node *nd = &w->nodes[e->node];
	struct cons_event ev = {0};
	uint8_t type;
	if (!nd->up)
		return;
	switch (e->ch) {
	case CH_STATUS:
		on_status(w, e);
		return;
	case CH_BLOCKS_GET:
		on_blocks_get(w, e);
		return;
	case CH_BLOCK:
		on_block(w, e);
		return;
	default:
		break;
	}
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
		/* Only forgers send certificates this way (correct nodes
		 * catch up by blocks): the core must refuse them. */
		ev.kind = CONS_EV_COMMIT;
		ev.cert = &cert;
		ev.valid = value_valid(w, cert.hash, cert.height);
		if (nd->core != NULL && cert.height == cons_height(nd->core))
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
	if (ev.msg.type == CONS_MSG_PROPOSAL) {
		/* A proposal carries its block (§7.3), kept once its
		 * signature checks. */
		if (msg_ok(w, &ev.msg))
			cand_add(nd, ev.msg.height, ev.msg.hash);
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
	cand_add(nd, e->h, ev.hash);
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
		/* A power cut of every correct node at once, in a third
		 * of the runs (armed at a random time). */
		if (below(w, 3) == 0) {
			e.kind = EV_POWERCUT;
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
					if (w->nodes[i].up && w->nodes[i].core != NULL)
						printf("node %d: h=%" PRIu64 " r=%u step=%d locked=%d\n",
						       i, cons_height(w->nodes[i].core),
						       cons_round(w->nodes[i].core),
						       (int)cons_step_get(w->nodes[i].core),
						       cons_locked_round(w->nodes[i].core));
			/* A validator that restarted with a record signing for
			 * a block it could not produce (rule 4 of "Durable
			 * before what" broken) is the likely cause: say so. */
			int lost = -1;
			for (int i = 0; i < w->n; i++)
				if (w->nodes[i].byz == BYZ_NONE &&
				    w->nodes[i].lost_h == worst + 1)
					lost = i;
			if (lost >= 0)
				violation(w, false, "liveness: node %" PRIu64
						    " restarted with a signed message for a block it cannot produce, and the chain stalled at height %" PRIu64,
					  (uint64_t)lost, worst + 1);
			else
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
			if (e.inc != nd->inc || e.cinc != nd->cinc)
				break;
			ev.kind = CONS_EV_TIMEOUT;
			ev.timeout = (enum cons_timeout)e.tk;
			ev.height = e.h;
			ev.round = e.r;
			if (o->trace)
				printf("%8" PRIu64 " n%u TIMEOUT %u h=%" PRIu64 " r=%u\n",
				       w->now, e.node, e.tk, e.h, e.r);
			feed(w, e.node, &ev);
			break;
		case EV_PERSIST:
			if (e.inc == nd->inc && e.cinc == nd->cinc)
				on_persist(w, &e);
			break;
		case EV_VALUE:
			if (e.inc == nd->inc && e.cinc == nd->cinc)
				on_value(w, &e);
			break;
		case EV_TICK:
			if (e.inc != nd->inc)
				break;
			ev.kind = CONS_EV_TICK;
			feed(w, e.node, &ev);
			status_send(w, e.node);
			sync_consider(w, e.node);
			at(w, TICK_MS, e);
			break;
		case EV_POWERCUT:
			w->cut_armed = !w->healed;
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
			    e.h > nd->chain_synced) {
				nd->chain_synced = e.h;
				cands_prune(nd);
			}
			break;
		case EV_INJECT: {
			/* A decoded certificate, as another driver path (block
			 * catch-up) might hand one over. */
			const struct cons_cert *c = (const struct cons_cert *)e.bytes;
			if (nd->up && nd->core != NULL &&
			    c->height == cons_height(nd->core)) {
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

