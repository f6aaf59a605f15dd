/* byz.c - the simulator's Byzantine validators: the split-brain liar, the
 * random voter, the coalition (lock-breaker) and the forger
 * (specs/consensus.md, "Simulator"). */
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
void coal_hear(struct world *w, const struct cons_msg *m, bool valid)
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
void forge(struct world *w, int i)
{
	static struct cons_cert cert;
	int j = (int)below(w, (uint64_t)w->n);
	struct node *t = &w->nodes[j];
	if (t->byz != BYZ_NONE || !t->up || t->core == NULL)
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
void race(struct world *w, int i, uint64_t h, uint32_t r)
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

void byz_broadcast(struct world *w, int i, const struct cons_msg *m)
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
