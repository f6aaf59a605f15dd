/* cons.c - the Tendermint core (specs/consensus.md). Rule numbers are the
 * line numbers of Algorithm 1 in Buchman, Kwon, Milosevic (2018). */
#include "consensus/cons.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/vote.h"

#define PREVOTES 0
#define PRECOMMITS 1
/* Rules re-checked after an event, at most this many firings: each firing
 * moves the step, round or height forward, so few are ever needed. */
#define RULE_FIRINGS_MAX 64
/* Headroom kept in the action array for non-droppable actions. */
#define ACTS_RESERVE 32u

static const uint8_t NIL[HASH_BYTES];

/* One validator's vote of one type in one round, as received, and a
 * second, conflicting one if it equivocated. Algorithm 1 counts every
 * message received, so an equivocator counts towards both values; that
 * is safe (two quorums still share a correct validator) and needed for
 * liveness: another node's polka may hold the vote we saw second. */
struct vote_rec {
	bool present;
	bool evidenced; /* its equivocation was already reported */
	bool alt_present;
	uint8_t hash[HASH_BYTES];
	uint8_t sig[SIG_BYTES];
	uint8_t alt_hash[HASH_BYTES];
	uint8_t alt_sig[SIG_BYTES];
};

/* Everything known about one round of the current height. */
struct slot {
	bool used;
	uint32_t round;
	bool has_proposal;
	bool proposal_valid;
	struct cons_msg proposal;
	bool prevote_timer;   /* rule 34 fired */
	bool precommit_timer; /* rule 47 fired */
	bool rule36_done;     /* rule 36 fired */
	bool proposal_evidenced; /* a conflicting proposal was reported */
	struct vote_rec *votes[2]; /* [PREVOTES], [PRECOMMITS]: n each */
};

struct future {
	struct cons_msg msg;
	bool valid;
};

struct pending {
	uint64_t seq;
	struct cons_msg msg;
};

struct cons {
	/* Configuration, copied at init. */
	char chain_id[CHAIN_ID_BYTES_MAX + 1];
	uint16_t n;
	int self;
	uint8_t (*pubkeys)[PUBKEY_BYTES];
	uint64_t *power;
	uint64_t total_power;
	const struct key *key;
	struct cons_crypto crypto;
	uint32_t propose_ms, prevote_ms, precommit_ms, delta_ms, max_ms;
	bool unsafe_majority;

	/* Algorithm 1's state (rule 1-9). */
	uint64_t height;
	uint32_t round;
	enum cons_step step;
	int32_t locked_round;
	uint8_t locked_hash[HASH_BYTES];
	struct cons_cert polka; /* the prevotes behind the lock */
	int32_t valid_round;
	uint8_t valid_hash[HASH_BYTES];
	bool started;

	struct slot slots[CONS_ROUND_SLOTS];
	struct vote_rec *vote_mem;
	/* Rule 55: per validator, 1 + the highest round it sent a verified
	 * message for at this height (0: none). */
	uint32_t *seen_round;

	/* Messages for height + 1, verified, replayed when we get there. */
	struct future *future;
	size_t future_len, future_cap;
	bool replay_due;

	/* Double-sign protection (spec "Signing state"). */
	struct cons_signstate rec;
	uint64_t seq_next;
	struct pending pending[CONS_PENDING_MAX];
	size_t pending_len;
	uint64_t refused;

	/* Output of the current step. */
	struct cons_action *acts;
	size_t acts_len, acts_cap;
	struct cons_cert certs[2]; /* at most two decisions per step */
	unsigned cert_next;
};

/* ---- helpers ---------------------------------------------------------- */

uint16_t cons_proposer(uint64_t height, uint32_t round, uint16_t n)
{
	assert(n > 0);
	return (uint16_t)((height + round) % n);
}

static bool quorum(const struct cons *s, uint64_t p)
{
	if (s->unsafe_majority)
		return p * 2 > s->total_power;
	return p * 3 > s->total_power * 2; /* "2f+1": more than two thirds */
}

static bool one_third(const struct cons *s, uint64_t p)
{
	return p * 3 > s->total_power; /* "f+1": more than one third */
}

static uint32_t timeout_ms(const struct cons *s, uint32_t base, uint32_t r)
{
	uint64_t t = (uint64_t)base + (uint64_t)r * s->delta_ms;
	return t > s->max_ms ? s->max_ms : (uint32_t)t;
}

static struct cons_action *emit(struct cons *s, enum cons_action_kind kind,
				bool droppable)
{
	/* Gossip and evidence are best effort; the rest is bounded by the
	 * state machine (a handful per rule firing) and must fit. */
	if (droppable && s->acts_len + ACTS_RESERVE >= s->acts_cap)
		return NULL;
	assert(s->acts_len < s->acts_cap);
	struct cons_action *a = &s->acts[s->acts_len++];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	return a;
}

static void timer_set(struct cons *s, enum cons_timeout t, uint32_t base)
{
	struct cons_action *a = emit(s, CONS_ACT_TIMER, false);
	a->timeout = t;
	a->height = s->height;
	a->round = s->round;
	a->duration_ms = timeout_ms(s, base, s->round);
}

static struct slot *slot_find(struct cons *s, uint32_t round)
{
	for (unsigned i = 0; i < CONS_ROUND_SLOTS; i++)
		if (s->slots[i].used && s->slots[i].round == round)
			return &s->slots[i];
	return NULL;
}

static void slot_clear(struct cons *s, struct slot *sl)
{
	struct vote_rec *pv = sl->votes[PREVOTES], *pc = sl->votes[PRECOMMITS];
	memset(sl, 0, sizeof *sl);
	sl->votes[PREVOTES] = pv;
	sl->votes[PRECOMMITS] = pc;
	memset(pv, 0, s->n * sizeof *pv);
	memset(pc, 0, s->n * sizeof *pc);
}

/* Rounds the rules still need: the current one, the locked and valid
 * rounds, and the valid round named by the current round's proposal
 * (rule 28 counts its prevotes). */
static bool round_protected(const struct cons *s, uint32_t r)
{
	const struct slot *cur = NULL;
	if (r == s->round || (int64_t)r == (int64_t)s->locked_round ||
	    (int64_t)r == (int64_t)s->valid_round)
		return true;
	for (unsigned i = 0; i < CONS_ROUND_SLOTS; i++)
		if (s->slots[i].used && s->slots[i].round == s->round)
			cur = &s->slots[i];
	return cur != NULL && cur->has_proposal &&
	       (int64_t)cur->proposal.valid_round == (int64_t)r;
}

/* How much a round is worth keeping: 0 for protected rounds, else its
 * distance from the current round (lower is better). */
static uint32_t round_rank(const struct cons *s, uint32_t r)
{
	if (round_protected(s, r))
		return 0;
	return r > s->round ? r - s->round : s->round - r;
}

/* The slot for round, made if there is room. A full table gives up the
 * round of worst rank if that is worse than the new round's; otherwise
 * the new round is not kept (spec "Buffering"). */
static struct slot *slot_get(struct cons *s, uint32_t round)
{
	struct slot *sl = slot_find(s, round), *victim = NULL;
	uint32_t victim_rank = 0;
	if (sl != NULL)
		return sl;
	for (unsigned i = 0; i < CONS_ROUND_SLOTS; i++) {
		struct slot *c = &s->slots[i];
		if (!c->used) {
			victim = c;
			break;
		}
		uint32_t rank = round_rank(s, c->round);
		if (rank > 0 && (victim == NULL || rank > victim_rank)) {
			victim = c;
			victim_rank = rank;
		}
	}
	if (victim == NULL)
		return NULL;
	if (victim->used && victim_rank <= round_rank(s, round))
		return NULL;
	slot_clear(s, victim);
	victim->used = true;
	victim->round = round;
	return victim;
}

/* Voting power of the votes of one type in sl for hash (NULL: any). */
static uint64_t power_of(const struct cons *s, const struct slot *sl,
			 int type, const uint8_t *hash)
{
	uint64_t p = 0;
	for (uint16_t i = 0; i < s->n; i++) {
		const struct vote_rec *v = &sl->votes[type][i];
		if (v->present &&
		    (hash == NULL || memcmp(v->hash, hash, HASH_BYTES) == 0 ||
		     (v->alt_present &&
		      memcmp(v->alt_hash, hash, HASH_BYTES) == 0)))
			p += s->power[i];
	}
	return p;
}

/* The stored vote (alt: the conflicting one) as a message. */
static void vote_to_msg(const struct cons *s, const struct slot *sl, int type,
			uint16_t i, bool alt, struct cons_msg *m)
{
	const struct vote_rec *v = &sl->votes[type][i];
	memset(m, 0, sizeof *m);
	m->type = type == PREVOTES ? CONS_MSG_PREVOTE : CONS_MSG_PRECOMMIT;
	m->validator = i;
	m->height = s->height;
	m->round = sl->round;
	m->valid_round = -1;
	memcpy(m->hash, alt ? v->alt_hash : v->hash, HASH_BYTES);
	memcpy(m->sig, alt ? v->alt_sig : v->sig, SIG_BYTES);
}

/* ---- crypto ----------------------------------------------------------- */

static int ed_sign(void *ctx, uint8_t sig[SIG_BYTES], const char *context,
		   const uint8_t *payload, size_t n)
{
	struct cons *s = ctx;
	if (s->key == NULL)
		return ACC_ECONFIG;
	return ed25519_sign_ctx(sig, s->key, context, s->chain_id, payload, n);
}

static int ed_verify(void *ctx, uint16_t validator,
		     const uint8_t sig[SIG_BYTES], const char *context,
		     const uint8_t *payload, size_t n)
{
	struct cons *s = ctx;
	return ed25519_verify_ctx(sig, s->pubkeys[validator], context,
				  s->chain_id, payload, n);
}

static int msg_verify(struct cons *s, const struct cons_msg *m)
{
	uint8_t payload[CONS_PROPOSAL_PAYLOAD_BYTES];
	const char *context;
	size_t n = cons_msg_sign_bytes(m, &context, payload);
	if (s->crypto.verify(s->crypto.ctx, m->validator, m->sig, context,
			     payload, n) != 0)
		return ACC_EBADSIG;
	return 0;
}

/* ---- signing with double-sign protection ------------------------------- */

static uint8_t step_of(uint8_t type)
{
	return type == CONS_MSG_PROPOSAL   ? CONS_STEP_PROPOSE
	       : type == CONS_MSG_PREVOTE ? CONS_STEP_PREVOTE
				       : CONS_STEP_PRECOMMIT;
}

/* True if (h, r, step) is strictly above the last thing we signed, so
 * signing it cannot contradict anything signed before (spec "Signing
 * state"). */
static bool sign_allowed(const struct cons_signstate *rec, uint64_t h,
			 uint32_t r, uint8_t step)
{
	if (rec->step == 0)
		return true;
	if (h != rec->height)
		return h > rec->height;
	if (r != rec->round)
		return r > rec->round;
	return step > rec->step;
}

/* Sign m, have the record persisted, and broadcast m only once PERSISTED
 * says so. Declining is always safe: a missing message costs at most a
 * round. */
static void sign_send(struct cons *s, struct cons_msg *m)
{
	uint8_t payload[CONS_PROPOSAL_PAYLOAD_BYTES];
	const char *context;
	if (s->self < 0)
		return;
	m->validator = (uint16_t)s->self;
	if (!sign_allowed(&s->rec, m->height, m->round, step_of(m->type)) ||
	    s->pending_len == CONS_PENDING_MAX) {
		s->refused++;
		return;
	}
	size_t n = cons_msg_sign_bytes(m, &context, payload);
	if (s->crypto.sign(s->crypto.ctx, m->sig, context, payload, n) != 0) {
		s->refused++;
		return;
	}
	if (s->rec.height != m->height)
		memset(s->rec.has, 0, sizeof s->rec.has);
	s->rec.height = m->height;
	s->rec.round = m->round;
	s->rec.step = step_of(m->type);
	s->rec.locked_round = s->locked_round;
	memcpy(s->rec.locked_hash, s->locked_hash, HASH_BYTES);
	/* Keep the latest message of each type at this height. */
	s->rec.has[step_of(m->type) - 1] = true;
	s->rec.last[step_of(m->type) - 1] = *m;
	s->rec.has_polka = s->locked_round >= 0;
	if (s->rec.has_polka)
		s->rec.polka = s->polka;
	struct cons_action *a = emit(s, CONS_ACT_PERSIST, false);
	a->signstate = &s->rec;
	a->seq = s->seq_next;
	s->pending[s->pending_len].seq = s->seq_next++;
	s->pending[s->pending_len].msg = *m;
	s->pending_len++;
}

static void vote_send(struct cons *s, uint8_t type, const uint8_t *hash)
{
	struct cons_msg m = {0};
	m.type = type;
	m.height = s->height;
	m.round = s->round;
	m.valid_round = -1;
	memcpy(m.hash, hash, HASH_BYTES);
	sign_send(s, &m);
}

static void proposal_send(struct cons *s, const uint8_t *hash, int32_t vr)
{
	struct cons_msg m = {0};
	m.type = CONS_MSG_PROPOSAL;
	m.height = s->height;
	m.round = s->round;
	m.valid_round = vr;
	memcpy(m.hash, hash, HASH_BYTES);
	sign_send(s, &m);
}

/* ---- rounds and heights ---------------------------------------------- */

/* Rule 11-21: StartRound(round). */
static void start_round(struct cons *s, uint32_t round)
{
	s->round = round;
	s->step = CONS_STEP_PROPOSE;
	struct slot *sl = slot_get(s, round);
	assert(sl != NULL); /* the current round always wins a slot */
	(void)sl;
	/* Rule 21 schedules the propose timeout only on non-proposers; we
	 * schedule it on the proposer too, so a proposer that may not sign
	 * (after a restart) or gets no value still moves on (spec
	 * "Deviations"). */
	timer_set(s, CONS_TIMEOUT_PROPOSE, s->propose_ms);
	if (s->self < 0 || cons_proposer(s->height, round, s->n) != s->self)
		return;
	/* Rule 14-18: re-propose validValue if we have one. */
	if (s->valid_round >= 0) {
		proposal_send(s, s->valid_hash, s->valid_round);
		return;
	}
	struct cons_action *a = emit(s, CONS_ACT_GET_VALUE, false);
	a->height = s->height;
	a->round = round;
}

static void height_enter(struct cons *s, uint64_t height)
{
	s->height = height;
	s->locked_round = -1;
	s->valid_round = -1;
	memset(s->locked_hash, 0, HASH_BYTES);
	memset(s->valid_hash, 0, HASH_BYTES);
	for (unsigned i = 0; i < CONS_ROUND_SLOTS; i++)
		slot_clear(s, &s->slots[i]);
	memset(s->seen_round, 0, s->n * sizeof *s->seen_round);
	s->round = 0;
	/* Entering the height we last signed in (at a restart, or again
	 * after re-deciding blocks the stored chain lost): resume its round
	 * with our lock (spec "Signing state"). Dropping the lock could make
	 * a correct node prevote against it. validValue restarts at the
	 * lock. */
	const struct cons_signstate *rec = &s->rec;
	if (rec->step != 0 && rec->height == height) {
		s->round = rec->round;
		s->locked_round = rec->locked_round;
		memcpy(s->locked_hash, rec->locked_hash, HASH_BYTES);
		if (rec->has_polka)
			s->polka = rec->polka;
		s->valid_round = rec->locked_round;
		memcpy(s->valid_hash, rec->locked_hash, HASH_BYTES);
	}
}

static void record_recount(struct cons *s);

/* Rule 49-54 (and a verified catch-up certificate): decide, then go to
 * the next height, StartRound(0). */
static void decide(struct cons *s, const struct cons_cert *cert)
{
	struct cons_cert *c = &s->certs[s->cert_next];
	s->cert_next ^= 1u;
	if (c != cert)
		*c = *cert;
	struct cons_action *a = emit(s, CONS_ACT_COMMIT, false);
	a->cert = c;
	a->height = c->height;
	a->round = c->round;
	height_enter(s, s->height + 1);
	start_round(s, s->round);
	record_recount(s);
	s->replay_due = s->future_len > 0;
}

/* The votes of one type in sl for hash, in certificate form. */
static void votes_collect(const struct cons *s, const struct slot *sl,
			  int type, const uint8_t *hash, struct cons_cert *c)
{
	memset(c, 0, sizeof *c);
	c->height = s->height;
	c->round = sl->round;
	memcpy(c->hash, hash, HASH_BYTES);
	for (uint16_t i = 0; i < s->n; i++) {
		const struct vote_rec *v = &sl->votes[type][i];
		const uint8_t *sig = NULL;
		if (v->present && memcmp(v->hash, hash, HASH_BYTES) == 0)
			sig = v->sig;
		else if (v->alt_present &&
			 memcmp(v->alt_hash, hash, HASH_BYTES) == 0)
			sig = v->alt_sig;
		if (sig == NULL)
			continue;
		c->index[c->count] = i;
		memcpy(c->sig[c->count], sig, SIG_BYTES);
		c->count++;
	}
}

static void decide_slot(struct cons *s, const struct slot *sl)
{
	struct cons_cert *c = &s->certs[s->cert_next];
	votes_collect(s, sl, PRECOMMITS, sl->proposal.hash, c);
	decide(s, c);
}

/* Rule 55: the highest round r' above ours such that validators with
 * more than a third of the power sent something for round r' or later.
 * At least one of them is correct and is in round r' or later. */
static uint32_t skip_target(const struct cons *s)
{
	uint32_t best = s->round;
	for (uint16_t i = 0; i < s->n; i++) {
		if (s->seen_round[i] == 0)
			continue;
		uint32_t r = s->seen_round[i] - 1;
		if (r <= best)
			continue;
		uint64_t p = 0;
		for (uint16_t j = 0; j < s->n; j++)
			if (s->seen_round[j] > r)
				p += s->power[j];
		if (one_third(s, p))
			best = r;
	}
	return best;
}

/* Check every upon-rule once; fire the first that applies. */
static bool rules_once(struct cons *s)
{
	/* Rule 49-54: a proposal and a quorum of precommits for it, in any
	 * round we keep. */
	for (unsigned i = 0; i < CONS_ROUND_SLOTS; i++) {
		const struct slot *d = &s->slots[i];
		if (d->used && d->has_proposal && d->proposal_valid &&
		    quorum(s, power_of(s, d, PRECOMMITS, d->proposal.hash))) {
			decide_slot(s, d);
			return true;
		}
	}
	/* Rule 55-56: f+1 from a later round. */
	uint32_t target = skip_target(s);
	if (target > s->round) {
		start_round(s, target);
		return true;
	}
	struct slot *sl = slot_find(s, s->round);
	assert(sl != NULL);
	const struct cons_msg *p = &sl->proposal;
	if (s->step == CONS_STEP_PROPOSE && sl->has_proposal) {
		if (p->valid_round == -1) {
			/* Rule 22-27: a fresh proposal; prevote it unless it
			 * is invalid or we are locked on something else. */
			bool ok = sl->proposal_valid &&
				  (s->locked_round == -1 ||
				   memcmp(s->locked_hash, p->hash, HASH_BYTES) == 0);
			vote_send(s, CONS_MSG_PREVOTE, ok ? p->hash : NIL);
			s->step = CONS_STEP_PREVOTE;
			return true;
		}
		const struct slot *vs = slot_find(s, (uint32_t)p->valid_round);
		if (vs != NULL &&
		    quorum(s, power_of(s, vs, PREVOTES, p->hash))) {
			/* Rule 28-33: a re-proposal backed by a quorum of
			 * prevotes in its valid round; our lock yields if
			 * it is no later than that round. */
			bool ok = sl->proposal_valid &&
				  (s->locked_round <= p->valid_round ||
				   memcmp(s->locked_hash, p->hash, HASH_BYTES) == 0);
			vote_send(s, CONS_MSG_PREVOTE, ok ? p->hash : NIL);
			s->step = CONS_STEP_PREVOTE;
			return true;
		}
	}
	/* Rule 34-35: a quorum of prevotes of any kind: start the clock. */
	if (s->step == CONS_STEP_PREVOTE && !sl->prevote_timer &&
	    quorum(s, power_of(s, sl, PREVOTES, NULL))) {
		sl->prevote_timer = true;
		timer_set(s, CONS_TIMEOUT_PREVOTE, s->prevote_ms);
		return true;
	}
	/* Rule 36-43: a valid proposal with a quorum of prevotes: lock and
	 * precommit it if still in prevote; remember it as validValue. */
	if (s->step >= CONS_STEP_PREVOTE && !sl->rule36_done &&
	    sl->has_proposal && sl->proposal_valid &&
	    quorum(s, power_of(s, sl, PREVOTES, p->hash))) {
		sl->rule36_done = true;
		if (s->step == CONS_STEP_PREVOTE) {
			s->locked_round = (int32_t)s->round;
			memcpy(s->locked_hash, p->hash, HASH_BYTES);
			votes_collect(s, sl, PREVOTES, p->hash, &s->polka);
			vote_send(s, CONS_MSG_PRECOMMIT, p->hash);
			s->step = CONS_STEP_PRECOMMIT;
		}
		s->valid_round = (int32_t)s->round;
		memcpy(s->valid_hash, p->hash, HASH_BYTES);
		return true;
	}
	/* Rule 44-46: a quorum of nil prevotes: precommit nil. */
	if (s->step == CONS_STEP_PREVOTE &&
	    quorum(s, power_of(s, sl, PREVOTES, NIL))) {
		vote_send(s, CONS_MSG_PRECOMMIT, NIL);
		s->step = CONS_STEP_PRECOMMIT;
		return true;
	}
	/* Rule 47-48: a quorum of precommits of any kind: start the clock. */
	if (!sl->precommit_timer &&
	    quorum(s, power_of(s, sl, PRECOMMITS, NULL))) {
		sl->precommit_timer = true;
		timer_set(s, CONS_TIMEOUT_PRECOMMIT, s->precommit_ms);
		return true;
	}
	return false;
}

/* ---- incoming messages ------------------------------------------------ */

static void future_keep(struct cons *s, const struct cons_msg *m, bool valid)
{
	size_t mine = 0;
	for (size_t i = 0; i < s->future_len; i++) {
		const struct cons_msg *f = &s->future[i].msg;
		if (f->validator != m->validator)
			continue;
		if (memcmp(f, m, sizeof *m) == 0)
			return;
		mine++;
	}
	/* A per-signer share keeps one flooding validator from crowding
	 * out the others (spec "Buffering"). */
	if (mine >= CONS_FUTURE_PER_VALIDATOR || s->future_len == s->future_cap)
		return;
	s->future[s->future_len].msg = *m;
	s->future[s->future_len].valid = valid;
	s->future_len++;
}

static bool same_vote(const struct vote_rec *v, const struct cons_msg *m)
{
	if (!v->present)
		return false;
	if (memcmp(v->hash, m->hash, HASH_BYTES) == 0 &&
	    memcmp(v->sig, m->sig, SIG_BYTES) == 0)
		return true;
	return v->alt_present &&
	       memcmp(v->alt_hash, m->hash, HASH_BYTES) == 0 &&
	       memcmp(v->alt_sig, m->sig, SIG_BYTES) == 0;
}

/* Whether hash is a value the rules may need votes for: the proposal of
 * the vote's round or of the current round, or our locked or valid
 * value. A second vote for such a value displaces a second vote for
 * anything else. */
static bool hash_wanted(const struct cons *s, const struct slot *sl,
			const uint8_t *hash)
{
	const struct slot *cur = NULL;
	for (unsigned i = 0; i < CONS_ROUND_SLOTS; i++)
		if (s->slots[i].used && s->slots[i].round == s->round)
			cur = &s->slots[i];
	return (sl->has_proposal &&
		memcmp(sl->proposal.hash, hash, HASH_BYTES) == 0) ||
	       (cur != NULL && cur->has_proposal &&
		memcmp(cur->proposal.hash, hash, HASH_BYTES) == 0) ||
	       (s->locked_round >= 0 &&
		memcmp(s->locked_hash, hash, HASH_BYTES) == 0) ||
	       (s->valid_round >= 0 &&
		memcmp(s->valid_hash, hash, HASH_BYTES) == 0);
}

/* Take in a proposal or vote; the rules run afterwards. verified: the
 * signature was already checked (our own messages, replayed ones). */
static int msg_accept(struct cons *s, const struct cons_msg *m, bool valid,
		      bool verified)
{
	int type = m->type == CONS_MSG_PRECOMMIT ? PRECOMMITS : PREVOTES;
	if (m->validator >= s->n)
		return ACC_EUNKNOWNKEY;
	if (m->round > CONS_ROUND_MAX)
		return ACC_EINVAL;
	if (m->type == CONS_MSG_PROPOSAL) {
		if (m->valid_round < -1 || m->valid_round >= (int64_t)m->round)
			return ACC_EINVAL;
		if (cons_proposer(m->height, m->round, s->n) != m->validator)
			return ACC_ERULE;
	}
	if (m->height < s->height || m->height > s->height + 1)
		return 0; /* decided already, or too far ahead to keep */

	struct slot *sl = m->height == s->height ? slot_find(s, m->round) : NULL;
	if (sl != NULL) {
		/* Duplicates are common (gossip); drop them before paying
		 * for a signature check. */
		if (m->type == CONS_MSG_PROPOSAL && sl->has_proposal &&
		    memcmp(&sl->proposal, m, sizeof *m) == 0)
			return 0;
		if (m->type != CONS_MSG_PROPOSAL &&
		    same_vote(&sl->votes[type][m->validator], m))
			return 0;
	}
	if (!verified && msg_verify(s, m) != 0)
		return ACC_EBADSIG;
	if (m->height == s->height + 1) {
		future_keep(s, m, valid);
		return 0;
	}
	if (m->round > s->round &&
	    s->seen_round[m->validator] < m->round + 1)
		s->seen_round[m->validator] = m->round + 1;
	sl = slot_get(s, m->round);
	if (sl == NULL)
		return 0; /* counted for rule 55 only */

	if (m->type == CONS_MSG_PROPOSAL) {
		/* The first proposal of a round stands; a second one from an
		 * equivocating proposer is ignored, and reported once (spec
		 * "Evidence"). */
		if (!sl->has_proposal) {
			sl->has_proposal = true;
			sl->proposal = *m;
			sl->proposal_valid = valid;
		} else if (!sl->proposal_evidenced &&
			   (memcmp(sl->proposal.hash, m->hash, HASH_BYTES) != 0 ||
			    sl->proposal.valid_round != m->valid_round)) {
			struct cons_action *a = emit(s, CONS_ACT_EVIDENCE, true);
			if (a != NULL) {
				sl->proposal_evidenced = true;
				a->msg = sl->proposal;
				a->msg2 = *m;
			}
		}
		return 0;
	}
	struct vote_rec *v = &sl->votes[type][m->validator];
	if (!v->present) {
		v->present = true;
		memcpy(v->hash, m->hash, HASH_BYTES);
		memcpy(v->sig, m->sig, SIG_BYTES);
		return 0;
	}
	if (memcmp(v->hash, m->hash, HASH_BYTES) == 0)
		return 0; /* same vote, another valid signature encoding */
	/* Two validly signed votes of one type for one round:
	 * equivocation. Keep the second too (see struct vote_rec). */
	if (!v->alt_present || hash_wanted(s, sl, m->hash)) {
		v->alt_present = true;
		memcpy(v->alt_hash, m->hash, HASH_BYTES);
		memcpy(v->alt_sig, m->sig, SIG_BYTES);
	}
	if (!v->evidenced) {
		struct cons_action *a = emit(s, CONS_ACT_EVIDENCE, true);
		if (a != NULL) {
			v->evidenced = true;
			vote_to_msg(s, sl, type, m->validator, false, &a->msg);
			a->msg2 = *m;
		}
	}
	return 0;
}

/* ---- events ----------------------------------------------------------- */

static int on_timeout(struct cons *s, const struct cons_event *ev)
{
	if (ev->height != s->height || ev->round != s->round)
		return 0; /* stale: a later round or height has started */
	switch (ev->timeout) {
	case CONS_TIMEOUT_PROPOSE:
		/* Rule 57-60: no acceptable proposal in time. */
		if (s->step == CONS_STEP_PROPOSE) {
			vote_send(s, CONS_MSG_PREVOTE, NIL);
			s->step = CONS_STEP_PREVOTE;
		}
		return 0;
	case CONS_TIMEOUT_PREVOTE:
		/* Rule 61-63: prevotes split. */
		if (s->step == CONS_STEP_PREVOTE) {
			vote_send(s, CONS_MSG_PRECOMMIT, NIL);
			s->step = CONS_STEP_PRECOMMIT;
		}
		return 0;
	case CONS_TIMEOUT_PRECOMMIT:
		/* Rule 64-65: no decision this round; try the next. */
		if (s->round < CONS_ROUND_MAX)
			start_round(s, s->round + 1);
		return 0;
	}
	return ACC_EINVAL;
}

static int on_value(struct cons *s, const struct cons_event *ev)
{
	/* Rule 18: getValue() answered; propose it if the round is still
	 * ours and nothing was proposed meanwhile. */
	if (ev->height != s->height || ev->round != s->round ||
	    s->step != CONS_STEP_PROPOSE || s->self < 0 ||
	    cons_proposer(s->height, s->round, s->n) != s->self)
		return 0;
	if (memcmp(ev->hash, NIL, HASH_BYTES) == 0)
		return ACC_EINVAL;
	proposal_send(s, ev->hash, -1);
	return 0;
}

static int on_persisted(struct cons *s, const struct cons_event *ev)
{
	if (ev->seq >= s->seq_next)
		return ACC_EINVAL;
	size_t done = 0;
	while (done < s->pending_len && s->pending[done].seq <= ev->seq) {
		const struct cons_msg *m = &s->pending[done].msg;
		struct cons_action *a = emit(s, CONS_ACT_BROADCAST, false);
		a->msg = *m;
		/* Our own message counts once it is out, like anyone's. */
		(void)msg_accept(s, m, true, true);
		done++;
	}
	memmove(s->pending, s->pending + done,
		(s->pending_len - done) * sizeof *s->pending);
	s->pending_len -= done;
	return 0;
}

static int on_commit(struct cons *s, const struct cons_event *ev)
{
	const struct cons_cert *c = ev->cert;
	uint64_t p = 0;
	if (c == NULL || !ev->valid)
		return ACC_EINVAL;
	if (c->height != s->height)
		return 0;
	if (c->count == 0 || c->count > s->n ||
	    memcmp(c->hash, NIL, HASH_BYTES) == 0)
		return ACC_ECERT;
	for (uint16_t i = 0; i < c->count; i++) {
		struct cons_msg m = {0};
		if (c->index[i] >= s->n || (i > 0 && c->index[i] <= c->index[i - 1]))
			return ACC_ECERT;
		m.type = CONS_MSG_PRECOMMIT;
		m.validator = c->index[i];
		m.height = c->height;
		m.round = c->round;
		memcpy(m.hash, c->hash, HASH_BYTES);
		memcpy(m.sig, c->sig[i], SIG_BYTES);
		if (msg_verify(s, &m) != 0)
			return ACC_ECERT;
		p += s->power[c->index[i]];
	}
	if (!quorum(s, p))
		return ACC_ECERT;
	decide(s, c);
	return 0;
}

/* Re-send what a peer may have missed (spec "Gossip"): everything kept
 * for the current, locked and valid rounds, every proposal, and our own
 * votes of the other rounds kept. */
static void on_tick(struct cons *s)
{
	for (unsigned i = 0; i < CONS_ROUND_SLOTS; i++) {
		const struct slot *sl = &s->slots[i];
		if (!sl->used)
			continue;
		/* Gossip (the paper's §2: a message a correct process receives
		 * reaches every correct process): other validators' votes of
		 * this height's rounds up to ours, and of the rounds the rules
		 * still need. A round this node left may be the one others
		 * are stuck in, short of the one precommit it holds. Later
		 * rounds (which a Byzantine validator can fill) only ours. */
		bool all = sl->round <= s->round || round_protected(s, sl->round);
		if (sl->has_proposal) {
			struct cons_action *a = emit(s, CONS_ACT_BROADCAST, true);
			if (a == NULL)
				return;
			a->msg = sl->proposal;
		}
		for (int t = PREVOTES; t <= PRECOMMITS; t++) {
			for (uint16_t v = 0; v < s->n; v++) {
				if (!sl->votes[t][v].present ||
				    (!all && v != s->self))
					continue;
				struct cons_action *a =
				    emit(s, CONS_ACT_BROADCAST, true);
				if (a == NULL)
					return;
				vote_to_msg(s, sl, t, v, false, &a->msg);
				if (!sl->votes[t][v].alt_present)
					continue;
				a = emit(s, CONS_ACT_BROADCAST, true);
				if (a == NULL)
					return;
				vote_to_msg(s, sl, t, v, true, &a->msg);
			}
		}
	}
}

static void on_start(struct cons *s)
{
	start_round(s, s->round);
	record_recount(s);
}

/* After a restart, what we signed at this height counts again and is
 * re-sent by gossip; so do the prevotes behind our lock, which others may
 * need (spec "Signing state"). */
static void record_recount(struct cons *s)
{
	for (int k = 0; k < 3; k++)
		if (s->rec.has[k] && s->rec.last[k].height == s->height)
			(void)msg_accept(s, &s->rec.last[k], true, true);
	/* So do the prevotes behind our lock, which others may need. */
	const struct cons_cert *pk = &s->rec.polka;
	if (s->rec.has_polka && pk->height == s->height) {
		for (uint16_t i = 0; i < pk->count && i < s->n; i++) {
			struct cons_msg m = {0};
			m.type = CONS_MSG_PREVOTE;
			m.validator = pk->index[i];
			m.height = pk->height;
			m.round = pk->round;
			m.valid_round = -1;
			memcpy(m.hash, pk->hash, HASH_BYTES);
			memcpy(m.sig, pk->sig[i], SIG_BYTES);
			(void)msg_accept(s, &m, true, true);
		}
	}
}

static void settle(struct cons *s)
{
	/* At most two heights are decided in one step: the replay below
	 * only holds messages of the height after the one decided. */
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < RULE_FIRINGS_MAX; i++)
			if (!rules_once(s))
				break;
		if (!s->replay_due)
			return;
		s->replay_due = false;
		size_t len = s->future_len;
		s->future_len = 0;
		for (size_t i = 0; i < len; i++) {
			struct future f = s->future[i];
			(void)msg_accept(s, &f.msg, f.valid, true);
		}
	}
}

int cons_step(struct cons *s, const struct cons_event *ev,
	      const struct cons_action **acts, size_t *n_acts)
{
	int rc = 0;
	s->acts_len = 0;
	*acts = s->acts;
	*n_acts = 0;
	if (!s->started && ev->kind != CONS_EV_START)
		return ACC_ESTATE;
	switch (ev->kind) {
	case CONS_EV_START:
		if (s->started)
			return ACC_ESTATE;
		s->started = true;
		on_start(s);
		break;
	case CONS_EV_PROPOSAL:
		if (ev->msg.type != CONS_MSG_PROPOSAL)
			return ACC_EINVAL;
		rc = msg_accept(s, &ev->msg, ev->valid, false);
		break;
	case CONS_EV_VOTE:
		if (ev->msg.type != CONS_MSG_PREVOTE &&
		    ev->msg.type != CONS_MSG_PRECOMMIT)
			return ACC_EINVAL;
		rc = msg_accept(s, &ev->msg, false, false);
		break;
	case CONS_EV_TIMEOUT:
		rc = on_timeout(s, ev);
		break;
	case CONS_EV_VALUE:
		rc = on_value(s, ev);
		break;
	case CONS_EV_PERSISTED:
		rc = on_persisted(s, ev);
		break;
	case CONS_EV_COMMIT:
		rc = on_commit(s, ev);
		break;
	case CONS_EV_TICK:
		on_tick(s);
		break;
	default:
		return ACC_EINVAL;
	}
	if (rc != 0)
		return rc;
	settle(s);
	*n_acts = s->acts_len;
	return 0;
}

/* ---- life cycle ------------------------------------------------------- */

int cons_init(struct cons **out, const struct cons_config *cfg,
	      uint64_t height, const struct cons_signstate *rec)
{
	*out = NULL;
	if (cfg->n == 0 || cfg->n > VALIDATORS_MAX || cfg->chain_id == NULL ||
	    strlen(cfg->chain_id) > CHAIN_ID_BYTES_MAX ||
	    cfg->self >= (int)cfg->n || cfg->self < -1 ||
	    (cfg->crypto == NULL && cfg->pubkeys == NULL) ||
	    (cfg->crypto == NULL && cfg->self >= 0 && cfg->key == NULL))
		return ACC_ECONFIG;
	struct cons *s = calloc(1, sizeof *s);
	if (s == NULL)
		return ACC_ENOMEM;
	s->n = cfg->n;
	s->future_cap = (size_t)cfg->n * CONS_FUTURE_PER_VALIDATOR;
	/* Per step: a tick's gossip (one proposal and up to 4n votes per
	 * slot),
	 * a replay of the future buffer (at most one evidence each), and a
	 * bounded number of rule firings. */
	s->acts_cap = CONS_ROUND_SLOTS * (1u + 4u * cfg->n) + s->future_cap +
		      4u * RULE_FIRINGS_MAX + ACTS_RESERVE;
	s->pubkeys = calloc(cfg->n, PUBKEY_BYTES);
	s->power = calloc(cfg->n, sizeof *s->power);
	s->vote_mem = calloc((size_t)CONS_ROUND_SLOTS * 2u * cfg->n,
			     sizeof *s->vote_mem);
	s->seen_round = calloc(cfg->n, sizeof *s->seen_round);
	s->future = calloc(s->future_cap, sizeof *s->future);
	s->acts = calloc(s->acts_cap, sizeof *s->acts);
	if (s->pubkeys == NULL || s->power == NULL || s->vote_mem == NULL ||
	    s->seen_round == NULL || s->future == NULL || s->acts == NULL) {
		cons_free(s);
		return ACC_ENOMEM;
	}
	for (uint16_t i = 0; i < cfg->n; i++) {
		uint64_t p = cfg->power != NULL ? cfg->power[i] : 1;
		if (p == 0 || p > UINT32_MAX) {
			cons_free(s);
			return ACC_ECONFIG;
		}
		s->power[i] = p;
		s->total_power += p;
		if (cfg->pubkeys != NULL)
			memcpy(s->pubkeys[i], cfg->pubkeys[i], PUBKEY_BYTES);
	}
	for (unsigned i = 0; i < CONS_ROUND_SLOTS; i++) {
		s->slots[i].votes[PREVOTES] = s->vote_mem + (2u * i) * cfg->n;
		s->slots[i].votes[PRECOMMITS] =
		    s->vote_mem + (2u * i + 1u) * cfg->n;
	}
	memcpy(s->chain_id, cfg->chain_id, strlen(cfg->chain_id) + 1);
	s->self = cfg->self;
	s->key = cfg->key;
	if (cfg->crypto != NULL) {
		s->crypto = *cfg->crypto;
	} else {
		s->crypto.sign = ed_sign;
		s->crypto.verify = ed_verify;
		s->crypto.ctx = s;
	}
	s->propose_ms = cfg->propose_ms;
	s->prevote_ms = cfg->prevote_ms;
	s->precommit_ms = cfg->precommit_ms;
	s->delta_ms = cfg->delta_ms;
	s->max_ms = cfg->timeout_max_ms;
	s->unsafe_majority = cfg->unsafe_majority;

	s->rec.locked_round = -1;
	if (rec != NULL)
		s->rec = *rec;
	/* A record ahead of height (the stored chain lost its unsynced
	 * tail) is kept: nothing is signed below its height, and
	 * height_enter resumes its round and lock when the core gets there
	 * again (spec "Signing state", "Durable before what"). */
	height_enter(s, height);
	*out = s;
	return 0;
}

void cons_free(struct cons *s)
{
	if (s == NULL)
		return;
	free(s->pubkeys);
	free(s->power);
	free(s->vote_mem);
	free(s->seen_round);
	free(s->future);
	free(s->acts);
	free(s);
}

uint64_t cons_height(const struct cons *s)
{
	return s->height;
}

uint32_t cons_round(const struct cons *s)
{
	return s->round;
}

enum cons_step cons_step_get(const struct cons *s)
{
	return s->step;
}

int32_t cons_locked_round(const struct cons *s)
{
	return s->locked_round;
}

uint64_t cons_refused_count(const struct cons *s)
{
	return s->refused;
}
