/* check.c - the simulator's checkers: agreement, validity, certificates,
 * double signing, evidence, and the rule checks (specs/consensus.md,
 * "Simulator"). */
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

void violation(struct world *w, bool safety, const char *fmt, uint64_t a,
	       uint64_t b)
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

bool sim_quorum(const struct world *w, uint64_t p)
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

/* A certificate of precommits of more than two thirds of the power, with
 * valid signatures of distinct validators in ascending order: what a
 * checker demands of a commit, and what a node demands of a block it
 * fetches (node_block_apply's certificate check, specs/node.md §6). */
bool cert_verify(struct world *w, const struct cons_cert *c)
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
void check_commit(struct world *w, int i, const struct cons_cert *c)
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
	if (!cert_verify(w, c))
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
void check_signed(struct world *w, int i, const struct cons_msg *m)
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
void seen_add(struct world *w, int node, const struct cons_msg *m)
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
void check_timer(struct world *w, int i, const struct cons_action *a)
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

void check_precommit(struct world *w, int i, const struct cons_msg *m)
{
	if (!w->o->rule_checks || m->type != CONS_MSG_PRECOMMIT ||
	    is_nil(m->hash))
		return;
	if (!seen_quorum(w, i, CONS_MSG_PREVOTE, m->height, m->round, m->hash))
		rule_violation(w, "rule 36: node %" PRIu64
				  " precommitted a block without a polka at height %" PRIu64,
			       (uint64_t)i, m->height);
}

void check_evidence(struct world *w, int i, const struct cons_action *a)
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
