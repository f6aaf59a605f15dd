/* test_consensus.c - the Tendermint core rule by rule (specs/consensus.md),
 * driven with hand-made events, and the consensus wire codec. */
#include "consensus/cons.h"
#include "consensus/msg.h"

#include "common/codec.h"
#include "common/crypto.h"
#include "common/error.h"
#include "common/hex.h"
#include "common/vote.h"
#include "tests/test.h"

#define N 4
#define CHAIN "accord-test"
/* specs/consensus.md, "Test vectors"; checked independently with
 * Python's cryptography package. */
#define VECTOR_VOTE_SIG                                                   \
	"93cab071fadf87ea8eab11c2abc35a271dd47e266db9c1cb4d6fd855d246a080" \
	"bb5d36ea86f1b7d8e176db6124360e799c7a6d0e9c2db9fed8fa7554f905e907"
#define VECTOR_PROPOSAL_WIRE                                              \
	"03" "0000000000000001" "00000000" "ffffffff"                      \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"0001"                                                             \
	"c29e62c0bd801359dddbcf4d181d8ce08f4bd7520db11ffc4260204cc0b439fa" \
	"0cf77f7ebe608f96c362f7875c9c08029f9e1fc31edc1c5834203b029136a004"

static struct key keys[N];
static uint8_t pubkeys[N][PUBKEY_BYTES];

/* Block hashes used as values: A and B are valid blocks. */
static uint8_t A[HASH_BYTES], B[HASH_BYTES];
static const uint8_t NIL[HASH_BYTES];

static void keys_make(void)
{
	for (int i = 0; i < N; i++) {
		uint8_t seed[SEED_BYTES];
		memset(seed, i + 1, sizeof seed);
		ASSERT_OK(key_from_seed(&keys[i], seed));
		memcpy(pubkeys[i], keys[i].pk, PUBKEY_BYTES);
	}
	memset(A, 0xaa, sizeof A);
	memset(B, 0xbb, sizeof B);
}

static struct cons *core_new(int self, uint64_t height,
			     const struct cons_signstate *rec)
{
	struct cons_config cfg = {0};
	struct cons *s;
	cfg.chain_id = CHAIN;
	cfg.n = N;
	cfg.pubkeys = (const uint8_t(*)[PUBKEY_BYTES])pubkeys;
	cfg.self = self;
	cfg.key = self >= 0 ? &keys[self] : NULL;
	cfg.propose_ms = 1000;
	cfg.prevote_ms = 500;
	cfg.precommit_ms = 500;
	cfg.delta_ms = 100;
	cfg.timeout_max_ms = 1500;
	ASSERT_OK(cons_init(&s, &cfg, height, rec));
	return s;
}

/* The actions of the last step. */
static const struct cons_action *acts;
static size_t n_acts;

static int step(struct cons *s, const struct cons_event *ev)
{
	return cons_step(s, ev, &acts, &n_acts);
}

static const struct cons_action *find(enum cons_action_kind kind, int nth)
{
	for (size_t i = 0; i < n_acts; i++)
		if (acts[i].kind == kind && nth-- == 0)
			return &acts[i];
	return NULL;
}

static size_t count(enum cons_action_kind kind)
{
	size_t c = 0;
	for (size_t i = 0; i < n_acts; i++)
		c += acts[i].kind == kind;
	return c;
}

static struct cons_msg vote(uint8_t type, int v, uint64_t h, uint32_t r,
			    const uint8_t *hash)
{
	struct cons_msg m = {0};
	m.type = type;
	m.validator = (uint16_t)v;
	m.height = h;
	m.round = r;
	m.valid_round = -1;
	memcpy(m.hash, hash, HASH_BYTES);
	ASSERT_OK(vote_sign(m.sig, &keys[v], CHAIN, (enum vote_type)type, h, r,
			    hash));
	return m;
}

static struct cons_msg proposal(uint64_t h, uint32_t r, int32_t vr,
				const uint8_t *hash)
{
	struct cons_msg m = {0};
	uint8_t p[CONS_PROPOSAL_PAYLOAD_BYTES];
	int v = cons_proposer(h, r, N);
	m.type = CONS_MSG_PROPOSAL;
	m.validator = (uint16_t)v;
	m.height = h;
	m.round = r;
	m.valid_round = vr;
	memcpy(m.hash, hash, HASH_BYTES);
	cons_proposal_payload(p, h, r, vr, hash);
	ASSERT_OK(ed25519_sign_ctx(m.sig, &keys[v], CONS_PROPOSAL_CONTEXT,
				   CHAIN, p, sizeof p));
	return m;
}

static int feed_msg(struct cons *s, const struct cons_msg *m, bool valid)
{
	struct cons_event ev = {0};
	ev.kind = m->type == CONS_MSG_PROPOSAL ? CONS_EV_PROPOSAL : CONS_EV_VOTE;
	ev.msg = *m;
	ev.valid = valid;
	return step(s, &ev);
}

static void feed_vote(struct cons *s, uint8_t type, int v, uint64_t h,
		      uint32_t r, const uint8_t *hash)
{
	struct cons_msg m = vote(type, v, h, r, hash);
	ASSERT_OK(feed_msg(s, &m, false));
}

static void start(struct cons *s)
{
	struct cons_event ev = {0};
	ev.kind = CONS_EV_START;
	ASSERT_OK(step(s, &ev));
}

static void timeout(struct cons *s, enum cons_timeout t, uint64_t h,
		    uint32_t r)
{
	struct cons_event ev = {0};
	ev.kind = CONS_EV_TIMEOUT;
	ev.timeout = t;
	ev.height = h;
	ev.round = r;
	ASSERT_OK(step(s, &ev));
}

/* The last step must have asked to persist exactly one record and not
 * yet sent the message it records; acknowledge it and return the
 * message then broadcast. */
static struct cons_msg persist_ack(struct cons *s)
{
	const struct cons_action *p = find(CONS_ACT_PERSIST, 0);
	ASSERT(p != NULL);
	ASSERT_EQ(count(CONS_ACT_PERSIST), 1);
	uint8_t type = p->signstate->step == CONS_STEP_PROPOSE ? CONS_MSG_PROPOSAL
		       : p->signstate->step == CONS_STEP_PREVOTE ? CONS_MSG_PREVOTE
								 : CONS_MSG_PRECOMMIT;
	for (size_t i = 0; i < n_acts; i++)
		ASSERT(acts[i].kind != CONS_ACT_BROADCAST ||
		       acts[i].msg.type != type);
	struct cons_event ev = {0};
	ev.kind = CONS_EV_PERSISTED;
	ev.seq = p->seq;
	ASSERT_OK(step(s, &ev));
	const struct cons_action *b = find(CONS_ACT_BROADCAST, 0);
	ASSERT(b != NULL);
	ASSERT_EQ(b->msg.type, type);
	return b->msg;
}

static void assert_sent(const struct cons_msg *m, uint8_t type,
			const uint8_t *hash, int self)
{
	ASSERT_EQ(m->type, type);
	ASSERT_MEM_EQ(m->hash, hash, HASH_BYTES);
	ASSERT_EQ(m->validator, self);
	if (type == CONS_MSG_PROPOSAL)
		ASSERT_OK(cons_msg_verify(m, CHAIN, pubkeys[self]));
	else /* the ledger checks certificates with vote_verify */
		ASSERT_OK(vote_verify(m->sig, pubkeys[self], CHAIN,
				      (enum vote_type)type, m->height,
				      m->round, m->hash));
}

/* ---- Rules ---------------------------------------------------------- */

/* Rule 11-21: the proposer asks for a value (or re-proposes validValue);
 * everyone schedules the propose timeout. */
static void test_rule11_start_round(void)
{
	struct cons *s = core_new(0, 1, NULL); /* proposer of (1,0) is 1 */
	start(s);
	const struct cons_action *t = find(CONS_ACT_TIMER, 0);
	ASSERT(t != NULL);
	ASSERT_EQ(t->timeout, CONS_TIMEOUT_PROPOSE);
	ASSERT_EQ(t->duration_ms, 1000);
	ASSERT(find(CONS_ACT_GET_VALUE, 0) == NULL);
	cons_free(s);

	s = core_new(1, 1, NULL);
	start(s);
	const struct cons_action *g = find(CONS_ACT_GET_VALUE, 0);
	ASSERT(g != NULL);
	ASSERT_U64_EQ(g->height, 1);
	ASSERT_EQ(g->round, 0);
	struct cons_event ev = {0};
	ev.kind = CONS_EV_VALUE;
	ev.height = 1;
	ev.round = 0;
	memcpy(ev.hash, A, HASH_BYTES);
	ASSERT_OK(step(s, &ev));
	/* Rule 19: broadcast the proposal, but only once it is persisted. */
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PROPOSAL, A, 1);
	ASSERT_EQ(m.valid_round, -1);
	/* Its own proposal then drives rule 22: it prevotes A. */
	m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, A, 1);
	cons_free(s);
}

/* Rule 22-27: prevote a fresh valid proposal, nil for an invalid one. */
static void test_rule22_proposal(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	struct cons_msg p = proposal(1, 0, -1, A);
	ASSERT_OK(feed_msg(s, &p, true));
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, A, 0);
	ASSERT_EQ(cons_step_get(s), CONS_STEP_PREVOTE);
	/* A second proposal copy changes nothing. */
	ASSERT_OK(feed_msg(s, &p, true));
	ASSERT_EQ(n_acts, 0);
	cons_free(s);

	s = core_new(0, 1, NULL);
	start(s);
	ASSERT_OK(feed_msg(s, &p, false)); /* the driver found A invalid */
	m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, NIL, 0);
	cons_free(s);
}

/* Lock node 0 on A in round 0 (rule 36), then move it to round 1. */
static struct cons *locked_on_a(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	struct cons_msg p = proposal(1, 0, -1, A);
	ASSERT_OK(feed_msg(s, &p, true));
	(void)persist_ack(s);
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 0, A);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, A);
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PRECOMMIT, A, 0);
	ASSERT_EQ(cons_locked_round(s), 0);
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 1, 0);
	ASSERT_EQ(cons_round(s), 1);
	return s;
}

/* Rule 22 with a lock: a fresh proposal of another value gets nil. */
static void test_rule22_locked(void)
{
	struct cons *s = locked_on_a();
	struct cons_msg p = proposal(1, 1, -1, B);
	ASSERT_OK(feed_msg(s, &p, true));
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, NIL, 0);
	cons_free(s);
}

/* Rule 28-33: a re-proposal with valid round vr and a polka in vr. */
static void test_rule28_reproposal(void)
{
	/* Unlocked node: prevote B once the round-0 polka for B is seen. */
	struct cons *s = core_new(3, 1, NULL);
	start(s);
	timeout(s, CONS_TIMEOUT_PROPOSE, 1, 0);
	(void)persist_ack(s); /* nil prevote in round 0 */
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 1, 0);
	struct cons_msg p = proposal(1, 1, 0, B);
	ASSERT_OK(feed_msg(s, &p, true));
	ASSERT_EQ(count(CONS_ACT_PERSIST), 0); /* no polka yet */
	feed_vote(s, CONS_MSG_PREVOTE, 0, 1, 0, B);
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 0, B);
	ASSERT_EQ(count(CONS_ACT_PERSIST), 0);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, B);
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, B, 3);
	cons_free(s);

	/* Node locked on A in round 0: a polka for B in round 0 cannot
	 * exist with honest quorums, but one in a later round unlocks it:
	 * lockedRound (0) <= vr (1). */
	s = locked_on_a();
	timeout(s, CONS_TIMEOUT_PROPOSE, 1, 1);
	(void)persist_ack(s);
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 1, 1);
	ASSERT_EQ(cons_round(s), 2);
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 1, B);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 1, B);
	feed_vote(s, CONS_MSG_PREVOTE, 3, 1, 1, B);
	p = proposal(1, 2, 1, B);
	ASSERT_OK(feed_msg(s, &p, true));
	m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, B, 0);
	cons_free(s);
}

/* Rule 34-35: a quorum of mixed prevotes starts the prevote timer once. */
static void test_rule34_prevote_timer(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	timeout(s, CONS_TIMEOUT_PROPOSE, 1, 0);
	(void)persist_ack(s); /* our nil prevote counts: 1 */
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 0, A);
	ASSERT(find(CONS_ACT_TIMER, 0) == NULL);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, B);
	const struct cons_action *t = find(CONS_ACT_TIMER, 0);
	ASSERT(t != NULL);
	ASSERT_EQ(t->timeout, CONS_TIMEOUT_PREVOTE);
	feed_vote(s, CONS_MSG_PREVOTE, 3, 1, 0, B);
	ASSERT(find(CONS_ACT_TIMER, 0) == NULL); /* "for the first time" */
	cons_free(s);
}

/* Rule 36-43: proposal plus a polka while in prevote: lock on it and
 * precommit it (locked_on_a checks both). */
static void test_rule36_lock(void)
{
	struct cons *s = locked_on_a();
	ASSERT_EQ(cons_locked_round(s), 0);
	cons_free(s);
}

/* Rule 36 when step is already precommit: validValue only, and the
 * proposer of the next round re-proposes it with its valid round. */
static void test_rule36_valid_value(void)
{
	struct cons *s = core_new(2, 1, NULL); /* proposer of (1, 1) */
	start(s);
	timeout(s, CONS_TIMEOUT_PROPOSE, 1, 0);
	(void)persist_ack(s); /* nil prevote */
	feed_vote(s, CONS_MSG_PREVOTE, 0, 1, 0, NIL);
	feed_vote(s, CONS_MSG_PREVOTE, 3, 1, 0, A);
	/* Three prevotes, split (2 nil, 1 A): rule 34's timer, then rule 61
	 * precommits nil. */
	ASSERT(find(CONS_ACT_TIMER, 0) != NULL);
	timeout(s, CONS_TIMEOUT_PREVOTE, 1, 0);
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PRECOMMIT, NIL, 2);
	ASSERT_EQ(cons_step_get(s), CONS_STEP_PRECOMMIT);
	/* Now the proposal and enough prevotes for A arrive late. */
	struct cons_msg p = proposal(1, 0, -1, A);
	ASSERT_OK(feed_msg(s, &p, true));
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 0, A);
	ASSERT_EQ(count(CONS_ACT_PERSIST), 0); /* no precommit, no lock */
	feed_vote(s, CONS_MSG_PREVOTE, 0, 1, 0, A); /* equivocation by 0 */
	ASSERT(find(CONS_ACT_EVIDENCE, 0) != NULL);
	ASSERT_EQ(cons_locked_round(s), -1);
	/* Round 1: we propose validValue A with validRound 0 (rule 15). */
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 1, 0);
	m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PROPOSAL, A, 2);
	ASSERT_EQ(m.valid_round, 0);
	cons_free(s);
}

/* Rule 44-46: a quorum of nil prevotes: precommit nil. */
static void test_rule44_nil_polka(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	timeout(s, CONS_TIMEOUT_PROPOSE, 1, 0);
	(void)persist_ack(s);
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 0, NIL);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, NIL);
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PRECOMMIT, NIL, 0);
	ASSERT_EQ(cons_step_get(s), CONS_STEP_PRECOMMIT);
	cons_free(s);
}

/* Rule 47-48: a quorum of mixed precommits starts the precommit timer. */
static void test_rule47_precommit_timer(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	feed_vote(s, CONS_MSG_PRECOMMIT, 1, 1, 0, A);
	feed_vote(s, CONS_MSG_PRECOMMIT, 2, 1, 0, NIL);
	ASSERT(find(CONS_ACT_TIMER, 0) == NULL);
	feed_vote(s, CONS_MSG_PRECOMMIT, 3, 1, 0, B);
	const struct cons_action *t = find(CONS_ACT_TIMER, 0);
	ASSERT(t != NULL);
	ASSERT_EQ(t->timeout, CONS_TIMEOUT_PRECOMMIT);
	ASSERT_EQ(cons_step_get(s), CONS_STEP_PROPOSE); /* any step */
	cons_free(s);
}

/* Relaying votes (spec "Relaying votes"): after the precommit timeout
 * moves it to round 1, a core still re-sends on TICK the other
 * validators' precommits of round 0 (the round others may be stuck in,
 * one precommit short), but not another validator's vote of a round
 * beyond its own. */
static void test_tick_relays_left_round(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	feed_vote(s, CONS_MSG_PRECOMMIT, 1, 1, 0, A);
	feed_vote(s, CONS_MSG_PRECOMMIT, 2, 1, 0, NIL);
	feed_vote(s, CONS_MSG_PRECOMMIT, 3, 1, 0, B);
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 1, 0);
	ASSERT_EQ(cons_round(s), 1);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 5, A);
	struct cons_event ev = {0};
	ev.kind = CONS_EV_TICK;
	ASSERT_OK(step(s, &ev));
	int seen[4] = {0}, future = 0;
	for (size_t i = 0; i < n_acts; i++) {
		const struct cons_msg *m = &acts[i].msg;
		if (acts[i].kind != CONS_ACT_BROADCAST)
			continue;
		if (m->type == CONS_MSG_PRECOMMIT && m->round == 0 &&
		    m->validator < 4)
			seen[m->validator]++;
		if (m->round == 5)
			future++;
	}
	ASSERT_EQ(seen[1], 1);
	ASSERT_EQ(seen[2], 1);
	ASSERT_EQ(seen[3], 1);
	ASSERT_EQ(future, 0);
	cons_free(s);
}

/* Rule 49-54: proposal plus a quorum of precommits: decide, with a
 * certificate the ledger can check, and start the next height. */
static void test_rule49_decide(void)
{
	struct cons *s = core_new(-1, 1, NULL); /* a follower decides too */
	start(s);
	feed_vote(s, CONS_MSG_PRECOMMIT, 3, 1, 0, A);
	feed_vote(s, CONS_MSG_PRECOMMIT, 1, 1, 0, A);
	feed_vote(s, CONS_MSG_PRECOMMIT, 2, 1, 0, A);
	ASSERT(find(CONS_ACT_COMMIT, 0) == NULL); /* no proposal yet */
	struct cons_msg p = proposal(1, 0, -1, A);
	ASSERT_OK(feed_msg(s, &p, true));
	const struct cons_action *c = find(CONS_ACT_COMMIT, 0);
	ASSERT(c != NULL);
	ASSERT_U64_EQ(c->cert->height, 1);
	ASSERT_EQ(c->cert->round, 0);
	ASSERT_MEM_EQ(c->cert->hash, A, HASH_BYTES);
	ASSERT_EQ(c->cert->count, 3);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(c->cert->index[i], i + 1); /* ascending */
		ASSERT_OK(vote_verify(c->cert->sig[i], pubkeys[i + 1], CHAIN,
				      VOTE_PRECOMMIT, 1, 0, A));
	}
	ASSERT_U64_EQ(cons_height(s), 2);
	ASSERT_EQ(cons_round(s), 0);
	/* Messages of the decided height are ignored. */
	feed_vote(s, CONS_MSG_PRECOMMIT, 0, 1, 0, A);
	ASSERT_EQ(n_acts, 0);
	cons_free(s);

	/* An invalid block is never decided. */
	s = core_new(-1, 1, NULL);
	start(s);
	ASSERT_OK(feed_msg(s, &p, false));
	for (int v = 1; v < 4; v++)
		feed_vote(s, CONS_MSG_PRECOMMIT, v, 1, 0, A);
	ASSERT(find(CONS_ACT_COMMIT, 0) == NULL);
	ASSERT_U64_EQ(cons_height(s), 1);
	cons_free(s);
}

/* Rule 55-56: f+1 messages of a later round: jump to it. */
static void test_rule55_round_skip(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 5, NIL);
	ASSERT_EQ(cons_round(s), 0); /* one of four is not more than 1/3 */
	feed_vote(s, CONS_MSG_PRECOMMIT, 2, 1, 7, NIL);
	/* Validators 1 and 2 are both at round 5 or later. */
	ASSERT_EQ(cons_round(s), 5);
	const struct cons_action *t = find(CONS_ACT_TIMER, 0);
	ASSERT(t != NULL);
	ASSERT_EQ(t->round, 5);
	ASSERT_EQ(t->duration_ms, 1500); /* 1000 + 5*100 = 1500, the cap */
	cons_free(s);
}

/* Rule 57-65: the three timeouts, and stale ones ignored. */
static void test_rule57_timeouts(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	timeout(s, CONS_TIMEOUT_PREVOTE, 1, 0); /* wrong step: ignored */
	ASSERT_EQ(n_acts, 0);
	timeout(s, CONS_TIMEOUT_PROPOSE, 1, 0); /* rule 57 */
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, NIL, 0);
	timeout(s, CONS_TIMEOUT_PREVOTE, 1, 0); /* rule 61 */
	m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PRECOMMIT, NIL, 0);
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 1, 0); /* rule 64 */
	ASSERT_EQ(cons_round(s), 1);
	ASSERT_EQ(cons_step_get(s), CONS_STEP_PROPOSE);
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 1, 0); /* stale */
	ASSERT_EQ(cons_round(s), 1);
	ASSERT_EQ(n_acts, 0);
	cons_free(s);
}

/* ---- Around the rules ------------------------------------------------ */

static void test_verification(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	struct cons_msg m = vote(CONS_MSG_PREVOTE, 1, 1, 0, A);
	m.sig[0] ^= 1;
	ASSERT_EQ(feed_msg(s, &m, false), ACC_EBADSIG);
	m = vote(CONS_MSG_PREVOTE, 1, 1, 0, A);
	m.validator = 9;
	ASSERT_EQ(feed_msg(s, &m, false), ACC_EUNKNOWNKEY);
	/* Signed by 1 but claimed as 2's. */
	m = vote(CONS_MSG_PREVOTE, 1, 1, 0, A);
	m.validator = 2;
	ASSERT_EQ(feed_msg(s, &m, false), ACC_EBADSIG);
	/* A proposal from someone who is not the round's proposer. */
	struct cons_msg p = proposal(1, 0, -1, A);
	p.validator = 2;
	ASSERT_EQ(feed_msg(s, &p, true), ACC_ERULE);
	/* A vote event that carries a proposal. */
	struct cons_event ev = {0};
	ev.kind = CONS_EV_VOTE;
	ev.msg = proposal(1, 0, -1, A);
	ASSERT_EQ(step(s, &ev), ACC_EINVAL);
	cons_free(s);
}

static void test_evidence(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, A);
	ASSERT(find(CONS_ACT_EVIDENCE, 0) == NULL);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, A); /* duplicate: nothing */
	ASSERT_EQ(n_acts, 0);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, B);
	const struct cons_action *e = find(CONS_ACT_EVIDENCE, 0);
	ASSERT(e != NULL);
	ASSERT_EQ(e->msg.validator, 2);
	ASSERT_EQ(e->msg2.validator, 2);
	ASSERT_MEM_EQ(e->msg.hash, A, HASH_BYTES);
	ASSERT_MEM_EQ(e->msg2.hash, B, HASH_BYTES);
	ASSERT_OK(cons_msg_verify(&e->msg, CHAIN, pubkeys[2]));
	ASSERT_OK(cons_msg_verify(&e->msg2, CHAIN, pubkeys[2]));
	/* Reported once per validator, round and type. */
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, NIL);
	ASSERT(find(CONS_ACT_EVIDENCE, 0) == NULL);
	/* Different types or rounds are not equivocation. */
	feed_vote(s, CONS_MSG_PRECOMMIT, 2, 1, 0, NIL);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 1, NIL);
	ASSERT(find(CONS_ACT_EVIDENCE, 0) == NULL);
	cons_free(s);
}

/* Two proposals by one proposer for one (height, round) that differ in
 * their block or valid round: evidence, once (spec "Evidence"). */
static void test_proposal_evidence(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	struct cons_msg pa = proposal(1, 0, -1, A);
	struct cons_msg pb = proposal(1, 0, -1, B);
	ASSERT_OK(feed_msg(s, &pa, true));
	ASSERT(find(CONS_ACT_EVIDENCE, 0) == NULL);
	(void)persist_ack(s);
	ASSERT_OK(feed_msg(s, &pa, true)); /* the same one again: nothing */
	ASSERT(find(CONS_ACT_EVIDENCE, 0) == NULL);
	/* A forged second proposal is refused, and is no evidence. */
	struct cons_msg bad = pb;
	bad.sig[3] ^= 1;
	ASSERT_EQ(feed_msg(s, &bad, true), ACC_EBADSIG);
	ASSERT_EQ(n_acts, 0);
	ASSERT_OK(feed_msg(s, &pb, true));
	const struct cons_action *e = find(CONS_ACT_EVIDENCE, 0);
	ASSERT(e != NULL);
	ASSERT_EQ(count(CONS_ACT_EVIDENCE), 1);
	ASSERT_EQ(e->msg.type, CONS_MSG_PROPOSAL);
	ASSERT_EQ(e->msg2.type, CONS_MSG_PROPOSAL);
	ASSERT_EQ(e->msg.validator, 1);
	ASSERT_EQ(e->msg2.validator, 1);
	ASSERT_MEM_EQ(e->msg.hash, A, HASH_BYTES);
	ASSERT_MEM_EQ(e->msg2.hash, B, HASH_BYTES);
	ASSERT_OK(cons_msg_verify(&e->msg, CHAIN, pubkeys[1]));
	ASSERT_OK(cons_msg_verify(&e->msg2, CHAIN, pubkeys[1]));
	/* The first proposal still stands; a third is not reported again. */
	struct cons_msg pc = proposal(1, 0, -1, NIL);
	memset(pc.hash, 0xcc, HASH_BYTES);
	pc = proposal(1, 0, -1, pc.hash);
	ASSERT_OK(feed_msg(s, &pc, true));
	ASSERT(find(CONS_ACT_EVIDENCE, 0) == NULL);
	/* Same block, different valid round (round 2, proposer 3). */
	struct cons_msg q1 = proposal(1, 2, -1, A);
	struct cons_msg q2 = proposal(1, 2, 0, A);
	ASSERT_OK(feed_msg(s, &q1, true));
	ASSERT(find(CONS_ACT_EVIDENCE, 0) == NULL);
	ASSERT_OK(feed_msg(s, &q2, true));
	e = find(CONS_ACT_EVIDENCE, 0);
	ASSERT(e != NULL);
	ASSERT_EQ(e->msg.validator, 3);
	ASSERT_EQ(e->msg.valid_round, -1);
	ASSERT_EQ(e->msg2.valid_round, 0);
	cons_free(s);
}

/* A restart whose stored chain is behind the signing record (the chain
 * lost its unsynced tail): nothing is signed below the record's height,
 * and on reaching that height again the lock is back (spec "Durable
 * before what"). */
static void test_restart_record_ahead(void)
{
	/* Validator 0 locks on A at height 2, round 0. */
	struct cons *s = core_new(0, 2, NULL);
	start(s);
	struct cons_msg p = proposal(2, 0, -1, A);
	ASSERT_OK(feed_msg(s, &p, true));
	(void)persist_ack(s);
	feed_vote(s, CONS_MSG_PREVOTE, 1, 2, 0, A);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 2, 0, A);
	ASSERT_EQ(cons_locked_round(s), 0);
	const struct cons_action *pa = find(CONS_ACT_PERSIST, 0);
	ASSERT(pa != NULL);
	struct cons_signstate rec = *pa->signstate;
	ASSERT_U64_EQ(rec.height, 2);
	ASSERT_EQ(rec.locked_round, 0);
	cons_free(s);

	/* Restart with block 1 lost: the core starts at height 1. */
	s = core_new(0, 1, &rec);
	start(s);
	ASSERT_U64_EQ(cons_height(s), 1);
	ASSERT_EQ(cons_locked_round(s), -1); /* no lock at height 1 */
	struct cons_msg p1 = proposal(1, 0, -1, B);
	ASSERT_OK(feed_msg(s, &p1, true));
	ASSERT_EQ(count(CONS_ACT_PERSIST), 0); /* below the record: refused */
	ASSERT(cons_refused_count(s) > 0);
	/* Block 1 comes back by a certificate. */
	struct cons_cert c;
	memset(&c, 0, sizeof c);
	c.height = 1;
	c.round = 0;
	memcpy(c.hash, B, HASH_BYTES);
	c.count = 3;
	for (int i = 0; i < 3; i++) {
		c.index[i] = (uint16_t)(i + 1);
		ASSERT_OK(vote_sign(c.sig[i], &keys[i + 1], CHAIN,
				    VOTE_PRECOMMIT, 1, 0, B));
	}
	struct cons_event ev = {0};
	ev.kind = CONS_EV_COMMIT;
	ev.cert = &c;
	ev.valid = true;
	ASSERT_OK(step(s, &ev));
	ASSERT(find(CONS_ACT_COMMIT, 0) != NULL);
	/* Back at height 2: the recorded round and lock, and the recorded
	 * prevote and polka count again. */
	ASSERT_U64_EQ(cons_height(s), 2);
	ASSERT_EQ(cons_round(s), 0);
	ASSERT_EQ(cons_locked_round(s), 0);
	/* It precommitted A in round 0 already: round 0 is not signed
	 * again; in round 1 a fresh proposal of B gets a nil prevote. */
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 2, 0);
	ASSERT_EQ(cons_round(s), 1);
	struct cons_msg pb = proposal(2, 1, -1, B);
	ASSERT_OK(feed_msg(s, &pb, true));
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, NIL, 0); /* still locked on A */
	/* In round 2 it proposes: A again, with valid round 0, and prevotes
	 * it, which rule 28 allows only with the recorded polka. */
	timeout(s, CONS_TIMEOUT_PREVOTE, 2, 1);
	(void)persist_ack(s);
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 2, 1);
	ASSERT_EQ(cons_round(s), 2);
	ASSERT_EQ(cons_proposer(2, 2, N), 0);
	m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PROPOSAL, A, 0);
	ASSERT_EQ(m.valid_round, 0);
	m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, A, 0);
	cons_free(s);
}

/* An equivocator counts once towards "any value" (rules 34 and 47). */
static void test_equivocator_counts_once(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	struct cons_msg p = proposal(1, 0, -1, A);
	ASSERT_OK(feed_msg(s, &p, true));
	(void)persist_ack(s); /* our prevote for A */
	feed_vote(s, CONS_MSG_PREVOTE, 3, 1, 0, A);
	feed_vote(s, CONS_MSG_PREVOTE, 3, 1, 0, B);
	/* Validators 0 and 3 only: no quorum, no prevote timer. */
	ASSERT_EQ(count(CONS_ACT_TIMER), 0);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, B);
	const struct cons_action *t = find(CONS_ACT_TIMER, 0);
	ASSERT(t != NULL);
	ASSERT_EQ(t->timeout, CONS_TIMEOUT_PREVOTE);
	/* Precommits likewise. */
	feed_vote(s, CONS_MSG_PRECOMMIT, 3, 1, 0, A);
	feed_vote(s, CONS_MSG_PRECOMMIT, 3, 1, 0, NIL);
	feed_vote(s, CONS_MSG_PRECOMMIT, 2, 1, 0, NIL);
	ASSERT_EQ(count(CONS_ACT_TIMER), 0);
	feed_vote(s, CONS_MSG_PRECOMMIT, 1, 1, 0, NIL);
	t = find(CONS_ACT_TIMER, 0);
	ASSERT(t != NULL);
	ASSERT_EQ(t->timeout, CONS_TIMEOUT_PRECOMMIT);
	cons_free(s);
}

/* Nothing leaves before its record is persisted; after a crash, the
 * record stops the node from signing anything conflicting. */
static void test_double_sign_restart(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	struct cons_msg p = proposal(1, 0, -1, A);
	ASSERT_OK(feed_msg(s, &p, true));
	const struct cons_action *pa = find(CONS_ACT_PERSIST, 0);
	ASSERT(pa != NULL);
	ASSERT_EQ(count(CONS_ACT_BROADCAST), 0);
	/* What the node writes to disk; round-trip it through the codec. */
	struct wbuf w;
	wbuf_init(&w, CONS_SIGNSTATE_BYTES_MAX);
	cons_signstate_encode(pa->signstate, &w);
	ASSERT_OK(wbuf_error(&w));
	struct cons_signstate rec;
	ASSERT_OK(cons_signstate_decode(w.data, w.len, &rec));
	wbuf_free(&w);
	ASSERT_U64_EQ(rec.height, 1);
	ASSERT_EQ(rec.step, CONS_STEP_PREVOTE);
	ASSERT(rec.has[1]);
	cons_free(s); /* crash before the PERSISTED ack: prevote never sent */

	/* Restart from the record: timeouts that would make it prevote nil
	 * in round 0 are refused, and the old prevote (for A) is re-sent. */
	s = core_new(0, 1, &rec);
	start(s);
	ASSERT_EQ(cons_round(s), 0);
	timeout(s, CONS_TIMEOUT_PROPOSE, 1, 0);
	ASSERT_EQ(count(CONS_ACT_PERSIST), 0);
	ASSERT_EQ(count(CONS_ACT_BROADCAST), 0);
	ASSERT_EQ(cons_refused_count(s), 1);
	struct cons_event ev = {0};
	ev.kind = CONS_EV_TICK;
	ASSERT_OK(step(s, &ev));
	const struct cons_action *b = find(CONS_ACT_BROADCAST, 0);
	ASSERT(b != NULL);
	assert_sent(&b->msg, CONS_MSG_PREVOTE, A, 0);
	/* It may still move on: precommit in round 0 is above the record. */
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 0, NIL);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, NIL);
	feed_vote(s, CONS_MSG_PREVOTE, 3, 1, 0, NIL);
	struct cons_msg m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PRECOMMIT, NIL, 0);
	cons_free(s);

	/* A lock survives a restart, with the prevotes behind it. */
	s = locked_on_a();
	cons_free(s);
	s = core_new(0, 1, NULL);
	start(s);
	ASSERT_OK(feed_msg(s, &p, true));
	(void)persist_ack(s);
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 0, A);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, A);
	pa = find(CONS_ACT_PERSIST, 0);
	ASSERT(pa != NULL);
	ASSERT(pa->signstate->has_polka);
	ASSERT_EQ(pa->signstate->polka.count, 3);
	rec = *pa->signstate;
	cons_free(s);
	s = core_new(0, 1, &rec);
	start(s);
	ASSERT_EQ(cons_locked_round(s), 0);
	timeout(s, CONS_TIMEOUT_PROPOSE, 1, 0);
	timeout(s, CONS_TIMEOUT_PRECOMMIT, 1, 0);
	ASSERT_EQ(cons_round(s), 1);
	struct cons_msg pb = proposal(1, 1, -1, B);
	ASSERT_OK(feed_msg(s, &pb, true));
	m = persist_ack(s);
	assert_sent(&m, CONS_MSG_PREVOTE, NIL, 0); /* still locked on A */
	cons_free(s);
}

/* Acks release messages in order; an ack never issued is refused. */
static void test_persist_order(void)
{
	struct cons *s = core_new(0, 1, NULL);
	start(s);
	timeout(s, CONS_TIMEOUT_PROPOSE, 1, 0);
	uint64_t seq1 = find(CONS_ACT_PERSIST, 0)->seq;
	feed_vote(s, CONS_MSG_PREVOTE, 1, 1, 0, NIL);
	feed_vote(s, CONS_MSG_PREVOTE, 2, 1, 0, NIL);
	feed_vote(s, CONS_MSG_PREVOTE, 3, 1, 0, NIL);
	uint64_t seq2 = find(CONS_ACT_PERSIST, 0)->seq;
	ASSERT(seq2 > seq1);
	struct cons_event ev = {0};
	ev.kind = CONS_EV_PERSISTED;
	ev.seq = seq2 + 1;
	ASSERT_EQ(step(s, &ev), ACC_EINVAL);
	ev.seq = seq2; /* covers both */
	ASSERT_OK(step(s, &ev));
	ASSERT_EQ(count(CONS_ACT_BROADCAST), 2);
	ASSERT_EQ(find(CONS_ACT_BROADCAST, 0)->msg.type, CONS_MSG_PREVOTE);
	ASSERT_EQ(find(CONS_ACT_BROADCAST, 1)->msg.type, CONS_MSG_PRECOMMIT);
	cons_free(s);
}

/* Messages for the next height wait in the buffer. */
static void test_future_height(void)
{
	struct cons *s = core_new(-1, 1, NULL);
	start(s);
	struct cons_msg p2 = proposal(2, 0, -1, B);
	ASSERT_OK(feed_msg(s, &p2, true));
	for (int v = 0; v < 3; v++)
		feed_vote(s, CONS_MSG_PRECOMMIT, v, 2, 0, B);
	ASSERT_U64_EQ(cons_height(s), 1);
	struct cons_msg p = proposal(1, 0, -1, A);
	ASSERT_OK(feed_msg(s, &p, true));
	for (int v = 0; v < 3; v++)
		feed_vote(s, CONS_MSG_PRECOMMIT, v, 1, 0, A);
	/* Height 1 decided, then height 2 from the buffer, in one step. */
	ASSERT_EQ(count(CONS_ACT_COMMIT), 2);
	ASSERT_U64_EQ(find(CONS_ACT_COMMIT, 0)->cert->height, 1);
	ASSERT_U64_EQ(find(CONS_ACT_COMMIT, 1)->cert->height, 2);
	ASSERT_MEM_EQ(find(CONS_ACT_COMMIT, 1)->cert->hash, B, HASH_BYTES);
	ASSERT_U64_EQ(cons_height(s), 3);
	/* Too far ahead: dropped. */
	feed_vote(s, CONS_MSG_PRECOMMIT, 0, 9, 0, B);
	ASSERT_EQ(n_acts, 0);
	cons_free(s);
}

/* A verified certificate lets a node that is behind decide. */
static void test_commit_catchup(void)
{
	struct cons *s = core_new(0, 1, NULL);
	struct cons_cert c;
	struct cons_event ev = {0};
	start(s);
	memset(&c, 0, sizeof c);
	c.height = 1;
	c.round = 3;
	memcpy(c.hash, A, HASH_BYTES);
	c.count = 2;
	for (int i = 0; i < 2; i++) {
		c.index[i] = (uint16_t)(i + 1);
		ASSERT_OK(vote_sign(c.sig[i], &keys[i + 1], CHAIN,
				    VOTE_PRECOMMIT, 1, 3, A));
	}
	ev.kind = CONS_EV_COMMIT;
	ev.cert = &c;
	ev.valid = true;
	ASSERT_EQ(step(s, &ev), ACC_ECERT); /* two of four: no quorum */
	c.count = 3;
	c.index[2] = 3;
	ASSERT_OK(vote_sign(c.sig[2], &keys[3], CHAIN, VOTE_PRECOMMIT, 1, 3, A));
	c.sig[2][5] ^= 1;
	ASSERT_EQ(step(s, &ev), ACC_ECERT); /* a bad signature */
	c.sig[2][5] ^= 1;
	c.index[2] = 1;
	ASSERT_EQ(step(s, &ev), ACC_ECERT); /* not ascending */
	c.index[2] = 2;
	memcpy(c.sig[2], c.sig[1], SIG_BYTES);
	ASSERT_EQ(step(s, &ev), ACC_ECERT); /* one signer twice */
	c.index[2] = 3;
	ASSERT_OK(vote_sign(c.sig[2], &keys[3], CHAIN, VOTE_PRECOMMIT, 1, 3, A));
	ASSERT_OK(step(s, &ev));
	ASSERT(find(CONS_ACT_COMMIT, 0) != NULL);
	ASSERT_U64_EQ(cons_height(s), 2);
	ASSERT_OK(step(s, &ev)); /* stale: ignored */
	ASSERT_EQ(n_acts, 0);
	cons_free(s);
}

static void test_proposer_rotation(void)
{
	/* (h + r) mod n: the sequence in the spec's test vector. */
	static const int want[8] = {1, 2, 3, 0, 2, 3, 0, 1};
	for (int k = 0; k < 8; k++)
		ASSERT_EQ(cons_proposer(1 + (uint64_t)(k / 4), (uint32_t)(k % 4), N),
			  want[k]);
}

static void test_config_errors(void)
{
	struct cons *s;
	struct cons_config cfg = {0};
	cfg.chain_id = CHAIN;
	cfg.n = 0;
	ASSERT_EQ(cons_init(&s, &cfg, 1, NULL), ACC_ECONFIG);
	cfg.n = VALIDATORS_MAX + 1;
	ASSERT_EQ(cons_init(&s, &cfg, 1, NULL), ACC_ECONFIG);
	cfg.n = 4;
	cfg.pubkeys = (const uint8_t(*)[PUBKEY_BYTES])pubkeys;
	cfg.self = 0; /* signs, but has no key */
	ASSERT_EQ(cons_init(&s, &cfg, 1, NULL), ACC_ECONFIG);
	uint64_t power[4] = {1, 0, 1, 1};
	cfg.self = -1;
	cfg.power = power;
	ASSERT_EQ(cons_init(&s, &cfg, 1, NULL), ACC_ECONFIG);
	/* Events before START are refused. */
	cfg.power = NULL;
	ASSERT_OK(cons_init(&s, &cfg, 1, NULL));
	struct cons_event ev = {0};
	ev.kind = CONS_EV_TICK;
	ASSERT_EQ(step(s, &ev), ACC_ESTATE);
	cons_free(s);
}

/* Voting power: one validator with 3 of 6 power is not a quorum alone,
 * but it and one other (4 of 6 > 2/3) are. */
static void test_weighted_power(void)
{
	struct cons_config cfg = {0};
	struct cons *s;
	uint64_t power[4] = {3, 1, 1, 1};
	cfg.chain_id = CHAIN;
	cfg.n = N;
	cfg.pubkeys = (const uint8_t(*)[PUBKEY_BYTES])pubkeys;
	cfg.self = -1;
	cfg.power = power;
	cfg.propose_ms = cfg.prevote_ms = cfg.precommit_ms = 100;
	cfg.timeout_max_ms = 100;
	ASSERT_OK(cons_init(&s, &cfg, 1, NULL));
	start(s);
	struct cons_msg p = proposal(1, 0, -1, A);
	ASSERT_OK(feed_msg(s, &p, true));
	feed_vote(s, CONS_MSG_PRECOMMIT, 0, 1, 0, A);
	feed_vote(s, CONS_MSG_PRECOMMIT, 1, 1, 0, A);
	ASSERT(find(CONS_ACT_COMMIT, 0) == NULL); /* 4 of 6 is 2/3: not > */
	feed_vote(s, CONS_MSG_PRECOMMIT, 2, 1, 0, A);
	ASSERT(find(CONS_ACT_COMMIT, 0) != NULL);
	cons_free(s);
}

/* ---- Wire codec -------------------------------------------------------- */

static void test_wire_roundtrip(void)
{
	struct cons_msg in[2] = {vote(CONS_MSG_PRECOMMIT, 2, 7, 3, A),
				 proposal(7, 3, 1, B)};
	for (int k = 0; k < 2; k++) {
		struct wbuf w;
		struct cons_msg out;
		uint8_t type;
		wbuf_init(&w, CONS_WIRE_BYTES_MAX);
		cons_msg_encode(&in[k], &w);
		ASSERT_OK(wbuf_error(&w));
		ASSERT_EQ(w.len, k == 0 ? CONS_VOTE_WIRE_BYTES
					: CONS_PROPOSAL_WIRE_BYTES);
		ASSERT_OK(cons_wire_decode(w.data, w.len, &type, &out, NULL));
		ASSERT_EQ(type, in[k].type);
		ASSERT_MEM_EQ(&out, &in[k], sizeof out);
		/* Every truncation and one extra byte are refused. */
		for (size_t n = 0; n < w.len; n++)
			ASSERT_EQ(cons_wire_decode(w.data, n, &type, &out, NULL),
				  ACC_EDECODE);
		wbuf_u8(&w, 0);
		ASSERT_EQ(cons_wire_decode(w.data, w.len, &type, &out, NULL),
			  ACC_EDECODE);
		wbuf_free(&w);
	}
}

static void test_wire_errors(void)
{
	struct cons_msg p = proposal(7, 3, 1, B), out;
	static struct cons_cert cert, got;
	struct wbuf w;
	uint8_t type;
	wbuf_init(&w, CONS_WIRE_BYTES_MAX);
	cons_msg_encode(&p, &w);
	ASSERT_OK(wbuf_error(&w));
	uint8_t *b = w.data;
	b[0] = 9; /* unknown type */
	ASSERT_EQ(cons_wire_decode(b, w.len, &type, &out, NULL), ACC_EDECODE);
	b[0] = CONS_MSG_PROPOSAL;
	be32_put(b + 13, 3); /* valid round == round */
	ASSERT_EQ(cons_wire_decode(b, w.len, &type, &out, NULL), ACC_ERANGE);
	be32_put(b + 13, 1);
	be32_put(b + 9, 0x80000000u); /* round over CONS_ROUND_MAX */
	ASSERT_EQ(cons_wire_decode(b, w.len, &type, &out, NULL), ACC_ERANGE);
	be32_put(b + 9, 3);
	memset(b + 17, 0, HASH_BYTES); /* a proposal of nil */
	ASSERT_EQ(cons_wire_decode(b, w.len, &type, &out, NULL), ACC_EDECODE);
	wbuf_free(&w);

	/* Certificates: ascending signers, at least one, a bounded count. */
	memset(&cert, 0, sizeof cert);
	cert.height = 1;
	memcpy(cert.hash, A, HASH_BYTES);
	cert.count = 2;
	cert.index[0] = 2;
	cert.index[1] = 1;
	wbuf_init(&w, CONS_WIRE_BYTES_MAX);
	cons_commit_encode(&cert, &w);
	ASSERT_EQ(cons_wire_decode(w.data, w.len, &type, &out, &got),
		  ACC_EDECODE);
	ASSERT_EQ(cons_wire_decode(w.data, w.len, &type, &out, NULL),
		  ACC_EDECODE);
	be16_put(w.data + 1 + 8 + 4 + HASH_BYTES, 0xffff);
	ASSERT_EQ(cons_wire_decode(w.data, w.len, &type, &out, &got),
		  ACC_ETOOBIG);
	be16_put(w.data + 1 + 8 + 4 + HASH_BYTES, 0);
	ASSERT_EQ(cons_wire_decode(w.data, w.len, &type, &out, &got),
		  ACC_EDECODE);
	wbuf_free(&w);
	cert.index[0] = 0;
	wbuf_init(&w, CONS_WIRE_BYTES_MAX);
	cons_commit_encode(&cert, &w);
	ASSERT_OK(cons_wire_decode(w.data, w.len, &type, &out, &got));
	ASSERT_EQ(type, CONS_MSG_COMMIT);
	ASSERT_EQ(got.count, 2);
	ASSERT_MEM_EQ(&got, &cert, sizeof got);
	ASSERT_OK(cons_cert_decode(w.data + 1, w.len - 1, &got));
	wbuf_free(&w);

	/* Signing state: bad version, lock after its round, bad polka. */
	uint8_t junk[4] = {2, 0, 0, 0};
	struct cons_signstate st;
	ASSERT_EQ(cons_signstate_decode(junk, sizeof junk, &st), ACC_EDECODE);
	memset(&st, 0, sizeof st);
	st.height = 5;
	st.round = 1;
	st.step = 2;
	st.locked_round = 2;
	wbuf_init(&w, CONS_SIGNSTATE_BYTES_MAX);
	cons_signstate_encode(&st, &w);
	ASSERT_EQ(cons_signstate_decode(w.data, w.len, &st), ACC_ERANGE);
	wbuf_free(&w);
}

/* The spec's test vectors (specs/consensus.md, "Test vectors"). */
static void test_vectors(void)
{
	uint8_t payload[VOTE_PAYLOAD_BYTES], sig[SIG_BYTES];
	char hex[2 * CONS_PROPOSAL_WIRE_BYTES + 1];
	vote_payload(payload, VOTE_PRECOMMIT, 1, 0, A);
	hex_encode(hex, payload, sizeof payload);
	ASSERT_STR_EQ(hex, "02000000000000000100000000"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	/* Validator 0's key is the seed of 32 bytes 0x01. */
	ASSERT_OK(vote_sign(sig, &keys[0], CHAIN, VOTE_PRECOMMIT, 1, 0, A));
	hex_encode(hex, sig, sizeof sig);
	ASSERT_STR_EQ(hex, VECTOR_VOTE_SIG);
	uint8_t pp[CONS_PROPOSAL_PAYLOAD_BYTES];
	cons_proposal_payload(pp, 1, 0, -1, A);
	hex_encode(hex, pp, sizeof pp);
	ASSERT_STR_EQ(hex, "0000000000000001" "00000000" "ffffffff"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	struct cons_msg m = proposal(1, 0, -1, A); /* signed by 1 */
	struct wbuf w;
	wbuf_init(&w, CONS_WIRE_BYTES_MAX);
	cons_msg_encode(&m, &w);
	ASSERT_OK(wbuf_error(&w));
	hex_encode(hex, w.data, w.len);
	ASSERT_STR_EQ(hex, VECTOR_PROPOSAL_WIRE);
	wbuf_free(&w);
}

/* "Durable before what" rule 4: the blocks a record signs for are those of
 * its messages at its height that name a block. */
static void test_signstate_blocks(void)
{
	struct cons_signstate rec = {0};
	const struct cons_msg *out[3];
	rec.height = 7;
	ASSERT_EQ(cons_signstate_blocks(&rec, out), 0);
	rec.has[0] = rec.has[1] = rec.has[2] = true;
	rec.last[0].type = CONS_MSG_PROPOSAL;
	rec.last[0].height = 7;
	memcpy(rec.last[0].hash, A, HASH_BYTES);
	rec.last[1].type = CONS_MSG_PREVOTE;
	rec.last[1].height = 7; /* nil: no block */
	rec.last[2].type = CONS_MSG_PRECOMMIT;
	rec.last[2].height = 7;
	memcpy(rec.last[2].hash, B, HASH_BYTES);
	ASSERT_EQ(cons_signstate_blocks(&rec, out), 2);
	ASSERT(out[0] == &rec.last[0] && out[1] == &rec.last[2]);
	/* A message of an earlier height (decided) names none; one not
	 * held (has false) neither. */
	rec.last[0].height = 6;
	rec.has[2] = false;
	memcpy(rec.last[1].hash, B, HASH_BYTES);
	ASSERT_EQ(cons_signstate_blocks(&rec, out), 1);
	ASSERT(out[0] == &rec.last[1]);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	keys_make();
	RUN(test_rule11_start_round);
	RUN(test_rule22_proposal);
	RUN(test_rule22_locked);
	RUN(test_rule28_reproposal);
	RUN(test_rule34_prevote_timer);
	RUN(test_rule36_lock);
	RUN(test_rule36_valid_value);
	RUN(test_rule44_nil_polka);
	RUN(test_rule47_precommit_timer);
	RUN(test_tick_relays_left_round);
	RUN(test_rule49_decide);
	RUN(test_rule55_round_skip);
	RUN(test_rule57_timeouts);
	RUN(test_verification);
	RUN(test_evidence);
	RUN(test_proposal_evidence);
	RUN(test_restart_record_ahead);
	RUN(test_equivocator_counts_once);
	RUN(test_double_sign_restart);
	RUN(test_persist_order);
	RUN(test_future_height);
	RUN(test_commit_catchup);
	RUN(test_proposer_rotation);
	RUN(test_config_errors);
	RUN(test_weighted_power);
	RUN(test_wire_roundtrip);
	RUN(test_wire_errors);
	RUN(test_vectors);
	RUN(test_signstate_blocks);
	for (int i = 0; i < N; i++)
		key_free(&keys[i]);
	return 0;
}
